// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/kube_api_metrics.h"

#include <errno.h>

static const char *const event_types[KUBE_API_EVENT_TYPES] = { "ADDED", "MODIFIED", "DELETED",
							       "BOOKMARK", "ERROR" };

static struct metric_child *one(struct registry *r, const char *name, const char *help,
				enum metric_type type)
{
	struct metric_family *f = registry_add_family(r, name, help, type, NULL, 0, NULL, 0);

	return f ? metric_family_child(f, NULL) : NULL;
}

/* The children of a one-label counter family, for `n` values. 0 or -errno. */
static int by_label(struct registry *r, const char *name, const char *help, const char *label,
		    const char *const *values, struct metric_child **out, int n)
{
	const char *labels[] = { label };
	struct metric_family *f =
		registry_add_family(r, name, help, METRIC_COUNTER, labels, 1, NULL, 0);

	for (int i = 0; f && i < n; i++) {
		out[i] = metric_family_child(f, &values[i]);
		if (!out[i])
			return -errno;
	}
	return f ? 0 : -errno;
}

int kube_api_metrics_init(struct kube_api_metrics *m, struct registry *r)
{
	static const char *const relist_reasons[] = { "expired", "error" };
	static const char *const failure_reasons[] = { "unauthorized", "other" };
	static const char *const skip_reasons[] = { "invalid", "over_cap" };
	struct metric_child *relists[2], *failures[2], *skipped[2];
	int err;

	m->synced = one(r, "flask_ebpf_exporter_kube_api_synced",
			"1 once this node's pods have been listed from the Kubernetes API",
			METRIC_GAUGE);
	m->connected = one(r, "flask_ebpf_exporter_kube_api_watch_connected",
			   "1 while the watch of this node's pods is open", METRIC_GAUGE);
	m->pods = one(r, "flask_ebpf_exporter_kube_api_pods",
		      "Pods of this node whose labels, annotations and owner are known",
		      METRIC_GAUGE);
	m->memory_bytes = one(r, "flask_ebpf_exporter_kube_api_memory_bytes",
			      "Heap held by the pod metadata store", METRIC_GAUGE);
	m->lists = one(r, "flask_ebpf_exporter_kube_api_lists",
		       "Complete lists of this node's pods (the first, then one per relist)",
		       METRIC_COUNTER);
	m->unknown_requests =
		one(r, "flask_ebpf_exporter_kube_metadata_unknown_requests",
		    "Requests of pod containers whose labels, annotations and owner were not known "
		    "from the API yet: counted, without the API's labels",
		    METRIC_COUNTER);
	if (!m->synced || !m->connected || !m->pods || !m->memory_bytes || !m->lists ||
	    !m->unknown_requests)
		return -errno;
	err = by_label(r, "flask_ebpf_exporter_kube_api_watch_events",
		       "Watch events received, by type", "type", event_types, m->events,
		       KUBE_API_EVENT_TYPES);
	if (!err)
		err = by_label(r, "flask_ebpf_exporter_kube_api_relists",
			       "Lists made again because the watch could not resume: expired "
			       "(410 Gone) or another ERROR event",
			       "reason", relist_reasons, relists, 2);
	if (!err)
		err = by_label(r, "flask_ebpf_exporter_kube_api_request_failures",
			       "API requests that failed (retried with backoff): unauthorized "
			       "(401/403) or other (connection, TLS, HTTP, bad JSON)",
			       "reason", failure_reasons, failures, 2);
	if (!err)
		err = by_label(r, "flask_ebpf_exporter_kube_api_pods_skipped",
			       "Pod objects not stored: invalid (no name, namespace or uid) or "
			       "over_cap (kubernetes.api.max_pods reached)",
			       "reason", skip_reasons, skipped, 2);
	if (err)
		return err;
	m->relists_expired = relists[0];
	m->relists_error = relists[1];
	m->failures_unauthorized = failures[0];
	m->failures_other = failures[1];
	m->skipped_invalid = skipped[0];
	m->skipped_over_cap = skipped[1];
	return 0;
}

void kube_api_metrics_update(struct kube_api_metrics *m, const struct kube_api_figures *f)
{
	metric_child_set(m->synced, f->synced);
	metric_child_set(m->connected, f->connected);
	metric_child_set(m->pods, f->pods);
	metric_child_set(m->memory_bytes, f->memory_bytes);
	metric_child_set(m->lists, f->lists);
	for (int i = 0; i < KUBE_API_EVENT_TYPES; i++)
		metric_child_set(m->events[i], f->events[i]);
	metric_child_set(m->relists_expired, f->relists_expired);
	metric_child_set(m->relists_error, f->relists_error);
	metric_child_set(m->failures_unauthorized, f->failures_unauthorized);
	metric_child_set(m->failures_other, f->failures_other);
	metric_child_set(m->skipped_invalid, f->skipped_invalid);
	metric_child_set(m->skipped_over_cap, f->skipped_over_cap);
}
