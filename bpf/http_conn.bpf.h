/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The per-connection HTTP/1.x request state machine.
 *
 * A connection is identified by a conn_key. The socket hooks key it by (tgid, fd); a
 * second data source (TLS plaintext from OpenSSL uprobes) sets `tls` to the SSL object so
 * its reads and writes meet in their own entry. Whatever the source, it hands the state
 * machine plain request bytes (conn_feed_request) and plain response bytes
 * (conn_feed_response); the machine emits one fee_request_record per final response.
 *
 *   IDLE --request start seen--> REQUEST_LINE --'\n'--> HEADERS --blank line--> AWAIT_RESPONSE
 *     ^                                                                              |
 *     +------------------- final status line ("HTTP/1.x NNN", NNN >= 200) -----------+
 *
 * Interim 1xx status lines keep the connection in AWAIT_RESPONSE. A response that starts
 * while the head is still arriving (a 400 or 414 for a broken request) also finishes the
 * request, flagged FEE_REC_HEAD_INCOMPLETE. Only request bytes are scanned, and only until
 * the head ends; response bytes are looked at only for the first 12 of each response.
 */
#ifndef FEE_HTTP_CONN_BPF_H
#define FEE_HTTP_CONN_BPF_H

#include "maps.bpf.h"

/* Request bytes examined per read while looking for the end of the head. A read longer
 * than this whose scanned part holds no blank line is taken to end the head: real heads
 * are far shorter, and servers reject longer ones (gunicorn 8 KiB a field, nginx 8 KiB
 * a line). */
#define REQUEST_SCAN_MAX 16384
#define SCAN_CHUNK 64
/* "HTTP/1.1 200": enough of a status line to know version and code. */
#define STATUS_PREFIX_LEN 12
/* Longest method token we recognise ("OPTIONS", "M-SEARCH", "PROPPATCH" fit). */
#define METHOD_PEEK_LEN 16

enum conn_phase {
	PHASE_IDLE,
	PHASE_REQUEST_LINE,
	PHASE_HEADERS,
	PHASE_AWAIT_RESPONSE,
};

enum line_part {
	PART_METHOD,
	PART_TARGET,
	PART_QUERY, /* skipped: the query string never leaves the kernel unless asked for */
	PART_VERSION,
};

struct conn_key {
	__u32 tgid;
	__u32 fd;
	__u64 tls; /* 0 for plain sockets */
};

struct conn {
	__u64 head_ts;	 /* request head complete (or, until then, last request read) */
	__u64 status_ts; /* first byte of the current status line written */
	__u32 recent;	 /* last four request bytes, to spot the blank line */
	__u16 line_len;
	__u16 flags; /* enum fee_record_flag */
	__u8 phase;
	__u8 part;
	__u8 status_len;    /* bytes of status[] collected */
	__u8 after_interim; /* a 1xx was sent: the next status line is the real one */
	char status[16];
	char line[FEE_LINE_MAX];
};

struct {
	/* LRU: a process that exits without closing its sockets leaves entries behind. */
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CONNECTIONS);
	__type(key, struct conn_key);
	__type(value, struct conn);
} conns SEC(".maps");

/* All zeroes, never written: the initial value of a new conns entry (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct conn);
} conn_zero SEC(".maps");

static __always_inline bool is_method_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_';
}

/*
 * Could these bytes be the start of an HTTP/1.x request: a method token, one space and the
 * first byte of an origin-form ("/"), asterisk ("*") or absolute-form ("http") target?
 * A read shorter than that which matches as far as it goes also counts, so a head that
 * trickles in byte by byte is still recognised (the daemon rejects what turns out wrong).
 */
static __always_inline bool looks_like_request_start(const char *ubuf, __u32 len)
{
	char head[METHOD_PEEK_LEN] = {};
	__u64 n = len;
	bool seen_space = false;
	int i;

	if (n > METHOD_PEEK_LEN)
		n = METHOD_PEEK_LEN;
	barrier_var(n); /* the verifier must see the clamped value */
	if (n == 0 || bpf_probe_read_user(head, n, ubuf))
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

static __always_inline void conn_start_request(struct conn *conn)
{
	conn->phase = PHASE_REQUEST_LINE;
	conn->part = PART_METHOD;
	conn->line_len = 0;
	conn->flags = 0;
	conn->recent = 0;
	conn->status_len = 0;
	conn->after_interim = 0;
}

static __always_inline void line_append(struct conn *conn, char c)
{
	__u32 at = conn->line_len;

	if (at < FEE_LINE_MAX) {
		conn->line[at & (FEE_LINE_MAX - 1)] = c;
		conn->line_len = at + 1;
	} else {
		conn->flags |= FEE_REC_LINE_TRUNCATED;
	}
}

/* Copies the request line, minus the query string, one byte at a time. */
static __always_inline void request_line_byte(struct conn *conn, char c)
{
	if (c == '\n') {
		conn->phase = PHASE_HEADERS;
		return;
	}
	if (c == '\r')
		return;
	switch (conn->part) {
	case PART_METHOD:
		if (c == ' ')
			conn->part = PART_TARGET;
		line_append(conn, c);
		break;
	case PART_TARGET:
		if (c == '?' && !cfg_keep_query) {
			conn->part = PART_QUERY;
			break;
		}
		if (c == ' ')
			conn->part = PART_VERSION;
		line_append(conn, c);
		break;
	case PART_QUERY:
		if (c == ' ') {
			conn->part = PART_VERSION;
			line_append(conn, c);
		}
		break;
	default:
		line_append(conn, c);
	}
}

struct request_scan {
	struct conn *conn;
	const char *ubuf;
	__u32 len;
	__u32 head_done;
	char chunk[SCAN_CHUNK];
};

/* bpf_loop callback: one request byte. Returns 1 to stop the loop. */
static long request_scan_byte(__u32 idx, void *data)
{
	struct request_scan *scan = data;
	struct conn *conn = scan->conn;
	__u32 slot = idx & (SCAN_CHUNK - 1);
	char c;

	if (slot == 0) {
		__u64 left = (__u64)scan->len - idx;

		if (left > SCAN_CHUNK)
			left = SCAN_CHUNK;
		/* Keep clang from handing the verifier the unclamped copy of `left`. */
		barrier_var(left);
		if (bpf_probe_read_user(scan->chunk, left, scan->ubuf + idx))
			return 1;
	}
	c = scan->chunk[slot];
	conn->recent = (conn->recent << 8) | (__u8)c;
	if (conn->phase == PHASE_REQUEST_LINE) {
		request_line_byte(conn, c);
		return 0;
	}
	/* PHASE_HEADERS: a CRLF CRLF (or bare LF LF, which servers accept) ends the head. */
	if (conn->recent == 0x0d0a0d0a || (conn->recent & 0xffff) == 0x0a0a) {
		scan->head_done = 1;
		return 1;
	}
	return 0;
}

/* Request bytes for a connection in REQUEST_LINE or HEADERS. */
static __always_inline void conn_feed_request(struct conn *conn, const char *ubuf, __u32 len,
					      __u64 now)
{
	struct request_scan scan = {
		.conn = conn,
		.ubuf = ubuf,
		.len = len < REQUEST_SCAN_MAX ? len : REQUEST_SCAN_MAX,
	};

	bpf_loop(scan.len, request_scan_byte, &scan, 0);
	conn->head_ts = now;
	if (scan.head_done || len > REQUEST_SCAN_MAX)
		conn->phase = PHASE_AWAIT_RESPONSE;
}

/* "HTTP/1.x NNN" -> NNN, or -1. */
static __always_inline int parse_status_prefix(const char *s)
{
	if (s[0] != 'H' || s[1] != 'T' || s[2] != 'T' || s[3] != 'P' || s[4] != '/' ||
	    s[5] != '1' || s[6] != '.' || s[7] < '0' || s[7] > '9' || s[8] != ' ')
		return -1;
	if (s[9] < '1' || s[9] > '9' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9')
		return -1;
	return (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
}

static __always_inline __u64 ringbuf_wakeup_flags(void)
{
	/* Batch wakeups: the daemon polls on a short timer and drains before each scrape;
	 * only a filling buffer is worth an immediate wakeup. */
	return bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA) >= cfg_wakeup_bytes
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

static __always_inline void emit_record(const struct conn_key *key, struct conn *conn, int status)
{
	struct fee_request_record *rec;

	rec = bpf_ringbuf_reserve(&records, sizeof(*rec), 0);
	if (!rec) {
		counter_inc(FEE_CNT_RINGBUF_DROPPED);
		return;
	}
	rec->duration_ns = conn->status_ts > conn->head_ts ? conn->status_ts - conn->head_ts : 0;
	rec->tgid = key->tgid;
	rec->status = status;
	rec->flags = conn->flags;
	if (conn->phase != PHASE_AWAIT_RESPONSE)
		rec->flags |= FEE_REC_HEAD_INCOMPLETE;
	rec->line_len = conn->line_len;
	__builtin_memcpy(rec->line, conn->line, FEE_LINE_MAX);
	bpf_ringbuf_submit(rec, ringbuf_wakeup_flags());
}

static __always_inline bool user_starts_with(const char *ubuf, char want)
{
	char first = 0;

	return bpf_probe_read_user(&first, 1, ubuf) == 0 && first == want;
}

/* Collects up to STATUS_PREFIX_LEN bytes of a status line that may come in pieces. */
static __always_inline void status_collect(struct conn *conn, const char *ubuf, __u32 len)
{
	char piece[STATUS_PREFIX_LEN] = {};
	__u32 have = conn->status_len;
	__u32 n = STATUS_PREFIX_LEN - have;
	int i;

	if (have >= STATUS_PREFIX_LEN)
		return;
	if (n > len)
		n = len;
	if (have == 0 && n == STATUS_PREFIX_LEN) { /* the usual case: one write holds it */
		if (bpf_probe_read_user(conn->status, STATUS_PREFIX_LEN, ubuf) == 0)
			conn->status_len = STATUS_PREFIX_LEN;
		return;
	}
	if (bpf_probe_read_user(piece, n & 15, ubuf))
		return;
#pragma unroll
	for (i = 0; i < STATUS_PREFIX_LEN; i++)
		if (i < n)
			conn->status[(have + i) & 15] = piece[i];
	conn->status_len = have + n;
}

/*
 * Response bytes written on a connection. `ts` is when the write began: the moment the
 * first byte of a status line leaves the server ends the request's duration (SPEC §3).
 */
static __always_inline void conn_feed_response(const struct conn_key *key, struct conn *conn,
					       const char *ubuf, __u32 len, __u64 ts)
{
	int status;

	if (conn->phase == PHASE_IDLE || len == 0)
		return;
	if (conn->status_len == 0) {
		/* After a 1xx, writes that finish the interim head are not a status line. */
		if (conn->after_interim && !user_starts_with(ubuf, 'H'))
			return;
		conn->status_ts = ts;
	}
	status_collect(conn, ubuf, len);
	if (conn->status_len < STATUS_PREFIX_LEN)
		return;

	status = parse_status_prefix(conn->status);
	if (status < 0) {
		conn->status_len = 0;
		counter_inc(FEE_CNT_BAD_RESPONSE);
		conn->phase = PHASE_IDLE;
		return;
	}
	if (status < 200) {
		conn->status_len = 0;
		conn->after_interim = 1;
		return;
	}
	emit_record(key, conn, status);
	conn->phase = PHASE_IDLE;
}

/* The connection entry for a request that is starting, created on first sight. */
static __always_inline struct conn *conn_for_new_request(const struct conn_key *key)
{
	struct conn *conn = bpf_map_lookup_elem(&conns, key);
	__u32 zero = 0;

	if (!conn) {
		struct conn *init = bpf_map_lookup_elem(&conn_zero, &zero);

		if (!init)
			return NULL;
		if (bpf_map_update_elem(&conns, key, init, BPF_NOEXIST)) {
			counter_inc(FEE_CNT_CONN_TABLE_FULL);
			return NULL;
		}
		conn = bpf_map_lookup_elem(&conns, key);
		if (!conn)
			return NULL;
	}
	conn_start_request(conn);
	return conn;
}

#endif
