// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/self_metrics.h"

#include <errno.h>
#include <stdio.h>

/* Label values of flask_ebpf_exporter_kernel_events_total, by enum fee_counter. The
 * ring-buffer drop has a family of its own. */
static const char *const kernel_event_names[FEE_CNT_MAX] = {
	[FEE_CNT_RINGBUF_DROPPED] = NULL,
	[FEE_CNT_BAD_RESPONSE] = "bad_response",
	[FEE_CNT_CONN_TABLE_FULL] = "conn_table_full",
	[FEE_CNT_SYSCALL_STASH_FULL] = "syscall_stash_full",
	[FEE_CNT_TARGET_TABLE_FULL] = "target_table_full",
	[FEE_CNT_PIPELINE_OVERFLOW] = "pipeline_overflow",
};

static struct metric_child *single_child(struct registry *r, const char *name, const char *help,
					 enum metric_type type)
{
	struct metric_family *f = registry_add_family(r, name, help, type, NULL, 0, NULL, 0);

	return f ? metric_family_child(f, NULL) : NULL;
}

int self_metrics_init(struct self_metrics *s, struct registry *r, const char *version,
		      const char *hook_mode)
{
	static const char *const build_labels[] = { "version", "hook_mode" };
	static const char *const event_label[] = { "event" };
	static const char *const path_label[] = { "path" };
	const char *build_values[] = { version, hook_mode };
	struct metric_family *build, *events;
	struct metric_child *build_child;

	s->dropped =
		single_child(r, "flask_ebpf_exporter_records_dropped",
			     "Records lost because the ring buffer was full: finished requests, "
			     "and with in-progress gauges also request starts",
			     METRIC_COUNTER);
	events = registry_add_family(r, "flask_ebpf_exporter_kernel_events",
				     "Kernel-side events that cost a request or a connection its "
				     "measurement",
				     METRIC_COUNTER, event_label, 1, NULL, 0);
	s->probes_attached = single_child(r, "flask_ebpf_exporter_probes_attached",
					  "BPF programs attached", METRIC_GAUGE);
	s->probes_failed = single_child(r, "flask_ebpf_exporter_probes_failed",
					"BPF programs that failed to attach", METRIC_GAUGE);
	s->processes_watched =
		single_child(r, "flask_ebpf_exporter_processes_watched",
			     "Processes currently watched (targets and descendants)", METRIC_GAUGE);
	s->tls_libraries = registry_add_family(
		r, "flask_ebpf_exporter_tls_libraries_probed",
		"OpenSSL libraries (or statically linked executables) whose SSL_read/SSL_write "
		"are probed, by path",
		METRIC_GAUGE, path_label, 1, NULL, 0);
	build = registry_add_family(r, "flask_ebpf_exporter_build_info",
				    "The exporter's version and how it hooks the kernel",
				    METRIC_GAUGE, build_labels, 2, NULL, 0);
	if (!s->dropped || !events || !s->probes_attached || !s->probes_failed ||
	    !s->processes_watched || !s->tls_libraries || !build)
		return -errno;
	build_child = metric_family_child(build, build_values);
	if (!build_child)
		return -errno;
	metric_child_set(build_child, 1);
	for (int i = 0; i < FEE_CNT_MAX; i++) {
		if (!kernel_event_names[i])
			continue;
		s->kernel_events[i] = metric_family_child(events, &kernel_event_names[i]);
		if (!s->kernel_events[i])
			return -errno;
	}
	return 0;
}

int self_metrics_add_targets(struct self_metrics *s, struct registry *r,
			     const struct config_target *targets, int n,
			     const char *const *extra_names, size_t n_extra)
{
	const char *labels[2 + SELF_TARGET_EXTRA_MAX] = { "target", "kind" };
	const char *values[2 + SELF_TARGET_EXTRA_MAX] = { 0 };

	if (n_extra > SELF_TARGET_EXTRA_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n_extra; i++) {
		labels[2 + i] = extra_names[i];
		values[2 + i] = ""; /* configured targets have no pod */
	}
	s->n_target_extra = n_extra;
	s->targets = registry_add_family(r, "flask_ebpf_exporter_target_processes",
					 "Processes currently watched per target (the index in "
					 "the order targets were given, then discovered)",
					 METRIC_GAUGE, labels, 2 + n_extra, NULL, 0);
	if (!s->targets)
		return -errno;
	for (int i = 0; i < n && i < TARGET_MAX; i++) {
		char index[16];

		snprintf(index, sizeof(index), "%d", i);
		values[0] = index;
		values[1] = target_kind_name(targets[i].kind);
		s->target_processes[i] = metric_family_child(s->targets, values);
		if (!s->target_processes[i])
			return -errno;
	}
	return 0;
}

struct metric_child *self_metrics_add_target(struct self_metrics *s, unsigned int target,
					     const char *kind, const char *const *extra_values)
{
	const char *values[2 + SELF_TARGET_EXTRA_MAX];
	char index[16];

	snprintf(index, sizeof(index), "%u", target);
	values[0] = index;
	values[1] = kind;
	for (size_t i = 0; i < s->n_target_extra; i++)
		values[2 + i] = extra_values[i];
	return metric_family_child(s->targets, values);
}

void self_metrics_remove_target(struct self_metrics *s, struct metric_child *child)
{
	metric_family_remove_child(s->targets, child);
}

int self_metrics_add_kubernetes(struct self_metrics *s, struct registry *r)
{
	static const char *const states[SELF_KUBE_STATES] = { "watched", "skipped", "sandbox",
							      "metadata_unknown", "over_limit" };
	static const char *const label[] = { "state" };
	struct metric_family *f;

	f = registry_add_family(r, "flask_ebpf_exporter_kubernetes_containers",
				"Containers of this node's pods found in the cgroup hierarchy, by "
				"what discovery made of them",
				METRIC_GAUGE, label, 1, NULL, 0);
	if (!f)
		return -errno;
	for (int i = 0; i < SELF_KUBE_STATES; i++) {
		s->kube_containers[i] = metric_family_child(f, &states[i]);
		if (!s->kube_containers[i])
			return -errno;
	}
	return 0;
}

void self_metrics_set_kubernetes(struct self_metrics *s, const unsigned int *counts)
{
	for (int i = 0; i < SELF_KUBE_STATES; i++)
		if (s->kube_containers[i])
			metric_child_set(s->kube_containers[i], counts[i]);
}

void self_metrics_update(struct self_metrics *s, const struct capture_stats *stats)
{
	metric_child_set(s->dropped, (double)stats->counters[FEE_CNT_RINGBUF_DROPPED]);
	for (int i = 0; i < FEE_CNT_MAX; i++)
		if (s->kernel_events[i])
			metric_child_set(s->kernel_events[i], (double)stats->counters[i]);
	metric_child_set(s->probes_attached, stats->probes_attached);
	metric_child_set(s->probes_failed, stats->probes_failed);
	metric_child_set(s->processes_watched, stats->processes_watched);
	for (int i = 0; i < TARGET_MAX; i++)
		if (s->target_processes[i])
			metric_child_set(s->target_processes[i], stats->target_processes[i]);
}

int self_metrics_set_tls_libraries(struct self_metrics *s, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct metric_child *child = metric_family_child(s->tls_libraries, &paths[i]);

		if (!child)
			return -errno;
		metric_child_set(child, 1);
	}
	return 0;
}
