/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The socket syscalls the exporter follows, and the one place that knows each one's
 * argument layout. Every hook family (hooks_*.bpf.h) passes the raw syscall arguments
 * a0..a3, or the thread's saved user registers, and the return value here, so
 * tracepoints, kprobes and fentry feed the request state machine (socket_io.bpf.h) exactly
 * the same calls.
 *
 * FEE_SOCKET_SYSCALLS(ENTER, EXIT) expands ENTER(name) for every syscall needed at entry
 * and EXIT(name) for every one needed at exit; a family defines the two macros that turn
 * a name into its programs. Reads are needed at exit only: their arguments are still in
 * the saved user registers then (syscall_regs.bpf.h). Writes keep their entry, whose time
 * is when the response started to leave; it stashes only a write that can matter
 * (socket_write_enter()).
 */
#ifndef FEE_SOCKET_SYSCALLS_BPF_H
#define FEE_SOCKET_SYSCALLS_BPF_H

#include "env.bpf.h"
#include "socket_io.bpf.h"
#include "socket_syscalls.h"
#include "syscall_regs.bpf.h"
#include "targets.bpf.h"
#include "thread_state.bpf.h"

/* One syscall per line. */
/* clang-format off */
#define FEE_SOCKET_SYSCALLS(ENTER, EXIT)						\
	EXIT(read)									\
	EXIT(readv)									\
	EXIT(recvfrom)									\
	EXIT(recvmsg)									\
	ENTER(write) EXIT(write)							\
	ENTER(writev) EXIT(writev)							\
	ENTER(sendto) EXIT(sendto)							\
	ENTER(sendmsg) EXIT(sendmsg)							\
	EXIT(accept) EXIT(accept4)							\
	ENTER(close)
/* clang-format on */

/* read(fd, buf, count), readv(fd, iov, iovcnt), recvfrom(fd, buf, len, flags, ...),
 * recvmsg(fd, msg, flags) as (fd, ptr, count, shape, flags). */
#define FEE_READ_ARGS_read(a0, a1, a2, a3) a0, a1, a2, IO_BUF, 0
#define FEE_READ_ARGS_readv(a0, a1, a2, a3) a0, a1, a2, IO_IOV, 0
#define FEE_READ_ARGS_recvfrom(a0, a1, a2, a3) a0, a1, a2, IO_BUF, a3
#define FEE_READ_ARGS_recvmsg(a0, a1, a2, a3) a0, a1, 0, IO_MSG, a2

static __always_inline void read_args_set(struct io_args *args, __u64 *flags, __u32 fd, __u64 ptr,
					  __u32 count, enum io_shape shape, __u64 call_flags)
{
	args->fd = fd;
	args->ptr = ptr;
	args->count = count;
	args->shape = shape;
	*flags = call_flags;
}

#define FEE_READ_ARGS_CASE(name)                                                                   \
	case FEE_NR_##name:                                                                        \
		read_args_set(&args, &flags, FEE_READ_ARGS_##name(f.a0, f.a1, f.a2, f.a3));        \
		break;

/*
 * The read-like syscall numbered nr (FEE_NR_*) returned `ret`. Its arguments come from
 * regs, the thread's saved user registers (NULL: looked up here, only when needed), which
 * at syscall exit still hold what the syscall used: x86-64 changes only ax (the return
 * value), arm64 keeps the first argument in orig_x0. So a read has no entry program and
 * no stash, and never meets a stashed write. Under an OpenSSL call it is ciphertext
 * (io_is_ciphertext); MSG_PEEK bytes will be read again.
 */
static __always_inline void socket_read_returned(struct pt_regs *regs, long nr, long ret)
{
	struct io_args args = {};
	struct syscall_frame f;
	struct thread_state *t;
	__u64 flags;

	if (!current_is_target())
		return;
	/* A read that failed matters only under an OpenSSL call, whose state exists. */
	t = ret > 0 ? thread_state_get() : thread_state_find();
	if (!t || io_is_ciphertext(&t->io, ret) || ret <= 0)
		return;
	if (!regs)
		regs = current_syscall_regs();
	/* No regs: a kernel thread or an io_uring worker, no syscall of ours. */
	if (!regs || !syscall_frame_read(regs, &f))
		return;
	switch (nr) {
		FEE_SOCKET_READ_SYSCALLS(FEE_READ_ARGS_CASE)
	default:
		return;
	}
	if (flags & FEE_MSG_PEEK)
		return;
	socket_read_done(bpf_get_current_pid_tgid() >> 32, &args, ret, &t->served);
}

/* The exit of a read: regs are its user registers where the hook has them (fentry on the
 * syscall), else NULL. */
#define FEE_SOCKET_READ_EXIT(name)                                                                 \
	static __always_inline void sys_##name##_exit(struct pt_regs *regs, long ret)              \
	{                                                                                          \
		socket_read_returned(regs, FEE_NR_##name, ret);                                    \
	}
FEE_SOCKET_READ_SYSCALLS(FEE_SOCKET_READ_EXIT)

/* write(fd, buf, count), writev(fd, iov, iovcnt), sendto(fd, buf, len, ...),
 * sendmsg(fd, msg, flags) as (fd, ptr, count, shape). */
#define FEE_WRITE_ARGS_write(a0, a1, a2, a3) a0, a1, a2, IO_BUF
#define FEE_WRITE_ARGS_writev(a0, a1, a2, a3) a0, a1, a2, IO_IOV
#define FEE_WRITE_ARGS_sendto(a0, a1, a2, a3) a0, a1, a2, IO_BUF
#define FEE_WRITE_ARGS_sendmsg(a0, a1, a2, a3) a0, a1, 0, IO_MSG

/* The entry of a write at the syscall (socket_write_enter() decides whether it can
 * matter; the socket-level modes enter by socket_send_enter() instead). */
#define FEE_SOCKET_WRITE_ENTER(name)                                                               \
	static __always_inline void sys_##name##_enter(__u64 a0, __u64 a1, __u64 a2, __u64 a3)     \
	{                                                                                          \
		socket_write_enter(FEE_WRITE_ARGS_##name(a0, a1, a2, a3));                         \
	}
FEE_SOCKET_WRITE_SYSCALLS(FEE_SOCKET_WRITE_ENTER)

/* Every write exit does the same: hand the return value to the stashed call. */
#define FEE_SOCKET_WRITE_EXIT(name)                                                                \
	static __always_inline void sys_##name##_exit(struct pt_regs *regs, long ret)              \
	{                                                                                          \
		socket_io_exit(ret);                                                               \
	}
FEE_SOCKET_WRITE_SYSCALLS(FEE_SOCKET_WRITE_EXIT)

/* A descriptor handed out by accept, or closed, carries no connection state yet. */
static __always_inline void socket_accept_exit(long ret)
{
	if (ret >= 0)
		socket_forget(ret);
}

#define FEE_SOCKET_ACCEPT_EXIT(name)                                                               \
	static __always_inline void sys_##name##_exit(struct pt_regs *regs, long ret)              \
	{                                                                                          \
		socket_accept_exit(ret);                                                           \
	}
FEE_SOCKET_ACCEPT_SYSCALLS(FEE_SOCKET_ACCEPT_EXIT)

static __always_inline void sys_close_enter(__u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	socket_forget(a0);
}

#endif
