// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The header-line fast path (bpf/request_head.bpf.h's head_rest_fast()), compiled as
 * ordinary C (tests/conn_sim), checked two ways:
 *
 * - against the scan it replaced (reference_head_rest() below, head_rest_fast() as it was
 *   at 0da4d38: from one '\n' to the next, bytes looked at one by one there), call by call:
 *   the same answer (where the byte loop goes on, whether the head ended), the same
 *   `recent` and `hdr` for the byte loop, the same heads owed; over heads made by hand
 *   (line ends CRLF, bare LF and lone CR at every offset around the 8-byte words, c and t
 *   lines at every offset, heads ending at and around the copy's FEE_LINE_MAX bytes, query
 *   strings with and without keep_query, stale bytes past the copy) and many random and
 *   adversarial ones;
 * - a whole connection against the byte loop alone: the same bytes read in the reads given
 *   (where the fast paths run) and one byte per read (where they cannot: a one-byte read
 *   never holds a whole request line), then answered; the same records and counters
 *   (pipelined requests in one read, heads split across reads, heads of 8 KiB ± 1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_shim.h"
#include "conn_sim.h"
#include "word_scan.bpf.h"

/* request_head.bpf.h's enum header_match values the scan leaves, and its HEAD_FAST_DONE. */
#define HDR_LINE_START 0
#define HDR_SKIP 4
#define HEAD_DONE (1U << 31)

#define FD 7
#define RESPONSE "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

/* ---- the reference: head_rest_fast() at 0da4d38, its head's completion left out ---- */

static __u32 ref_head_byte(const char *line, __u32 recent0, __u32 start, int q)
{
	int back = (int)start - 1 - q;

	if (back < 0)
		return (__u8)line[q & (FEE_LINE_MAX - 1)];
	return back < 4 ? (recent0 >> (8 * back)) & 0xff : 0;
}

static __u32 reference_head_rest(const char *line, __u32 start, __u32 copied, __u32 *recentp,
				 __u8 *hdr)
{
	__u32 recent0, recent = 0, at, done = 0, first, base, pos, hi, lf;
	bool line_start = true;
	__u64 w, lfs;
	int i, e, j;

	if (start >= copied || copied > FEE_LINE_MAX)
		return start;
	recent0 = *recentp;
	at = copied;
	first = start & ~7U;
	for (i = 0; i < FEE_LINE_MAX / 8; i++) {
		base = first + i * 8;
		if (base >= copied)
			break;
		memcpy(&w, &line[base & (FEE_LINE_MAX - 8)], sizeof(w));
		pos = base < start ? start - base : 0;
		hi = copied - base < 8 ? copied - base : 8;
		lfs = word_bytes_equal(w, '\n') & (~0ULL << (pos * 8)) & (~0ULL >> ((8 - hi) * 8));
		for (e = 0; e < 9; e++) {
			if (line_start) {
				char c;

				if (pos >= hi)
					break;
				c = (char)(w >> ((pos & 7) * 8));
				if ((c | 0x20) == 'c' || (c | 0x20) == 't') {
					at = base + pos;
					goto out;
				}
				line_start = false;
			}
			if (!lfs)
				break;
			lf = first_marked_byte(lfs);
			lfs &= lfs - 1;
			j = base + lf;
			if (ref_head_byte(line, recent0, start, j - 1) == '\n' ||
			    (ref_head_byte(line, recent0, start, j - 1) == '\r' &&
			     ref_head_byte(line, recent0, start, j - 2) == '\n' &&
			     ref_head_byte(line, recent0, start, j - 3) == '\r')) {
				at = j + 1;
				done = HEAD_DONE;
				line_start = true;
				goto out;
			}
			line_start = true;
			pos = lf + 1;
		}
	}
out:
	for (j = 4; j >= 1; j--)
		recent = (recent << 8) | ref_head_byte(line, recent0, start, (int)at - j);
	*recentp = recent;
	*hdr = line_start ? HDR_LINE_START : HDR_SKIP;
	return at | done;
}

/* ---- inputs ---- */

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u32 rnd(__u32 n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (__u32)(rng_state >> 16) % n;
}

/* A byte that matters to the scan more often than not. */
static char adversarial_byte(void)
{
	static const char bytes[] = "\r\n\r\n\r\nctCTcontent-length: 9transfer-encodingx \t?";

	return bytes[rnd(sizeof(bytes) - 1)];
}

static unsigned compared, heads_ended, ct_stops;

static void hexdump(const char *what, const char *p, __u32 n)
{
	print_message("%s:", what);
	for (__u32 i = 0; i < n; i++)
		print_message(" %02x", (__u8)p[i]);
	print_message("\n");
}

/* head_rest_fast() and the reference on the same state: every output equal. */
static void compare_scans(const char *line, __u32 copied, __u32 start, __u32 recent0)
{
	__u32 recent_new = recent0, recent_ref = recent0, got, want;
	__u8 hdr_new = 0xff, hdr_ref = 0xff;
	unsigned pending = 0;
	const struct fee_request_record *recs;

	got = conn_sim_head_rest(line, copied, start, &recent_new, &hdr_new, &pending);
	want = reference_head_rest(line, start, copied, &recent_ref, &hdr_ref);
	conn_sim_take_records(&recs);
	if (got != want || recent_new != recent_ref || hdr_new != hdr_ref ||
	    pending != !!(want & HEAD_DONE)) {
		hexdump("line", line, copied);
		fail_msg("start %u copied %u recent %08x: answer %08x recent %08x hdr %u pending "
			 "%u, "
			 "want %08x %08x %u %u",
			 start, copied, recent0, got, recent_new, hdr_new, pending, want,
			 recent_ref, hdr_ref, !!(want & HEAD_DONE));
	}
	compared++;
	heads_ended += !!(want & HEAD_DONE);
	ct_stops += !(want & HEAD_DONE) && (want & ~HEAD_DONE) < copied;
}

/*
 * A read that starts a request, through the real request_line_fast(), then the header
 * scans on the bytes it left: on every shorter copy too (a read cut there), with the slot's
 * bytes past the copy stale (what an earlier request left: line ends and c/t included).
 */
static void compare_read(const char *buf, size_t len, bool keep_query)
{
	const struct conn_sim_options opts = { .keep_query = keep_query };
	char line[FEE_LINE_MAX];
	__u32 copied, recent, start;

	conn_sim_start(&opts);
	start = conn_sim_request_line(buf, len, line, &copied, &recent);
	if (start == 0)
		return; /* the byte loop takes the request line: the scan does not run */
	for (__u32 n = copied; n > start; n--) {
		for (__u32 i = n; i < FEE_LINE_MAX; i++)
			line[i] = adversarial_byte();
		compare_scans(line, n, start, recent);
	}
}

static void compare_text(const char *text, bool keep_query)
{
	compare_read(text, strlen(text), keep_query);
}

static const char *const line_ends[] = { "\r\n", "\n" };

/* A request line of `pad` target bytes (a query string among them when `query`, with a
 * second '?' in it when long enough). */
static size_t put_request_line(char *p, unsigned pad, bool query, const char *eol)
{
	size_t n = (size_t)sprintf(p, "GET /");

	for (unsigned i = 0; i < pad; i++)
		p[n++] = query && (i == pad / 2 || (pad > 12 && i == pad - 2)) ? '?' : 'a' + i % 26;
	return n + (size_t)sprintf(p + n, " HTTP/1.1%s", eol);
}

static void test_line_ends_at_every_offset(void **state)
{
	static const char *const headers[] = {
		"Host: h", "Accept: */*", "X: y", "Content-Length: 3", "te: x", "A: b\rc", "",
	};
	char head[512];

	(void)state;
	/* Every combination: 16 request-line lengths (so `start` at every offset of a word),
	 * with and without a query string, CRLF or LF after the request line, after the
	 * first header and after the second, 7 x 7 pairs of header lines. */
	for (unsigned c = 0; c < 16 * 2 * 2 * 2 * 2 * 7 * 7; c++) {
		unsigned pad = c % 16, query = c / 16 % 2, e1 = c / 32 % 2, e2 = c / 64 % 2;
		unsigned e3 = c / 128 % 2, h = c / 256 % 7, g = c / 1792;
		size_t n = put_request_line(head, pad, query, line_ends[e1]);

		n += (size_t)sprintf(head + n, "%s%s%s%s%s", headers[h], line_ends[e2], headers[g],
				     line_ends[e3], line_ends[e2]);
		compare_read(head, n, query && pad & 1);
	}
	print_message("%u scans compared, %u heads ended, %u stops at c/t lines\n", compared,
		      heads_ended, ct_stops);
	assert_true(heads_ended > 1000);
	assert_true(ct_stops > 1000);
}

/* A lone CR, a bare LF and CRLF around every byte of two words, in a line of its own and
 * ending the head. */
static void test_lone_cr_everywhere(void **state)
{
	static const char *const marks[] = { "\r", "\n", "\r\n", "\r\r\n", "\n\r", "\r\n\r" };
	char head[512];

	(void)state;
	for (unsigned pad = 0; pad < 8; pad++)
		for (unsigned at = 0; at < 24; at++)
			for (unsigned m = 0; m < 6; m++)
				for (unsigned e = 0; e < 2; e++) {
					size_t n = put_request_line(head, pad, false, "\r\n");

					n += (size_t)sprintf(head + n, "A: %.*s%s%s%s", (int)at,
							     "bbbbbbbbbbbbbbbbbbbbbbbb", marks[m],
							     "zz", line_ends[e]);
					n += (size_t)sprintf(head + n, "%s%s", marks[m],
							     line_ends[e]);
					compare_read(head, n, false);
				}
}

/* Lines starting with c, C, t, T (and near misses) at every offset of a word. */
static void test_ct_lines_at_every_offset(void **state)
{
	static const char *const names[] = { "Content-Length: 12",
					     "transfer-encoding: chunked",
					     "Cookie: a=b",
					     "TE: trailers",
					     "connection: close",
					     "c",
					     "t",
					     "b: c",
					     "Xc: t" };
	char head[512];

	(void)state;
	for (unsigned pad = 0; pad < 8; pad++)
		for (unsigned k = 0; k < 40; k++)
			for (unsigned m = 0; m < 9; m++)
				for (unsigned e = 0; e < 2; e++) {
					size_t n = put_request_line(head, pad, false, line_ends[e]);

					n += (size_t)sprintf(
						head + n, "A: %.*s%s%s%s%s", (int)k,
						"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
						line_ends[e], names[m], line_ends[e], line_ends[e]);
					compare_read(head, n, false);
				}
}

/* Heads whose end lies just before, at and just after the copy's edge, and far past it. */
static void test_heads_at_the_copy_edge(void **state)
{
	char head[1024];

	(void)state;
	for (unsigned total = FEE_LINE_MAX - 12; total <= FEE_LINE_MAX + 12; total++)
		for (unsigned e = 0; e < 2; e++)
			for (int tail = 0; tail < 3; tail++) {
				const char *eol = line_ends[e];
				size_t n = put_request_line(head, 3, true, eol);
				size_t blank = strlen(eol);
				/* "X: " + value + eol + eol, then what follows the head */
				unsigned value = total - (unsigned)n - 3 - 2 * (unsigned)blank;

				n += (size_t)sprintf(head + n, "X: ");
				memset(head + n, 'v', value);
				n += value;
				n += (size_t)sprintf(head + n, "%s%s", eol, eol);
				if (tail == 1)
					n += (size_t)sprintf(head + n, "GET / HTTP/1.1\r\n\r\n");
				else if (tail == 2)
					n += (size_t)sprintf(head + n, "cccccccc");
				compare_read(head, n, false);
				compare_read(head, n, true);
			}
	compare_text(
		"GET / HTTP/1.1\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n",
		false);
}

/*
 * Random heads: header lines, line ends and pipelined requests after them. `clean` keeps
 * '\n' to the line ends (CRLF, LF, CR CRLF; lone CRs inside lines) and leaves out
 * Content-Length values, so the head ends at its blank line or runs into the next
 * request's, never before: what follows a head always starts a request (see
 * test_connections). Otherwise any line may be adversarial bytes and end anywhere.
 */
static size_t random_head(char *p, size_t cap, bool clean)
{
	static const char *const names[] = { "Host",
					     "Content-Length",
					     "content-length",
					     "CONTENT-LENGTH",
					     "Transfer-Encoding",
					     "te",
					     "Cookie",
					     "Connection",
					     "c",
					     "t",
					     "T",
					     "C",
					     "Accept",
					     "X-Forwarded-For" };
	static const char *const eols[] = { "\r\n", "\r\n", "\n", "\r\r\n", "\r", "\n\r" };
	size_t n = put_request_line(p, rnd(40), rnd(2), rnd(4) ? "\r\n" : "\n");
	unsigned lines = rnd(8);

	for (unsigned l = 0; l < lines && n + 80 < cap; l++) {
		unsigned vlen = rnd(30);

		if (!clean && rnd(6) == 0) { /* an adversarial line */
			for (unsigned i = 0; i < vlen; i++)
				p[n++] = adversarial_byte();
		} else {
			n += (size_t)sprintf(p + n, "%s: ", names[rnd(14)]);
			for (unsigned i = 0; i < vlen; i++)
				p[n++] = rnd(10) ? 'a' + (char)rnd(26)
					 : clean ? (rnd(2) ? '\r' : ' ')
						 : adversarial_byte();
		}
		n += (size_t)sprintf(p + n, "%s", eols[rnd(clean ? 4 : 6)]);
	}
	n += (size_t)sprintf(p + n, "%s", rnd(4) ? "\r\n" : "\n");
	if (rnd(3) == 0 && n + 40 < cap)
		n += (size_t)sprintf(p + n, "%s",
				     rnd(2) ? "GET /next HTTP/1.1\r\nHost: x\r\n\r\n" : "t");
	return n;
}

static void test_random_heads(void **state)
{
	char head[600];

	(void)state;
	compared = heads_ended = ct_stops = 0;
	for (int run = 0; run < 20000; run++) {
		size_t n = random_head(head, sizeof(head) - 60, false);

		compare_read(head, n, rnd(2));
	}
	print_message("%u scans compared, %u heads ended, %u stops at c/t lines\n", compared,
		      heads_ended, ct_stops);
	assert_true(heads_ended > 20000);
	assert_true(ct_stops > 20000);
}

/* States no request line leaves, too: any bytes, any `recent`, any start and copy. */
static void test_random_states(void **state)
{
	char line[FEE_LINE_MAX];

	(void)state;
	conn_sim_start(NULL);
	compared = heads_ended = ct_stops = 0;
	for (int run = 0; run < 40000; run++) {
		__u32 start = rnd(FEE_LINE_MAX - 1), copied = start + 1 + rnd(FEE_LINE_MAX - start);
		__u32 recent;

		for (unsigned i = 0; i < FEE_LINE_MAX; i++)
			line[i] = rnd(4) ? adversarial_byte() : (char)rnd(256);
		switch (rnd(4)) {
		case 0:
			recent = 0x0a;
			break;
		case 1:
			recent = 0x0d0a;
			break;
		case 2:
			recent = (rnd(1U << 24) << 8) | '\n';
			break;
		default:
			recent = rnd(4) << 30 | rnd(1U << 30);
		}
		compare_scans(line, copied, start, recent);
	}
	print_message("%u scans compared, %u heads ended, %u stops at c/t lines\n", compared,
		      heads_ended, ct_stops);
	assert_true(heads_ended > 4000);
	assert_true(ct_stops > 4000);
}

/* ---- whole connections: the reads given against one byte per read ---- */

struct outcome {
	struct fee_request_record recs[64];
	size_t n;
	__u64 counters[FEE_CNT_MAX];
	unsigned heads;
};

static void take(struct outcome *o)
{
	const struct fee_request_record *recs;
	size_t n = conn_sim_take_records(&recs);

	for (size_t i = 0; i < n && o->n < 64; i++)
		o->recs[o->n++] = recs[i];
}

/* Reads `buf` cut at `cuts` (ascending offsets; NULL: one byte per read), then answers
 * every request owed, one write each. The clock stands still: durations are equal. */
static void run_connection(struct outcome *o, const char *buf, size_t len, const size_t *cuts,
			   size_t ncuts, bool keep_query, bool emit_started)
{
	const struct conn_sim_options opts = { .keep_query = keep_query,
					       .emit_started = emit_started };
	size_t from = 0;

	memset(o, 0, sizeof(*o));
	conn_sim_start(&opts);
	for (size_t c = 0; from < len; c++) {
		size_t to = cuts ? (c < ncuts ? cuts[c] : len) : from + 1;
		char *piece = malloc(to - from); /* its own: a read past it aborts (ASan) */

		assert_non_null(piece);
		memcpy(piece, buf + from, to - from);
		o->heads += conn_sim_read(FD, piece, to - from);
		free(piece);
		from = to;
		take(o);
	}
	for (unsigned owed = conn_sim_pending(FD); owed > 0; owed--)
		conn_sim_write(FD, RESPONSE, strlen(RESPONSE));
	conn_sim_close(FD);
	take(o);
	for (unsigned i = 0; i < FEE_CNT_MAX; i++)
		o->counters[i] = conn_sim_counter(i);
}

static unsigned records;

static void compare_connection(const char *buf, size_t len, const size_t *cuts, size_t ncuts,
			       bool keep_query, bool emit_started)
{
	static struct outcome got, want;

	run_connection(&got, buf, len, cuts, ncuts, keep_query, emit_started);
	run_connection(&want, buf, len, NULL, 0, keep_query, emit_started);
	if (got.heads != want.heads || got.n != want.n ||
	    memcmp(got.counters, want.counters, sizeof(got.counters))) {
		hexdump("bytes", buf, len);
		for (size_t i = 0; i < ncuts; i++)
			print_message("read cut at %zu\n", cuts[i]);
	}
	assert_int_equal(got.heads, want.heads);
	assert_int_equal(got.n, want.n);
	assert_memory_equal(got.counters, want.counters, sizeof(got.counters));
	for (size_t i = 0; i < got.n; i++) {
		const struct fee_request_record *a = &got.recs[i], *b = &want.recs[i];

		assert_memory_equal(a, b, FEE_RECORD_HEAD_BYTES);
		assert_memory_equal(a->line, b->line, a->line_len);
		/* Nothing past the line leaves the kernel (SPEC §6). */
		for (size_t j = a->line_len; j < FEE_LINE_MAX; j++)
			if (a->line[j] || b->line[j])
				fail_msg("record %zu: line byte %zu of %u is not 0", i, j,
					 a->line_len);
	}
	compared++;
	records += got.n;
}

static size_t put_head_of_length(char *p, size_t total, const char *eol)
{
	size_t n = put_request_line(p, 5, true, eol), blank = strlen(eol);
	size_t value = total - n - 3 - 2 * blank;

	n += (size_t)sprintf(p + n, "X: ");
	memset(p + n, 'v', value);
	n += value;
	return n + (size_t)sprintf(p + n, "%s%s", eol, eol);
}

static void test_connections(void **state)
{
	static char buf[3 * 8192 + 512];
	static const size_t long_heads[] = { 8191, 8192, 8193, 255, 256, 257 };

	(void)state;
	compared = 0;
	/* Heads of 8 KiB ± 1 (and around the copy's edge), alone and pipelined, in one read. */
	for (unsigned h = 0; h < 6; h++)
		for (unsigned e = 0; e < 2; e++)
			for (int keep = 0; keep < 2; keep++) {
				size_t n = put_head_of_length(buf, long_heads[h], line_ends[e]);
				size_t one = n;

				compare_connection(buf, n, NULL, 0, keep, false);
				compare_connection(buf, n, &one, 1, keep, false);
				n += put_head_of_length(buf + n, 300, line_ends[e]);
				compare_connection(buf, n, &one, 1, keep, true);
				compare_connection(buf, n, &n, 1, keep, false);
			}
	/* Pipelined requests in one read, with bodies and a chunked one; cut at every byte. */
	{
		const char *pipelined =
			"POST /a?q=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n"
			"hello"
			"GET /b HTTP/1.1\nCookie: c\n\n"
			"GET /c?x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n"
			"0\r\n\r\n";
		size_t len = strlen(pipelined);

		for (size_t cut = 1; cut < len; cut++)
			for (int keep = 0; keep < 2; keep++) {
				compare_connection(pipelined, len, &cut, 1, keep, false);
				compare_connection(pipelined, len, &cut, 1, keep, true);
			}
	}
	/* Random pipelines of random heads, read in random pieces. */
	for (int run = 0; run < 3000; run++) {
		size_t n = 0, cuts[8], ncuts = 0;
		unsigned requests = 1 + rnd(4);

		for (unsigned r = 0; r < requests; r++)
			n += random_head(buf + n, 600, true);
		while (ncuts < 8 && rnd(2)) {
			size_t at = (ncuts ? cuts[ncuts - 1] : 0) + 1 + rnd(300);

			if (at >= n)
				break;
			cuts[ncuts++] = at;
		}
		compare_connection(buf, n, cuts, ncuts, rnd(2), rnd(2));
	}
	print_message("%u connections compared, %u records\n", compared, records);
	assert_true(records > 2 * compared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_ends_at_every_offset),
		cmocka_unit_test(test_lone_cr_everywhere),
		cmocka_unit_test(test_ct_lines_at_every_offset),
		cmocka_unit_test(test_heads_at_the_copy_edge),
		cmocka_unit_test(test_random_heads),
		cmocka_unit_test(test_random_states),
		cmocka_unit_test(test_connections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
