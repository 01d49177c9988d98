/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook family "kprobe-syscall": kprobes and kretprobes on the syscall entry points
 * (libbpf's ksyscall/kretsyscall resolve the architecture's wrapper, e.g. __x64_sys_read).
 * Needs CONFIG_KPROBES; cheaper than the syscall tracepoints, which run for every syscall
 * of every process before our filter. The fallback of the socket-level "kprobe" family
 * (hooks_socket_kprobe.bpf.h, which uses the macros below for accept and close). A read
 * has only its kretprobe, which reads the arguments from the thread's user registers.
 */
#ifndef FEE_HOOKS_KPROBE_BPF_H
#define FEE_HOOKS_KPROBE_BPF_H

#include "env.bpf.h"
#include "socket_syscalls.bpf.h"

/* Programs named FAMILY_enter_NAME and FAMILY_exit_NAME on the syscall NAME. */
#define FEE_KSYSCALL_ENTER(family, name)                                                           \
	SEC("ksyscall/" #name)                                                                     \
	int BPF_KSYSCALL(family##_enter_##name, __u64 a0, __u64 a1, __u64 a2, __u64 a3)            \
	{                                                                                          \
		sys_##name##_enter(a0, a1, a2, a3);                                                \
		return 0;                                                                          \
	}

#define FEE_KSYSCALL_EXIT(family, name)                                                            \
	SEC("kretsyscall/" #name)                                                                  \
	int BPF_KRETPROBE(family##_exit_##name, long ret)                                          \
	{                                                                                          \
		sys_##name##_exit(NULL, ret);                                                      \
		return 0;                                                                          \
	}

#define KSYSCALL_ENTER(name) FEE_KSYSCALL_ENTER(ks, name)
#define KSYSCALL_EXIT(name) FEE_KSYSCALL_EXIT(ks, name)

FEE_SOCKET_SYSCALLS(KSYSCALL_ENTER, KSYSCALL_EXIT)

#endif
