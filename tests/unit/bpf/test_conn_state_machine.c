// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's HTTP state machine, compiled as ordinary C (tests/conn_sim): every case of
 * tests/bpf/test_kernel_records.c that is about bytes rather than hooks, as a table of
 * reads, writes, closes and waits on a connection and the records they must produce; then
 * what only a userspace build makes cheap: every split point of a request head and of a
 * status line, a full ring buffer, wakeup batching, failed user-memory reads.
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

#define MS 1000000ULL
#define FD 7

enum step_op {
	STEP_END,
	STEP_READ,  /* the server reads `bytes` in one call */
	STEP_WRITE, /* the server writes `bytes` in one call */
	STEP_CLOSE,
	STEP_WAIT, /* `ms` pass */
};

struct step {
	enum step_op op;
	const char *bytes;
	__u64 ms;
};

#define READ(s)                                                                                    \
	{                                                                                          \
		STEP_READ, (s), 0                                                                  \
	}
#define WRITE(s)                                                                                   \
	{                                                                                          \
		STEP_WRITE, (s), 0                                                                 \
	}
#define CLOSE                                                                                      \
	{                                                                                          \
		STEP_CLOSE, NULL, 0                                                                \
	}
#define WAIT(n)                                                                                    \
	{                                                                                          \
		STEP_WAIT, NULL, (n)                                                               \
	}

#define ANY_DURATION (~0ULL)

struct expected_record {
	const char *line; /* NULL: the list ends */
	int status;
	__u8 kind;
	__u16 flags; /* exactly these flags */
	__u64 duration_ns;
};

struct sim_case {
	const char *name;
	struct conn_sim_options opts;
	struct step steps[24];
	struct expected_record records[12];
	__u64 bad_responses, pipeline_overflows;
};

static const struct sim_case cases[] = {
	{
		.name = "query string dropped, every record field",
		.steps = { READ("GET /a/b?secret=1 HTTP/1.1\r\nHost: x\r\n\r\n"), WAIT(3),
			   WRITE("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), CLOSE },
		.records = { { "GET /a/b HTTP/1.1", 200, FEE_KIND_FINISHED, 0, 3 * MS } },
	},
	{
		.name = "query string kept when asked for",
		.opts = { .keep_query = true },
		.steps = { READ("GET /a/b?secret=1 HTTP/1.1\r\n\r\n"),
			   WRITE("HTTP/1.0 302 Found\r\n\r\n") },
		.records = { { "GET /a/b?secret=1 HTTP/1.1", 302, 0, 0, 0 } },
	},
	{
		.name = "keep-alive: each request, bodies skipped",
		.steps = { READ("POST /one HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
			   WRITE("HTTP/1.1 200 X\r\nContent-Length: 0\r\n\r\n"),
			   READ("POST /two HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), READ("hello"),
			   WRITE("HTTP/1.1 404 X\r\nContent-Length: 0\r\n\r\n"),
			   READ("POST /three HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel"), READ("lo"),
			   WRITE("HTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n") },
		.records = { { "POST /one HTTP/1.1", 200, 0, 0, 0 },
			     { "POST /two HTTP/1.1", 404, 0, 0, 0 },
			     { "POST /three HTTP/1.1", 500, 0, 0, 0 } },
	},
	{
		.name = "duration spans head to status line, not the rest of the response",
		.steps = { READ("GET /slow HTTP/1.1\r\n\r\n"), WAIT(200),
			   WRITE("HTTP/1.1 200 OK\r\n"), WAIT(50),
			   WRITE("Content-Length: 0\r\n\r\n") },
		.records = { { "GET /slow HTTP/1.1", 200, 0, 0, 200 * MS } },
	},
	{
		.name = "a trickled head starts the clock at its end",
		.steps = { READ("GET /tri"), WAIT(50), READ("ckle HTTP/1.1\r\nHo"), WAIT(50),
			   READ("st: x\r\n\r"), WAIT(50), READ("\n"), WAIT(7),
			   WRITE("HTTP/1.1 204 No Content\r\n\r\n") },
		.records = { { "GET /trickle HTTP/1.1", 204, 0, 0, 7 * MS } },
	},
	{
		.name = "interim 100 Continue twice, then a status line split over two writes",
		.steps = { READ("PUT /upload HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: "
				"4\r\n\r\n"),
			   WRITE("HTTP/1.1 100 Continue\r\n\r\n"),
			   WRITE("HTTP/1.1 100 Continue\r\n\r\n"), READ("data"), WAIT(1),
			   WRITE("HTTP/1.1 2"), WAIT(1),
			   WRITE("01 Created\r\nContent-Length: 0\r\n\r\n") },
		.records = { { "PUT /upload HTTP/1.1", 201, 0, 0, 1 * MS } },
	},
	{
		.name = "unanswered, not HTTP, answered with garbage: no records, one bad response",
		.steps = { READ("GET /never HTTP/1.1\r\n\r\n"), CLOSE,
			   READ("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 binary"),
			   WRITE("\x15\x03\x01\x00\x02\x02\x28"), CLOSE,
			   READ("GET /garbled HTTP/1.1\r\n\r\n"), WRITE("SSH-2.0-OpenSSH_9.2\r\n"),
			   CLOSE },
		.bad_responses = 1,
	},
	{
		.name = "a long request line is cut at FEE_LINE_MAX",
		/* filled in by long_line_case() */
	},
	{
		.name = "a response while the head is still arriving finishes it, flagged",
		.steps = { READ("GET /aaaaaaaaaa"), WAIT(2),
			   WRITE("HTTP/1.1 414 URI Too Long\r\n\r\n"), CLOSE },
		.records = { { "GET /aaaaaaaaaa", 414, 0, FEE_REC_HEAD_INCOMPLETE, 2 * MS } },
	},
	{
		.name = "bare LF line ends",
		.steps = { READ("GET /lf HTTP/1.0\nHost: x\n\n"), WRITE("HTTP/1.0 200 OK\n\n") },
		.records = { { "GET /lf HTTP/1.0", 200, 0, 0, 0 } },
	},
	{
		/* A line that starts with CR but is not blank, and a CRLF blank line after
		 * LF-ended lines (no blank line to the parser, so the head never ends: the
		 * response finds it still arriving). */
		.name = "odd line ends",
		.steps = { READ("GET /cr HTTP/1.1\r\nHost: x\r\n\rX: y\r\nAccept: */*\r\n\r\n"),
			   WRITE("HTTP/1.1 200 OK\r\n\r\n"),
			   READ("GET /mix HTTP/1.1\nHost: x\n\r\n"),
			   WRITE("HTTP/1.1 400 Bad\r\n\r\n") },
		.records = { { "GET /cr HTTP/1.1", 200, 0, 0, 0 },
			     { "GET /mix HTTP/1.1", 400, 0, FEE_REC_HEAD_INCOMPLETE, 0 } },
	},
	{
		/* Headers before and after the one that declares the body. */
		.name = "Content-Length among other headers",
		.steps = { READ("POST /f HTTP/1.1\r\nHost: x\r\nUser-Agent: y\r\ncontent-length: "
				"25\r\nAccept: */*\r\n\r\nGET /in-body HTTP/1.1\r\n\r\n"
				"GET /g HTTP/1.1\r\nHost: x\r\n\r\n"),
			   WRITE("HTTP/1.1 201 Created\r\n\r\n"),
			   WRITE("HTTP/1.1 202 Accepted\r\n\r\n") },
		.records = { { "POST /f HTTP/1.1", 201, 0, 0, 0 },
			     { "GET /g HTTP/1.1", 202, 0, 0, 0 } },
	},
	{
		.name = "started, then finished",
		.opts = { .keep_query = true, .emit_started = true },
		.steps = { READ("GET /slow?x=1 HTTP/1.1\r\n\r\n"), WAIT(4),
			   WRITE("HTTP/1.1 200 OK\r\n\r\n"), CLOSE },
		.records = { { "GET /slow?x=1 HTTP/1.1", 0, FEE_KIND_STARTED, 0, 0 },
			     { "GET /slow?x=1 HTTP/1.1", 200, FEE_KIND_FINISHED,
			       FEE_REC_START_EMITTED, 4 * MS } },
	},
	{
		.name = "unanswered or garbled requests are abandoned, once",
		.opts = { .keep_query = true, .emit_started = true },
		.steps = { READ("GET /never HTTP/1.1\r\n\r\n"), CLOSE,
			   READ("GET /garbled HTTP/1.1\r\n\r\n"), WRITE("SSH-2.0-OpenSSH_9.2\r\n"),
			   CLOSE },
		.records = { { "GET /never HTTP/1.1", 0, FEE_KIND_STARTED, 0, 0 },
			     { "GET /never HTTP/1.1", 0, FEE_KIND_ABANDONED, FEE_REC_START_EMITTED,
			       0 },
			     { "GET /garbled HTTP/1.1", 0, FEE_KIND_STARTED, 0, 0 },
			     { "GET /garbled HTTP/1.1", 0, FEE_KIND_ABANDONED,
			       FEE_REC_START_EMITTED, 0 } },
		.bad_responses = 1,
	},
	{
		.name = "pipelined requests in one read, answered in order",
		.steps = { READ("GET /p1 HTTP/1.1\r\nHost: x\r\n\r\n"
				"GET /p2?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"
				"DELETE /p3 HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
			   WRITE("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
			   WRITE("Hello"), /* a body that starts like a status line */
			   WRITE("HTTP/1.1 404 Not Found\r\n\r\n"),
			   WRITE("HTTP/1.1 204 No Content\r\n\r\n"), CLOSE },
		.records = { { "GET /p1 HTTP/1.1", 200, 0, 0, 0 },
			     { "GET /p2 HTTP/1.1", 404, 0, 0, 0 },
			     { "DELETE /p3 HTTP/1.1", 204, 0, 0, 0 } },
	},
	{
		.name = "pipelined responses in the segments of one vector write",
		.steps = { READ("GET /v1 HTTP/1.1\r\n\r\nGET /v2 HTTP/1.1\r\n\r\n"),
			   WRITE("HTTP/1.1 201 Created\r\n\r\n"),
			   WRITE("HTTP/1.1 202 Accepted\r\n\r\n") },
		.records = { { "GET /v1 HTTP/1.1", 201, 0, 0, 0 },
			     { "GET /v2 HTTP/1.1", 202, 0, 0, 0 } },
	},
	{
		.name = "a pipelined request read while a response is owed",
		.steps = { READ("GET /a HTTP/1.1\r\n\r\n"), WAIT(1),
			   READ("GET /b HTTP/1.1\r\n\r\n"), WAIT(1),
			   WRITE("HTTP/1.1 200 OK\r\n\r\n"), WAIT(1),
			   WRITE("HTTP/1.1 500 Oops\r\n\r\n") },
		.records = { { "GET /a HTTP/1.1", 200, 0, 0, 2 * MS },
			     { "GET /b HTTP/1.1", 500, 0, 0, 2 * MS } },
	},
	{
		.name = "unanswered pipelined requests are not counted; a reused fd starts clean",
		.steps = { READ("GET /u1 HTTP/1.1\r\n\r\nGET /u2 HTTP/1.1\r\n\r\nGET /u3 "
				"HTTP/1.1\r\n\r\n"),
			   WRITE("HTTP/1.1 204 No Content\r\n\r\n"), CLOSE,
			   READ("GET /fresh HTTP/1.1\r\n\r\n"),
			   WRITE("HTTP/1.1 204 No Content\r\n\r\n") },
		.records = { { "GET /u1 HTTP/1.1", 204, 0, 0, 0 },
			     { "GET /fresh HTTP/1.1", 204, 0, 0, 0 } },
	},
	{
		.name = "bodies are never taken for requests",
		.steps = { READ("POST /form HTTP/1.1\r\ncontent-LENGTH: 24\r\n\r\n"
				"GET /fake HTTP/1.1\r\n\r\n\r\n"
				"GET /real HTTP/1.1\r\n\r\n"),
			   WRITE("HTTP/1.1 200 OK\r\n\r\n"), WRITE("HTTP/1.1 201 Created\r\n\r\n"),
			   READ("POST /chunked HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
			   READ("GET /fake2 HTTP/1.1\r\n\r\n"),
			   WRITE("HTTP/1.1 202 Accepted\r\n\r\n"),
			   READ("GET /after HTTP/1.1\r\n\r\n"),
			   WRITE("HTTP/1.1 204 No Content\r\n\r\n") },
		.records = { { "POST /form HTTP/1.1", 200, 0, 0, 0 },
			     { "GET /real HTTP/1.1", 201, 0, 0, 0 },
			     { "POST /chunked HTTP/1.1", 202, 0, 0, 0 },
			     { "GET /after HTTP/1.1", 204, 0, 0, 0 } },
	},
	{
		.name = "a Content-Length value past 1 GiB is a body of unknown length",
		.steps = { READ("POST /huge HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"),
			   READ("GET /inbody HTTP/1.1\r\n\r\n"),
			   WRITE("HTTP/1.1 413 Too Large\r\n\r\n"),
			   READ("GET /next HTTP/1.1\r\n\r\n"), WRITE("HTTP/1.1 200 OK\r\n\r\n") },
		.records = { { "POST /huge HTTP/1.1", 413, 0, 0, 0 },
			     { "GET /next HTTP/1.1", 200, 0, 0, 0 } },
	},
	{
		.name = "pipeline overflow is counted, not guessed",
		/* filled in by overflow_case() */
	},
};

/* ---- running a case ---------------------------------------------------------------------- */

static void run_steps(const struct step *steps)
{
	for (; steps->op != STEP_END; steps++) {
		size_t len = steps->bytes ? strlen(steps->bytes) : 0;
		/* Exactly the bytes, on the heap: AddressSanitizer sees a read past them. */
		char *copy = malloc(len ? len : 1);

		assert_non_null(copy);
		memcpy(copy, steps->bytes ? steps->bytes : "", len);
		switch (steps->op) {
		case STEP_READ:
			conn_sim_read(FD, copy, len);
			break;
		case STEP_WRITE:
			conn_sim_write(FD, copy, len);
			break;
		case STEP_CLOSE:
			conn_sim_close(FD);
			break;
		case STEP_WAIT:
			conn_sim_advance(steps->ms * MS);
			break;
		default:
			fail();
		}
		free(copy);
	}
}

static void check_record(const struct sim_case *c, size_t i, const struct fee_request_record *r,
			 const struct expected_record *want)
{
	size_t len = strlen(want->line);

	if (r->line_len != len || memcmp(r->line, want->line, len) != 0)
		fail_msg("%s: record %zu: line \"%.*s\", want \"%s\"", c->name, i, r->line_len,
			 r->line, want->line);
	assert_int_equal(r->status, want->status);
	assert_int_equal(r->kind, want->kind);
	assert_int_equal(r->flags, want->flags);
	assert_int_equal(r->tgid, CONN_SIM_TGID);
	assert_int_equal(r->target, CONN_SIM_TARGET);
	if (want->duration_ns != ANY_DURATION)
		assert_int_equal(r->duration_ns, want->duration_ns);
	/* Nothing of the head past the line leaves the kernel. */
	for (size_t b = r->line_len; b < FEE_LINE_MAX; b++)
		assert_int_equal(r->line[b], 0);
}

static void run_case(const struct sim_case *c)
{
	const struct fee_request_record *recs;
	size_t n, want = 0;

	conn_sim_start(&c->opts);
	run_steps(c->steps);
	while (c->records[want].line)
		want++;
	n = conn_sim_take_records(&recs);
	if (n != want)
		fail_msg("%s: %zu records, want %zu", c->name, n, want);
	for (size_t i = 0; i < n; i++)
		check_record(c, i, &recs[i], &c->records[i]);
	assert_int_equal(conn_sim_counter(FEE_CNT_BAD_RESPONSE), c->bad_responses);
	assert_int_equal(conn_sim_counter(FEE_CNT_PIPELINE_OVERFLOW), c->pipeline_overflows);
}

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].steps[0].op != STEP_END)
			run_case(&cases[i]);
}

static void test_long_request_line_is_truncated_safely(void **state)
{
	char req[2048];
	int n = snprintf(req, sizeof(req), "GET /");
	const struct fee_request_record *recs;

	while (n < 1500)
		req[n++] = 'x';
	snprintf(req + n, sizeof(req) - n, " HTTP/1.1\r\n\r\n");
	conn_sim_start(NULL);
	conn_sim_read(FD, req, strlen(req));
	conn_sim_write(FD, "HTTP/1.1 414 URI Too Long\r\n\r\n", 30);
	assert_int_equal(conn_sim_take_records(&recs), 1);
	assert_int_equal(recs[0].status, 414);
	assert_int_equal(recs[0].line_len, FEE_LINE_MAX);
	assert_int_equal(recs[0].flags, FEE_REC_LINE_TRUNCATED);
	assert_memory_equal(recs[0].line, "GET /xxx", 8);
	assert_int_equal(recs[0].line[FEE_LINE_MAX - 1], 'x');
}

static void test_pipeline_overflow_is_counted_not_guessed(void **state)
{
	const struct fee_request_record *recs;
	char reqs[2048] = "", line[64];
	int i;

	conn_sim_start(NULL);
	for (i = 0; i < 12; i++)
		snprintf(reqs + strlen(reqs), sizeof(reqs) - strlen(reqs),
			 "GET /o%d HTTP/1.1\r\n\r\n", i);
	conn_sim_read(FD, reqs, strlen(reqs));
	for (i = 0; i < 12; i++)
		conn_sim_write(FD, "HTTP/1.1 204 No Content\r\n\r\n", 27);
	conn_sim_close(FD);
	/* The first ones are matched exactly; the rest are not guessed at, but reported. */
	assert_int_equal(conn_sim_take_records(&recs), 7);
	for (i = 0; i < 7; i++) {
		snprintf(line, sizeof(line), "GET /o%d HTTP/1.1", i);
		assert_int_equal(recs[i].line_len, strlen(line));
		assert_memory_equal(recs[i].line, line, strlen(line));
	}
	assert_int_equal(conn_sim_counter(FEE_CNT_PIPELINE_OVERFLOW), 1);
}

/* ---- split points ------------------------------------------------------------------------- */

/* Every way of cutting a head in two reads, and of cutting each half again, gives the
 * same record, timed from the read that completed the head. */
static void test_every_split_of_a_head(void **state)
{
	const char *req = "POST /split/path?q=1 HTTP/1.1\r\nHost: example\r\n"
			  "content-length: 3\r\nX-Other: y\r\n\r\nabc";
	size_t len = strlen(req), head_end = strstr(req, "\r\n\r\n") + 4 - req;
	const struct fee_request_record *recs;

	for (size_t a = 1; a < len; a++) {
		for (size_t b = a; b < len; b++) {
			conn_sim_start(NULL);
			conn_sim_read(FD, req, a);
			conn_sim_advance(MS);
			if (b > a)
				conn_sim_read(FD, req + a, b - a);
			conn_sim_advance(MS);
			conn_sim_read(FD, req + b, len - b);
			conn_sim_advance(MS);
			assert_int_equal(conn_sim_pending(FD), 1);
			conn_sim_write(FD, "HTTP/1.1 200 OK\r\n\r\n", 19);
			assert_int_equal(conn_sim_take_records(&recs), 1);
			assert_int_equal(recs[0].line_len, 25);
			assert_memory_equal(recs[0].line, "POST /split/path HTTP/1.1", 25);
			assert_int_equal(recs[0].status, 200);
			assert_int_equal(recs[0].flags, 0);
			/* The read holding the head's last byte: the first, second or third. */
			assert_int_equal(recs[0].duration_ns, head_end <= a   ? 3 * MS
							      : head_end <= b ? 2 * MS
									      : MS);
		}
	}
}

static void test_every_split_of_a_status_line(void **state)
{
	const char *resp = "HTTP/1.1 503 Service Unavailable\r\n\r\n";
	size_t len = strlen(resp);
	const struct fee_request_record *recs;

	for (size_t a = 1; a < len; a++) {
		for (size_t b = a; b < len; b++) {
			conn_sim_start(NULL);
			conn_sim_read(FD, "GET / HTTP/1.1\r\n\r\n", 18);
			conn_sim_advance(MS);
			conn_sim_write(FD, resp, a);
			conn_sim_advance(MS);
			if (b > a)
				conn_sim_write(FD, resp + a, b - a);
			conn_sim_advance(MS);
			conn_sim_write(FD, resp + b, len - b);
			assert_int_equal(conn_sim_take_records(&recs), 1);
			assert_int_equal(recs[0].status, 503);
			/* From the write that began the status line. */
			assert_int_equal(recs[0].duration_ns, MS);
		}
	}
}

/* ---- the ring buffer ---------------------------------------------------------------------- */

static void serve(int n)
{
	for (int i = 0; i < n; i++) {
		conn_sim_read(FD, "GET /r HTTP/1.1\r\n\r\n", 19);
		conn_sim_write(FD, "HTTP/1.1 200 OK\r\n\r\n", 19);
	}
}

static void test_full_ring_buffer_is_counted(void **state)
{
	const struct conn_sim_options opts = {
		/* Three records of a short line: the ring's header, the record's, 32 line bytes. */
		.ring_capacity = 3 * (8 + FEE_RECORD_HEAD_BYTES + 32)
	};
	const struct fee_request_record *recs;

	conn_sim_start(&opts);
	serve(5);
	assert_int_equal(conn_sim_take_records(&recs), 3);
	assert_int_equal(conn_sim_counter(FEE_CNT_RINGBUF_DROPPED), 2);
	/* Drained: records flow again. */
	serve(1);
	assert_int_equal(conn_sim_take_records(&recs), 1);
}

static void test_wakeups_are_batched(void **state)
{
	const struct conn_sim_options opts = { .wakeup_bytes = 4 * 1024 };
	const struct fee_request_record *recs;

	conn_sim_start(&opts);
	serve(100);
	/* One wakeup when the waiting bytes cross the mark, none per record after it. */
	assert_int_equal(conn_sim_wakeups(), 1);
	assert_int_equal(conn_sim_take_records(&recs), 100);
	serve(100);
	assert_int_equal(conn_sim_wakeups(), 2);
}

/* A record carries its head and the smallest of 32, 64, 128 or 256 line bytes that holds the
 * line, zero-padded: nothing past the line leaves the kernel. */
static void test_records_carry_only_their_line(void **state)
{
	static const unsigned lengths[] = { 14, 32, 33, 64, 65, 128, 129, 255, 256 };
	const struct fee_request_record *recs;
	char req[600];

	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		/* "GET /xxx HTTP/1.1": 14 bytes around the path. */
		unsigned path = lengths[i] - 14, room = lengths[i] <= 32    ? 32
							: lengths[i] <= 64  ? 64
							: lengths[i] <= 128 ? 128
									    : 256;
		const void *const *raw;
		const __u64 *sizes;
		int n = snprintf(req, sizeof(req), "GET /");

		for (unsigned p = 0; p < path; p++)
			req[n++] = 'x';
		n += snprintf(req + n, sizeof(req) - n,
			      " HTTP/1.1\r\nSecret: header bytes\r\n\r\n");
		conn_sim_start(NULL);
		conn_sim_read(FD, req, n);
		conn_sim_write(FD, "HTTP/1.1 200 OK\r\n\r\n", 19);
		assert_int_equal(shim_records(&raw, &sizes), 1);
		assert_int_equal(sizes[0], FEE_RECORD_HEAD_BYTES + room);
		assert_int_equal(conn_sim_take_records(&recs), 1);
		assert_int_equal(recs[0].line_len, lengths[i]);
		for (unsigned b = lengths[i]; b < FEE_LINE_MAX; b++)
			assert_int_equal(recs[0].line[b], 0);
	}
}

/* The parser copies a read's first FEE_LINE_MAX bytes at once and scans the head in them,
 * then goes on in user memory: wherever that edge falls (in a header that does not matter,
 * in Content-Length, in the blank line, in the body), every request is counted. */
static void test_heads_across_the_first_copy(void **state)
{
	const struct fee_request_record *recs;
	char req[1024];

	for (unsigned pad = 150; pad <= 300; pad++) {
		int n = snprintf(req, sizeof(req), "POST /pad HTTP/1.1\r\nX-Pad: ");

		for (unsigned p = 0; p < pad; p++)
			req[n++] = 'a';
		n += snprintf(
			req + n, sizeof(req) - n,
			"\r\nContent-Length: 25\r\nHost: x\r\n\r\nGET /in-body HTTP/1.1\r\n\r\n"
			"GET /after HTTP/1.1\r\nAccept: */*\r\n\r\n");
		conn_sim_start(NULL);
		assert_int_equal(conn_sim_read(FD, req, n), 2);
		conn_sim_write(FD, "HTTP/1.1 200 OK\r\n\r\n", 19);
		conn_sim_write(FD, "HTTP/1.1 201 Created\r\n\r\n", 24);
		assert_int_equal(conn_sim_take_records(&recs), 2);
		assert_memory_equal(recs[0].line, "POST /pad HTTP/1.1", 18);
		assert_memory_equal(recs[1].line, "GET /after HTTP/1.1", 19);
		assert_int_equal(recs[1].status, 201);
	}
}

/* ---- user memory that cannot be read ------------------------------------------------------ */

/* A read the helper fails (a page the kernel may not fault in) never yields a record that
 * a later, readable request would not. */
static void test_failed_user_reads_lose_nothing_else(void **state)
{
	const char *req = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
	const struct fee_request_record *recs;

	for (unsigned fail = 1; fail <= 6; fail++) {
		conn_sim_start(NULL);
		shim_fail_user_read(fail);
		conn_sim_read(FD, req, strlen(req));
		conn_sim_write(FD, "HTTP/1.1 200 OK\r\n\r\n", 19);
		shim_fail_user_read(0);
		conn_sim_take_records(&recs);
		/* The next request on the connection is counted exactly. */
		conn_sim_read(FD, "GET /next HTTP/1.1\r\n\r\n", 22);
		conn_sim_write(FD, "HTTP/1.1 201 Created\r\n\r\n", 24);
		assert_int_equal(conn_sim_take_records(&recs), 1);
		assert_int_equal(recs[0].status, 201);
		assert_memory_equal(recs[0].line, "GET /next HTTP/1.1", 18);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_long_request_line_is_truncated_safely),
		cmocka_unit_test(test_pipeline_overflow_is_counted_not_guessed),
		cmocka_unit_test(test_every_split_of_a_head),
		cmocka_unit_test(test_every_split_of_a_status_line),
		cmocka_unit_test(test_full_ring_buffer_is_counted),
		cmocka_unit_test(test_wakeups_are_batched),
		cmocka_unit_test(test_records_carry_only_their_line),
		cmocka_unit_test(test_heads_across_the_first_copy),
		cmocka_unit_test(test_failed_user_reads_lose_nothing_else),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
