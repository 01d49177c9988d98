/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Requests counted by (request line without its query string, status): what the
 * prototype's consumer rebuilt and what nginx's access log says, in the same shape so that
 * the two compare entry by entry.
 */
#ifndef SPLIT_TALLY_H
#define SPLIT_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Distinct (line, status) pairs kept; more land in `overflow`, which makes tallies unequal. */
#define TALLY_KEYS 16
#define TALLY_LINE_MAX 256

struct tally_entry {
	char line[TALLY_LINE_MAX];
	unsigned status;
	uint64_t count;
};

struct tally {
	struct tally_entry entries[TALLY_KEYS];
	size_t n;
	uint64_t total, overflow;
};

/* Counts one request: line (len bytes, its query string is dropped here) answered status. */
void tally_add(struct tally *t, const char *line, size_t len, unsigned status);
/* Requests with that status. */
uint64_t tally_status(const struct tally *t, unsigned status);
/* The same pairs with the same counts (order aside), and nothing overflowed. */
bool tally_equal(const struct tally *a, const struct tally *b);
/* One line per pair: `prefix "line" status count`. */
void tally_print(FILE *out, const char *prefix, const struct tally *t);

#endif
