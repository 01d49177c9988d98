/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Target membership: is the current process one the exporter watches, and which target
 * (--pid, --exe, --port, --cgroup, ...) does it belong to? Every hook asks first, so this
 * is the one check every syscall of every process pays: keep it cheap.
 */
#ifndef FEE_TARGETS_BPF_H
#define FEE_TARGETS_BPF_H

#include "counters.bpf.h"
#include "env.bpf.h"
#include "flask_ebpf_exporter.h"

/* Processes of watched trees: tgid -> index of the target (--pid, --exe, --port) they belong
 * to. cgroup members are not listed: their membership is checked live. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FEE_MAX_TARGET_PROCESSES);
	__type(key, __u32);
	__type(value, __u32);
} targets SEC(".maps");

/*
 * cgroup v2 targets (--cgroup): a process belongs while it is in the cgroup or below it.
 * Set between open and load; the verifier drops the check when there is none.
 */
FEE_LOAD_CONFIG __u32 cfg_cgroup_count = 0;
FEE_LOAD_CONFIG __u64 cfg_cgroup_id[FEE_MAX_CGROUP_TARGETS] = {};
FEE_LOAD_CONFIG __u32 cfg_cgroup_level[FEE_MAX_CGROUP_TARGETS] = {};
FEE_LOAD_CONFIG __u32 cfg_cgroup_target[FEE_MAX_CGROUP_TARGETS] = {}; /* target index */

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

/* A new process: whose parent is watched is watched too (gunicorn workers, respawns). */
static __always_inline void target_follow_fork(__u32 parent_tgid, __u32 child_tgid)
{
	__u32 *target = bpf_map_lookup_elem(&targets, &parent_tgid);

	if (!target)
		return;
	if (bpf_map_update_elem(&targets, &child_tgid, target, BPF_ANY))
		counter_inc(FEE_CNT_TARGET_TABLE_FULL);
}

/* The current process is gone (its last thread exited): it leaves the watched trees.
 * Returns whether it was a target. */
static __always_inline bool target_process_gone(__u32 tgid)
{
	if (!current_is_target())
		return false;
	bpf_map_delete_elem(&targets, &tgid);
	return true;
}

#endif
