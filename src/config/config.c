// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The options' defaults and checks, and the top level of the YAML file. A section parsed in
 * a file of its own (config_<section>.c, built on config_yaml.h) adds one line to
 * `top_keys` below and, when it owns memory in struct exporter_config, one call to
 * config_release().
 */
#include "config/config.h"

#include "config/routes.h"
#include "config/yaml_reader.h"
#include "http/path_filter.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int config_init(struct exporter_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen_port = CONFIG_DEFAULT_PORT;
	cfg->defaults = 1;
	cfg->created = 1;
	cfg->max_series = CONFIG_DEFAULT_MAX_SERIES;
	cfg->latency = CONFIG_LATENCY_HISTOGRAM;
	cfg->hooks = HOOK_MODE_AUTO;
	cfg->prefix = strdup("flask");
	cfg->metrics_path = strdup("/metrics");
	return cfg->prefix && cfg->metrics_path ? 0 : -ENOMEM;
}

static void labels_free(struct config_label *labels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(labels[i].key);
		free(labels[i].value);
	}
	free(labels);
}

void config_release(struct exporter_config *cfg)
{
	for (size_t i = 0; i < cfg->n_targets; i++) {
		free(cfg->targets[i].path);
		labels_free(cfg->targets[i].labels, cfg->targets[i].n_labels);
	}
	free(cfg->targets);
	free(cfg->prefix);
	free(cfg->metrics_path);
	free(cfg->buckets);
	labels_free(cfg->labels, cfg->n_labels);
	for (size_t i = 0; i < cfg->n_exclude; i++)
		free(cfg->exclude[i]);
	free(cfg->exclude);
	for (size_t i = 0; i < cfg->n_info; i++) {
		free(cfg->info[i].name);
		free(cfg->info[i].help);
		labels_free(cfg->info[i].labels, cfg->info[i].n_labels);
	}
	free(cfg->info);
	config_routes_release(cfg);
	free(cfg->config_file);
	memset(cfg, 0, sizeof(*cfg));
}

/* --- setters shared by the file and the command line ----------------------------------- */

int config_set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

/* Prometheus names: [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no colon). */
static int valid_name(const char *s, int allow_colon)
{
	if (!s[0] || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || (allow_colon && *s == ':')))
			return 0;
	return 1;
}

static int check_buckets(const double *b, size_t n, char *err, size_t err_size)
{
	if (n == 0) {
		snprintf(err, err_size, "expected at least one bucket bound");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (isnan(b[i]) || (isinf(b[i]) && (b[i] < 0 || i != n - 1))) {
			snprintf(err, err_size, "bucket %zu is not a finite number", i + 1);
			return -EINVAL;
		}
		if (i && b[i] <= b[i - 1]) {
			snprintf(err, err_size,
				 "buckets must be in strictly ascending order (%g after %g)", b[i],
				 b[i - 1]);
			return -EINVAL;
		}
	}
	if (n == 1 && isinf(b[0])) {
		snprintf(err, err_size, "expected at least one finite bucket bound besides +Inf");
		return -EINVAL;
	}
	return 0;
}

int config_set_buckets(struct exporter_config *cfg, double *buckets, size_t n, char *err,
		       size_t err_size)
{
	int ret = check_buckets(buckets, n, err, err_size);

	if (ret) {
		free(buckets);
		return ret;
	}
	if (isinf(buckets[n - 1]))
		n--; /* +Inf is appended by the registry, as the client does */
	free(cfg->buckets);
	cfg->buckets = buckets;
	cfg->n_buckets = n;
	return 0;
}

int config_parse_buckets(const char *text, double **out, size_t *n, char *err, size_t err_size)
{
	size_t cap = 1, len = 0;
	const char *p = text;
	double *b;

	for (const char *q = text; *q; q++)
		cap += *q == ',';
	b = calloc(cap, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (;;) {
		char *end;

		errno = 0;
		if (!strncasecmp(p, "+inf", 4) || !strncasecmp(p, "inf", 3)) {
			b[len] = INFINITY;
			end = (char *)p + (p[0] == '+' ? 4 : 3);
		} else {
			b[len] = strtod(p, &end);
		}
		if (errno || end == p || (*end && *end != ',') || isnan(b[len])) {
			snprintf(err, err_size, "expected numbers separated by commas, got '%s'",
				 text);
			free(b);
			return -EINVAL;
		}
		len++;
		if (!*end)
			break;
		p = end + 1;
	}
	*out = b;
	*n = len;
	return 0;
}

int config_set_latency(struct exporter_config *cfg, const char *name, char *err, size_t err_size)
{
	if (!strcmp(name, "histogram")) {
		cfg->latency = CONFIG_LATENCY_HISTOGRAM;
	} else if (!strcmp(name, "summary")) {
		cfg->latency = CONFIG_LATENCY_SUMMARY;
	} else {
		snprintf(err, err_size, "expected histogram or summary, got '%s'", name);
		return -EINVAL;
	}
	return 0;
}

int config_add_exclude(struct exporter_config *cfg, const char *regex, char *err, size_t err_size)
{
	char **grown;
	int ret = path_filter_check(regex, err, err_size);

	if (ret)
		return ret;
	grown = realloc(cfg->exclude, (cfg->n_exclude + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	cfg->exclude = grown;
	grown[cfg->n_exclude] = strdup(regex);
	if (!grown[cfg->n_exclude])
		return -ENOMEM;
	cfg->n_exclude++;
	return 0;
}

/* The request families' own labels (and the histogram's and summary's reserved ones). */
static int reserved_label(const char *key)
{
	static const char *const reserved[] = {
		"method", "path", "status", "le", "quantile", NULL
	};

	for (int i = 0; reserved[i]; i++)
		if (!strcmp(key, reserved[i]))
			return 1;
	return !strncmp(key, "__", 2);
}

/* Adds or replaces key in a label list. */
static int label_list_set(struct config_label **labels, size_t *n, const char *key,
			  const char *value)
{
	struct config_label *grown;
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++) {
		if (!strcmp((*labels)[i].key, key)) {
			free((*labels)[i].value);
			(*labels)[i].value = copy;
			return 0;
		}
	}
	grown = realloc(*labels, (*n + 1) * sizeof(*grown));
	if (!grown) {
		free(copy);
		return -ENOMEM;
	}
	*labels = grown;
	grown[*n].value = copy;
	grown[*n].key = strdup(key);
	if (!grown[*n].key) {
		free(copy);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

static int check_label_name(const char *key, char *err, size_t err_size)
{
	if (!valid_name(key, 0)) {
		snprintf(err, err_size, "'%s' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)",
			 key);
		return -EINVAL;
	}
	return 0;
}

/* A static label of the request families: a valid name they do not set themselves. */
static int check_static_label(const char *key, char *err, size_t err_size)
{
	int ret = check_label_name(key, err, err_size);

	if (ret)
		return ret;
	if (reserved_label(key)) {
		snprintf(err, err_size, "label '%s' is reserved: the request families set it", key);
		return -EINVAL;
	}
	return 0;
}

int config_set_label(struct exporter_config *cfg, const char *key, const char *value, char *err,
		     size_t err_size)
{
	int ret = check_static_label(key, err, err_size);

	return ret ? ret : label_list_set(&cfg->labels, &cfg->n_labels, key, value);
}

int config_set_target_label(struct config_target *t, const char *key, const char *value, char *err,
			    size_t err_size)
{
	int ret = check_static_label(key, err, err_size);

	return ret ? ret : label_list_set(&t->labels, &t->n_labels, key, value);
}

int config_parse_long(const char *text, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int config_add_target(struct exporter_config *cfg, enum target_kind kind, const char *text,
		      char *err, size_t err_size)
{
	struct config_target t = { .kind = kind }, *grown;
	size_t n_cgroups = 0;
	long v;

	if (cfg->n_targets == TARGET_MAX) {
		snprintf(err, err_size, "at most %d targets", TARGET_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->n_targets; i++)
		n_cgroups += cfg->targets[i].kind == TARGET_CGROUP;
	switch (kind) {
	case TARGET_PID:
		if (config_parse_long(text, 1, INT_MAX, &v)) {
			snprintf(err, err_size, "not a process id: '%s'", text);
			return -EINVAL;
		}
		t.pid = (pid_t)v;
		break;
	case TARGET_PORT:
		if (config_parse_long(text, 1, 65535, &v)) {
			snprintf(err, err_size, "not a TCP port (1..65535): '%s'", text);
			return -EINVAL;
		}
		t.port = (int)v;
		break;
	case TARGET_CGROUP:
	case TARGET_EXE:
		if (!text[0]) {
			snprintf(err, err_size, "empty %s",
				 kind == TARGET_EXE ? "pattern" : "directory");
			return -EINVAL;
		}
		if (kind == TARGET_CGROUP && n_cgroups == FEE_MAX_CGROUP_TARGETS) {
			snprintf(err, err_size, "at most %d cgroups", FEE_MAX_CGROUP_TARGETS);
			return -EINVAL;
		}
		t.path = strdup(text);
		if (!t.path)
			return -ENOMEM;
		break;
	default:
		snprintf(err, err_size, "unknown target kind");
		return -EINVAL;
	}
	grown = realloc(cfg->targets, (cfg->n_targets + 1) * sizeof(*grown));
	if (!grown) {
		free(t.path);
		return -ENOMEM;
	}
	cfg->targets = grown;
	cfg->targets[cfg->n_targets++] = t;
	return 0;
}

int config_set_metrics_path(struct exporter_config *cfg, const char *path, char *err,
			    size_t err_size)
{
	if (path[0] != '/' || strpbrk(path, "?# \t\r\n") || !strncmp(path, "/-/", 3)) {
		snprintf(err, err_size,
			 "expected a path starting with '/', without '?', '#' or spaces, outside "
			 "/-/, got '%s'",
			 path);
		return -EINVAL;
	}
	return config_set_string(&cfg->metrics_path, path);
}

int config_set_prefix(struct exporter_config *cfg, const char *prefix, char *err, size_t err_size)
{
	if (prefix[0] && !valid_name(prefix, 1)) {
		snprintf(err, err_size,
			 "'%s' is not a valid metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*, or '' "
			 "for none)",
			 prefix);
		return -EINVAL;
	}
	return config_set_string(&cfg->prefix, prefix);
}

int config_set_ring_buffer_kb(struct exporter_config *cfg, long kb, char *err, size_t err_size)
{
	/* A power of two of pages: what the kernel takes for a ring buffer. */
	if (kb < 4 || kb > 1 << 20 || (kb & (kb - 1))) {
		snprintf(err, err_size, "expected a power of two from 4 to 1048576, got %ld", kb);
		return -EINVAL;
	}
	cfg->ring_kb = kb;
	return 0;
}

int config_parse_duration(const char *text, double *seconds)
{
	static const struct {
		const char *unit;
		double scale;
	} units[] = { { "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "m", 60 }, { "h", 3600 } };
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || !(v > 0) || isinf(v) || text[0] == '+' || text[0] == ' ')
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit)) {
			*seconds = v * units[i].scale;
			return 0;
		}
	}
	return -EINVAL;
}

/* --- the YAML top level ----------------------------------------------------------------- */

/* Runs a setter that reports without file and key, and puts them in front. */
int config_parse_listen(const char *arg, char *host, size_t host_size, int *port)
{
	const char *colon, *host_start = arg, *host_end;
	long p;

	if (arg[0] == '[') { /* [v6addr]:port */
		host_end = strchr(arg, ']');
		if (!host_end || host_end[1] != ':')
			return -EINVAL;
		host_start = arg + 1;
		colon = host_end + 1;
	} else {
		colon = strrchr(arg, ':');
		if (!colon)
			return -EINVAL;
		host_end = colon;
		if (memchr(arg, ':', (size_t)(colon - arg))) /* a bare v6 address needs [] */
			return -EINVAL;
	}
	if ((size_t)(host_end - host_start) >= host_size)
		return -EINVAL;
	if (config_parse_long(colon + 1, 0, 65535, &p))
		return -EINVAL;
	memcpy(host, host_start, (size_t)(host_end - host_start));
	host[host_end - host_start] = '\0';
	*port = (int)p;
	return 0;
}

int config_set_listen(struct exporter_config *cfg, const char *text, char *err, size_t err_size)
{
	if (config_parse_listen(text, cfg->listen_host, sizeof(cfg->listen_host),
				&cfg->listen_port)) {
		snprintf(err, err_size, "expected HOST:PORT, [ADDR]:PORT or :PORT, got '%s'", text);
		return -EINVAL;
	}
	return 0;
}

int config_set_group_by(struct exporter_config *cfg, const char *name, char *err, size_t err_size)
{
	int g = group_by_parse(name);

	if (g < 0) {
		snprintf(err, err_size, "'%s' is not one of path, full_path, endpoint, url_rule",
			 name);
		return -EINVAL;
	}
	cfg->group_by = (enum group_by)g;
	return 0;
}

int config_set_hooks(struct exporter_config *cfg, const char *text, char *err, size_t err_size)
{
	if (hook_mode_parse(text, &cfg->hooks)) {
		snprintf(err, err_size, "expected auto, fentry, kprobe or tracepoint, got '%s'",
			 text);
		return -EINVAL;
	}
	return 0;
}

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

	if (!err && !valid_name(info->name, 1))
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
		err = checked(c, value, key, check_label_name(name, msg, sizeof(msg)), msg);
	if (!err && !strncmp(name, "__", 2))
		err = config_error(c, value, key, "label names starting with __ are reserved");
	if (!err)
		err = label_list_set(&info->labels, &info->n_labels, name, text);
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
	{ "ring_buffer_kb", parse_ring_buffer_kb },
	{ "targets", parse_targets },
	{ NULL, NULL },
};

static int load_document(struct config_ctx *c, struct exporter_config *cfg)
{
	yaml_node_t *root = yaml_document_get_root_node(c->doc);
	int ret;

	if (!root || config_is_null(root)) /* an empty file: nothing to change */
		return 0;
	ret = config_walk_map(c, "", root, top_keys, cfg);
	if (ret)
		return ret;
	/* Sections that refer to each other (metrics name routes), in any order. */
	return config_routes_finish(c, cfg);
}

/* The next document of the stream into doc; -EINVAL with libyaml's problem in err. */
static int parse_document(yaml_parser_t *parser, yaml_document_t *doc, const char *name, char *err,
			  size_t err_size)
{
	size_t line;

	if (yaml_parser_load(parser, doc))
		return 0;
	if (parser->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	line = parser->problem_mark.line + 1;
	if (parser->context)
		snprintf(err, err_size, "%s:%zu: %s %s", name, line, parser->problem,
			 parser->context);
	else
		snprintf(err, err_size, "%s:%zu: %s", name, line,
			 parser->problem ? parser->problem : "not valid YAML");
	return -EINVAL;
}

static int load(struct exporter_config *cfg, yaml_parser_t *parser, const char *name, char *err,
		size_t err_size)
{
	struct config_ctx c = { .file = name, .err = err, .err_size = err_size };
	yaml_document_t doc, next;
	yaml_node_t *root;
	int ret = parse_document(parser, &doc, name, err, err_size);

	if (ret)
		return ret;
	c.doc = &doc;
	ret = load_document(&c, cfg);
	yaml_document_delete(&doc);
	if (ret)
		return ret;
	/* A second document would be ignored silently: say so instead. */
	ret = parse_document(parser, &next, name, err, err_size);
	if (ret)
		return ret;
	root = yaml_document_get_root_node(&next);
	if (root) {
		c.doc = &next;
		ret = config_error(&c, root, NULL,
				   "a second YAML document: put every option in the first");
	}
	yaml_document_delete(&next);
	return ret;
}

int config_load_string(struct exporter_config *cfg, const char *yaml, const char *name, char *err,
		       size_t err_size)
{
	yaml_parser_t parser;
	int ret;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, strlen(yaml));
	ret = load(cfg, &parser, name, err, err_size);
	yaml_parser_delete(&parser);
	return ret;
}

int config_load_file(struct exporter_config *cfg, const char *path, char *err, size_t err_size)
{
	yaml_parser_t parser;
	FILE *f = fopen(path, "rb");
	int ret;

	if (!f) {
		snprintf(err, err_size, "%s: cannot read: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	ret = load(cfg, &parser, path, err, err_size);
	yaml_parser_delete(&parser);
	fclose(f);
	return ret;
}
