// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/route_rates.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t series_key_hash(const char *method, const char *route, const char *status)
{
	const char *const key[3] = { method, route, status };

	return strings_hash(key, 3);
}

static uint64_t series_hash(const void *snapshot, size_t position)
{
	const struct route_series *r = &((const struct route_snapshot *)snapshot)->series[position];

	return series_key_hash(r->method, r->route, r->status);
}

/* A series looked for in snapshot s. */
struct series_key {
	const struct route_snapshot *s;
	const char *method, *route, *status;
};

static int is_series(const void *key, size_t position)
{
	const struct series_key *k = key;
	const struct route_series *r = &k->s->series[position];

	return !strcmp(r->route, k->route) && !strcmp(r->method, k->method) &&
	       !strcmp(r->status, k->status);
}

/* The index slot of that series (hash: its series_key_hash), or the free slot where it
 * would go; NULL while the index has no slots. */
static size_t *series_slot(const struct route_snapshot *s, uint64_t hash, const char *method,
			   const char *route, const char *status)
{
	const struct series_key key = { s, method, route, status };

	return s->index.n_slots ? slot_index_find(&s->index, hash, is_series, &key) : NULL;
}

static struct route_series *find_series(const struct route_snapshot *s, const char *method,
					const char *route, const char *status)
{
	size_t *slot =
		series_slot(s, series_key_hash(method, route, status), method, route, status);

	return slot && *slot ? &s->series[*slot - 1] : NULL;
}

/* Room for one more series: the list grown by doubling, and the index. 0 or -ENOMEM. */
static int series_room(struct route_snapshot *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct route_series *grown = realloc(s->series, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		s->series = grown;
		s->cap = cap;
	}
	return slot_index_reserve(&s->index, s->n, series_hash, s);
}

int route_snapshot_set_bounds(struct route_snapshot *s, const double *bounds, size_t n)
{
	if (s->n || s->bounds)
		return -EINVAL;
	if (!n)
		return 0;
	s->bounds = malloc(n * sizeof(*bounds));
	if (!s->bounds)
		return -ENOMEM;
	memcpy(s->bounds, bounds, n * sizeof(*bounds));
	s->n_bounds = n;
	return 0;
}

int route_snapshot_add(struct route_snapshot *s, const char *method, const char *route,
		       const char *status, double count, double sum, const double *buckets)
{
	uint64_t hash = series_key_hash(method, route, status);
	size_t *slot = series_slot(s, hash, method, route, status);
	struct route_series *r = slot && *slot ? &s->series[*slot - 1] : NULL;

	if (!r) {
		int err = series_room(s);

		if (err)
			return err;
		r = &s->series[s->n];
		memset(r, 0, sizeof(*r));
		r->method = strdup(method);
		r->route = strdup(route);
		r->status = strdup(status);
		r->buckets = s->n_bounds ? calloc(s->n_bounds, sizeof(double)) : NULL;
		if (!r->method || !r->route || !r->status || (s->n_bounds && !r->buckets)) {
			free(r->method);
			free(r->route);
			free(r->status);
			free(r->buckets);
			return -ENOMEM;
		}
		*slot_index_free_slot(&s->index, hash) = ++s->n;
	}
	r->count += count;
	r->sum += sum;
	for (size_t i = 0; buckets && i < s->n_bounds; i++)
		r->buckets[i] += buckets[i];
	return 0;
}

/* Index of the label named so, or -1. */
static int label_index(const struct metric_family *f, const char *name)
{
	for (size_t i = 0; i < metric_family_label_count(f); i++)
		if (!strcmp(metric_family_label_name(f, i), name))
			return (int)i;
	return -1;
}

int route_snapshot_from_family(struct route_snapshot *s, const struct metric_family *f, double time)
{
	enum metric_type type = metric_family_type(f);
	int method = label_index(f, "method"), status = label_index(f, "status");
	size_t n_bounds = type == METRIC_HISTOGRAM ? metric_family_bucket_count(f) : 0;
	double *bounds = NULL, *buckets = NULL;
	int err = 0;

	/* The route label is the second, whatever group_by names it (path, endpoint, ...). */
	if ((type != METRIC_HISTOGRAM && type != METRIC_SUMMARY) || method != 0 || status < 0 ||
	    metric_family_label_count(f) < 3)
		return -EINVAL;
	s->time = time;
	if (n_bounds) {
		bounds = calloc(n_bounds, sizeof(*bounds));
		buckets = calloc(n_bounds, sizeof(*buckets));
		if (!bounds || !buckets) {
			free(bounds);
			free(buckets);
			return -ENOMEM;
		}
		for (size_t b = 0; b < n_bounds; b++)
			bounds[b] = metric_family_bucket_bound(f, b);
		err = route_snapshot_set_bounds(s, bounds, n_bounds);
	}
	for (size_t i = 0; !err && i < metric_family_child_count(f); i++) {
		const struct metric_child *c = metric_family_child_at(f, i);

		for (size_t b = 0; b < n_bounds; b++)
			buckets[b] = metric_child_bucket(c, b);
		err = route_snapshot_add(
			s, metric_child_label_value(c, 0), metric_child_label_value(c, 1),
			metric_child_label_value(c, (size_t)status), metric_child_count(c),
			metric_child_sum(c), n_bounds ? buckets : NULL);
	}
	free(bounds);
	free(buckets);
	return err;
}

void route_snapshot_release(struct route_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->series[i].method);
		free(s->series[i].route);
		free(s->series[i].status);
		free(s->series[i].buckets);
	}
	free(s->series);
	slot_index_release(&s->index);
	free(s->bounds);
	memset(s, 0, sizeof(*s));
}

const char *route_sort_name(enum route_sort sort)
{
	static const char *const names[ROUTE_SORT_COUNT] = {
		[ROUTE_SORT_RATE] = "rate",
		[ROUTE_SORT_P99] = "p99",
		[ROUTE_SORT_ERRORS] = "errors",
		[ROUTE_SORT_ROUTE] = "route",
	};

	return sort < ROUTE_SORT_COUNT ? names[sort] : "?";
}

double route_quantile(double q, const double *bounds, const double *increments, size_t n)
{
	double total = n ? increments[n - 1] : 0, rank, below = 0, lower = 0;

	if (total <= 0)
		return NAN;
	rank = q * total;
	for (size_t i = 0; i < n; i++) {
		if (increments[i] >= rank) {
			if (isinf(bounds[i])) /* the +Inf bucket: the highest finite bound */
				return i ? bounds[i - 1] : NAN;
			if (i == 0 && bounds[0] <= 0) /* as Prometheus: no room below it */
				return bounds[0];
			return lower +
			       (bounds[i] - lower) * (rank - below) / (increments[i] - below);
		}
		below = increments[i];
		lower = bounds[i];
	}
	return NAN;
}

/* A row being summed: the increments of one or more series. */
struct accum {
	struct route_row row;
	double errors, sum;
	double *increments;
};

static double increase(double now, double before)
{
	/* A counter that went down was reset (the exporter restarted): count from zero. */
	return now >= before ? now - before : now;
}

static int row_matches(const struct route_row *r, const struct route_series *s, int by_status)
{
	return !strcmp(r->method, s->method) && !strcmp(r->route, s->route) &&
	       (!by_status || !strcmp(r->status, s->status));
}

static int compare_rows(const void *pa, const void *pb, void *ctx)
{
	const struct route_row *a = pa, *b = pb;
	const enum route_sort *sort = ctx;
	double x = 0, y = 0;
	int c;

	switch (*sort) {
	case ROUTE_SORT_RATE:
		x = a->rate, y = b->rate;
		break;
	case ROUTE_SORT_P99:
		x = isnan(a->p99) ? -1 : a->p99, y = isnan(b->p99) ? -1 : b->p99;
		break;
	case ROUTE_SORT_ERRORS:
		x = a->error_share, y = b->error_share;
		break;
	default:
		break;
	}
	if (x != y)
		return x < y ? 1 : -1;
	c = strcmp(a->route, b->route);
	if (c)
		return c;
	c = strcmp(a->method, b->method);
	if (c || !a->status || !b->status)
		return c;
	return strcmp(a->status, b->status);
}

static void finish_row(struct accum *a, const struct route_snapshot *now, double seconds)
{
	struct route_row *r = &a->row;

	r->rate = seconds > 0 ? r->requests / seconds : 0;
	r->error_share = r->requests > 0 ? a->errors / r->requests : 0;
	r->mean = r->requests > 0 ? a->sum / r->requests : NAN;
	r->p50 = route_quantile(0.5, now->bounds, a->increments, now->n_bounds);
	r->p90 = route_quantile(0.9, now->bounds, a->increments, now->n_bounds);
	r->p99 = route_quantile(0.99, now->bounds, a->increments, now->n_bounds);
}

int route_rows(const struct route_snapshot *old, const struct route_snapshot *now, int by_status,
	       enum route_sort sort, struct route_row **rows, size_t *n)
{
	struct accum *acc = calloc(now->n ? now->n : 1, sizeof(*acc));
	double seconds = old ? now->time - old->time : 0;
	size_t n_acc = 0;
	int err = 0;

	*rows = NULL;
	*n = 0;
	if (!acc)
		return -ENOMEM;
	for (size_t i = 0; !err && i < now->n; i++) {
		const struct route_series *s = &now->series[i];
		const struct route_series *before =
			old ? find_series(old, s->method, s->route, s->status) : NULL;
		double requests = increase(s->count, before ? before->count : 0);
		struct accum *a = NULL;

		if (requests <= 0)
			continue;
		for (size_t k = 0; k < n_acc && !a; k++)
			if (row_matches(&acc[k].row, s, by_status))
				a = &acc[k];
		if (!a) {
			a = &acc[n_acc++];
			a->row = (struct route_row){ .method = s->method,
						     .route = s->route,
						     .status = by_status ? s->status : NULL };
			a->increments = calloc(now->n_bounds ? now->n_bounds : 1, sizeof(double));
			if (!a->increments) {
				err = -ENOMEM;
				break;
			}
		}
		a->row.requests += requests;
		a->sum += increase(s->sum, before ? before->sum : 0);
		if (s->status[0] == '5')
			a->errors += requests;
		for (size_t b = 0; b < now->n_bounds; b++)
			a->increments[b] += increase(
				s->buckets[b], before && before->buckets ? before->buckets[b] : 0);
	}
	if (!err && n_acc) {
		*rows = calloc(n_acc, sizeof(**rows));
		if (!*rows)
			err = -ENOMEM;
	}
	for (size_t k = 0; k < n_acc; k++) {
		if (!err) {
			finish_row(&acc[k], now, seconds);
			(*rows)[k] = acc[k].row;
		}
		free(acc[k].increments);
	}
	free(acc);
	if (err)
		return err;
	*n = n_acc;
	qsort_r(*rows, n_acc, sizeof(**rows), compare_rows, &sort);
	return 0;
}

static struct route_snapshot *history_at(const struct route_history *h, size_t i)
{
	return (struct route_snapshot *)&h->snaps[(h->first + i) % ROUTE_HISTORY_MAX];
}

void route_history_push(struct route_history *h, struct route_snapshot *s)
{
	if (h->n == ROUTE_HISTORY_MAX) {
		route_snapshot_release(history_at(h, 0));
		h->first = (h->first + 1) % ROUTE_HISTORY_MAX;
		h->n--;
	}
	*history_at(h, h->n++) = *s;
	memset(s, 0, sizeof(*s));
}

const struct route_snapshot *route_history_newest(const struct route_history *h)
{
	return h->n ? history_at(h, h->n - 1) : NULL;
}

const struct route_snapshot *route_history_since(const struct route_history *h, double window)
{
	const struct route_snapshot *newest = route_history_newest(h);

	if (h->n < 2)
		return NULL;
	for (size_t i = h->n - 1; i-- > 0;)
		if (newest->time - history_at(h, i)->time >= window)
			return history_at(h, i);
	return history_at(h, 0);
}

void route_history_release(struct route_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		route_snapshot_release(history_at(h, i));
	memset(h, 0, sizeof(*h));
}
