// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/runtime_state.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A config.json larger than this is not one a runtime wrote for a pod container. */
#define CONFIG_JSON_MAX (4 << 20)

/* The annotation keys each runtime writes. */
struct annotation_keys {
	const char *namespace, *pod, *uid, *container, *type, *sandbox_id;
};

static const struct annotation_keys containerd_keys = {
	.namespace = "io.kubernetes.cri.sandbox-namespace",
	.pod = "io.kubernetes.cri.sandbox-name",
	.uid = "io.kubernetes.cri.sandbox-uid",
	.container = "io.kubernetes.cri.container-name",
	.type = "io.kubernetes.cri.container-type",
	.sandbox_id = "io.kubernetes.cri.sandbox-id",
};

static const struct annotation_keys crio_keys = {
	.namespace = "io.kubernetes.pod.namespace",
	.pod = "io.kubernetes.pod.name",
	.uid = "io.kubernetes.pod.uid",
	.container = "io.kubernetes.container.name",
	.type = "io.kubernetes.cri-o.ContainerType",
	.sandbox_id = "io.kubernetes.cri-o.SandboxID",
};

static const char *annotation(struct json_object *annotations, const char *key)
{
	struct json_object *v;

	if (!key || !json_object_object_get_ex(annotations, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Copies an annotation into a fixed field; too long for Kubernetes means not a pod's. */
static int copy_field(struct json_object *annotations, const char *key, char *dst, size_t size,
		      int required)
{
	const char *v = annotation(annotations, key);

	if (!v) {
		dst[0] = '\0';
		return required ? -EINVAL : 0;
	}
	if (strlen(v) >= size)
		return -EINVAL;
	strcpy(dst, v);
	return 0;
}

static struct json_object *annotations_of(struct json_object *root)
{
	struct json_object *a;

	if (!root || !json_object_object_get_ex(root, "annotations", &a) ||
	    !json_object_is_type(a, json_type_object))
		return NULL;
	return a;
}

int container_meta_from_json(const char *json, enum container_runtime runtime,
			     struct container_meta *out)
{
	const struct annotation_keys *k =
		runtime == CONTAINER_RUNTIME_CRIO ? &crio_keys : &containerd_keys;
	struct json_object *root = json_tokener_parse(json);
	struct json_object *a = annotations_of(root);
	const char *type;
	int err = -EINVAL;

	memset(out, 0, sizeof(*out));
	out->runtime = runtime;
	if (!a)
		goto out;
	type = annotation(a, k->type);
	out->is_sandbox = type && !strcmp(type, "sandbox");
	if (copy_field(a, k->namespace, out->namespace, sizeof(out->namespace), 1) ||
	    copy_field(a, k->pod, out->pod, sizeof(out->pod), 1) ||
	    copy_field(a, k->uid, out->pod_uid, sizeof(out->pod_uid), 0) ||
	    copy_field(a, k->sandbox_id, out->sandbox_id, sizeof(out->sandbox_id), 0) ||
	    copy_field(a, k->container, out->container, sizeof(out->container), !out->is_sandbox))
		goto out;
	err = 0;
out:
	json_object_put(root);
	return err;
}

int container_meta_labels_from_sandbox_json(const char *json, struct container_meta *out)
{
	struct json_object *root = json_tokener_parse(json), *labels = NULL;
	struct json_object *a = annotations_of(root);
	const char *text = a ? annotation(a, "io.kubernetes.cri-o.Labels") : NULL;
	int err = -EINVAL;

	if (!text)
		goto out;
	labels = json_tokener_parse(text);
	if (!labels || !json_object_is_type(labels, json_type_object))
		goto out;
	err = 0;
	json_object_object_foreach(labels, key, value)
	{
		/* The kubelet's own keys (pod name, namespace, uid, "POD") are no pod labels. */
		if (!strncmp(key, "io.kubernetes.", 14) ||
		    !json_object_is_type(value, json_type_string))
			continue;
		if (out->n_labels == KUBE_POD_LABELS_MAX) {
			out->labels_dropped++;
			continue;
		}
		err = strpair_append(&out->labels, &out->n_labels, key,
				     json_object_get_string(value));
		if (err)
			break;
	}
out:
	json_object_put(labels);
	json_object_put(root);
	return err;
}

void container_meta_clear(struct container_meta *m)
{
	strpair_free_all(m->labels, m->n_labels);
	m->labels = NULL;
	m->n_labels = 0;
}

const char *container_meta_label(const struct container_meta *m, const char *key)
{
	return strpair_find(m->labels, m->n_labels, key);
}

/* The whole file as a string; NULL + errno. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t n;

		if (len + 1 >= cap) {
			char *grown;

			cap = cap ? cap * 2 : 16384;
			if (cap > CONFIG_JSON_MAX || !(grown = realloc(buf, cap))) {
				free(buf);
				fclose(f);
				errno = cap > CONFIG_JSON_MAX ? EFBIG : ENOMEM;
				return NULL;
			}
			buf = grown;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static void config_path(enum container_runtime runtime, const char *dir, const char *id, char *path,
			size_t size)
{
	if (runtime == CONTAINER_RUNTIME_CRIO)
		snprintf(path, size, "%s/overlay-containers/%s/userdata/config.json", dir, id);
	else
		snprintf(path, size, "%s/io.containerd.runtime.v2.task/k8s.io/%s/config.json", dir,
			 id);
}

/* CRI-O keeps pod labels on the sandbox only: read them from its config.json. */
static void read_sandbox_labels(const char *dir, struct container_meta *out)
{
	char path[PATH_MAX];
	char *text;

	if (!out->sandbox_id[0])
		return;
	config_path(CONTAINER_RUNTIME_CRIO, dir, out->sandbox_id, path, sizeof(path));
	text = read_text(path);
	if (!text)
		return; /* labels unknown: selection by label will not match */
	container_meta_labels_from_sandbox_json(text, out);
	free(text);
}

int runtime_state_read(enum container_runtime runtime, const char *const *dirs, size_t n,
		       const char *id, struct container_meta *out)
{
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		char *text;
		int err;

		config_path(runtime, dirs[i], id, path, sizeof(path));
		text = read_text(path);
		if (!text) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return errno == ENOMEM ? -ENOMEM : -EINVAL;
		}
		err = container_meta_from_json(text, runtime, out);
		free(text);
		if (err) {
			container_meta_clear(out);
			return err;
		}
		if (runtime == CONTAINER_RUNTIME_CRIO && !out->is_sandbox)
			read_sandbox_labels(dirs[i], out);
		return 0;
	}
	return -ENOENT;
}
