// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config/cli.h"

#include "config/config_file.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_usage(FILE *out)
{
	fprintf(out,
		"Usage: flask_ebpf_exporter TARGET [--target-label KEY=VALUE ...] [TARGET ...]\n"
		"                           [options]\n"
		"       flask_ebpf_exporter --config FILE [options]\n"
		"       flask_ebpf_exporter top TARGET... [options]   live view, attaching itself\n"
		"       flask_ebpf_exporter top URL                   live view of a running\n"
		"                                                     exporter's /metrics\n"
		"\n"
		"Serves prometheus_flask_exporter's metrics for an unmodified HTTP/1.x server\n"
		"(Flask under werkzeug or gunicorn, and others), measured from its socket reads\n"
		"and writes with eBPF. Needs root or capabilities (CAP_BPF, CAP_PERFMON, ...;\n"
		"see the README) and a kernel with BTF.\n"
		"\n"
		"Targets (repeatable, up to %d, in any mix; also targets: in --config):\n"
		"  -p, --pid PID          this process and all its descendants, present and "
		"future\n"
		"                         (for gunicorn and uWSGI give the master's PID)\n"
		"  -c, --cgroup DIR       every process in this cgroup v2 directory and below,\n"
		"                         including processes that join later\n"
		"  -e, --exe GLOB         processes whose executable path matches GLOB (fnmatch),\n"
		"                         and their descendants; re-checked every %d ms\n"
		"  -P, --port PORT        the processes listening on this TCP port, and their\n"
		"                         descendants; re-checked every %d ms\n"
		"      --target-label KEY=VALUE\n"
		"                         a static label on the requests of the target given just\n"
		"                         before it (repeatable)\n"
		"      --kubernetes       every container of this node's pods (kube-system & co.\n"
		"                         excluded), labelled k8s_namespace, k8s_pod,\n"
		"                         k8s_container; select with kubernetes: in --config\n"
		"Configuration:\n"
		"      --config FILE      read options from this YAML file; flags override it\n"
		"      --check-config     validate the configuration and exit (0 when valid)\n"
		"Metrics (prometheus_flask_exporter's options):\n"
		"      --prefix NAME      prefix of the default families (default flask; '' for "
		"none)\n"
		"      --buckets B1,B2,.. histogram bucket bounds, ascending (+Inf appended)\n"
		"      --latency KIND     histogram (default) or summary (_count and _sum only)\n"
		"      --group-by G       the duration histogram's grouping label: path "
		"(default),\n"
		"                         full_path, endpoint or url_rule (routes: in --config)\n"
		"      --exclude REGEX    do not count requests whose path matches at its start\n"
		"                         (Python re.match; repeatable)\n"
		"      --label KEY=VALUE  static label on the request families (repeatable)\n"
		"      --no-created       no _created samples\n"
		"      --no-defaults      no default families (export_defaults=False)\n"
		"      --no-process-metrics\n"
		"                         no process_* and python_info for the app (the\n"
		"                         exporter's own flask_ebpf_exporter_process_* stay)\n"
		"Bounds:\n"
		"      --max-series N     label sets per default family before new ones count\n"
		"                         under \"<overflow>\" (default %d; 0: no cap)\n"
		"      --fold-ids         count id-like path segments (numbers, UUIDs, long hex)\n"
		"                         as \":id\"\n"
		"      --ring-buffer-kb N the kernel-to-daemon ring buffer (default 2048 KiB)\n"
		"Endpoint:\n"
		"  -l, --listen HOST:PORT serve metrics here (default :%d, all interfaces;\n"
		"                         \"[::1]:PORT\" for IPv6, port 0 picks a free port)\n"
		"      --metrics-path P   serve the metrics at this path (default /metrics)\n"
		"      --web.config.file FILE\n"
		"                         TLS, client certificates and basic auth, in the\n"
		"                         exporter-toolkit's format (reloaded on SIGHUP)\n"
		"      --web.max-connections N   open connections (default %d; the one that\n"
		"                         waited longest for its request makes room)\n"
		"      --web.request-timeout D   to send a request head (default %ds)\n"
		"      --web.idle-timeout D      silence mid-response (default %ds)\n"
		"      --web.max-header-bytes N  request line + headers (default %d)\n"
		"      --web.max-names N         ?name[]= parameters per scrape (default %d)\n"
		"      --once DURATION    attach, wait DURATION (10s, 500ms, 2m, or seconds), "
		"print\n"
		"                         the metrics on stdout and exit\n"
		"Other:\n"
		"  -k, --hooks MODE       how to hook socket reads and writes: auto (default:\n"
		"                         the cheapest this kernel has), fentry, kprobe (both on\n"
		"                         the socket functions), fentry-syscall, kprobe-syscall\n"
		"                         or tracepoint; a mode the kernel lacks is an error\n"
		"  -v, --verbose          log more, including libbpf's messages\n"
		"  -h, --help             show this help and exit\n"
		"  -V, --version          show the version and exit\n"
		"\n"
		"Endpoints: /metrics (Prometheus text or OpenMetrics format), /-/ready (200 once\n"
		"every probe is attached), /-/healthy. Exit status 2 for a bad command line or\n"
		"config file.\n",
		TARGET_MAX, CLI_RESCAN_MS, CLI_RESCAN_MS, CONFIG_DEFAULT_MAX_SERIES,
		CONFIG_DEFAULT_PORT, CONFIG_DEFAULT_WEB_MAX_CONNECTIONS,
		CONFIG_DEFAULT_WEB_REQUEST_TIMEOUT, CONFIG_DEFAULT_WEB_IDLE_TIMEOUT,
		CONFIG_DEFAULT_WEB_MAX_HEADER_BYTES, CONFIG_DEFAULT_WEB_MAX_NAMES);
}

/* Long-only options. */
enum {
	OPT_CONFIG = 256,
	OPT_CHECK_CONFIG,
	OPT_PREFIX,
	OPT_BUCKETS,
	OPT_LATENCY,
	OPT_EXCLUDE,
	OPT_LABEL,
	OPT_NO_CREATED,
	OPT_NO_DEFAULTS,
	OPT_METRICS_PATH,
	OPT_ONCE,
	OPT_GROUP_BY,
	OPT_MAX_SERIES,
	OPT_FOLD_IDS,
	OPT_RING_BUFFER_KB,
	OPT_TARGET_LABEL,
	OPT_KUBERNETES,
	OPT_WEB_CONFIG_FILE,
	OPT_WEB_MAX_CONNECTIONS,
	OPT_WEB_REQUEST_TIMEOUT,
	OPT_WEB_IDLE_TIMEOUT,
	OPT_WEB_MAX_HEADER_BYTES,
	OPT_WEB_MAX_NAMES,
	OPT_NO_PROCESS_METRICS,
};

static const struct option longopts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "exe", required_argument, NULL, 'e' },
	{ "port", required_argument, NULL, 'P' },
	{ "target-label", required_argument, NULL, OPT_TARGET_LABEL },
	{ "kubernetes", no_argument, NULL, OPT_KUBERNETES },
	{ "listen", required_argument, NULL, 'l' },
	{ "hooks", required_argument, NULL, 'k' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "buckets", required_argument, NULL, OPT_BUCKETS },
	{ "latency", required_argument, NULL, OPT_LATENCY },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "no-created", no_argument, NULL, OPT_NO_CREATED },
	{ "no-defaults", no_argument, NULL, OPT_NO_DEFAULTS },
	{ "metrics-path", required_argument, NULL, OPT_METRICS_PATH },
	{ "once", required_argument, NULL, OPT_ONCE },
	{ "group-by", required_argument, NULL, OPT_GROUP_BY },
	{ "max-series", required_argument, NULL, OPT_MAX_SERIES },
	{ "fold-ids", no_argument, NULL, OPT_FOLD_IDS },
	{ "ring-buffer-kb", required_argument, NULL, OPT_RING_BUFFER_KB },
	{ "web.config.file", required_argument, NULL, OPT_WEB_CONFIG_FILE },
	{ "web.max-connections", required_argument, NULL, OPT_WEB_MAX_CONNECTIONS },
	{ "web.request-timeout", required_argument, NULL, OPT_WEB_REQUEST_TIMEOUT },
	{ "web.idle-timeout", required_argument, NULL, OPT_WEB_IDLE_TIMEOUT },
	{ "web.max-header-bytes", required_argument, NULL, OPT_WEB_MAX_HEADER_BYTES },
	{ "web.max-names", required_argument, NULL, OPT_WEB_MAX_NAMES },
	{ "no-process-metrics", no_argument, NULL, OPT_NO_PROCESS_METRICS },
	{ NULL, 0, NULL, 0 },
};
static const char shortopts[] = ":p:c:e:P:l:k:vhV";

/* The flag's own spelling, for messages. */
static const char *flag_name(int c)
{
	for (const struct option *o = longopts; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

/* KEY=VALUE -> key (in key[size]) and the value's start. */
static const char *split_label(const char *arg, char *key, size_t key_size, char *msg, size_t size)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || (size_t)(eq - arg) >= key_size) {
		snprintf(msg, size, "expected KEY=VALUE, got '%s'", arg);
		return NULL;
	}
	memcpy(key, arg, (size_t)(eq - arg));
	key[eq - arg] = '\0';
	return eq + 1;
}

static int set_label_flag(struct exporter_config *cfg, const char *arg, char *msg, size_t size)
{
	char key[128];
	const char *value = split_label(arg, key, sizeof(key), msg, size);

	return value ? config_set_label(cfg, key, value, msg, size) : -EINVAL;
}

/* --target-label labels the target given just before it on the command line (the file's
 * targets have labels: of their own); first_flag_target is the first such target. */
static int set_target_label_flag(struct exporter_config *cfg, size_t first_flag_target,
				 const char *arg, char *msg, size_t size)
{
	char key[128];
	const char *value;

	if (cfg->n_targets == first_flag_target) {
		snprintf(msg, size, "give it after the --pid, --cgroup, --exe or --port it labels");
		return -EINVAL;
	}
	value = split_label(arg, key, sizeof(key), msg, size);
	if (!value)
		return -EINVAL;
	return config_set_target_label(&cfg->targets[cfg->n_targets - 1], key, value, msg, size);
}

/*
 * One option of the second pass. Returns 0, -EINVAL with msg filled, or -ENOMEM.
 * first_flag_target: the first target the command line adds (after the file's).
 */
static int apply_option(struct exporter_config *cfg, int c, const char *arg,
			size_t first_flag_target, char *msg, size_t size)
{
	double *buckets;
	size_t n;
	long v;
	int err;

	switch (c) {
	case 'p':
		return config_add_target(cfg, TARGET_PID, arg, msg, size);
	case 'c':
		return config_add_target(cfg, TARGET_CGROUP, arg, msg, size);
	case 'e':
		return config_add_target(cfg, TARGET_EXE, arg, msg, size);
	case 'P':
		return config_add_target(cfg, TARGET_PORT, arg, msg, size);
	case OPT_TARGET_LABEL:
		return set_target_label_flag(cfg, first_flag_target, arg, msg, size);
	case OPT_KUBERNETES:
		cfg->kubernetes.enabled = 1;
		return 0;
	case 'l':
		return config_set_listen(cfg, arg, msg, size);
	case 'k':
		return config_set_hooks(cfg, arg, msg, size);
	case 'v':
		cfg->verbose = 1;
		return 0;
	case OPT_CONFIG:
		return 0; /* read in the first pass */
	case OPT_CHECK_CONFIG:
		cfg->check_config = 1;
		return 0;
	case OPT_PREFIX:
		return config_set_prefix(cfg, arg, msg, size);
	case OPT_BUCKETS:
		err = config_parse_buckets(arg, &buckets, &n, msg, size);
		return err ? err : config_set_buckets(cfg, buckets, n, msg, size);
	case OPT_LATENCY:
		return config_set_latency(cfg, arg, msg, size);
	case OPT_EXCLUDE:
		return config_add_exclude(cfg, arg, msg, size);
	case OPT_LABEL:
		return set_label_flag(cfg, arg, msg, size);
	case OPT_NO_CREATED:
		cfg->created = 0;
		return 0;
	case OPT_NO_DEFAULTS:
		cfg->defaults = 0;
		return 0;
	case OPT_METRICS_PATH:
		return config_set_metrics_path(cfg, arg, msg, size);
	case OPT_GROUP_BY:
		return config_set_group_by(cfg, arg, msg, size);
	case OPT_MAX_SERIES:
		if (config_parse_long(arg, 0, CONFIG_MAX_SERIES_LIMIT, &v)) {
			snprintf(msg, size, "expected a number of label sets (0: no cap), got '%s'",
				 arg);
			return -EINVAL;
		}
		cfg->max_series = v;
		return 0;
	case OPT_FOLD_IDS:
		cfg->fold_ids = 1;
		return 0;
	case OPT_NO_PROCESS_METRICS:
		config_set_process_metrics(cfg, 0);
		return 0;
	case OPT_RING_BUFFER_KB:
		if (config_parse_long(arg, 0, 1 << 20, &v)) {
			snprintf(msg, size, "expected a power of two from 4 to 1048576, got '%s'",
				 arg);
			return -EINVAL;
		}
		return config_set_ring_buffer_kb(cfg, v, msg, size);
	case OPT_WEB_CONFIG_FILE:
		return config_set_string(&cfg->web_config_file, arg);
	case OPT_WEB_MAX_CONNECTIONS:
		return config_set_web_limit(cfg, "max_connections", arg, msg, size);
	case OPT_WEB_REQUEST_TIMEOUT:
		return config_set_web_limit(cfg, "request_timeout", arg, msg, size);
	case OPT_WEB_IDLE_TIMEOUT:
		return config_set_web_limit(cfg, "idle_timeout", arg, msg, size);
	case OPT_WEB_MAX_HEADER_BYTES:
		return config_set_web_limit(cfg, "max_header_bytes", arg, msg, size);
	case OPT_WEB_MAX_NAMES:
		return config_set_web_limit(cfg, "max_names", arg, msg, size);
	case OPT_ONCE:
		if (config_parse_duration(arg, &cfg->once_seconds)) {
			snprintf(msg, size,
				 "expected a duration such as 10s, 500ms, 2m or 1.5, got '%s'",
				 arg);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(msg, size, "unhandled option");
	return -EINVAL;
}

/*
 * First pass: only --config (and whether --help/--version short-cut everything), so that the
 * file is read before the flags that override it. Errors wait for the second pass.
 */
static int find_config(int argc, char **argv, const char **path)
{
	int c, info = 0;

	optind = 0; /* 0, not 1: GNU getopt re-initialises its state (argv was permuted) */
	opterr = 0;
	*path = NULL;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == OPT_CONFIG)
			*path = optarg;
		else if (c == 'h' || c == 'V')
			info = 1;
	}
	return info;
}

enum cli_result cli_parse(int argc, char **argv, struct exporter_config *cfg,
			  cli_file_check_fn check_file)
{
	char msg[CONFIG_ERROR_MAX];
	const char *config_path;
	size_t first_flag_target;
	int c, err;

	if (config_init(cfg)) {
		fprintf(stderr, "flask_ebpf_exporter: out of memory\n");
		return CLI_EXIT_USAGE;
	}
	/* `top ...`: the same options, read after the word (it stands for argv[0]). */
	if (argc > 1 && !strcmp(argv[1], "top")) {
		cfg->top = 1;
		argc--;
		argv++;
	}
	if (!find_config(argc, argv, &config_path) && config_path) {
		err = config_set_string(&cfg->config_file, config_path);
		if (!err)
			err = config_load_file(cfg, config_path, msg, sizeof(msg));
		if (!err && check_file)
			err = check_file(cfg, msg, sizeof(msg));
		if (err) {
			fprintf(stderr, "flask_ebpf_exporter: %s\n",
				err == -EINVAL ? msg : strerror(-err));
			return CLI_EXIT_USAGE;
		}
	}

	optind = 0;
	opterr = 0; /* we print our own messages */
	first_flag_target = cfg->n_targets;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("flask_ebpf_exporter %s\n", FEE_VERSION);
			return CLI_EXIT_OK;
		case ':':
			fprintf(stderr, "flask_ebpf_exporter: option '%s' needs a value\n",
				argv[optind - 1]);
			print_usage(stderr);
			return CLI_EXIT_USAGE;
		case '?':
			fprintf(stderr, "flask_ebpf_exporter: unknown option '%s'\n",
				argv[optind - 1]);
			print_usage(stderr);
			return CLI_EXIT_USAGE;
		default:
			err = apply_option(cfg, c, optarg, first_flag_target, msg, sizeof(msg));
			if (err) {
				fprintf(stderr, "flask_ebpf_exporter: --%s: %s\n", flag_name(c),
					err == -EINVAL ? msg : strerror(-err));
				return CLI_EXIT_USAGE;
			}
		}
	}
	/* `top URL`: the one argument that is not an option. */
	if (cfg->top && optind < argc && !cfg->top_url) {
		err = config_set_top_url(cfg, argv[optind], msg, sizeof(msg));
		if (err) {
			fprintf(stderr, "flask_ebpf_exporter: top: %s\n",
				err == -EINVAL ? msg : strerror(-err));
			return CLI_EXIT_USAGE;
		}
		optind++;
	}
	if (optind < argc) {
		fprintf(stderr, "flask_ebpf_exporter: unexpected argument '%s'\n", argv[optind]);
		print_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cfg->top_url && (cfg->n_targets || cfg->kubernetes.enabled)) {
		fprintf(stderr, "flask_ebpf_exporter: top: give an exporter's URL or targets to "
				"attach to, not both\n");
		return CLI_EXIT_USAGE;
	}
	if (cfg->n_targets == 0 && !cfg->kubernetes.enabled && !cfg->check_config &&
	    !cfg->top_url) {
		fprintf(stderr, "flask_ebpf_exporter: nothing to watch: give at least one --pid, "
				"--cgroup, --exe, --port or --kubernetes (or targets: or "
				"kubernetes: in the config file)\n");
		print_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return CLI_RUN;
}
