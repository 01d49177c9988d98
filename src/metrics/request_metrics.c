// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/request_metrics.h"

#include "http/observed_request.h"
#include "http/path_fold.h"
#include "http/request_line.h"
#include "http/route_table.h"
#include "util/strlist.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Servers see the same few request lines over and over, so what a (line, status, target)
 * triple counts into is remembered: a hit skips parsing, path decoding, the exclusion
 * regexes and label hashing. Direct-mapped; a collision just replaces the entry.
 */
#define RECORD_CACHE_SLOTS 4096

struct record_cache_entry {
	__u16 status;
	__u16 line_len; /* 0: empty slot */
	__u16 target;
	__u16 _pad;
	struct metric_child *skip; /* not exported: the unexported{reason} child to count in */
	struct metric_child *duration;
	struct metric_child *total;
	char line[FEE_LINE_MAX];
};

struct record_cache {
	struct record_cache_entry slots[RECORD_CACHE_SLOTS];
	/* Scratch space for a request that is not cached yet. */
	char full_path[HTTP_FULL_PATH_MAX];
};

static struct record_cache_entry *cache_slot(struct record_cache *cache,
					     const struct fee_request_record *rec, size_t len)
{
	uint32_t h = 2166136261u ^ rec->status ^ ((uint32_t)rec->target << 16);

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)rec->line[i]) * 16777619u;
	return &cache->slots[h & (RECORD_CACHE_SLOTS - 1)];
}

/* --- label names ---------------------------------------------------------------------- */

static int has_name(char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

static int add_extra_name(struct request_metrics *m, const char *name)
{
	if (has_name(m->extra_names, m->n_extra, name))
		return 0;
	return strlist_append(&m->extra_names, &m->n_extra, name);
}

/* Global static labels, declared target keys, then keys targets registered before init. */
static int collect_extra_names(struct request_metrics *m, const struct request_metrics_options *o)
{
	int err = 0;

	for (size_t i = 0; !err && i < o->n_labels; i++)
		err = add_extra_name(m, o->labels[i].key);
	for (size_t i = 0; !err && i < o->n_target_label_keys; i++)
		err = add_extra_name(m, o->target_label_keys[i]);
	for (size_t t = 0; !err && t < m->n_targets; t++)
		for (size_t i = 0; !err && i < m->targets[t].n; i++)
			err = add_extra_name(m, m->targets[t].labels[i].key);
	return err;
}

/* --- families ----------------------------------------------------------------------------- */

static struct metric_family *add_family(struct registry *r, const char *prefix, const char *name,
					const char *help, enum metric_type type,
					const char *const *labels, size_t n_labels,
					const struct request_metrics_options *o)
{
	char full[256];

	snprintf(full, sizeof(full), "%s%s%s", prefix, prefix[0] ? "_" : "", name);
	if (type == METRIC_HISTOGRAM && o->buckets)
		return registry_add_family(r, full, help, type, labels, n_labels, o->buckets,
					   o->n_buckets);
	if (type == METRIC_HISTOGRAM)
		return registry_add_family(r, full, help, type, labels, n_labels,
					   registry_default_buckets,
					   REGISTRY_DEFAULT_BUCKETS_COUNT);
	return registry_add_family(r, full, help, type, labels, n_labels, NULL, 0);
}

/* The label names of a request family: `fixed` ones, then the extra ones. */
static const char **label_names(const struct request_metrics *m, const char *const *fixed,
				size_t n_fixed)
{
	const char **names = calloc(n_fixed + m->n_extra, sizeof(*names));

	if (!names)
		return NULL;
	memcpy(names, fixed, n_fixed * sizeof(*names));
	for (size_t i = 0; i < m->n_extra; i++)
		names[n_fixed + i] = m->extra_names[i];
	return names;
}

static int add_default_families(struct request_metrics *m, struct registry *r,
				const struct request_metrics_options *o)
{
	static const char *const info_labels[] = { "version" };
	const char *const duration_fixed[] = { "method", group_by_name(m->group_by), "status" };
	static const char *const total_fixed[] = { "method", "status" };
	const char **duration_labels = label_names(m, duration_fixed, 3);
	const char **total_labels = label_names(m, total_fixed, 2);
	struct metric_family *info;
	struct metric_child *info_child;
	int err = -ENOMEM;

	if (!duration_labels || !total_labels)
		goto out;
	err = -EINVAL;
	info = add_family(r, o->prefix, "exporter_info",
			  "Information about the Prometheus Flask exporter", METRIC_GAUGE,
			  info_labels, 1, o);
	m->duration = add_family(r, o->prefix, "http_request_duration_seconds",
				 "Flask HTTP request duration in seconds",
				 o->summary ? METRIC_SUMMARY : METRIC_HISTOGRAM, duration_labels,
				 3 + m->n_extra, o);
	m->total = add_family(r, o->prefix, "http_request", "Total number of HTTP requests",
			      METRIC_COUNTER, total_labels, 2 + m->n_extra, o);
	m->exceptions = add_family(r, o->prefix, "http_request_exceptions",
				   "Total number of HTTP requests which resulted in an exception",
				   METRIC_COUNTER, total_labels, 2 + m->n_extra, o);
	if (!info || !m->duration || !m->total || !m->exceptions)
		goto out;
	info_child = metric_family_child(info, &o->version);
	if (!info_child)
		goto out;
	metric_child_set(info_child, 1);
	err = 0;
out:
	free(duration_labels);
	free(total_labels);
	return err;
}

static struct metric_child *add_self_counter(struct registry *r, const char *name, const char *help)
{
	struct metric_family *f =
		registry_add_family(r, name, help, METRIC_COUNTER, NULL, 0, NULL, 0);

	return f ? metric_family_child(f, NULL) : NULL;
}

static int add_self_families(struct request_metrics *m, struct registry *r)
{
	static const char *const reason_label[] = { "reason" };
	const char *const unparseable_reason[] = { "unparseable" };
	const char *const excluded_reason[] = { "excluded" };
	const char *const not_tracked_reason[] = { "not_tracked" };
	struct metric_family *unexported;

	m->received = add_self_counter(r, "flask_ebpf_exporter_records_received",
				       "Finished-request records read from the kernel");
	unexported = registry_add_family(r, "flask_ebpf_exporter_requests_unexported",
					 "Requests seen but not exported, by reason",
					 METRIC_COUNTER, reason_label, 1, NULL, 0);
	m->truncated =
		add_self_counter(r, "flask_ebpf_exporter_paths_truncated",
				 "Requests whose request line was longer than the kernel "
				 "copies, exported with the path label " REQUEST_PATH_OVERFLOW);
	if (!m->received || !unexported || !m->truncated)
		return -errno;
	m->unparseable = metric_family_child(unexported, unparseable_reason);
	m->not_tracked = metric_family_child(unexported, not_tracked_reason);
	if (!m->unparseable || !m->not_tracked)
		return -errno;
	if (m->exclude) {
		m->excluded = metric_family_child(unexported, excluded_reason);
		if (!m->excluded)
			return -errno;
	}
	return 0;
}

int request_metrics_init(struct request_metrics *m, struct registry *r,
			 const struct request_metrics_options *opts)
{
	int err;

	m->exclude = opts->exclude;
	m->global_labels = opts->labels;
	m->n_global_labels = opts->n_labels;
	err = collect_extra_names(m, opts);
	if (err)
		return err;
	m->values = calloc(3 + m->n_extra, sizeof(*m->values));
	m->cache = calloc(1, sizeof(*m->cache));
	if (!m->values || !m->cache)
		return -ENOMEM;
	if (opts->defaults) {
		err = add_default_families(m, r, opts);
		if (err)
			return err;
	}
	return add_self_families(m, r);
}

/* --- per-target labels ------------------------------------------------------------------ */

static void target_labels_clear(struct target_labels *t)
{
	strpair_free_all(t->labels, t->n);
	t->labels = NULL;
	t->n = 0;
}

int request_metrics_set_target_labels(struct request_metrics *m, __u16 target,
				      const char *const *keys, const char *const *values, size_t n)
{
	struct strpair *labels = NULL;
	size_t n_copied = 0;
	struct target_labels *t;

	/* After init the families' label names are fixed. */
	for (size_t i = 0; m->values && i < n; i++)
		if (!has_name(m->extra_names, m->n_extra, keys[i]))
			return -EINVAL;
	if (target >= m->n_targets) {
		struct target_labels *grown = realloc(m->targets, (target + 1) * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		memset(grown + m->n_targets, 0, (target + 1 - m->n_targets) * sizeof(*grown));
		m->targets = grown;
		m->n_targets = target + 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (strpair_append(&labels, &n_copied, keys[i], values[i])) {
			strpair_free_all(labels, n_copied);
			return -ENOMEM;
		}
	}
	t = &m->targets[target];
	target_labels_clear(t);
	t->labels = labels;
	t->n = n;
	if (m->cache) /* cached children carry the old values */
		memset(m->cache, 0, sizeof(*m->cache));
	return 0;
}

void request_metrics_release(struct request_metrics *m)
{
	for (size_t t = 0; t < m->n_targets; t++)
		target_labels_clear(&m->targets[t]);
	free(m->targets);
	for (size_t i = 0; i < m->n_extra; i++)
		free(m->extra_names[i]);
	free(m->extra_names);
	free(m->values);
	free(m->cache);
	memset(m, 0, sizeof(*m));
}

/* --- counting ----------------------------------------------------------------------------- */

/* The record's value for extra label i: its target's, else the global one, else "". */
static const char *extra_value(const struct request_metrics *m, __u16 target, size_t i)
{
	const char *v = NULL;

	if (target < m->n_targets)
		v = strpair_find(m->targets[target].labels, m->targets[target].n,
				 m->extra_names[i]);
	if (!v)
		v = strpair_find(m->global_labels, m->n_global_labels, m->extra_names[i]);
	return v ? v : "";
}

/* Counts a request whose children are known. */
static void count(struct request_metrics *m, const struct fee_request_record *rec,
		  struct metric_child *duration, struct metric_child *total)
{
	metric_child_observe(duration, (double)rec->duration_ns / 1e9);
	metric_child_inc(total, 1);
}

/* The library labels exceptions with status 500 whatever was sent; the other labels are the
 * request's, as in its total child (method, status, extras...). */
static void count_exception(struct request_metrics *m, const struct metric_child *total)
{
	struct metric_child *child;

	for (size_t i = 0; i < 2 + m->n_extra; i++)
		m->values[i] = metric_child_label_value(total, i);
	m->values[1] = "500";
	child = metric_family_child(m->exceptions, m->values);
	if (child)
		metric_child_inc(child, 1);
}

/* The duration family's grouping label for a parsed request (match filled when the
 * routes were looked up). */
static const char *group_label(struct request_metrics *m, const struct http_request_line *line,
			       int truncated, const struct route_match *match, char *full_path)
{
	if (truncated)
		return REQUEST_PATH_OVERFLOW;
	switch (m->group_by) {
	case GROUP_BY_FULL_PATH:
		http_request_line_full_path(line, full_path, HTTP_FULL_PATH_MAX);
		return full_path;
	case GROUP_BY_ENDPOINT:
		/* str(None), as the library labels a request no rule matched */
		return m->routes && match->route ? route_endpoint(match->route) : "None";
	case GROUP_BY_URL_RULE:
		return m->routes && match->route ? route_rule(match->route) : "None";
	default:
		if (m->fold_ids) {
			path_fold_ids(line->path, full_path, HTTP_FULL_PATH_MAX);
			return full_path;
		}
		return line->path;
	}
}

/* The children for a parsed request; -ENOMEM when the registry is out of memory. */
static int find_children(struct request_metrics *m, const struct fee_request_record *rec,
			 const char *method, const char *group, struct metric_child **duration,
			 struct metric_child **total)
{
	char status[8];

	snprintf(status, sizeof(status), "%u", (unsigned int)rec->status);
	for (size_t i = 0; i < m->n_extra; i++)
		m->values[3 + i] = extra_value(m, rec->target, i);
	m->values[0] = method;
	m->values[1] = group;
	m->values[2] = status;
	*duration = metric_family_child(m->duration, m->values);
	/* total: method, status, extras */
	m->values[1] = status;
	memmove(&m->values[2], &m->values[3], m->n_extra * sizeof(*m->values));
	*total = metric_family_child(m->total, m->values);
	return *duration && *total ? 0 : -ENOMEM;
}

static void remember(struct record_cache_entry *cached, const struct fee_request_record *rec,
		     size_t len, struct metric_child *skip, struct metric_child *duration,
		     struct metric_child *total)
{
	/* A request counted under "<overflow>" takes the registry's way each time, so that
	 * each one counts in series_over_cap_total. */
	if (!cached || (duration && metric_child_over_cap(duration)) ||
	    (total && metric_child_over_cap(total)))
		return;
	cached->status = rec->status;
	cached->line_len = (__u16)len;
	cached->target = rec->target;
	cached->skip = skip;
	cached->duration = duration;
	cached->total = total;
	memcpy(cached->line, rec->line, len);
}

/*
 * Whether the request is exported at all: not when its path matches an exclusion
 * (excluded_paths) or its route is do_not_track/exclude_all_metrics. Returns the
 * unexported{reason} child to count it in instead, or NULL.
 */
static struct metric_child *skipped(struct request_metrics *m, const struct observed_request *req)
{
	if (req->excluded)
		return m->excluded;
	/* The library's decorators act only when the view runs (not on Flask's own answer to
	 * OPTIONS). */
	if (req->routed && req->match.route && req->match.view_runs &&
	    route_tracking(req->match.route) != ROUTE_TRACK)
		return m->not_tracked;
	return NULL;
}

void request_metrics_observe(struct request_metrics *m, struct observed_request *o)
{
	const struct fee_request_record *rec = o->rec;
	const struct observed_request *req;
	size_t len = rec->line_len < FEE_LINE_MAX ? rec->line_len : FEE_LINE_MAX;
	int truncated = o->truncated;
	struct record_cache_entry *cached = NULL;
	struct metric_child *duration, *total, *skip;

	metric_child_inc(m->received, 1);
	if (!truncated && m->duration) {
		cached = cache_slot(m->cache, rec, len);
		if (cached->line_len == len && len && cached->status == rec->status &&
		    cached->target == rec->target && !memcmp(cached->line, rec->line, len)) {
			if (cached->skip) {
				metric_child_inc(cached->skip, 1);
				return;
			}
			count(m, rec, cached->duration, cached->total);
			if (rec->flags & FEE_REC_EXCEPTION)
				count_exception(m, cached->total);
			return;
		}
	}

	req = observed_request_model(o);
	if (req->parse_error) {
		metric_child_inc(m->unparseable, 1);
		return;
	}
	skip = skipped(m, req);
	if (skip) {
		metric_child_inc(skip, 1);
		remember(cached, rec, len, skip, NULL, NULL);
		return;
	}
	if (truncated)
		metric_child_inc(m->truncated, 1);
	if (!m->duration)
		return; /* the default families are off */
	if (find_children(m, rec, req->line.method,
			  group_label(m, &req->line, truncated, &req->match, m->cache->full_path),
			  &duration, &total))
		return; /* out of memory: the registry could not add the series */
	count(m, rec, duration, total);
	if (rec->flags & FEE_REC_EXCEPTION)
		count_exception(m, total);
	remember(cached, rec, len, NULL, duration, total);
}
