/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook family "tracepoint": the syscalls/sys_{enter,exit}_* tracepoints. Needs
 * CONFIG_FTRACE_SYSCALLS and tracefs (for the tracepoint ids); works on every kernel the
 * exporter supports, and is the fallback when kprobes and fentry are unavailable.
 *
 * One program per syscall entry (each has its own argument layout). An exit needs nothing
 * from its tracepoint but the return value, so the exits of all reads and writes share one
 * program, and both accepts another: each sys_exit_* tracepoint has a small program that
 * tail-calls the shared one. The verifier then goes through the request state machine
 * once, not once per syscall (it was most of the exporter's start-up time), and each
 * syscall's exit keeps a program of its own, so bpf_stats still say what each syscall
 * costs (a tail call's time counts to the program that made it). The shared programs are
 * never attached: their section names only say which family they belong to, and the
 * daemon puts them into tp_shared_exits (src/capture/tracepoint_exits.c).
 */
#ifndef FEE_HOOKS_TRACEPOINT_BPF_H
#define FEE_HOOKS_TRACEPOINT_BPF_H

#include "env.bpf.h"
#include "socket_syscalls.bpf.h"
#include "socket_syscalls.h"
#include "targets.bpf.h"

#define TRACEPOINT_ENTER(name)                                                                     \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                                \
	int tp_enter_##name(struct trace_event_raw_sys_enter *ctx)                                 \
	{                                                                                          \
		sys_##name##_enter(ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[3]);        \
		return 0;                                                                          \
	}

/* Exits: below. */
#define TRACEPOINT_NO_EXIT(name)

FEE_SOCKET_SYSCALLS(TRACEPOINT_ENTER, TRACEPOINT_NO_EXIT)

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

/* The shared exit programs, by enum fee_shared_exit; filled by the daemon after load. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, FEE_SHARED_EXITS);
	__type(key, __u32);
	__type(value, __u32);
} tp_shared_exits SEC(".maps");

/* A syscall's exit: on to its shared program (a tail call does not return). Every process
 * passes here, so the target check comes first: one that surely is none pays no tail call. */
#define TRACEPOINT_EXIT_VIA(name, slot)                                                            \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                 \
	int tp_exit_##name(struct trace_event_raw_sys_exit *ctx)                                   \
	{                                                                                          \
		if (current_may_be_target())                                                       \
			bpf_tail_call(ctx, &tp_shared_exits, slot);                                \
		return 0;                                                                          \
	}
#define TRACEPOINT_IO_EXIT(name) TRACEPOINT_EXIT_VIA(name, FEE_SHARED_EXIT_SOCKET_IO)
#define TRACEPOINT_ACCEPT_EXIT(name) TRACEPOINT_EXIT_VIA(name, FEE_SHARED_EXIT_SOCKET_ACCEPT)

FEE_SOCKET_IO_SYSCALLS(TRACEPOINT_IO_EXIT)
FEE_SOCKET_ACCEPT_SYSCALLS(TRACEPOINT_ACCEPT_EXIT)

#endif
