/* self_metrics — the exporter's own health: drops, kernel events, probes, targets, build. */
#ifndef FEE_SELF_METRICS_H
#define FEE_SELF_METRICS_H

#include "capture/loader.h"
#include "config/config.h"
#include "metrics/registry.h"

struct self_metrics {
	struct metric_child *dropped;
	struct metric_child *kernel_events[FEE_CNT_MAX];
	struct metric_child *probes_attached;
	struct metric_child *probes_failed;
	struct metric_child *processes_watched;
	struct metric_family *tls_libraries;
	struct metric_child *target_processes[TARGET_MAX]; /* NULL past the targets given */
};

/* Adds the families to r. hook_mode names how syscalls are hooked ("tracepoint"). */
int self_metrics_init(struct self_metrics *s, struct registry *r, const char *version,
		      const char *hook_mode);

/* Adds flask_ebpf_exporter_target_processes{target, kind}, one child per target. */
int self_metrics_add_targets(struct self_metrics *s, struct registry *r,
			     const struct config_target *targets, int n);

/* Copies the capture's current figures into the families (before each scrape). */
void self_metrics_update(struct self_metrics *s, const struct capture_stats *stats);

/* One child per probed OpenSSL library, path label = its path, value 1. */
int self_metrics_set_tls_libraries(struct self_metrics *s, const char *const *paths, size_t n);

#endif
