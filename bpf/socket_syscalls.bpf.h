/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The socket syscalls the exporter follows, and the one place that knows each one's
 * argument layout. Every hook family (hooks_*.bpf.h) passes the raw syscall arguments
 * a0..a3 and the return value here, so tracepoints, kprobes and fentry feed the request
 * state machine (socket_io.bpf.h) exactly the same calls.
 *
 * FEE_SOCKET_SYSCALLS(ENTER, EXIT) expands ENTER(name) for every syscall needed at entry
 * and EXIT(name) for every one needed at exit; a family defines the two macros that turn
 * a name into its programs.
 */
#ifndef FEE_SOCKET_SYSCALLS_BPF_H
#define FEE_SOCKET_SYSCALLS_BPF_H

#include "env.bpf.h"
#include "socket_io.bpf.h"
#include "socket_syscalls.h"

/* One syscall per line. */
/* clang-format off */
#define FEE_SOCKET_SYSCALLS(ENTER, EXIT)						\
	ENTER(read) EXIT(read)								\
	ENTER(readv) EXIT(readv)							\
	ENTER(recvfrom) EXIT(recvfrom)							\
	ENTER(recvmsg) EXIT(recvmsg)							\
	ENTER(write) EXIT(write)							\
	ENTER(writev) EXIT(writev)							\
	ENTER(sendto) EXIT(sendto)							\
	ENTER(sendmsg) EXIT(sendmsg)							\
	EXIT(accept) EXIT(accept4)							\
	ENTER(close)
/* clang-format on */

/* The reads and the writes among them, for hooks that tell them apart by their number
 * (below the syscall layer: hooks_socket_*.bpf.h). */
#define FEE_SOCKET_READ_SYSCALLS(X) X(read) X(readv) X(recvfrom) X(recvmsg)
#define FEE_SOCKET_WRITE_SYSCALLS(X) X(write) X(writev) X(sendto) X(sendmsg)

/* read(fd, buf, count), readv(fd, iov, iovcnt), recvfrom(fd, buf, len, flags, ...),
 * recvmsg(fd, msg, flags) as (fd, ptr, count, shape, flags): stashed at entry, parsed at
 * exit (or both at once where a hook sees the arguments with the result). */
#define FEE_READ_ARGS_read(a0, a1, a2, a3) a0, a1, a2, IO_BUF, 0
#define FEE_READ_ARGS_readv(a0, a1, a2, a3) a0, a1, a2, IO_IOV, 0
#define FEE_READ_ARGS_recvfrom(a0, a1, a2, a3) a0, a1, a2, IO_BUF, a3
#define FEE_READ_ARGS_recvmsg(a0, a1, a2, a3) a0, a1, 0, IO_MSG, a2

#define FEE_SOCKET_READ_ENTER(name)                                                                \
	static __always_inline void sys_##name##_enter(__u64 a0, __u64 a1, __u64 a2, __u64 a3)     \
	{                                                                                          \
		socket_read_enter(FEE_READ_ARGS_##name(a0, a1, a2, a3));                           \
	}
FEE_SOCKET_READ_SYSCALLS(FEE_SOCKET_READ_ENTER)

/* write(fd, buf, count), writev(fd, iov, iovcnt), sendto(fd, buf, len, ...),
 * sendmsg(fd, msg, flags). */
static __always_inline void sys_write_enter(__u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	socket_write_enter(a0, a1, a2, IO_BUF);
}

static __always_inline void sys_writev_enter(__u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	socket_write_enter(a0, a1, a2, IO_IOV);
}

static __always_inline void sys_sendto_enter(__u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	socket_write_enter(a0, a1, a2, IO_BUF);
}

static __always_inline void sys_sendmsg_enter(__u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	socket_write_enter(a0, a1, 0, IO_MSG);
}

/* Every read and write exit does the same: hand the return value to the stashed call. */
#define FEE_SOCKET_IO_EXIT(name)                                                                   \
	static __always_inline void sys_##name##_exit(long ret)                                    \
	{                                                                                          \
		socket_io_exit(ret);                                                               \
	}
FEE_SOCKET_IO_SYSCALLS(FEE_SOCKET_IO_EXIT)

/* A descriptor handed out by accept, or closed, carries no connection state yet. */
static __always_inline void socket_accept_exit(long ret)
{
	if (ret >= 0)
		socket_forget(ret);
}

#define FEE_SOCKET_ACCEPT_EXIT(name)                                                               \
	static __always_inline void sys_##name##_exit(long ret)                                    \
	{                                                                                          \
		socket_accept_exit(ret);                                                           \
	}
FEE_SOCKET_ACCEPT_SYSCALLS(FEE_SOCKET_ACCEPT_EXIT)

static __always_inline void sys_close_enter(__u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	socket_forget(a0);
}

#endif
