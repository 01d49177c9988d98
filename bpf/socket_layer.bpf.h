/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * From the kernel's socket functions back to the syscall that called them, for the
 * socket-level hook families (hooks_socket_fentry.bpf.h, hooks_socket_kprobe.bpf.h): only
 * socket I/O runs these programs, not every read and write of every process.
 *
 * Every socket read and write syscall of Linux 6.1 passes one of two functions:
 * read, readv (sock_read_iter), recvfrom and recvmsg call sock_recvmsg; write, writev
 * (sock_write_iter), sendto and sendmsg call __sock_sendmsg (sock_sendmsg before Linux 6.6
 * and its stable backports). At that point the syscall's number and arguments still sit
 * in the thread's user registers (syscall_regs.bpf.h), so the state machine gets exactly
 * the calls the syscall hooks give it; a caller that is none of those syscalls (recvmmsg,
 * kernel_recvmsg, an io_uring worker) is left alone, as the syscall hooks leave it.
 */
#ifndef FEE_SOCKET_LAYER_BPF_H
#define FEE_SOCKET_LAYER_BPF_H

#include "env.bpf.h"
#include "exception_log.bpf.h"
#include "socket_fd.bpf.h"
#include "socket_io.bpf.h"
#include "socket_syscalls.bpf.h"
#include "syscall_regs.bpf.h"
#include "targets.bpf.h"
#include "thread_state.bpf.h"

/* sock_recvmsg returned `ret`: one program per read, which sees the read's arguments
 * (the syscall's) and its result at once. */
static __always_inline void socket_layer_recv_returned(long ret)
{
	struct pt_regs *regs;
	long nr;

	if (!current_may_be_target())
		return;
	regs = current_syscall_regs();
	if (!regs)
		return;
	nr = FEE_SYSCALL_NR(regs);
	if (syscall_is_socket_read(nr))
		socket_read_returned(regs, nr, ret);
}

#define FEE_WRITE_ENTER_CASE(name)                                                                 \
	case FEE_NR_##name:                                                                        \
		socket_send_enter(FEE_WRITE_ARGS_##name(f.a0, f.a1, f.a2, f.a3));                  \
		break;

/* The send function is entered: a write's arguments, and the moment its bytes start to
 * leave, are stashed as at syscall entry. */
static __always_inline void socket_layer_send_entered(void)
{
	struct syscall_frame f;
	struct pt_regs *regs;

	if (!current_may_be_target())
		return;
	regs = current_syscall_regs();
	if (!regs || !syscall_frame_read(regs, &f))
		return;
	switch (FEE_SYSCALL_NR(regs)) {
		FEE_SOCKET_WRITE_SYSCALLS(FEE_WRITE_ENTER_CASE)
	}
}

/* The send function returned: the stashed write, if socket_layer_send_entered() kept
 * one, is done. */
static __always_inline void socket_layer_send_returned(long ret)
{
	socket_io_exit(ret);
}

/*
 * write(2) returned `ret`; regs are its user registers (NULL: the thread's, looked up only
 * when needed). What it wrote to a socket went
 * through the send function; the rest matters only as a serving thread's log: Flask writes
 * an uncaught exception's traceback to stderr, a file or a pipe (exception_log.bpf.h). So
 * a target's writes pay here only while the thread serves an unanswered request.
 */
static __always_inline void socket_layer_log_write_returned(struct pt_regs *regs, long ret)
{
	struct thread_state *t;
	__u32 fd;

	if (ret <= 0 || !current_may_be_target())
		return;
	t = thread_state_find();
	if (!t || !thread_request_unanswered(&t->served) || !thread_request_open(&t->served))
		return;
	if (!regs)
		regs = current_syscall_regs();
	if (!regs)
		return;
	fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
	if (fd_is_socket(fd))
		return;
	exception_log_written(&t->served, (const char *)PT_REGS_PARM2_CORE_SYSCALL(regs), ret);
}

#endif
