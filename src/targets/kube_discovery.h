/*
 * kube_discovery — every selected container of the pods on this node as a target of its
 * own, kept current while pods come and go: a scan of the kubelet's cgroups (at most
 * every rescan interval, 500 ms by default) finds new containers, reads who they are from
 * their runtime's state (runtime_state), decides with pod_select and hands the chosen
 * ones to a sink (which puts their cgroup in the kernel's target map and their labels on
 * the series); containers whose cgroup is gone are handed back to be forgotten.
 *
 * The exporter's own container is never watched (its /metrics answers are not the app's).
 * Every container the scan saw is accounted for in kube_discovery_stats: watched, skipped
 * by selection or for being the exporter's own, sandboxes (pause containers: never watched),
 * metadata unknown (no runtime state found yet: retried on every scan), or over the target limit.
 */
#ifndef FEE_TARGETS_KUBE_DISCOVERY_H
#define FEE_TARGETS_KUBE_DISCOVERY_H

#include <linux/types.h>
#include <stddef.h>

#include "config/config.h"
#include "targets/runtime_state.h"

/* One watched container. */
struct kube_watched {
	__u64 cgroup_id;
	__u32 level;
	__u32 target;	  /* the records' target index */
	char *cgroup_dir; /* absolute */
	struct container_meta meta;
};

/* Where selected containers go; watch and forget are required, select is not. */
struct kube_sink {
	void *ctx;
	/* Optional, after the `kubernetes:` selectors: 1 to watch w (with *port > 0: only
	 * once the container listens on that TCP port), 0 to skip it for now (asked again on
	 * every scan). The API's pod metadata selects this way (kubernetes.api). */
	int (*select)(void *ctx, const struct kube_watched *w, int *port);
	/* Start watching w (0, or -errno: it is retried on the next scan). */
	int (*watch)(void *ctx, const struct kube_watched *w);
	/* w's cgroup is gone: stop watching it (its target index may be given out again). */
	void (*forget)(void *ctx, const struct kube_watched *w);
};

struct kube_discovery_stats {
	unsigned int watched;
	unsigned int skipped;	  /* by selection (include/exclude, system namespaces) */
	unsigned int sandboxes;	  /* pause/infra containers */
	unsigned int unknown;	  /* no metadata in any runtime state dir */
	unsigned int over_limit;  /* selected, but no target index left */
	unsigned long long scans; /* scans done */
	unsigned long long forgotten;
};

struct kube_discovery;

/*
 * Target indices handed out are first_target .. max_target (inclusive). k and sink must
 * outlive the discovery. NULL + errno (ENOENT: no cgroup v2 mount).
 */
struct kube_discovery *kube_discovery_new(const struct kube_config *k, __u32 first_target,
					  __u32 max_target, const struct kube_sink *sink);
void kube_discovery_free(struct kube_discovery *d);

/* One scan now. 0, or -errno when the cgroup root cannot be read (logged once). */
int kube_discovery_scan(struct kube_discovery *d);

/* Scans when the rescan interval has passed. now_ms: a monotonic clock. */
void kube_discovery_tick(struct kube_discovery *d, __u64 now_ms);

void kube_discovery_stats(const struct kube_discovery *d, struct kube_discovery_stats *out);

/* Calls fn for each watched container, in no particular order. */
/* Asks sink.select again about every watched container and forgets those it now skips
 * (a pod's labels changed, or its metadata arrived after it was watched). */
void kube_discovery_reconsider(struct kube_discovery *d);

typedef void (*kube_watched_fn)(void *ctx, const struct kube_watched *w);
void kube_discovery_for_each(const struct kube_discovery *d, kube_watched_fn fn, void *ctx);

#endif
