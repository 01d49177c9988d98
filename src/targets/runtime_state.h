/*
 * runtime_state — who a container is, read from its container runtime's own state on the
 * node (no API server, no runtime socket): the OCI config.json the runtime writes for
 * runc, whose annotations name the pod.
 *   containerd (and k3s): <state>/io.containerd.runtime.v2.task/k8s.io/<id>/config.json
 *     io.kubernetes.cri.sandbox-namespace|-name|-uid, container-name, container-type
 *   CRI-O: <storage>/overlay-containers/<id>/userdata/config.json
 *     io.kubernetes.pod.namespace|.name|.uid, io.kubernetes.container.name,
 *     io.kubernetes.cri-o.ContainerType and SandboxID; the pod's labels are the
 *     sandbox's io.kubernetes.cri-o.Labels (a JSON object in a string).
 * JSON is read with json-c.
 */
#ifndef FEE_TARGETS_RUNTIME_STATE_H
#define FEE_TARGETS_RUNTIME_STATE_H

#include <stddef.h>

#include "util/strpair.h"

/* Kubernetes' own limits: DNS labels for namespaces and containers, subdomains for pods. */
#define KUBE_NAMESPACE_MAX 64
#define KUBE_POD_NAME_MAX 254
#define KUBE_CONTAINER_NAME_MAX 64
/* Pod labels kept per container (CRI-O only); more are dropped and counted. */
#define KUBE_POD_LABELS_MAX 64

enum container_runtime {
	CONTAINER_RUNTIME_CONTAINERD,
	CONTAINER_RUNTIME_CRIO,
};

struct container_meta {
	enum container_runtime runtime;
	int is_sandbox; /* the pod's pause/infra container */
	char namespace[KUBE_NAMESPACE_MAX];
	char pod[KUBE_POD_NAME_MAX];
	char pod_uid[40];
	char container[KUBE_CONTAINER_NAME_MAX];
	char sandbox_id[72];
	struct strpair *labels; /* CRI-O: the pod's labels; containerd does not keep them */
	size_t n_labels;
	size_t labels_dropped; /* past KUBE_POD_LABELS_MAX */
};

/*
 * Fills *out from the text of a config.json of `runtime`. Returns 0, -EINVAL when it is
 * not JSON or not a Kubernetes container's (no pod namespace/name), -ENOMEM.
 * container_meta_clear() frees what it holds (also after a failure).
 */
int container_meta_from_json(const char *json, enum container_runtime runtime,
			     struct container_meta *out);

/*
 * The pod labels of a CRI-O sandbox's config.json text (io.kubernetes.cri-o.Labels, less
 * the io.kubernetes.* keys the kubelet adds) into out->labels. 0, -EINVAL or -ENOMEM.
 */
int container_meta_labels_from_sandbox_json(const char *json, struct container_meta *out);

void container_meta_clear(struct container_meta *m);

/* Looks up a pod label; NULL when the pod has none of that key. */
const char *container_meta_label(const struct container_meta *m, const char *key);

/*
 * Reads container `id`'s metadata from the first of dirs[0..n) that has it: containerd
 * state dirs (CONTAINERD) or containers/storage dirs (CRIO; the pod labels come from the
 * sandbox's config.json in the same dir). Returns 0, -ENOENT when no dir knows the id
 * (not yet written, or another runtime's), -EINVAL for an unreadable file, -ENOMEM.
 */
int runtime_state_read(enum container_runtime runtime, const char *const *dirs, size_t n,
		       const char *id, struct container_meta *out);

#endif
