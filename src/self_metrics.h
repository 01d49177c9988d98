/* self_metrics — the exporter's own health: drops, kernel events, probes, targets, build. */
#ifndef FEE_SELF_METRICS_H
#define FEE_SELF_METRICS_H

#include "collector.h"
#include "registry.h"

struct self_metrics {
	struct metric_child *dropped;
	struct metric_child *kernel_events[FEE_CNT_MAX];
	struct metric_child *probes_attached;
	struct metric_child *probes_failed;
	struct metric_child *processes_watched;
};

/* Adds the families to r. hook_mode names how syscalls are hooked ("tracepoint"). */
int self_metrics_init(struct self_metrics *s, struct registry *r, const char *version,
		      const char *hook_mode);

/* Copies the collector's current figures into the families (before each scrape). */
void self_metrics_update(struct self_metrics *s, const struct collector_stats *stats);

#endif
