/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Just enough of the BPF environment to compile the kernel's HTTP state machine
 * (bpf/request_head.bpf.h, bpf/status_line.bpf.h and what they include) as ordinary C, so
 * it can be unit-tested and fuzzed without root:
 *
 * - user memory reads (bpf_probe_read_user) become copies, but only from the buffer the
 *   test declared as the one being read or written (shim_user_region); any read outside it
 *   aborts, which is how the tests check that the parser never reads past a buffer;
 * - maps become small tables keyed by the map variable's address, with the kernel's
 *   semantics where the state machine relies on them (arrays are pre-zeroed, LRU maps
 *   evict their least recently used entry, hash maps refuse entries past max_entries,
 *   BPF_NOEXIST refuses an existing key), and a deleted value is freed, so AddressSanitizer
 *   catches a pointer kept past its entry;
 * - the ring buffer collects submitted records in order (shim_records), with a capacity,
 *   and counts forced wakeups;
 * - time, the current thread and the cgroup are variables the test sets.
 */
#ifndef FEE_BPF_SHIM_H
#define FEE_BPF_SHIM_H

#define FEE_BPF_SHIM 1

#include <linux/bpf.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/cdefs.h>

/* Plain writable globals: the tests set the load-time configuration. */
#define FEE_LOAD_CONFIG

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __noinline __attribute__((noinline))
#define barrier_var(var) ((void)(var))
#define SEC(name)

/* Map definitions as in libbpf's bpf_helpers.h: the anonymous struct's member types carry
 * the map's type, size, key and value, which the map macros below read back. */
#define __uint(name, val) int(*name)[val]
#define __type(name, val) __typeof__(val) *name

struct shim_map;

struct shim_map *shim_map_of(void *def, size_t key_size, size_t value_size, unsigned max_entries,
			     unsigned type);
void *shim_map_lookup(struct shim_map *map, const void *key);
long shim_map_update(struct shim_map *map, const void *key, const void *value, __u64 flags);
long shim_map_delete(struct shim_map *map, const void *key);

#define SHIM_MAP(def)                                                                              \
	shim_map_of((void *)(def), sizeof(*(def)->key), sizeof(*(def)->value),                     \
		    sizeof(*(def)->max_entries) / sizeof(int), sizeof(*(def)->type) / sizeof(int))
#define bpf_map_lookup_elem(def, key) shim_map_lookup(SHIM_MAP(def), (key))
#define bpf_map_update_elem(def, key, value, flags)                                                \
	shim_map_update(SHIM_MAP(def), (key), (value), (flags))
#define bpf_map_delete_elem(def, key) shim_map_delete(SHIM_MAP(def), (key))

/* The ring buffer (there is one: `records`). */
void *shim_ringbuf_reserve(__u64 size);
void shim_ringbuf_submit(void *data, __u64 flags);
__u64 shim_ringbuf_query(__u64 flags);
#define bpf_ringbuf_reserve(ring, size, flags) shim_ringbuf_reserve(size)
#define bpf_ringbuf_submit(data, flags) shim_ringbuf_submit((data), (flags))
#define bpf_ringbuf_query(ring, flags) shim_ringbuf_query(flags)

/* Memory. */
long shim_probe_read_user(void *dst, __u32 size, const void *src);
#define bpf_probe_read_user(dst, size, src) shim_probe_read_user((dst), (size), (src))
static inline long bpf_probe_read_kernel(void *dst, __u32 size, const void *src)
{
	memcpy(dst, src, size);
	return 0;
}

/* bpf_loop: the callback until it returns non-zero, at most `n` times. */
static inline long bpf_loop(__u32 n, long (*callback)(__u32 index, void *ctx), void *ctx,
			    __u64 flags)
{
	__u32 i;

	for (i = 0; i < n;)
		if (callback(i++, ctx))
			break;
	return i;
}

/* The calling context, set by the test. */
extern __u64 shim_now_ns;
extern __u64 shim_pid_tgid;
#define bpf_ktime_get_ns() (shim_now_ns)
#define bpf_get_current_pid_tgid() (shim_pid_tgid)
#define bpf_get_current_ancestor_cgroup_id(level) ((__u64)0)

/* ---- for the tests --------------------------------------------------------------------- */

/* The user buffer the next reads may touch; anything else aborts. */
void shim_user_region(const void *begin, size_t len);
/* Makes the n-th user memory read from now fail (a page the kernel cannot read); 0: none. */
void shim_fail_user_read(unsigned n);

/* Records submitted since the last shim_records_clear(), in order. */
size_t shim_records(const void *const **records, const __u64 **sizes);
void shim_records_clear(void);
/* Ring-buffer capacity in bytes (each record also takes 8 bytes of header), as the daemon
 * would drain it; forced wakeups counted since the last reset. */
void shim_ringbuf_set_capacity(__u64 bytes);
unsigned shim_ringbuf_wakeups(void);

/* Forgets every map and record: a freshly loaded program. */
void shim_reset(void);

#endif
