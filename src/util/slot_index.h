/* slot_index — an index of positions in a caller's array by a 64-bit hash: open addressing
 * with linear probing, kept at most half full so that probes stay short. The caller keeps
 * its items (and their hashes); a slot holds an item's position + 1, 0 when free. The
 * registry finds a family's children by label values with it, route snapshots their series
 * by method, route and status. */
#ifndef FEE_UTIL_SLOT_INDEX_H
#define FEE_UTIL_SLOT_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct slot_index {
	size_t *slots;
	size_t n_slots; /* a power of two, or 0 before the first slot_index_reserve */
};

/* FNV-1a over n strings, each with its terminating NUL, so ("a","bc") != ("ab","c"). */
uint64_t strings_hash(const char *const *values, size_t n);

/* The hash of the caller's item at position i (slot_index_reserve, slot_index_rebuild). */
typedef uint64_t slot_index_hash_fn(const void *items, size_t i);

/* Room for n_items + 1 items: when full, twice the slots, every item placed again by
 * hash_of(items, i). 0 or -ENOMEM (then the index is as it was). */
int slot_index_reserve(struct slot_index *ix, size_t n_items, slot_index_hash_fn *hash_of,
		       const void *items);

/* Every slot freed, then items 0..n_items-1 placed again (after one was taken out). */
void slot_index_rebuild(struct slot_index *ix, size_t n_items, slot_index_hash_fn *hash_of,
			const void *items);

void slot_index_release(struct slot_index *ix);

/* The slot of the item with this hash for which same(key, position) holds or, when there
 * is none, the free slot where it belongs (*slot == 0: store position + 1 there).
 * n_slots must not be 0. Inline, so that `same` is inlined on the registry's hot path. */
static inline size_t *slot_index_find(const struct slot_index *ix, uint64_t hash,
				      int (*same)(const void *key, size_t position),
				      const void *key)
{
	size_t mask = ix->n_slots - 1;

	for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask)
		if (!ix->slots[i] || same(key, ix->slots[i] - 1))
			return &ix->slots[i];
}

/* The free slot for an item known not to be in the index yet. */
static inline size_t *slot_index_free_slot(const struct slot_index *ix, uint64_t hash)
{
	size_t mask = ix->n_slots - 1;
	size_t i = (size_t)hash & mask;

	while (ix->slots[i])
		i = (i + 1) & mask;
	return &ix->slots[i];
}

#endif
