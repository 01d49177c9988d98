// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config/metric_spec.h"

#include "http/route_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Marks the routes a scope entry names (by endpoint or by rule); how many it named. */
static size_t mark_scope(const struct route_table *routes, const char *entry,
			 unsigned char *in_scope)
{
	size_t n = 0;

	for (size_t i = 0; i < route_table_count(routes); i++) {
		const struct route *r = route_table_at(routes, i);

		if (!strcmp(route_endpoint(r), entry) || !strcmp(route_rule(r), entry)) {
			in_scope[i] = 1;
			n++;
		}
	}
	return n;
}

static int check_labels(const struct custom_metric_spec *spec, const struct route_table *routes,
			const unsigned char *in_scope, char *err)
{
	for (size_t l = 0; l < spec->n_labels; l++) {
		const struct custom_label *label = &spec->labels[l];
		int found = 0;

		if (label->source == CUSTOM_LABEL_STATUS && spec->type == METRIC_GAUGE) {
			snprintf(err, CUSTOM_ERROR_MAX,
				 "%s: label '%s': a gauge counts requests in progress, "
				 "which have no status yet",
				 spec->name, label->name);
			return -EINVAL;
		}
		if ((label->source == CUSTOM_LABEL_STATIC || label->source == CUSTOM_LABEL_PARAM) &&
		    !label->arg) {
			snprintf(err, CUSTOM_ERROR_MAX, "%s: label '%s' needs a value", spec->name,
				 label->name);
			return -EINVAL;
		}
		if (label->source != CUSTOM_LABEL_PARAM)
			continue;
		for (size_t i = 0; routes && i < route_table_count(routes); i++)
			if ((!in_scope || in_scope[i]) &&
			    route_has_param(route_table_at(routes, i), label->arg))
				found = 1;
		if (!found) {
			snprintf(err, CUSTOM_ERROR_MAX,
				 "%s: label '%s': no route in scope has a parameter '%s'",
				 spec->name, label->name, label->arg);
			return -EINVAL;
		}
	}
	return 0;
}

int metric_spec_check(const struct custom_metric_spec *spec, const struct route_table *routes,
		      unsigned char **in_scope, char err[CUSTOM_ERROR_MAX])
{
	unsigned char *marks = NULL;
	int rc;

	*in_scope = NULL;
	if (spec->n_labels > CUSTOM_LABELS_MAX) {
		snprintf(err, CUSTOM_ERROR_MAX, "%s: too many labels", spec->name);
		return -EINVAL;
	}
	if (spec->n_scope) {
		if (!routes) {
			snprintf(err, CUSTOM_ERROR_MAX, "%s: a scope needs a route table (routes:)",
				 spec->name);
			return -EINVAL;
		}
		marks = calloc(route_table_count(routes) + 1, 1);
		if (!marks)
			return -ENOMEM;
		for (size_t i = 0; i < spec->n_scope; i++) {
			if (!mark_scope(routes, spec->scope[i], marks)) {
				snprintf(err, CUSTOM_ERROR_MAX,
					 "%s: scope '%s' names no route (endpoint or rule)",
					 spec->name, spec->scope[i]);
				free(marks);
				return -EINVAL;
			}
		}
	}
	rc = check_labels(spec, routes, marks, err);
	if (rc) {
		free(marks);
		return rc;
	}
	*in_scope = marks;
	return 0;
}
