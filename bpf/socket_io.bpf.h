/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * From socket syscalls to the request state machine, independent of how the syscalls are
 * hooked: each hook family (syscall tracepoints today; kprobes or fentry where a kernel
 * has them) only extracts the arguments and calls these functions.
 *
 * Both reads and writes are parsed at syscall exit: then the return value says how many
 * bytes moved, and the kernel has touched the user pages (at entry, a write's buffer may
 * not be faulted in yet, e.g. a constant in a freshly forked worker, and BPF cannot fault
 * pages in). A read's arguments are taken from the thread's saved user registers at exit
 * (socket_syscalls.bpf.h), so a read has no entry program. A write's arguments are stashed
 * per thread at entry, whose time is kept as the moment its bytes started to leave the
 * server: its entry costs one lookup of the thread's state and, in the syscall-level hook
 * modes, the question whether the write can matter at all (write_may_matter(): a socket,
 * or a thread serving an unanswered request); a write that cannot (a server's access log
 * line, its pipe and file writes) takes no clock and stashes nothing, and its exit stops
 * at the thread's state. The exit of a stashed write looks up the connection.
 */
#ifndef FEE_SOCKET_IO_BPF_H
#define FEE_SOCKET_IO_BPF_H

#include "conn_io.bpf.h"
#include "conn_table.bpf.h"
#include "env.bpf.h"
#include "exception_log.bpf.h"
#include "socket_fd.bpf.h"
#include "targets.bpf.h"
#include "thread_state.bpf.h"

#define FEE_MSG_PEEK 2 /* MSG_PEEK: the bytes will be read again */
/* iovec entries looked at per vector read or write: heads and status lines come first. */
#define MAX_IOV_SEGMENTS 4

#define FEE_EAGAIN 11
#define FEE_EINTR 4
#define FEE_EPIPE 32
#define FEE_ECONNRESET 104

/*
 * The current thread enters an OpenSSL read or write: the socket I/O it does until
 * socket_io_ciphertext_end() carries that call's ciphertext, which socket_write_stash()
 * ignores, so a TLS connection is measured once, from its plaintext.
 */
static __always_inline void socket_io_ciphertext_begin(void)
{
	struct thread_state *t = thread_state_get();

	if (!t)
		return;
	t->io.in_tls = TLS_INSIDE;
	t->io.pending = 0;
}

/* The OpenSSL call of the thread whose state is `t` is over. Returns true when its socket
 * I/O found the client gone. */
static __always_inline bool socket_io_ciphertext_end(struct thread_state *t)
{
	bool peer_gone;

	if (!t)
		return false;
	peer_gone = t->io.in_tls == TLS_INSIDE_PEER_GONE;
	t->io.in_tls = TLS_OUTSIDE;
	return peer_gone;
}

/* One contiguous piece of user memory. */
struct segment {
	const char *ptr;
	__u64 len;
};

/* The i-th iovec of a vector I/O call, clipped to the bytes transferred so far. */
static __always_inline bool iov_segment(const struct iovec *iov, __u32 iovcnt, __u32 i,
					struct segment *seg)
{
	struct iovec v;

	if (i >= iovcnt || bpf_probe_read_user(&v, sizeof(v), &iov[i]))
		return false;
	seg->ptr = v.iov_base;
	seg->len = v.iov_len;
	return true;
}

/* Resolves (shape, ptr, count) into the iovec array, for vector shapes. */
static __always_inline bool vector_of(__u32 shape, __u64 ptr, __u32 count, const struct iovec **iov,
				      __u32 *iovcnt)
{
	struct user_msghdr msg;

	if (shape == IO_IOV) {
		*iov = (const struct iovec *)ptr;
		*iovcnt = count;
		return true;
	}
	if (bpf_probe_read_user(&msg, sizeof(msg), (void *)ptr))
		return false;
	*iov = msg.msg_iov;
	*iovcnt = msg.msg_iovlen;
	return true;
}

/*
 * A read-like call returned `ret` > 0 bytes. Of a vector read only the first segment is
 * looked at: heads arrive at the start of a read, and one request segment keeps the
 * verifier's work (and this program) small. A head that spills into a second iovec still
 * gets its time from this read; it is flagged FEE_REC_HEAD_INCOMPLETE.
 */
static __always_inline void socket_read_done(__u32 tgid, const struct io_args *args, long ret,
					     struct thread_request *served)
{
	struct conn_key key = {};
	struct conn *conn;
	struct segment seg;
	const struct iovec *iov;
	__u32 iovcnt;

	key.tgid = tgid;
	key.fd = args->fd;
	if (!conn_reads_request(&key, &conn))
		return;

	if (args->shape == IO_BUF) {
		seg.ptr = (const char *)args->ptr;
		seg.len = ret;
	} else if (!vector_of(args->shape, args->ptr, args->count, &iov, &iovcnt) ||
		   !iov_segment(iov, iovcnt, 0, &seg)) {
		return;
	}
	if (seg.len > (__u64)ret)
		seg.len = ret;
	conn_read_bytes(&key, conn, seg.ptr, seg.len, bpf_ktime_get_ns(), served);
}

/*
 * inetd-style servers (busybox httpd, tcpsvd, systemd Accept=yes) read the request from
 * fd 0 and write the response to fd 1, both dup()s of the socket. A write on a descriptor
 * we do not track is the response when it shares its open file with the connection whose
 * request this thread is serving; key->fd becomes that connection's descriptor.
 */
static __always_inline struct conn *conn_of_dup(struct conn_key *key,
						const struct thread_request *serving)
{
	const struct conn_key *served = &serving->key;
	struct conn_key conn_key;
	struct conn *conn;

	if (served->tls || served->tgid != key->tgid || served->fd == key->fd)
		return NULL;
	/* A dup of a connection's socket is a socket: one fd walk spares a write that is
	 * none (a log line) the lookup and the two walks below. */
	if (!fd_is_socket(key->fd))
		return NULL;
	conn_key = *served;
	conn = bpf_map_lookup_elem(&conns, &conn_key);
	if (!conn || !conn_owes_response(conn) || !fds_share_file(key->fd, conn_key.fd))
		return NULL;
	key->fd = conn_key.fd;
	return conn;
}

/* A write's entry fills the thread's slot (t: its state, NULL when it has none yet) with
 * the call's arguments and the moment its bytes start to leave; its exit marks it used. */
static __always_inline void socket_write_stash(struct thread_state *t, __u32 fd, __u64 ptr,
					       __u32 count, enum io_shape shape)
{
	struct io_args args = {
		.ptr = ptr, .fd = fd, .count = count, .shape = shape, .pending = 1
	};

	if (!t)
		t = thread_state_get();
	/* Ciphertext under an OpenSSL call: the plaintext is seen by tls.bpf.h. */
	if (!t || t->io.in_tls)
		return;
	args.ts = bpf_ktime_get_ns();
	t->io = args;
}

/*
 * Can a write the current thread (state t, NULL when it has none) enters on fd matter to
 * its exit? socket_write_exit() is the specification; it uses a write only
 *  (a) on a connection in `conns` under (tgid, fd), or on an inetd-style dup of the
 *      connection the thread serves (conn_of_dup()): either way fd is a socket. A
 *      connection keyed by a descriptor is made only for a socket (conn_read_bytes();
 *      TLS connections are keyed by their SSL object, which a write exit never looks up)
 *      and forgotten when the descriptor is closed or handed out by accept, so its fd
 *      names a socket for as long as it is tracked. (One that stopped being a socket
 *      without a close, dup2() or close-on-exec over it, is no longer the connection:
 *      what goes there is no response, and skipping it is right.) A dup shares the
 *      connection's open file, a socket's;
 *  (b) or, on another descriptor, while the thread serves a request it has not answered
 *      (the dup above, the exception log: thread_request_unanswered() guards both).
 * The thread's served request changes only in that thread's own programs (its reads'
 * exits, its writes' exits, its OpenSSL calls), none of which runs between a write's
 * entry and its exit: so what the entry sees of (b) is what the exit will see. A write
 * neither to a socket nor from a thread with an unanswered request is never used by its
 * exit, and skipping it is exact. (b) comes first: it is a field of the state at hand,
 * and it holds for the response write of the usual request, which then pays no fd test.
 */
static __always_inline bool write_may_matter(const struct thread_state *t, __u32 fd)
{
	if (t && thread_request_unanswered(&t->served))
		return true;
	return fd_is_socket(fd);
}

/*
 * Syscall entry of a write-like call on fd carrying `count` bytes (IO_BUF) or a vector,
 * in the syscall-level hook modes, where every write of a target enters here: its pipe
 * and log file writes, an access log line after each response. A write that cannot
 * matter (write_may_matter()) takes no clock and stashes nothing.
 */
static __always_inline void socket_write_enter(__u32 fd, __u64 ptr, __u32 count,
					       enum io_shape shape)
{
	struct thread_state *t;

	if (!current_is_target())
		return;
	t = thread_state_find();
	if (!write_may_matter(t, fd)) {
		/* A stash left by a write whose exit never ran (the exporter attached between
		 * the two) must not be taken for this call's at its exit. */
		if (t)
			t->io.pending = 0;
		return;
	}
	socket_write_stash(t, fd, ptr, count, shape);
}

/* The kernel's send function is entered (the socket-level hook modes,
 * socket_layer.bpf.h): the call is a socket write, so there is nothing to decide. */
static __always_inline void socket_send_enter(__u32 fd, __u64 ptr, __u32 count, enum io_shape shape)
{
	if (current_is_target())
		socket_write_stash(NULL, fd, ptr, count, shape);
}

/* A write-like call on key's connection moved `sent` bytes (or failed, and `sent` is what
 * it tried). */
static __always_inline void socket_write_done(const struct conn_key *key, struct conn *conn,
					      const struct io_args *args, __u64 sent,
					      struct thread_request *served)
{
	const struct iovec *iov;
	__u32 iovcnt, i;

	if (args->shape == IO_BUF) {
		conn_write_bytes(key, conn, (const char *)args->ptr, sent, args->ts, served);
		return;
	}
	if (!vector_of(args->shape, args->ptr, args->count, &iov, &iovcnt))
		return;
	/* Several responses to pipelined requests may share one vector write. */
	for (i = 0; i < MAX_IOV_SEGMENTS && sent > 0 && conn_owes_response(conn); i++) {
		struct segment seg;

		if (!iov_segment(iov, iovcnt, i, &seg))
			return;
		if (seg.len > sent)
			seg.len = sent;
		sent -= seg.len;
		conn_write_bytes(key, conn, seg.ptr, seg.len, args->ts, served);
	}
}

/*
 * A write returned `ret`. On a connection that owes a response, it may be the answer
 * (also when the client is gone: EPIPE, ECONNRESET, the server still answered); on another
 * descriptor, the answer on a dup of the socket, or the thread logging its request's
 * exception.
 */
static __always_inline void socket_write_exit(__u32 tgid, const struct io_args *args, long ret,
					      struct thread_request *served)
{
	struct conn_key key = { .tgid = tgid, .fd = args->fd };
	struct conn *conn;
	__u64 sent;

	/* Nothing went out and the server will try again: not an answer yet. */
	if (ret == -FEE_EAGAIN || ret == -FEE_EINTR || ret == 0)
		return;
	/* A vector's size is unknown here; its first segments are bounded by their own
	 * lengths. */
	sent = ret > 0 ? ret : args->shape == IO_BUF ? args->count : ~0ULL;
	conn = bpf_map_lookup_elem(&conns, &key);
	if (!conn) {
		/* Neither once the thread has answered. */
		if (!thread_request_unanswered(served))
			return;
		conn = conn_of_dup(&key, served);
		if (!conn) {
			if (args->shape == IO_BUF && ret > 0 && thread_request_open(served))
				exception_log_written(served, (const char *)args->ptr, ret);
			return;
		}
	}
	if (conn_owes_response(conn))
		socket_write_done(&key, conn, args, sent, served);
}

/* Under an OpenSSL call (io->in_tls) the socket I/O is ciphertext: only a client that is
 * gone matters, to count a response whose write failed (tls.bpf.h). Returns whether the
 * call returning `ret` is such ciphertext I/O. */
static __always_inline bool io_is_ciphertext(struct io_args *io, long ret)
{
	if (!io->in_tls)
		return false;
	if (ret == -FEE_EPIPE || ret == -FEE_ECONNRESET)
		io->in_tls = TLS_INSIDE_PEER_GONE;
	return true;
}

/* Syscall exit of a stashed write (reads are not stashed: socket_syscalls.bpf.h). */
static __always_inline void socket_io_exit(long ret)
{
	struct thread_state *t;
	struct io_args args;

	/* Only a target's calls are stashed: any other process is done at once. */
	if (!current_may_be_target())
		return;
	t = thread_state_find();
	if (!t || io_is_ciphertext(&t->io, ret) || !t->io.pending)
		return;
	args = t->io;
	t->io.pending = 0;
	socket_write_exit(bpf_get_current_pid_tgid() >> 32, &args, ret, &t->served);
}

/* A descriptor was closed, or handed out anew by accept: forget what it carried. */
static __always_inline void socket_forget(__u32 fd)
{
	struct conn_key key = {};

	if (!current_is_target())
		return;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.fd = fd;
	conn_forget(&key);
}

#endif
