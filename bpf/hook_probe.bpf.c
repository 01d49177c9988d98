// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One small program per hook family, in the same sections as the real hooks
 * (bpf/hooks_*.bpf.h): the syscall-level ones on read(2), empty but for the tracepoint's,
 * which looks up the user registers as its read exits do; the socket-level ones on
 * the socket functions, where they check what the real ones rely on. Loading and attaching
 * them tells in milliseconds whether the kernel has that family, before the exporter's
 * large programs are verified for it (src/capture/hook_probe.c). Names and sections tell
 * the families apart as in the exporter (src/capture/hook_attach.c).
 *
 * The socket-level probes count the calls of the probing thread's own socket reads and
 * writes (all eight syscalls, on its socketpair) that reach the function with the
 * syscall's number and descriptor in the user registers: a kernel that inlined the
 * function into a syscall's path (arm64's 6.1 does so with sock_recvmsg) fails the count.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "syscall_prefix.bpf.h"
#include "syscall_regs.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the daemon: its thread and its socketpair's two ends. */
__u32 probe_tid;
__u32 probe_read_fd;
__u32 probe_write_fd;
/* Counted here: the probing reads and writes seen. */
__u32 reads_seen;
__u32 writes_seen;

static __always_inline int count_probing_call(bool read)
{
	struct pt_regs *regs;
	long nr;
	__u32 fd;

	if ((__u32)bpf_get_current_pid_tgid() != probe_tid)
		return 0;
	regs = current_syscall_regs();
	if (!regs)
		return 0;
	nr = FEE_SYSCALL_NR(regs);
	fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
	if (read && syscall_is_socket_read(nr) && fd == probe_read_fd)
		__sync_fetch_and_add(&reads_seen, 1);
	if (!read && syscall_is_socket_write(nr) && fd == probe_write_fd)
		__sync_fetch_and_add(&writes_seen, 1);
	return 0;
}

SEC("fexit/sock_recvmsg")
int BPF_PROG(sfe_probe_recv, struct socket *sock, struct msghdr *msg, int flags, int ret)
{
	return count_probing_call(true);
}

SEC("kretprobe/sock_recvmsg")
int BPF_KRETPROBE(skp_probe_recv, int ret)
{
	return count_probing_call(true);
}

/* Both send functions, as in the exporter; the daemon keeps the one that fits. */
#define PROBE_SEND(fn, suffix)                                                                     \
	SEC("fexit/" #fn)                                                                          \
	int BPF_PROG(sfe_probe_send##suffix, struct socket *sock, struct msghdr *msg, int ret)     \
	{                                                                                          \
		return count_probing_call(false);                                                  \
	}                                                                                          \
	SEC("kretprobe/" #fn)                                                                      \
	int BPF_KRETPROBE(skp_probe_send##suffix, int ret)                                         \
	{                                                                                          \
		return count_probing_call(false);                                                  \
	}

PROBE_SEND(__sock_sendmsg, )
PROBE_SEND(sock_sendmsg, _old)

SEC("fentry/" FEE_SYSCALL_PREFIX "read")
int BPF_PROG(probe_fentry, struct pt_regs *regs)
{
	return 0;
}

SEC("ksyscall/read")
int BPF_KSYSCALL(probe_kprobe, __u64 fd)
{
	return 0;
}

/* Where tracepoint mode's reads are parsed: their exit, which reads the arguments from the
 * thread's user registers (bpf_task_pt_regs must be allowed in a tracepoint program). */
SEC("tracepoint/syscalls/sys_exit_read")
int probe_tracepoint(void *ctx)
{
	return current_syscall_regs() ? 0 : 0;
}
