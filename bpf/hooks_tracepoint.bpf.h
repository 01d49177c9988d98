/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook family "tracepoint": the syscalls/sys_{enter,exit}_* tracepoints. Needs
 * CONFIG_FTRACE_SYSCALLS and tracefs (for the tracepoint ids); works on every kernel the
 * exporter supports, and is the fallback when kprobes and fentry are unavailable.
 *
 * One program per syscall entry that needs one (each has its own argument layout): the
 * writes (their entry time is when the response started to leave; a target's write that
 * is neither on a socket nor from a thread serving an unanswered request stops there,
 * socket_write_enter()) and close. Reads have
 * no entry program: their exit takes the arguments from the thread's saved user registers
 * (socket_syscalls.bpf.h), so a read of any process runs one program, not two.
 *
 * An exit needs nothing from its tracepoint but the syscall number and the return value,
 * so the exits of all reads share one program, those of all writes another, and both
 * accepts a third: each sys_exit_* tracepoint has a small program that tail-calls the
 * shared one. The verifier then goes through the request state machine once, not once per
 * syscall (it was most of the exporter's start-up time), and each syscall's exit keeps a
 * program of its own, so bpf_stats still say what each syscall costs (a tail call's time
 * counts to the program that made it). The shared programs are never attached: their
 * section names only say which family they belong to, and the daemon puts them into
 * tp_shared_exits (src/capture/tracepoint_exits.c).
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

/* The exit of every syscall in FEE_SOCKET_READ_SYSCALLS: the tracepoint's syscall number
 * says where the arguments sit. It is an int (the event's format: `int __syscall_nr`),
 * while vmlinux.h calls the field `long id`: its upper half is padding. */
SEC("tracepoint/syscalls/sys_exit_socket_read")
int tp_exit_socket_read(struct trace_event_raw_sys_exit *ctx)
{
	socket_read_returned(NULL, (int)ctx->id, ctx->ret);
	return 0;
}

/* The exit of every syscall in FEE_SOCKET_WRITE_SYSCALLS. */
SEC("tracepoint/syscalls/sys_exit_socket_write")
int tp_exit_socket_write(struct trace_event_raw_sys_exit *ctx)
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
#define TRACEPOINT_READ_EXIT(name) TRACEPOINT_EXIT_VIA(name, FEE_SHARED_EXIT_SOCKET_READ)
#define TRACEPOINT_WRITE_EXIT(name) TRACEPOINT_EXIT_VIA(name, FEE_SHARED_EXIT_SOCKET_WRITE)
#define TRACEPOINT_ACCEPT_EXIT(name) TRACEPOINT_EXIT_VIA(name, FEE_SHARED_EXIT_SOCKET_ACCEPT)

FEE_SOCKET_READ_SYSCALLS(TRACEPOINT_READ_EXIT)
FEE_SOCKET_WRITE_SYSCALLS(TRACEPOINT_WRITE_EXIT)
FEE_SOCKET_ACCEPT_SYSCALLS(TRACEPOINT_ACCEPT_EXIT)

#endif
