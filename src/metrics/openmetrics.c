// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OpenMetrics 1.0 as prometheus_client.openmetrics.exposition.generate_latest() prints it:
 * one block per family named by its base name, each child's samples in order with its
 * _created last, "# EOF" at the end.
 */
#include "metrics/openmetrics.h"

#include "metrics/exposition_samples.h"

#include <errno.h>

static void put_family(struct sample_ctx *s)
{
	const struct metric_family *f = s->family;

	exposition_put_header(s->out, metric_family_name(f), "", metric_family_help(f), 1,
			      exposition_type_name(metric_family_type(f)));
	for (size_t c = 0; c < metric_family_child_count(f); c++) {
		s->child = metric_family_child_at(f, c);
		exposition_child_samples(s, exposition_put_sample);
	}
}

int exposition_write_openmetrics(const struct registry *r, const struct exposition_options *options,
				 struct strbuf *out)
{
	int err = exposition_write_families(r, options, out, put_family);

	strbuf_puts(out, "# EOF\n");
	return err || out->failed ? -ENOMEM : 0;
}
