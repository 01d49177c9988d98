/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook family "kprobe": kprobes and kretprobes on the kernel's socket functions
 * (socket_layer.bpf.h), so only socket I/O runs our read and write programs: a kretprobe
 * per read (the syscall's arguments are read from the user registers at return), a kprobe
 * and a kretprobe per write. accept, accept4 and close stay on their syscalls, and so does
 * write(2) for the exception log. Needs CONFIG_KPROBES and bpf_task_pt_regs (Linux 5.15).
 * Program names start with skp_ (src/capture/hook_attach.c tells the family by them).
 */
#ifndef FEE_HOOKS_SOCKET_KPROBE_BPF_H
#define FEE_HOOKS_SOCKET_KPROBE_BPF_H

#include "env.bpf.h"
#include "hooks_kprobe.bpf.h"
#include "socket_layer.bpf.h"

SEC("kretprobe/sock_recvmsg")
int BPF_KRETPROBE(skp_recv_exit, int ret)
{
	socket_layer_recv_returned(ret);
	return 0;
}

/* The send function FN; the loader keeps the pair that fits the kernel
 * (src/capture/hook_probe.c). */
#define SKP_SEND(fn, suffix)                                                                       \
	SEC("kprobe/" #fn)                                                                         \
	int BPF_KPROBE(skp_send_enter##suffix)                                                     \
	{                                                                                          \
		socket_layer_send_entered();                                                       \
		return 0;                                                                          \
	}                                                                                          \
	SEC("kretprobe/" #fn)                                                                      \
	int BPF_KRETPROBE(skp_send_exit##suffix, int ret)                                          \
	{                                                                                          \
		socket_layer_send_returned(ret);                                                   \
		return 0;                                                                          \
	}

SKP_SEND(__sock_sendmsg, )
SKP_SEND(sock_sendmsg, _old)

FEE_KSYSCALL_EXIT(skp, accept)
FEE_KSYSCALL_EXIT(skp, accept4)
FEE_KSYSCALL_ENTER(skp, close)

SEC("kretsyscall/write")
int BPF_KRETPROBE(skp_exit_write, long ret)
{
	socket_layer_log_write_returned(NULL, ret);
	return 0;
}

#endif
