// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Custom metrics from kernel records, without BPF: synthetic records in, registry out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/types.h>
#include <string.h>

#include "config/config_file.h"
#include "metrics/custom_metrics.h"
#include "fake_record.h"
#include "http/route_table.h"
#include "find_child.h"

static double fixed_clock(void)
{
	return 1700000000.0;
}

static struct fee_request_record record(const char *line, int status, double seconds, int kind,
					int flags)
{
	return fake_record(line, status, seconds, kind, flags);
}

/* The value of the child of family `name` with these label values; -1 when absent. */
static double value_of(struct registry *r, const char *name, const char *const *values)
{
	const struct metric_family *f = registry_find_family(r, name);

	const struct metric_child *c;

	assert_non_null(f);
	c = find_child(f, values);
	if (!c)
		return -1;
	if (metric_family_type(f) == METRIC_HISTOGRAM || metric_family_type(f) == METRIC_SUMMARY)
		return metric_child_count(c);
	return metric_child_value(c);
}

struct fixture {
	struct registry *r;
	struct route_table *routes;
	struct custom_metrics *cm;
};

/* One record through the custom metrics, its HTTP model built as the daemon builds it. */
static void observe(struct fixture *fx, const struct fee_request_record *rec)
{
	struct observed_request o;

	observed_request_init(&o, rec, NULL, fx->routes);
	custom_metrics_observe(fx->cm, &o);
}

static void finished(struct fixture *fx, const char *line, int status, double seconds)
{
	struct fee_request_record rec = record(line, status, seconds, FEE_KIND_FINISHED, 0);

	observe(fx, &rec);
}

static int setup(void **state)
{
	static struct fixture fx;
	const char *post[] = { "GET", "POST" };
	char err[ROUTE_ERROR_MAX];

	fx.r = registry_new(fixed_clock);
	fx.routes = route_table_new();
	if (!fx.r || !fx.routes ||
	    route_table_add(fx.routes, "/items/<item_type>", "items", post, 2, ROUTE_TRACK, err) ||
	    route_table_add(fx.routes, "/health", "health", NULL, 0, ROUTE_DO_NOT_TRACK, err) ||
	    route_table_add(fx.routes, "/secret", "secret", NULL, 0, ROUTE_EXCLUDE_ALL, err) ||
	    route_table_add(fx.routes, "/slow", NULL, NULL, 0, ROUTE_TRACK, err))
		return -1;
	fx.cm = custom_metrics_new(fx.r, fx.routes);
	*state = &fx;
	return fx.cm ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	custom_metrics_free(fx->cm);
	route_table_free(fx->routes);
	registry_free(fx->r);
	return 0;
}

static void add(struct fixture *fx, const struct custom_metric_spec *spec)
{
	char err[CUSTOM_ERROR_MAX] = "";

	if (custom_metrics_add(fx->cm, spec, err))
		fail_msg("%s", err);
}

static void test_counter_with_route_parameter(void **state)
{
	struct fixture *fx = *state;
	static const struct custom_label labels[] = {
		{ "item_type", CUSTOM_LABEL_PARAM, "item_type" },
		{ "status", CUSTOM_LABEL_STATUS, NULL },
	};
	static const char *const scope[] = { "items" };
	const struct custom_metric_spec spec = {
		.type = METRIC_COUNTER,
		.name = "by_type",
		.help = "Requests by type",
		.scope = scope,
		.n_scope = 1,
		.labels = labels,
		.n_labels = 2,
	};
	const char *books[] = { "books", "200" };
	const char *toys[] = { "toys", "201" };

	add(fx, &spec);
	finished(fx, "GET /items/books HTTP/1.1", 200, 0.01);
	finished(fx, "GET /items/books?x=1 HTTP/1.1", 200, 0.01);
	finished(fx, "POST /items/toys HTTP/1.1", 201, 0.01);
	finished(fx, "PUT /items/toys HTTP/1.1", 405, 0.01);  /* no view runs */
	finished(fx, "OPTIONS /items/toys HTTP/1.1", 200, 0); /* Flask answers it */
	finished(fx, "GET /items/ HTTP/1.1", 404, 0.01);
	finished(fx, "GET /health HTTP/1.1", 200, 0.01); /* out of scope */
	{
		/* A view that raised, answered 503 by an error handler: the library's wrapper
		 * saw its own 500. */
		struct fee_request_record raised = record("GET /items/toys HTTP/1.1", 503, 0.01,
							  FEE_KIND_FINISHED, FEE_REC_EXCEPTION);
		const char *toys_500[] = { "toys", "500" };

		observe(fx, &raised);
		assert_true(value_of(fx->r, "by_type", toys_500) == 1.0);
	}
	assert_true(value_of(fx->r, "by_type", books) == 2.0);
	assert_true(value_of(fx->r, "by_type", toys) == 1.0);
	assert_int_equal(metric_family_child_count(registry_find_family(fx->r, "by_type")), 3);
}

static void test_register_default_counts_every_route(void **state)
{
	struct fixture *fx = *state;
	static const struct custom_label labels[] = {
		{ "method", CUSTOM_LABEL_METHOD, NULL },
		{ "endpoint", CUSTOM_LABEL_ENDPOINT, NULL },
		{ "rule", CUSTOM_LABEL_URL_RULE, NULL },
		{ "path", CUSTOM_LABEL_PATH, NULL },
		{ "team", CUSTOM_LABEL_STATIC, "web" },
	};
	const struct custom_metric_spec spec = {
		.type = METRIC_COUNTER,
		.name = "all_views",
		.help = "Every view",
		.labels = labels,
		.n_labels = 5,
	};
	const char *health[] = { "GET", "health", "/health", "/health", "web" };
	const char *slow[] = { "GET", "/slow", "/slow", "/slow", "web" };
	const char *secret[] = { "GET", "secret", "/secret", "/secret", "web" };

	add(fx, &spec);
	finished(fx, "GET /health HTTP/1.1", 200, 0.01); /* do_not_track still counts */
	finished(fx, "GET /slow HTTP/1.1", 200, 0.01);
	finished(fx, "GET /slow HTTP/1.1", 500, 0.01);
	finished(fx, "GET /secret HTTP/1.1", 200, 0.01); /* exclude_all: nothing */
	finished(fx, "GET /missing HTTP/1.1", 404, 0.01);
	assert_true(value_of(fx->r, "all_views", health) == 1.0);
	assert_true(value_of(fx->r, "all_views", slow) == 2.0);
	assert_true(value_of(fx->r, "all_views", secret) == -1);
	assert_int_equal(metric_family_child_count(registry_find_family(fx->r, "all_views")), 2);
}

static void test_in_progress_gauge(void **state)
{
	struct fixture *fx = *state;
	static const struct custom_label labels[] = { { "path", CUSTOM_LABEL_PATH, NULL } };
	static const char *const scope[] = { "/slow" };
	const struct custom_metric_spec spec = {
		.type = METRIC_GAUGE,
		.name = "in_progress",
		.help = "Requests in progress",
		.scope = scope,
		.n_scope = 1,
		.labels = labels,
		.n_labels = 1,
	};
	const char *slow[] = { "/slow" };
	struct fee_request_record started = record("GET /slow HTTP/1.1", 0, 0, FEE_KIND_STARTED, 0);
	struct fee_request_record done =
		record("GET /slow HTTP/1.1", 200, 1, FEE_KIND_FINISHED, FEE_REC_START_EMITTED);
	struct fee_request_record unseen =
		record("GET /slow HTTP/1.1", 200, 1, FEE_KIND_FINISHED, 0);
	struct fee_request_record abandoned =
		record("GET /slow HTTP/1.1", 0, 0, FEE_KIND_ABANDONED, FEE_REC_START_EMITTED);

	add(fx, &spec);
	assert_true(custom_metrics_need_started(fx->cm));
	observe(fx, &started);
	observe(fx, &started);
	assert_true(value_of(fx->r, "in_progress", slow) == 2.0);
	observe(fx, &done);
	assert_true(value_of(fx->r, "in_progress", slow) == 1.0);
	/* A request whose start was never seen leaves the gauge alone. */
	observe(fx, &unseen);
	assert_true(value_of(fx->r, "in_progress", slow) == 1.0);
	observe(fx, &abandoned);
	assert_true(value_of(fx->r, "in_progress", slow) == 0.0);
	/* Never below zero, even if the kernel's records disagreed. */
	observe(fx, &done);
	assert_true(value_of(fx->r, "in_progress", slow) == 0.0);
}

static void test_histogram_summary_and_zero_start(void **state)
{
	struct fixture *fx = *state;
	static const double buckets[] = { 0.1, 1.0 };
	static const struct custom_label env[] = { { "env", CUSTOM_LABEL_STATIC, "prod" } };
	static const char *const scope[] = { "/slow" };
	const struct custom_metric_spec hist = {
		.type = METRIC_HISTOGRAM,
		.name = "slow_seconds",
		.help = "Slow",
		.buckets = buckets,
		.n_buckets = 2,
		.scope = scope,
		.n_scope = 1,
		.labels = env,
		.n_labels = 1,
	};
	const struct custom_metric_spec summary = {
		.type = METRIC_SUMMARY,
		.name = "slow_summary",
		.help = "Slow",
		.scope = scope,
		.n_scope = 1,
	};
	const struct custom_metric_spec plain = {
		.type = METRIC_COUNTER,
		.name = "plain",
		.help = "No labels",
		.scope = scope,
		.n_scope = 1,
	};
	const char *prod[] = { "prod" };
	const struct metric_family *f;
	const struct metric_child *c;

	add(fx, &hist);
	add(fx, &summary);
	add(fx, &plain);
	/* All-static labels and no labels: zero from the start, as the client shows them. */
	assert_true(value_of(fx->r, "slow_seconds", prod) == 0.0);
	assert_true(value_of(fx->r, "plain", NULL) == 0.0);
	finished(fx, "GET /slow HTTP/1.1", 200, 0.5);
	finished(fx, "GET /slow HTTP/1.1", 200, 2.0);
	finished(fx, "GET /health HTTP/1.1", 200, 2.0);
	f = registry_find_family(fx->r, "slow_seconds");
	c = metric_family_child_at(f, 0);
	assert_int_equal(metric_family_bucket_count(f), 3);
	assert_true(metric_child_bucket(c, 0) == 0.0);
	assert_true(metric_child_bucket(c, 1) == 1.0);
	assert_true(metric_child_bucket(c, 2) == 2.0);
	assert_true(metric_child_sum(c) == 2.5);
	c = metric_family_child_at(registry_find_family(fx->r, "slow_summary"), 0);
	assert_true(metric_child_count(c) == 2.0);
	assert_true(metric_child_sum(c) == 2.5);
	assert_true(value_of(fx->r, "plain", NULL) == 2.0);
}

static void test_bad_specs(void **state)
{
	struct fixture *fx = *state;
	static const struct custom_label status[] = { { "status", CUSTOM_LABEL_STATUS, NULL } };
	static const struct custom_label param[] = { { "kind", CUSTOM_LABEL_PARAM, "kind" } };
	static const char *const nowhere[] = { "nowhere" };
	static const char *const health[] = { "health" };
	const struct {
		struct custom_metric_spec spec;
		const char *message;
	} cases[] = {
		{ { .type = METRIC_GAUGE,
		    .name = "g",
		    .help = "h",
		    .labels = status,
		    .n_labels = 1 },
		  "g: label 'status': a gauge counts requests in progress, which have no status "
		  "yet" },
		{ { .type = METRIC_COUNTER,
		    .name = "c",
		    .help = "h",
		    .scope = nowhere,
		    .n_scope = 1 },
		  "c: scope 'nowhere' names no route (endpoint or rule)" },
		{ { .type = METRIC_COUNTER,
		    .name = "p",
		    .help = "h",
		    .scope = health,
		    .n_scope = 1,
		    .labels = param,
		    .n_labels = 1 },
		  "p: label 'kind': no route in scope has a parameter 'kind'" },
		{ { .type = METRIC_COUNTER, .name = "bad name", .help = "h" },
		  "bad name: bad name, label name or buckets, or a name clash" },
	};
	char err[CUSTOM_ERROR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(custom_metrics_add(fx->cm, &cases[i].spec, err), -EINVAL);
		assert_string_equal(err, cases[i].message);
	}
	assert_false(custom_metrics_need_started(fx->cm));
}

/* The library adds default_labels to every custom metric, unless the metric sets the label. */
static void test_default_labels_join_custom_metrics(void **state)
{
	static const char yaml[] = "labels: {team: web, zone: a}\n"
				   "metrics:\n"
				   "  - {type: counter, name: c, help: h, labels: {team: api}}\n";
	struct exporter_config cfg;
	struct registry *r = registry_new(NULL);
	struct custom_metrics *cm = custom_metrics_new(r, NULL);
	const struct metric_family *f;
	const struct metric_child *child;
	char err[CONFIG_ERROR_MAX];
	size_t bad;

	assert_int_equal(config_init(&cfg), 0);
	if (config_load_string(&cfg, yaml, "t.yaml", err, CONFIG_ERROR_MAX))
		fail_msg("%s", err);
	assert_int_equal(custom_metrics_add_config(cm, &cfg, &bad, err), 0);
	f = registry_find_family(r, "c");
	assert_non_null(f);
	assert_int_equal(metric_family_label_count(f), 2);
	assert_string_equal(metric_family_label_name(f, 0), "team");
	assert_string_equal(metric_family_label_name(f, 1), "zone");
	/* All labels static: the child exists from the start, with the metric's own value. */
	child = metric_family_child_at(f, 0);
	assert_string_equal(metric_child_label_value(child, 0), "api");
	assert_string_equal(metric_child_label_value(child, 1), "a");
	custom_metrics_free(cm);
	registry_free(r);
	config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counter_with_route_parameter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_default_counts_every_route, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_in_progress_gauge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_histogram_summary_and_zero_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_specs, setup, teardown),
		cmocka_unit_test(test_default_labels_join_custom_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
