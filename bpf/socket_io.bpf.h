/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * From socket syscalls to the request state machine, independent of how the syscalls are
 * hooked: each hook family (syscall tracepoints today; kprobes or fentry where a kernel
 * has them) only extracts the arguments and calls these functions.
 *
 * Reads are handled at syscall exit, when the data is in the buffer and the return value
 * says how much; their arguments are stashed per thread at entry. Writes are handled at
 * entry: the bytes are already in the buffer, the entry time is when the response starts,
 * and a write that then fails (client gone) still was the server's answer.
 */
#ifndef FEE_SOCKET_IO_BPF_H
#define FEE_SOCKET_IO_BPF_H

#include "http_conn.bpf.h"
#include "socket_fd.bpf.h"

#define FEE_MSG_PEEK 2 /* MSG_PEEK: the bytes will be read again */
/* iovec entries looked at per vector read or write: heads and status lines come first. */
#define MAX_IOV_SEGMENTS 4

enum io_shape {
	IO_BUF, /* (buf, len) */
	IO_IOV, /* (struct iovec *, iovcnt) */
	IO_MSG, /* (struct user_msghdr *) */
};

struct read_args {
	__u64 ptr; /* buffer, iovec array or msghdr, per shape */
	__u32 fd;
	__u32 count; /* iovcnt for IO_IOV */
	__u32 shape;
};

/* Reads in flight: thread (pid_tgid) -> arguments seen at entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_INFLIGHT_SYSCALLS);
	__type(key, __u64);
	__type(value, struct read_args);
} inflight_reads SEC(".maps");

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
static __always_inline bool vector_of(__u32 shape, __u64 ptr, __u32 count,
				      const struct iovec **iov, __u32 *iovcnt)
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

static __always_inline void request_segment(const struct conn_key *key, struct conn **connp,
					    const char *ptr, __u32 len, __u64 now)
{
	struct conn *conn = *connp;

	if (len == 0)
		return;
	if (!conn || conn->phase == PHASE_IDLE) {
		if (!looks_like_request_start(ptr, len))
			return;
		/* A descriptor we have not seen before: only sockets carry requests. */
		if (!conn && !fd_is_socket(key->fd))
			return;
		conn = conn_for_new_request(key);
		if (!conn)
			return;
		*connp = conn;
	}
	if (conn->phase == PHASE_REQUEST_LINE || conn->phase == PHASE_HEADERS)
		conn_feed_request(conn, ptr, len, now);
}

/* Syscall entry of a read-like call on fd. */
static __always_inline void socket_read_enter(__u32 fd, __u64 ptr, __u32 count, enum io_shape shape,
					      __u64 flags)
{
	struct read_args args = { .ptr = ptr, .fd = fd, .count = count, .shape = shape };
	__u64 id = bpf_get_current_pid_tgid();

	if (!current_is_target() || (flags & FEE_MSG_PEEK))
		return;
	if (bpf_map_update_elem(&inflight_reads, &id, &args, BPF_ANY))
		counter_inc(FEE_CNT_SYSCALL_STASH_FULL);
}

/* Syscall exit of a read-like call: `ret` bytes arrived. */
static __always_inline void socket_read_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct read_args *stashed = bpf_map_lookup_elem(&inflight_reads, &id);
	struct read_args args;
	struct conn_key key = {};
	struct conn *conn;
	const struct iovec *iov;
	__u32 iovcnt, i;
	__u64 now, left;

	if (!stashed)
		return;
	args = *stashed;
	bpf_map_delete_elem(&inflight_reads, &id);
	if (ret <= 0)
		return;

	key.tgid = id >> 32;
	key.fd = args.fd;
	conn = bpf_map_lookup_elem(&conns, &key);
	/* Bytes after the head (a body) are not ours to read. */
	if (conn && conn->phase == PHASE_AWAIT_RESPONSE)
		return;
	now = bpf_ktime_get_ns();

	if (args.shape == IO_BUF) {
		request_segment(&key, &conn, (const char *)args.ptr, ret, now);
		return;
	}
	if (!vector_of(args.shape, args.ptr, args.count, &iov, &iovcnt))
		return;
	left = ret;
	for (i = 0; i < MAX_IOV_SEGMENTS && left > 0; i++) {
		struct segment seg;

		if (!iov_segment(iov, iovcnt, i, &seg))
			return;
		if (seg.len > left)
			seg.len = left;
		left -= seg.len;
		request_segment(&key, &conn, seg.ptr, seg.len, now);
		if (conn && conn->phase == PHASE_AWAIT_RESPONSE)
			return;
	}
}

/* Syscall entry of a write-like call on fd carrying `count` bytes (IO_BUF) or a vector. */
static __always_inline void socket_write(__u32 fd, __u64 ptr, __u32 count, enum io_shape shape)
{
	struct conn_key key = {};
	struct conn *conn;
	const struct iovec *iov;
	__u32 iovcnt, i;
	__u64 now;

	if (!current_is_target())
		return;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.fd = fd;
	conn = bpf_map_lookup_elem(&conns, &key);
	if (!conn || conn->phase == PHASE_IDLE)
		return;
	now = bpf_ktime_get_ns();

	if (shape == IO_BUF) {
		conn_feed_response(&key, conn, (const char *)ptr, count, now);
		return;
	}
	if (!vector_of(shape, ptr, count, &iov, &iovcnt))
		return;
	for (i = 0; i < MAX_IOV_SEGMENTS; i++) {
		struct segment seg;

		if (!iov_segment(iov, iovcnt, i, &seg))
			return;
		conn_feed_response(&key, conn, seg.ptr, seg.len, now);
		if (conn->phase == PHASE_IDLE)
			return;
	}
}

/* A descriptor was closed, or handed out anew by accept: forget what it carried. */
static __always_inline void socket_forget(__u32 fd)
{
	struct conn_key key = {};

	if (!current_is_target())
		return;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.fd = fd;
	bpf_map_delete_elem(&conns, &key);
}

#endif
