// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Requests by (request line, status): see tally.h. */
#include "tally.h"

#include <string.h>

void tally_add(struct tally *t, const char *line, size_t len, unsigned status)
{
	const char *query = memchr(line, '?', len);
	char key[TALLY_LINE_MAX];
	size_t n = 0;

	/* "GET /p?q=1 HTTP/1.1" -> "GET /p HTTP/1.1": the exporter's records drop the query
	 * string (unless asked to keep it), nginx logs it. */
	for (size_t i = 0; i < len && n < sizeof(key) - 1; i++) {
		if (query && line + i >= query && line[i] != ' ')
			continue;
		if (query && line + i > query)
			query = NULL;
		key[n++] = line[i];
	}
	key[n] = '\0';
	t->total++;
	for (size_t i = 0; i < t->n; i++) {
		if (t->entries[i].status == status && strcmp(t->entries[i].line, key) == 0) {
			t->entries[i].count++;
			return;
		}
	}
	if (t->n == TALLY_KEYS) {
		t->overflow++;
		return;
	}
	memcpy(t->entries[t->n].line, key, n + 1);
	t->entries[t->n].status = status;
	t->entries[t->n].count = 1;
	t->n++;
}

uint64_t tally_status(const struct tally *t, unsigned status)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->entries[i].status == status)
			sum += t->entries[i].count;
	return sum;
}

static const struct tally_entry *find(const struct tally *t, const struct tally_entry *want)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->entries[i].status == want->status &&
		    strcmp(t->entries[i].line, want->line) == 0)
			return &t->entries[i];
	return NULL;
}

bool tally_equal(const struct tally *a, const struct tally *b)
{
	if (a->overflow || b->overflow || a->n != b->n || a->total != b->total)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct tally_entry *other = find(b, &a->entries[i]);

		if (!other || other->count != a->entries[i].count)
			return false;
	}
	return true;
}

void tally_print(FILE *out, const char *prefix, const struct tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		fprintf(out, "%s\"%s\" %u %llu\n", prefix, t->entries[i].line, t->entries[i].status,
			(unsigned long long)t->entries[i].count);
	if (t->overflow)
		fprintf(out, "%s(more pairs than kept: %llu requests)\n", prefix,
			(unsigned long long)t->overflow);
}
