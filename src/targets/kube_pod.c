// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/kube_pod.h"

#include "util/strpair.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

static const char *get_string(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *get_member(struct json_object *obj, const char *key, json_type type)
{
	struct json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

const char *kube_object_resource_version(struct json_object *obj)
{
	return get_string(get_member(obj, "metadata", json_type_object), "resourceVersion");
}

static int wanted(const char *key, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i], key))
			return 1;
	return 0;
}

/* Copies the string members of `map` whose keys are in `keys`. */
static int keep_pairs(struct json_object *map, const char *const *keys, size_t n_keys,
		      struct strpair **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	if (!map || !n_keys) /* nothing kept: no need to walk the object */
		return 0;
	json_object_object_foreach(map, key, value)
	{
		if (*n_out == n_keys || !json_object_is_type(value, json_type_string) ||
		    !wanted(key, keys, n_keys))
			continue;
		if (strpair_append(out, n_out, key, json_object_get_string(value)))
			return -ENOMEM;
	}
	return 0;
}

/* The ownerReference with controller: true (a pod has at most one), else NULL. */
static struct json_object *controller_ref(struct json_object *meta)
{
	struct json_object *refs = get_member(meta, "ownerReferences", json_type_array);
	size_t n = refs ? json_object_array_length(refs) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *ref = json_object_array_get_idx(refs, i), *ctl;

		if (json_object_object_get_ex(ref, "controller", &ctl) &&
		    json_object_get_boolean(ctl))
			return ref;
	}
	return NULL;
}

static int dup_field(char **dst, const char *src)
{
	*dst = strdup(src ? src : "");
	return *dst ? 0 : -ENOMEM;
}

int kube_pod_from_json(struct json_object *obj, const struct kube_pod_keep *keep,
		       struct kube_pod *pod)
{
	struct json_object *meta = get_member(obj, "metadata", json_type_object);
	struct json_object *labels = get_member(meta, "labels", json_type_object);
	struct json_object *annotations = get_member(meta, "annotations", json_type_object);
	struct json_object *ref = controller_ref(meta);
	const char *name = get_string(meta, "name"), *ns = get_string(meta, "namespace");
	const char *uid = get_string(meta, "uid");
	struct kube_owner owner;
	int err;

	memset(pod, 0, sizeof(*pod));
	if (!name || !ns || !uid || !name[0] || !uid[0])
		return -EINVAL;
	err = kube_owner_resolve(get_string(ref, "kind"), get_string(ref, "name"),
				 get_string(labels, "pod-template-hash"), &owner);
	pod->owner_kind = owner.kind;
	if (!err)
		err = dup_field(&pod->owner_name, owner.name);
	if (!err)
		err = dup_field(&pod->uid, uid);
	if (!err)
		err = dup_field(&pod->name, name);
	if (!err)
		err = dup_field(&pod->namespace, ns);
	if (!err)
		err = dup_field(&pod->resource_version, get_string(meta, "resourceVersion"));
	if (!err)
		err = keep_pairs(labels, keep->labels, keep->n_labels, &pod->labels,
				 &pod->n_labels);
	if (!err)
		err = keep_pairs(annotations, keep->annotations, keep->n_annotations,
				 &pod->annotations, &pod->n_annotations);
	if (err)
		kube_pod_release(pod);
	return err;
}

int kube_pod_copy(struct kube_pod *dst, const struct kube_pod *src)
{
	int err;

	memset(dst, 0, sizeof(*dst));
	dst->owner_kind = src->owner_kind;
	dst->n_labels = src->n_labels;
	dst->n_annotations = src->n_annotations;
	err = dup_field(&dst->uid, src->uid);
	if (!err)
		err = dup_field(&dst->owner_name, src->owner_name);
	if (!err)
		err = dup_field(&dst->name, src->name);
	if (!err)
		err = dup_field(&dst->namespace, src->namespace);
	if (!err)
		err = dup_field(&dst->resource_version, src->resource_version);
	if (!err)
		err = strpair_copy_all(&dst->labels, src->labels, src->n_labels);
	if (!err)
		err = strpair_copy_all(&dst->annotations, src->annotations, src->n_annotations);
	if (err)
		kube_pod_release(dst);
	return err;
}

void kube_pod_release(struct kube_pod *pod)
{
	free(pod->uid);
	free(pod->name);
	free(pod->namespace);
	free(pod->resource_version);
	free(pod->owner_name);
	strpair_free_all(pod->labels, pod->n_labels);
	strpair_free_all(pod->annotations, pod->n_annotations);
	memset(pod, 0, sizeof(*pod));
}

const char *kube_pod_label(const struct kube_pod *pod, const char *key)
{
	return strpair_find(pod->labels, pod->n_labels, key);
}

const char *kube_pod_annotation(const struct kube_pod *pod, const char *key)
{
	return strpair_find(pod->annotations, pod->n_annotations, key);
}

static size_t pairs_bytes(const struct strpair *pairs, size_t n)
{
	size_t bytes = n * sizeof(*pairs);

	for (size_t i = 0; i < n; i++)
		bytes += strlen(pairs[i].key) + strlen(pairs[i].value) + 2;
	return bytes;
}

size_t kube_pod_bytes(const struct kube_pod *pod)
{
	return strlen(pod->uid) + strlen(pod->name) + strlen(pod->namespace) +
	       strlen(pod->resource_version) + strlen(pod->owner_name) + 5 +
	       pairs_bytes(pod->labels, pod->n_labels) +
	       pairs_bytes(pod->annotations, pod->n_annotations);
}
