// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "request_metrics.h"

#include "http_request_line.h"
#include "route_table.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Servers see the same few request lines over and over, so the children a (line, status)
 * pair counts into are remembered: a hit skips parsing, path decoding and label hashing.
 * Direct-mapped; a collision just replaces the entry.
 */
#define RECORD_CACHE_SLOTS 4096

struct record_cache_entry {
	__u16 status;
	__u16 line_len; /* 0: empty slot */
	struct metric_child *duration;
	struct metric_child *total;
	char line[FEE_LINE_MAX];
};

struct record_cache {
	struct record_cache_entry slots[RECORD_CACHE_SLOTS];
	/* Scratch space for a request that is not cached yet. */
	struct route_match match;
	char full_path[HTTP_FULL_PATH_MAX];
};

static struct record_cache_entry *cache_slot(struct record_cache *cache,
					     const struct fee_request_record *rec, size_t len)
{
	uint32_t h = 2166136261u ^ rec->status;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)rec->line[i]) * 16777619u;
	return &cache->slots[h & (RECORD_CACHE_SLOTS - 1)];
}

/* prometheus_flask_exporter's defaults (prometheus_client's Histogram.DEFAULT_BUCKETS). */
static const double default_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
					  0.5,	 0.75, 1.0,   2.5,  5.0,   7.5, 10.0 };

static const char *const group_by_names[] = { "path", "full_path", "endpoint", "url_rule" };

const char *request_group_by_name(enum request_group_by g)
{
	return (unsigned int)g < 4 ? group_by_names[g] : "path";
}

int request_group_by_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, group_by_names[i]))
			return i;
	return -1;
}

static void prefixed(char *out, size_t size, const char *prefix, const char *name)
{
	snprintf(out, size, "%s%s%s", prefix, prefix[0] ? "_" : "", name);
}

static struct metric_family *add_family(struct registry *r, const char *prefix, const char *name,
					const char *help, enum metric_type type,
					const char *const *labels, size_t n_labels)
{
	char full[256];

	prefixed(full, sizeof(full), prefix, name);
	if (type == METRIC_HISTOGRAM)
		return registry_add_family(r, full, help, type, labels, n_labels, default_buckets,
					   sizeof(default_buckets) / sizeof(default_buckets[0]));
	return registry_add_family(r, full, help, type, labels, n_labels, NULL, 0);
}

static struct metric_child *add_self_counter(struct registry *r, const char *name, const char *help)
{
	struct metric_family *f =
		registry_add_family(r, name, help, METRIC_COUNTER, NULL, 0, NULL, 0);

	return f ? metric_family_child(f, NULL) : NULL;
}

int request_metrics_init(struct request_metrics *m, struct registry *r, const char *prefix,
			 const char *version)
{
	static const char *const info_labels[] = { "version" };
	const char *const duration_labels[] = { "method", request_group_by_name(m->group_by),
						"status" };
	static const char *const total_labels[] = { "method", "status" };
	struct metric_family *info, *unexported;
	struct metric_child *info_child;
	const char *const unparseable_reason[] = { "unparseable" };
	const char *const not_tracked_reason[] = { "not_tracked" };
	static const char *const reason_label[] = { "reason" };

	info = add_family(r, prefix, "exporter_info",
			  "Information about the Prometheus Flask exporter", METRIC_GAUGE,
			  info_labels, 1);
	m->duration = add_family(r, prefix, "http_request_duration_seconds",
				 "Flask HTTP request duration in seconds", METRIC_HISTOGRAM,
				 duration_labels, 3);
	m->total = add_family(r, prefix, "http_request", "Total number of HTTP requests",
			      METRIC_COUNTER, total_labels, 2);
	m->exceptions = add_family(r, prefix, "http_request_exceptions",
				   "Total number of HTTP requests which resulted in an exception",
				   METRIC_COUNTER, total_labels, 2);
	if (!info || !m->duration || !m->total || !m->exceptions)
		return -errno;
	info_child = metric_family_child(info, &version);
	if (!info_child)
		return -errno;
	metric_child_set(info_child, 1);

	m->received = add_self_counter(r, "flask_ebpf_exporter_records_received",
				       "Finished-request records read from the kernel");
	unexported = registry_add_family(r, "flask_ebpf_exporter_requests_unexported",
					 "Requests seen but not exported, by reason",
					 METRIC_COUNTER, reason_label, 1, NULL, 0);
	m->truncated = add_self_counter(r, "flask_ebpf_exporter_paths_truncated",
					"Requests whose request line was longer than the kernel "
					"copies, exported with path=\"" REQUEST_PATH_OVERFLOW "\"");
	if (!m->received || !unexported || !m->truncated)
		return -errno;
	m->unparseable = metric_family_child(unexported, unparseable_reason);
	m->not_tracked = metric_family_child(unexported, not_tracked_reason);
	if (!m->unparseable || !m->not_tracked)
		return -errno;
	m->cache = calloc(1, sizeof(*m->cache));
	return m->cache ? 0 : -ENOMEM;
}

void request_metrics_release(struct request_metrics *m)
{
	free(m->cache);
	m->cache = NULL;
}

/* Counts a request whose children are known. */
static void count(struct request_metrics *m, const struct fee_request_record *rec,
		  struct metric_child *duration, struct metric_child *total)
{
	metric_child_observe(duration, (double)rec->duration_ns / 1e9);
	metric_child_inc(total, 1);
}

static void count_exception(struct request_metrics *m, const char *method)
{
	/* The library labels exceptions with status 500 whatever was sent. */
	const char *labels[] = { method, "500" };
	struct metric_child *child = metric_family_child(m->exceptions, labels);

	if (child)
		metric_child_inc(child, 1);
}

/* The duration histogram's grouping label for a parsed request (match filled when the
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
		return line->path;
	}
}

void request_metrics_observe(struct request_metrics *m, const struct fee_request_record *rec)
{
	struct http_request_line line;
	size_t len = rec->line_len < FEE_LINE_MAX ? rec->line_len : FEE_LINE_MAX;
	int truncated = (rec->flags & FEE_REC_LINE_TRUNCATED) != 0;
	struct record_cache_entry *cached = NULL;
	struct metric_child *duration, *total;
	const char *labels[3];
	char status[8];
	struct route_match *match = &m->cache->match;
	char *full_path = m->cache->full_path;

	metric_child_inc(m->received, 1);
	if (!truncated) {
		cached = cache_slot(m->cache, rec, len);
		if (cached->line_len == len && len && cached->status == rec->status &&
		    !memcmp(cached->line, rec->line, len)) {
			if (!cached->total) {
				metric_child_inc(m->not_tracked, 1);
				return;
			}
			count(m, rec, cached->duration, cached->total);
			if (rec->flags & FEE_REC_EXCEPTION)
				count_exception(m, metric_child_label_value(cached->total, 0));
			return;
		}
	}

	if (http_request_line_parse(rec->line, len, truncated, &line)) {
		metric_child_inc(m->unparseable, 1);
		return;
	}
	if (truncated)
		metric_child_inc(m->truncated, 1);
	if (m->routes && !truncated) {
		route_table_match(m->routes, line.path, line.method, match);
		/* The library's decorators act only when the view runs (not on Flask's own
		 * answer to OPTIONS). */
		if (match->route && match->view_runs &&
		    route_tracking(match->route) != ROUTE_TRACK) {
			metric_child_inc(m->not_tracked, 1);
			duration = total = NULL;
			goto remember;
		}
	}
	snprintf(status, sizeof(status), "%u", (unsigned int)rec->status);
	labels[0] = line.method;
	labels[1] = group_label(m, &line, truncated, match, full_path);
	labels[2] = status;
	duration = metric_family_child(m->duration, labels);
	labels[1] = status;
	total = metric_family_child(m->total, labels);
	if (!duration || !total)
		return; /* out of memory: the registry could not add the series */
	count(m, rec, duration, total);
	if (rec->flags & FEE_REC_EXCEPTION)
		count_exception(m, line.method);
remember:
	if (cached) {
		cached->status = rec->status;
		cached->line_len = (__u16)len;
		cached->duration = duration;
		cached->total = total;
		memcpy(cached->line, rec->line, len);
	}
}
