// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Command-line parsing: --pid validation, usage errors, flags over the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config/cli.h"

static enum cli_result parse(struct exporter_config *opts, int argc, char **argv)
{
	/* Usage text goes to stderr/stdout; keep test output readable. */
	FILE *saved_err = stderr, *saved_out = stdout;
	enum cli_result r;

	stderr = fopen("/dev/null", "w");
	stdout = stderr;
	r = cli_parse(argc, argv, opts, NULL);
	fclose(stderr);
	stderr = saved_err;
	stdout = saved_out;
	return r;
}

static void test_pids_and_defaults(void **state)
{
	char *argv[] = {
		"fee", "--pid", "42", "-p", "7", "--listen", "127.0.0.1:1234", "-v", NULL
	};
	struct exporter_config opts;

	assert_int_equal(parse(&opts, 8, argv), CLI_RUN);
	assert_int_equal(opts.n_targets, 2);
	assert_int_equal(opts.targets[0].kind, TARGET_PID);
	assert_int_equal(opts.targets[0].pid, 42);
	assert_int_equal(opts.targets[1].pid, 7);
	assert_string_equal(opts.listen_host, "127.0.0.1");
	assert_int_equal(opts.listen_port, 1234);
	assert_int_equal(opts.verbose, 1);
	config_release(&opts);

	char *argv2[] = { "fee", "--pid", "1", NULL };
	assert_int_equal(parse(&opts, 3, argv2), CLI_RUN);
	assert_string_equal(opts.listen_host, "");
	assert_int_equal(opts.listen_port, CONFIG_DEFAULT_PORT);
	assert_int_equal(opts.listen_port, 9969); /* the literal the docs and manifests use */
	assert_string_equal(opts.prefix, "flask");
	assert_string_equal(opts.metrics_path, "/metrics");
	assert_int_equal(opts.created, 1);
	assert_int_equal(opts.defaults, 1);
	assert_null(opts.buckets);
	config_release(&opts);
}

/* A parse whose options are not looked at. */
static enum cli_result parse_only(int argc, char **argv)
{
	struct exporter_config opts;
	enum cli_result r = parse(&opts, argc, argv);

	config_release(&opts);
	return r;
}

static void test_metric_flags(void **state)
{
	char *argv[] = { "fee",
			 "-p",
			 "1",
			 "--prefix",
			 "",
			 "--buckets",
			 "0.1,1,2.5",
			 "--latency",
			 "summary",
			 "--exclude",
			 "/static",
			 "--exclude",
			 "/health$",
			 "--label",
			 "team=web",
			 "--label",
			 "team=api",
			 "--no-created",
			 "--no-defaults",
			 "--metrics-path",
			 "/m",
			 "--once",
			 "500ms",
			 NULL };
	struct exporter_config opts;

	assert_int_equal(parse(&opts, 23, argv), CLI_RUN);
	assert_string_equal(opts.prefix, "");
	assert_int_equal(opts.n_buckets, 3);
	assert_true(opts.buckets[0] == 0.1 && opts.buckets[2] == 2.5);
	assert_int_equal(opts.latency, CONFIG_LATENCY_SUMMARY);
	assert_int_equal(opts.n_exclude, 2);
	assert_string_equal(opts.exclude[1], "/health$");
	assert_int_equal(opts.n_labels, 1); /* the second --label team= replaced the first */
	assert_string_equal(opts.labels[0].value, "api");
	assert_int_equal(opts.created, 0);
	assert_int_equal(opts.defaults, 0);
	assert_string_equal(opts.metrics_path, "/m");
	assert_true(opts.once_seconds == 0.5);
	config_release(&opts);
}

static void test_bad_metric_flags(void **state)
{
	char *bad[][4] = {
		{ "fee", "-p1", "--buckets", "1,0.5" },
		{ "fee", "-p1", "--buckets", "" },
		{ "fee", "-p1", "--buckets", "0.1,x" },
		{ "fee", "-p1", "--latency", "gauge" },
		{ "fee", "-p1", "--exclude", "(unclosed" },
		{ "fee", "-p1", "--label", "novalue" },
		{ "fee", "-p1", "--label", "method=GET" },
		{ "fee", "-p1", "--label", "9x=1" },
		{ "fee", "-p1", "--prefix", "my-app" },
		{ "fee", "-p1", "--metrics-path", "x" },
		{ "fee", "-p1", "--once", "0" },
		{ "fee", "-p1", "--once", "10 parsecs" },
		{ "fee", "-p1", "--config", "/nonexistent" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[5] = { bad[i][0], bad[i][1], bad[i][2], bad[i][3], NULL };

		if (parse_only(4, argv) != CLI_EXIT_USAGE)
			fail_msg("accepted: %s %s", bad[i][2], bad[i][3]);
	}
}

/* Flags override the file; repeatable flags add to its lists. */
static void test_flags_override_file(void **state)
{
	char path[] = "/tmp/fee-test-cli-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct exporter_config opts;

	assert_non_null(f);
	fputs("pids: [5]\nprefix: app\nexclude: /a\nlabels: {team: web, env: prod}\n", f);
	fclose(f);
	char *argv[] = { "fee", "--config", path,      "--prefix", "other", "--exclude",
			 "/b",	"--label",  "env=dev", "-p",	   "6",	    NULL };

	assert_int_equal(parse(&opts, 11, argv), CLI_RUN);
	unlink(path);
	assert_string_equal(opts.prefix, "other");
	assert_int_equal(opts.n_targets, 2);
	assert_int_equal(opts.targets[0].pid, 5);
	assert_int_equal(opts.targets[1].pid, 6);
	assert_int_equal(opts.n_exclude, 2);
	assert_int_equal(opts.n_labels, 2);
	assert_string_equal(opts.labels[1].key, "env");
	assert_string_equal(opts.labels[1].value, "dev");
	assert_string_equal(opts.config_file, path);
	config_release(&opts);
}

static void test_usage_errors(void **state)
{
	char *no_pid[] = { "fee", NULL };
	char *bad_pid[] = { "fee", "--pid", "12x", NULL };
	char *zero_pid[] = { "fee", "--pid", "0", NULL };
	char *unknown[] = { "fee", "--pid", "1", "--frobnicate", NULL };
	char *missing_value[] = { "fee", "--pid", NULL };
	char *stray[] = { "fee", "--pid", "1", "extra", NULL };
	char *help[] = { "fee", "--help", NULL };
	char *version[] = { "fee", "--version", NULL };

	assert_int_equal(parse_only(1, no_pid), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(3, bad_pid), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(3, zero_pid), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(4, unknown), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(2, missing_value), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(4, stray), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(2, help), CLI_EXIT_OK);
	assert_int_equal(parse_only(2, version), CLI_EXIT_OK);
}

static void test_targets_and_labels(void **state)
{
	char *argv[] = { "fee",
			 "--pid",
			 "42",
			 "--target-label",
			 "service=billing",
			 "--target-label",
			 "team=",
			 "--cgroup",
			 "/sys/fs/cgroup/unified/app",
			 "-e",
			 "/usr/bin/uwsgi*",
			 "--target-label",
			 "service=a=b",
			 "--port",
			 "8080",
			 "--target-label",
			 "service=x",
			 "--target-label",
			 "service=y",
			 NULL };
	struct exporter_config opts;

	assert_int_equal(parse(&opts, 19, argv), CLI_RUN);
	assert_int_equal(opts.n_targets, 4);
	assert_int_equal(opts.targets[0].kind, TARGET_PID);
	assert_int_equal(opts.targets[0].n_labels, 2);
	assert_string_equal(opts.targets[0].labels[0].key, "service");
	assert_string_equal(opts.targets[0].labels[0].value, "billing");
	assert_string_equal(opts.targets[0].labels[1].value, "");
	assert_int_equal(opts.targets[1].kind, TARGET_CGROUP);
	assert_string_equal(opts.targets[1].path, "/sys/fs/cgroup/unified/app");
	assert_int_equal(opts.targets[1].n_labels, 0);
	assert_int_equal(opts.targets[2].kind, TARGET_EXE);
	assert_string_equal(opts.targets[2].path, "/usr/bin/uwsgi*");
	/* the value is everything after the first '=' */
	assert_string_equal(opts.targets[2].labels[0].value, "a=b");
	assert_int_equal(opts.targets[3].kind, TARGET_PORT);
	assert_int_equal(opts.targets[3].port, 8080);
	/* a key given twice: the last value wins, as with --label */
	assert_int_equal(opts.targets[3].n_labels, 1);
	assert_string_equal(opts.targets[3].labels[0].value, "y");
	assert_string_equal(target_kind_name(TARGET_PORT), "port");
	assert_int_equal(target_kind_parse("cgroup"), TARGET_CGROUP);
	assert_int_equal(target_kind_parse("pids"), -1);
	config_release(&opts);
}

static void test_target_errors(void **state)
{
	char *label_first[] = { "fee", "--target-label", "a=b", "--pid", "1", NULL };
	char *no_equals[] = { "fee", "--pid", "1", "--target-label", "service", NULL };
	char *reserved[] = { "fee", "--pid", "1", "--target-label", "status=x", NULL };
	char *dunder[] = { "fee", "--pid", "1", "--target-label", "__x=1", NULL };
	char *bad_name[] = { "fee", "--pid", "1", "--target-label", "9lives=1", NULL };
	char *bad_port[] = { "fee", "--port", "65536", NULL };
	char *zero_port[] = { "fee", "--port", "0", NULL };
	char *empty_exe[] = { "fee", "--exe", "", NULL };
	char *cgroups[] = { "fee", "-c", "a", "-c", "b", "-c", "c", "-c", "d", "-c",
			    "e",   "-c", "f", "-c", "g", "-c", "h", "-c", "i", NULL };

	assert_int_equal(parse_only(5, label_first), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(5, no_equals), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(5, reserved), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(5, dunder), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(5, bad_name), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(3, bad_port), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(3, zero_port), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(3, empty_exe), CLI_EXIT_USAGE);
	/* no limit of 8 cgroups any more (the kernel's map holds FEE_MAX_CGROUP_TARGETS) */
	assert_int_equal(parse_only(19, cgroups), CLI_RUN);
}

/* --target-label labels a target of the command line, not the file's last one. */
static void test_target_label_needs_a_flag_target(void **state)
{
	char path[] = "/tmp/fee-test-cli-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct exporter_config opts;

	assert_non_null(f);
	fputs("targets:\n  - {port: 8000, labels: {service: web}}\n", f);
	fclose(f);
	char *bad[] = { "fee", "--config", path, "--target-label", "x=1", NULL };
	char *good[] = { "fee",	 "--config",	   path,	  "-P",
			 "8001", "--target-label", "service=api", NULL };

	assert_int_equal(parse_only(5, bad), CLI_EXIT_USAGE);
	assert_int_equal(parse(&opts, 7, good), CLI_RUN);
	unlink(path);
	assert_int_equal(opts.n_targets, 2);
	assert_string_equal(opts.targets[0].labels[0].value, "web");
	assert_string_equal(opts.targets[1].labels[0].value, "api");
	config_release(&opts);
}

static void test_hooks(void **state)
{
	static const struct {
		const char *arg;
		enum hook_mode mode;
	} ok[] = {
		{ "auto", HOOK_MODE_AUTO },
		{ "fentry", HOOK_MODE_FENTRY },
		{ "kprobe", HOOK_MODE_KPROBE },
		{ "fentry-syscall", HOOK_MODE_FENTRY_SYSCALL },
		{ "kprobe-syscall", HOOK_MODE_KPROBE_SYSCALL },
		{ "tracepoint", HOOK_MODE_TRACEPOINT },
	};
	struct exporter_config opts;
	char *dflt[] = { "fee", "--pid", "1", NULL };
	char *bad[] = { "fee", "--pid", "1", "--hooks", "kprobes", NULL };
	char *empty[] = { "fee", "--pid", "1", "--hooks", "", NULL };

	assert_int_equal(parse(&opts, 3, dflt), CLI_RUN);
	assert_int_equal(opts.hooks, HOOK_MODE_AUTO);
	config_release(&opts);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *argv[] = { "fee", "--pid", "1", "--hooks", (char *)ok[i].arg, NULL };

		assert_int_equal(parse(&opts, 5, argv), CLI_RUN);
		assert_int_equal(opts.hooks, ok[i].mode);
		assert_string_equal(hook_mode_name(opts.hooks), ok[i].arg);
		config_release(&opts);
	}
	assert_int_equal(parse_only(5, bad), CLI_EXIT_USAGE);
	assert_int_equal(parse_only(5, empty), CLI_EXIT_USAGE);
}

/* --no-process-metrics, and process_metrics: false in the file (flags and the file share
 * the setter). */
static void test_process_metrics_switch(void **state)
{
	char path[] = "/tmp/fee-cli-pm-XXXXXX";
	char *on[] = { "fee", "--pid", "1", NULL };
	char *off[] = { "fee", "--pid", "1", "--no-process-metrics", NULL };
	char *file[] = { "fee", "--pid", "1", "--config", path, NULL };
	struct exporter_config opts;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "process_metrics: false\n", 23), 23);
	close(fd);
	assert_int_equal(parse(&opts, 3, on), CLI_RUN);
	assert_int_equal(opts.process_metrics, 1);
	config_release(&opts);
	assert_int_equal(parse(&opts, 4, off), CLI_RUN);
	assert_int_equal(opts.process_metrics, 0);
	config_release(&opts);
	assert_int_equal(parse(&opts, 5, file), CLI_RUN);
	assert_int_equal(opts.process_metrics, 0);
	config_release(&opts);
	unlink(path);
}

/* `top` with targets, `top URL`, and what is not allowed. */
static void test_top_forms(void **state)
{
	char *with_targets[] = { "fee", "top", "--pid", "42", NULL };
	char *with_url[] = { "fee", "top", "http://127.0.0.1:9969/metrics", NULL };
	char *both[] = { "fee", "top", "--pid", "42", "http://127.0.0.1:9969/metrics", NULL };
	char *not_url[] = { "fee", "top", "localhost:9969", NULL };
	char *neither[] = { "fee", "top", NULL };
	char *url_without_top[] = { "fee", "http://127.0.0.1:9969/metrics", NULL };
	struct exporter_config opts;

	assert_int_equal(parse(&opts, 4, with_targets), CLI_RUN);
	assert_int_equal(opts.top, 1);
	assert_null(opts.top_url);
	assert_int_equal(opts.targets[0].pid, 42);
	config_release(&opts);
	assert_int_equal(parse(&opts, 3, with_url), CLI_RUN);
	assert_int_equal(opts.top, 1);
	assert_string_equal(opts.top_url, "http://127.0.0.1:9969/metrics");
	assert_int_equal(opts.n_targets, 0);
	config_release(&opts);
	assert_int_equal(parse(&opts, 5, both), CLI_EXIT_USAGE);
	config_release(&opts);
	assert_int_equal(parse(&opts, 3, not_url), CLI_EXIT_USAGE);
	config_release(&opts);
	assert_int_equal(parse(&opts, 2, neither), CLI_EXIT_USAGE);
	config_release(&opts);
	assert_int_equal(parse(&opts, 2, url_without_top), CLI_EXIT_USAGE);
	config_release(&opts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pids_and_defaults),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_metric_flags),
		cmocka_unit_test(test_bad_metric_flags),
		cmocka_unit_test(test_flags_override_file),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_targets_and_labels),
		cmocka_unit_test(test_target_errors),
		cmocka_unit_test(test_target_label_needs_a_flag_target),
		cmocka_unit_test(test_process_metrics_switch),
		cmocka_unit_test(test_top_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
