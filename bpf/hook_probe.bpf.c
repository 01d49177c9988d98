// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One empty program per hook family, in the same sections as the real hooks
 * (bpf/hooks_*.bpf.h): the socket-level families on sock_recvmsg, reading the syscall's
 * number from the user registers as theirs do (so a kernel without bpf_task_pt_regs fails
 * here), the syscall-level ones on read(2). Loading and attaching one of them tells in
 * milliseconds whether the kernel has that family, before the exporter's large programs
 * are verified for it (src/capture/hook_probe.c). Names and sections tell the families
 * apart as in the exporter (src/capture/hook_attach.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "syscall_prefix.bpf.h"
#include "syscall_regs.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Reads the syscall number as the socket-level hooks do (fentry and fexit return 0). */
static __always_inline int syscall_nr_seen(void)
{
	struct pt_regs *regs = current_syscall_regs();
	volatile long nr = regs ? FEE_SYSCALL_NR(regs) : -1;

	(void)nr;
	return 0;
}

SEC("fexit/sock_recvmsg")
int BPF_PROG(sfe_probe, struct socket *sock, struct msghdr *msg, int flags, int ret)
{
	return syscall_nr_seen();
}

SEC("kretprobe/sock_recvmsg")
int BPF_KRETPROBE(skp_probe, int ret)
{
	return syscall_nr_seen();
}

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

SEC("tracepoint/syscalls/sys_enter_read")
int probe_tracepoint(void *ctx)
{
	return 0;
}
