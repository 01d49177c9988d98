/*
 * kube_metadata — pod labels, annotations and owners from the Kubernetes API server, as the
 * daemon uses them: started from the `kubernetes.api` options (how to reach the server,
 * which keys to keep), it keeps this node's pods current in a thread of its own
 * (kube_pod_watch.h) and answers lookups by pod uid without waiting on the network. A pod
 * not known yet is simply not found: the caller labels what it can and counts the rest.
 */
#ifndef FEE_KUBE_METADATA_H
#define FEE_KUBE_METADATA_H

#include <stddef.h>

#include "config/kube_api.h"
#include "targets/kube_pod.h"
#include "targets/kube_pod_cache.h"
#include "targets/kube_pod_watch.h"

struct kube_metadata;

/*
 * Finds the API server (o->kubeconfig, else in-cluster) and starts watching the pods of
 * node_name. o must outlive the result. NULL + errno with a message in err: EINVAL when
 * there is no way to reach the server (no kubeconfig and not in a pod, no node name).
 */
struct kube_metadata *kube_metadata_start(const struct kube_api_options *o, const char *node_name,
					  const char *user_agent, char *err, size_t err_size);
void kube_metadata_stop(struct kube_metadata *m);

/* A copy of the pod of this uid (kube_pod_release() it): 0, -ENOENT while unknown. */
int kube_metadata_lookup(struct kube_metadata *m, const char *uid, struct kube_pod *out);
/* Bumped on every change of any pod: nothing to look up again while it stays the same. */
unsigned long kube_metadata_version(struct kube_metadata *m);

void kube_metadata_stats(struct kube_metadata *m, struct kube_pod_watch_stats *watch,
			 struct kube_pod_cache_stats *cache);

#endif
