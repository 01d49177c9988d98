// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The top level of the YAML file. A section parsed in a file of its own (routes.c, built on
 * yaml_reader.h) adds one line to `top_keys` below; what it owns in struct exporter_config
 * is freed by config_release().
 */
#include "config/config_file.h"

#include "config/kubernetes.h"
#include "config/routes.h"
#include "config/yaml_reader.h"
#include "util/prom_name.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checked(struct config_ctx *c, const yaml_node_t *node, const char *key, int ret,
		   const char *msg)
{
	if (ret == -EINVAL)
		return config_error(c, node, key, "%s", msg);
	return ret;
}

/* A scalar handed to one of the config_set_* setters shared with the command line. */
typedef int (*text_setter_fn)(struct exporter_config *cfg, const char *text, char *err,
			      size_t err_size);

static int set_text(struct config_ctx *c, const char *key, yaml_node_t *value, void *target,
		    text_setter_fn set)
{
	char msg[CONFIG_ERROR_MSG_MAX];
	const char *text = NULL;
	int err = config_get_text(c, key, value, &text);

	if (err)
		return err;
	return checked(c, value, key, set(target, text, msg, sizeof(msg)), msg);
}

/* pids: [PID, ...]: a PID target each (targets: can label them). */
static int parse_pids(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	struct exporter_config *cfg = target;
	int err = config_expect_list(c, key, value);
	yaml_node_t *item;

	for (size_t i = 0; !err && (item = config_list_item(c, value, i)); i++) {
		char path[CONFIG_KEY_PATH_MAX], msg[CONFIG_ERROR_MSG_MAX];
		const char *text = NULL;
		long pid;

		config_index_path(path, key, i);
		err = config_get_int(c, path, item, 1, INT_MAX, &pid);
		if (!err)
			err = config_get_text(c, path, item, &text);
		if (!err)
			err = checked(c, item, path,
				      config_add_target(cfg, TARGET_PID, text, msg, sizeof(msg)),
				      msg);
	}
	return err;
}

/* --- targets: [{pid|cgroup|exe|port: X, labels: {K: V}}] -------------------------------- */

struct target_item {
	struct exporter_config *cfg;
	long index; /* of the target in cfg->targets; -1 until its kind key is seen */
	yaml_node_t *labels;
	char labels_path[CONFIG_KEY_PATH_MAX];
};

static int parse_target_kind(struct config_ctx *c, const char *key, yaml_node_t *value,
			     struct target_item *item, enum target_kind kind)
{
	char msg[CONFIG_ERROR_MSG_MAX];
	const char *text = NULL;
	int err;

	if (item->index >= 0)
		return config_error(c, value, key,
				    "a target is one of pid, cgroup, exe or port, not several");
	err = config_get_text(c, key, value, &text);
	if (!err)
		err = checked(c, value, key,
			      config_add_target(item->cfg, kind, text, msg, sizeof(msg)), msg);
	if (!err)
		item->index = (long)item->cfg->n_targets - 1;
	return err;
}

static int parse_target_pid(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return parse_target_kind(c, key, value, target, TARGET_PID);
}

static int parse_target_cgroup(struct config_ctx *c, const char *key, yaml_node_t *value,
			       void *target)
{
	return parse_target_kind(c, key, value, target, TARGET_CGROUP);
}

static int parse_target_exe(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return parse_target_kind(c, key, value, target, TARGET_EXE);
}

static int parse_target_port(struct config_ctx *c, const char *key, yaml_node_t *value,
			     void *target)
{
	return parse_target_kind(c, key, value, target, TARGET_PORT);
}

/* Labels may come before the kind in the mapping: kept for after the walk. */
static int parse_target_labels(struct config_ctx *c, const char *key, yaml_node_t *value,
			       void *target)
{
	struct target_item *item = target;

	item->labels = value;
	snprintf(item->labels_path, sizeof(item->labels_path), "%s", key);
	return 0;
}

/* A label pair handed to a label setter of its owner (the config, or one target). */
typedef int (*label_setter_fn)(void *owner, const char *key, const char *value, char *err,
			       size_t err_size);

static int set_label_text(struct config_ctx *c, const char *key, const char *name,
			  yaml_node_t *value, void *owner, label_setter_fn set)
{
	char msg[CONFIG_ERROR_MSG_MAX];
	const char *text = NULL;
	int err = config_get_text(c, key, value, &text);

	if (err)
		return err;
	return checked(c, value, key, set(owner, name, text, msg, sizeof(msg)), msg);
}

static int set_target_label(void *target, const char *key, const char *value, char *err,
			    size_t err_size)
{
	return config_set_target_label(target, key, value, err, err_size);
}

static int parse_target_label(struct config_ctx *c, const char *key, const char *name,
			      yaml_node_t *value, void *target)
{
	return set_label_text(c, key, name, value, target, set_target_label);
}

static int parse_targets(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	static const struct config_key keys[] = {
		{ "pid", parse_target_pid },	   { "cgroup", parse_target_cgroup },
		{ "exe", parse_target_exe },	   { "port", parse_target_port },
		{ "labels", parse_target_labels }, { NULL, NULL },
	};
	struct exporter_config *cfg = target;
	int err = config_expect_list(c, key, value);
	yaml_node_t *node;

	for (size_t i = 0; !err && (node = config_list_item(c, value, i)); i++) {
		struct target_item item = { .cfg = cfg, .index = -1 };
		char path[CONFIG_KEY_PATH_MAX];

		config_index_path(path, key, i);
		err = config_walk_map(c, path, node, keys, &item);
		if (!err && item.index < 0)
			err = config_error(c, node, path,
					   "a target needs one of pid, cgroup, exe "
					   "or port");
		if (!err && item.labels)
			err = config_walk_pairs(c, item.labels_path, item.labels,
						parse_target_label, &cfg->targets[item.index]);
	}
	return err;
}

static int parse_listen(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return set_text(c, key, value, target, config_set_listen);
}

static int parse_metrics_path(struct config_ctx *c, const char *key, yaml_node_t *value,
			      void *target)
{
	return set_text(c, key, value, target, config_set_metrics_path);
}

static int parse_group_by(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return set_text(c, key, value, target, config_set_group_by);
}

static int parse_hooks(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return set_text(c, key, value, target, config_set_hooks);
}

static int parse_verbose(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_get_bool(c, key, value, &((struct exporter_config *)target)->verbose);
}

static int parse_defaults(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_get_bool(c, key, value, &((struct exporter_config *)target)->defaults);
}

static int parse_created(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_get_bool(c, key, value, &((struct exporter_config *)target)->created);
}

static int parse_max_series(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_get_int(c, key, value, 0, CONFIG_MAX_SERIES_LIMIT,
			      &((struct exporter_config *)target)->max_series);
}

static int parse_ring_buffer_kb(struct config_ctx *c, const char *key, yaml_node_t *value,
				void *target)
{
	char msg[CONFIG_ERROR_MSG_MAX];
	long kb;
	int err = config_get_int(c, key, value, 0, 1 << 20, &kb);

	if (err)
		return err;
	return checked(c, value, key, config_set_ring_buffer_kb(target, kb, msg, sizeof(msg)), msg);
}

static int parse_web_config_file(struct config_ctx *c, const char *key, yaml_node_t *value,
				 void *target)
{
	return config_get_string(c, key, value,
				 &((struct exporter_config *)target)->web_config_file);
}

/* web_limits: {max_connections: N, idle_timeout: 30s, ...}: each through the flags' setter. */
static int parse_web_limit(struct config_ctx *c, const char *key, const char *name,
			   yaml_node_t *value, void *target)
{
	char msg[CONFIG_ERROR_MSG_MAX];
	const char *text;
	int err = config_get_text(c, key, value, &text);

	if (err)
		return err;
	return checked(c, value, key, config_set_web_limit(target, name, text, msg, sizeof(msg)),
		       msg);
}

static int parse_web_limits(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_walk_pairs(c, key, value, parse_web_limit, target);
}

static int parse_process_metrics(struct config_ctx *c, const char *key, yaml_node_t *value,
				 void *target)
{
	int on;
	int err = config_get_bool(c, key, value, &on);

	if (!err)
		config_set_process_metrics(target, on);
	return err;
}

static int parse_fold_ids(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_get_bool(c, key, value, &((struct exporter_config *)target)->fold_ids);
}

static int parse_prefix(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return set_text(c, key, value, target, config_set_prefix);
}

static int parse_buckets(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	char msg[CONFIG_ERROR_MSG_MAX];
	double *buckets = NULL;
	size_t n = 0;
	int err = config_get_doubles(c, key, value, &buckets, &n);

	if (err)
		return err;
	return checked(c, value, key, config_set_buckets(target, buckets, n, msg, sizeof(msg)),
		       msg);
}

static int parse_latency(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return set_text(c, key, value, target, config_set_latency);
}

static int add_exclude(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return set_text(c, key, value, target, config_add_exclude);
}

/* A regex or a list of them, as the library's excluded_paths. */
static int parse_exclude(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	yaml_node_t *item;
	int err = 0;

	if (value->type == YAML_SCALAR_NODE)
		return add_exclude(c, key, value, target);
	err = config_expect_list(c, key, value);
	for (size_t i = 0; !err && (item = config_list_item(c, value, i)); i++) {
		char path[CONFIG_KEY_PATH_MAX];

		config_index_path(path, key, i);
		err = add_exclude(c, path, item, target);
	}
	return err;
}

static int set_default_label(void *cfg, const char *key, const char *value, char *err,
			     size_t err_size)
{
	return config_set_label(cfg, key, value, err, err_size);
}

static int parse_default_label(struct config_ctx *c, const char *key, const char *name,
			       yaml_node_t *value, void *target)
{
	return set_label_text(c, key, name, value, target, set_default_label);
}

static int parse_labels(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_walk_pairs(c, key, value, parse_default_label, target);
}

/* --- info: [{name, help, labels}] --------------------------------------------------------- */

static int parse_info_name(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	struct config_info *info = target;
	int err = config_get_string(c, key, value, &info->name);

	if (!err && !prom_name_valid(info->name, 1))
		err = config_error(c, value, key,
				   "'%s' is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)",
				   info->name);
	return err;
}

static int parse_info_help(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_get_string(c, key, value, &((struct config_info *)target)->help);
}

static int parse_info_label(struct config_ctx *c, const char *key, const char *name,
			    yaml_node_t *value, void *target)
{
	struct config_info *info = target;
	char msg[CONFIG_ERROR_MSG_MAX];
	const char *text = NULL;
	int err = config_get_text(c, key, value, &text);

	if (!err)
		err = checked(c, value, key,
			      config_set_info_label(info, name, text, msg, sizeof(msg)), msg);
	return err;
}

static int parse_info_labels(struct config_ctx *c, const char *key, yaml_node_t *value,
			     void *target)
{
	return config_walk_pairs(c, key, value, parse_info_label, target);
}

static int parse_info(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	static const struct config_key keys[] = {
		{ "name", parse_info_name },
		{ "help", parse_info_help },
		{ "labels", parse_info_labels },
		{ NULL, NULL },
	};
	struct exporter_config *cfg = target;
	int err = config_expect_list(c, key, value);
	yaml_node_t *item;

	for (size_t i = 0; !err && (item = config_list_item(c, value, i)); i++) {
		struct config_info *grown = realloc(cfg->info, (cfg->n_info + 1) * sizeof(*grown));
		char path[CONFIG_KEY_PATH_MAX];

		if (!grown)
			return -ENOMEM;
		cfg->info = grown;
		memset(&grown[cfg->n_info], 0, sizeof(*grown));
		cfg->n_info++;
		config_index_path(path, key, i);
		grown[cfg->n_info - 1].line = (size_t)item->start_mark.line + 1;
		err = config_walk_map(c, path, item, keys, &grown[cfg->n_info - 1]);
		if (!err && !grown[cfg->n_info - 1].name)
			err = config_error(c, item, path, "an info gauge needs a name");
		if (!err && !grown[cfg->n_info - 1].help)
			err = config_error(c, item, path, "an info gauge needs a help text");
	}
	return err;
}

/* Every top-level key; the handler gets the struct exporter_config. */
static int parse_kubernetes(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_parse_kubernetes(c, key, value,
				       &((struct exporter_config *)target)->kubernetes);
}

static const struct config_key top_keys[] = {
	{ "pids", parse_pids },
	{ "listen", parse_listen },
	{ "metrics_path", parse_metrics_path },
	{ "hooks", parse_hooks },
	{ "verbose", parse_verbose },
	{ "defaults", parse_defaults },
	{ "prefix", parse_prefix },
	{ "buckets", parse_buckets },
	{ "latency", parse_latency },
	{ "created", parse_created },
	{ "labels", parse_labels },
	{ "exclude", parse_exclude },
	{ "info", parse_info },
	{ "group_by", parse_group_by },
	{ "static_url_path", config_parse_static_url_path },
	{ "routes", config_parse_routes },
	{ "metrics", config_parse_metrics },
	{ "max_series", parse_max_series },
	{ "fold_ids", parse_fold_ids },
	{ "process_metrics", parse_process_metrics },
	{ "ring_buffer_kb", parse_ring_buffer_kb },
	{ "targets", parse_targets },
	{ "kubernetes", parse_kubernetes },
	{ "web_config_file", parse_web_config_file },
	{ "web_limits", parse_web_limits },
	{ NULL, NULL },
};

static int load_document(struct config_ctx *c, yaml_node_t *root, void *target)
{
	struct exporter_config *cfg = target;
	int ret;

	if (!root || config_is_null(root)) /* an empty file: nothing to change */
		return 0;
	ret = config_walk_map(c, "", root, top_keys, cfg);
	if (ret)
		return ret;
	/* Sections that refer to each other (metrics name routes), in any order. */
	return config_routes_finish(c, cfg);
}

int config_load_string(struct exporter_config *cfg, const char *yaml, const char *name, char *err,
		       size_t err_size)
{
	return config_yaml_load_string(yaml, name, load_document, cfg, err, err_size);
}

int config_load_file(struct exporter_config *cfg, const char *path, char *err, size_t err_size)
{
	return config_yaml_load_file(path, load_document, cfg, err, err_size);
}
