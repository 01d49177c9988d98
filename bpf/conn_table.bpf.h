/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The connection table: one entry per HTTP connection of a target, holding the state of
 * its request parser (request_head.bpf.h), its response parser (status_line.bpf.h) and the
 * oldest request it owes a response (pipeline_fifo.bpf.h keeps the rest).
 *
 * A connection is identified by a conn_key. The socket hooks key it by (tgid, fd); a
 * second data source (TLS plaintext from OpenSSL uprobes) sets `tls` to the SSL object so
 * its reads and writes meet in their own entry.
 */
#ifndef FEE_CONN_TABLE_BPF_H
#define FEE_CONN_TABLE_BPF_H

#include "counters.bpf.h"
#include "env.bpf.h"
#include "flask_ebpf_exporter.h"
#include "targets.bpf.h"

#define MAX_CONNECTIONS 65536

/* Where a connection's request parser stands (conn.parse). */
enum parse_phase {
	PARSE_IDLE,	    /* between requests: the next byte must start one */
	PARSE_REQUEST_LINE, /* copying the request line */
	PARSE_HEADERS,	    /* looking for the blank line, Content-Length, Transfer-Encoding */
	PARSE_BODY,	    /* skipping body_left bytes of a Content-Length body */
	PARSE_BODY_UNKNOWN, /* a body of unknown length: ignore reads until it is answered */
	PARSE_LOST,	    /* the FIFO overflowed: ignore the connection until it closes */
};

/* struct conn_key: include/flask_ebpf_exporter.h (the daemon sweeps the map by it). */

/* One request owed a response: what its record needs. */
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
	__u8 part;	  /* enum line_part (request_head.bpf.h) */
	__u8 hdr;	  /* enum header_match (request_head.bpf.h) */
	__u8 hdr_pos;	  /* header-name bytes matched */
	__u8 body;	  /* enum body_kind of the head being parsed (request_head.bpf.h) */
	__u8 status_len;  /* bytes of status[] collected */
	__u8 in_response; /* a status line went out: writes may be the rest of a response */
	__s32 scratch;	  /* see forget_value() (request_head.bpf.h) */
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

/* All zeroes, never written: the initial value of a new conns entry or pipelined request
 * (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct conn);
} conn_zero SEC(".maps");

/* A zeroed connection entry, to copy from; NULL only if the map is broken. */
static __always_inline const struct conn *conn_initial(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&conn_zero, &zero);
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

/* Stop matching this connection's responses: they can no longer be paired with requests. */
static __always_inline void conn_give_up(struct conn *conn)
{
	counter_inc(FEE_CNT_PIPELINE_OVERFLOW);
	conn->parse = PARSE_LOST;
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
	const struct conn *init = conn_initial();
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
