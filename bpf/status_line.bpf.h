/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The response side: the status lines the server writes on a connection. The first status
 * line written while a request is owed answers the oldest one (pipeline_fifo.bpf.h).
 * Interim 1xx lines keep it owed; a final one (NNN >= 200) emits its record and pops it.
 * Once a status line has gone out, later writes are that response's rest (headers, body)
 * unless they start with a new status line. A response that starts while the only
 * request's head is still arriving (a 400 or 414 for a broken request) also finishes it,
 * flagged FEE_REC_HEAD_INCOMPLETE.
 */
#ifndef FEE_STATUS_LINE_BPF_H
#define FEE_STATUS_LINE_BPF_H

#include "conn_table.bpf.h"
#include "counters.bpf.h"
#include "env.bpf.h"
#include "flask_ebpf_exporter.h"
#include "pipeline_fifo.bpf.h"
#include "record_emit.bpf.h"

/* "HTTP/1.1 200": enough of a status line to know version and code. */
#define STATUS_PREFIX_LEN 12

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

static __always_inline bool user_starts_with(const char *ubuf, char want)
{
	char first = 0;

	return bpf_probe_read_user(&first, 1, ubuf) == 0 && first == want;
}

/* Collects up to STATUS_PREFIX_LEN bytes of a status line that may come in pieces. False
 * when the bytes could not be read. */
static __always_inline bool status_collect(struct conn *conn, const char *ubuf, __u32 len)
{
	char piece[STATUS_PREFIX_LEN] = {};
	__u32 have = conn->status_len;
	__u32 n = STATUS_PREFIX_LEN - have;
	int i;

	if (have >= STATUS_PREFIX_LEN)
		return true;
	if (n > len)
		n = len;
	if (have == 0 && n == STATUS_PREFIX_LEN) { /* the usual case: one write holds it */
		if (bpf_probe_read_user(conn->status, STATUS_PREFIX_LEN, ubuf))
			return false;
		conn->status_len = STATUS_PREFIX_LEN;
		return true;
	}
	if (bpf_probe_read_user(piece, n & 15, ubuf))
		return false;
#pragma unroll
	for (i = 0; i < STATUS_PREFIX_LEN; i++)
		if (i < n)
			conn->status[(have + i) & 15] = piece[i];
	conn->status_len = have + n;
	return true;
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
	if (!status_collect(conn, ubuf, len)) {
		/* Unreadable user memory: the response went out unseen. Left owed, its request
		 * would take the next request's answer. */
		status = -1;
	} else if (conn->status_len < STATUS_PREFIX_LEN) {
		if (conn->in_response && !status_prefix_plausible(conn->status, conn->status_len))
			conn->status_len = 0; /* body bytes that happened to start with 'H' */
		return false;
	} else {
		status = parse_status_prefix(conn->status);
	}
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

#endif
