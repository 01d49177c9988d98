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
 * Two halves per connection:
 *
 * - The request parser walks every request byte the server reads, whatever is still owed:
 *
 *     IDLE --request start--> REQUEST_LINE --'\n'--> HEADERS --blank line--+--> IDLE
 *                                                   Content-Length body  +--> BODY --read--> IDLE
 *                                                   Transfer-Encoding    +--> BODY_UNKNOWN
 *
 *   Each completed head joins a FIFO of requests awaiting their response (pipelining:
 *   several requests may arrive in one read, or while a response is still owed). Bytes
 *   count as a new request only where the previous request (head and declared body) ended
 *   and only if they look like a request start, so a body is never taken for a request.
 *   The head scan therefore looks at header names for Content-Length (its value is the
 *   body to skip) and Transfer-Encoding (a chunked body: its length is unknown, so the
 *   parser ignores reads until that request has been answered; servers answer a request
 *   before reading the next).
 *
 * - The response side: the first status line written while a request is owed answers the
 *   oldest one. Interim 1xx lines keep it owed; a final one (NNN >= 200) emits its record
 *   and pops it. Once a status line has gone out, later writes are that response's rest
 *   (headers, body) unless they start with a new status line. A response that starts
 *   while the only request's head is still arriving (a 400 or 414 for a broken request)
 *   also finishes it, flagged FEE_REC_HEAD_INCOMPLETE.
 *
 * The FIFO's oldest entry lives in the connection entry; the rest, only when requests are
 * really pipelined, in the `pipelined` map. More than PIPELINE_MAX unanswered requests
 * (or more pipelined bytes than one read's scan covers) cannot be matched to responses
 * reliably: the connection is then given up until it closes and FEE_CNT_PIPELINE_OVERFLOW
 * says so, never a wrong count.
 */
#ifndef FEE_HTTP_CONN_BPF_H
#define FEE_HTTP_CONN_BPF_H

#include "maps.bpf.h"

/* Request bytes examined per read (body bytes skipped by length do not count). A head
 * still arriving at the limit is taken to end there: real heads are far shorter, and
 * servers reject longer ones (gunicorn 8 KiB a field, nginx 8 KiB a line). */
#define REQUEST_SCAN_MAX 16384
#define SCAN_CHUNK 64
/* Requests awaiting a response per connection, the one being parsed included. */
#define PIPELINE_MAX 8
/* Entries of the `pipelined` map: every FIFO entry but the oldest of each connection. */
#define PIPELINED_ENTRIES 4096
/* "HTTP/1.1 200": enough of a status line to know version and code. */
#define STATUS_PREFIX_LEN 12
/* Longest method token we recognise ("OPTIONS", "M-SEARCH", "PROPPATCH" fit). */
#define METHOD_PEEK_LEN 16

enum parse_phase {
	PARSE_IDLE,	    /* between requests: the next byte must start one */
	PARSE_REQUEST_LINE, /* copying the request line */
	PARSE_HEADERS,	    /* looking for the blank line, Content-Length, Transfer-Encoding */
	PARSE_BODY,	    /* skipping body_left bytes of a Content-Length body */
	PARSE_BODY_UNKNOWN, /* a body of unknown length: ignore reads until it is answered */
	PARSE_LOST,	    /* the FIFO overflowed: ignore the connection until it closes */
};

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

struct conn_key {
	__u32 tgid;
	__u32 fd;
	__u64 tls; /* 0 for plain sockets */
};

/* One request of the FIFO: what its record needs. */
struct req_slot {
	__u64 head_ts; /* head complete (or, until then, last request bytes read) */
	__u16 line_len;
	__u16 flags;  /* enum fee_record_flag */
	__u16 target; /* index of the target whose process read it */
	__u16 _pad;
	char line[FEE_LINE_MAX];
};

struct conn {
	__u64 status_ts;  /* first byte of the current status line written */
	__u32 recent;	  /* last four request bytes, to spot the blank line */
	__u32 body_left;  /* Content-Length being read (HEADERS), bytes left to skip (BODY) */
	__u32 front_seq;  /* sequence number of `front`, the oldest request owed */
	__u8 pending;	  /* complete heads awaiting their final response */
	__u8 parse;	  /* enum parse_phase */
	__u8 part;	  /* enum line_part */
	__u8 hdr;	  /* enum header_match */
	__u8 hdr_pos;	  /* header-name bytes matched */
	__u8 body;	  /* enum body_kind of the head being parsed */
	__u8 status_len;  /* bytes of status[] collected */
	__u8 in_response; /* a status line went out: writes may be the rest of a response */
	__s32 scratch;	  /* see forget_value() */
	__u16 target;	  /* index of the target whose process owns the connection */
	__u16 _pad;
	char status[16];
	struct req_slot front;
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

struct pipelined_key {
	struct conn_key conn;
	__u32 seq;
	__u32 _pad;
};

/* Requests behind a connection's oldest owed one: (connection, sequence) -> request. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PIPELINED_ENTRIES);
	__type(key, struct pipelined_key);
	__type(value, struct req_slot);
} pipelined SEC(".maps");

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

/* Is a response owed: a complete head waiting, or one still arriving (a 400 for it)? */
static __always_inline bool conn_owes_response(const struct conn *conn)
{
	return conn->pending || conn->parse == PARSE_REQUEST_LINE || conn->parse == PARSE_HEADERS;
}

/* Do this connection's reads need looking at? */
static __always_inline bool conn_reads_matter(const struct conn *conn)
{
	return conn->parse != PARSE_BODY_UNKNOWN && conn->parse != PARSE_LOST;
}

/* The request being parsed: the FIFO entry after the `pending` complete ones. `create`
 * makes it (a new request starts); NULL when it cannot be had. */
static __always_inline struct req_slot *conn_parse_slot(const struct conn_key *key,
							struct conn *conn, bool create)
{
	struct pipelined_key pk = { .conn = *key, .seq = conn->front_seq + conn->pending };
	__u32 zero = 0;
	struct conn *init;

	if (conn->pending == 0)
		return &conn->front;
	if (create) {
		init = bpf_map_lookup_elem(&conn_zero, &zero);
		if (!init || bpf_map_update_elem(&pipelined, &pk, &init->front, BPF_ANY))
			return NULL;
	}
	return bpf_map_lookup_elem(&pipelined, &pk);
}

/* Stop matching this connection's responses: they can no longer be paired with requests. */
static __always_inline void conn_give_up(struct conn *conn)
{
	counter_inc(FEE_CNT_PIPELINE_OVERFLOW);
	conn->parse = PARSE_LOST;
}

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
 * Its own subprogram (not inlined): inlined into the largest programs, clang spilled the
 * clamped length and Linux 6.1's verifier lost its bound on the reload.
 *
 * The usual case, without a byte-by-byte loop: a whole request line of at most
 * FEE_LINE_MAX bytes at the start of the bytes given. It is copied in one go; a query
 * string is dropped by moving " HTTP/1.x" over it. Returns the bytes consumed (through the
 * line's end), or 0 when the byte loop must do it (the line is longer or not all here).
 */
static __noinline __u32 request_line_fast(struct conn *conn, struct req_slot *slot,
					  const char *ubuf, __u32 len)
{
	__u64 n = len;
	int end, query, version, i;
	__u32 consumed;

	if (n > FEE_LINE_MAX)
		n = FEE_LINE_MAX;
	/* Keep clang from handing the verifier the unclamped copy of `n`. */
	barrier_var(n);
	if (n == 0 || bpf_probe_read_user(slot->line, n, ubuf))
		return 0;
	end = forget_value(conn, line_end(slot->line, n));
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
	query = cfg_keep_query ? -1 : forget_value(conn, query_start(slot->line, end));
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

/* Sends one record of `kind` for the request in `slot`; false when the ring buffer was full
 * (counted). `status_ts` ends a finished request's duration. */
static __always_inline bool emit_record(const struct conn_key *key, const struct req_slot *slot,
					__u64 status_ts, int status, enum fee_record_kind kind,
					__u16 extra_flags)
{
	struct fee_request_record *rec;
	__u64 line_len;

	rec = bpf_ringbuf_reserve(&records, sizeof(*rec), 0);
	if (!rec) {
		counter_inc(FEE_CNT_RINGBUF_DROPPED);
		return false;
	}
	rec->duration_ns = kind == FEE_KIND_FINISHED && status_ts > slot->head_ts
				   ? status_ts - slot->head_ts
				   : 0;
	rec->tgid = key->tgid;
	rec->status = status;
	rec->kind = kind;
	rec->target = slot->target;
	__builtin_memset(rec->_pad, 0, sizeof(rec->_pad));
	rec->flags = slot->flags | extra_flags;
	if (key->tls)
		rec->flags |= FEE_REC_TLS;
	line_len = slot->line_len < FEE_LINE_MAX ? slot->line_len : FEE_LINE_MAX;
	rec->line_len = line_len;
	/* Only the line leaves the kernel: slot->line may hold header bytes past it. */
	__builtin_memset(rec->line, 0, FEE_LINE_MAX);
	barrier_var(line_len);
	bpf_probe_read_kernel(rec->line, line_len, slot->line);
	bpf_ringbuf_submit(rec, ringbuf_wakeup_flags());
	return true;
}

/* The request's head is complete: tell the daemon, when it keeps in-progress gauges. */
static __always_inline void conn_request_started(const struct conn_key *key, struct req_slot *slot)
{
	if (cfg_emit_started && emit_record(key, slot, 0, 0, FEE_KIND_STARTED, 0))
		slot->flags |= FEE_REC_START_EMITTED;
}

/* A complete request will get no response: undo its in-progress count, if it had one. */
static __always_inline void conn_request_abandoned(const struct conn_key *key,
						   struct req_slot *slot)
{
	if (cfg_emit_started && (slot->flags & FEE_REC_START_EMITTED))
		emit_record(key, slot, 0, 0, FEE_KIND_ABANDONED, 0);
	slot->flags &= ~FEE_REC_START_EMITTED;
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
	__u32 consumed;

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
	parse_start(conn, slot);
	slot->head_ts = scan->now;
	if (!whole_line)
		return true;
	consumed = request_line_fast(conn, slot, at, left);
	if (consumed == 0)
		slot->line_len = 0; /* the byte loop starts over */
	scan->pos += consumed;
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

/* Could the first n bytes of s begin a status line "HTTP/1.x NNN"? */
static __always_inline bool status_prefix_plausible(const char *s, __u32 n)
{
	int i;

#pragma unroll
	for (i = 0; i < STATUS_PREFIX_LEN; i++) {
		char c = s[i];
		bool ok;

		if (i >= n)
			return true;
		if (i == 7 || i >= 9)
			ok = c >= '0' && c <= '9';
		else if (i == 8)
			ok = c == ' ';
		else
			ok = c == "HTTP/1."[i];
		if (!ok)
			return false;
	}
	return true;
}

/*
 * The oldest owed request got its final response (or a broken one): the next one, if any,
 * moves to the front. With none complete, the answered request is the one whose head was
 * still arriving: the parser starts over.
 */
static __always_inline void conn_pop(const struct conn_key *key, struct conn *conn)
{
	struct pipelined_key pk = { .conn = *key, .seq = conn->front_seq + 1 };
	bool parsing = conn->parse == PARSE_REQUEST_LINE || conn->parse == PARSE_HEADERS;
	struct req_slot *next;

	if (!conn->pending) {
		conn->parse = PARSE_IDLE;
		return;
	}
	conn->pending--;
	conn->front_seq++;
	/* A body of unknown length belongs to the newest request: once that one is answered,
	 * the server has read it all, and the next bytes start a request. */
	if (!conn->pending && conn->parse == PARSE_BODY_UNKNOWN)
		conn->parse = PARSE_IDLE;
	if (!conn->pending && !parsing)
		return;
	next = bpf_map_lookup_elem(&pipelined, &pk);
	if (!next) { /* evicted: the requests behind cannot be matched any more */
		conn->pending = 0;
		conn_give_up(conn);
		return;
	}
	bpf_probe_read_kernel(&conn->front, sizeof(conn->front), next);
	bpf_map_delete_elem(&pipelined, &pk);
}

/* A connection goes away: its requests still owed are abandoned, its pipelined entries
 * forgotten. */
static __always_inline void conn_release(const struct conn_key *key, struct conn *conn)
{
	struct pipelined_key pk = { .conn = *key };
	struct req_slot *slot;
	int i;

	if (conn->pending)
		conn_request_abandoned(key, &conn->front);
	for (i = 1; i < PIPELINE_MAX; i++) {
		if (i > conn->pending) /* front_seq + pending: the request being parsed */
			break;
		pk.seq = conn->front_seq + i;
		if (cfg_emit_started && i < conn->pending) {
			slot = bpf_map_lookup_elem(&pipelined, &pk);
			if (slot)
				conn_request_abandoned(key, slot);
		}
		bpf_map_delete_elem(&pipelined, &pk);
	}
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
 * Returns true when a final status line answered a request.
 */
static __always_inline bool conn_feed_response(const struct conn_key *key, struct conn *conn,
					       const char *ubuf, __u32 len, __u64 ts)
{
	int status;

	if (!conn_owes_response(conn) || len == 0)
		return false;
	if (conn->status_len == 0) {
		/* After a status line, writes that do not start a new one are its rest. */
		if (conn->in_response && !user_starts_with(ubuf, 'H'))
			return false;
		conn->status_ts = ts;
	}
	status_collect(conn, ubuf, len);
	if (conn->status_len < STATUS_PREFIX_LEN) {
		if (conn->in_response && !status_prefix_plausible(conn->status, conn->status_len))
			conn->status_len = 0; /* body bytes that happened to start with 'H' */
		return false;
	}

	status = parse_status_prefix(conn->status);
	conn->status_len = 0;
	if (status < 0) {
		if (conn->in_response)
			return false; /* the rest of the previous response */
		counter_inc(FEE_CNT_BAD_RESPONSE);
		if (conn->pending)
			conn_request_abandoned(key, &conn->front);
		conn_pop(key, conn);
		conn->in_response = 1;
		return false;
	}
	conn->in_response = 1;
	if (status < 200)
		return false;
	emit_record(key, &conn->front, conn->status_ts, status, FEE_KIND_FINISHED,
		    conn->pending ? 0 : FEE_REC_HEAD_INCOMPLETE);
	conn_pop(key, conn);
	return true;
}

/*
 * The connection entry for a descriptor first seen carrying a request start: a connection
 * accepted before the exporter attached (a keep-alive client) gets its entry with its next
 * request, never mid-request. It belongs to the target of the process reading it, looked
 * up once per connection whatever the data source (socket or TLS).
 */
static __always_inline struct conn *conn_create(const struct conn_key *key)
{
	int target = current_target();
	__u32 zero = 0;
	struct conn *init = bpf_map_lookup_elem(&conn_zero, &zero);
	struct conn *conn;

	if (!init)
		return NULL;
	if (bpf_map_update_elem(&conns, key, init, BPF_NOEXIST)) {
		counter_inc(FEE_CNT_CONN_TABLE_FULL);
		return NULL;
	}
	conn = bpf_map_lookup_elem(&conns, key);
	if (conn)
		conn->target = target == NO_TARGET ? 0 : target;
	return conn;
}

#endif
