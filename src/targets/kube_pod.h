/*
 * kube_pod — the little the exporter keeps of a Pod object from the API server: name,
 * namespace, uid, its workload (kube_owner.h), and only the labels and annotations the
 * configuration reads (selectors, the label allow-list, the opt-in annotations). Everything
 * else in the (often 10-20 KiB) object is dropped as soon as it is parsed, so memory grows
 * with the node's pod count times what the user asked for, nothing more.
 */
#ifndef FEE_KUBE_POD_H
#define FEE_KUBE_POD_H

#include <stddef.h>

#include "config/kube_owner.h"
#include "config/label_selector.h"

struct json_object;

/* Which keys to keep; the arrays belong to the caller and must outlive their use. */
struct kube_pod_keep {
	const char *const *labels;
	size_t n_labels;
	const char *const *annotations;
	size_t n_annotations;
};

struct kube_pod {
	char *uid;
	char *name;
	char *namespace;
	char *resource_version;
	enum kube_owner_kind owner_kind; /* kube_owner.h; KUBE_OWNER_NONE: a bare pod */
	char *owner_name;		 /* "" for a bare pod */
	struct strpair *labels;		 /* the kept ones, in the object's order */
	size_t n_labels;
	struct strpair *annotations;
	size_t n_annotations;
};

/*
 * Fills *pod from a Pod object (as in a list's items[] or a watch event's object). Returns
 * 0; -EINVAL when the object lacks metadata.name, .namespace or .uid, or has a name too
 * long for an owner; -ENOMEM. On error *pod is left released.
 */
int kube_pod_from_json(struct json_object *obj, const struct kube_pod_keep *keep,
		       struct kube_pod *pod);
/* A deep copy. 0 or -ENOMEM. */
int kube_pod_copy(struct kube_pod *dst, const struct kube_pod *src);
void kube_pod_release(struct kube_pod *pod);

/* The kept label's or annotation's value, NULL when the pod has none. */
const char *kube_pod_label(const struct kube_pod *pod, const char *key);
const char *kube_pod_annotation(const struct kube_pod *pod, const char *key);

/* Heap bytes the pod holds (strings and arrays), for the memory bound's self-metric. */
size_t kube_pod_bytes(const struct kube_pod *pod);

/* metadata.resourceVersion of any object (a list, a bookmark), NULL when absent. */
const char *kube_object_resource_version(struct json_object *obj);

#endif
