// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's kernel side: syscall tracepoints on the socket reads and writes of the
 * target processes, and scheduler tracepoints that keep the target set equal to the
 * watched process trees. All HTTP logic lives in http_conn.bpf.h; the hooks here only pick
 * out syscall arguments (socket_io.bpf.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "socket_io.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- reads and writes: stash at entry, parse at exit ---- */

/* Every read and write exit does the same: hand the return value to the stashed call. */
#define SOCKET_IO_EXIT_PROGRAM(syscall)                                                            \
	SEC("tracepoint/syscalls/sys_exit_" #syscall)                                              \
	int tp_exit_##syscall(struct trace_event_raw_sys_exit *ctx)                                \
	{                                                                                          \
		socket_io_exit(ctx->ret);                                                          \
		return 0;                                                                          \
	}

SOCKET_IO_EXIT_PROGRAM(read)
SOCKET_IO_EXIT_PROGRAM(readv)
SOCKET_IO_EXIT_PROGRAM(recvfrom)
SOCKET_IO_EXIT_PROGRAM(recvmsg)
SOCKET_IO_EXIT_PROGRAM(write)
SOCKET_IO_EXIT_PROGRAM(writev)
SOCKET_IO_EXIT_PROGRAM(sendto)
SOCKET_IO_EXIT_PROGRAM(sendmsg)

SEC("tracepoint/syscalls/sys_enter_read")
int tp_enter_read(struct trace_event_raw_sys_enter *ctx)
{
	socket_read_enter(ctx->args[0], ctx->args[1], ctx->args[2], IO_BUF, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_readv")
int tp_enter_readv(struct trace_event_raw_sys_enter *ctx)
{
	socket_read_enter(ctx->args[0], ctx->args[1], ctx->args[2], IO_IOV, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int tp_enter_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	socket_read_enter(ctx->args[0], ctx->args[1], ctx->args[2], IO_BUF, ctx->args[3]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int tp_enter_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	socket_read_enter(ctx->args[0], ctx->args[1], 0, IO_MSG, ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_write")
int tp_enter_write(struct trace_event_raw_sys_enter *ctx)
{
	socket_write_enter(ctx->args[0], ctx->args[1], ctx->args[2], IO_BUF);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_writev")
int tp_enter_writev(struct trace_event_raw_sys_enter *ctx)
{
	socket_write_enter(ctx->args[0], ctx->args[1], ctx->args[2], IO_IOV);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int tp_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	socket_write_enter(ctx->args[0], ctx->args[1], ctx->args[2], IO_BUF);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int tp_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	socket_write_enter(ctx->args[0], ctx->args[1], 0, IO_MSG);
	return 0;
}

/* ---- connection lifetime ---- */

SEC("tracepoint/syscalls/sys_exit_accept")
int tp_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret >= 0)
		socket_forget(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tp_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret >= 0)
		socket_forget(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_close")
int tp_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	socket_forget(ctx->args[0]);
	return 0;
}

/* ---- the target set follows the process trees ---------------------------------------------- */

/* A new process whose parent is watched is watched too (gunicorn workers, respawns). */
SEC("raw_tracepoint/sched_process_fork")
int rtp_process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 parent_tgid = BPF_CORE_READ(parent, tgid);
	__u32 child_tgid = BPF_CORE_READ(child, tgid);
	__u32 *target;

	if (child_tgid == parent_tgid) /* a new thread, not a new process */
		return 0;
	target = bpf_map_lookup_elem(&targets, &parent_tgid);
	if (!target)
		return 0;
	if (bpf_map_update_elem(&targets, &child_tgid, target, BPF_ANY))
		counter_inc(FEE_CNT_TARGET_TABLE_FULL);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int tp_process_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;

	if (!bpf_map_lookup_elem(&targets, &tgid))
		return 0;
	/* A thread's stash slot and served request die with it. */
	bpf_map_delete_elem(&inflight_io, &id);
	bpf_map_delete_elem(&thread_requests, &id);
	if ((__u32)id == tgid)
		bpf_map_delete_elem(&targets, &tgid);
	return 0;
}
