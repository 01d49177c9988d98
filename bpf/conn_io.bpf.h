/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Plain HTTP bytes in, whatever carried them: the one seam between the data sources
 * (socket syscalls in socket_io.bpf.h, OpenSSL plaintext in tls.bpf.h) and the request
 * state machine (request_head.bpf.h, status_line.bpf.h, over conn_table.bpf.h and
 * pipeline_fifo.bpf.h) with its exception side signal (exception_log.bpf.h).
 * A source finds the bytes a read delivered or a write sent and the connection's key;
 * everything HTTP happens here, once, for both.
 */
#ifndef FEE_CONN_IO_BPF_H
#define FEE_CONN_IO_BPF_H

#include "conn_table.bpf.h"
#include "env.bpf.h"
#include "exception_log.bpf.h"
#include "pipeline_fifo.bpf.h"
#include "record_emit.bpf.h"
#include "request_head.bpf.h"
#include "socket_fd.bpf.h"
#include "status_line.bpf.h"

/*
 * Looks up key's connection (*connp: NULL when untracked) and says whether a read on it
 * can matter: not while a body of unknown length is read, nor on a connection given up.
 * Sources call it before locating the bytes, so such a read costs one lookup.
 */
static __always_inline bool conn_reads_request(const struct conn_key *key, struct conn **connp)
{
	struct conn *conn = bpf_map_lookup_elem(&conns, key);

	*connp = conn;
	return !conn || conn_reads_matter(conn);
}

/*
 * `len` bytes read on key's connection (conn: from conn_reads_request). A connection
 * starts only on bytes that look like a request; each head completed makes the reading
 * thread the one serving it (`served`: the thread's, NULL if it has none).
 */
static __always_inline void conn_read_bytes(const struct conn_key *key, struct conn *conn,
					    const char *ptr, __u32 len, __u64 now,
					    struct thread_request *served)
{
	if (len == 0)
		return;
	if (!conn) {
		if (!looks_like_request_start(ptr, len))
			return;
		/* A descriptor we have not seen before: only sockets carry requests. TLS
		 * plaintext comes from an SSL object, which is one by definition. The read
		 * delivered bytes, so the answer may teach fd_is_socket() the sockets' f_op. */
		if (!key->tls && !fd_is_socket_learn(key->fd))
			return;
		conn = conn_create(key);
		if (!conn)
			return;
	}
	if (conn_feed_request(key, conn, ptr, len, now) && served)
		thread_request_started(served, key);
}

/*
 * `len` bytes written on key's connection, which owes a response; `ts` is when the write
 * began. Returns true when they finished a request (its record is out).
 */
static __always_inline bool conn_write_bytes(const struct conn_key *key, struct conn *conn,
					     const char *ptr, __u32 len, __u64 ts,
					     struct thread_request *served)
{
	if (!conn_feed_response(key, conn, ptr, len, ts))
		return false;
	if (served)
		thread_request_finished(served, key);
	return true;
}

/* The connection is over (its socket closed, its SSL object freed): forget it and its
 * pipelined requests, telling the daemon about requests it had been told started. */
static __always_inline void conn_forget(const struct conn_key *key)
{
	struct conn *conn = bpf_map_lookup_elem(&conns, key);

	if (!conn)
		return;
	conn_release(key, conn);
	bpf_map_delete_elem(&conns, key);
}

/* bpf_for_each_map_elem callback: a connection of the exiting process (ctx: its tgid). */
static long abandon_if_owned(struct bpf_map *map, struct conn_key *key, struct conn *conn,
			     void *ctx)
{
	if (key->tgid == *(__u32 *)ctx) {
		conn_release(key, conn); /* its owed requests, pipelined ones too */
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
