/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The request-head parser: walks every request byte the server reads on a connection,
 * whatever is still owed, and turns each complete head into a request owed a response
 * (pipeline_fifo.bpf.h).
 *
 *     IDLE --request start--> REQUEST_LINE --'\n'--> HEADERS --blank line--+--> IDLE
 *                                                   Content-Length body  +--> BODY --read--> IDLE
 *                                                   Transfer-Encoding    +--> BODY_UNKNOWN
 *
 * Bytes count as a new request only where the previous request (head and declared body)
 * ended and only if they look like a request start, so a body is never taken for a
 * request. The head scan therefore looks at header names for Content-Length (its value is
 * the body to skip) and Transfer-Encoding (a chunked body: its length is unknown, so the
 * parser ignores reads until that request has been answered; servers answer a request
 * before reading the next). More pipelined bytes than one read's scan covers cannot be
 * matched to responses: the connection is given up (FEE_CNT_PIPELINE_OVERFLOW).
 */
#ifndef FEE_REQUEST_HEAD_BPF_H
#define FEE_REQUEST_HEAD_BPF_H

#include "conn_table.bpf.h"
#include "env.bpf.h"
#include "flask_ebpf_exporter.h"
#include "pipeline_fifo.bpf.h"
#include "record_emit.bpf.h"
#include "word_scan.bpf.h"

/* Keep the query string in the copied request line (only for group_by=full_path). */
FEE_LOAD_CONFIG __u32 cfg_keep_query = 0;

/* Request bytes examined per read (body bytes skipped by length do not count). A head
 * still arriving at the limit is taken to end there: real heads are far shorter, and
 * servers reject longer ones (gunicorn 8 KiB a field, nginx 8 KiB a line). */
#define REQUEST_SCAN_MAX 16384
#define SCAN_CHUNK 64
/* Longest method token we recognise ("OPTIONS", "M-SEARCH", "PROPPATCH" fit). */
#define METHOD_PEEK_LEN 16

/* Where the request line being copied stands (conn.part). */
enum line_part {
	PART_METHOD,
	PART_TARGET,
	PART_QUERY, /* skipped: the query string never leaves the kernel unless asked for */
	PART_VERSION,
};

/* Where the header-name match of the current header line stands. */
enum header_match {
	HDR_LINE_START,
	HDR_NAME_CL,  /* matching "content-length" */
	HDR_NAME_TE,  /* matching "transfer-encoding" */
	HDR_CL_VALUE, /* reading Content-Length's digits */
	HDR_SKIP,     /* nothing of interest until the line ends */
};

/* A body declared by the head being parsed. */
enum body_kind {
	BODY_NONE,
	BODY_LENGTH,  /* Content-Length: body_left bytes */
	BODY_CHUNKED, /* Transfer-Encoding (chunked): length unknown */
};

static __always_inline bool is_method_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_';
}

/*
 * Could head[0..n), bytes already copied from a read, be the start of an HTTP/1.x request:
 * a method token, one space and the first byte of an origin-form ("/"), asterisk ("*") or
 * absolute-form ("http") target? A read shorter than that which matches as far as it goes
 * also counts, so a head that trickles in byte by byte is still recognised (the daemon
 * rejects what turns out wrong). Looks at METHOD_PEEK_LEN bytes at most.
 */
static __always_inline bool head_is_request_start(const char *head, __u64 n)
{
	bool seen_space = false;
	int i;

	if (n == 0)
		return false;
#pragma unroll
	for (i = 0; i < METHOD_PEEK_LEN; i++) {
		char c = head[i];

		if (i >= n)
			return true;
		if (seen_space)
			return c == '/' || c == '*' || c == 'h' || c == 'H';
		if (c == ' ' && i > 0)
			seen_space = true;
		else if (!is_method_char(c))
			return false;
	}
	return false;
}

/* head_is_request_start on the first bytes of a read, in user memory. */
static __always_inline bool looks_like_request_start(const char *ubuf, __u32 len)
{
	char head[METHOD_PEEK_LEN] = {};
	__u64 n = len;

	if (n > METHOD_PEEK_LEN)
		n = METHOD_PEEK_LEN;
	barrier_var(n); /* the verifier must see the clamped value */
	if (n == 0 || bpf_probe_read_user(head, n, ubuf))
		return false;
	return head_is_request_start(head, n);
}

/* Is a response owed: a complete head waiting, or one still arriving (a 400 for it)? */
static __always_inline void line_append(struct req_slot *slot, char c)
{
	__u32 at = slot->line_len;

	if (at < FEE_LINE_MAX) {
		slot->line[at & (FEE_LINE_MAX - 1)] = c;
		slot->line_len = at + 1;
	} else {
		slot->flags |= FEE_REC_LINE_TRUNCATED;
	}
}

/* Copies the request line, minus the query string, one byte at a time. */
static __always_inline void request_line_byte(struct conn *conn, struct req_slot *slot, char c)
{
	if (c == '\n') {
		conn->parse = PARSE_HEADERS;
		return;
	}
	if (c == '\r')
		return;
	switch (conn->part) {
	case PART_METHOD:
		if (c == ' ')
			conn->part = PART_TARGET;
		line_append(slot, c);
		break;
	case PART_TARGET:
		if (c == '?' && !cfg_keep_query) {
			conn->part = PART_QUERY;
			break;
		}
		if (c == ' ')
			conn->part = PART_VERSION;
		line_append(slot, c);
		break;
	case PART_QUERY:
		if (c == ' ') {
			conn->part = PART_VERSION;
			line_append(slot, c);
		}
		break;
	default:
		line_append(slot, c);
	}
}

/* The pos-th letter (lower case) of "content-length" or "transfer-encoding", or 0 past
 * its end; from constants, so no string lives in memory the verifier must bound. */
static __always_inline char header_name_char(__u32 which, __u32 pos)
{
	/* Little-endian: byte i of each word is letter i of its eight. */
	__u64 w0 = which == HDR_NAME_CL ? 0x2d746e65746e6f63ULL	 /* "content-" */
					: 0x726566736e617274ULL; /* "transfer" */
	__u64 w1 = which == HDR_NAME_CL ? 0x00006874676e656cULL	 /* "length" */
					: 0x6e69646f636e652dULL; /* "-encodin" */
	__u64 w2 = which == HDR_NAME_CL ? 0 : 0x67;		 /* "g" */

	if (pos >= 24)
		return 0;
	return ((pos < 8 ? w0 : pos < 16 ? w1 : w2) >> ((pos & 7) * 8)) & 0xff;
}

/* Content-Length values above this are taken as "unknown length" (no server takes them). */
#define BODY_LENGTH_MAX (1U << 30)

/* One byte of a header line (not '\n'): notes Content-Length and Transfer-Encoding. */
static __always_inline void header_byte(struct conn *conn, char c)
{
	char lower = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
	__u32 pos = conn->hdr_pos;

	switch (conn->hdr) {
	case HDR_LINE_START:
		conn->hdr = lower == 'c' ? HDR_NAME_CL : lower == 't' ? HDR_NAME_TE : HDR_SKIP;
		conn->hdr_pos = 1;
		break;
	case HDR_NAME_CL:
	case HDR_NAME_TE: {
		char want = header_name_char(conn->hdr, pos);

		if (want == 0) { /* the whole name matched: a colon must follow */
			if (c != ':')
				conn->hdr = HDR_SKIP;
			else if (conn->hdr == HDR_NAME_TE)
				conn->body = BODY_CHUNKED, conn->hdr = HDR_SKIP;
			else
				conn->hdr = HDR_CL_VALUE, conn->body_left = 0;
		} else if (lower == want) {
			conn->hdr_pos = pos + 1;
		} else {
			conn->hdr = HDR_SKIP;
		}
		break;
	}
	case HDR_CL_VALUE:
		if (c >= '0' && c <= '9') {
			__u64 v = (__u64)conn->body_left * 10 + (c - '0');

			if (v > BODY_LENGTH_MAX) { /* absurd: treat as a body we cannot skip */
				conn->body = BODY_CHUNKED;
				conn->hdr = HDR_SKIP;
			} else {
				conn->body_left = v;
				if (conn->body == BODY_NONE)
					conn->body = BODY_LENGTH;
			}
		} else if (c != ' ' && c != '\t' && c != '\r') {
			conn->hdr = HDR_SKIP;
		}
		break;
	default:
		break;
	}
}

/* A request starts here: its parse state and FIFO slot begin empty. */
static __always_inline void parse_start(struct conn *conn, struct req_slot *slot)
{
	conn->parse = PARSE_REQUEST_LINE;
	conn->part = PART_METHOD;
	conn->recent = 0;
	conn->body = BODY_NONE;
	conn->body_left = 0;
	slot->line_len = 0;
	slot->flags = 0;
	slot->target = conn->target;
	/* Nothing owed before it: its response must start with a status line. */
	if (!conn->pending)
		conn->in_response = 0, conn->status_len = 0;
}

/*
 * Returns v, but through map memory, whose contents the verifier does not know: otherwise
 * it checks the code after a search loop once for every index the loop could stop at.
 */
static __always_inline int forget_value(struct conn *conn, int v)
{
	*(volatile __s32 *)&conn->scratch = v;
	return *(volatile __s32 *)&conn->scratch;
}

/*
 * Index of the first '\r' or '\n' in line[0..n), or -1; and in *query the first '?' before
 * it, or -1. One pass, eight bytes a step. `line` is 8-byte aligned (a slot's line in map
 * memory). The '?' goes through forget_value(): a value per word it may lie in would make
 * the verifier walk the rest of request_line_fast() once for each (too large a program).
 */
static __always_inline int line_end(struct conn *conn, const char *line, __u32 n, int *query)
{
	int i;

	*query = -1;
	for (i = 0; i < FEE_LINE_MAX / 8; i++) {
		__u32 base = i * 8;
		__u64 w, ends, marks;

		if (base >= n)
			return -1;
		w = ((const __u64 *)line)[i];
		ends = word_bytes_equal(w, '\r') | word_bytes_equal(w, '\n');
		if (n - base < 8)
			ends &= ~0ULL >> ((8 - (n - base)) * 8);
		/* The '?'s below the first line end (bits below its mark), if the word has one. */
		marks = word_bytes_equal(w, '?') & ((ends & -ends) - 1);
		if (*query < 0 && marks)
			*query = forget_value(conn, base + first_marked_byte(marks));
		if (ends)
			return base + first_marked_byte(ends);
	}
	return -1;
}

#define VERSION_LEN 9 /* " HTTP/1.x" */

/*
 * The first FEE_LINE_MAX bytes (at most) of a read into slot->line, in one user-memory
 * read: its request line, if it starts one, and what request_line_fast() parses. Returns
 * the bytes copied, 0 when there are none or they could not be read.
 *
 * Its own subprogram (not inlined), like request_line_fast(): inlined into the largest
 * programs, clang spilled the clamped length and Linux 6.1's verifier lost its bound on
 * the reload.
 */
static __noinline __u32 request_bytes_copy(struct req_slot *slot, const char *ubuf, __u32 len)
{
	__u64 n = len;

	if (n > FEE_LINE_MAX)
		n = FEE_LINE_MAX;
	/* Keep clang from handing the verifier the unclamped copy of `n`. */
	barrier_var(n);
	if (n == 0 || bpf_probe_read_user(slot->line, n, ubuf))
		return 0;
	return n;
}

/*
 * The usual case, without a byte-by-byte loop: a whole request line within the `copied`
 * bytes request_bytes_copy() put in slot->line. A query string is dropped by moving
 * " HTTP/1.x" over it. Returns the bytes consumed (through the line's end), or 0 when the
 * byte loop must do it (the line is longer or not all here).
 */
static __noinline __u32 request_line_fast(struct conn *conn, struct req_slot *slot, __u32 copied)
{
	__u64 n = copied;
	int end, query, version, i;
	__u32 consumed;

	if (n > FEE_LINE_MAX)
		n = FEE_LINE_MAX;
	barrier_var(n);
	if (n == 0)
		return 0;
	end = forget_value(conn, line_end(conn, slot->line, n, &query));
	if (end <= 0 || end >= FEE_LINE_MAX)
		return 0;
	if (slot->line[end] == '\n') {
		consumed = end + 1;
		conn->recent = 0x0a;
	} else if (end + 1 < n && slot->line[(end + 1) & (FEE_LINE_MAX - 1)] == '\n') {
		consumed = end + 2;
		conn->recent = 0x0d0a;
	} else {
		return 0; /* the CR is the last byte read: let the byte loop wait for the LF */
	}
	query = cfg_keep_query ? -1 : forget_value(conn, query);
	if (query >= 0) {
		version = end - VERSION_LEN;
		if (version <= query || slot->line[version & (FEE_LINE_MAX - 1)] != ' ')
			return 0;
		for (i = 0; i < VERSION_LEN; i++)
			slot->line[(query + i) & (FEE_LINE_MAX - 1)] =
				slot->line[(version + i) & (FEE_LINE_MAX - 1)];
		end = query + VERSION_LEN;
	}
	slot->line_len = end;
	conn->parse = PARSE_HEADERS;
	conn->hdr = HDR_LINE_START;
	return consumed;
}

/* The head being parsed is complete at `now`: it joins the requests owed. */
static __always_inline void parse_head_done(const struct conn_key *key, struct conn *conn,
					    struct req_slot *slot, __u64 now)
{
	slot->head_ts = now;
	conn->pending++;
	conn_request_started(key, slot);
	if (conn->body == BODY_CHUNKED)
		conn->parse = PARSE_BODY_UNKNOWN;
	else if (conn->body == BODY_LENGTH && conn->body_left)
		conn->parse = PARSE_BODY;
	else
		conn->parse = PARSE_IDLE;
}

/* bpf_loop context: one read's request bytes, walked from `pos`. */
struct request_scan {
	struct conn_key key;
	struct conn *conn;
	const char *ubuf;
	__u64 now;
	__u32 len, pos;
	__u32 chunk_at; /* offset in ubuf of chunk[0] */
	__u32 chunk_len;
	__u32 heads; /* heads completed in this read */
	char chunk[SCAN_CHUNK];
};

/* head_rest_fast()'s answer: bit 31 says the head ended, the rest where the scan goes on. */
#define HEAD_FAST_DONE (1U << 31)

/*
 * The usual case again: the header lines that follow a request line request_line_fast()
 * took, while they lie within the `copied` bytes of slot->line (copied from the read
 * already). What the byte loop would do, in one pass of eight bytes a step with no loop
 * over lines or bytes: only two kinds of place in a head matter here, a '\n' that ends the
 * head (CRLF CRLF, or a bare LF LF, which servers accept too) and a line whose first byte is
 * c or t in any case (it may name Content-Length or Transfer-Encoding: the byte loop takes
 * it). Per word, with the marks of word_scan.bpf.h, the '\n's and '\r's, the same marks
 * moved on by one to three bytes (the bytes before each byte, carried over from the word
 * before), and from them both kinds of place at once; the first decides. The bytes before
 * `start` are those the connection's `recent` held (as the byte loop saw them), not the
 * request line's copy (request_line_fast() may have moved its version over a query
 * string). conn->recent (the last four bytes scanned) and conn->hdr end as the byte loop
 * would have left them, so it can go on where this stops: at such a line, or past the
 * copied bytes (a longer head). Returns where the scan goes on (an offset in the read),
 * with HEAD_FAST_DONE when it stopped after the head's end.
 *
 * A complete head is done here too (parse_head_done()), not in the caller: with the
 * record it may emit. A global function: the verifier checks it once, on its own, instead
 * of once for every state its callers reach it in.
 */
__noinline __u32 head_rest_fast(const struct conn_key *key, struct conn *conn,
				struct req_slot *slot, __u32 start, __u32 copied)
{
	__u64 before, keep, below, line_start, prev, plf, w, lf, cr, lower, ends, marks, v;
	__u32 first, base = 0, at, done = 0, shift;
	bool decided = false;
	int i;

	if (!key || !conn || !slot || start >= copied || copied > FEE_LINE_MAX)
		return start;
	/* The eight bytes before `start` as the byte loop saw them, in memory order: the four
	 * `recent` holds (its newest in its low byte), 0 before them. */
	before = __builtin_bswap64((__u64)conn->recent);
	shift = (start & 7) * 8;
	first = start & ~7U;
	/* The first word's bytes below `start` are replaced by the last of `before`. */
	keep = ~0ULL << shift;
	below = (before >> (56 - shift)) >> 8;
	prev = before << shift; /* the word before, as the bytes before `start` fill it */
	plf = word_bytes_equal(prev, '\n');
	line_start = 0x80ULL << shift; /* `start` begins a line */
	w = prev;
	at = copied;
	/* Counted from 0, not from `start`: comparing the index with `start` would make the
	 * verifier walk the loop once for every value `start` can take. */
	for (i = 0; i < FEE_LINE_MAX / 8; i++) {
		base = first + i * 8;
		if (base >= copied)
			break;
		/* slot->line is 8-byte aligned in its map value, and so is base. */
		w = (*(const __u64 *)&slot->line[base & (FEE_LINE_MAX - 8)] & keep) | below;
		lf = word_bytes_equal(w, '\n');
		/* Line starts: the byte after each '\n' (the word before's last one included). */
		line_start |= lf << 8 | plf >> 56;
		if (lf | line_start) {
			__u64 pcr = word_bytes_equal(prev, '\r');

			cr = word_bytes_equal(w, '\r');
			lower = w | 0x2020202020202020ULL;
			/* A '\n' after a '\n', or after "\r\n\r". */
			ends = lf & (lf << 8 | plf >> 56 |
				     ((cr << 8 | pcr >> 56) & (lf << 16 | plf >> 48) &
				      (cr << 24 | pcr >> 40)));
			marks = ends | (line_start & (word_bytes_equal(lower, 'c') |
						      word_bytes_equal(lower, 't')));
			/* Only the bytes from `start` up to `copied`. */
			marks &= keep;
			if (copied - base < 8)
				marks &= ~0ULL >> ((8 - (copied - base)) * 8);
			if (marks) {
				at = base + first_marked_byte(marks);
				if (ends & marks & -marks) {
					at++; /* the head ends after this '\n' */
					done = HEAD_FAST_DONE;
				}
				decided = true;
				break;
			}
		}
		if (copied - base <= 8)
			break; /* the last word: `at` stays `copied` */
		prev = w;
		plf = lf;
		keep = ~0ULL;
		below = 0;
		line_start = 0;
	}
	/* The last four bytes scanned, as the byte loop's shift register holds them: bytes
	 * at-4 .. at-1 of prev:w, read in memory order, then reversed. */
	shift = (at - base) * 8 + 32;
	if (shift >= 64)
		v = w >> ((shift - 64) & 63);
	else
		v = prev >> (shift & 63) | w << ((64 - shift) & 63);
	conn->recent = __builtin_bswap32((__u32)v);
	/* Stopped at a line's start or after the head's end, or the copied bytes end a line. */
	conn->hdr = decided || (conn->recent & 0xff) == '\n' ? HDR_LINE_START : HDR_SKIP;
	if (done) /* complete when the read was: the time its start was read with */
		parse_head_done(key, conn, slot, slot->head_ts);
	/* One state for the caller to go on from, whichever iteration stopped the loop. */
	return forget_value(conn, at | done);
}

/*
 * PARSE_IDLE at scan->pos: a new request, if the bytes look like one. False to stop.
 * `whole_line` tries to copy its request line in one go: only for the first request of a
 * read, outside the scan loop (the verifier would walk that code once per loop state).
 */
static __always_inline bool scan_request_start(struct request_scan *scan, struct conn *conn,
					       bool whole_line)
{
	const char *at = scan->ubuf + scan->pos;
	__u32 left = scan->len - scan->pos;
	struct req_slot *slot;
	__u32 consumed, copied = 0;

	if (whole_line && conn->pending == 0) {
		/* The usual case: nothing owed, so the oldest slot is free, and one user-memory
		 * read serves both the request-start test and the request line. */
		slot = &conn->front;
		copied = request_bytes_copy(slot, at, left);
		if (!head_is_request_start(slot->line, copied))
			return false;
	} else {
		if (!looks_like_request_start(at, left))
			return false; /* not HTTP/1.x (or the rest of a body we could not size) */
		if (conn->pending >= PIPELINE_MAX - 1) {
			conn_give_up(conn);
			return false;
		}
		slot = conn_parse_slot(&scan->key, conn, true);
		if (!slot) {
			conn_give_up(conn);
			return false;
		}
		if (whole_line)
			copied = request_bytes_copy(slot, at, left);
	}
	parse_start(conn, slot);
	slot->head_ts = scan->now;
	if (!whole_line)
		return true;
	consumed = request_line_fast(conn, slot, copied);
	if (consumed == 0) {
		slot->line_len = 0; /* the byte loop starts over */
		return true;
	}
	consumed = head_rest_fast(&scan->key, conn, slot, consumed, copied);
	if (consumed & HEAD_FAST_DONE)
		scan->heads++;
	scan->pos += consumed & ~HEAD_FAST_DONE;
	return true;
}

/* The rest of a header line that does not matter, up to (not through) its '\n', within
 * the chunk at hand: one step for what would be a step per byte. */
static __always_inline void scan_skip_line(struct request_scan *scan, struct conn *conn)
{
	__u32 at = scan->pos - scan->chunk_at;
	__u32 recent = conn->recent;
	int i;

	for (i = 0; i < SCAN_CHUNK; i++) {
		char c;

		if (at >= scan->chunk_len)
			break;
		c = scan->chunk[at & (SCAN_CHUNK - 1)];
		if (c == '\n')
			break;
		recent = (recent << 8) | (__u8)c;
		at++;
	}
	scan->pos = scan->chunk_at + at;
	conn->recent = recent;
}

/* One byte of a head at scan->pos. */
static __always_inline void scan_head_byte(struct request_scan *scan, struct conn *conn)
{
	__u32 at = scan->pos - scan->chunk_at;
	struct req_slot *slot;
	char c;

	if (scan->pos < scan->chunk_at || at >= scan->chunk_len) {
		__u64 left = scan->len - scan->pos;

		if (left > SCAN_CHUNK)
			left = SCAN_CHUNK;
		/* Keep clang from handing the verifier the unclamped copy of `left`. */
		barrier_var(left);
		if (bpf_probe_read_user(scan->chunk, left, scan->ubuf + scan->pos)) {
			scan->pos = scan->len;
			return;
		}
		scan->chunk_at = scan->pos;
		scan->chunk_len = left;
		at = 0;
	}
	c = scan->chunk[at & (SCAN_CHUNK - 1)];
	scan->pos++;
	conn->recent = (conn->recent << 8) | (__u8)c;
	if (conn->parse == PARSE_REQUEST_LINE) {
		slot = conn_parse_slot(&scan->key, conn, false);
		if (!slot) {
			conn_give_up(conn);
			return;
		}
		request_line_byte(conn, slot, c);
		if (conn->parse == PARSE_HEADERS)
			conn->hdr = HDR_LINE_START;
		return;
	}
	if (c != '\n') {
		header_byte(conn, c);
		if (conn->hdr == HDR_SKIP)
			scan_skip_line(scan, conn);
		return;
	}
	/* CRLF CRLF, or a bare LF LF, which servers accept too. */
	if (conn->recent == 0x0d0a0d0a || (conn->recent & 0xffff) == 0x0a0a) {
		slot = conn_parse_slot(&scan->key, conn, false);
		if (!slot) {
			conn_give_up(conn);
			return;
		}
		parse_head_done(&scan->key, conn, slot, scan->now);
		scan->heads++;
		return;
	}
	conn->hdr = HDR_LINE_START;
}

/* bpf_loop callback: one step of the scan (a head byte, a request start, a body skip). */
static long request_scan_step(__u32 idx, void *data)
{
	struct request_scan *scan = data;
	struct conn *conn = scan->conn;
	__u32 left;

	if (scan->pos >= scan->len)
		return 1;
	switch (conn->parse) {
	case PARSE_IDLE:
		return !scan_request_start(scan, conn, false);
	case PARSE_REQUEST_LINE:
	case PARSE_HEADERS:
		scan_head_byte(scan, conn);
		return 0;
	case PARSE_BODY:
		left = scan->len - scan->pos;
		if (left > conn->body_left)
			left = conn->body_left;
		scan->pos += left;
		conn->body_left -= left;
		if (conn->body_left == 0)
			conn->parse = PARSE_IDLE;
		return 0;
	default:
		return 1;
	}
}

/*
 * Request bytes read on a connection. Returns how many request heads they completed.
 */
static __always_inline __u32 conn_feed_request(const struct conn_key *key, struct conn *conn,
					       const char *ubuf, __u32 len, __u64 now)
{
	struct request_scan scan = {
		.key = *key, .conn = conn, .ubuf = ubuf, .len = len, .now = now
	};
	struct req_slot *slot;

	if (!conn_reads_matter(conn))
		return 0;
	/* A head still arriving: its time so far is this read's (HEAD_INCOMPLETE records). */
	if (conn->parse == PARSE_REQUEST_LINE || conn->parse == PARSE_HEADERS) {
		slot = conn_parse_slot(key, conn, false);
		if (slot)
			slot->head_ts = now;
	}
	/* The usual case first: a read that starts a request. */
	if (conn->parse == PARSE_IDLE && !scan_request_start(&scan, conn, true))
		return 0;
	/* Steps: one per head byte, plus a request start or body skip per request. */
	if (scan.pos < scan.len)
		bpf_loop(REQUEST_SCAN_MAX + 2 * PIPELINE_MAX, request_scan_step, &scan, 0);
	if (scan.pos >= scan.len)
		return scan.heads;
	/* The scan limit: a head this long ends here; unseen requests cannot be matched. */
	if (conn->parse == PARSE_REQUEST_LINE || conn->parse == PARSE_HEADERS) {
		slot = conn_parse_slot(key, conn, false);
		if (slot) {
			parse_head_done(key, conn, slot, now);
			conn->parse = PARSE_BODY_UNKNOWN;
			scan.heads++;
		}
	} else if (conn->parse == PARSE_IDLE) {
		conn_give_up(conn);
	}
	return scan.heads;
}

#endif
