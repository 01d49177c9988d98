/*
 * request_metrics — turns finished-request records from the kernel into the
 * prometheus_flask_exporter families (SPEC §2, §3) and the record self-metrics (SPEC §5).
 * Pure: knows the record layout, not BPF.
 */
#ifndef FEE_REQUEST_METRICS_H
#define FEE_REQUEST_METRICS_H

#include <linux/types.h>

#include "config/config.h"
#include "flask_ebpf_exporter.h"
#include "http/observed_request.h"
#include "http/path_filter.h"
#include "metrics/registry.h"
#include "util/strpair.h"

/* The path label of a request whose line was longer than the kernel copies. */
#define REQUEST_PATH_OVERFLOW "<overflow>"

/* Recently seen (request line, status, target) triples and the children they count into. */
struct record_cache;
struct route_table;

/* The static labels one target (rec->target) sets, e.g. its pod's namespace. */
struct target_labels {
	struct strpair *labels;
	size_t n;
};

struct request_metrics_options {
	const char *prefix;    /* "flask" gives the library's names; "" drops prefix and '_' */
	const char *version;   /* the info gauge's `version` */
	int defaults;	       /* 0: no default families (export_defaults=False) */
	int summary;	       /* latency as a summary (_count, _sum) instead of a histogram */
	const double *buckets; /* histogram bounds without +Inf; NULL: the library's defaults */
	size_t n_buckets;
	/* default_labels: static labels on the three request families (not the info gauge). */
	const struct strpair *labels;
	size_t n_labels;
	/* Label names that targets may set (see request_metrics_set_target_labels) besides the
	 * ones already registered before init. */
	const char *const *target_label_keys;
	size_t n_target_label_keys;
	/* excluded_paths: matching requests count only in unexported{reason="excluded"}.
	 * NULL: none. Not owned. */
	const struct path_filter *exclude;
};

struct request_metrics {
	struct metric_family *duration;	  /* <prefix>_http_request_duration_seconds; NULL when
					   * the defaults are off, like total and exceptions */
	struct metric_family *total;	  /* <prefix>_http_request_total */
	struct metric_family *exceptions; /* <prefix>_http_request_exceptions_total */
	struct metric_child *received;	  /* every record read from the ring buffer */
	struct metric_child *unparseable; /* records whose request line made no sense */
	struct metric_child *excluded;	  /* requests excluded by path (NULL: no filter) */
	struct metric_child *truncated;	  /* records counted under REQUEST_PATH_OVERFLOW */
	struct metric_child *not_tracked; /* requests of do_not_track/exclude_all routes */
	const struct path_filter *exclude;
	/*
	 * The request families' labels beyond method/path/status, in order: the global static
	 * labels' names, then the names targets set. A record's value for each: its target's
	 * own label, else the global static label, else "".
	 */
	char **extra_names;
	size_t n_extra;
	const struct strpair *global_labels;
	size_t n_global_labels;
	struct target_labels *targets; /* indexed by rec->target */
	size_t n_targets;
	const char **values; /* scratch: one child's label values */
	struct record_cache *cache;
	/* Set before init: the grouping label, and the routes behind endpoint/url_rule and
	 * per-route exclusion (NULL: no route table). */
	enum group_by group_by;
	struct route_table *routes;
	int fold_ids; /* group_by path: id-like segments count as ":id" (path_fold.h) */
};

/*
 * Adds the default families to r (unless opts->defaults is 0): the info gauge (1 with
 * version), the duration histogram or summary, the two counters; then the record
 * self-metrics. m must be zeroed before the first call on it (init or set_target_labels).
 * Returns 0 or -errno (EINVAL: a family could not be declared, e.g. a name clash).
 */
int request_metrics_init(struct request_metrics *m, struct registry *r,
			 const struct request_metrics_options *opts);

/*
 * Sets the static labels of one target (the index records carry in rec->target), replacing
 * what it had; values are copied. Before request_metrics_init any keys may be given (they
 * join the families' label names); after it, only keys the families already have
 * (opts->labels, opts->target_label_keys, or keys registered before init): -EINVAL
 * otherwise. Takes effect for the records observed after the call. Returns 0 or -errno.
 */
int request_metrics_set_target_labels(struct request_metrics *m, __u16 target,
				      const char *const *keys, const char *const *values, size_t n);

/* Counts one finished request. Its HTTP model (observed_request.h, shared with the other
 * consumers) is worked out only when the record cache cannot answer; its filter and routes
 * must be the ones the families were given (opts->exclude, m->routes). */
void request_metrics_observe(struct request_metrics *m, struct observed_request *o);

/* Frees what init and set_target_labels allocated (the families belong to the registry). */
void request_metrics_release(struct request_metrics *m);

#endif
