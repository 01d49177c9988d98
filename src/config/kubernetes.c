// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config/kubernetes.h"

#include "config/config.h"
#include "util/strpair.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Selectors per list: a config, not a database. */
#define KUBE_SELECTORS_MAX 256

/* A setter's message, as a config error at this node. */
static int setter_result(struct config_ctx *c, const yaml_node_t *node, const char *key, int ret,
			 const char *msg)
{
	if (ret == -EINVAL)
		return config_error(c, node, key, "%s", msg);
	return ret;
}

static int parse_glob(struct config_ctx *c, const char *key, yaml_node_t *value, char **out)
{
	int ret = config_get_string(c, key, value, out);

	if (!ret && !(*out)[0])
		return config_error(c, value, key, "must not be empty (leave it out to match any)");
	return ret;
}

static int parse_sel_namespace(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return parse_glob(c, key, v, &((struct kube_selector *)t)->namespace);
}

static int parse_sel_pod(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return parse_glob(c, key, v, &((struct kube_selector *)t)->pod);
}

static int parse_sel_container(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return parse_glob(c, key, v, &((struct kube_selector *)t)->container);
}

static int parse_sel_port(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	long port;
	int ret = config_get_int(c, key, v, 1, 65535, &port);

	if (!ret)
		((struct kube_selector *)t)->port = (int)port;
	return ret;
}

static int parse_sel_label(struct config_ctx *c, const char *key, const char *name,
			   yaml_node_t *value, void *target)
{
	struct kube_selector *s = target;
	char *glob = NULL;
	int ret = parse_glob(c, key, value, &glob);

	if (!ret)
		ret = strpair_append(&s->labels, &s->n_labels, name, glob);
	free(glob);
	return ret;
}

static int parse_sel_labels(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return config_walk_pairs(c, key, v, parse_sel_label, t);
}

static int parse_selectors(struct config_ctx *c, const char *key, yaml_node_t *node,
			   struct kube_selector **list, size_t *n)
{
	static const struct config_key keys[] = {
		{ "namespace", parse_sel_namespace }, { "pod", parse_sel_pod },
		{ "container", parse_sel_container }, { "labels", parse_sel_labels },
		{ "port", parse_sel_port },	      { NULL, NULL },
	};
	size_t count = 0;
	int ret = config_expect_list(c, key, node);

	if (ret)
		return ret;
	while (config_list_item(c, node, count))
		count++;
	if (count > KUBE_SELECTORS_MAX)
		return config_error(c, node, key, "at most %d selectors", KUBE_SELECTORS_MAX);
	kube_selectors_free(*list, *n);
	*list = calloc(count ? count : 1, sizeof(**list));
	*n = 0;
	if (!*list)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = config_list_item(c, node, i);
		struct kube_selector *s = &(*list)[i];
		char path[CONFIG_KEY_PATH_MAX];

		config_index_path(path, key, i);
		(*n)++;
		ret = config_walk_map(c, path, item, keys, s);
		if (ret)
			return ret;
		if (!s->namespace && !s->pod && !s->container && !s->n_labels && !s->port)
			return config_error(c, item, path,
					    "a selector needs one of namespace, pod, container, "
					    "labels, port");
	}
	return 0;
}

static int parse_include(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	struct kube_config *k = t;

	return parse_selectors(c, key, v, &k->include, &k->n_include);
}

static int parse_exclude(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	struct kube_config *k = t;

	return parse_selectors(c, key, v, &k->exclude, &k->n_exclude);
}

static int parse_enabled(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return config_get_bool(c, key, v, &((struct kube_config *)t)->enabled);
}

static int parse_exclude_system(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return config_get_bool(c, key, v, &((struct kube_config *)t)->exclude_system_namespaces);
}

static int parse_label_name(struct config_ctx *c, const char *key, yaml_node_t *v,
			    struct kube_config *k, enum kube_label_role role)
{
	char msg[CONFIG_ERROR_MSG_MAX];
	const char *name;
	int ret = config_get_text(c, key, v, &name);

	if (ret)
		return ret;
	return setter_result(c, v, key, kube_config_set_label_name(k, role, name, msg, sizeof(msg)),
			     msg);
}

static int parse_name_namespace(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return parse_label_name(c, key, v, t, KUBE_LABEL_NAMESPACE);
}

static int parse_name_pod(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return parse_label_name(c, key, v, t, KUBE_LABEL_POD);
}

static int parse_name_container(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return parse_label_name(c, key, v, t, KUBE_LABEL_CONTAINER);
}

static int parse_name_node(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return parse_label_name(c, key, v, t, KUBE_LABEL_NODE);
}

static int parse_label_names(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	static const struct config_key keys[] = {
		{ "namespace", parse_name_namespace },
		{ "pod", parse_name_pod },
		{ "container", parse_name_container },
		{ "node", parse_name_node },
		{ NULL, NULL },
	};

	return config_walk_map(c, key, v, keys, t);
}

static int parse_cgroup_root(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	struct kube_config *k = t;
	int ret = config_get_string(c, key, v, &k->cgroup_root);

	if (!ret && k->cgroup_root[0] != '/')
		return config_error(c, v, key,
				    "must be an absolute path inside the cgroup v2 hierarchy");
	return ret;
}

static int parse_dirs(struct config_ctx *c, const char *key, yaml_node_t *node, char ***dirs,
		      size_t *n)
{
	const char *paths[KUBE_DIRS_MAX + 1];
	char msg[CONFIG_ERROR_MSG_MAX];
	size_t count = 0;
	int ret = config_expect_list(c, key, node);

	if (ret)
		return ret;
	while (config_list_item(c, node, count))
		count++;
	if (count > KUBE_DIRS_MAX)
		return config_error(c, node, key, "at most %d directories", KUBE_DIRS_MAX);
	for (size_t i = 0; i < count; i++) {
		char path[CONFIG_KEY_PATH_MAX];

		config_index_path(path, key, i);
		ret = config_get_text(c, path, config_list_item(c, node, i), &paths[i]);
		if (ret)
			return ret;
	}
	return setter_result(c, node, key,
			     kube_config_set_dirs(dirs, n, paths, count, msg, sizeof(msg)), msg);
}

static int parse_containerd_dirs(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	struct kube_config *k = t;

	return parse_dirs(c, key, v, &k->containerd_dirs, &k->n_containerd_dirs);
}

static int parse_crio_dirs(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	struct kube_config *k = t;

	return parse_dirs(c, key, v, &k->crio_dirs, &k->n_crio_dirs);
}

static int parse_rescan(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	char msg[CONFIG_ERROR_MSG_MAX];
	const char *text;
	double seconds;
	int ret = config_get_text(c, key, v, &text);

	if (ret)
		return ret;
	if (config_parse_duration(text, &seconds))
		return config_error(c, v, key, "'%s' is not a duration (500ms, 1s)", text);
	return setter_result(
		c, v, key,
		kube_config_set_rescan_ms(t, (long)(seconds * 1000 + 0.5), msg, sizeof(msg)), msg);
}

static int parse_api(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	struct kube_config *k = t;

	return config_parse_kube_api(c, key, v, &k->api);
}

int config_parse_kubernetes(struct config_ctx *c, const char *key, yaml_node_t *node, void *target)
{
	static const struct config_key keys[] = {
		{ "enabled", parse_enabled },
		{ "include", parse_include },
		{ "exclude", parse_exclude },
		{ "exclude_system_namespaces", parse_exclude_system },
		{ "label_names", parse_label_names },
		{ "cgroup_root", parse_cgroup_root },
		{ "containerd_state_dirs", parse_containerd_dirs },
		{ "crio_storage_dirs", parse_crio_dirs },
		{ "rescan_interval", parse_rescan },
		{ "api", parse_api },
		{ NULL, NULL },
	};

	return config_walk_map(c, key, node, keys, target);
}
