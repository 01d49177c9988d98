// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `top URL` reads a running exporter's scrape: parsing our own exposition gives the same
 * rows as reading the registry directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/exposition.h"
#include "metrics/registry.h"
#include "metrics/route_rates.h"
#include "metrics/route_scrape.h"

static const char *const labels[] = { "method", "path", "status", "k8s_pod" };
static const char name[] = "flask_http_request_duration_seconds";

static void observe(struct metric_family *f, const char *path, const char *status, const char *pod,
		    double seconds, int times)
{
	const char *values[] = { "GET", path, status, pod };
	struct metric_child *c = metric_family_child(f, values);

	assert_non_null(c);
	for (int i = 0; i < times; i++)
		metric_child_observe(c, seconds);
}

static void scrape(const struct registry *r, struct route_snapshot *s, double time)
{
	struct exposition_options options = { .created = 1 };
	struct strbuf out = STRBUF_INIT;
	size_t bad = 99;

	assert_int_equal(exposition_write_text(r, &options, &out), 0);
	assert_int_equal(route_scrape_parse(s, out.buf, out.len, name, time, &bad), 0);
	assert_int_equal(bad, 0);
	strbuf_release(&out);
}

static void test_round_trip(void **state)
{
	struct registry *r = registry_new(NULL);
	struct metric_family *f =
		registry_add_family(r, name, "d", METRIC_HISTOGRAM, labels, 4,
				    registry_default_buckets, REGISTRY_DEFAULT_BUCKETS_COUNT);
	struct route_snapshot direct_before = { 0 }, direct_after = { 0 };
	struct route_snapshot parsed_before = { 0 }, parsed_after = { 0 };
	struct route_row *a, *b;
	size_t na, nb;

	assert_non_null(f);
	assert_non_null(registry_add_family(r, "flask_http_request", "t", METRIC_COUNTER, labels, 4,
					    NULL, 0));
	observe(f, "/", "200", "web-1", 0.003, 5);
	scrape(r, &parsed_before, 1);
	assert_int_equal(route_snapshot_from_family(&direct_before, f, 1), 0);
	/* a path with quotes, a backslash and a newline, as the writer escapes them */
	observe(f, "/a\"b\\c\nd", "200", "web-1", 0.03, 3);
	observe(f, "/", "200", "web-1", 0.2, 10);
	observe(f, "/", "200", "web-2", 0.6, 10); /* another pod: summed into the route */
	observe(f, "/", "503", "web-2", 20, 2);
	scrape(r, &parsed_after, 3);
	assert_int_equal(route_snapshot_from_family(&direct_after, f, 3), 0);

	assert_int_equal(parsed_after.n_bounds, REGISTRY_DEFAULT_BUCKETS_COUNT + 1);
	assert_int_equal(route_rows(&direct_before, &direct_after, 1, ROUTE_SORT_RATE, &a, &na), 0);
	assert_int_equal(route_rows(&parsed_before, &parsed_after, 1, ROUTE_SORT_RATE, &b, &nb), 0);
	assert_int_equal(na, 3);
	assert_int_equal(nb, na);
	for (size_t i = 0; i < na; i++) {
		assert_string_equal(a[i].route, b[i].route);
		assert_string_equal(a[i].status, b[i].status);
		assert_float_equal(a[i].rate, b[i].rate, 1e-9);
		assert_float_equal(a[i].mean, b[i].mean, 1e-9);
		assert_float_equal(a[i].p90, b[i].p90, 1e-9);
	}
	assert_string_equal(b[0].route, "/");
	assert_float_equal(b[0].rate, 10.0, 1e-9);
	assert_string_equal(b[1].route, "/a\"b\\c\nd");
	assert_string_equal(b[2].status, "503");
	free(a);
	free(b);
	route_snapshot_release(&direct_before);
	route_snapshot_release(&direct_after);
	route_snapshot_release(&parsed_before);
	route_snapshot_release(&parsed_after);
	registry_free(r);
}

static void test_bad_and_missing(void **state)
{
	static const char bad[] =
		"# HELP x y\nflask_http_request_duration_seconds_count{method=\"GET"
		"\",path=\"/\",status=\"200\"} 3\n"
		"flask_http_request_duration_seconds_count{method=\"GET\",pa\n";
	static const char other[] = "process_cpu_seconds_total 3\n";
	struct route_snapshot s = { 0 };
	size_t line = 0;

	assert_int_equal(route_scrape_parse(&s, bad, strlen(bad), name, 0, &line), -EINVAL);
	assert_int_equal(line, 3);
	route_snapshot_release(&s);
	assert_int_equal(route_scrape_parse(&s, other, strlen(other), name, 0, &line), -ENOENT);
	route_snapshot_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_and_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
