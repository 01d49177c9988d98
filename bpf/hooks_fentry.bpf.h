/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook family "fentry": fentry/fexit programs (BPF trampolines) on the syscall entry
 * points, which take the user registers as one struct pt_regs *. Needs BTF, a JIT and
 * CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS; the cheapest family where the kernel allows it.
 * The target function is resolved at load time, so an unavailable family fails to load.
 */
#ifndef FEE_HOOKS_FENTRY_BPF_H
#define FEE_HOOKS_FENTRY_BPF_H

#include "env.bpf.h"
#include "socket_syscalls.bpf.h"
#include "syscall_prefix.bpf.h"

#define FENTRY_ENTER(name)                                                                         \
	SEC("fentry/" FEE_SYSCALL_PREFIX #name)                                                    \
	int BPF_PROG(fe_enter_##name, struct pt_regs *regs)                                        \
	{                                                                                          \
		sys_##name##_enter(                                                                \
			PT_REGS_PARM1_CORE_SYSCALL(regs), PT_REGS_PARM2_CORE_SYSCALL(regs),        \
			PT_REGS_PARM3_CORE_SYSCALL(regs), PT_REGS_PARM4_CORE_SYSCALL(regs));       \
		return 0;                                                                          \
	}

#define FENTRY_EXIT(name)                                                                          \
	SEC("fexit/" FEE_SYSCALL_PREFIX #name)                                                     \
	int BPF_PROG(fe_exit_##name, struct pt_regs *regs, long ret)                               \
	{                                                                                          \
		sys_##name##_exit(ret);                                                            \
		return 0;                                                                          \
	}

FEE_SOCKET_SYSCALLS(FENTRY_ENTER, FENTRY_EXIT)

#endif
