// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Rates, error shares and quantiles between two snapshots, from the registry's histogram. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/registry.h"
#include "metrics/route_rates.h"

static const double bounds[] = { 0.1, 0.25, 0.5, INFINITY };

/* Prometheus' histogram_quantile on the same increments gives these (promtool-checked in
 * deploy/prometheus/tests: 60 observations in (0.25, 0.5] -> p50 0.375, p99 0.4975). */
static void test_quantile_like_prometheus(void **state)
{
	const double slow[] = { 0, 0, 60, 60 };
	const double mixed[] = { 50, 90, 99, 100 };
	const double none[] = { 0, 0, 0, 0 };
	const double beyond[] = { 0, 0, 0, 10 };

	assert_float_equal(route_quantile(0.5, bounds, slow, 4), 0.375, 1e-12);
	assert_float_equal(route_quantile(0.99, bounds, slow, 4), 0.4975, 1e-12);
	assert_float_equal(route_quantile(0.5, bounds, mixed, 4), 0.1, 1e-12);
	assert_float_equal(route_quantile(0.9, bounds, mixed, 4), 0.25, 1e-12);
	assert_true(isnan(route_quantile(0.5, bounds, none, 4)));
	assert_float_equal(route_quantile(0.5, bounds, beyond, 4), 0.5, 1e-12);
}

static void observe(struct metric_family *f, const char *method, const char *path,
		    const char *status, double seconds, int times)
{
	const char *values[] = { method, path, status };
	struct metric_child *c = metric_family_child(f, values);

	assert_non_null(c);
	for (int i = 0; i < times; i++)
		metric_child_observe(c, seconds);
}

static void test_rows_from_registry(void **state)
{
	static const char *const labels[] = { "method", "path", "status" };
	struct registry *r = registry_new(NULL);
	struct metric_family *f = registry_add_family(r, "flask_http_request_duration_seconds", "d",
						      METRIC_HISTOGRAM, labels, 3, bounds, 3);
	struct route_snapshot before = { 0 }, after = { 0 };
	struct route_row *rows;
	size_t n;

	assert_non_null(f);
	observe(f, "GET", "/", "200", 0.01, 7); /* before the interval: not counted */
	assert_int_equal(route_snapshot_from_family(&before, f, 100.0), 0);
	observe(f, "GET", "/", "200", 0.01, 40);
	observe(f, "GET", "/fail", "500", 0.2, 10);
	observe(f, "GET", "/fail", "200", 0.2, 10);
	observe(f, "POST", "/slow", "201", 0.4, 2);
	assert_int_equal(route_snapshot_from_family(&after, f, 110.0), 0);

	assert_int_equal(route_rows(&before, &after, 0, ROUTE_SORT_RATE, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].route, "/");
	assert_float_equal(rows[0].rate, 4.0, 1e-9);
	assert_null(rows[0].status);
	assert_string_equal(rows[1].route, "/fail");
	assert_float_equal(rows[1].rate, 2.0, 1e-9);
	assert_float_equal(rows[1].error_share, 0.5, 1e-9);
	assert_float_equal(rows[1].mean, 0.2, 1e-9);
	assert_string_equal(rows[2].method, "POST");
	assert_float_equal(rows[2].p50, 0.375, 1e-9);
	free(rows);

	assert_int_equal(route_rows(&before, &after, 0, ROUTE_SORT_ERRORS, &rows, &n), 0);
	assert_string_equal(rows[0].route, "/fail");
	free(rows);
	assert_int_equal(route_rows(&before, &after, 0, ROUTE_SORT_P99, &rows, &n), 0);
	assert_string_equal(rows[0].route, "/slow");
	free(rows);

	/* per status: /fail splits into 200 and 500 rows */
	assert_int_equal(route_rows(&before, &after, 1, ROUTE_SORT_ROUTE, &rows, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(rows[1].route, "/fail");
	assert_string_equal(rows[1].status, "200");
	assert_string_equal(rows[2].status, "500");
	assert_float_equal(rows[2].error_share, 1.0, 1e-9);
	free(rows);

	route_snapshot_release(&before);
	route_snapshot_release(&after);
	registry_free(r);
}

/* Series that differ only in other labels (targets) are summed; a counter that went
 * down (an exporter restart between scrapes, in `top`) counts from zero. */
static void test_sum_and_reset(void **state)
{
	struct route_snapshot a = { 0 }, b = { 0 };
	const double b1[] = { 1, 2, 3, 3 }, b2[] = { 10, 10, 10, 10 };
	struct route_row *rows;
	size_t n;

	assert_int_equal(route_snapshot_set_bounds(&a, bounds, 4), 0);
	assert_int_equal(route_snapshot_add(&a, "GET", "/", "200", 100, 1, NULL), 0);
	a.time = 1;
	assert_int_equal(route_snapshot_set_bounds(&b, bounds, 4), 0);
	assert_int_equal(route_snapshot_add(&b, "GET", "/", "200", 3, 0.3, b1), 0);
	assert_int_equal(route_snapshot_add(&b, "GET", "/", "200", 10, 0.1, b2), 0);
	assert_int_equal(route_snapshot_set_bounds(&b, bounds, 4), -EINVAL);
	b.time = 2;
	assert_int_equal(b.n, 1);
	assert_int_equal(route_rows(&a, &b, 0, ROUTE_SORT_RATE, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_float_equal(rows[0].rate, 13.0, 1e-9);
	free(rows);
	route_snapshot_release(&a);
	route_snapshot_release(&b);
}

static void test_history_window(void **state)
{
	struct route_history h = { 0 };

	assert_null(route_history_since(&h, 5));
	for (int t = 0; t < 20; t++) {
		struct route_snapshot s = { .time = t };

		route_history_push(&h, &s);
		if (t == 0)
			assert_null(route_history_since(&h, 5));
	}
	assert_int_equal(h.n, ROUTE_HISTORY_MAX);
	assert_float_equal(route_history_newest(&h)->time, 19, 0);
	assert_float_equal(route_history_since(&h, 5)->time, 14, 0);
	assert_float_equal(route_history_since(&h, 1)->time, 18, 0);
	/* not that much history: the oldest kept */
	assert_float_equal(route_history_since(&h, 100)->time, 20 - ROUTE_HISTORY_MAX, 0);
	route_history_release(&h);
}

/* Thousands of series, each added twice (summed into one), keep apart strings that only
 * differ in where one ends; rows match every series of the newer snapshot to its own in the
 * older one (the index, not the order, finds it: the older one is built backwards). */
static void test_many_series_indexed(void **state)
{
	enum { N = 5000 };
	struct route_snapshot before = { 0 }, after = { 0 };
	struct route_row *rows;
	char route[32];
	size_t n;

	(void)state;
	for (int i = N - 1; i >= 0; i--) {
		snprintf(route, sizeof(route), "/r/%d", i);
		assert_int_equal(route_snapshot_add(&before, "GET", route, "200", i, 0, NULL), 0);
	}
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < N; i++) {
			snprintf(route, sizeof(route), "/r/%d", i);
			assert_int_equal(
				route_snapshot_add(&after, "GET", route, "200", i + 1, 0, NULL), 0);
		}
	assert_int_equal(route_snapshot_add(&after, "GE", "T/r/1", "200", 1, 0, NULL), 0);
	assert_int_equal(route_snapshot_add(&after, "GET", "/r/1", "20", 1, 0, NULL), 0);
	assert_int_equal(before.n, N);
	assert_int_equal(after.n, N + 2);
	before.time = 0;
	after.time = 10;
	assert_int_equal(route_rows(&before, &after, 1, ROUTE_SORT_ROUTE, &rows, &n), 0);
	/* each /r/i: 2 (i + 1) now, i before: i + 2 in the interval; the two odd ones 1 each */
	assert_int_equal(n, N + 2);
	for (size_t k = 0; k < n; k++) {
		int i;

		if (!strcmp(rows[k].method, "GE") || !strcmp(rows[k].status, "20")) {
			assert_float_equal(rows[k].requests, 1, 0);
			continue;
		}
		assert_int_equal(sscanf(rows[k].route, "/r/%d", &i), 1);
		assert_float_equal(rows[k].requests, i + 2, 0);
	}
	free(rows);
	route_snapshot_release(&before);
	route_snapshot_release(&after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantile_like_prometheus),
		cmocka_unit_test(test_rows_from_registry),
		cmocka_unit_test(test_sum_and_reset),
		cmocka_unit_test(test_history_window),
		cmocka_unit_test(test_many_series_indexed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
