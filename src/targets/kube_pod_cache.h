/*
 * kube_pod_cache — the pods of this node as the API server last described them, keyed by
 * uid, shared between the watch thread (writer) and the daemon's thread (reader) under one
 * mutex. Bounded: at most max_pods entries (a node runs at most a few hundred pods; the
 * kubelet's default limit is 110), each holding only what kube_pod.h keeps; a pod past the
 * bound is not stored and is counted (stats.over_cap), so its requests count as
 * "metadata unknown" rather than growing memory.
 */
#ifndef FEE_KUBE_POD_CACHE_H
#define FEE_KUBE_POD_CACHE_H

#include <stddef.h>

#include "targets/kube_pod.h"

#define KUBE_POD_CACHE_DEFAULT_MAX 1024

struct kube_pod_cache;

struct kube_pod_cache_stats {
	size_t pods;
	size_t bytes;		/* heap held by the entries (kube_pod_bytes + slots) */
	unsigned long over_cap; /* pods refused because the cache was full */
	unsigned long version;	/* bumped on every change */
};

/* NULL + errno. */
struct kube_pod_cache *kube_pod_cache_new(size_t max_pods);
void kube_pod_cache_free(struct kube_pod_cache *c);

/* Stores the pod (ownership of its contents moves to the cache; *pod is zeroed), replacing
 * the entry of the same uid. Returns 0, or -ENOSPC when full (the pod is released). */
int kube_pod_cache_put(struct kube_pod_cache *c, struct kube_pod *pod);
/* Forgets the pod of this uid; 0 or -ENOENT. */
int kube_pod_cache_delete(struct kube_pod_cache *c, const char *uid);

/* A relist: entries not put between begin and end are dropped at end (pods deleted while
 * the watch was down). */
void kube_pod_cache_begin_sync(struct kube_pod_cache *c);
void kube_pod_cache_end_sync(struct kube_pod_cache *c);

/* Copies the pod of this uid (or namespace/name) into *out: 0, -ENOENT or -ENOMEM. */
int kube_pod_cache_get(struct kube_pod_cache *c, const char *uid, struct kube_pod *out);
int kube_pod_cache_find(struct kube_pod_cache *c, const char *ns, const char *name,
			struct kube_pod *out);

void kube_pod_cache_stats(struct kube_pod_cache *c, struct kube_pod_cache_stats *out);

/* Calls fn on every pod, in no particular order, holding the lock (fn must not call back). */
void kube_pod_cache_each(struct kube_pod_cache *c,
			 void (*fn)(const struct kube_pod *pod, void *arg), void *arg);

#endif
