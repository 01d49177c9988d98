/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-thread stashes: hash maps keyed by the thread (pid_tgid) that carry what one program
 * learns to a later one of the same thread (a syscall's arguments from entry to exit, the
 * request a thread serves, an OpenSSL call's arguments). Each thread owns one slot, reused
 * in place: only its first use inserts (and takes the map's bucket lock); the thread's exit
 * deletes it (rtp_process_exit).
 */
#ifndef FEE_THREAD_STASH_BPF_H
#define FEE_THREAD_STASH_BPF_H

#include "counters.bpf.h"
#include "env.bpf.h"

/* Threads with a slot in each stash at once. */
#define MAX_INFLIGHT_SYSCALLS 16384

/* A stash: thread (pid_tgid) -> one value_type. */
#define THREAD_STASH(value_type)                                                                   \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(max_entries, MAX_INFLIGHT_SYSCALLS);                                        \
		__type(key, __u64);                                                                \
		__type(value, value_type);                                                         \
	}

/* The current thread's slot in `stash`, or NULL when it has none. */
static __always_inline void *thread_stash_find(void *stash)
{
	__u64 id = bpf_get_current_pid_tgid();

	return bpf_map_lookup_elem(stash, &id);
}

/* The current thread's slot in `stash`, made from `fresh` if it has none; NULL (and
 * counted) when the stash is full. */
static __always_inline void *thread_stash_get(void *stash, const void *fresh)
{
	__u64 id = bpf_get_current_pid_tgid();
	void *slot = bpf_map_lookup_elem(stash, &id);

	if (slot)
		return slot;
	if (bpf_map_update_elem(stash, &id, fresh, BPF_NOEXIST) == 0)
		slot = bpf_map_lookup_elem(stash, &id);
	if (!slot)
		counter_inc(FEE_CNT_SYSCALL_STASH_FULL);
	return slot;
}

/* The thread is gone: its slot with it. */
static __always_inline void thread_stash_drop(void *stash, __u64 id)
{
	bpf_map_delete_elem(stash, &id);
}

#endif
