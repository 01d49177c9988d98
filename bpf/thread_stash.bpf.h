/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-thread stashes: what one program learns carried to a later one of the same thread (a
 * syscall's arguments from entry to exit, the request a thread serves, an OpenSSL call's
 * arguments). Each stash is task-local storage: the thread's slot hangs off its
 * task_struct, so finding it costs a pointer walk and a cache check, not a hash of the
 * thread id and a bucket walk as a hash map keyed by pid_tgid did (every target syscall
 * looks its slot up at entry and again at exit). A slot is made zeroed on the thread's
 * first use and freed by the kernel with the thread: nothing to delete at exit, no table
 * to fill up. Needs Linux 5.11 (task storage in tracing programs); the exporter needs 5.17
 * for bpf_loop anyway.
 */
#ifndef FEE_THREAD_STASH_BPF_H
#define FEE_THREAD_STASH_BPF_H

#include "counters.bpf.h"
#include "env.bpf.h"

/* A stash: the current thread -> one value_type. */
#define THREAD_STASH(value_type)                                                                   \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_TASK_STORAGE);                                           \
		__uint(map_flags, BPF_F_NO_PREALLOC);                                              \
		__type(key, int);                                                                  \
		__type(value, value_type);                                                         \
	}

/* The current thread's slot in `stash`, or NULL when it has none. */
static __always_inline void *thread_stash_find(void *stash)
{
	return bpf_task_storage_get(stash, bpf_get_current_task_btf(), NULL, 0);
}

/* The current thread's slot in `stash`, zeroed if it had none; NULL (and counted) when
 * it cannot be had (out of memory, or the storage busy under a nested program). */
static __always_inline void *thread_stash_get(void *stash)
{
	void *slot = bpf_task_storage_get(stash, bpf_get_current_task_btf(), NULL,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!slot)
		counter_inc(FEE_CNT_SYSCALL_STASH_FULL);
	return slot;
}

#endif
