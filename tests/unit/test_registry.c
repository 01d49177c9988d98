// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The registry: validation, child identity, histogram buckets, scale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"

static double ticks;
static double ticking_clock(void)
{
	return ticks += 1.0;
}

static void test_rejects_bad_declarations(void **state)
{
	static const char *const good[] = { "method" };
	static const char *const dup[] = { "a", "a" };
	static const char *const bad_label[] = { "bad-label" };
	static const char *const reserved[] = { "__x" };
	static const char *const le[] = { "le" };
	static const double unsorted[] = { 0.5, 0.1 };
	static const double repeated[] = { 0.1, 0.1 };
	struct registry *r = registry_new(ticking_clock);

	assert_non_null(registry_add_family(r, "ok", "h", METRIC_COUNTER, good, 1, NULL, 0));
	errno = 0;
	assert_null(registry_add_family(r, "ok", "h", METRIC_GAUGE, NULL, 0, NULL, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(registry_add_family(r, "9lives", "h", METRIC_GAUGE, NULL, 0, NULL, 0));
	assert_null(registry_add_family(r, "", "h", METRIC_GAUGE, NULL, 0, NULL, 0));
	assert_null(registry_add_family(r, "sp ace", "h", METRIC_GAUGE, NULL, 0, NULL, 0));
	assert_null(registry_add_family(r, "d", "h", METRIC_GAUGE, dup, 2, NULL, 0));
	assert_null(registry_add_family(r, "b", "h", METRIC_GAUGE, bad_label, 1, NULL, 0));
	assert_null(registry_add_family(r, "c", "h", METRIC_GAUGE, reserved, 1, NULL, 0));
	assert_null(registry_add_family(r, "h1", "h", METRIC_HISTOGRAM, le, 1, unsorted, 0));
	assert_null(registry_add_family(r, "h2", "h", METRIC_HISTOGRAM, NULL, 0, unsorted, 2));
	assert_null(registry_add_family(r, "h3", "h", METRIC_HISTOGRAM, NULL, 0, repeated, 2));
	assert_non_null(
		registry_add_family(r, "ns:sub_total", "h", METRIC_GAUGE, NULL, 0, NULL, 0));
	assert_int_equal(registry_family_count(r), 2);
	registry_free(r);
}

static void test_children_are_reused_and_ordered(void **state)
{
	static const char *const names[] = { "method", "status" };
	const char *a[] = { "GET", "200" }, *b[] = { "GET", "404" }, *a2[] = { "GET", "200" };
	/* Values that would collide if joined without a separator. */
	const char *x[] = { "ab", "c" }, *y[] = { "a", "bc" };
	struct registry *r = registry_new(ticking_clock);
	struct metric_family *f =
		registry_add_family(r, "t", "h", METRIC_COUNTER, names, 2, NULL, 0);
	struct metric_child *ca, *cb;

	ticks = 0;
	ca = metric_family_child(f, a);
	cb = metric_family_child(f, b);
	assert_ptr_equal(metric_family_child(f, a2), ca);
	assert_ptr_not_equal(ca, cb);
	assert_ptr_not_equal(metric_family_child(f, x), metric_family_child(f, y));
	metric_child_inc(ca, 1);
	metric_child_inc(metric_family_child(f, a2), 2);
	assert_true(metric_child_value(ca) == 3.0);
	assert_int_equal(metric_family_child_count(f), 4);
	assert_ptr_equal(metric_family_child_at(f, 0), ca);
	assert_ptr_equal(metric_family_child_at(f, 1), cb);
	assert_true(metric_child_created(ca) == 1.0);
	assert_true(metric_child_created(cb) == 2.0);
	assert_string_equal(metric_child_label_value(cb, 1), "404");
	registry_free(r);
}

static void test_histogram_buckets_are_cumulative_and_inclusive(void **state)
{
	static const double bounds[] = { 0.1, 0.5, 1.0 };
	struct registry *r = registry_new(ticking_clock);
	struct metric_family *f =
		registry_add_family(r, "d", "h", METRIC_HISTOGRAM, NULL, 0, bounds, 3);
	struct metric_child *c = metric_family_child(f, NULL);

	assert_int_equal(metric_family_bucket_count(f), 4);
	assert_true(isinf(metric_family_bucket_bound(f, 3)));
	metric_child_observe(c, 0.1); /* exactly on a bound: that bucket */
	metric_child_observe(c, 0.3);
	metric_child_observe(c, 7.0);
	assert_true(metric_child_bucket(c, 0) == 1.0);
	assert_true(metric_child_bucket(c, 1) == 2.0);
	assert_true(metric_child_bucket(c, 2) == 2.0);
	assert_true(metric_child_bucket(c, 3) == 3.0);
	assert_true(metric_child_count(c) == 3.0);
	assert_true(fabs(metric_child_sum(c) - 7.4) < 1e-12);
	registry_free(r);
}

static void test_hundred_thousand_children(void **state)
{
	static const char *const names[] = { "path" };
	struct registry *r = registry_new(ticking_clock);
	struct metric_family *f =
		registry_add_family(r, "p", "h", METRIC_COUNTER, names, 1, NULL, 0);
	char path[32];

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 100000; i++) {
			const char *v[] = { path };

			snprintf(path, sizeof(path), "/item/%d", i);
			metric_child_inc(metric_family_child(f, v), 1);
		}
	}
	assert_int_equal(metric_family_child_count(f), 100000);
	assert_true(metric_child_value(metric_family_child_at(f, 99999)) == 2.0);
	registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects_bad_declarations),
		cmocka_unit_test(test_children_are_reused_and_ordered),
		cmocka_unit_test(test_histogram_buckets_are_cumulative_and_inclusive),
		cmocka_unit_test(test_hundred_thousand_children),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
