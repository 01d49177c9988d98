// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The registry mirrors what prometheus_client (0.16) keeps for each metric, and rejects what
 * it rejects, so that whatever the writer prints is something the Python client could have
 * printed.
 */
#include "metrics/registry.h"

#include "util/prom_name.h"
#include "util/slot_index.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const double registry_default_buckets[REGISTRY_DEFAULT_BUCKETS_COUNT] = {
	0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0
};

struct metric_child {
	const struct metric_family *family;
	char **label_values;
	uint64_t hash;	/* of label_values, kept so the index can grow without rehashing */
	double value;	/* counter, gauge */
	double count;	/* histogram, summary */
	double sum;	/* histogram, summary */
	double *bucket; /* histogram: cumulative, bucket[i] = observations <= bounds[i] */
	double created;
	int over_cap; /* label sets past the family's cap count here */
};

struct metric_family {
	struct registry *registry;
	char *name;
	char *help;
	enum metric_type type;
	char **label_names;
	size_t n_labels;
	double *bounds; /* histogram upper bounds, +Inf last */
	size_t n_bounds;
	/* Children in first-seen order, and an open-addressing index over them. */
	struct metric_child **children;
	size_t n_children, cap_children;
	struct slot_index index; /* by the hash of their label values */
	/* The cardinality cap (metric_family_set_cap); max_children 0: none. */
	size_t max_children;
	size_t fold[REGISTRY_MAX_FOLD]; /* label indexes folded to REGISTRY_OVERFLOW_VALUE */
	size_t n_fold;
	struct metric_child *over_cap;
	int without_created; /* metric_family_without_created */
};

struct registry {
	registry_clock_fn clock;
	struct metric_family **families;
	size_t n_families, cap_families;
};

static double wall_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct registry *registry_new(registry_clock_fn clock)
{
	struct registry *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->clock = clock ? clock : wall_clock;
	return r;
}

static void free_strings(char **strings, size_t n)
{
	if (!strings)
		return;
	for (size_t i = 0; i < n; i++)
		free(strings[i]);
	free(strings);
}

static void child_free(struct metric_child *c, size_t n_labels)
{
	if (!c)
		return;
	free_strings(c->label_values, n_labels);
	free(c->bucket);
	free(c);
}

static void family_free(struct metric_family *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_children; i++)
		child_free(f->children[i], f->n_labels);
	free(f->children);
	slot_index_release(&f->index);
	free_strings(f->label_names, f->n_labels);
	free(f->bounds);
	free(f->name);
	free(f->help);
	free(f);
}

void registry_free(struct registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_families; i++)
		family_free(r->families[i]);
	free(r->families);
	free(r);
}

/* --- declaring families ----------------------------------------------------------------- */

/* Prometheus data model: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names without ':'. */
static int valid_labels(const char *const *names, size_t n, enum metric_type type)
{
	if (n && !names)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!prom_name_valid(names[i], 0) || !strncmp(names[i], "__", 2))
			return 0;
		/* The client reserves these: they name the samples' own labels. */
		if ((type == METRIC_HISTOGRAM && !strcmp(names[i], "le")) ||
		    (type == METRIC_SUMMARY && !strcmp(names[i], "quantile")))
			return 0;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(names[i], names[j]))
				return 0;
	}
	return 1;
}

/*
 * The series-name suffixes a family of this type claims besides its base name, as the Python
 * registry counts them when it looks for "Duplicated timeseries".
 */
static const char *const *claimed_suffixes(enum metric_type type)
{
	static const char *const counter[] = { "_total", "_created", NULL };
	static const char *const summary[] = { "_sum", "_count", "_created", NULL };
	static const char *const histogram[] = { "_bucket", "_sum", "_count", "_created", NULL };
	static const char *const none[] = { NULL };

	switch (type) {
	case METRIC_COUNTER:
		return counter;
	case METRIC_SUMMARY:
		return summary;
	case METRIC_HISTOGRAM:
		return histogram;
	default:
		return none;
	}
}

/* Whether a + a_suffix and b + b_suffix spell the same string, without building either. */
static int concat_equal(const char *a, const char *a_suffix, const char *b, const char *b_suffix)
{
	for (;;) {
		if (!*a && a_suffix) {
			a = a_suffix;
			a_suffix = NULL;
		}
		if (!*b && b_suffix) {
			b = b_suffix;
			b_suffix = NULL;
		}
		if (*a != *b)
			return 0;
		if (!*a)
			return 1;
		a++;
		b++;
	}
}

static int claims_overlap(const char *name, enum metric_type type, const struct metric_family *f)
{
	const char *const *mine = claimed_suffixes(type), *const * theirs;

	for (int i = -1; i < 0 || mine[i]; i++) {
		theirs = claimed_suffixes(f->type);
		for (int j = -1; j < 0 || theirs[j]; j++)
			if (concat_equal(name, i < 0 ? "" : mine[i], f->name,
					 j < 0 ? "" : theirs[j]))
				return 1;
	}
	return 0;
}

static int name_taken(const struct registry *r, const char *name, enum metric_type type)
{
	for (size_t i = 0; i < r->n_families; i++)
		if (claims_overlap(name, type, r->families[i]))
			return 1;
	return 0;
}

/* The client munges a counter declared as "x_total" to base name "x" (OpenMetrics style). */
static char *base_name(const char *name, enum metric_type type)
{
	size_t len = strlen(name);

	if (type == METRIC_COUNTER && len >= 6 && !strcmp(name + len - 6, "_total"))
		len -= 6;
	return strndup(name, len);
}

static char **copy_strings(const char *const *src, size_t n)
{
	char **dst = calloc(n ? n : 1, sizeof(*dst));

	if (!dst)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		dst[i] = strdup(src[i]);
		if (!dst[i]) {
			free_strings(dst, i);
			return NULL;
		}
	}
	return dst;
}

/*
 * Histogram bounds: strictly ascending (the client only refuses unsorted ones, but a repeated
 * bound would print two series with the same `le`), +Inf appended when missing, and at least
 * one finite bound besides +Inf, as the client demands.
 */
static int set_bounds(struct metric_family *f, const double *buckets, size_t n)
{
	int has_inf;

	if (n && !buckets)
		return -EINVAL;
	has_inf = n > 0 && buckets[n - 1] == INFINITY;
	for (size_t i = 0; i < n; i++)
		if (isnan(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1]))
			return -EINVAL;
	f->n_bounds = n + (has_inf ? 0 : 1);
	if (f->n_bounds < 2)
		return -EINVAL;
	f->bounds = malloc(f->n_bounds * sizeof(*f->bounds));
	if (!f->bounds)
		return -ENOMEM;
	memcpy(f->bounds, buckets, n * sizeof(*buckets));
	f->bounds[f->n_bounds - 1] = INFINITY;
	return 0;
}

static int append_family(struct registry *r, struct metric_family *f)
{
	if (r->n_families == r->cap_families) {
		size_t cap = r->cap_families ? r->cap_families * 2 : 16;
		struct metric_family **grown = realloc(r->families, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		r->families = grown;
		r->cap_families = cap;
	}
	r->families[r->n_families++] = f;
	return 0;
}

static struct metric_family *family_new(struct registry *r, const char *name, const char *help,
					enum metric_type type, const char *const *label_names,
					size_t n_labels, const double *buckets, size_t n_buckets)
{
	struct metric_family *f = calloc(1, sizeof(*f));
	int err = -ENOMEM;

	if (!f)
		goto fail;
	f->registry = r;
	f->type = type;
	f->n_labels = n_labels;
	f->name = base_name(name, type);
	f->help = strdup(help);
	f->label_names = copy_strings(label_names, n_labels);
	if (!f->name || !f->help || !f->label_names)
		goto fail;
	err = -EINVAL;
	if (!prom_name_valid(f->name, 1) || name_taken(r, f->name, type))
		goto fail;
	if (type == METRIC_HISTOGRAM) {
		err = set_bounds(f, buckets, n_buckets);
		if (err)
			goto fail;
	}
	return f;
fail:
	family_free(f);
	errno = -err;
	return NULL;
}

struct metric_family *registry_add_family(struct registry *r, const char *name, const char *help,
					  enum metric_type type, const char *const *label_names,
					  size_t n_labels, const double *buckets, size_t n_buckets)
{
	struct metric_family *f;
	int err;

	if (!name || !help || type < METRIC_COUNTER || type > METRIC_SUMMARY ||
	    !valid_labels(label_names, n_labels, type)) {
		errno = EINVAL;
		return NULL;
	}
	f = family_new(r, name, help, type, label_names, n_labels, buckets, n_buckets);
	if (!f)
		return NULL;
	err = append_family(r, f);
	/*
	 * A metric without labels is its own single child in the client, created (and its
	 * _created stamped) with the metric, so it prints "x 0.0" before it is ever touched.
	 */
	if (!err && n_labels == 0 && !metric_family_child(f, NULL)) {
		err = -errno;
		r->n_families--;
	}
	if (err) {
		family_free(f);
		errno = -err;
		return NULL;
	}
	return f;
}

struct metric_family *registry_find_family(const struct registry *r, const char *name)
{
	for (size_t i = 0; i < r->n_families; i++)
		if (!strcmp(r->families[i]->name, name))
			return r->families[i];
	return NULL;
}

/* --- children ----------------------------------------------------------------------------- */

/* A child looked for: its family, the hash of its label values and the values. */
struct child_key {
	const struct metric_family *f;
	uint64_t hash;
	const char *const *values;
};

static int is_child(const void *key, size_t position)
{
	const struct child_key *k = key;
	const struct metric_child *c = k->f->children[position];

	if (c->hash != k->hash)
		return 0;
	for (size_t i = 0; i < k->f->n_labels; i++)
		if (strcmp(c->label_values[i], k->values[i]))
			return 0;
	return 1;
}

static uint64_t child_hash(const void *family, size_t position)
{
	return ((const struct metric_family *)family)->children[position]->hash;
}

/* Makes room for one more child (its pointer and its index slot). */
static int reserve_child(struct metric_family *f)
{
	if (f->n_children == f->cap_children) {
		size_t cap = f->cap_children ? f->cap_children * 2 : 8;
		struct metric_child **grown = realloc(f->children, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		f->children = grown;
		f->cap_children = cap;
	}
	return slot_index_reserve(&f->index, f->n_children, child_hash, f);
}

static struct metric_child *child_new(struct metric_family *f, uint64_t hash,
				      const char *const *values)
{
	struct metric_child *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->label_values = copy_strings(values, f->n_labels);
	if (f->type == METRIC_HISTOGRAM)
		c->bucket = calloc(f->n_bounds, sizeof(*c->bucket));
	if (!c->label_values || (f->type == METRIC_HISTOGRAM && !c->bucket)) {
		child_free(c, f->n_labels);
		return NULL;
	}
	c->family = f;
	c->hash = hash;
	c->created = f->registry->clock();
	return c;
}

/* The child for these values, created when absent (no cap checked). */
static struct metric_child *child_get(struct metric_family *f, const char *const *label_values,
				      int create)
{
	struct child_key key = { f, strings_hash(label_values, f->n_labels), label_values };
	struct metric_child *c;

	if (f->index.n_slots) {
		size_t slot = *slot_index_find(&f->index, key.hash, is_child, &key);

		if (slot)
			return f->children[slot - 1];
	}
	if (!create)
		return NULL;
	if (reserve_child(f)) {
		errno = ENOMEM;
		return NULL;
	}
	c = child_new(f, key.hash, label_values);
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	f->children[f->n_children++] = c;
	*slot_index_free_slot(&f->index, key.hash) = f->n_children;
	return c;
}

void metric_family_remove_child(struct metric_family *f, struct metric_child *c)
{
	size_t i;

	for (i = 0; i < f->n_children && f->children[i] != c; i++)
		;
	if (i == f->n_children)
		return;
	child_free(c, f->n_labels);
	/* Keep first-seen order; rebuild the index (removals are rare: a pod went away). */
	memmove(&f->children[i], &f->children[i + 1],
		(f->n_children - i - 1) * sizeof(*f->children));
	f->n_children--;
	slot_index_rebuild(&f->index, f->n_children, child_hash, f);
}

/*
 * A new label set for a family at its cap: the fold labels' values become
 * REGISTRY_OVERFLOW_VALUE one more at a time until a child exists or may be made. The
 * partly folded ones may take the family past its cap by a tenth; the fully folded ones
 * are always made (few: only the labels that are not folded still vary).
 */
static struct metric_child *child_over_cap(struct metric_family *f, const char *const *label_values)
{
	const char *folded[f->n_labels];
	struct metric_child *c = NULL;
	size_t headroom = f->max_children + f->max_children / 10;

	memcpy(folded, label_values, f->n_labels * sizeof(*folded));
	for (size_t level = 0; level < f->n_fold && !c; level++) {
		int last = level + 1 == f->n_fold;

		folded[f->fold[level]] = REGISTRY_OVERFLOW_VALUE;
		c = child_get(f, folded, last || f->n_children < headroom);
		if (!c && errno == ENOMEM)
			return NULL;
	}
	if (!c)
		return NULL;
	c->over_cap = 1;
	if (f->over_cap)
		metric_child_inc(f->over_cap, 1);
	return c;
}

struct metric_child *metric_family_child(struct metric_family *f, const char *const *label_values)
{
	struct metric_child *c;

	if (f->n_labels && !label_values) {
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < f->n_labels; i++) {
		if (!label_values[i]) {
			errno = EINVAL;
			return NULL;
		}
	}
	if (!f->max_children || f->n_children < f->max_children || !f->n_fold)
		return child_get(f, label_values, 1);
	errno = 0;
	c = child_get(f, label_values, 0);
	return c ? c : child_over_cap(f, label_values);
}

int metric_child_over_cap(const struct metric_child *c)
{
	return c->over_cap;
}

int metric_family_set_cap(struct metric_family *f, size_t max_children, const char *const *fold,
			  size_t n_fold, struct metric_child *over_cap)
{
	size_t idx[REGISTRY_MAX_FOLD];

	if (n_fold > REGISTRY_MAX_FOLD || (n_fold && !fold))
		return -EINVAL;
	for (size_t k = 0; k < n_fold; k++) {
		for (idx[k] = 0; idx[k] < f->n_labels; idx[k]++)
			if (!strcmp(f->label_names[idx[k]], fold[k]))
				break;
		if (idx[k] == f->n_labels)
			return -EINVAL;
	}
	memcpy(f->fold, idx, n_fold * sizeof(*idx));
	f->n_fold = n_fold;
	f->max_children = max_children;
	f->over_cap = over_cap;
	return 0;
}

/* --- updates -------------------------------------------------------------------------------- */

void metric_child_inc(struct metric_child *c, double amount)
{
	/* Counters only go up: the client raises on a negative amount, we drop it. */
	if (c->family->type == METRIC_COUNTER && amount < 0)
		return;
	c->value += amount;
}

void metric_child_set(struct metric_child *c, double value)
{
	c->value = value;
}

/*
 * As the client does: the sum takes every value; a histogram files the value under the first
 * bound >= it (`le` is inclusive) and counts it only then, so a NaN adds to no bucket and not
 * to _count (the client prints the +Inf bucket as _count); a summary counts everything.
 */
void metric_child_observe(struct metric_child *c, double value)
{
	const struct metric_family *f = c->family;
	size_t i = 0;

	c->sum += value;
	if (f->type != METRIC_HISTOGRAM) {
		c->count += 1;
		return;
	}
	while (i < f->n_bounds && !(value <= f->bounds[i]))
		i++;
	if (i == f->n_bounds)
		return;
	c->count += 1;
	for (; i < f->n_bounds; i++)
		c->bucket[i] += 1;
}

/* --- read access ------------------------------------------------------------------------------ */

size_t registry_family_count(const struct registry *r)
{
	return r->n_families;
}

const struct metric_family *registry_family_at(const struct registry *r, size_t i)
{
	return i < r->n_families ? r->families[i] : NULL;
}

const char *metric_family_name(const struct metric_family *f)
{
	return f->name;
}

const char *metric_family_help(const struct metric_family *f)
{
	return f->help;
}

enum metric_type metric_family_type(const struct metric_family *f)
{
	return f->type;
}

size_t metric_family_label_count(const struct metric_family *f)
{
	return f->n_labels;
}

const char *metric_family_label_name(const struct metric_family *f, size_t i)
{
	return f->label_names[i];
}

size_t metric_family_bucket_count(const struct metric_family *f)
{
	return f->n_bounds;
}

double metric_family_bucket_bound(const struct metric_family *f, size_t i)
{
	return f->bounds[i];
}

size_t metric_family_child_count(const struct metric_family *f)
{
	return f->n_children;
}

const struct metric_child *metric_family_child_at(const struct metric_family *f, size_t i)
{
	return i < f->n_children ? f->children[i] : NULL;
}

const char *metric_child_label_value(const struct metric_child *c, size_t i)
{
	return c->label_values[i];
}

double metric_child_value(const struct metric_child *c)
{
	return c->value;
}

double metric_child_count(const struct metric_child *c)
{
	return c->count;
}

double metric_child_sum(const struct metric_child *c)
{
	return c->sum;
}

double metric_child_bucket(const struct metric_child *c, size_t i)
{
	return c->bucket[i];
}

double metric_child_created(const struct metric_child *c)
{
	return c->created;
}

void metric_family_without_created(struct metric_family *f)
{
	f->without_created = 1;
}

int metric_family_has_created(const struct metric_family *f)
{
	return f->type != METRIC_GAUGE && !f->without_created;
}
