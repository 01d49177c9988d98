// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's kernel side: hooks on the socket reads and writes of the target processes
 * (one of five families, hooks_*.bpf.h), and scheduler tracepoints, shared by every
 * family, that keep the target set equal to the watched process trees, and uprobes on
 * OpenSSL for TLS plaintext (tls.bpf.h). All HTTP logic lives behind conn_io.bpf.h; the
 * hooks only pick out syscall arguments (socket_syscalls.bpf.h).
 */
#include "conn_io.bpf.h"
#include "env.bpf.h"
#include "exception_log.bpf.h"
#include "socket_io.bpf.h"
#include "targets.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * ---- socket reads and writes: five interchangeable hook families --------------------------
 * All are compiled in; the daemon loads exactly one (src/capture/hook_probe.c turns the others'
 * autoload off), preferring fentry, then kprobes, on the socket functions, then the same two
 * on the syscalls, then the syscall tracepoints (docs/hook-modes.md).
 */
#include "hooks_fentry.bpf.h"
#include "hooks_kprobe.bpf.h"
#include "hooks_socket_fentry.bpf.h"
#include "hooks_socket_kprobe.bpf.h"
#include "hooks_tracepoint.bpf.h"

/* ---- TLS plaintext: OpenSSL uprobes, attached per library by src/capture/tls_probes.c ---- */
#include "tls.bpf.h"

/* ---- the target set follows the process trees ---------------------------------------------- */

/* A new process whose parent is watched is watched too (gunicorn workers, respawns). */
SEC("raw_tracepoint/sched_process_fork")
int rtp_process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 parent_tgid = BPF_CORE_READ(parent, tgid);
	__u32 child_tgid = BPF_CORE_READ(child, tgid);

	if (child_tgid != parent_tgid) /* a new process, not a new thread */
		target_follow_fork(parent_tgid, child_tgid);
	return 0;
}

/*
 * A thread exits (its stash slots, task-local storage, are freed with it). The process
 * leaves `targets` when its last thread is gone: not when the thread with pid == tgid exits,
 * which happens while the process lives on when the leader calls pthread_exit, or when
 * another thread calls execve and takes the leader's place. Then, with in-progress gauges,
 * its connections' open requests are abandoned. A raw tracepoint, like fork: needs neither tracefs
 * nor a tracepoint format.
 */
SEC("raw_tracepoint/sched_process_exit")
int rtp_process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	/* do_exit() has already counted this thread out of signal->live. */
	if (BPF_CORE_READ(task, signal, live.counter) == 0 && target_process_gone(tgid))
		conns_forget_process(tgid);
	return 0;
}
