// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* From kernel records to the flask_http_* families, without BPF: synthetic records in,
 * registry contents out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <linux/types.h>
#include <errno.h>
#include <string.h>

#include "fake_record.h"
#include "http/route_table.h"
#include "metrics/request_metrics.h"
#include "find_child.h"
#include "request_feed.h"

static struct fee_request_record record(const char *line, int status, double seconds, int flags)
{
	return fake_record(line, status, seconds, FEE_KIND_FINISHED, flags);
}

struct fixture {
	struct registry *r;
	struct request_metrics m;
};

static const struct request_metrics_options defaults = { .prefix = "flask",
							 .version = "9.9.9",
							 .defaults = 1 };

static int setup(void **state)
{
	static struct fixture fx;

	fx.r = registry_new(fixed_clock);
	memset(&fx.m, 0, sizeof(fx.m));
	if (!fx.r || request_metrics_init(&fx.m, fx.r, &defaults))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	request_metrics_release(&fx->m);
	registry_free(fx->r);
	return 0;
}

static void test_families_and_info(void **state)
{
	struct fixture *fx = *state;
	const struct metric_family *info = registry_find_family(fx->r, "flask_exporter_info");
	const char *version[] = { "9.9.9" };

	assert_non_null(info);
	assert_non_null(registry_find_family(fx->r, "flask_http_request_duration_seconds"));
	assert_non_null(registry_find_family(fx->r, "flask_http_request"));
	assert_non_null(registry_find_family(fx->r, "flask_http_request_exceptions"));
	assert_non_null(find_child(info, version));
	assert_true(metric_child_value(find_child(info, version)) == 1.0);
	/* No request yet: no children in the request families. */
	assert_int_equal(metric_family_child_count(fx->m.total), 0);
	assert_int_equal(metric_family_child_count(fx->m.duration), 0);
	/* No buckets given: exactly prometheus_client's Histogram.DEFAULT_BUCKETS, written out
	 * here as literals (not the registry's own copy), +Inf last. */
	{
		static const double client_defaults[] = { 0.005, 0.01, 0.025, 0.05, 0.075,
							  0.1,	 0.25, 0.5,   0.75, 1.0,
							  2.5,	 5.0,  7.5,   10.0, INFINITY };
		size_t n = sizeof(client_defaults) / sizeof(client_defaults[0]);

		assert_int_equal(metric_family_bucket_count(fx->m.duration), n);
		for (size_t i = 0; i < n; i++)
			assert_true(metric_family_bucket_bound(fx->m.duration, i) ==
				    client_defaults[i]);
	}
}

static void test_observe_labels_and_buckets(void **state)
{
	struct fixture *fx = *state;
	struct fee_request_record recs[] = {
		record("GET /items/7 HTTP/1.1", 200, 0.3, 0),
		record("GET /items/7 HTTP/1.1", 200, 0.001, 0),
		record("get /a%20b HTTP/1.0", 404, 0.002, 0),
		record("POST /created HTTP/1.1", 201, 0.0, 0),
	};
	const char *get_200[] = { "GET", "200" };
	const char *get_404[] = { "GET", "404" };
	const char *post_201[] = { "POST", "201" };
	const char *items[] = { "GET", "/items/7", "200" };
	const char *spaced[] = { "GET", "/a b", "404" };
	const struct metric_child *c;

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		observe(&fx->m, &recs[i]);

	assert_true(metric_child_value(find_child(fx->m.total, get_200)) == 2.0);
	assert_true(metric_child_value(find_child(fx->m.total, get_404)) == 1.0);
	assert_true(metric_child_value(find_child(fx->m.total, post_201)) == 1.0);
	assert_int_equal(metric_family_child_count(fx->m.total), 3);

	c = find_child(fx->m.duration, items);
	assert_non_null(c);
	assert_true(metric_child_count(c) == 2.0);
	/* 0.001 s lands in le=0.005 (bucket 0); 0.3 s first fits le=0.5 (bucket 7). */
	assert_true(metric_child_bucket(c, 0) == 1.0);
	assert_true(metric_child_bucket(c, 6) == 1.0); /* le=0.25 */
	assert_true(metric_child_bucket(c, 7) == 2.0); /* le=0.5 */
	assert_true(metric_child_sum(c) > 0.3009 && metric_child_sum(c) < 0.3011);
	assert_non_null(find_child(fx->m.duration, spaced));
	assert_true(metric_child_value(fx->m.received) == 4.0);
	assert_true(metric_child_value(fx->m.unparseable) == 0.0);
}

static void test_unparseable_and_truncated(void **state)
{
	struct fixture *fx = *state;
	struct fee_request_record pri = record("PRI * HTTP/2.0", 400, 0.0, 0);
	struct fee_request_record garbage = record("\x16\x03\x01 xx", 400, 0.0, 0);
	struct fee_request_record cut =
		record("GET /aaaaaaaaaaaaaaaa", 200, 0.0, FEE_REC_LINE_TRUNCATED);
	const char *overflow[] = { "GET", REQUEST_PATH_OVERFLOW, "200" };

	observe(&fx->m, &pri);
	observe(&fx->m, &garbage);
	observe(&fx->m, &cut);
	assert_true(metric_child_value(fx->m.unparseable) == 2.0);
	assert_true(metric_child_value(fx->m.truncated) == 1.0);
	assert_non_null(find_child(fx->m.duration, overflow));
	assert_true(metric_child_value(fx->m.received) == 3.0);
}

static void test_exception_counts_as_500(void **state)
{
	struct fixture *fx = *state;
	struct fee_request_record rec = record("GET /boom HTTP/1.1", 503, 0.01, FEE_REC_EXCEPTION);
	const char *exc[] = { "GET", "500" };
	const char *sent[] = { "GET", "503" };

	observe(&fx->m, &rec);
	assert_true(metric_child_value(find_child(fx->m.exceptions, exc)) == 1.0);
	assert_true(metric_child_value(find_child(fx->m.total, sent)) == 1.0);
}

static void test_repeated_lines_count_exactly(void **state)
{
	struct fixture *fx = *state;
	struct fee_request_record a = record("GET /same HTTP/1.1", 200, 0.001, 0);
	struct fee_request_record b = record("GET /same HTTP/1.1", 404, 0.001, 0);
	struct fee_request_record c = record("GET /sam2 HTTP/1.1", 200, 0.001, 0);
	struct fee_request_record exc = record("GET /same HTTP/1.1", 200, 0.001, FEE_REC_EXCEPTION);
	const char *a_labels[] = { "GET", "/same", "200" };
	const char *b_labels[] = { "GET", "/same", "404" };
	const char *c_labels[] = { "GET", "/sam2", "200" };
	const char *exc_labels[] = { "GET", "500" };

	for (int i = 0; i < 1000; i++) {
		observe(&fx->m, &a);
		observe(&fx->m, &b);
		observe(&fx->m, &c);
	}
	observe(&fx->m, &exc);
	assert_true(metric_child_count(find_child(fx->m.duration, a_labels)) == 1001.0);
	assert_true(metric_child_count(find_child(fx->m.duration, b_labels)) == 1000.0);
	assert_true(metric_child_count(find_child(fx->m.duration, c_labels)) == 1000.0);
	assert_true(metric_child_value(find_child(fx->m.exceptions, exc_labels)) == 1.0);
	assert_true(metric_child_value(fx->m.received) == 3001.0);
}

static void test_empty_prefix(void **state)
{
	struct registry *r = registry_new(fixed_clock);
	struct request_metrics m = { 0 };
	struct request_metrics_options opts = { .prefix = "", .version = "1", .defaults = 1 };

	assert_non_null(r);
	assert_int_equal(request_metrics_init(&m, r, &opts), 0);
	assert_non_null(registry_find_family(r, "http_request"));
	assert_non_null(registry_find_family(r, "exporter_info"));
	assert_null(registry_find_family(r, "_http_request"));
	request_metrics_release(&m);
	registry_free(r);
}

/* A registry and request metrics grouped by g over a small route table. */
struct grouped {
	struct registry *r;
	struct route_table *routes;
	struct request_metrics m;
};

static void grouped_init(struct grouped *g, enum group_by by)
{
	char err[ROUTE_ERROR_MAX];

	memset(g, 0, sizeof(*g));
	g->r = registry_new(fixed_clock);
	g->routes = route_table_new();
	assert_non_null(g->r);
	assert_non_null(g->routes);
	assert_int_equal(
		route_table_add(g->routes, "/items/<int:id>", "item", NULL, 0, ROUTE_TRACK, err),
		0);
	assert_int_equal(
		route_table_add(g->routes, "/health", NULL, NULL, 0, ROUTE_DO_NOT_TRACK, err), 0);
	assert_int_equal(
		route_table_add(g->routes, "/secret", NULL, NULL, 0, ROUTE_EXCLUDE_ALL, err), 0);
	g->m.group_by = by;
	g->m.routes = g->routes;
	assert_int_equal(request_metrics_init(&g->m, g->r, &defaults), 0);
}

static void grouped_free(struct grouped *g)
{
	request_metrics_release(&g->m);
	route_table_free(g->routes);
	registry_free(g->r);
}

static void observe_twice(struct request_metrics *m, const char *line, int status)
{
	struct fee_request_record rec = record(line, status, 0.01, 0);

	observe(m, &rec);
	observe(m, &rec); /* the second one comes from the cache */
}

static void test_group_by_endpoint_and_url_rule(void **state)
{
	static const struct {
		enum group_by by;
		const char *label, *item, *unmatched;
	} cases[] = {
		{ GROUP_BY_ENDPOINT, "endpoint", "item", "None" },
		{ GROUP_BY_URL_RULE, "url_rule", "/items/<int:id>", "None" },
		{ GROUP_BY_PATH, "path", "/items/007", "/items/x" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *item[] = { "GET", cases[i].item, "200" };
		const char *unmatched[] = { "GET", cases[i].unmatched, "404" };
		struct grouped g;

		grouped_init(&g, cases[i].by);
		assert_string_equal(metric_family_label_name(g.m.duration, 1), cases[i].label);
		observe_twice(&g.m, "GET /items/007 HTTP/1.1", 200);
		observe_twice(&g.m, "GET /items/x HTTP/1.1", 404);
		assert_true(metric_child_count(find_child(g.m.duration, item)) == 2.0);
		assert_true(metric_child_count(find_child(g.m.duration, unmatched)) == 2.0);
		assert_int_equal(metric_family_child_count(g.m.duration), 2);
		grouped_free(&g);
	}
}

static void test_group_by_full_path(void **state)
{
	const char *with_query[] = { "GET", "/a b?x=%20&y=\xef\xbf\xbd", "200" };
	const char *without[] = { "GET", "/a b?", "200" };
	const char *empty_query[] = { "GET", "/c?", "200" };
	struct grouped g;

	grouped_init(&g, GROUP_BY_FULL_PATH);
	assert_string_equal(metric_family_label_name(g.m.duration, 1), "full_path");
	observe_twice(&g.m, "GET /a%20b?x=%20&y=\xff HTTP/1.1", 200);
	observe_twice(&g.m, "GET /a%20b HTTP/1.1", 200);
	observe_twice(&g.m, "GET /c? HTTP/1.1", 200);
	assert_true(metric_child_count(find_child(g.m.duration, with_query)) == 2.0);
	assert_true(metric_child_count(find_child(g.m.duration, without)) == 2.0);
	assert_true(metric_child_count(find_child(g.m.duration, empty_query)) == 2.0);
	grouped_free(&g);
}

static void test_do_not_track_and_exclude_all(void **state)
{
	const char *get_200[] = { "GET", "200" };
	const char *options_200[] = { "OPTIONS", "200" };
	struct grouped g;

	grouped_init(&g, GROUP_BY_PATH);
	observe_twice(&g.m, "GET /health HTTP/1.1", 200);
	observe_twice(&g.m, "GET /secret HTTP/1.1", 200);
	/* Flask answers OPTIONS itself: the view's decorators never run, defaults count it. */
	observe_twice(&g.m, "OPTIONS /health HTTP/1.1", 200);
	observe_twice(&g.m, "GET /items/1 HTTP/1.1", 200);
	assert_true(metric_child_value(find_child(g.m.total, get_200)) == 2.0);
	assert_true(metric_child_value(find_child(g.m.total, options_200)) == 2.0);
	assert_true(metric_child_value(g.m.not_tracked) == 4.0);
	assert_true(metric_child_value(g.m.received) == 8.0);
	grouped_free(&g);
}

/* excluded_paths: re.match semantics (start anchored, end open), Python-style syntax. */
static void test_exclusion(void **state)
{
	static const char *const patterns[] = { "/static", "/health$", "/(?P<v>v[0-9]+)/internal",
						"\\w+$" };
	struct registry *r = registry_new(fixed_clock);
	struct request_metrics m = { 0 };
	struct request_metrics_options opts = { .prefix = "flask", .version = "1", .defaults = 1 };
	struct path_filter *filter = path_filter_new(patterns, 4, NULL, 0);
	static const char *const lines[] = {
		"GET /static/app.js HTTP/1.1", /* prefix: excluded */
		"GET /staticky HTTP/1.1",      /* still a prefix match */
		"GET /health HTTP/1.1",	       /* excluded */
		"GET /health/deep HTTP/1.1",   /* $ not at the end: counted */
		"GET /v2/internal/x HTTP/1.1", /* named group: excluded */
		"GET /api/static HTTP/1.1",    /* match is anchored at the start: counted */
		"GET /%C3%A9t%C3%A9 HTTP/1.1", /* \w+$ needs a word char at 0: '/' is not */
	};
	const char *api[] = { "GET", "/api/static", "200" };

	assert_non_null(r);
	assert_non_null(filter);
	opts.exclude = filter;
	assert_int_equal(request_metrics_init(&m, r, &opts), 0);
	for (int round = 0; round < 2; round++) /* the second round goes through the cache */
		for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
			struct fee_request_record rec = record(lines[i], 200, 0.01, 0);

			observe(&m, &rec);
		}
	assert_true(metric_child_value(m.excluded) == 8.0);
	assert_true(metric_child_value(m.received) == 14.0);
	assert_int_equal(metric_family_child_count(m.duration), 3);
	assert_true(metric_child_count(find_child(m.duration, api)) == 2.0);
	request_metrics_release(&m);
	registry_free(r);
	path_filter_free(filter);
}

/* default_labels and per-target labels: one value per record, by its target. */
static void test_static_and_target_labels(void **state)
{
	static const struct strpair global[] = { { "team", "web" }, { "env", "prod" } };
	static const char *const keys[] = { "service", "env" };
	static const char *const billing[] = { "billing", "staging" };
	static const char *const late_keys[] = { "service" };
	static const char *const late_values[] = { "billing-v2" };
	static const char *const unknown[] = { "zone" };
	struct registry *r = registry_new(fixed_clock);
	struct request_metrics m = { 0 };
	struct request_metrics_options opts = {
		.prefix = "flask", .version = "1", .defaults = 1, .labels = global, .n_labels = 2
	};
	struct fee_request_record rec = record("GET / HTTP/1.1", 200, 0.01, FEE_REC_EXCEPTION);
	const char *t0_total[] = { "GET", "200", "web", "prod", "" };
	const char *t1_total[] = { "GET", "200", "web", "staging", "billing" };
	const char *t1_late[] = { "GET", "200", "web", "staging", "billing-v2" };
	const char *t1_exc[] = { "GET", "500", "web", "staging", "billing" };
	const char *t1_duration[] = { "GET", "/", "200", "web", "staging", "billing" };
	const struct metric_family *info;

	assert_non_null(r);
	/* Before init: any keys; they join the families' labels. */
	assert_int_equal(request_metrics_set_target_labels(&m, 1, keys, billing, 2), 0);
	assert_int_equal(request_metrics_init(&m, r, &opts), 0);
	assert_int_equal(metric_family_label_count(m.total), 5);
	assert_string_equal(metric_family_label_name(m.total, 4), "service");
	info = registry_find_family(r, "flask_exporter_info");
	assert_int_equal(metric_family_label_count(info), 1); /* not on the info gauge */

	observe(&m, &rec); /* target 0: global values, "" for service */
	rec.target = 1;
	observe(&m, &rec);
	observe(&m, &rec);
	assert_true(metric_child_value(find_child(m.total, t0_total)) == 1.0);
	assert_true(metric_child_value(find_child(m.total, t1_total)) == 2.0);
	assert_true(metric_child_value(find_child(m.exceptions, t1_exc)) == 2.0);
	assert_true(metric_child_count(find_child(m.duration, t1_duration)) == 2.0);

	/* After init: only known keys; the new value applies to later records (cache too).
	 */
	assert_int_equal(request_metrics_set_target_labels(&m, 1, unknown, late_values, 1),
			 -EINVAL);
	assert_int_equal(request_metrics_set_target_labels(&m, 1, late_keys, late_values, 1), 0);
	observe(&m, &rec);
	/* env fell back to the global value: the target no longer sets it. */
	t1_late[3] = "prod";
	assert_true(metric_child_value(find_child(m.total, t1_late)) == 1.0);
	request_metrics_release(&m);
	registry_free(r);
}

static void test_summary_and_no_defaults(void **state)
{
	static const double buckets[] = { 0.1, 1 };
	struct registry *r = registry_new(fixed_clock);
	struct request_metrics m = { 0 }, none = { 0 };
	struct request_metrics_options opts = { .prefix = "a",
						.version = "1",
						.defaults = 1,
						.summary = 1,
						.buckets = buckets,
						.n_buckets = 2 };
	struct fee_request_record rec = record("GET / HTTP/1.1", 200, 0.25, 0);

	assert_non_null(r);
	assert_int_equal(request_metrics_init(&m, r, &opts), 0);
	assert_int_equal(metric_family_type(m.duration), METRIC_SUMMARY);
	observe(&m, &rec);
	assert_true(metric_child_sum(metric_family_child_at(m.duration, 0)) == 0.25);
	request_metrics_release(&m);
	registry_free(r);

	/* export_defaults=False: none of the four families, the self-metrics still count.
	 */
	r = registry_new(fixed_clock);
	opts.defaults = 0;
	assert_int_equal(request_metrics_init(&none, r, &opts), 0);
	assert_null(none.duration);
	assert_null(registry_find_family(r, "a_exporter_info"));
	observe(&none, &rec);
	assert_true(metric_child_value(none.received) == 1.0);
	request_metrics_release(&none);
	registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_families_and_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_observe_labels_and_buckets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unparseable_and_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exception_counts_as_500, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeated_lines_count_exactly, setup, teardown),
		cmocka_unit_test(test_empty_prefix),
		cmocka_unit_test(test_group_by_endpoint_and_url_rule),
		cmocka_unit_test(test_group_by_full_path),
		cmocka_unit_test(test_do_not_track_and_exclude_all),
		cmocka_unit_test(test_exclusion),
		cmocka_unit_test(test_static_and_target_labels),
		cmocka_unit_test(test_summary_and_no_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
