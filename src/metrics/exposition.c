// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The text format as prometheus_client's generate_latest() builds it: the family's HELP and
 * TYPE, each child's samples, then the OpenMetrics-only `_created` samples moved into a gauge
 * family of their own right after the parent.
 */
#include "metrics/exposition.h"

#include "metrics/exposition_samples.h"

#include <errno.h>
#include <string.h>

static void put_unless_created(const struct sample_ctx *s, const char *suffix, const char *le,
			       double value)
{
	if (strcmp(suffix, "_created"))
		exposition_put_sample(s, suffix, le, value);
}

static void put_if_created(const struct sample_ctx *s, const char *suffix, const char *le,
			   double value)
{
	if (!strcmp(suffix, "_created"))
		exposition_put_sample(s, suffix, le, value);
}

static void put_family(struct sample_ctx *s)
{
	const struct metric_family *f = s->family;
	const char *name = metric_family_name(f);
	enum metric_type type = metric_family_type(f);
	size_t n = metric_family_child_count(f);

	exposition_put_header(s->out, name, type == METRIC_COUNTER ? "_total" : "",
			      metric_family_help(f), 0, exposition_type_name(type));
	for (size_t i = 0; i < n; i++) {
		s->child = metric_family_child_at(f, i);
		exposition_child_samples(s, put_unless_created);
	}

	/*
	 * The client collects the _created samples while printing the others and heads them
	 * with HELP/TYPE only when there is at least one: a family with no children has none.
	 * Gauges have no _created.
	 */
	if (!s->options->created || !metric_family_has_created(f) || n == 0 ||
	    !exposition_sample_wanted(s->options, f, "_created"))
		return;
	exposition_put_header(s->out, name, "_created", metric_family_help(f), 0, "gauge");
	for (size_t i = 0; i < n; i++) {
		s->child = metric_family_child_at(f, i);
		exposition_child_samples(s, put_if_created);
	}
}

int exposition_write_text(const struct registry *r, const struct exposition_options *options,
			  struct strbuf *out)
{
	return exposition_write_families(r, options, out, put_family);
}
