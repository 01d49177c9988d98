/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the kernel side keeps per thread, in one entry so that a program looks it up once:
 * the socket write in flight (its arguments from syscall entry to exit, socket_io.bpf.h)
 * and the request the thread serves (for the exception log and dup'ed sockets,
 * exception_log.bpf.h).
 */
#ifndef FEE_THREAD_STATE_BPF_H
#define FEE_THREAD_STATE_BPF_H

#include "env.bpf.h"
#include "exception_log.bpf.h"
#include "thread_stash.bpf.h"

enum io_shape {
	IO_BUF, /* (buf, len) */
	IO_IOV, /* (struct iovec *, iovcnt) */
	IO_MSG, /* (struct user_msghdr *) */
};

/* A call's arguments: a write's, stashed from its entry to its exit; a read's, taken from
 * the user registers at its exit (socket_syscalls.bpf.h). */
struct io_args {
	__u64 ptr; /* buffer, iovec array or msghdr, per shape */
	__u64 ts;  /* entry time (writes) */
	__u32 fd;
	__u32 count; /* bytes for IO_BUF, iovcnt for IO_IOV */
	__u8 shape;
	__u8 pending; /* filled at entry, not yet taken at exit */
	__u8 in_tls;  /* enum tls_state */
};

/* io_args.in_tls: is the thread inside an OpenSSL call (tls.bpf.h), whose socket I/O is
 * ciphertext, and has that I/O found the peer gone? */
enum tls_state {
	TLS_OUTSIDE,
	TLS_INSIDE,
	TLS_INSIDE_PEER_GONE,
};

struct thread_state {
	struct io_args io;
	struct thread_request served;
};

/* Thread -> its state. */
THREAD_STASH(struct thread_state) threads SEC(".maps");

/* The current thread's state, or NULL when it has none yet. */
static __always_inline struct thread_state *thread_state_find(void)
{
	return thread_stash_find(&threads);
}

/* The current thread's state, made empty if it has none; NULL when it cannot be had. */
static __always_inline struct thread_state *thread_state_get(void)
{
	return thread_stash_get(&threads);
}

#endif
