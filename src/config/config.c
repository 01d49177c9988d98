// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The options' defaults, their checks (the setters the YAML file and the command line
 * share) and their release. The file is read in config_file.c, the flags in cli.c.
 */
#include "config/config.h"

#include "http/path_filter.h"
#include "util/prom_name.h"
#include "util/strlist.h"
#include "util/strpair.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int config_init(struct exporter_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen_port = CONFIG_DEFAULT_PORT;
	cfg->defaults = 1;
	cfg->created = 1;
	cfg->process_metrics = 1;
	cfg->max_series = CONFIG_DEFAULT_MAX_SERIES;
	cfg->latency = CONFIG_LATENCY_HISTOGRAM;
	cfg->hooks = HOOK_MODE_AUTO;
	cfg->web_limits = (struct config_web_limits){
		.max_connections = CONFIG_DEFAULT_WEB_MAX_CONNECTIONS,
		.idle_timeout = CONFIG_DEFAULT_WEB_IDLE_TIMEOUT,
		.request_timeout = CONFIG_DEFAULT_WEB_REQUEST_TIMEOUT,
		.max_header_bytes = CONFIG_DEFAULT_WEB_MAX_HEADER_BYTES,
		.max_names = CONFIG_DEFAULT_WEB_MAX_NAMES,
	};
	cfg->prefix = strdup("flask");
	cfg->metrics_path = strdup("/metrics");
	if (!cfg->prefix || !cfg->metrics_path || kube_config_init(&cfg->kubernetes))
		return -ENOMEM;
	return 0;
}

void config_release(struct exporter_config *cfg)
{
	for (size_t i = 0; i < cfg->n_targets; i++) {
		free(cfg->targets[i].path);
		strpair_free_all(cfg->targets[i].labels, cfg->targets[i].n_labels);
	}
	free(cfg->targets);
	free(cfg->prefix);
	free(cfg->metrics_path);
	free(cfg->web_config_file);
	free(cfg->buckets);
	strpair_free_all(cfg->labels, cfg->n_labels);
	for (size_t i = 0; i < cfg->n_exclude; i++)
		free(cfg->exclude[i]);
	free(cfg->exclude);
	for (size_t i = 0; i < cfg->n_info; i++) {
		free(cfg->info[i].name);
		free(cfg->info[i].help);
		strpair_free_all(cfg->info[i].labels, cfg->info[i].n_labels);
	}
	free(cfg->info);
	for (size_t i = 0; i < cfg->n_routes; i++) {
		struct config_route *r = &cfg->routes_cfg[i];

		free(r->rule);
		free(r->endpoint);
		for (size_t m = 0; m < r->n_methods; m++)
			free(r->methods[m]);
		free(r->methods);
	}
	free(cfg->routes_cfg);
	for (size_t i = 0; i < cfg->n_metrics; i++) {
		struct config_metric *m = &cfg->metrics[i];

		free((char *)m->spec.name);
		free((char *)m->spec.help);
		free((double *)m->spec.buckets);
		for (size_t s = 0; s < m->spec.n_scope; s++)
			free(m->scope[s]);
		free(m->scope);
		for (size_t l = 0; l < m->spec.n_labels; l++) {
			free((char *)m->labels[l].name);
			free((char *)m->labels[l].arg);
		}
		free(m->labels);
	}
	free(cfg->metrics);
	free(cfg->static_url_path);
	free(cfg->config_file);
	kube_config_release(&cfg->kubernetes);
	free(cfg->top_url);
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
	int ret = path_filter_check(regex, err, err_size);

	return ret ? ret : strlist_append(&cfg->exclude, &cfg->n_exclude, regex);
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

static int check_label_name(const char *key, char *err, size_t err_size)
{
	if (!prom_name_valid(key, 0)) {
		snprintf(err, err_size, "'%s' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)",
			 key);
		return -EINVAL;
	}
	return 0;
}

/* A static label of the request families: a valid name they do not set themselves. */
int config_check_request_label_name(const char *key, char *err, size_t err_size)
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
	int ret = config_check_request_label_name(key, err, err_size);

	return ret ? ret : strpair_set(&cfg->labels, &cfg->n_labels, key, value);
}

int config_set_info_label(struct config_info *info, const char *key, const char *value, char *err,
			  size_t err_size)
{
	int ret = check_label_name(key, err, err_size);

	if (ret)
		return ret;
	if (!strncmp(key, "__", 2)) {
		snprintf(err, err_size, "label names starting with __ are reserved");
		return -EINVAL;
	}
	return strpair_set(&info->labels, &info->n_labels, key, value);
}

int config_set_target_label(struct config_target *t, const char *key, const char *value, char *err,
			    size_t err_size)
{
	int ret = config_check_request_label_name(key, err, err_size);

	return ret ? ret : strpair_set(&t->labels, &t->n_labels, key, value);
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
	long v;

	if (cfg->n_targets == TARGET_MAX) {
		snprintf(err, err_size, "at most %d targets", TARGET_MAX);
		return -EINVAL;
	}
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
	if (prefix[0] && !prom_name_valid(prefix, 1)) {
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

int config_set_web_limit(struct exporter_config *cfg, const char *name, const char *text, char *err,
			 size_t err_size)
{
	static const struct {
		const char *name;
		size_t offset;
		int duration;
		long min, max;
	} limits[] = {
		{ "max_connections", offsetof(struct config_web_limits, max_connections), 0, 1,
		  65536 },
		{ "idle_timeout", offsetof(struct config_web_limits, idle_timeout), 1, 1, 86400 },
		{ "request_timeout", offsetof(struct config_web_limits, request_timeout), 1, 1,
		  86400 },
		{ "max_header_bytes", offsetof(struct config_web_limits, max_header_bytes), 0, 1024,
		  1 << 20 },
		{ "max_names", offsetof(struct config_web_limits, max_names), 0, 1, 100000 },
	};
	double seconds;
	long v;

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (strcmp(limits[i].name, name))
			continue;
		if (limits[i].duration) {
			/* libmicrohttpd counts whole seconds: round up. */
			if (config_parse_duration(text, &seconds) || seconds > limits[i].max) {
				snprintf(err, err_size,
					 "expected a duration from 1s to 24h (10s, 1m), got '%s'",
					 text);
				return -EINVAL;
			}
			v = (long)ceil(seconds);
		} else if (config_parse_long(text, limits[i].min, limits[i].max, &v)) {
			snprintf(err, err_size, "expected a number from %ld to %ld, got '%s'",
				 limits[i].min, limits[i].max, text);
			return -EINVAL;
		}
		*(long *)((char *)&cfg->web_limits + limits[i].offset) = v;
		return 0;
	}
	snprintf(err, err_size,
		 "unknown limit '%s' (one of max_connections, idle_timeout, request_timeout, "
		 "max_header_bytes, max_names)",
		 name);
	return -EINVAL;
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
		snprintf(err, err_size,
			 "expected auto, fentry, kprobe, fentry-syscall, "
			 "kprobe-syscall or tracepoint, got '%s'",
			 text);
		return -EINVAL;
	}
	return 0;
}

/* --- kubernetes: ------------------------------------------------------------------- */

static const char *const default_label_names[KUBE_LABEL_ROLES] = { "k8s_namespace", "k8s_pod",
								   "k8s_container", "k8s_node" };
/* Where the usual runtimes keep their state: containerd, k3s' containerd; CRI-O's
 * containers/storage runroot and graphroot. */
static const char *const default_containerd_dirs[] = { "/run/containerd", "/run/k3s/containerd" };
static const char *const default_crio_dirs[] = { "/run/containers/storage",
						 "/var/lib/containers/storage" };

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void kube_selectors_free(struct kube_selector *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].namespace);
		free(s[i].pod);
		free(s[i].container);
		strpair_free_all(s[i].labels, s[i].n_labels);
	}
	free(s);
}

int kube_config_set_dirs(char ***dirs, size_t *n, const char *const *paths, size_t n_paths,
			 char *err, size_t err_size)
{
	char **copy;

	if (n_paths > KUBE_DIRS_MAX) {
		snprintf(err, err_size, "at most %d directories", KUBE_DIRS_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_paths; i++) {
		if (paths[i][0] != '/' || strlen(paths[i]) >= PATH_MAX / 2) {
			snprintf(err, err_size, "'%s' is not an absolute directory path", paths[i]);
			return -EINVAL;
		}
	}
	copy = calloc(n_paths ? n_paths : 1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < n_paths; i++) {
		copy[i] = strdup(paths[i]);
		if (!copy[i]) {
			strings_free(copy, i);
			return -ENOMEM;
		}
	}
	strings_free(*dirs, *n);
	*dirs = copy;
	*n = n_paths;
	return 0;
}

int kube_config_init(struct kube_config *k)
{
	const char *node = getenv("NODE_NAME");
	char err[128];

	memset(k, 0, sizeof(*k));
	kube_api_options_init(&k->api);
	k->exclude_system_namespaces = 1;
	k->rescan_ms = KUBE_RESCAN_MS_DEFAULT;
	for (int i = 0; i < KUBE_LABEL_ROLES; i++)
		if (config_set_string(&k->label_names[i], default_label_names[i]))
			goto nomem;
	if (config_set_string(&k->cgroup_root, "/") ||
	    (node && node[0] && config_set_string(&k->node_name, node)) ||
	    kube_config_set_dirs(&k->containerd_dirs, &k->n_containerd_dirs,
				 default_containerd_dirs, 2, err, sizeof(err)) ||
	    kube_config_set_dirs(&k->crio_dirs, &k->n_crio_dirs, default_crio_dirs, 2, err,
				 sizeof(err)))
		goto nomem;
	return 0;
nomem:
	kube_config_release(k);
	return -ENOMEM;
}

void kube_config_release(struct kube_config *k)
{
	kube_selectors_free(k->include, k->n_include);
	kube_selectors_free(k->exclude, k->n_exclude);
	for (int i = 0; i < KUBE_LABEL_ROLES; i++)
		free(k->label_names[i]);
	free(k->node_name);
	free(k->cgroup_root);
	strings_free(k->containerd_dirs, k->n_containerd_dirs);
	strings_free(k->crio_dirs, k->n_crio_dirs);
	kube_api_options_release(&k->api);
	memset(k, 0, sizeof(*k));
}

int kube_config_set_label_name(struct kube_config *k, enum kube_label_role role, const char *name,
			       char *err, size_t err_size)
{
	int ret = config_check_request_label_name(name, err, err_size);

	if (ret)
		return ret;
	for (int i = 0; i < KUBE_LABEL_ROLES; i++) {
		if (i != (int)role && !strcmp(k->label_names[i], name)) {
			snprintf(err, err_size, "'%s' already names another Kubernetes label",
				 name);
			return -EINVAL;
		}
	}
	return config_set_string(&k->label_names[role], name);
}

int kube_config_set_rescan_ms(struct kube_config *k, long ms, char *err, size_t err_size)
{
	if (ms < 10 || ms > KUBE_RESCAN_MS_MAX) {
		snprintf(err, err_size, "must be between 10ms and %dms", KUBE_RESCAN_MS_MAX);
		return -EINVAL;
	}
	k->rescan_ms = (int)ms;
	return 0;
}

void config_set_process_metrics(struct exporter_config *cfg, int on)
{
	cfg->process_metrics = on != 0;
}

int config_set_top_url(struct exporter_config *cfg, const char *url, char *err, size_t err_size)
{
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
		snprintf(err, err_size,
			 "expected an http:// or https:// URL of an exporter's metrics, "
			 "got '%s'",
			 url);
		return -EINVAL;
	}
	return config_set_string(&cfg->top_url, url);
}
