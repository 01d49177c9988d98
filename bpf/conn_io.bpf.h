/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Plain HTTP bytes in, whatever carried them: the one seam between the data sources
 * (socket syscalls in socket_io.bpf.h, OpenSSL plaintext in tls.bpf.h) and the request
 * state machine (http_conn.bpf.h) with its exception side signal (exception_log.bpf.h).
 * A source finds the bytes a read delivered or a write sent and the connection's key;
 * everything HTTP happens here, once, for both.
 */
#ifndef FEE_CONN_IO_BPF_H
#define FEE_CONN_IO_BPF_H

#include "exception_log.bpf.h"
#include "http_conn.bpf.h"
#include "socket_fd.bpf.h"

/*
 * Looks up key's connection (*connp: NULL when untracked) and says whether a read on it
 * can matter: bytes after a complete head (a body) are not ours to read. Sources call it
 * before locating the bytes, so a body read costs one lookup.
 */
static __always_inline bool conn_reads_request(const struct conn_key *key, struct conn **connp)
{
	struct conn *conn = bpf_map_lookup_elem(&conns, key);

	*connp = conn;
	return !conn || conn->phase != PHASE_AWAIT_RESPONSE;
}

/*
 * `len` bytes read on key's connection (conn: from conn_reads_request). A request starts
 * only on bytes that look like one; once its head is complete, the reading thread serves it.
 */
static __always_inline void conn_read_bytes(const struct conn_key *key, struct conn *conn,
					    const char *ptr, __u32 len, __u64 now)
{
	if (len == 0)
		return;
	if (!conn || conn->phase == PHASE_IDLE) {
		if (!looks_like_request_start(ptr, len))
			return;
		/* A descriptor we have not seen before: only sockets carry requests. TLS
		 * plaintext comes from an SSL object, which is one by definition. */
		if (!conn && !key->tls && !fd_is_socket(key->fd))
			return;
		conn = conn_for_new_request(key, conn);
		if (!conn)
			return;
	}
	if (conn->phase == PHASE_REQUEST_LINE || conn->phase == PHASE_HEADERS) {
		conn_feed_request(conn, ptr, len, now);
		if (conn->phase == PHASE_AWAIT_RESPONSE) {
			thread_request_started(key);
			conn_request_started(key, conn);
		}
	}
}

/*
 * `len` bytes written on key's connection, which owes a response (conn not IDLE); `ts` is
 * when the write began. Returns true when they finished the request (its record is out).
 */
static __always_inline bool conn_write_bytes(const struct conn_key *key, struct conn *conn,
					     const char *ptr, __u32 len, __u64 ts)
{
	conn_feed_response(key, conn, ptr, len, ts);
	if (conn->phase != PHASE_IDLE)
		return false;
	thread_request_finished(key);
	return true;
}

/* The connection is over (its socket closed, its SSL object freed): forget it, telling
 * the daemon about a request it had been told started. */
static __always_inline void conn_forget(const struct conn_key *key)
{
	if (cfg_emit_started) {
		struct conn *conn = bpf_map_lookup_elem(&conns, key);

		if (conn)
			conn_request_abandoned(key, conn);
	}
	bpf_map_delete_elem(&conns, key);
}

/* bpf_for_each_map_elem callback: a connection of the exiting process (ctx: its tgid). */
static long abandon_if_owned(struct bpf_map *map, struct conn_key *key, struct conn *conn,
			     void *ctx)
{
	if (key->tgid == *(__u32 *)ctx) {
		conn_request_abandoned(key, conn);
		bpf_map_delete_elem(map, key);
	}
	return 0;
}

/*
 * A process is gone. Its sockets closed without a close() (exit closes them itself), so
 * the requests it had started would hold in-progress gauges up for ever (think of a
 * gunicorn worker killed for its timeout in the middle of one): abandon them. Only with
 * in-progress gauges, and once per process, so the walk over the table is rare.
 */
static __always_inline void conns_forget_process(__u32 tgid)
{
	if (cfg_emit_started)
		bpf_for_each_map_elem(&conns, abandon_if_owned, &tgid, 0);
}

#endif
