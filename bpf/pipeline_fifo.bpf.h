/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pipelining FIFO: the requests a connection owes responses to, oldest first. Several
 * requests may arrive in one read, or while a response is still owed; each final response
 * answers the oldest.
 *
 * The FIFO's oldest entry lives in the connection entry (conn.front); the rest, only when
 * requests are really pipelined, in the `pipelined` map under (connection, sequence). More
 * than PIPELINE_MAX unanswered requests cannot be matched to responses reliably: the
 * connection is then given up until it closes and FEE_CNT_PIPELINE_OVERFLOW says so, never
 * a wrong count.
 */
#ifndef FEE_PIPELINE_FIFO_BPF_H
#define FEE_PIPELINE_FIFO_BPF_H

#include "conn_table.bpf.h"
#include "env.bpf.h"
#include "record_emit.bpf.h"

/* Requests awaiting a response per connection, the one being parsed included. */
#define PIPELINE_MAX 8
/* Entries of the `pipelined` map: every FIFO entry but the oldest of each connection. */
#define PIPELINED_ENTRIES 4096

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

/* The request being parsed: the FIFO entry after the `pending` complete ones. `create`
 * makes it (a new request starts); NULL when it cannot be had. */
static __always_inline struct req_slot *conn_parse_slot(const struct conn_key *key,
							struct conn *conn, bool create)
{
	struct pipelined_key pk = { .conn = *key, .seq = conn->front_seq + conn->pending };
	const struct conn *init;

	if (conn->pending == 0)
		return &conn->front;
	if (create) {
		init = conn_initial();
		if (!init || bpf_map_update_elem(&pipelined, &pk, &init->front, BPF_ANY))
			return NULL;
	}
	return bpf_map_lookup_elem(&pipelined, &pk);
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

#endif
