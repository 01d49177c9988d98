// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/slot_index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t strings_hash(const char *const *values, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)values[i];

		do {
			h ^= *p;
			h *= 1099511628211ULL;
		} while (*p++);
	}
	return h;
}

void slot_index_rebuild(struct slot_index *ix, size_t n_items, slot_index_hash_fn *hash_of,
			const void *items)
{
	if (!ix->n_slots)
		return;
	memset(ix->slots, 0, ix->n_slots * sizeof(*ix->slots));
	for (size_t i = 0; i < n_items; i++)
		*slot_index_free_slot(ix, hash_of(items, i)) = i + 1;
}

int slot_index_reserve(struct slot_index *ix, size_t n_items, slot_index_hash_fn *hash_of,
		       const void *items)
{
	size_t n = ix->n_slots ? ix->n_slots * 2 : 16;
	size_t *slots;

	if (2 * (n_items + 1) <= ix->n_slots)
		return 0;
	slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	free(ix->slots);
	ix->slots = slots;
	ix->n_slots = n;
	slot_index_rebuild(ix, n_items, hash_of, items);
	return 0;
}

void slot_index_release(struct slot_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->n_slots = 0;
}
