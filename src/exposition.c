// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "exposition.h"

#include "float_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One label of a sample: a family label, or the histogram's own `le`. */
struct sample_label {
	const char *name;
	const char *value;
};

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

static void put_number(struct strbuf *out, double v)
{
	char buf[FLOAT_FORMAT_MAX];

	strbuf_append(out, buf, float_format(v, buf));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct sample_label *)a)->name,
		      ((const struct sample_label *)b)->name);
}

/*
 * name{a="x",b="y"} value — labels sorted by name; `le`, when given, joins them.
 * labels[] has room for the family's labels plus one.
 */
static void put_sample(struct strbuf *out, const struct metric_family *f,
		       const struct metric_child *c, const char *name, const char *suffix,
		       const char *le, double value, struct sample_label *labels)
{
	size_t n = metric_family_label_count(f);

	for (size_t i = 0; i < n; i++) {
		labels[i].name = metric_family_label_name(f, i);
		labels[i].value = metric_child_label_value(c, i);
	}
	if (le) {
		labels[n].name = "le";
		labels[n].value = le;
		n++;
	}
	qsort(labels, n, sizeof(*labels), by_name);

	strbuf_puts(out, name);
	strbuf_puts(out, suffix);
	if (n) {
		strbuf_putc(out, '{');
		for (size_t i = 0; i < n; i++) {
			if (i)
				strbuf_putc(out, ',');
			strbuf_puts(out, labels[i].name);
			strbuf_puts(out, "=\"");
			put_escaped(out, labels[i].value, 1);
			strbuf_putc(out, '"');
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

static void put_count_and_sum(struct strbuf *out, const struct metric_family *f,
			      const struct metric_child *c, struct sample_label *labels)
{
	put_sample(out, f, c, metric_family_name(f), "_count", NULL, metric_child_count(c), labels);
	put_sample(out, f, c, metric_family_name(f), "_sum", NULL, metric_child_sum(c), labels);
}

static void put_child_samples(struct strbuf *out, const struct metric_family *f,
			      const struct metric_child *c, struct sample_label *labels)
{
	const char *name = metric_family_name(f);

	switch (metric_family_type(f)) {
	case METRIC_COUNTER:
		put_sample(out, f, c, name, "_total", NULL, metric_child_value(c), labels);
		break;
	case METRIC_GAUGE:
		put_sample(out, f, c, name, "", NULL, metric_child_value(c), labels);
		break;
	case METRIC_HISTOGRAM:
		for (size_t b = 0; b < metric_family_bucket_count(f); b++) {
			char le[FLOAT_FORMAT_MAX];

			float_format(metric_family_bucket_bound(f, b), le);
			put_sample(out, f, c, name, "_bucket", le, metric_child_bucket(c, b),
				   labels);
		}
		put_count_and_sum(out, f, c, labels);
		break;
	case METRIC_SUMMARY:
		put_count_and_sum(out, f, c, labels);
		break;
	}
}

static void put_family(struct strbuf *out, const struct metric_family *f,
		       const struct exposition_options *options, struct sample_label *labels)
{
	const char *name = metric_family_name(f);
	enum metric_type type = metric_family_type(f);
	size_t n = metric_family_child_count(f);

	put_header(out, name, type == METRIC_COUNTER ? "_total" : "", metric_family_help(f),
		   type_name(type));
	for (size_t i = 0; i < n; i++)
		put_child_samples(out, f, metric_family_child_at(f, i), labels);

	/* The Python client prints _created as a gauge family of its own, right after the
	 * parent, and only when there is at least one sample for it. */
	if (!options->created || type == METRIC_GAUGE || n == 0)
		return;
	put_header(out, name, "_created", metric_family_help(f), "gauge");
	for (size_t i = 0; i < n; i++) {
		const struct metric_child *c = metric_family_child_at(f, i);

		put_sample(out, f, c, name, "_created", NULL, metric_child_created(c), labels);
	}
}

int exposition_write_text(const struct registry *r, const struct exposition_options *options,
			  struct strbuf *out)
{
	for (size_t i = 0; i < registry_family_count(r); i++) {
		const struct metric_family *f = registry_family_at(r, i);
		struct sample_label *labels =
			calloc(metric_family_label_count(f) + 1, sizeof(*labels));

		if (!labels)
			return -ENOMEM;
		put_family(out, f, options, labels);
		free(labels);
	}
	return out->failed ? -ENOMEM : 0;
}
