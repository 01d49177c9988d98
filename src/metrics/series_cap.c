// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/series_cap.h"

#include <errno.h>
#include <stdio.h>

/* Caps f; `fold` are its label names to fold, in order. */
static int cap_family(struct metric_family *over_cap, struct metric_family *f, size_t max_series,
		      const char *const *fold, size_t n_fold)
{
	char full[256];
	const char *name[1] = { full };
	struct metric_child *counter;

	if (!f)
		return 0;
	/* The name the family's samples carry: a counter's with its _total. */
	snprintf(full, sizeof(full), "%s%s", metric_family_name(f),
		 metric_family_type(f) == METRIC_COUNTER ? "_total" : "");
	counter = metric_family_child(over_cap, name);
	if (!counter)
		return -errno;
	return metric_family_set_cap(f, max_series, fold, n_fold, counter);
}

int series_cap_apply(struct registry *r, struct request_metrics *m, size_t max_series)
{
	static const char *const family_label[] = { "family" };
	static const char *const method_only[] = { "method" };
	const char *duration_fold[2] = { NULL, "method" };
	struct metric_family *over_cap;
	int err;

	if (!max_series)
		return 0;
	over_cap = registry_add_family(r, "flask_ebpf_exporter_series_over_cap",
				       "Requests counted under <overflow> label values because "
				       "their family reached its cap on label sets",
				       METRIC_COUNTER, family_label, 1, NULL, 0);
	if (!over_cap)
		return -errno;
	if (m->duration) /* method, then the grouping label (path, endpoint, ...), status */
		duration_fold[0] = metric_family_label_name(m->duration, 1);
	err = cap_family(over_cap, m->duration, max_series, duration_fold, 2);
	if (!err)
		err = cap_family(over_cap, m->total, max_series, method_only, 1);
	if (!err)
		err = cap_family(over_cap, m->exceptions, max_series, method_only, 1);
	return err;
}
