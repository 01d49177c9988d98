// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/exposition_samples.h"

#include "util/float_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *exposition_type_name(enum metric_type type)
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

static void label_layout_release(struct label_layout *l)
{
	free(l->order);
	l->order = NULL;
}

static void exposition_put_escaped(struct strbuf *out, const char *s, int escape_quote)
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

void exposition_put_header(struct strbuf *out, const char *name, const char *suffix,
			   const char *help, int escape_quote, const char *type)
{
	strbuf_printf(out, "# HELP %s%s ", name, suffix);
	exposition_put_escaped(out, help, escape_quote);
	strbuf_printf(out, "\n# TYPE %s%s %s\n", name, suffix, type);
}

static void put_label(struct strbuf *out, int first, const char *name, const char *value)
{
	if (!first)
		strbuf_putc(out, ',');
	strbuf_puts(out, name);
	strbuf_puts(out, "=\"");
	exposition_put_escaped(out, value, 1);
	strbuf_putc(out, '"');
}

void exposition_put_sample(const struct sample_ctx *s, const char *suffix, const char *le,
			   double value)
{
	const struct label_layout *l = s->layout;
	struct strbuf *out = s->out;
	char num[FLOAT_FORMAT_MAX];
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
	strbuf_append(out, num, float_format(value, num));
	strbuf_putc(out, '\n');
}

int exposition_sample_wanted(const struct exposition_options *o, const struct metric_family *f,
			     const char *suffix)
{
	const char *name = metric_family_name(f);
	size_t len = strlen(name);

	if (!o->names)
		return 1;
	for (size_t i = 0; i < o->n_names; i++)
		if (!strncmp(o->names[i], name, len) && !strcmp(o->names[i] + len, suffix))
			return 1;
	return 0;
}

/* The suffixes of the samples every child of f has, NULL-terminated. */
static const char *const *sample_suffixes(const struct metric_family *f)
{
	static const char *const counter[] = { "_total", "_created", NULL };
	static const char *const gauge[] = { "", NULL };
	static const char *const histogram[] = { "_bucket", "_count", "_sum", "_created", NULL };
	static const char *const summary[] = { "_count", "_sum", "_created", NULL };
	static const char *const none[] = { NULL };

	switch (metric_family_type(f)) {
	case METRIC_COUNTER:
		return counter;
	case METRIC_GAUGE:
		return gauge;
	case METRIC_HISTOGRAM:
		return histogram;
	case METRIC_SUMMARY:
		return summary;
	}
	return none;
}

static int exposition_family_wanted(const struct exposition_options *o,
				    const struct metric_family *f)
{
	const char *const *suffix;

	if (!o->names)
		return 1;
	if (metric_family_child_count(f) == 0)
		return 0; /* no samples at all: the restricted registry drops the family */
	for (suffix = sample_suffixes(f); *suffix; suffix++) {
		if (!strcmp(*suffix, "_created") && (!o->created || !metric_family_has_created(f)))
			continue;
		if (!strcmp(*suffix, "_sum") && metric_family_type(f) == METRIC_HISTOGRAM &&
		    metric_family_bucket_bound(f, 0) < 0)
			continue;
		if (exposition_sample_wanted(o, f, *suffix))
			return 1;
	}
	return 0;
}

/* Calls fn unless the name filter drops the sample. */
static void emit(const struct sample_ctx *s, sample_fn fn, const char *suffix, const char *le,
		 double value)
{
	if (exposition_sample_wanted(s->options, s->family, suffix))
		fn(s, suffix, le, value);
}

static void histogram_samples(const struct sample_ctx *s, sample_fn fn)
{
	const struct metric_family *f = s->family;
	size_t n = metric_family_bucket_count(f);

	for (size_t b = 0; b < n; b++) {
		char le[FLOAT_FORMAT_MAX];

		float_format(metric_family_bucket_bound(f, b), le);
		emit(s, fn, "_bucket", le, metric_child_bucket(s->child, b));
	}
	emit(s, fn, "_count", NULL, metric_child_count(s->child));
	/* The client leaves _sum out when a bucket is negative: the sum could then go down. */
	if (metric_family_bucket_bound(f, 0) >= 0)
		emit(s, fn, "_sum", NULL, metric_child_sum(s->child));
}

void exposition_child_samples(const struct sample_ctx *s, sample_fn fn)
{
	enum metric_type type = metric_family_type(s->family);

	switch (type) {
	case METRIC_COUNTER:
		emit(s, fn, "_total", NULL, metric_child_value(s->child));
		break;
	case METRIC_GAUGE:
		emit(s, fn, "", NULL, metric_child_value(s->child));
		break;
	case METRIC_HISTOGRAM:
		histogram_samples(s, fn);
		break;
	case METRIC_SUMMARY:
		emit(s, fn, "_count", NULL, metric_child_count(s->child));
		emit(s, fn, "_sum", NULL, metric_child_sum(s->child));
		break;
	}
	if (s->options->created && metric_family_has_created(s->family))
		emit(s, fn, "_created", NULL, metric_child_created(s->child));
}

int exposition_write_families(const struct registry *r, const struct exposition_options *options,
			      struct strbuf *out, void (*put)(struct sample_ctx *s))
{
	for (size_t i = 0; i < registry_family_count(r); i++) {
		const struct metric_family *f = registry_family_at(r, i);
		struct label_layout layout;
		struct sample_ctx s = { .out = out, .options = options, .family = f };

		if (!exposition_family_wanted(options, f))
			continue;
		if (label_layout_init(&layout, f))
			return -ENOMEM;
		s.layout = &layout;
		put(&s);
		label_layout_release(&layout);
	}
	return out->failed ? -ENOMEM : 0;
}
