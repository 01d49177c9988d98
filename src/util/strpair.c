// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/strpair.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int strpair_append(struct strpair **list, size_t *n, const char *key, const char *value)
{
	struct strpair *grown = realloc(*list, (*n + 1) * sizeof(*grown));
	char *k, *v;

	if (!grown)
		return -ENOMEM;
	*list = grown;
	k = strdup(key);
	v = strdup(value);
	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	grown[*n] = (struct strpair){ k, v };
	(*n)++;
	return 0;
}

int strpair_set(struct strpair **list, size_t *n, const char *key, const char *value)
{
	for (size_t i = 0; i < *n; i++) {
		if (!strcmp((*list)[i].key, key)) {
			char *copy = strdup(value);

			if (!copy)
				return -ENOMEM;
			free((*list)[i].value);
			(*list)[i].value = copy;
			return 0;
		}
	}
	return strpair_append(list, n, key, value);
}

const char *strpair_find(const struct strpair *list, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].key, key))
			return list[i].value;
	return NULL;
}

int strpair_copy_all(struct strpair **dst, const struct strpair *src, size_t n)
{
	size_t copied = 0;

	*dst = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strpair_append(dst, &copied, src[i].key, src[i].value)) {
			strpair_free_all(*dst, copied);
			*dst = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

void strpair_free_all(struct strpair *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++) {
		free(list[i].key);
		free(list[i].value);
	}
	free(list);
}
