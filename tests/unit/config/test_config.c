// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The YAML config: every key of a good file lands in the struct; each broken file is refused
 * with "FILE:LINE: KEY: MESSAGE". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "config/config.h"
#include "config/config_file.h"

static void test_good_file(void **state)
{
	static const char yaml[] = "# every option the core knows\n"
				   "pids: [42, 7]\n"
				   "listen: 127.0.0.1:9100\n"
				   "metrics_path: /prometheus\n"
				   "verbose: yes\n"
				   "hooks: kprobe\n"
				   "ring_buffer_kb: 64\n"
				   "defaults: true\n"
				   "prefix: ''\n"
				   "buckets: [0.05, 0.1, 1, .inf]\n"
				   "latency: summary\n"
				   "created: false\n"
				   "labels:\n"
				   "  team: web\n"
				   "  version: 1.0\n"
				   "exclude:\n"
				   "  - ^/static\n"
				   "  - /health$\n"
				   "info:\n"
				   "  - name: app_info\n"
				   "    help: Application info\n"
				   "    labels: {version: \"1.0.3\"}\n"
				   "  - {name: build_info, help: Build}\n";
	struct exporter_config cfg;
	char err[CONFIG_ERROR_MAX] = "";

	assert_int_equal(config_init(&cfg), 0);
	assert_int_equal(config_load_string(&cfg, yaml, "good.yaml", err, sizeof(err)), 0);
	assert_int_equal(cfg.n_targets, 2);
	assert_int_equal(cfg.targets[1].kind, TARGET_PID);
	assert_int_equal(cfg.targets[1].pid, 7);
	assert_string_equal(cfg.listen_host, "127.0.0.1");
	assert_int_equal(cfg.listen_port, 9100);
	assert_string_equal(cfg.metrics_path, "/prometheus");
	assert_int_equal(cfg.verbose, 1);
	assert_int_equal(cfg.hooks, HOOK_MODE_KPROBE);
	assert_int_equal(cfg.ring_kb, 64);
	assert_string_equal(cfg.prefix, "");
	assert_int_equal(cfg.n_buckets, 3); /* .inf dropped: the registry appends it */
	assert_true(cfg.buckets[2] == 1.0);
	assert_int_equal(cfg.latency, CONFIG_LATENCY_SUMMARY);
	assert_int_equal(cfg.created, 0);
	assert_int_equal(cfg.n_labels, 2);
	assert_string_equal(cfg.labels[1].key, "version");
	assert_string_equal(cfg.labels[1].value, "1.0");
	assert_int_equal(cfg.n_exclude, 2);
	assert_string_equal(cfg.exclude[0], "^/static");
	assert_int_equal(cfg.n_info, 2);
	assert_string_equal(cfg.info[0].name, "app_info");
	assert_string_equal(cfg.info[0].help, "Application info");
	assert_int_equal(cfg.info[0].n_labels, 1);
	assert_string_equal(cfg.info[0].labels[0].value, "1.0.3");
	assert_int_equal(cfg.info[1].n_labels, 0);
	config_release(&cfg);
}

/* targets: every kind, labels before or after the kind; pids: adds PID targets first. */
static void test_targets(void **state)
{
	static const char yaml[] = "pids: [42]\n"
				   "targets:\n"
				   "  - pid: 7\n"
				   "    labels: {service: billing, team: a}\n"
				   "  - labels: {service: search}\n"
				   "    cgroup: /sys/fs/cgroup/unified/search\n"
				   "  - exe: /usr/bin/uwsgi*\n"
				   "  - {port: 8000}\n";
	struct exporter_config cfg;
	char err[CONFIG_ERROR_MAX] = "";

	assert_int_equal(config_init(&cfg), 0);
	assert_int_equal(config_load_string(&cfg, yaml, "t.yaml", err, sizeof(err)), 0);
	assert_int_equal(cfg.n_targets, 5);
	assert_int_equal(cfg.targets[0].pid, 42);
	assert_int_equal(cfg.targets[1].kind, TARGET_PID);
	assert_int_equal(cfg.targets[1].pid, 7);
	assert_int_equal(cfg.targets[1].n_labels, 2);
	assert_string_equal(cfg.targets[1].labels[1].key, "team");
	assert_int_equal(cfg.targets[2].kind, TARGET_CGROUP);
	assert_string_equal(cfg.targets[2].path, "/sys/fs/cgroup/unified/search");
	assert_string_equal(cfg.targets[2].labels[0].value, "search");
	assert_int_equal(cfg.targets[3].kind, TARGET_EXE);
	assert_string_equal(cfg.targets[3].path, "/usr/bin/uwsgi*");
	assert_int_equal(cfg.targets[4].kind, TARGET_PORT);
	assert_int_equal(cfg.targets[4].port, 8000);
	assert_int_equal(cfg.targets[4].n_labels, 0);
	config_release(&cfg);
}

static void test_empty_and_single_regex(void **state)
{
	struct exporter_config cfg;
	char err[CONFIG_ERROR_MAX] = "";

	assert_int_equal(config_init(&cfg), 0);
	assert_int_equal(config_load_string(&cfg, "", "empty.yaml", err, sizeof(err)), 0);
	assert_string_equal(cfg.prefix, "flask");
	assert_int_equal(config_load_string(&cfg, "# nothing\n---\n", "c.yaml", err, sizeof(err)),
			 0);
	/* excluded_paths may be one regex, as in the library */
	assert_int_equal(
		config_load_string(&cfg, "exclude: /admin\n", "one.yaml", err, sizeof(err)), 0);
	assert_int_equal(cfg.n_exclude, 1);
	config_release(&cfg);
}

/* Each broken file and the exact first line of its message. */
static const struct {
	const char *yaml;
	const char *message;
} broken[] = {
	{ "prefix: x\nbogus: 1\n",
	  "t.yaml:2: bogus: unknown key (known: pids, listen, "
	  "metrics_path, hooks, verbose, defaults, "
	  "prefix, buckets, latency, created, labels, exclude, info, "
	  "group_by, static_url_path, routes, metrics, max_series, "
	  "fold_ids, process_metrics, ring_buffer_kb, targets, kubernetes, web_config_file, "
	  "web_limits)" },
	{ "ring_buffer_kb: 1000\n",
	  "t.yaml:1: ring_buffer_kb: expected a power of two from 4 to 1048576, got 1000" },
	{ "targets: {pid: 1}\n", "t.yaml:1: targets: expected a list, got a mapping" },
	{ "targets:\n  - labels: {a: b}\n",
	  "t.yaml:2: targets[0]: a target needs one of pid, cgroup, exe or port" },
	{ "targets:\n  - {pid: 1, port: 80}\n",
	  "t.yaml:2: targets[0].port: a target is one of pid, cgroup, exe or port, not several" },
	{ "targets:\n  - port: 70000\n",
	  "t.yaml:2: targets[0].port: not a TCP port (1..65535): '70000'" },
	{ "targets:\n  - pid: me\n", "t.yaml:2: targets[0].pid: not a process id: 'me'" },
	{ "targets:\n  - exe: ''\n", "t.yaml:2: targets[0].exe: empty pattern" },
	{ "targets:\n  - {pod: x}\n",
	  "t.yaml:2: targets[0].pod: unknown key (known: pid, cgroup, exe, port, labels)" },
	{ "targets:\n  - port: 80\n    labels: {status: x}\n",
	  "t.yaml:3: targets[0].labels.status: label 'status' is reserved: the request families "
	  "set it" },
	{ "buckets: 0.1\n", "t.yaml:1: buckets: expected a list of numbers, got a scalar" },
	{ "buckets:\n  - 0.1\n  - fast\n", "t.yaml:3: buckets[1]: expected a number, got 'fast'" },
	{ "buckets: ['0.1']\n", "t.yaml:1: buckets[0]: expected a number, got a scalar" },
	{ "buckets: [1, 0.5]\n",
	  "t.yaml:1: buckets: buckets must be in strictly ascending order (0.5 after 1)" },
	{ "buckets: []\n", "t.yaml:1: buckets: expected at least one bucket bound" },
	{ "latency: gauge\n", "t.yaml:1: latency: expected histogram or summary, got 'gauge'" },
	{ "created: maybe\n", "t.yaml:1: created: expected true or false, got another word" },
	{ "defaults: 'true'\n", "t.yaml:1: defaults: expected true or false, got a scalar" },
	{ "\n\nexclude:\n  - ok\n  - '(unclosed'\n",
	  "t.yaml:5: exclude[1]: bad regex '(unclosed': missing closing parenthesis at offset 9" },
	{ "exclude: {a: b}\n", "t.yaml:1: exclude: expected a list, got a mapping" },
	{ "labels: [a, b]\n", "t.yaml:1: labels: expected a mapping (key: value), got a list" },
	{ "labels:\n  method: GET\n",
	  "t.yaml:2: labels.method: label 'method' is reserved: the request families set it" },
	{ "labels:\n  bad-name: x\n", "t.yaml:2: labels.bad-name: 'bad-name' is not a valid label "
				      "name ([a-zA-Z_][a-zA-Z0-9_]*)" },
	{ "labels:\n  team: ~\n", "t.yaml:2: labels.team: expected a string, got nothing" },
	{ "labels: {a: 1, a: 2}\n", "t.yaml:1: labels.a: given twice" },
	{ "prefix: a\nprefix: b\n", "t.yaml:2: prefix: given twice" },
	{ "prefix: my-app\n",
	  "t.yaml:1: prefix: 'my-app' is not a valid metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*, "
	  "or '' for none)" },
	{ "pids: [1, -3]\n", "t.yaml:1: pids[1]: -3 is out of range (1..2147483647)" },
	{ "pids: 12\n", "t.yaml:1: pids: expected a list, got a scalar" },
	{ "listen: 9969\n",
	  "t.yaml:1: listen: expected HOST:PORT, [ADDR]:PORT or :PORT, got '9969'" },
	{ "metrics_path: metrics\n",
	  "t.yaml:1: metrics_path: expected a path starting with '/', without '?', '#' or spaces, "
	  "outside /-/, got 'metrics'" },
	{ "info:\n  - name: app_info\n    labels: {v: '1'}\n",
	  "t.yaml:2: info[0]: an info gauge needs a help text" },
	{ "info:\n  - help: x\n    nmae: app_info\n",
	  "t.yaml:3: info[0].nmae: unknown key (known: name, help, labels)" },
	{ "info:\n  - name: 1app\n    help: x\n",
	  "t.yaml:2: info[0].name: '1app' is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)" },
	{ "info: {name: x}\n", "t.yaml:1: info: expected a list, got a mapping" },
	{ "- 1\n- 2\n", "t.yaml:1: expected a mapping (key: value), got a list" },
	{ "prefix: [unclosed\n",
	  "t.yaml:2: did not find expected ',' or ']' while parsing a flow sequence" },
	{ "a: b\n\tc: d\n",
	  "t.yaml:2: found a tab character that violates indentation while scanning a plain "
	  "scalar" },
	{ "? [a]\n: b\n", "t.yaml:1: keys must be strings, got a list" },
	{ "kubernetes:\n  include:\n    - {namespace: shop, nmae: x}\n",
	  "t.yaml:3: kubernetes.include[0].nmae: unknown key (known: namespace, pod, container, "
	  "labels, port)" },
	{ "kubernetes:\n  exclude:\n    - {}\n",
	  "t.yaml:3: kubernetes.exclude[0]: a selector needs one of namespace, pod, container, "
	  "labels, port" },
	{ "kubernetes:\n  include: [{port: 70000}]\n",
	  "t.yaml:2: kubernetes.include[0].port: 70000 is out of range (1..65535)" },
	{ "kubernetes:\n  label_names: {pod: status}\n",
	  "t.yaml:2: kubernetes.label_names.pod: label 'status' is reserved: the request families "
	  "set it" },
	{ "kubernetes:\n  label_names: {pod: k8s_namespace}\n",
	  "t.yaml:2: kubernetes.label_names.pod: 'k8s_namespace' already names another Kubernetes "
	  "label" },
	{ "kubernetes:\n  rescan_interval: 5s\n",
	  "t.yaml:2: kubernetes.rescan_interval: must be between 10ms and 1000ms" },
	{ "kubernetes:\n  containerd_state_dirs: [run/containerd]\n",
	  "t.yaml:2: kubernetes.containerd_state_dirs: 'run/containerd' is not an absolute "
	  "directory path" },
	{ "kubernetes:\n  cgroup_root: kubepods\n",
	  "t.yaml:2: kubernetes.cgroup_root: must be an absolute path inside the cgroup v2 "
	  "hierarchy" },
	{ "prefix: a\n---\nprefix: b\n",
	  "t.yaml:3: a second YAML document: put every option in the first" },
};

/* The kubernetes: section: selectors, label names, runtime dirs, defaults. */
static void test_kubernetes_section(void **state)
{
	struct exporter_config cfg;
	char err[CONFIG_ERROR_MAX] = "";
	const struct kube_config *k = &cfg.kubernetes;

	assert_int_equal(config_init(&cfg), 0);
	assert_false(k->enabled);
	assert_true(k->exclude_system_namespaces);
	assert_string_equal(k->label_names[KUBE_LABEL_POD], "k8s_pod");
	assert_int_equal(k->n_containerd_dirs, 2);
	assert_string_equal(k->containerd_dirs[1], "/run/k3s/containerd");
	assert_int_equal(k->rescan_ms, KUBE_RESCAN_MS_DEFAULT);
	assert_int_equal(config_load_string(&cfg,
					    "kubernetes:\n"
					    "  enabled: true\n"
					    "  include:\n"
					    "    - {namespace: 'shop-*', labels: {app: web}}\n"
					    "    - {pod: 'api-*', container: app, port: 8080}\n"
					    "  exclude: [{namespace: staging}]\n"
					    "  exclude_system_namespaces: false\n"
					    "  label_names: {namespace: namespace, pod: pod}\n"
					    "  crio_storage_dirs: [/var/lib/containers/storage]\n"
					    "  rescan_interval: 250ms\n",
					    "t.yaml", err, sizeof(err)),
			 0);
	assert_true(k->enabled);
	assert_int_equal(k->n_include, 2);
	assert_string_equal(k->include[0].namespace, "shop-*");
	assert_int_equal(k->include[0].n_labels, 1);
	assert_string_equal(k->include[0].labels[0].key, "app");
	assert_string_equal(k->include[0].labels[0].value, "web");
	assert_int_equal(k->include[1].port, 8080);
	assert_string_equal(k->exclude[0].namespace, "staging");
	assert_false(k->exclude_system_namespaces);
	assert_string_equal(k->label_names[KUBE_LABEL_NAMESPACE], "namespace");
	assert_string_equal(k->label_names[KUBE_LABEL_CONTAINER], "k8s_container");
	assert_int_equal(k->n_crio_dirs, 1);
	assert_int_equal(k->rescan_ms, 250);
	config_release(&cfg);
}

static void test_broken_files(void **state)
{
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		struct exporter_config cfg;
		char err[CONFIG_ERROR_MAX] = "";
		int ret;

		assert_int_equal(config_init(&cfg), 0);
		ret = config_load_string(&cfg, broken[i].yaml, "t.yaml", err, sizeof(err));
		if (ret != -EINVAL || strcmp(err, broken[i].message))
			fail_msg("case %zu: ret %d\n got: %s\nwant: %s", i, ret, err,
				 broken[i].message);
		config_release(&cfg);
	}
}

static void test_missing_file(void **state)
{
	struct exporter_config cfg;
	char err[CONFIG_ERROR_MAX] = "";

	assert_int_equal(config_init(&cfg), 0);
	assert_int_equal(config_load_file(&cfg, "/nonexistent/x.yaml", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "/nonexistent/x.yaml: cannot read: No such file or directory");
	config_release(&cfg);
}

static void test_durations(void **state)
{
	static const struct {
		const char *text;
		double seconds;
	} ok[] = { { "10s", 10 }, { "500ms", 0.5 }, { "2m", 120 }, { "1.5", 1.5 }, { "1h", 3600 } };
	static const char *const bad[] = { "", "0", "-1s", "10 s", "10x", "s", "inf", "nan", "+1" };
	double s;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(config_parse_duration(ok[i].text, &s), 0);
		assert_true(fabs(s - ok[i].seconds) < 1e-9);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (config_parse_duration(bad[i], &s) == 0)
			fail_msg("accepted duration '%s'", bad[i]);
}

static void test_listen_forms(void **state)
{
	static const struct {
		const char *arg;
		const char *host;
		int port;
	} ok[] = {
		{ "127.0.0.1:9969", "127.0.0.1", 9969 }, { ":8000", "", 8000 },
		{ "localhost:0", "localhost", 0 },	 { "[::1]:9100", "::1", 9100 },
		{ "[::]:65535", "::", 65535 },
	};
	static const char *const bad[] = {
		"9969",	    "127.0.0.1", "127.0.0.1:", "1.2.3.4:65536", "1.2.3.4:-1",
		"::1:9100", "[::1]9100", "[::1",       "host:12ab",
	};
	char host[64];
	int port;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(config_parse_listen(ok[i].arg, host, sizeof(host), &port), 0);
		assert_string_equal(host, ok[i].host);
		assert_int_equal(port, ok[i].port);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(config_parse_listen(bad[i], host, sizeof(host), &port), 0);
	/* A host longer than the buffer is refused, not cut. */
	assert_int_not_equal(config_parse_listen("averyveryverylonghostname:1", host, 8, &port), 0);
}

/* The endpoint's limits: defaults, the file's web_limits: and the flags' setter agree. */
static void test_web_limits(void **state)
{
	static const char yaml[] = "web_config_file: /etc/fee/web.yml\n"
				   "web_limits:\n"
				   "  max_connections: 64\n"
				   "  request_timeout: 1500ms\n"
				   "  idle_timeout: 1m\n"
				   "  max_header_bytes: 4096\n"
				   "  max_names: 8\n";
	struct exporter_config cfg;
	char err[CONFIG_ERROR_MAX] = "";

	assert_int_equal(config_init(&cfg), 0);
	assert_int_equal(cfg.web_limits.max_connections, CONFIG_DEFAULT_WEB_MAX_CONNECTIONS);
	assert_int_equal(cfg.web_limits.request_timeout, CONFIG_DEFAULT_WEB_REQUEST_TIMEOUT);
	assert_null(cfg.web_config_file);
	assert_int_equal(config_load_string(&cfg, yaml, "t.yaml", err, sizeof(err)), 0);
	assert_string_equal(cfg.web_config_file, "/etc/fee/web.yml");
	assert_int_equal(cfg.web_limits.max_connections, 64);
	assert_int_equal(cfg.web_limits.request_timeout, 2); /* whole seconds, rounded up */
	assert_int_equal(cfg.web_limits.idle_timeout, 60);
	assert_int_equal(cfg.web_limits.max_header_bytes, 4096);
	assert_int_equal(cfg.web_limits.max_names, 8);
	assert_int_equal(config_set_web_limit(&cfg, "max_names", "0", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "expected a number from 1 to 100000, got '0'");
	assert_int_equal(config_set_web_limit(&cfg, "idle_timeout", "2d", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "expected a duration from 1s to 24h (10s, 1m), got '2d'");
	assert_int_equal(config_set_web_limit(&cfg, "max_header_bytes", "100", err, sizeof(err)),
			 -EINVAL);
	config_release(&cfg);

	assert_int_equal(config_init(&cfg), 0);
	assert_int_equal(config_load_string(&cfg, "web_limits: {max_connections: lots}\n", "t.yaml",
					    err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.yaml:1: web_limits.max_connections: expected a number from 1 "
				 "to 65536, got 'lots'");
	config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),    cmocka_unit_test(test_empty_and_single_regex),
		cmocka_unit_test(test_broken_files), cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_durations),    cmocka_unit_test(test_listen_forms),
		cmocka_unit_test(test_targets),	     cmocka_unit_test(test_kubernetes_section),
		cmocka_unit_test(test_web_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
