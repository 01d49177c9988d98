// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The cardinality guard: the registry's cap with its folding, and the default families
 * capped by series_cap with the request_metrics path in front. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/types.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "metrics/registry.h"
#include "metrics/request_metrics.h"
#include "metrics/series_cap.h"
#include "find_child.h"
#include "request_feed.h"

static void test_registry_cap_folds_in_order(void **state)
{
	static const char *const labels[] = { "method", "path", "status" };
	static const char *const fold[] = { "path", "method" };
	struct registry *r = registry_new(fixed_clock);
	struct metric_family *f =
		registry_add_family(r, "req", "h", METRIC_COUNTER, labels, 3, NULL, 0);
	struct metric_family *over =
		registry_add_family(r, "over", "h", METRIC_COUNTER, NULL, 0, NULL, 0);
	struct metric_child *counter = metric_family_child(over, NULL);
	char path[32];

	assert_int_equal(metric_family_set_cap(f, 10, fold, 2, counter), 0);
	for (int i = 0; i < 10; i++) {
		const char *v[] = { "GET", path, "200" };

		snprintf(path, sizeof(path), "/p%d", i);
		metric_child_inc(metric_family_child(f, v), 1);
	}
	assert_int_equal(metric_family_child_count(f), 10);
	{
		/* Known label sets keep their children; a new one folds its path. */
		const char *known[] = { "GET", "/p3", "200" };
		const char *fresh[] = { "GET", "/new", "200" };
		const char *folded[] = { "GET", "<overflow>", "200" };
		struct metric_child *c;

		assert_false(metric_child_over_cap(metric_family_child(f, known)));
		c = metric_family_child(f, fresh);
		assert_ptr_equal(c, find_child(f, folded));
		assert_true(metric_child_over_cap(c));
		assert_null(find_child(f, fresh));
		assert_true(metric_child_value(counter) == 1.0);
	}
	/* Past the tenth of headroom, the method folds too. */
	for (int i = 0; i < 50; i++) {
		char method[16];
		const char *v[] = { method, "/x", "404" };

		snprintf(method, sizeof(method), "M%d", i);
		assert_non_null(metric_family_child(f, v));
	}
	assert_true(metric_family_child_count(f) <= 10 + 1 + 2);
	{
		const char *all[] = { "<overflow>", "<overflow>", "404" };

		assert_non_null(find_child(f, all));
	}
	assert_true(metric_child_value(counter) == 51.0);
	/* A label the family lacks is refused. */
	{
		static const char *const bad[] = { "nope" };

		assert_int_equal(metric_family_set_cap(f, 10, bad, 1, NULL), -EINVAL);
	}
	registry_free(r);
}

static struct fee_request_record record(const char *line, int status)
{
	struct fee_request_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.line_len = (__u16)strlen(line);
	memcpy(rec.line, line, rec.line_len);
	rec.status = (__u16)status;
	rec.duration_ns = 1000000;
	return rec;
}

static void test_default_families_capped_and_counted(void **state)
{
	static const struct request_metrics_options opts = { .prefix = "flask",
							     .version = "1",
							     .defaults = 1 };
	struct registry *r = registry_new(fixed_clock);
	struct request_metrics m;
	const struct metric_family *over;
	double total = 0;
	char line[64];

	memset(&m, 0, sizeof(m));
	assert_int_equal(request_metrics_init(&m, r, &opts), 0);
	assert_int_equal(series_cap_apply(r, &m, 100), 0);
	/* 10 000 distinct paths, each twice (the second time through the record cache). */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 10000; i++) {
			struct fee_request_record rec;

			snprintf(line, sizeof(line), "GET /random/%d HTTP/1.1", i);
			rec = record(line, 200);
			observe(&m, &rec);
		}
	}
	/* The cap's label sets, and the one they overflow into. */
	assert_int_equal(metric_family_child_count(m.duration), 101);
	for (size_t i = 0; i < metric_family_child_count(m.duration); i++)
		total += metric_child_count(metric_family_child_at(m.duration, i));
	assert_true(total == 20000.0); /* every request still counted */
	{
		const char *folded[] = { "GET", "<overflow>", "200" };

		assert_true(metric_child_count(find_child(m.duration, folded)) ==
			    20000.0 - 2 * 100);
	}
	over = registry_find_family(r, "flask_ebpf_exporter_series_over_cap");
	assert_non_null(over);
	{
		const char *name[] = { "flask_http_request_duration_seconds" };

		assert_true(metric_child_value(find_child(over, name)) == 20000.0 - 2 * 100);
	}
	request_metrics_release(&m);
	registry_free(r);
}

static void test_fold_ids_in_the_path_label(void **state)
{
	static const struct request_metrics_options opts = { .prefix = "flask",
							     .version = "1",
							     .defaults = 1 };
	struct registry *r = registry_new(fixed_clock);
	struct request_metrics m;
	const char *folded[] = { "GET", "/users/:id", "200" };

	memset(&m, 0, sizeof(m));
	m.fold_ids = 1;
	assert_int_equal(request_metrics_init(&m, r, &opts), 0);
	for (int i = 0; i < 50; i++) {
		char line[64];
		struct fee_request_record rec;

		snprintf(line, sizeof(line), "GET /users/%d HTTP/1.1", i * 7919);
		rec = record(line, 200);
		observe(&m, &rec);
	}
	assert_int_equal(metric_family_child_count(m.duration), 1);
	assert_true(metric_child_count(find_child(m.duration, folded)) == 50.0);
	request_metrics_release(&m);
	registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_cap_folds_in_order),
		cmocka_unit_test(test_default_families_capped_and_counted),
		cmocka_unit_test(test_fold_ids_in_the_path_label),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
