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
	__s32 scratch;	    /* see forget_value() */
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

/* bpf_loop context for the request line: one callback per byte, until the line ends. */
struct line_scan {
	struct conn *conn;
	const char *ubuf;
	__u32 len;
	__u32 consumed; /* bytes used, through the line's '\n' when it ended */
	char chunk[SCAN_CHUNK];
};

static long line_scan_byte(__u32 idx, void *data)
{
	struct line_scan *scan = data;
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
	request_line_byte(conn, c);
	scan->consumed = idx + 1;
	return conn->phase != PHASE_REQUEST_LINE;
}

/* bpf_loop context for the headers: only the blank line that ends them matters. */
struct blank_line_scan {
	const char *ubuf;
	__u32 start, len;
	__u32 recent;
	__u32 found;
	char chunk[SCAN_CHUNK];
};

static long blank_line_scan_chunk(__u32 index, void *data)
{
	struct blank_line_scan *scan = data;
	__u64 offset = scan->start + (__u64)index * SCAN_CHUNK;
	__u32 recent = scan->recent;
	__u64 left;
	int i;

	if (offset >= scan->len)
		return 1;
	left = scan->len - offset;
	if (left > SCAN_CHUNK)
		left = SCAN_CHUNK;
	barrier_var(left);
	if (bpf_probe_read_user(scan->chunk, left, scan->ubuf + offset))
		return 1;
	for (i = 0; i < SCAN_CHUNK && i < left; i++) {
		recent = (recent << 8) | (__u8)scan->chunk[i];
		/* CRLF CRLF, or a bare LF LF, which servers accept too. */
		if (recent == 0x0d0a0d0a || (recent & 0xffff) == 0x0a0a) {
			scan->found = 1;
			return 1;
		}
	}
	scan->recent = recent;
	return 0;
}

/* Does this read end with a blank line? Then the head ends in it (timing needs no more). */
static __always_inline bool ends_with_blank_line(const char *ubuf, __u32 len)
{
	__u32 tail = 0;

	if (len < 4 || bpf_probe_read_user(&tail, 4, ubuf + len - 4))
		return false;
	/* Little-endian load of "\r\n\r\n", or "\n\n" in the top bytes. */
	return tail == 0x0a0d0a0d || (tail >> 16) == 0x0a0a;
}

/* Index of the first '\r' or '\n' in line[0..n), or -1. */
static __always_inline int line_end(const char *line, __u32 n)
{
	int i;

	for (i = 0; i < FEE_LINE_MAX; i++) {
		if (i >= n)
			return -1;
		if (line[i] == '\r' || line[i] == '\n')
			return i;
	}
	return -1;
}

/* Index of the first '?' in line[0..end), or -1. */
static __always_inline int query_start(const char *line, int end)
{
	int i;

	for (i = 0; i < FEE_LINE_MAX; i++) {
		if (i >= end)
			return -1;
		if (line[i] == '?')
			return i;
	}
	return -1;
}

#define VERSION_LEN 9 /* " HTTP/1.x" */

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
 * The usual case, without a byte-by-byte loop: a whole request line of at most
 * FEE_LINE_MAX bytes at the start of one read. It is copied in one go; a query string is
 * dropped by moving " HTTP/1.x" over it. Returns the bytes consumed (through the line's
 * end), or 0 when the slow path must do it (the line is longer or not all here).
 */
static __always_inline __u32 request_line_fast(struct conn *conn, const char *ubuf, __u32 len)
{
	__u64 n = len;
	int end, query, version, i;
	__u32 consumed;

	if (n > FEE_LINE_MAX)
		n = FEE_LINE_MAX;
	/* Keep clang from handing the verifier the unclamped copy of `n`. */
	barrier_var(n);
	if (n == 0 || bpf_probe_read_user(conn->line, n, ubuf))
		return 0;
	end = forget_value(conn, line_end(conn->line, n));
	if (end <= 0 || end >= FEE_LINE_MAX)
		return 0;
	if (conn->line[end] == '\n') {
		consumed = end + 1;
		conn->recent = 0x0a;
	} else if (end + 1 < n && conn->line[(end + 1) & (FEE_LINE_MAX - 1)] == '\n') {
		consumed = end + 2;
		conn->recent = 0x0d0a;
	} else {
		return 0; /* the CR is the last byte read: let the slow path wait for the LF */
	}
	query = cfg_keep_query ? -1 : forget_value(conn, query_start(conn->line, end));
	if (query >= 0) {
		version = end - VERSION_LEN;
		if (version <= query || conn->line[version & (FEE_LINE_MAX - 1)] != ' ')
			return 0;
		for (i = 0; i < VERSION_LEN; i++)
			conn->line[(query + i) & (FEE_LINE_MAX - 1)] =
				conn->line[(version + i) & (FEE_LINE_MAX - 1)];
		end = query + VERSION_LEN;
	}
	conn->line_len = end;
	conn->phase = PHASE_HEADERS;
	return consumed;
}

/*
 * Request bytes for a connection in REQUEST_LINE or HEADERS. The request line is copied
 * byte by byte; for the headers only the read that holds the blank line matters, since
 * that read's time starts the duration: a read ending in one needs no scan at all.
 */
static __always_inline void conn_feed_request(struct conn *conn, const char *ubuf, __u32 len,
					      __u64 now)
{
	struct blank_line_scan blank = {};
	__u32 consumed = 0;

	if (len > REQUEST_SCAN_MAX)
		len = REQUEST_SCAN_MAX;
	conn->head_ts = now;
	/* A line that starts in this read: try it whole. The fast path leaves line_len at 0
	 * when it gives up, so the byte loop below starts over. */
	if (conn->phase == PHASE_REQUEST_LINE && conn->line_len == 0)
		consumed = request_line_fast(conn, ubuf, len);
	if (conn->phase == PHASE_REQUEST_LINE) {
		struct line_scan line = { .conn = conn, .ubuf = ubuf, .len = len };

		bpf_loop(len, line_scan_byte, &line, 0);
		consumed = line.consumed;
		if (conn->phase == PHASE_REQUEST_LINE)
			return;
	}
	if (ends_with_blank_line(ubuf, len)) {
		conn->phase = PHASE_AWAIT_RESPONSE;
		return;
	}
	blank.ubuf = ubuf;
	blank.start = consumed;
	blank.len = len;
	blank.recent = conn->recent;
	bpf_loop((len - consumed + SCAN_CHUNK - 1) / SCAN_CHUNK, blank_line_scan_chunk, &blank, 0);
	conn->recent = blank.recent;
	/* A read longer than the scan limit is taken to end the head: real heads are far
	 * shorter, and servers reject longer ones. */
	if (blank.found || len == REQUEST_SCAN_MAX)
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

/* A record's footprint in the ring: the record plus the ring's 8-byte header. */
#define RECORD_RING_BYTES (sizeof(struct fee_request_record) + 8)

/*
 * Batch wakeups: the daemon drains on a 100 ms timer and before every scrape, so only the
 * record that makes the waiting data cross cfg_wakeup_bytes wakes it. Waking on every
 * record past the mark would cost the server an irq_work per request until the daemon
 * runs. Call after reserving (the reserved record counts as waiting).
 */
static __always_inline __u64 ringbuf_wakeup_flags(void)
{
	__u64 waiting = bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA);

	return waiting >= cfg_wakeup_bytes && waiting < cfg_wakeup_bytes + RECORD_RING_BYTES
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

/* Sends one record of `kind` for the connection's current request; false when the ring
 * buffer was full (counted). */
static __always_inline bool emit_record(const struct conn_key *key, struct conn *conn, int status,
					enum fee_record_kind kind)
{
	struct fee_request_record *rec;
	__u64 line_len;

	rec = bpf_ringbuf_reserve(&records, sizeof(*rec), 0);
	if (!rec) {
		counter_inc(FEE_CNT_RINGBUF_DROPPED);
		return false;
	}
	rec->duration_ns = kind == FEE_KIND_FINISHED && conn->status_ts > conn->head_ts
				   ? conn->status_ts - conn->head_ts
				   : 0;
	rec->tgid = key->tgid;
	rec->status = status;
	rec->kind = kind;
	rec->target = 0; /* set per target by the target-tracking code */
	__builtin_memset(rec->_pad, 0, sizeof(rec->_pad));
	rec->flags = conn->flags;
	if (conn->phase != PHASE_AWAIT_RESPONSE)
		rec->flags |= FEE_REC_HEAD_INCOMPLETE;
	if (key->tls)
		rec->flags |= FEE_REC_TLS;
	line_len = conn->line_len < FEE_LINE_MAX ? conn->line_len : FEE_LINE_MAX;
	rec->line_len = line_len;
	/* Only the line leaves the kernel: conn->line may hold header bytes past it. */
	__builtin_memset(rec->line, 0, FEE_LINE_MAX);
	barrier_var(line_len);
	bpf_probe_read_kernel(rec->line, line_len, conn->line);
	bpf_ringbuf_submit(rec, ringbuf_wakeup_flags());
	return true;
}

/* The request's head is complete: tell the daemon, when it keeps in-progress gauges. */
static __always_inline void conn_request_started(const struct conn_key *key, struct conn *conn)
{
	if (cfg_emit_started && emit_record(key, conn, 0, FEE_KIND_STARTED))
		conn->flags |= FEE_REC_START_EMITTED;
}

/* The current request will get no response: undo its in-progress count, if it had one. */
static __always_inline void conn_request_abandoned(const struct conn_key *key, struct conn *conn)
{
	if (cfg_emit_started && (conn->flags & FEE_REC_START_EMITTED) &&
	    conn->phase == PHASE_AWAIT_RESPONSE)
		emit_record(key, conn, 0, FEE_KIND_ABANDONED);
	conn->flags &= ~FEE_REC_START_EMITTED;
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
		conn_request_abandoned(key, conn);
		conn->phase = PHASE_IDLE;
		return;
	}
	if (status < 200) {
		conn->status_len = 0;
		conn->after_interim = 1;
		return;
	}
	emit_record(key, conn, status, FEE_KIND_FINISHED);
	conn->phase = PHASE_IDLE;
}

/* The connection entry (conn, or NULL when there is none yet) for a request that is
 * starting, created on first sight. */
static __always_inline struct conn *conn_for_new_request(const struct conn_key *key,
							 struct conn *conn)
{
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
