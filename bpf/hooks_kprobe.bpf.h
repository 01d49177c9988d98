/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook family "kprobe": kprobes and kretprobes on the syscall entry points (libbpf's
 * ksyscall/kretsyscall resolve the architecture's wrapper, e.g. __x64_sys_read). Needs
 * CONFIG_KPROBES; cheaper than the syscall tracepoints, which run for every syscall of
 * every process before our filter.
 */
#ifndef FEE_HOOKS_KPROBE_BPF_H
#define FEE_HOOKS_KPROBE_BPF_H

#include "env.bpf.h"
#include "socket_syscalls.bpf.h"

#define KSYSCALL_ENTER(name)                                                                       \
	SEC("ksyscall/" #name)                                                                     \
	int BPF_KSYSCALL(ks_enter_##name, __u64 a0, __u64 a1, __u64 a2, __u64 a3)                  \
	{                                                                                          \
		sys_##name##_enter(a0, a1, a2, a3);                                                \
		return 0;                                                                          \
	}

#define KSYSCALL_EXIT(name)                                                                        \
	SEC("kretsyscall/" #name)                                                                  \
	int BPF_KRETPROBE(ks_exit_##name, long ret)                                                \
	{                                                                                          \
		sys_##name##_exit(ret);                                                            \
		return 0;                                                                          \
	}

FEE_SOCKET_SYSCALLS(KSYSCALL_ENTER, KSYSCALL_EXIT)

#endif
