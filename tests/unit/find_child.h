/* Looking a registry child up by its label values, for unit tests. */
#ifndef FEE_TEST_FIND_CHILD_H
#define FEE_TEST_FIND_CHILD_H

#include <string.h>

#include "metrics/registry.h"

/* The child of f whose label values are exactly `values` (in declaration order), or NULL. */
static inline const struct metric_child *find_child(const struct metric_family *f,
						    const char *const *values)
{
	for (size_t i = 0; i < metric_family_child_count(f); i++) {
		const struct metric_child *c = metric_family_child_at(f, i);
		size_t l;

		for (l = 0; l < metric_family_label_count(f); l++)
			if (strcmp(metric_child_label_value(c, l), values[l]))
				break;
		if (l == metric_family_label_count(f))
			return c;
	}
	return NULL;
}

#endif
