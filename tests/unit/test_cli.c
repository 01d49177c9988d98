// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Command-line parsing: --listen forms, --pid validation, usage errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "cli.h"

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
		assert_int_equal(cli_parse_listen(ok[i].arg, host, sizeof(host), &port), 0);
		assert_string_equal(host, ok[i].host);
		assert_int_equal(port, ok[i].port);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(cli_parse_listen(bad[i], host, sizeof(host), &port), 0);
	/* A host longer than the buffer is refused, not cut. */
	assert_int_not_equal(cli_parse_listen("averyveryverylonghostname:1", host, 8, &port), 0);
}

static enum cli_result parse(struct cli_options *opts, int argc, char **argv)
{
	/* Usage text goes to stderr/stdout; keep test output readable. */
	FILE *saved_err = stderr, *saved_out = stdout;
	enum cli_result r;

	stderr = fopen("/dev/null", "w");
	stdout = stderr;
	r = cli_parse(argc, argv, opts);
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
	struct cli_options opts;

	assert_int_equal(parse(&opts, 8, argv), CLI_RUN);
	assert_int_equal(opts.n_pids, 2);
	assert_int_equal(opts.pids[0], 42);
	assert_int_equal(opts.pids[1], 7);
	assert_string_equal(opts.listen_host, "127.0.0.1");
	assert_int_equal(opts.listen_port, 1234);
	assert_int_equal(opts.verbose, 1);

	char *argv2[] = { "fee", "--pid", "1", NULL };
	assert_int_equal(parse(&opts, 3, argv2), CLI_RUN);
	assert_string_equal(opts.listen_host, "");
	assert_int_equal(opts.listen_port, CLI_DEFAULT_PORT);
}

static void test_usage_errors(void **state)
{
	struct cli_options opts;
	char *no_pid[] = { "fee", NULL };
	char *bad_pid[] = { "fee", "--pid", "12x", NULL };
	char *zero_pid[] = { "fee", "--pid", "0", NULL };
	char *unknown[] = { "fee", "--pid", "1", "--frobnicate", NULL };
	char *missing_value[] = { "fee", "--pid", NULL };
	char *stray[] = { "fee", "--pid", "1", "extra", NULL };
	char *help[] = { "fee", "--help", NULL };
	char *version[] = { "fee", "--version", NULL };

	assert_int_equal(parse(&opts, 1, no_pid), CLI_EXIT_USAGE);
	assert_int_equal(parse(&opts, 3, bad_pid), CLI_EXIT_USAGE);
	assert_int_equal(parse(&opts, 3, zero_pid), CLI_EXIT_USAGE);
	assert_int_equal(parse(&opts, 4, unknown), CLI_EXIT_USAGE);
	assert_int_equal(parse(&opts, 2, missing_value), CLI_EXIT_USAGE);
	assert_int_equal(parse(&opts, 4, stray), CLI_EXIT_USAGE);
	assert_int_equal(parse(&opts, 2, help), CLI_EXIT_OK);
	assert_int_equal(parse(&opts, 2, version), CLI_EXIT_OK);
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
		{ "tracepoint", HOOK_MODE_TRACEPOINT },
	};
	struct cli_options opts;
	char *dflt[] = { "fee", "--pid", "1", NULL };
	char *bad[] = { "fee", "--pid", "1", "--hooks", "kprobes", NULL };
	char *empty[] = { "fee", "--pid", "1", "--hooks", "", NULL };

	assert_int_equal(parse(&opts, 3, dflt), CLI_RUN);
	assert_int_equal(opts.hooks, HOOK_MODE_AUTO);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *argv[] = { "fee", "--pid", "1", "--hooks", (char *)ok[i].arg, NULL };

		assert_int_equal(parse(&opts, 5, argv), CLI_RUN);
		assert_int_equal(opts.hooks, ok[i].mode);
		assert_string_equal(hook_mode_name(opts.hooks), ok[i].arg);
	}
	assert_int_equal(parse(&opts, 5, bad), CLI_EXIT_USAGE);
	assert_int_equal(parse(&opts, 5, empty), CLI_EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_forms),
		cmocka_unit_test(test_pids_and_defaults),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_hooks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
