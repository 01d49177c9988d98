// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The text format as prometheus_client's generate_latest() builds it: the family's HELP and
 * TYPE, each child's samples, then the OpenMetrics-only `_created` samples moved into a gauge
 * family of their own right after the parent.
 */
#include "exposition.h"

#include "float_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * The order a family's labels print in: the client sorts each sample's labels by name, `le`
 * included, so the order is fixed per family and computed once.
 */
struct label_layout {
	size_t *order; /* family label indices, sorted by name */
	size_t n;
	size_t le_at; /* how many of them sort before "le" */
};

/* One sample in the making: whose labels, and the layout to print them in. */
struct sample_ctx {
	struct strbuf *out;
	const struct metric_family *family;
	const struct label_layout *layout;
	const struct metric_child *child;
};

static int label_layout_init(struct label_layout *l, const struct metric_family *f)
{
	l->n = metric_family_label_count(f);
	l->order = calloc(l->n ? l->n : 1, sizeof(*l->order));
	if (!l->order)
		return -ENOMEM;
	/* Insertion sort: a family has a handful of labels. */
	for (size_t i = 0; i < l->n; i++) {
		const char *name = metric_family_label_name(f, i);
		size_t j = i;

		for (; j > 0 && strcmp(metric_family_label_name(f, l->order[j - 1]), name) > 0; j--)
			l->order[j] = l->order[j - 1];
		l->order[j] = i;
	}
	l->le_at = 0;
	while (l->le_at < l->n && strcmp(metric_family_label_name(f, l->order[l->le_at]), "le") < 0)
		l->le_at++;
	return 0;
}

static void put_escaped(struct strbuf *out, const char *s, int escape_quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_puts(out, "\\\\");
		else if (*s == '\n')
			strbuf_puts(out, "\\n");
		else if (*s == '"' && escape_quote)
			strbuf_puts(out, "\\\"");
		else
			strbuf_putc(out, *s);
	}
}

static void put_label(struct strbuf *out, int first, const char *name, const char *value)
{
	if (!first)
		strbuf_putc(out, ',');
	strbuf_puts(out, name);
	strbuf_puts(out, "=\"");
	put_escaped(out, value, 1);
	strbuf_putc(out, '"');
}

static void put_number(struct strbuf *out, double v)
{
	char buf[FLOAT_FORMAT_MAX];

	strbuf_append(out, buf, float_format(v, buf));
}

/* <base><suffix>{labels} <value>, `le` (when given) joining the labels in its sorted place. */
static void put_sample(const struct sample_ctx *s, const char *suffix, const char *le, double value)
{
	const struct label_layout *l = s->layout;
	struct strbuf *out = s->out;
	size_t printed = 0;

	strbuf_puts(out, metric_family_name(s->family));
	strbuf_puts(out, suffix);
	if (l->n || le) {
		strbuf_putc(out, '{');
		for (size_t i = 0; i <= l->n; i++) {
			if (le && i == l->le_at)
				put_label(out, !printed++, "le", le);
			if (i == l->n)
				break;
			put_label(out, !printed++, metric_family_label_name(s->family, l->order[i]),
				  metric_child_label_value(s->child, l->order[i]));
		}
		strbuf_putc(out, '}');
	}
	strbuf_putc(out, ' ');
	put_number(out, value);
	strbuf_putc(out, '\n');
}

static void put_header(struct strbuf *out, const char *name, const char *suffix, const char *help,
		       const char *type)
{
	strbuf_printf(out, "# HELP %s%s ", name, suffix);
	put_escaped(out, help, 0);
	strbuf_printf(out, "\n# TYPE %s%s %s\n", name, suffix, type);
}

static const char *type_name(enum metric_type type)
{
	switch (type) {
	case METRIC_COUNTER:
		return "counter";
	case METRIC_GAUGE:
		return "gauge";
	case METRIC_HISTOGRAM:
		return "histogram";
	default:
		return "summary";
	}
}

static void put_histogram_samples(const struct sample_ctx *s)
{
	const struct metric_family *f = s->family;
	size_t n = metric_family_bucket_count(f);

	for (size_t b = 0; b < n; b++) {
		char le[FLOAT_FORMAT_MAX];

		float_format(metric_family_bucket_bound(f, b), le);
		put_sample(s, "_bucket", le, metric_child_bucket(s->child, b));
	}
	put_sample(s, "_count", NULL, metric_child_count(s->child));
	/* The client leaves _sum out when a bucket is negative: the sum could then go down. */
	if (metric_family_bucket_bound(f, 0) >= 0)
		put_sample(s, "_sum", NULL, metric_child_sum(s->child));
}

static void put_child_samples(const struct sample_ctx *s)
{
	switch (metric_family_type(s->family)) {
	case METRIC_COUNTER:
		put_sample(s, "_total", NULL, metric_child_value(s->child));
		break;
	case METRIC_GAUGE:
		put_sample(s, "", NULL, metric_child_value(s->child));
		break;
	case METRIC_HISTOGRAM:
		put_histogram_samples(s);
		break;
	case METRIC_SUMMARY:
		put_sample(s, "_count", NULL, metric_child_count(s->child));
		put_sample(s, "_sum", NULL, metric_child_sum(s->child));
		break;
	}
}

static void put_family(struct strbuf *out, const struct metric_family *f,
		       const struct exposition_options *options, const struct label_layout *layout)
{
	const char *name = metric_family_name(f);
	enum metric_type type = metric_family_type(f);
	size_t n = metric_family_child_count(f);
	struct sample_ctx s = { .out = out, .family = f, .layout = layout };

	put_header(out, name, type == METRIC_COUNTER ? "_total" : "", metric_family_help(f),
		   type_name(type));
	for (size_t i = 0; i < n; i++) {
		s.child = metric_family_child_at(f, i);
		put_child_samples(&s);
	}

	/*
	 * The client collects the _created samples while printing the others and heads them
	 * with HELP/TYPE only when there is at least one: a family with no children has none.
	 * Gauges have no _created.
	 */
	if (!options->created || type == METRIC_GAUGE || n == 0)
		return;
	put_header(out, name, "_created", metric_family_help(f), "gauge");
	for (size_t i = 0; i < n; i++) {
		s.child = metric_family_child_at(f, i);
		put_sample(&s, "_created", NULL, metric_child_created(s.child));
	}
}

int exposition_write_text(const struct registry *r, const struct exposition_options *options,
			  struct strbuf *out)
{
	for (size_t i = 0; i < registry_family_count(r); i++) {
		const struct metric_family *f = registry_family_at(r, i);
		struct label_layout layout;

		if (label_layout_init(&layout, f))
			return -ENOMEM;
		put_family(out, f, options, &layout);
		free(layout.order);
	}
	return out->failed ? -ENOMEM : 0;
}
