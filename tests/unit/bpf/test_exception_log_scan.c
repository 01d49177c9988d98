// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exception-log scan (bpf/exception_log.bpf.h), compiled as ordinary C
 * (tests/conn_sim): a thread serving a request writes log lines, and the scan must follow
 * Flask's two markers ("Exception on ", then "Traceback (most recent call last):") exactly
 * as a plain byte-at-a-time matcher does (reference_scan() below, the scan as it was before
 * it skipped eight bytes a step): markers at every offset around the 8-byte words and
 * chunks the kernel copies (conn_sim_log_chunk bytes), split across writes, near misses, past the 1
 * 024 bytes examined, and then many random and adversarial writes compared state by state.
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

#define FD 7
#define SCAN_MAX 1024 /* bytes of one write examined */
#define EXCEPTION "Exception on "
#define TRACEBACK "Traceback (most recent call last):"
#define RECORD "ERROR in app: Exception on /boom [GET]\nTraceback (most recent call last):\n"

enum { WANT_EXCEPTION, WANT_TRACEBACK, FLAGGED };

/* The specification: one byte at a time, the first SCAN_MAX bytes of each write. */
static void reference_scan(struct conn_sim_log *log, const char *buf, size_t len)
{
	static const char *const markers[] = { EXCEPTION, TRACEBACK };

	if (len > SCAN_MAX)
		len = SCAN_MAX;
	for (size_t i = 0; i < len && log->stage != FLAGGED; i++) {
		const char *marker = markers[log->stage];
		size_t n = strlen(marker), m = log->matched;

		if (buf[i] == marker[m]) {
			if (++m == n) {
				log->stage++;
				m = 0;
			}
		} else {
			m = buf[i] == marker[0];
		}
		log->matched = m;
	}
}

/* Feeds the writes to the kernel's scan and to the reference, comparing after each. */
static struct conn_sim_log scan_writes(const char *const *writes, size_t n)
{
	struct conn_sim_log got = { 0 }, want = { 0 };

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(writes[i]);
		/* Its own allocation: the scan may not read a byte past it (AddressSanitizer). */
		char *copy = malloc(len ? len : 1);

		assert_non_null(copy);
		memcpy(copy, writes[i], len);
		conn_sim_log_write(FD, &got, copy, len);
		reference_scan(&want, copy, len);
		free(copy);
		if (got.stage != want.stage || got.matched != want.matched)
			fail_msg("write %zu (%zu bytes): stage %u matched %u, want stage %u "
				 "matched %u",
				 i, len, got.stage, got.matched, want.stage, want.matched);
	}
	return got;
}

static void setup_sim(void)
{
	conn_sim_start(NULL);
}

struct scan_case {
	const char *name;
	const char *writes[8]; /* NULL-terminated */
	__u32 stage;
	__u16 matched;
};

static const struct scan_case cases[] = {
	{ "one record", { RECORD }, FLAGGED, 0 },
	{ "two lines, two writes", { "Exception on /x [GET]\n", TRACEBACK "\n" }, FLAGGED, 0 },
	{ "exception split", { "Exception o", "n /x [GET]\n" TRACEBACK }, FLAGGED, 0 },
	{ "traceback split",
	  { EXCEPTION "/x\nTraceback (most", " recent call last):" },
	  FLAGGED,
	  0 },
	{ "byte writes", { "E", "x", "c", "e", "p", "t" }, WANT_EXCEPTION, 6 },
	{ "near miss: Exception ox", { "Exception o", "x" }, WANT_EXCEPTION, 0 },
	{ "near miss then E", { "Exception oE" }, WANT_EXCEPTION, 1 },
	{ "traceback without colon",
	  { EXCEPTION "/x\nTraceback (most recent call last)" },
	  WANT_TRACEBACK,
	  33 },
	{ "traceback, then no colon",
	  { EXCEPTION, "Traceback (most recent call last)", "\n" },
	  WANT_TRACEBACK,
	  0 },
	{ "letters repeated",
	  { "EEEException on TTTTraceback (most recent call last):" },
	  FLAGGED,
	  0 },
	{ "E inside the marker", { "ExcEption on Exception on " }, WANT_TRACEBACK, 0 },
	{ "traceback first", { TRACEBACK "\n" EXCEPTION }, WANT_TRACEBACK, 0 },
	{ "lowercase",
	  { "exception on /x\ntraceback (most recent call last):" },
	  WANT_EXCEPTION,
	  0 },
	{ "short writes", { "Exce", "ption", " on ", "/x" }, WANT_TRACEBACK, 0 },
	{ "empty write keeps state", { "Excep", "", "tion on " }, WANT_TRACEBACK, 0 },
	{ "T while wanting exception",
	  { "Traceback (most recent call last):" },
	  WANT_EXCEPTION,
	  0 },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct scan_case *c = &cases[i];
		size_t n = 0;
		struct conn_sim_log got;

		setup_sim();
		while (n < 8 && c->writes[n])
			n++;
		got = scan_writes(c->writes, n);
		if (got.stage != c->stage || got.matched != c->matched)
			fail_msg("%s: stage %u matched %u, want stage %u matched %u", c->name,
				 got.stage, got.matched, c->stage, c->matched);
	}
}

/* Filler around a marker: no marker letter in it. */
static void fill(char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = "abcdfghjz0123 [/]\n"[i % 18];
}

/* buf becomes filler with `marker` at `off`, ending `extra` bytes after it. */
static void place(char *buf, size_t size, const char *marker, size_t off, size_t extra)
{
	fill(buf, size);
	memcpy(buf + off, marker, strlen(marker));
	buf[off + strlen(marker) + extra] = '\0';
}

/* Each marker at every offset around the first two chunks, in a write of every length
 * from just the marker to some bytes past it: found exactly when it lies in the write. */
static void test_marker_at_every_offset(void **state)
{
	char buf[512];

	(void)state;
	assert_true(2 * conn_sim_log_chunk + 12 + strlen(TRACEBACK) + 10 < sizeof(buf));
	for (size_t off = 0; off < 2 * conn_sim_log_chunk + 12; off++) {
		for (size_t extra = 0; extra < 10; extra++) {
			const char *one[1] = { buf };
			const char *two[2] = { EXCEPTION, buf };
			struct conn_sim_log got;

			place(buf, sizeof(buf), EXCEPTION, off, extra);
			setup_sim();
			assert_int_equal(scan_writes(one, 1).stage, WANT_TRACEBACK);

			place(buf, sizeof(buf), TRACEBACK, off, extra);
			setup_sim();
			assert_int_equal(scan_writes(two, 2).stage, FLAGGED);
			/* Cut one byte short of the marker's end: not found. */
			buf[off + strlen(TRACEBACK) - 1] = '\0';
			setup_sim();
			got = scan_writes(two, 2);
			assert_int_equal(got.stage, WANT_TRACEBACK);
			assert_int_equal(got.matched, strlen(TRACEBACK) - 1);
		}
	}
}

/* A whole record cut in two at every point, after every amount of leading filler. */
static void test_record_split_everywhere(void **state)
{
	const size_t record_len = strlen(RECORD);
	char buf[512], first[512];

	(void)state;
	assert_true(conn_sim_log_chunk + 8 + record_len < sizeof(buf));
	for (size_t lead = 0; lead < conn_sim_log_chunk + 8; lead++) {
		fill(buf, lead);
		memcpy(buf + lead, RECORD, record_len + 1);
		for (size_t cut = 0; cut <= lead + record_len; cut++) {
			const char *writes[2] = { first, buf + cut };
			struct conn_sim_log got;

			memcpy(first, buf, cut);
			first[cut] = '\0';
			setup_sim();
			got = scan_writes(writes, 2);
			assert_int_equal(got.stage, FLAGGED);
		}
	}
}

/* Only the first 1 024 bytes of a write count; the next write starts afresh. */
static void test_scan_limit(void **state)
{
	static char buf[SCAN_MAX + 64];
	const size_t n = strlen(EXCEPTION);

	(void)state;
	for (size_t end = SCAN_MAX - 3; end <= SCAN_MAX + 3; end++) {
		const char *writes[1] = { buf };
		struct conn_sim_log got;

		place(buf, sizeof(buf), EXCEPTION, end - n, 5);
		setup_sim();
		got = scan_writes(writes, 1);
		assert_int_equal(got.stage, end <= SCAN_MAX ? WANT_TRACEBACK : WANT_EXCEPTION);
	}
}

/* The second chunk (2 bytes) is copied over the first's start, whose "E" is stale: past
 * the write's end it is no byte of it. */
static void test_stale_bytes_past_the_end(void **state)
{
	char buf[512];
	const char *writes[1] = { buf };
	struct conn_sim_log got;

	(void)state;
	assert_true(conn_sim_log_chunk + 3 < sizeof(buf));
	fill(buf, sizeof(buf));
	buf[2] = 'E';
	buf[conn_sim_log_chunk + 2] = '\0';
	setup_sim();
	got = scan_writes(writes, 1);
	assert_int_equal(got.stage, WANT_EXCEPTION);
	assert_int_equal(got.matched, 0);
}

/* A chunk the kernel cannot read ends the write's scan where that chunk starts. */
static void test_unreadable_chunk(void **state)
{
	char buf[512];
	struct conn_sim_log log = { 0 };

	(void)state;
	assert_true(conn_sim_log_chunk + 40 < sizeof(buf));
	fill(buf, sizeof(buf));
	memcpy(buf + conn_sim_log_chunk - 4, EXCEPTION, strlen(EXCEPTION));
	setup_sim();
	shim_fail_user_read(2);
	conn_sim_log_write(FD, &log, buf, conn_sim_log_chunk + 40);
	assert_int_equal(log.stage, WANT_EXCEPTION);
	assert_int_equal(log.matched, 4); /* "Exce", the first chunk's last bytes */
}

/* A flagged request's record says so; a request whose log had no traceback does not. */
static void test_flag_reaches_the_record(void **state)
{
	static const char head[] = "GET /boom HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char response[] =
		"HTTP/1.1 500 INTERNAL SERVER ERROR\r\nContent-Length: 0\r\n\r\n";
	const struct fee_request_record *recs;
	struct conn_sim_log log = { 0 };
	char record[] = RECORD;

	(void)state;
	for (int flagged = 0; flagged < 2; flagged++) {
		setup_sim();
		assert_int_equal(conn_sim_read(FD, head, strlen(head)), 1);
		log.stage = WANT_EXCEPTION;
		log.matched = 0;
		conn_sim_log_write(FD, &log, record, flagged ? strlen(record) : strlen(record) - 4);
		assert_true(conn_sim_write(FD, response, strlen(response)));
		assert_int_equal(conn_sim_take_records(&recs), 1);
		assert_int_equal(recs[0].status, 500);
		assert_int_equal(!!(recs[0].flags & FEE_REC_EXCEPTION), flagged);
	}
}

/* Bytes drawn mostly from the markers' letters and pieces of the markers, mutated. */
static size_t adversarial_write(char *buf, size_t cap, unsigned *seed)
{
	static const char alphabet[] = "ETxcepion (mostrcalT):\nab";
	static const char *const pieces[] = { EXCEPTION,     TRACEBACK,
					      "Exception o", "Traceback (most",
					      "EEE",	     "TT",
					      "Exceptio",    " recent call last)" };
	size_t len = rand_r(seed) % 4 == 0 ? rand_r(seed) % cap : rand_r(seed) % 80, i = 0;

	while (i < len) {
		if (rand_r(seed) % 3 == 0) {
			const char *p = pieces[rand_r(seed) % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t n = strlen(p);

			if (n > len - i)
				n = len - i;
			memcpy(buf + i, p, n);
			if (n && rand_r(seed) % 4 == 0)
				buf[i + rand_r(seed) % n] =
					alphabet[rand_r(seed) % (sizeof(alphabet) - 1)];
			i += n;
		} else {
			buf[i++] = rand_r(seed) % 8
					   ? alphabet[rand_r(seed) % (sizeof(alphabet) - 1)]
					   : (char)(rand_r(seed) % 256);
		}
	}
	buf[len] = '\0';
	/* A NUL drawn above ends the write early: writes are strings here. */
	return strlen(buf);
}

static void test_differential(void **state)
{
	static char bufs[6][SCAN_MAX + 200];
	unsigned seed = 13;
	size_t flagged = 0;

	(void)state;
	for (int run = 0; run < 20000; run++) {
		const char *writes[6];
		size_t n = 1 + rand_r(&seed) % 6;

		for (size_t i = 0; i < n; i++) {
			adversarial_write(bufs[i], sizeof(bufs[i]) - 1, &seed);
			writes[i] = bufs[i];
		}
		setup_sim();
		flagged += scan_writes(writes, n).stage == FLAGGED;
	}
	/* The inputs reach every stage: the comparison covered the whole matcher. */
	print_message("%zu of 20000 runs flagged\n", flagged);
	assert_true(flagged > 100);
	assert_true(flagged < 19900);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_marker_at_every_offset),
		cmocka_unit_test(test_record_split_everywhere),
		cmocka_unit_test(test_scan_limit),
		cmocka_unit_test(test_stale_bytes_past_the_end),
		cmocka_unit_test(test_unreadable_chunk),
		cmocka_unit_test(test_flag_reaches_the_record),
		cmocka_unit_test(test_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
