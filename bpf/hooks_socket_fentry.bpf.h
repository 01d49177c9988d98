/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook family "fentry": BPF trampolines on the kernel's socket functions
 * (socket_layer.bpf.h), so only socket I/O runs our read and write programs: one fexit
 * per read (it sees the arguments and the result), an fentry and an fexit per write (the
 * entry is when the response started to leave). accept, accept4 and close stay on their
 * syscalls (once per connection), and so does write(2) for the exception log, which goes
 * to files and pipes. The cheapest family where the kernel allows it; needs what
 * fentry-syscall needs, and bpf_task_pt_regs (Linux 5.15). Program names start with sfe_
 * (src/capture/hook_attach.c tells the family by them).
 */
#ifndef FEE_HOOKS_SOCKET_FENTRY_BPF_H
#define FEE_HOOKS_SOCKET_FENTRY_BPF_H

#include "env.bpf.h"
#include "hooks_fentry.bpf.h"
#include "socket_layer.bpf.h"
#include "socket_syscalls.bpf.h"
#include "syscall_prefix.bpf.h"

SEC("fexit/sock_recvmsg")
int BPF_PROG(sfe_recv_exit, struct socket *sock, struct msghdr *msg, int flags, int ret)
{
	socket_layer_recv_returned(ret);
	return 0;
}

/* The send function FN; the loader keeps the pair that fits the kernel
 * (src/capture/hook_probe.c). */
#define SFE_SEND(fn, suffix)                                                                       \
	SEC("fentry/" #fn)                                                                         \
	int BPF_PROG(sfe_send_enter##suffix, struct socket *sock, struct msghdr *msg)              \
	{                                                                                          \
		socket_layer_send_entered();                                                       \
		return 0;                                                                          \
	}                                                                                          \
	SEC("fexit/" #fn)                                                                          \
	int BPF_PROG(sfe_send_exit##suffix, struct socket *sock, struct msghdr *msg, int ret)      \
	{                                                                                          \
		socket_layer_send_returned(ret);                                                   \
		return 0;                                                                          \
	}

SFE_SEND(__sock_sendmsg, )
SFE_SEND(sock_sendmsg, _old)

FEE_FENTRY_SYSCALL_EXIT(sfe, accept)
FEE_FENTRY_SYSCALL_EXIT(sfe, accept4)
FEE_FENTRY_SYSCALL_ENTER(sfe, close)

SEC("fexit/" FEE_SYSCALL_PREFIX "write")
int BPF_PROG(sfe_exit_write, struct pt_regs *regs, long ret)
{
	socket_layer_log_write_returned(regs, ret);
	return 0;
}

#endif
