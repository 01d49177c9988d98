// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One empty program per hook family, on read(2), in the same sections as the real hooks
 * (bpf/hooks_*.bpf.h). Loading and attaching one of them tells in milliseconds whether the
 * kernel has that family, before the exporter's large programs are verified for it
 * (src/capture/hook_probe.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "syscall_prefix.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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
