/*
 * custom_metrics — the library's per-view metric decorators (metrics.counter, .gauge,
 * .histogram, .summary) and register_default, declared in config instead of code
 * (SPEC §4; the specs: config/metric_spec.h). Fed the same kernel records as request_metrics. Pure:
 * knows the record layout, not BPF.
 *
 * As in the library, a custom metric sees a request only when a view function runs: with a
 * route table, a request that matched a route in the metric's scope (not a 404, 405 or
 * redirect, not Flask's own answer to OPTIONS, not an exclude_all route; do_not_track
 * routes still count). Without a route table, the scope "all requests" sees every request.
 *
 *   counter    +1 per finished request
 *   histogram  observes the request's duration (seconds)
 *   summary    same, _count and _sum
 *   gauge      requests in progress: +1 when the head is complete (a FEE_KIND_STARTED
 *              record), -1 when it finishes or is abandoned -- only for requests whose
 *              start was seen (FEE_REC_START_EMITTED), so a dropped start record can never
 *              drive it below zero. Its labels cannot use `status` (unknown in progress).
 */
#ifndef FEE_CUSTOM_METRICS_H
#define FEE_CUSTOM_METRICS_H

#include <linux/types.h>
#include <stddef.h>

#include "config/config.h"
#include "config/metric_spec.h"
#include "flask_ebpf_exporter.h"
#include "http/observed_request.h"
#include "metrics/registry.h"

struct route_table;
struct custom_metrics;

/* routes may be NULL (then only an all-requests scope is possible). NULL + errno. */
struct custom_metrics *custom_metrics_new(struct registry *r, struct route_table *routes);
void custom_metrics_free(struct custom_metrics *cm);

/*
 * Declares one metric and adds its family to the registry; a metric whose labels are all
 * static gets its zero-valued child right away. Returns 0, or -EINVAL with a message in err
 * (a scope entry naming no route, a gauge labelled by status, a parameter no scoped route
 * has, a bad name or bucket list, a name already taken) or -ENOMEM.
 */
int custom_metrics_add(struct custom_metrics *cm, const struct custom_metric_spec *spec,
		       char err[CUSTOM_ERROR_MAX]);

/*
 * Declares the configuration's metrics: section in cm, each with the default labels the
 * library adds to every metric (config_metric_spec). 0, or -EINVAL with a message in err
 * and *bad set to the metric's index, or -ENOMEM.
 */
int custom_metrics_add_config(struct custom_metrics *cm, const struct exporter_config *cfg,
			      size_t *bad, char err[CUSTOM_ERROR_MAX]);

/*
 * Declares the configuration's metrics in a scratch registry of their own, as the daemon
 * will: what would fail there (a bad name or label name, a clash between two of them)
 * fails here, before anything runs. routes: the app's route table (NULL: none). The same
 * results as custom_metrics_add_config.
 */
int custom_metrics_check_config(const struct exporter_config *cfg, struct route_table *routes,
				size_t *bad, char err[CUSTOM_ERROR_MAX]);

/* Some metric is an in-progress gauge: the kernel must send started records. */
int custom_metrics_need_started(const struct custom_metrics *cm);

/* Feeds one record (any kind). Its HTTP model (observed_request.h, shared with the other
 * consumers) applies excluded_paths (the library's default exclude_user_defaults=True: an
 * excluded request counts in no custom metric) and must use the routes cm was given. cm
 * may be NULL (no metrics: in the config). */
void custom_metrics_observe(struct custom_metrics *cm, struct observed_request *o);

#endif
