/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TLS: the plaintext of HTTPS connections, taken where the server hands it to OpenSSL.
 *
 * uprobes on SSL_read, SSL_read_ex, SSL_write and SSL_write_ex (entry and return) of every
 * OpenSSL the targets map. The daemon attaches them once per library file, for every
 * process (pid -1), so each program first checks that the caller is a target. At entry the
 * call's arguments are kept per thread; at return the bytes the call moved are handed to
 * the same request/response recognition as socket bytes (conn_io.bpf.h), with the
 * connection keyed by its SSL object: (tgid, fd 0, tls = SSL *). SSL_free forgets it, so a
 * new SSL object at a reused address starts clean.
 *
 * Timing (SPEC §3) at the plaintext boundaries: the SSL_read that returns the head's last
 * bytes is "head received"; the entry of the SSL_write carrying the status line is "status
 * line written".
 *
 * While a thread is inside one of these calls, the socket syscalls OpenSSL makes for it
 * carry ciphertext; socket_io_ciphertext_begin() tells the socket hooks to skip them, so a
 * TLS request is counted once. They only note a client that is gone: a response whose
 * write fails for that reason still counts, as on plain sockets. (Handshake traffic
 * outside these calls reaches the socket hooks, where its first bytes never look like a
 * request start.)
 */
#ifndef FEE_TLS_BPF_H
#define FEE_TLS_BPF_H

#include "conn_io.bpf.h"
#include "conn_table.bpf.h"
#include "env.bpf.h"
#include "socket_io.bpf.h"
#include "targets.bpf.h"
#include "thread_stash.bpf.h"
#include "thread_state.bpf.h"

enum tls_call {
	TLS_READ,     /* int SSL_read(SSL *, void *buf, int num): returns bytes read */
	TLS_READ_EX,  /* int SSL_read_ex(SSL *, void *buf, size_t num, size_t *readbytes) */
	TLS_WRITE,    /* int SSL_write(SSL *, const void *buf, int num): returns bytes written */
	TLS_WRITE_EX, /* int SSL_write_ex(SSL *, const void *buf, size_t num, size_t *written) */
};

struct tls_call_args {
	__u64 ssl;
	__u64 buf;
	__u64 moved_ptr; /* size_t * where the _ex variants store the bytes moved */
	__u64 num;	 /* bytes asked for */
	__u64 ts;	 /* entry time (writes) */
	__u32 depth;	 /* calls in flight on the thread: a library may nest them */
	__u32 call;	 /* enum tls_call */
};

/* OpenSSL call in flight: thread -> its arguments. Reused in place; freed with the thread. */
THREAD_STASH(struct tls_call_args) tls_calls SEC(".maps");

static __always_inline void tls_call_enter(enum tls_call call, void *ssl, void *buf, __u64 num,
					   void *moved_ptr)
{
	struct tls_call_args *slot, fresh = {
		.ssl = (__u64)ssl,
		.buf = (__u64)buf,
		.moved_ptr = (__u64)moved_ptr,
		.num = num,
		.depth = 1,
		.call = call,
	};

	if (!current_is_target())
		return;
	slot = thread_stash_find(&tls_calls);
	if (slot && slot->depth) {
		/* An SSL call made inside another (say SSL_read on top of SSL_read_ex): the
		 * outer call's buffer and result are the ones the application sees. */
		slot->depth++;
		return;
	}
	if (call == TLS_WRITE || call == TLS_WRITE_EX)
		fresh.ts = bpf_ktime_get_ns();
	if (!slot)
		slot = thread_stash_get(&tls_calls);
	if (!slot)
		return;
	*slot = fresh;
	socket_io_ciphertext_begin();
}

/* Bytes the call moved, from its return value `ret`; 0 when it moved none. */
static __always_inline __u64 tls_bytes_moved(const struct tls_call_args *args, long ret)
{
	__u64 moved = 0;

	if (args->call == TLS_READ || args->call == TLS_WRITE)
		return ret > 0 ? ret : 0;
	/* The _ex variants return 1 on success and store the count. */
	if (ret != 1 || bpf_probe_read_user(&moved, sizeof(moved), (void *)args->moved_ptr))
		return 0;
	return moved;
}

/*
 * min(n, 0xffffffff) in arithmetic only: with a branch the verifier would take two kinds
 * of length (the constant and a range) through the whole request parser, which cost a
 * third of this program's verification (part of the exporter's start-up time).
 */
static __always_inline __u32 clamp_to_u32(__u64 n)
{
	__u64 high = n >> 32;
	__u64 over = (high | -high) >> 63; /* 1 when high != 0 */

	barrier_var(over);
	return (__u32)n | (__u32)-over;
}

static __always_inline void tls_call_return(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call_args *slot = thread_stash_find(&tls_calls);
	struct tls_call_args args;
	struct conn_key key = {};
	struct thread_state *t;
	struct conn *conn;
	bool peer_gone;
	__u64 moved;
	__u32 len;

	if (!slot || !slot->depth)
		return; /* not a target, or the call began before the probe was attached */
	if (--slot->depth)
		return;
	args = *slot;
	t = thread_state_find();
	peer_gone = socket_io_ciphertext_end(t);

	moved = tls_bytes_moved(&args, ret);
	/* A write that failed because the client is gone still answered the request (SPEC
	 * §3), as on plain sockets; one that must be retried (want-write) has not yet. */
	if (moved == 0 && peer_gone && (args.call == TLS_WRITE || args.call == TLS_WRITE_EX))
		moved = args.num;
	if (moved == 0)
		return;
	len = clamp_to_u32(moved);
	key.tgid = id >> 32;
	key.tls = args.ssl;
	if (args.call == TLS_READ || args.call == TLS_READ_EX) {
		if (conn_reads_request(&key, &conn))
			conn_read_bytes(&key, conn, (const char *)args.buf, len, bpf_ktime_get_ns(),
					t ? &t->served : NULL);
		return;
	}
	conn = bpf_map_lookup_elem(&conns, &key);
	if (conn && conn_owes_response(conn))
		conn_write_bytes(&key, conn, (const char *)args.buf, len, args.ts,
				 t ? &t->served : NULL);
}

/* ---- the programs: attached per library by the daemon (src/capture/tls_probes.c), never by the
 * skeleton ---- */

SEC("uprobe")
int BPF_KPROBE(uprobe_ssl_read, void *ssl, void *buf, int num)
{
	tls_call_enter(TLS_READ, ssl, buf, num > 0 ? num : 0, NULL);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(uprobe_ssl_read_ex, void *ssl, void *buf, __u64 num, void *readbytes)
{
	tls_call_enter(TLS_READ_EX, ssl, buf, num, readbytes);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(uprobe_ssl_write, void *ssl, void *buf, int num)
{
	tls_call_enter(TLS_WRITE, ssl, buf, num > 0 ? num : 0, NULL);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(uprobe_ssl_write_ex, void *ssl, void *buf, __u64 num, void *written)
{
	tls_call_enter(TLS_WRITE_EX, ssl, buf, num, written);
	return 0;
}

/* One return program for all four: the stashed call says which it was. */
SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_ssl_call, long ret)
{
	tls_call_return(ret);
	return 0;
}

/* void SSL_free(SSL *): the connection is over. */
SEC("uprobe")
int BPF_KPROBE(uprobe_ssl_free, void *ssl)
{
	struct conn_key key = {};

	if (!current_is_target())
		return 0;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.tls = (__u64)ssl;
	conn_forget(&key);
	return 0;
}

#endif
