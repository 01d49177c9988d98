/*
 * kube_api_select — what the `kubernetes.api` configuration makes of one pod as the API
 * server describes it (kube_pod.h): selected or not (label selector, annotation selector,
 * owners, opt-in annotation), the opt-in's per-pod options, and the label values its
 * series carry. Also which labels and annotations the pod store must keep for that. Pure.
 */
#ifndef FEE_KUBE_API_SELECT_H
#define FEE_KUBE_API_SELECT_H

#include <stddef.h>

#include "config/kube_api.h"
#include "targets/kube_pod.h"

/* Keys the store keeps at most: selector requirements plus copied labels; annotation
 * selector requirements plus the opt-in annotations. */
#define KUBE_API_KEEP_MAX (LABEL_SELECTOR_MAX_REQUIREMENTS + KUBE_API_MAX_POD_LABELS + 3)

struct kube_api_keep_buf {
	const char *labels[KUBE_API_KEEP_MAX];
	const char *annotations[KUBE_API_KEEP_MAX];
	struct kube_pod_keep keep; /* points into the arrays above and into o */
};

/* Fills buf with the keys o reads (deduplicated). buf must not move while keep is used. */
void kube_api_keep_keys(const struct kube_api_options *o, struct kube_api_keep_buf *buf);

/* Whether o selects the pod: every given criterion holds (owners: any of them). */
int kube_api_selects(const struct kube_api_options *o, const struct kube_pod *pod);

/* The opt-in annotations: the port (0: not given, -1: not a port 1..65535) and the
 * container name (NULL: not given). */
int kube_api_pod_port(const struct kube_pod *pod);
const char *kube_api_pod_container(const struct kube_pod *pod);

/*
 * The series labels o adds: names (owner labels when owner_labels is on, then the copied pod
 * labels), and each pod's values (pod NULL: metadata not known yet, every value ""). Both
 * return how many; at most KUBE_API_OWNER_LABELS + KUBE_API_MAX_POD_LABELS.
 */
#define KUBE_API_SERIES_LABELS_MAX (KUBE_API_OWNER_LABELS + KUBE_API_MAX_POD_LABELS)
size_t kube_api_label_names(const struct kube_api_options *o, const char **names);
size_t kube_api_label_values(const struct kube_api_options *o, const struct kube_pod *pod,
			     const char **values);

#endif
