// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/info_gauges.h"

#include <errno.h>
#include <stdlib.h>

static int add_one(struct registry *r, const struct config_info *info)
{
	const char **names = calloc(info->n_labels ? info->n_labels : 1, sizeof(*names));
	const char **values = calloc(info->n_labels ? info->n_labels : 1, sizeof(*values));
	struct metric_family *f = NULL;
	struct metric_child *child = NULL;
	int err = -ENOMEM;

	if (!names || !values)
		goto out;
	for (size_t i = 0; i < info->n_labels; i++) {
		names[i] = info->labels[i].key;
		values[i] = info->labels[i].value;
	}
	f = registry_add_family(r, info->name, info->help, METRIC_GAUGE, names, info->n_labels,
				NULL, 0);
	if (f)
		child = metric_family_child(f, info->n_labels ? values : NULL);
	if (!child) {
		err = -errno;
		goto out;
	}
	metric_child_set(child, 1);
	err = 0;
out:
	free(names);
	free(values);
	return err;
}

int info_gauges_add(struct registry *r, const struct config_info *info, size_t n, size_t *bad)
{
	for (size_t i = 0; i < n; i++) {
		int err = add_one(r, &info[i]);

		if (err) {
			*bad = i;
			return err;
		}
	}
	return 0;
}
