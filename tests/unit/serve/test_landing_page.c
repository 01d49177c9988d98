// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The landing page's HTML: what it says, and that nothing from traffic becomes markup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "serve/landing_page.h"

static void test_escape(void **state)
{
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(landing_page_escape(&out, "<a href=\"x\">'&'</a>"), 0);
	assert_string_equal(out.buf, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	strbuf_release(&out);
}

static void test_page(void **state)
{
	struct strpair pod = { .key = "k8s_pod", .value = "web-<1>" };
	struct config_target targets[] = {
		{ .kind = TARGET_PID, .pid = 4242 },
		{ .kind = TARGET_EXE, .path = "/usr/bin/uwsgi*", .labels = &pod, .n_labels = 1 },
	};
	const unsigned int procs[] = { 3, 0 };
	struct route_row rows[] = {
		{ .method = "GET",
		  .route = "/",
		  .rate = 20,
		  .p50 = 0.0025,
		  .p90 = 0.0045,
		  .p99 = 0.005 },
		{ .method = "GET",
		  .route = "/<script>",
		  .rate = 1.5,
		  .error_share = 1,
		  .p50 = NAN,
		  .p90 = NAN,
		  .p99 = NAN },
	};
	struct landing_page page = {
		.version = "0.1.0",
		.hook_mode = "tracepoint",
		.uptime_seconds = 3725,
		.ready = 1,
		.metrics_path = "/metrics",
		.targets = targets,
		.n_targets = 2,
		.target_processes = procs,
		.processes_watched = 3,
		.rows = rows,
		.n_rows = 2,
		.window_seconds = 10,
		.process_metrics = 1,
	};
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(landing_page_write(&page, &out), 0);
	assert_non_null(strstr(out.buf, "<dd id=\"version\">0.1.0</dd>"));
	assert_non_null(strstr(out.buf, "<dd id=\"hook-mode\">tracepoint</dd>"));
	assert_non_null(strstr(out.buf, "<dd id=\"uptime\">1h 2m 5s</dd>"));
	assert_non_null(strstr(out.buf, "<td>pid</td><td>4242</td><td></td>"
					"<td class=\"num\" data-processes=\"3\">3</td>"));
	assert_non_null(strstr(out.buf, "<td>exe</td><td>/usr/bin/uwsgi*</td>"
					"<td>k8s_pod=web-&lt;1&gt;</td>"));
	assert_non_null(strstr(out.buf, "<td class=\"route\">/</td><td class=\"num rate\" "
					"data-rate=\"20.000000\">20.00</td>"));
	assert_non_null(strstr(out.buf, "<td class=\"num\">2.5 ms</td>"));
	assert_non_null(strstr(out.buf, "<tr class=\"error\"><td>GET</td><td class=\"route\">"
					"/&lt;script&gt;</td>"));
	assert_null(strstr(out.buf, "<script"));
	assert_non_null(strstr(out.buf, "href=\"/metrics\""));
	assert_non_null(strstr(out.buf, "href=\"/-/ready\""));
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
