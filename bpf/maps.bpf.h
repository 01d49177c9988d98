/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Maps, load-time configuration and counters shared by every program of the exporter. */
#ifndef FEE_MAPS_BPF_H
#define FEE_MAPS_BPF_H

#include "flask_ebpf_exporter.h"

/* Set by the daemon between open and load. */
/* Keep the query string in the copied request line (only for group_by=full_path). */
const volatile __u32 cfg_keep_query = 0;
/* Emit a FEE_KIND_STARTED record when a request's head is complete (only when the daemon
 * keeps in-progress gauges: otherwise requests cost one record, as always). */
const volatile __u32 cfg_emit_started = 0;
/* Wake the daemon once this many record bytes wait; below it the daemon polls. */
const volatile __u64 cfg_wakeup_bytes = 64 * 1024;

#define MAX_TARGET_PROCESSES 65536
#define MAX_CONNECTIONS 65536
#define MAX_INFLIGHT_SYSCALLS 16384

/* Processes of watched trees: tgid -> index of the target (--pid, --exe, --port) they belong
 * to. cgroup members are not listed: their membership is checked live. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TARGET_PROCESSES);
	__type(key, __u32);
	__type(value, __u32);
} targets SEC(".maps");

/* Finished requests for the daemon. Size set by the daemon before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FEE_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void counter_inc(enum fee_counter which)
{
	__u32 key = which;
	__u64 *slot = bpf_map_lookup_elem(&counters, &key);

	if (slot)
		*slot += 1; /* per-CPU slot: no atomics needed */
}

/*
 * cgroup v2 targets (--cgroup): a process belongs while it is in the cgroup or below it.
 * Set between open and load; the verifier drops the check when there is none.
 */
const volatile __u32 cfg_cgroup_count = 0;
const volatile __u64 cfg_cgroup_id[FEE_MAX_CGROUP_TARGETS] = {};
const volatile __u32 cfg_cgroup_level[FEE_MAX_CGROUP_TARGETS] = {};
const volatile __u32 cfg_cgroup_target[FEE_MAX_CGROUP_TARGETS] = {}; /* target index */

#define NO_TARGET (-1)

/*
 * Membership is read live, not cached in `targets`: a process that joins after attach is
 * watched from its next syscall, and one that leaves is no longer.
 */
static __always_inline int current_cgroup_target(void)
{
	int i;

	for (i = 0; i < FEE_MAX_CGROUP_TARGETS; i++) {
		if (i >= cfg_cgroup_count)
			return NO_TARGET;
		if (bpf_get_current_ancestor_cgroup_id(cfg_cgroup_level[i]) == cfg_cgroup_id[i])
			return cfg_cgroup_target[i];
	}
	return NO_TARGET;
}

/* The index of the target the current process belongs to, or NO_TARGET. A process of a
 * watched tree (--pid and the selectors) is found in `targets`; the cgroups come next. */
static __always_inline int current_target(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 *target = bpf_map_lookup_elem(&targets, &tgid);

	if (target)
		return *target;
	return cfg_cgroup_count ? current_cgroup_target() : NO_TARGET;
}

static __always_inline bool current_is_target(void)
{
	return current_target() != NO_TARGET;
}

#endif
