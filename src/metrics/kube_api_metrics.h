/*
 * kube_api_metrics — the Kubernetes API client's own health as flask_ebpf_exporter_kube_api_*
 * families: whether the pod list is read and the watch open, what the watch received, why
 * it listed again, what failed, how much the pod store holds. Figures are copied in before
 * each scrape as plain numbers (main.c reads them from the watch), so this module knows
 * nothing of the client.
 */
#ifndef FEE_KUBE_API_METRICS_H
#define FEE_KUBE_API_METRICS_H

#include "metrics/registry.h"

/* Watch event types, in the API's spelling order: ADDED, MODIFIED, DELETED, BOOKMARK, ERROR. */
#define KUBE_API_EVENT_TYPES 5

struct kube_api_figures {
	double synced;	  /* 1 once a list has completed */
	double connected; /* 1 while a watch stream is open */
	double pods;	  /* pods whose metadata is held */
	double memory_bytes;
	double lists;
	double events[KUBE_API_EVENT_TYPES];
	double relists_expired; /* 410 Gone */
	double relists_error;	/* other ERROR events */
	double failures_unauthorized;
	double failures_other;
	double skipped_invalid; /* objects without name, namespace or uid */
	double skipped_over_cap;
};

struct kube_api_metrics {
	struct metric_child *synced, *connected, *pods, *memory_bytes, *lists;
	struct metric_child *events[KUBE_API_EVENT_TYPES];
	struct metric_child *relists_expired, *relists_error;
	struct metric_child *failures_unauthorized, *failures_other;
	struct metric_child *skipped_invalid, *skipped_over_cap;
	/* Incremented by the daemon per request whose pod's metadata was not known yet. */
	struct metric_child *unknown_requests;
};

/* Adds the families to r. 0 or -errno. */
int kube_api_metrics_init(struct kube_api_metrics *m, struct registry *r);
void kube_api_metrics_update(struct kube_api_metrics *m, const struct kube_api_figures *f);

#endif
