/* self_metrics — the exporter's own health: drops, kernel events, probes, targets, build. */
#ifndef FEE_SELF_METRICS_H
#define FEE_SELF_METRICS_H

#include "capture/loader.h"
#include "config/config.h"
#include "metrics/registry.h"

/* Labels a discovered target adds to its self-metrics (a pod's namespace, pod, container,
 * node). */
#define SELF_TARGET_EXTRA_MAX 4

/* The states of flask_ebpf_exporter_kubernetes_containers, in this order. */
enum self_kube_state {
	SELF_KUBE_WATCHED,
	SELF_KUBE_SKIPPED,
	SELF_KUBE_SANDBOX,
	SELF_KUBE_UNKNOWN,
	SELF_KUBE_OVER_LIMIT,
	SELF_KUBE_STATES,
};

struct self_metrics {
	struct metric_child *dropped;
	struct metric_child *kernel_events[FEE_CNT_MAX];
	struct metric_child *probes_attached;
	struct metric_child *probes_failed;
	struct metric_child *processes_watched;
	struct metric_family *tls_libraries;
	struct metric_family *targets;			   /* ..._target_processes */
	struct metric_child *target_processes[TARGET_MAX]; /* NULL past the targets given */
	size_t n_target_extra;				   /* labels past target and kind */
	struct metric_child *kube_containers[SELF_KUBE_STATES];
};

/* Adds the families to r. hook_mode names how syscalls are hooked ("tracepoint"). */
int self_metrics_init(struct self_metrics *s, struct registry *r, const char *version,
		      const char *hook_mode);

/*
 * Adds flask_ebpf_exporter_target_processes{target, kind, extra_names...}, one child per
 * configured target (their extra labels empty). extra_names: the labels discovered targets
 * add (at most SELF_TARGET_EXTRA_MAX; none without discovery).
 */
int self_metrics_add_targets(struct self_metrics *s, struct registry *r,
			     const struct config_target *targets, int n,
			     const char *const *extra_names, size_t n_extra);
/* The child of a discovered target (kind "kubernetes"); NULL + errno. The caller sets it. */
struct metric_child *self_metrics_add_target(struct self_metrics *s, unsigned int target,
					     const char *kind, const char *const *extra_values);
void self_metrics_remove_target(struct self_metrics *s, struct metric_child *child);

/* flask_ebpf_exporter_kubernetes_containers{state}, and its values (SELF_KUBE_STATES of
 * them, enum self_kube_state order). */
int self_metrics_add_kubernetes(struct self_metrics *s, struct registry *r);
void self_metrics_set_kubernetes(struct self_metrics *s, const unsigned int *counts);

/* Copies the capture's current figures into the families (before each scrape). */
void self_metrics_update(struct self_metrics *s, const struct capture_stats *stats);

/* One child per probed OpenSSL library, path label = its path, value 1. */
int self_metrics_set_tls_libraries(struct self_metrics *s, const char *const *paths, size_t n);

#endif
