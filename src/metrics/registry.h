/*
 * registry — the metric families the exporter serves and their children (one per label
 * set), held in memory. Knows nothing of BPF, HTTP or the text format. Single-threaded:
 * the daemon updates and reads it from one thread.
 */
#ifndef FEE_REGISTRY_H
#define FEE_REGISTRY_H

#include <stddef.h>

#include "config/metric_spec.h" /* enum metric_type */

/* prometheus_client's Histogram.DEFAULT_BUCKETS (without +Inf): the library's defaults. */
extern const double registry_default_buckets[];
#define REGISTRY_DEFAULT_BUCKETS_COUNT 14

struct registry;
struct metric_family;
struct metric_child;

/* Unix time in seconds (wall clock); replaceable so tests get fixed _created values. */
typedef double (*registry_clock_fn)(void);

/* NULL + errno on failure. clock may be NULL for the real wall clock. */
struct registry *registry_new(registry_clock_fn clock);
void registry_free(struct registry *r);

/*
 * Declares a family. `name` is the base name as the Python client takes it: for a counter,
 * without `_total` (the writer appends it; a trailing `_total` is stripped as the client
 * does). Label names in declaration order; the writer prints them sorted. For histograms,
 * `buckets` are the upper bounds in strictly ascending order, at least one finite; +Inf is
 * appended when missing. A family without labels gets its one child right away, as in the
 * client. Families print in the order they were added. Returns NULL + errno: EINVAL for a
 * bad name or label, a series name that clashes with an existing family's (`req` vs
 * `req_total`), bad buckets or NULL arguments.
 */
struct metric_family *registry_add_family(struct registry *r, const char *name, const char *help,
					  enum metric_type type, const char *const *label_names,
					  size_t n_labels, const double *buckets, size_t n_buckets);

/* Looks a family up by base name; NULL when absent. */
struct metric_family *registry_find_family(const struct registry *r, const char *name);

/*
 * The child for these label values (n_labels of them, in declaration order; NULL for a
 * family without labels), created on first use with zero values and _created = clock().
 * NULL + errno on failure.
 */
struct metric_child *metric_family_child(struct metric_family *f, const char *const *label_values);

/* Removes and frees a child of f (a gauge of something that went away, such as a pod's
 * target); c is invalid afterwards. */
void metric_family_remove_child(struct metric_family *f, struct metric_child *c);

/* The label value a capped family counts new label sets under, past its cap. */
#define REGISTRY_OVERFLOW_VALUE "<overflow>"
#define REGISTRY_MAX_FOLD 4

/*
 * Caps the family's cardinality (an attacker's random paths must not grow memory or the
 * scrape without bound, SPEC §6): once it holds max_children label sets (0: no cap), a new
 * label set is counted in an overflow child instead, whose values for the labels named in
 * `fold` are REGISTRY_OVERFLOW_VALUE. The labels fold one more at a time, in the order
 * given (fold[0] alone, then fold[0] and fold[1], ...), until a child exists or may be
 * made: the partly folded ones while the family holds fewer than max_children plus a
 * tenth, the fully folded ones always (their number is bounded by the labels not folded).
 * Every request so counted increments `over_cap` (NULL: none). Label sets seen before the
 * cap keep their own children. Returns 0, or -EINVAL for a label the family lacks or more
 * than REGISTRY_MAX_FOLD of them.
 */
int metric_family_set_cap(struct metric_family *f, size_t max_children, const char *const *fold,
			  size_t n_fold, struct metric_child *over_cap);
/* Has this child counted label sets past its family's cap? */
int metric_child_over_cap(const struct metric_child *c);

/* No _created samples for this family's children, whatever the scrape asks: what a custom
 * collector's CounterMetricFamily prints (process_cpu_seconds_total). */
void metric_family_without_created(struct metric_family *f);
/* Does the family print _created samples (a counter, histogram or summary not told
 * otherwise)? */
int metric_family_has_created(const struct metric_family *f);

/* Counters and gauges. */
void metric_child_inc(struct metric_child *c, double amount);
void metric_child_set(struct metric_child *c, double value);
/* Histograms and summaries: one observation (a histogram skips NaN, as the client's
 * +Inf bucket, which is its _count, does). */
void metric_child_observe(struct metric_child *c, double value);

/* Read access, for the exposition writer and tests. */
size_t registry_family_count(const struct registry *r);
const struct metric_family *registry_family_at(const struct registry *r, size_t i);

const char *metric_family_name(const struct metric_family *f);
const char *metric_family_help(const struct metric_family *f);
enum metric_type metric_family_type(const struct metric_family *f);
size_t metric_family_label_count(const struct metric_family *f);
const char *metric_family_label_name(const struct metric_family *f, size_t i);
size_t metric_family_bucket_count(const struct metric_family *f); /* including +Inf */
double metric_family_bucket_bound(const struct metric_family *f, size_t i);
size_t metric_family_child_count(const struct metric_family *f);
/* Children in first-seen order. */
const struct metric_child *metric_family_child_at(const struct metric_family *f, size_t i);

const char *metric_child_label_value(const struct metric_child *c, size_t i);
double metric_child_value(const struct metric_child *c); /* counter/gauge */
double metric_child_count(const struct metric_child *c); /* histogram/summary */
double metric_child_sum(const struct metric_child *c);	 /* histogram/summary */
/* Cumulative count of observations <= bucket i's bound (histograms). */
double metric_child_bucket(const struct metric_child *c, size_t i);
double metric_child_created(const struct metric_child *c);

#endif
