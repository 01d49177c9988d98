/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook family "tracepoint": the syscalls/sys_{enter,exit}_* tracepoints. Needs
 * CONFIG_FTRACE_SYSCALLS and tracefs (for the tracepoint ids); works on every kernel the
 * exporter supports, and is the fallback when kprobes and fentry are unavailable.
 *
 * One program per syscall entry (each has its own argument layout), but one exit program
 * for all reads and writes and one for both accepts: an exit needs nothing from its
 * tracepoint but the return value, and each of these programs would otherwise be verified
 * once per syscall (the read/write exit holds the whole request state machine, most of
 * the exporter's start-up time). libbpf does not attach them by itself: the daemon attaches
 * each to its syscalls' sys_exit_* tracepoints (src/capture/tracepoint_exits.c). Their
 * section names only say which family they belong to; no tracepoint has those names.
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

/* Exits: the shared programs below. */
#define TRACEPOINT_SHARED_EXIT(name)

FEE_SOCKET_SYSCALLS(TRACEPOINT_ENTER, TRACEPOINT_SHARED_EXIT)

/* The exit of every syscall in FEE_SOCKET_IO_SYSCALLS. */
SEC("tracepoint/syscalls/sys_exit_socket_io")
int tp_exit_socket_io(struct trace_event_raw_sys_exit *ctx)
{
	socket_io_exit(ctx->ret);
	return 0;
}

/* The exit of every syscall in FEE_SOCKET_ACCEPT_SYSCALLS. */
SEC("tracepoint/syscalls/sys_exit_socket_accept")
int tp_exit_socket_accept(struct trace_event_raw_sys_exit *ctx)
{
	socket_accept_exit(ctx->ret);
	return 0;
}

#endif
