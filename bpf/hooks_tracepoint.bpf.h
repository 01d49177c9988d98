/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook family "tracepoint": the syscalls/sys_{enter,exit}_* tracepoints. Needs
 * CONFIG_FTRACE_SYSCALLS and tracefs (for the tracepoint ids); works on every kernel the
 * exporter supports, and is the fallback when kprobes and fentry are unavailable.
 */
#ifndef FEE_HOOKS_TRACEPOINT_BPF_H
#define FEE_HOOKS_TRACEPOINT_BPF_H

#include "env.bpf.h"
#include "socket_syscalls.bpf.h"

#define TRACEPOINT_ENTER(name)                                                                     \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                                \
	int tp_enter_##name(struct trace_event_raw_sys_enter *ctx)                                 \
	{                                                                                          \
		sys_##name##_enter(ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[3]);        \
		return 0;                                                                          \
	}

#define TRACEPOINT_EXIT(name)                                                                      \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                 \
	int tp_exit_##name(struct trace_event_raw_sys_exit *ctx)                                   \
	{                                                                                          \
		sys_##name##_exit(ctx->ret);                                                       \
		return 0;                                                                          \
	}

FEE_SOCKET_SYSCALLS(TRACEPOINT_ENTER, TRACEPOINT_EXIT)

#endif
