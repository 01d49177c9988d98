/*
 * pod_select — whether a pod container is watched, by the `kubernetes:` include and
 * exclude selectors. Pure: the port test is the caller's (it reads the pod's network
 * namespace), passed as a callback.
 */
#ifndef FEE_TARGETS_POD_SELECT_H
#define FEE_TARGETS_POD_SELECT_H

#include <stdbool.h>

#include "config/config.h"
#include "targets/runtime_state.h"

/* Does the container listen on TCP `port` (in its own network namespace)? */
typedef int (*pod_listens_fn)(void *ctx, int port);

enum pod_decision {
	POD_WATCH,
	POD_SKIP,	  /* excluded, or no include selector matches */
	POD_SKIP_FOR_NOW, /* skipped only because of a port it may listen on later */
};

/* kube-system, kube-public, kube-node-lease: excluded unless exclude_system_namespaces is
 * turned off. */
bool kube_namespace_is_system(const char *ns);

enum pod_decision pod_select(const struct kube_config *k, const struct container_meta *m,
			     pod_listens_fn listens, void *ctx);

#endif
