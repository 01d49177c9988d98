// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the kernel's HTTP state machine (tests/conn_sim), fed arbitrary
 * interleavings of what a server does on one connection: reading any split of a client
 * stream of well-formed requests and raw bytes, writing status lines (whole, split, interim,
 * final, broken), response bodies and raw bytes, closing, time passing. After every step
 * the records so far must satisfy what exactness needs, whatever the bytes:
 *
 * - never a record without a complete request head: finished records not flagged
 *   FEE_REC_HEAD_INCOMPLETE are no more than the heads the parser completed, and a record
 *   of request n comes only once the server has read request n's head to its end;
 * - never more finished records than final status lines written;
 * - durations never negative (never wrapped past the time elapsed), zero where they must be;
 * - pipelined requests answered in order: request numbers of finished records only grow;
 * - nothing read past a buffer: the shim aborts on a user read outside the bytes handed
 *   in, and AddressSanitizer sees the buffers at their exact size;
 * - record fields in range, the line's unused bytes zeroed, starts and abandonments paired.
 *
 * Input: byte 0 picks the options (query kept, in-progress records); then operations of
 * one code byte and their arguments (see the switch below).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_sim.h"
#include "fuzz_checks.h"

#define FD 5
#define MAX_REQUESTS 512
#define STREAM_MAX 65536

/* The client's side of the connection: bytes sent, not yet read by the server. */
static char stream[STREAM_MAX];
static size_t queued, consumed;		 /* since the connection opened */
static size_t head_end[MAX_REQUESTS];	 /* stream offset past request n's head, of this conn */
static unsigned head_conn[MAX_REQUESTS]; /* the connection request n was sent on */
static unsigned requests, connection;

/* What the server did, across the run. */
static unsigned long heads_completed, final_status_lines, finished, finished_whole, started,
	settled;
static long last_finished_request;
static char written_tail[12]; /* the last bytes written, to spot status lines across writes */
static __u64 start_ns;

static void send_bytes(const char *s, size_t n)
{
	if (n > STREAM_MAX - queued)
		n = STREAM_MAX - queued;
	memcpy(stream + queued, s, n);
	queued += n;
}

/* A well-formed request numbered `requests`: "/r<n>" in its path and nowhere else. */
static void send_request(uint8_t v, uint8_t body)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "M-SEARCH" };
	char buf[256];
	int n;

	if (requests == MAX_REQUESTS)
		return;
	n = snprintf(buf, sizeof(buf), "%s /r%u%s HTTP/1.1\r\nHost: x\r\n", methods[v & 3],
		     requests, v & 4 ? "?q=1" : "");
	switch ((v >> 3) & 3) {
	case 1:
		n += snprintf(buf + n, sizeof(buf) - n, "Content-Length: %u\r\n", body % 24);
		break;
	case 2:
		n += snprintf(buf + n, sizeof(buf) - n, "Transfer-Encoding: chunked\r\n");
		break;
	case 3:
		n += snprintf(buf + n, sizeof(buf) - n, "X-Long: %.*s\r\n", body % 120,
			      "................................................................"
			      "................................................................");
		break;
	}
	n += snprintf(buf + n, sizeof(buf) - n, "\r\n");
	send_bytes(buf, n);
	head_end[requests] = queued;
	head_conn[requests] = connection;
	requests++;
	/* A declared body: bytes that look like a request, never one. */
	if (((v >> 3) & 3) == 1)
		send_bytes("GET .fake HTTP/1.1\r\n\r\n", body % 24);
}

/* Raw client bytes: anything but '/', so no request number can be forged. */
static void send_raw(const uint8_t *data, size_t n)
{
	char buf[64];

	for (size_t i = 0; i < n; i++)
		buf[i] = data[i] == '/' ? '.' : (char)data[i];
	send_bytes(buf, n);
}

static void server_read(size_t want)
{
	size_t n = queued - consumed;
	char *buf;

	if (want < n)
		n = want;
	if (n == 0)
		return;
	buf = malloc(n);
	FUZZ_CHECK(buf != NULL);
	memcpy(buf, stream + consumed, n);
	heads_completed += conn_sim_read(FD, buf, n);
	consumed += n;
	free(buf);
}

static bool status_prefix_at(const char *s)
{
	return memcmp(s, "HTTP/1.", 7) == 0 && s[7] >= '0' && s[7] <= '9' && s[8] == ' ' &&
	       s[9] >= '1' && s[9] <= '9' && s[10] >= '0' && s[10] <= '9' && s[11] >= '0' &&
	       s[11] <= '9';
}

static void server_write(const char *s, size_t n)
{
	char *buf = malloc(n ? n : 1);

	FUZZ_CHECK(buf != NULL);
	memcpy(buf, s, n);
	/* Final status lines anywhere in everything written: an upper bound on answers. */
	for (size_t i = 0; i < n; i++) {
		memmove(written_tail, written_tail + 1, sizeof(written_tail) - 1);
		written_tail[sizeof(written_tail) - 1] = s[i];
		if (status_prefix_at(written_tail) && written_tail[9] >= '2')
			final_status_lines++;
	}
	conn_sim_write(FD, buf, n);
	free(buf);
}

static void write_status(uint8_t v, uint8_t split)
{
	static const int codes[] = { 200, 204, 100, 404, 500, 999, 199, 302 };
	char buf[96];
	int n = snprintf(buf, sizeof(buf), "HTTP/1.%d %d Reason\r\n%s\r\n", (v >> 3) & 1,
			 codes[v & 7], v & 16 ? "Content-Length: 5\r\n" : "");
	size_t cut = split % n;

	if (cut == 0) {
		server_write(buf, n);
		return;
	}
	server_write(buf, cut);
	if (v & 32)
		conn_sim_advance(1000);
	server_write(buf + cut, n - cut);
}

static void close_connection(void)
{
	conn_sim_close(FD);
	queued = consumed = 0;
	connection++;
}

/* The request number in a record's line ("/r<n>" then ' ' or '?'), or -1. */
static long request_number(const struct fee_request_record *r)
{
	for (unsigned i = 0; i + 2 < r->line_len; i++) {
		long n = 0;
		unsigned j = i + 2;

		if (r->line[i] != '/' || r->line[i + 1] != 'r')
			continue;
		if (r->line[j] < '0' || r->line[j] > '9')
			continue;
		while (j < r->line_len && r->line[j] >= '0' && r->line[j] <= '9')
			n = n * 10 + (r->line[j++] - '0');
		if (j < r->line_len && (r->line[j] == ' ' || r->line[j] == '?'))
			return n;
	}
	return -1;
}

static void check_records(void)
{
	const struct fee_request_record *recs;
	size_t n = conn_sim_take_records(&recs);
	__u64 elapsed = conn_sim_now() - start_ns;

	for (size_t i = 0; i < n; i++) {
		const struct fee_request_record *r = &recs[i];
		long req;

		FUZZ_CHECK(r->line_len <= FEE_LINE_MAX);
		for (unsigned b = r->line_len; b < FEE_LINE_MAX; b++)
			FUZZ_CHECK(r->line[b] == 0);
		FUZZ_CHECK(r->tgid == CONN_SIM_TGID && r->target == CONN_SIM_TARGET);
		FUZZ_CHECK(r->duration_ns <= elapsed);
		FUZZ_CHECK((r->flags & FEE_REC_TLS) == 0 && (r->flags & FEE_REC_EXCEPTION) == 0);
		if (r->line_len == FEE_LINE_MAX)
			FUZZ_CHECK(r->flags & FEE_REC_LINE_TRUNCATED);
		if (r->kind == FEE_KIND_STARTED) {
			FUZZ_CHECK(r->status == 0 && r->duration_ns == 0);
			FUZZ_CHECK(++started <= heads_completed);
			continue;
		}
		if (r->kind == FEE_KIND_ABANDONED) {
			FUZZ_CHECK(r->status == 0 && r->duration_ns == 0);
			FUZZ_CHECK(r->flags & FEE_REC_START_EMITTED);
			FUZZ_CHECK(++settled <= started);
			continue;
		}
		FUZZ_CHECK(r->kind == FEE_KIND_FINISHED);
		FUZZ_CHECK(r->status >= 200 && r->status <= 999);
		FUZZ_CHECK(++finished <= final_status_lines);
		if (r->flags & FEE_REC_START_EMITTED)
			FUZZ_CHECK(++settled <= started);
		if (!(r->flags & FEE_REC_HEAD_INCOMPLETE))
			FUZZ_CHECK(++finished_whole <= heads_completed);
		req = r->flags & FEE_REC_LINE_TRUNCATED ? -1 : request_number(r);
		if (req < 0 || (unsigned long)req >= requests)
			continue;
		/* In order, each once. */
		FUZZ_CHECK(req > last_finished_request);
		last_finished_request = req;
		/* Answered only once its head was all read, on its own connection. */
		FUZZ_CHECK(head_conn[req] == connection);
		if (!(r->flags & FEE_REC_HEAD_INCOMPLETE))
			FUZZ_CHECK(head_end[req] <= consumed);
	}
}

/* An operation's "count, bytes" arguments at *at (count: its byte): moves *at past them and
 * returns how many bytes there are (at most 47, and what the input has left). */
static size_t counted_bytes(size_t size, size_t *at, uint8_t count)
{
	size_t n = count % 48;

	if (*at + 1 > size)
		n = 0, *at = size;
	else if (n > size - *at - 1)
		n = size - *at - 1;
	*at += 1 + n;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn_sim_options opts = { 0 };
	size_t at = 1;

	if (size < 1)
		return 0;
	opts.keep_query = data[0] & 1;
	opts.emit_started = data[0] & 2;
	conn_sim_start(&opts);
	start_ns = conn_sim_now();
	queued = consumed = 0;
	requests = connection = 0;
	heads_completed = final_status_lines = finished = finished_whole = started = settled = 0;
	last_finished_request = -1;
	memset(written_tail, 0, sizeof(written_tail));

#define ARG(i) (at + (i) < size ? data[at + (i)] : 0)
	while (at < size) {
		uint8_t op = data[at++];
		size_t n;

		switch (op % 9) {
		case 0: /* the client sends a request: variant, body */
			send_request(ARG(0), ARG(1));
			at += 2;
			break;
		case 1: /* the client sends raw bytes: count, bytes */
			n = counted_bytes(size, &at, ARG(0));
			send_raw(data + at - n, n);
			break;
		case 2: /* the server reads: up to 1 + 2 bytes' worth */
			server_read(1 + (ARG(0) | ARG(1) << 8) % 4096);
			at += 2;
			break;
		case 3: /* the server writes a status line, maybe in two writes: variant, cut */
			write_status(ARG(0), ARG(1));
			at += 2;
			break;
		case 4: /* the server writes raw bytes: count, bytes */
			n = counted_bytes(size, &at, ARG(0));
			server_write((const char *)data + at - n, n);
			break;
		case 5: /* the server writes a body that starts like a status line */
			server_write("Hello HTTP", 1 + ARG(0) % 10);
			at += 1;
			break;
		case 6:
			close_connection();
			break;
		case 7: /* time passes */
			conn_sim_advance(1000ULL * (1 + ARG(0)));
			at += 1;
			break;
		case 8: /* the server reads everything sent */
			server_read(STREAM_MAX);
			break;
		}
		check_records();
	}
	close_connection();
	check_records();
	/* Every start is finished or abandoned once the connection is gone. */
	if (opts.emit_started)
		FUZZ_CHECK(settled <= started);
	return 0;
}
