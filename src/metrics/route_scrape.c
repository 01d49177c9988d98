// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/route_scrape.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Labels a duration sample may carry that matter here; the rest are summed over. */
#define LABEL_VALUE_MAX 1024
/* Distinct bucket bounds of one histogram. */
#define BOUNDS_MAX 64

enum sample_kind { SAMPLE_BUCKET, SAMPLE_COUNT, SAMPLE_SUM };

struct sample {
	enum sample_kind kind;
	char method[LABEL_VALUE_MAX], route[LABEL_VALUE_MAX], status[LABEL_VALUE_MAX];
	double le, value;
};

/* One quoted label value with the format's escapes (\\, \", \n) into out; returns the
 * position after the closing quote, or NULL. */
static const char *parse_value(const char *p, const char *end, char *out)
{
	size_t n = 0;

	if (p >= end || *p++ != '"')
		return NULL;
	while (p < end && *p != '"') {
		char c = *p++;

		if (c == '\\') {
			if (p >= end)
				return NULL;
			c = *p++;
			c = c == 'n' ? '\n' : c;
		}
		if (n + 1 < LABEL_VALUE_MAX)
			out[n++] = c;
	}
	out[n] = '\0';
	return p < end ? p + 1 : NULL;
}

static int is_route_label(const char *name, size_t len)
{
	static const char *const names[] = { "path", "endpoint", "url_rule", "full_path" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && !memcmp(names[i], name, len))
			return 1;
	return 0;
}

/* {k="v",...} value -> s. 0 or -EINVAL. */
static int parse_labels_and_value(const char *p, const char *end, struct sample *s)
{
	char value[LABEL_VALUE_MAX], *num_end;

	s->method[0] = s->route[0] = s->status[0] = '\0';
	s->le = NAN;
	if (p < end && *p == '{') {
		p++;
		while (p < end && *p != '}') {
			const char *name = p;
			size_t len;

			while (p < end && *p != '=')
				p++;
			len = (size_t)(p - name);
			if (p >= end || !(p = parse_value(p + 1, end, value)))
				return -EINVAL;
			if (len == 6 && !memcmp(name, "method", 6))
				strcpy(s->method, value);
			else if (len == 6 && !memcmp(name, "status", 6))
				strcpy(s->status, value);
			else if (len == 2 && !memcmp(name, "le", 2))
				s->le = strtod(value, NULL);
			else if (is_route_label(name, len))
				strcpy(s->route, value);
			if (p < end && *p == ',')
				p++;
		}
		if (p >= end)
			return -EINVAL;
		p++;
	}
	while (p < end && *p == ' ')
		p++;
	if (p >= end)
		return -EINVAL;
	s->value = strtod(p, &num_end);
	if (num_end == p || (s->kind == SAMPLE_BUCKET && isnan(s->le)))
		return -EINVAL;
	return 0;
}

/* Is the line a sample of the family? Sets s->kind and returns where its labels begin. */
static const char *family_sample(const char *line, const char *end, const char *name,
				 struct sample *s)
{
	static const struct {
		const char *suffix;
		enum sample_kind kind;
	} suffixes[] = { { "_bucket", SAMPLE_BUCKET },
			 { "_count", SAMPLE_COUNT },
			 { "_sum", SAMPLE_SUM } };
	size_t n = strlen(name);

	if ((size_t)(end - line) <= n || memcmp(line, name, n))
		return NULL;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t k = strlen(suffixes[i].suffix);
		const char *after = line + n + k;

		if ((size_t)(end - line) > n + k && !memcmp(line + n, suffixes[i].suffix, k) &&
		    (*after == '{' || *after == ' ')) {
			s->kind = suffixes[i].kind;
			return after;
		}
	}
	return NULL;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Calls fn for every sample of the family; stops at the first error. */
static int each_sample(const char *text, size_t len, const char *name, size_t *bad_line,
		       int (*fn)(void *ctx, const struct sample *s), void *ctx)
{
	const char *p = text, *end = text + len;
	struct sample *s = malloc(sizeof(*s));
	size_t line_no = 0;
	int err = 0, seen = 0;

	if (!s)
		return -ENOMEM;
	while (!err && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *labels;

		eol = eol ? eol : end;
		line_no++;
		labels = *p == '#' ? NULL : family_sample(p, eol, name, s);
		if (labels) {
			err = parse_labels_and_value(labels, eol, s);
			if (err)
				*bad_line = line_no;
			else
				err = fn(ctx, s);
			seen = 1;
		}
		p = eol + 1;
	}
	free(s);
	return err ? err : seen ? 0 : -ENOENT;
}

struct bounds {
	double v[BOUNDS_MAX];
	size_t n;
};

static int collect_bound(void *ctx, const struct sample *s)
{
	struct bounds *b = ctx;

	if (s->kind != SAMPLE_BUCKET)
		return 0;
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i] == s->le)
			return 0;
	if (b->n == BOUNDS_MAX)
		return -EINVAL;
	b->v[b->n++] = s->le;
	return 0;
}

static int add_sample(void *ctx, const struct sample *smp)
{
	struct route_snapshot *s = ctx;
	double buckets[BOUNDS_MAX] = { 0 };

	switch (smp->kind) {
	case SAMPLE_COUNT:
		return route_snapshot_add(s, smp->method, smp->route, smp->status, smp->value, 0,
					  NULL);
	case SAMPLE_SUM:
		return route_snapshot_add(s, smp->method, smp->route, smp->status, 0, smp->value,
					  NULL);
	case SAMPLE_BUCKET:
		for (size_t i = 0; i < s->n_bounds; i++)
			if (s->bounds[i] == smp->le)
				buckets[i] = smp->value;
		return route_snapshot_add(s, smp->method, smp->route, smp->status, 0, 0, buckets);
	}
	return -EINVAL;
}

int route_scrape_parse(struct route_snapshot *s, const char *text, size_t len, const char *name,
		       double time, size_t *bad_line)
{
	struct bounds bounds = { .n = 0 };
	int err;

	*bad_line = 0;
	err = each_sample(text, len, name, bad_line, collect_bound, &bounds);
	if (err)
		return err;
	qsort(bounds.v, bounds.n, sizeof(bounds.v[0]), compare_double);
	err = route_snapshot_set_bounds(s, bounds.v, bounds.n);
	if (!err)
		err = each_sample(text, len, name, bad_line, add_sample, s);
	s->time = time;
	return err;
}
