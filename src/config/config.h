/*
 * config — every option of the exporter in one struct, filled by the YAML file (--config)
 * and then by the command line (flags override the file). See README "Configuration reference".
 *
 * Ownership: every string and array in struct exporter_config is heap memory owned by the
 * struct and freed by config_release(); setters replace (and free) what was there.
 */
#ifndef FEE_CONFIG_H
#define FEE_CONFIG_H

#include <stddef.h>
#include <sys/types.h>

#include "config/group_by.h"
#include "config/hook_mode.h"
#include "config/kube_api.h"
#include "config/metric_spec.h"
#include "config/target_kind.h"
#include "util/strpair.h"

/* A port in the exporters' range (9100-9999) that no well-known exporter uses. */
#define CONFIG_DEFAULT_PORT 9969
/* Label sets per default request family before new ones count under "<overflow>": a few
 * hundred routes x methods x statuses fit, and a target's scrape stays in the tens of
 * thousands of samples (a histogram child is 18 samples with _created). */
#define CONFIG_DEFAULT_MAX_SERIES 2000
/* The largest max_series the file or the command line takes. */
#define CONFIG_MAX_SERIES_LIMIT 100000000
/* The endpoint's abuse limits (--web.* flags, web_limits:); docs/securing-the-endpoint.md
 * says why each default. */
#define CONFIG_DEFAULT_WEB_MAX_CONNECTIONS 1024
#define CONFIG_DEFAULT_WEB_IDLE_TIMEOUT 30    /* s without a byte, mid-response */
#define CONFIG_DEFAULT_WEB_REQUEST_TIMEOUT 10 /* s to deliver a whole request head */
#define CONFIG_DEFAULT_WEB_MAX_HEADER_BYTES 16384
#define CONFIG_DEFAULT_WEB_MAX_NAMES 256
/* Room for the first config error, "FILE:LINE: KEY: MESSAGE". */
#define CONFIG_ERROR_MAX 512

/* A static info gauge (the library's metrics.info(name, help, **labels)): value 1. */
struct config_info {
	size_t line; /* where the file declares it, for messages; 0 when not from a file */
	char *name;
	char *help;
	struct strpair *labels; /* the gauge's labels and their values */
	size_t n_labels;
};

/* A target: --pid, --cgroup, --exe or --port (with the --target-label flags after it), or
 * an item of `targets:`. Its index in exporter_config.targets is the records' `target`. */
struct config_target {
	enum target_kind kind;
	pid_t pid;		/* TARGET_PID */
	char *path;		/* TARGET_CGROUP: the directory; TARGET_EXE: the glob */
	int port;		/* TARGET_PORT */
	struct strpair *labels; /* static labels on this target's request series */
	size_t n_labels;
};

/* One rule of `routes:`, as written; the app's route table is built from these
 * (config_route_table, config/routes.h). */
struct config_route {
	size_t line; /* where the file declares it, for messages */
	char *rule;
	char *endpoint; /* NULL: the rule text */
	char **methods;
	size_t n_methods;
	int tracking; /* enum route_tracking */
};

/* One custom metric of `metrics:`; spec points into the owned fields. */
struct config_metric {
	size_t line; /* where the file declares it, for messages ("FILE:LINE: metrics[i]") */
	struct custom_metric_spec spec;
	char **scope;
	struct custom_label *labels; /* name and arg owned */
	int has_type;		     /* while the file loads: type: was given */
	size_t buckets_line;	     /* while the file loads: where buckets: is, 0: not given */
};

/* Directories per runtime: a config, not a database. */
#define KUBE_DIRS_MAX 16
/* Longest wait before a new pod is seen, and the default wait. */
#define KUBE_RESCAN_MS_MAX 1000
#define KUBE_RESCAN_MS_DEFAULT 500

/* One item of include: or exclude:. Every field given must match (NULL/0: any). */
struct kube_selector {
	char *namespace; /* fnmatch(3) globs */
	char *pod;
	char *container;
	/* Pod labels required, value: a glob the label's value must match. CRI-O keeps pod
	 * labels on the node; containerd not. */
	struct strpair *labels;
	size_t n_labels;
	int port; /* the container listens on it, in its own network namespace */
};

enum kube_label_role {
	KUBE_LABEL_NAMESPACE,
	KUBE_LABEL_POD,
	KUBE_LABEL_CONTAINER,
	KUBE_LABEL_NODE,
	KUBE_LABEL_ROLES,
};

struct kube_config {
	int enabled;
	struct kube_selector *include; /* none: every container not excluded */
	size_t n_include;
	struct kube_selector *exclude;
	size_t n_exclude;
	int exclude_system_namespaces;
	char *label_names[KUBE_LABEL_ROLES]; /* k8s_namespace, k8s_pod, k8s_container, k8s_node */
	char *node_name;   /* $NODE_NAME (the downward API), NULL: no node label */
	char *cgroup_root; /* "/" */
	char **containerd_dirs;
	size_t n_containerd_dirs;
	char **crio_dirs;
	size_t n_crio_dirs;
	int rescan_ms;
	struct kube_api_options api; /* kubernetes.api: pod metadata from the API server */
};

enum config_latency {
	CONFIG_LATENCY_HISTOGRAM, /* default_latency_as_histogram=True (the default) */
	CONFIG_LATENCY_SUMMARY,	  /* ... =False: a Summary of the same name, no quantiles */
};

struct exporter_config {
	/* Targets, in the order given (the file's, then the flags'). */
	struct config_target *targets;
	size_t n_targets;

	/* The metrics endpoint. */
	char listen_host[256]; /* "" = all interfaces */
	int listen_port;
	char *metrics_path;    /* "/metrics" */
	char *web_config_file; /* --web.config.file: TLS, auth (exporter-toolkit); NULL: none */
	struct config_web_limits {
		long max_connections;  /* open connections before the oldest waiting goes */
		long idle_timeout;     /* seconds */
		long request_timeout;  /* seconds */
		long max_header_bytes; /* request line and headers */
		long max_names;	       /* ?name[]= parameters per scrape */
	} web_limits;

	/* The default families (prometheus_flask_exporter's export_defaults). */
	int defaults;	 /* 0: none of the four default families (export_defaults=False) */
	char *prefix;	 /* "flask"; "" = no prefix and no underscore */
	double *buckets; /* NULL = the library's default buckets; +Inf not included */
	size_t n_buckets;
	enum config_latency latency;
	int created;		/* _created samples (1 by default) */
	struct strpair *labels; /* default_labels: static labels on the request families */
	size_t n_labels;
	char **exclude; /* excluded_paths: regexes, re.match semantics */
	size_t n_exclude;
	struct config_info *info; /* static info gauges */
	size_t n_info;
	long max_series; /* cardinality cap per default family (series_cap.h); 0: none */
	int fold_ids;	 /* fold id-like path segments into ":id" (path_fold.h) */
	long ring_kb;	 /* --ring-buffer-kb: the kernel's ring buffer (0: FEE_RING_KB_DEFAULT) */
	int process_metrics; /* the app's process_* and python_info (1 by default) */

	/* Routes, group_by and custom metrics: see config/routes.h. */
	enum group_by group_by;		 /* GROUP_BY_PATH by default */
	int has_routes;			 /* a routes: section was given */
	char *static_url_path;		 /* NULL: Flask's "/static" */
	int no_static_route;		 /* static_url_path: null */
	struct config_route *routes_cfg; /* routes: as written */
	size_t n_routes;
	struct config_metric *metrics; /* metrics: */
	size_t n_metrics;

	/* Every selected container of this node's pods as a target (kubernetes:, --kubernetes). */
	struct kube_config kubernetes;

	/* How to run. */
	enum hook_mode hooks; /* how to hook socket I/O (--hooks); default auto */
	int verbose;
	double once_seconds; /* > 0: --once: wait this long, print the exposition, exit */
	int check_config;    /* --check-config: validate and exit */
	int top;	     /* `top`: the live terminal view instead of the endpoint */
	char *top_url;	     /* `top URL`: view a running exporter's metrics, attach nothing */
	char *config_file;   /* --config FILE, NULL when none */
};

/* The defaults, before any file or flag. Returns 0 or -ENOMEM. */
int config_init(struct exporter_config *cfg);
void config_release(struct exporter_config *cfg);

/*
 * Setters shared by the file and the command line, so both check the same way. Each
 * returns 0, -EINVAL (with a message, without file or key, in err) or -ENOMEM.
 */
int config_set_string(char **field, const char *value);
/* "0.05,0.1,1" (the flag) -> buckets; strictly ascending, finite; a trailing inf is dropped. */
int config_parse_buckets(const char *text, double **out, size_t *n, char *err, size_t err_size);
/* Checks and takes a bucket list (ownership moves to cfg). */
int config_set_buckets(struct exporter_config *cfg, double *buckets, size_t n, char *err,
		       size_t err_size);
int config_set_latency(struct exporter_config *cfg, const char *name, char *err, size_t err_size);
/* Adds a regex after checking it compiles. */
int config_add_exclude(struct exporter_config *cfg, const char *regex, char *err, size_t err_size);
/* Adds or replaces a static label; the key must be a valid, unreserved label name. */
int config_set_label(struct exporter_config *cfg, const char *key, const char *value, char *err,
		     size_t err_size);
int config_set_metrics_path(struct exporter_config *cfg, const char *path, char *err,
			    size_t err_size);
int config_set_prefix(struct exporter_config *cfg, const char *prefix, char *err, size_t err_size);
/* One of the endpoint's limits by its YAML name (max_connections, idle_timeout,
 * request_timeout, max_header_bytes, max_names) from text: a count, or a duration (10s, 1m)
 * for the timeouts. */
int config_set_web_limit(struct exporter_config *cfg, const char *name, const char *text, char *err,
			 size_t err_size);
/* The kernel's ring buffer in KiB: a power of two from 4 (a page) to 1048576. */
int config_set_ring_buffer_kb(struct exporter_config *cfg, long kb, char *err, size_t err_size);
/*
 * Adds a target of `kind` from its text ("4242", "/sys/fs/cgroup/app", "/usr/bin/uwsgi*",
 * "8000"): a positive PID, a non-empty path or glob, a port 1..65535; at most TARGET_MAX
 * targets.
 */
int config_add_target(struct exporter_config *cfg, enum target_kind kind, const char *text,
		      char *err, size_t err_size);
/* Adds or replaces a static label of one target; the same checks as config_set_label. */
int config_set_target_label(struct config_target *t, const char *key, const char *value, char *err,
			    size_t err_size);

/* listen: "HOST:PORT", "[V6ADDR]:PORT" or ":PORT" (port 0..65535). */
int config_set_listen(struct exporter_config *cfg, const char *text, char *err, size_t err_size);
/* "path" etc. -> cfg->group_by (--group-by, group_by:). */
int config_set_group_by(struct exporter_config *cfg, const char *name, char *err, size_t err_size);
/* hooks: "auto", "fentry", "kprobe" or "tracepoint". */
int config_set_hooks(struct exporter_config *cfg, const char *text, char *err, size_t err_size);

/* Splits "HOST:PORT", "[V6ADDR]:PORT" or ":PORT" into host and port. Returns 0 or -EINVAL. */
int config_parse_listen(const char *text, char *host, size_t host_size, int *port);

/* Adds or replaces a label of an info gauge: a valid label name, not starting with __. */
int config_set_info_label(struct config_info *info, const char *key, const char *value, char *err,
			  size_t err_size);

/* The app's process metrics on or off (--no-process-metrics, process_metrics:). */
void config_set_process_metrics(struct exporter_config *cfg, int on);
/* `top URL`: an http:// or https:// URL of a running exporter's metrics. */
int config_set_top_url(struct exporter_config *cfg, const char *url, char *err, size_t err_size);

/* Decimal text, all of it, in min..max -> *out. Returns 0 or -EINVAL. */
int config_parse_long(const char *text, long min, long max, long *out);

/* "10s", "500ms", "2m", "1.5" (seconds) -> seconds, > 0. */
int config_parse_duration(const char *text, double *seconds);

/* --- kubernetes: ------------------------------------------------------------------- */

/* Its defaults (disabled; label names, runtime dirs, NODE_NAME from the environment). 0 or
 * -ENOMEM. */
int kube_config_init(struct kube_config *k);
void kube_config_release(struct kube_config *k);

/* Frees a list of selectors (include: or exclude:). */
void kube_selectors_free(struct kube_selector *s, size_t n);

/* Setters the file and the flags share; 0, -EINVAL with a message in err, or -ENOMEM. */
int kube_config_set_label_name(struct kube_config *k, enum kube_label_role role, const char *name,
			       char *err, size_t err_size);
int kube_config_set_rescan_ms(struct kube_config *k, long ms, char *err, size_t err_size);
/* The containerd / CRI-O directory lists, replaced by the file's (absolute paths). */
int kube_config_set_dirs(char ***dirs, size_t *n, const char *const *paths, size_t n_paths,
			 char *err, size_t err_size);

/* A label name the request families may carry besides their own: valid, not reserved
 * (method, path, status, le, quantile, __*). */
int config_check_request_label_name(const char *key, char *err, size_t err_size);

#endif
