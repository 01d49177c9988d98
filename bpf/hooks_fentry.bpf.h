/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook family "fentry-syscall": fentry/fexit programs (BPF trampolines) on the syscall
 * entry points, which take the user registers as one struct pt_regs *. Needs BTF, a JIT
 * and CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS. The fallback of the socket-level "fentry"
 * family (hooks_socket_fentry.bpf.h, which uses the macros below for accept and close).
 * The target function is resolved at load time, so an unavailable family fails to load.
 * A read has only its fexit, which reads the arguments from the registers it is given.
 */
#ifndef FEE_HOOKS_FENTRY_BPF_H
#define FEE_HOOKS_FENTRY_BPF_H

#include "env.bpf.h"
#include "socket_syscalls.bpf.h"
#include "syscall_prefix.bpf.h"

/* Programs named FAMILY_enter_NAME and FAMILY_exit_NAME on the syscall NAME. */
#define FEE_FENTRY_SYSCALL_ENTER(family, name)                                                     \
	SEC("fentry/" FEE_SYSCALL_PREFIX #name)                                                    \
	int BPF_PROG(family##_enter_##name, struct pt_regs *regs)                                  \
	{                                                                                          \
		sys_##name##_enter(                                                                \
			PT_REGS_PARM1_CORE_SYSCALL(regs), PT_REGS_PARM2_CORE_SYSCALL(regs),        \
			PT_REGS_PARM3_CORE_SYSCALL(regs), PT_REGS_PARM4_CORE_SYSCALL(regs));       \
		return 0;                                                                          \
	}

#define FEE_FENTRY_SYSCALL_EXIT(family, name)                                                      \
	SEC("fexit/" FEE_SYSCALL_PREFIX #name)                                                     \
	int BPF_PROG(family##_exit_##name, struct pt_regs *regs, long ret)                         \
	{                                                                                          \
		sys_##name##_exit(regs, ret);                                                      \
		return 0;                                                                          \
	}

#define FENTRY_ENTER(name) FEE_FENTRY_SYSCALL_ENTER(fe, name)
#define FENTRY_EXIT(name) FEE_FENTRY_SYSCALL_EXIT(fe, name)

FEE_SOCKET_SYSCALLS(FENTRY_ENTER, FENTRY_EXIT)

#endif
