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
 * cgroup v2 targets (--cgroup, and every watched Kubernetes container): cgroup id -> index
 * of the target. The daemon adds and removes entries while running, as containers come
 * and go; a process belongs while it is in such a cgroup or below it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FEE_MAX_CGROUP_TARGETS);
	__type(key, __u64);
	__type(value, __u32);
} cgroup_targets SEC(".maps");

/* Bit L set: some entry of cgroup_targets sits at hierarchy level L. Kept by the daemon
 * (through the skeleton's .bss), so a process's ancestors are looked up only at the levels
 * where a target can be: one lookup per syscall for pods (their containers sit at one
 * level), none when there is no cgroup target at all. */
volatile __u64 cgroup_target_levels = 0;

#define NO_TARGET (-1)

/* `targets`' keys as a bitmap (see FEE_TARGET_BITS_WORDS): what every hooked syscall asks
 * first costs one load, not a hash lookup. */
__u64 target_bits[FEE_TARGET_BITS_WORDS];

static __always_inline __u64 *target_bits_word(__u32 tgid)
{
	return &target_bits[(tgid / 64) & (FEE_TARGET_BITS_WORDS - 1)];
}

static __always_inline __u64 target_bit(__u32 tgid)
{
	return 1ULL << (tgid % 64);
}

/*
 * Membership is read live, not cached in `targets`: a process that joins after attach is
 * watched from its next syscall, and one that leaves is no longer. The deepest matching
 * ancestor wins (a container inside a watched --cgroup is its own target).
 */
static __always_inline int current_cgroup_target(__u64 levels)
{
	int level;

	for (level = FEE_CGROUP_LEVELS - 1; level >= 0; level--) {
		__u64 id;
		__u32 *target;

		if (!(levels & (1ULL << level)))
			continue;
		id = bpf_get_current_ancestor_cgroup_id(level);
		if (!id)
			continue; /* the process sits above this level */
		target = bpf_map_lookup_elem(&cgroup_targets, &id);
		if (target)
			return *target;
	}
	return NO_TARGET;
}

/* The index of the target the current process belongs to, or NO_TARGET. A process of a
 * watched tree (--pid and the selectors) is found in `targets`; the cgroups come next. */
static __always_inline int current_target(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 *target = bpf_map_lookup_elem(&targets, &tgid);
	__u64 levels = cgroup_target_levels;

	if (target)
		return *target;
	return levels ? current_cgroup_target(levels) : NO_TARGET;
}

/* Is the current process watched? The hot-path question: the bitmap, then the cgroups. */
static __always_inline bool current_is_target(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	__u64 levels = cgroup_target_levels;

	if (*target_bits_word(tgid) & target_bit(tgid))
		return true;
	return levels && current_cgroup_target(levels) != NO_TARGET;
}

/*
 * Cheaper than current_is_target() where a wrong "yes" only costs a lookup that finds
 * nothing: false only when the current process is surely no target. Without cgroup
 * targets, that is the bitmap alone; with them, always true (the lookups of the thread's
 * state that follow cost less than the cgroup walk).
 */
static __always_inline bool current_may_be_target(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	return cgroup_target_levels || (*target_bits_word(tgid) & target_bit(tgid));
}

/* A new process: whose parent is watched is watched too (gunicorn workers, respawns). */
static __always_inline void target_follow_fork(__u32 parent_tgid, __u32 child_tgid)
{
	__u32 *target = bpf_map_lookup_elem(&targets, &parent_tgid);

	if (!target)
		return;
	/* Only who adds the key sets its bit; a key left by an earlier process of that
	 * tgid (its bit set) takes the parent's target. */
	if (bpf_map_update_elem(&targets, &child_tgid, target, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(target_bits_word(child_tgid), target_bit(child_tgid));
	else if (bpf_map_update_elem(&targets, &child_tgid, target, BPF_EXIST))
		counter_inc(FEE_CNT_TARGET_TABLE_FULL);
}

/* The current process is gone (its last thread exited): it leaves the watched trees.
 * Returns whether it was a target. */
static __always_inline bool target_process_gone(__u32 tgid)
{
	if (!current_is_target())
		return false;
	if (bpf_map_delete_elem(&targets, &tgid) == 0)
		__sync_fetch_and_add(target_bits_word(tgid), -target_bit(tgid));
	return true;
}

#endif
