// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The userspace stand-in for maps, ring buffer and user memory: see bpf_shim.h. */
#include "bpf_shim.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

__u64 shim_now_ns;
__u64 shim_pid_tgid;

struct shim_entry {
	void *key;
	void *value;
	__u64 used; /* last use, for LRU eviction */
};

struct shim_map {
	void *def;
	size_t key_size, value_size;
	unsigned max_entries, type;
	struct shim_entry *entries;
	size_t n, cap;
};

#define SHIM_MAX_MAPS 32
static struct shim_map maps[SHIM_MAX_MAPS];
static size_t n_maps;
static __u64 use_clock;

static void shim_die(const char *what)
{
	fprintf(stderr, "bpf_shim: %s\n", what);
	abort();
}

static bool is_array(unsigned type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static bool is_lru(unsigned type)
{
	return type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static struct shim_entry *find(struct shim_map *map, const void *key)
{
	for (size_t i = 0; i < map->n; i++)
		if (memcmp(map->entries[i].key, key, map->key_size) == 0)
			return &map->entries[i];
	return NULL;
}

static struct shim_entry *insert(struct shim_map *map, const void *key, const void *value)
{
	struct shim_entry *e;

	if (map->n == map->cap) {
		map->cap = map->cap ? map->cap * 2 : 16;
		map->entries = realloc(map->entries, map->cap * sizeof(*map->entries));
		if (!map->entries)
			shim_die("out of memory");
	}
	e = &map->entries[map->n++];
	e->key = malloc(map->key_size);
	e->value = calloc(1, map->value_size);
	if (!e->key || !e->value)
		shim_die("out of memory");
	memcpy(e->key, key, map->key_size);
	if (value)
		memcpy(e->value, value, map->value_size);
	e->used = ++use_clock;
	return e;
}

static void drop(struct shim_map *map, struct shim_entry *e)
{
	free(e->key);
	free(e->value);
	*e = map->entries[--map->n];
}

struct shim_map *shim_map_of(void *def, size_t key_size, size_t value_size, unsigned max_entries,
			     unsigned type)
{
	struct shim_map *map;

	for (size_t i = 0; i < n_maps; i++)
		if (maps[i].def == def)
			return &maps[i];
	if (n_maps == SHIM_MAX_MAPS)
		shim_die("too many maps");
	map = &maps[n_maps++];
	*map = (struct shim_map){ .def = def,
				  .key_size = key_size,
				  .value_size = value_size,
				  .max_entries = max_entries,
				  .type = type };
	return map;
}

void *shim_map_lookup(struct shim_map *map, const void *key)
{
	struct shim_entry *e = find(map, key);

	if (!e && is_array(map->type)) {
		if (*(const __u32 *)key >= map->max_entries)
			return NULL;
		e = insert(map, key, NULL);
	}
	if (!e)
		return NULL;
	e->used = ++use_clock;
	return e->value;
}

long shim_map_update(struct shim_map *map, const void *key, const void *value, __u64 flags)
{
	struct shim_entry *e = find(map, key);

	if (is_array(map->type) && *(const __u32 *)key >= map->max_entries)
		return -E2BIG;
	if (e) {
		if (flags == BPF_NOEXIST)
			return -EEXIST;
		memmove(e->value, value, map->value_size);
		e->used = ++use_clock;
		return 0;
	}
	if (flags == BPF_EXIST)
		return -ENOENT;
	if (map->n >= map->max_entries) {
		struct shim_entry *oldest = &map->entries[0];

		if (!is_lru(map->type))
			return -E2BIG;
		for (size_t i = 1; i < map->n; i++)
			if (map->entries[i].used < oldest->used)
				oldest = &map->entries[i];
		drop(map, oldest);
	}
	insert(map, key, value);
	return 0;
}

long shim_map_delete(struct shim_map *map, const void *key)
{
	struct shim_entry *e = find(map, key);

	if (is_array(map->type))
		return -EINVAL;
	if (!e)
		return -ENOENT;
	drop(map, e);
	return 0;
}

/* ---- ring buffer ----------------------------------------------------------------------- */

#define SHIM_MAX_RECORDS 4096
static void *records[SHIM_MAX_RECORDS];
static __u64 record_sizes[SHIM_MAX_RECORDS];
static bool submitted[SHIM_MAX_RECORDS];
static size_t n_records;
static __u64 ring_capacity = 8 * 1024 * 1024, ring_used;
static unsigned wakeups;

void *shim_ringbuf_reserve(__u64 size)
{
	if (n_records == SHIM_MAX_RECORDS || ring_used + size + 8 > ring_capacity)
		return NULL;
	records[n_records] = calloc(1, size);
	if (!records[n_records])
		shim_die("out of memory");
	/* Reserved memory is not zeroed in the kernel: make stale bytes visible. */
	memset(records[n_records], 0xa5, size);
	record_sizes[n_records] = size;
	submitted[n_records] = false;
	ring_used += size + 8;
	return records[n_records++];
}

void shim_ringbuf_submit(void *data, __u64 flags)
{
	for (size_t i = 0; i < n_records; i++) {
		if (records[i] == data) {
			if (submitted[i])
				shim_die("record submitted twice");
			submitted[i] = true;
			if (flags & BPF_RB_FORCE_WAKEUP)
				wakeups++;
			return;
		}
	}
	shim_die("submit of memory that was not reserved");
}

__u64 shim_ringbuf_query(__u64 flags)
{
	return flags == BPF_RB_AVAIL_DATA ? ring_used : 0;
}

size_t shim_records(const void *const **out, const __u64 **sizes)
{
	for (size_t i = 0; i < n_records; i++)
		if (!submitted[i])
			shim_die("record reserved but never submitted");
	*out = (const void *const *)records;
	if (sizes)
		*sizes = record_sizes;
	return n_records;
}

void shim_records_clear(void)
{
	for (size_t i = 0; i < n_records; i++)
		free(records[i]);
	n_records = 0;
	ring_used = 0;
}

void shim_ringbuf_set_capacity(__u64 bytes)
{
	ring_capacity = bytes;
}

unsigned shim_ringbuf_wakeups(void)
{
	return wakeups;
}

/* ---- user memory ----------------------------------------------------------------------- */

static const char *user_begin;
static size_t user_len;
static unsigned fail_countdown;

void shim_user_region(const void *begin, size_t len)
{
	user_begin = begin;
	user_len = len;
}

void shim_fail_user_read(unsigned n)
{
	fail_countdown = n;
}

long shim_probe_read_user(void *dst, __u32 size, const void *src)
{
	const char *p = src;

	if (size == 0)
		return 0;
	if (!user_begin || p < user_begin || p + size > user_begin + user_len || p + size < p) {
		fprintf(stderr,
			"bpf_shim: user read of %u bytes at offset %td of a %zu-byte buffer\n",
			size, user_begin ? p - user_begin : 0, user_len);
		abort();
	}
	if (fail_countdown && --fail_countdown == 0) {
		memset(dst, 0, size); /* the helper zeroes the destination on failure */
		return -EFAULT;
	}
	memcpy(dst, src, size);
	return 0;
}

void shim_reset(void)
{
	for (size_t i = 0; i < n_maps; i++) {
		while (maps[i].n)
			drop(&maps[i], &maps[i].entries[0]);
		free(maps[i].entries);
	}
	n_maps = 0;
	shim_records_clear();
	ring_capacity = 8 * 1024 * 1024;
	wakeups = 0;
	user_begin = NULL;
	user_len = 0;
	fail_countdown = 0;
}
