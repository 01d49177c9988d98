// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The registry: validation, child identity, histogram buckets, clocks, scale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "metrics/registry.h"

static double ticks;
static double ticking_clock(void)
{
	return ticks += 1.0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The declaration must fail with EINVAL and leave the registry as it was. */
#define assert_rejected(r, name, type, labels, n_labels, buckets, n_buckets)                       \
	do {                                                                                       \
		size_t families_before = registry_family_count(r);                                 \
		errno = 0;                                                                         \
		assert_null(registry_add_family(r, name, "h", type, labels, n_labels, buckets,     \
						n_buckets));                                       \
		assert_int_equal(errno, EINVAL);                                                   \
		assert_int_equal(registry_family_count(r), families_before);                       \
	} while (0)

static void test_rejects_bad_names(void **state)
{
	static const char *const good[] = { "method" };
	static const char *const dup[] = { "a", "a" };
	static const char *const bad_label[] = { "bad-label" };
	static const char *const colon_label[] = { "a:b" };
	static const char *const digit_label[] = { "1a" };
	static const char *const reserved[] = { "__x" };
	static const char *const empty_label[] = { "" };
	static const char *const le[] = { "le" };
	static const char *const quantile[] = { "quantile" };
	struct registry *r = registry_new(ticking_clock);

	assert_non_null(registry_add_family(r, "ok", "h", METRIC_COUNTER, good, 1, NULL, 0));
	assert_rejected(r, "9lives", METRIC_GAUGE, NULL, 0, NULL, 0);
	assert_rejected(r, "", METRIC_GAUGE, NULL, 0, NULL, 0);
	assert_rejected(r, NULL, METRIC_GAUGE, NULL, 0, NULL, 0);
	assert_rejected(r, "sp ace", METRIC_GAUGE, NULL, 0, NULL, 0);
	assert_rejected(r, "dash-ed", METRIC_GAUGE, NULL, 0, NULL, 0);
	/* A counter called just "_total" has an empty base name. */
	assert_rejected(r, "_total", METRIC_COUNTER, NULL, 0, NULL, 0);
	assert_rejected(r, "d", METRIC_GAUGE, dup, 2, NULL, 0);
	assert_rejected(r, "b", METRIC_GAUGE, bad_label, 1, NULL, 0);
	assert_rejected(r, "b", METRIC_GAUGE, colon_label, 1, NULL, 0);
	assert_rejected(r, "b", METRIC_GAUGE, digit_label, 1, NULL, 0);
	assert_rejected(r, "b", METRIC_GAUGE, empty_label, 1, NULL, 0);
	assert_rejected(r, "c", METRIC_GAUGE, reserved, 1, NULL, 0);
	assert_rejected(r, "c", METRIC_GAUGE, NULL, 1, NULL, 0);
	assert_rejected(r, "s", METRIC_SUMMARY, quantile, 1, NULL, 0);
	assert_rejected(r, "t", (enum metric_type)42, NULL, 0, NULL, 0);
	/* `le` is only reserved for histograms, `quantile` only for summaries. */
	assert_non_null(registry_add_family(r, "gle", "h", METRIC_GAUGE, le, 1, NULL, 0));
	assert_non_null(registry_add_family(r, "gq", "h", METRIC_GAUGE, quantile, 1, NULL, 0));
	assert_non_null(
		registry_add_family(r, "ns:sub_total", "h", METRIC_GAUGE, NULL, 0, NULL, 0));
	assert_non_null(registry_add_family(r, "_x", "h", METRIC_GAUGE, NULL, 0, NULL, 0));
	assert_null(registry_add_family(r, "nohelp", NULL, METRIC_GAUGE, NULL, 0, NULL, 0));
	assert_int_equal(registry_family_count(r), 5);
	registry_free(r);
}

static void test_rejects_bad_buckets(void **state)
{
	static const char *const le[] = { "le" };
	static const double good[] = { 0.1, 1.0 };
	static const double unsorted[] = { 0.5, 0.1 };
	static const double repeated[] = { 0.1, 0.1 };
	static const double with_nan[] = { 0.1, NAN };
	static const double only_inf[] = { INFINITY };
	static const double inf_first[] = { INFINITY, 1.0 };
	struct registry *r = registry_new(ticking_clock);

	assert_rejected(r, "h", METRIC_HISTOGRAM, le, 1, good, 2);
	assert_rejected(r, "h", METRIC_HISTOGRAM, NULL, 0, unsorted, 2);
	assert_rejected(r, "h", METRIC_HISTOGRAM, NULL, 0, repeated, 2);
	assert_rejected(r, "h", METRIC_HISTOGRAM, NULL, 0, with_nan, 2);
	assert_rejected(r, "h", METRIC_HISTOGRAM, NULL, 0, inf_first, 2);
	/* The client wants at least one bucket besides +Inf. */
	assert_rejected(r, "h", METRIC_HISTOGRAM, NULL, 0, NULL, 0);
	assert_rejected(r, "h", METRIC_HISTOGRAM, NULL, 0, only_inf, 1);
	assert_rejected(r, "h", METRIC_HISTOGRAM, NULL, 0, NULL, 2);
	assert_non_null(registry_add_family(r, "h", "h", METRIC_HISTOGRAM, NULL, 0, good, 2));
	registry_free(r);
}

/* Two families may not print the same series name, as the client's registry refuses. */
static void test_rejects_clashing_series_names(void **state)
{
	static const double bounds[] = { 1.0 };
	struct registry *r = registry_new(ticking_clock);

	assert_non_null(registry_add_family(r, "req", "h", METRIC_COUNTER, NULL, 0, NULL, 0));
	assert_rejected(r, "req", METRIC_GAUGE, NULL, 0, NULL, 0);
	assert_rejected(r, "req_total", METRIC_GAUGE, NULL, 0, NULL, 0);
	assert_rejected(r, "req_created", METRIC_GAUGE, NULL, 0, NULL, 0);
	assert_rejected(r, "req_total", METRIC_COUNTER, NULL, 0, NULL, 0); /* base "req" again */

	assert_non_null(registry_add_family(r, "lat", "h", METRIC_HISTOGRAM, NULL, 0, bounds, 1));
	assert_rejected(r, "lat_bucket", METRIC_GAUGE, NULL, 0, NULL, 0);
	assert_rejected(r, "lat_count", METRIC_COUNTER, NULL, 0, NULL, 0);
	assert_rejected(r, "lat", METRIC_SUMMARY, NULL, 0, NULL, 0);

	/* The clash is found from either side: an existing gauge blocks a later summary. */
	assert_non_null(registry_add_family(r, "size_sum", "h", METRIC_GAUGE, NULL, 0, NULL, 0));
	assert_rejected(r, "size", METRIC_SUMMARY, NULL, 0, NULL, 0);
	assert_non_null(registry_add_family(r, "size", "h", METRIC_GAUGE, NULL, 0, NULL, 0));

	/* Names that merely share a prefix are fine. */
	assert_non_null(registry_add_family(r, "req_totals", "h", METRIC_GAUGE, NULL, 0, NULL, 0));
	assert_non_null(registry_add_family(r, "re", "h", METRIC_COUNTER, NULL, 0, NULL, 0));
	assert_int_equal(registry_family_count(r), 6);
	registry_free(r);
}

static void test_families_keep_order_and_copy_strings(void **state)
{
	char name[] = "first", help[] = "help one", label[] = "who", value[] = "me";
	const char *labels[] = { label }, *values[] = { value };
	struct registry *r = registry_new(ticking_clock);
	struct metric_family *f, *g;
	struct metric_child *c;

	f = registry_add_family(r, name, help, METRIC_GAUGE, labels, 1, NULL, 0);
	g = registry_add_family(r, "second_total", "h", METRIC_COUNTER, NULL, 0, NULL, 0);
	assert_non_null(f);
	assert_non_null(g);
	c = metric_family_child(f, values);
	/* The caller's buffers are temporaries. */
	memset(name, 'x', sizeof(name) - 1);
	memset(help, 'x', sizeof(help) - 1);
	memset(label, 'x', sizeof(label) - 1);
	memset(value, 'x', sizeof(value) - 1);
	assert_string_equal(metric_family_name(f), "first");
	assert_string_equal(metric_family_help(f), "help one");
	assert_string_equal(metric_family_label_name(f, 0), "who");
	assert_string_equal(metric_child_label_value(c, 0), "me");

	assert_int_equal(registry_family_count(r), 2);
	assert_ptr_equal(registry_family_at(r, 0), f);
	assert_ptr_equal(registry_family_at(r, 1), g);
	assert_null(registry_family_at(r, 2));
	/* A counter's base name drops the _total the client would strip. */
	assert_string_equal(metric_family_name(g), "second");
	assert_ptr_equal(registry_find_family(r, "second"), g);
	assert_null(registry_find_family(r, "second_total"));
	assert_ptr_equal(registry_find_family(r, "first"), f);
	assert_null(registry_find_family(r, "third"));
	assert_int_equal(metric_family_type(g), METRIC_COUNTER);
	assert_int_equal(metric_family_label_count(f), 1);
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
	assert_null(metric_family_child_at(f, 4));
	/* _created is stamped once, when the child first appears. */
	assert_true(metric_child_created(ca) == 1.0);
	assert_true(metric_child_created(cb) == 2.0);
	assert_string_equal(metric_child_label_value(cb, 1), "404");
	registry_free(r);
}

static void test_bad_label_values(void **state)
{
	static const char *const names[] = { "a", "b" };
	const char *missing[] = { "x", NULL };
	struct registry *r = registry_new(ticking_clock);
	struct metric_family *f =
		registry_add_family(r, "t", "h", METRIC_COUNTER, names, 2, NULL, 0);

	errno = 0;
	assert_null(metric_family_child(f, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(metric_family_child(f, missing));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(metric_family_child_count(f), 0);
	registry_free(r);
}

/* As in the client, a metric without labels is its own child from the moment it is declared. */
static void test_unlabelled_family_has_one_child_at_once(void **state)
{
	struct registry *r = registry_new(ticking_clock);
	struct metric_family *f;
	struct metric_child *c;

	ticks = 0;
	f = registry_add_family(r, "up", "h", METRIC_GAUGE, NULL, 0, NULL, 0);
	assert_int_equal(metric_family_child_count(f), 1);
	c = metric_family_child(f, NULL);
	assert_ptr_equal(c, metric_family_child_at(f, 0));
	assert_true(metric_child_created(c) == 1.0);
	metric_child_set(c, 1);
	assert_ptr_equal(metric_family_child(f, NULL), c);
	assert_int_equal(metric_family_child_count(f), 1);
	assert_true(metric_child_value(c) == 1.0);
	registry_free(r);
}

static void test_counter_and_gauge_updates(void **state)
{
	struct registry *r = registry_new(ticking_clock);
	struct metric_child *counter, *gauge;

	counter = metric_family_child(
		registry_add_family(r, "c", "h", METRIC_COUNTER, NULL, 0, NULL, 0), NULL);
	gauge = metric_family_child(
		registry_add_family(r, "g", "h", METRIC_GAUGE, NULL, 0, NULL, 0), NULL);
	metric_child_inc(counter, 2.5);
	metric_child_inc(counter, -1); /* the client refuses; a counter never goes down */
	metric_child_inc(counter, 0);
	assert_true(metric_child_value(counter) == 2.5);
	metric_child_set(counter, 7); /* mirroring a counter kept elsewhere */
	assert_true(metric_child_value(counter) == 7.0);
	metric_child_inc(gauge, 3);
	metric_child_inc(gauge, -5);
	assert_true(metric_child_value(gauge) == -2.0);
	metric_child_set(gauge, 0.5);
	assert_true(metric_child_value(gauge) == 0.5);
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
	assert_true(metric_family_bucket_bound(f, 0) == 0.1);
	assert_true(metric_family_bucket_bound(f, 3) == INFINITY);
	metric_child_observe(c, 0.1); /* exactly on a bound: that bucket */
	metric_child_observe(c, 0.3);
	metric_child_observe(c, 7.0); /* above every finite bound: +Inf only */
	metric_child_observe(c, -3.0);
	assert_true(metric_child_bucket(c, 0) == 2.0);
	assert_true(metric_child_bucket(c, 1) == 3.0);
	assert_true(metric_child_bucket(c, 2) == 3.0);
	assert_true(metric_child_bucket(c, 3) == 4.0);
	assert_true(metric_child_count(c) == 4.0);
	assert_true(fabs(metric_child_sum(c) - 4.4) < 1e-12);
	registry_free(r);
}

/* The client files a NaN in no bucket, so its _count (the +Inf bucket) skips it too. */
static void test_histogram_nan_reaches_sum_only(void **state)
{
	static const double bounds[] = { 1.0, INFINITY }; /* +Inf given: not added twice */
	struct registry *r = registry_new(ticking_clock);
	struct metric_family *f =
		registry_add_family(r, "d", "h", METRIC_HISTOGRAM, NULL, 0, bounds, 2);
	struct metric_child *c = metric_family_child(f, NULL);

	assert_int_equal(metric_family_bucket_count(f), 2);
	metric_child_observe(c, 0.5);
	metric_child_observe(c, NAN);
	assert_true(metric_child_bucket(c, 0) == 1.0);
	assert_true(metric_child_bucket(c, 1) == 1.0);
	assert_true(metric_child_count(c) == 1.0);
	assert_true(isnan(metric_child_sum(c)));
	registry_free(r);
}

static void test_summary_counts_every_observation(void **state)
{
	struct registry *r = registry_new(ticking_clock);
	struct metric_family *f =
		registry_add_family(r, "s", "h", METRIC_SUMMARY, NULL, 0, NULL, 0);
	struct metric_child *c = metric_family_child(f, NULL);

	assert_int_equal(metric_family_bucket_count(f), 0);
	metric_child_observe(c, 1.5);
	metric_child_observe(c, 0.25);
	assert_true(metric_child_count(c) == 2.0);
	assert_true(metric_child_sum(c) == 1.75);
	metric_child_observe(c, NAN);
	assert_true(metric_child_count(c) == 3.0);
	assert_true(isnan(metric_child_sum(c)));
	registry_free(r);
}

static void test_default_clock_is_wall_time(void **state)
{
	static const char *const names[] = { "k" };
	static const char *const values[] = { "v" };
	struct registry *r = registry_new(NULL);
	struct metric_family *f =
		registry_add_family(r, "t", "h", METRIC_COUNTER, names, 1, NULL, 0);
	double before = now(), created, after;

	created = metric_child_created(metric_family_child(f, values));
	after = now();
	assert_true(created >= before - 1e-3 && created <= after + 1e-3);
	registry_free(r);
}

/* 100k children: each lookup must stay O(1), and first-seen order must hold throughout. */
static void test_hundred_thousand_children(void **state)
{
	static const char *const names[] = { "path", "status" };
	struct registry *r = registry_new(ticking_clock);
	struct metric_family *f =
		registry_add_family(r, "p", "h", METRIC_COUNTER, names, 2, NULL, 0);
	clock_t start = clock();
	double seconds;
	char path[32];

	ticks = 0;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 100000; i++) {
			const char *v[] = { path, "200" };

			snprintf(path, sizeof(path), "/item/%d", i);
			metric_child_inc(metric_family_child(f, v), 1);
		}
	}
	seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
	assert_int_equal(metric_family_child_count(f), 100000);
	for (int i = 0; i < 100000; i += 997) {
		const struct metric_child *c = metric_family_child_at(f, (size_t)i);

		snprintf(path, sizeof(path), "/item/%d", i);
		assert_string_equal(metric_child_label_value(c, 0), path);
		assert_true(metric_child_value(c) == 3.0);
		assert_true(metric_child_created(c) == (double)i + 1);
	}
	/* Linear time takes well under a second even with sanitizers; quadratic takes minutes. */
	if (seconds > 10.0)
		fail_msg("300k lookups over 100k children took %.1f s", seconds);
	registry_free(r);
}

/* A removed child is gone from the family and its index; the others keep their order. */
static void test_remove_child(void **state)
{
	static const char *const names[] = { "pod" };
	struct registry *r = registry_new(NULL);
	struct metric_family *f =
		registry_add_family(r, "pods", "h", METRIC_GAUGE, names, 1, NULL, 0);
	const char *a[] = { "a" }, *b[] = { "b" }, *c[] = { "c" };
	struct metric_child *ca = metric_family_child(f, a), *cb = metric_family_child(f, b);
	struct metric_child *cc = metric_family_child(f, c);

	metric_child_set(cc, 3);
	metric_family_remove_child(f, cb);
	assert_int_equal(metric_family_child_count(f), 2);
	assert_ptr_equal(metric_family_child_at(f, 0), ca);
	assert_ptr_equal(metric_family_child_at(f, 1), cc);
	assert_ptr_equal(metric_family_child(f, c), cc); /* still found through the index */
	assert_true(metric_child_value(metric_family_child(f, c)) == 3);
	/* asked for again: a new child, from zero */
	cb = metric_family_child(f, b);
	assert_true(metric_child_value(cb) == 0);
	assert_int_equal(metric_family_child_count(f), 3);
	registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects_bad_names),
		cmocka_unit_test(test_rejects_bad_buckets),
		cmocka_unit_test(test_rejects_clashing_series_names),
		cmocka_unit_test(test_families_keep_order_and_copy_strings),
		cmocka_unit_test(test_children_are_reused_and_ordered),
		cmocka_unit_test(test_bad_label_values),
		cmocka_unit_test(test_unlabelled_family_has_one_child_at_once),
		cmocka_unit_test(test_counter_and_gauge_updates),
		cmocka_unit_test(test_histogram_buckets_are_cumulative_and_inclusive),
		cmocka_unit_test(test_histogram_nan_reaches_sum_only),
		cmocka_unit_test(test_summary_counts_every_observation),
		cmocka_unit_test(test_default_clock_is_wall_time),
		cmocka_unit_test(test_hundred_thousand_children),
		cmocka_unit_test(test_remove_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
