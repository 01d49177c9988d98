// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs that do nothing, on the same tracepoints as bpf/exporter.bpf.c: what hooking
 * these syscalls costs before the exporter does any work (scripts/bench/hook_floor.sh).
 * Since reads lost their entry program (issue 13) there are none on sys_enter_read,
 * readv, recvfrom and recvmsg either, so an exporter from before pays one program per
 * read more than this floor.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define NOOP(category, event)                                                                      \
	SEC("tracepoint/" #category "/" #event)                                                    \
	int noop_##event(void *ctx)                                                                \
	{                                                                                          \
		return 0;                                                                          \
	}

NOOP(syscalls, sys_exit_read)
NOOP(syscalls, sys_exit_readv)
NOOP(syscalls, sys_exit_recvfrom)
NOOP(syscalls, sys_exit_recvmsg)
NOOP(syscalls, sys_enter_write)
NOOP(syscalls, sys_exit_write)
NOOP(syscalls, sys_enter_writev)
NOOP(syscalls, sys_exit_writev)
NOOP(syscalls, sys_enter_sendto)
NOOP(syscalls, sys_exit_sendto)
NOOP(syscalls, sys_enter_sendmsg)
NOOP(syscalls, sys_exit_sendmsg)
NOOP(syscalls, sys_exit_accept)
NOOP(syscalls, sys_exit_accept4)
NOOP(syscalls, sys_enter_close)
NOOP(sched, sched_process_exit)
