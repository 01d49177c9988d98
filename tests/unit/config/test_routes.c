// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The routes:, metrics:, group_by: and static_url_path: sections of the config file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "config/config.h"
#include "config/config_file.h"
#include "config/routes.h"
#include "http/route_table.h"

static int load(struct exporter_config *cfg, const char *yaml, char *err)
{
	assert_int_equal(config_init(cfg), 0);
	err[0] = '\0';
	return config_load_string(cfg, yaml, "t.yaml", err, CONFIG_ERROR_MAX);
}

/* The app's route table from a loaded config, as the daemon builds it. */
static struct route_table *table(const struct exporter_config *cfg)
{
	char err[ROUTE_ERROR_MAX];
	size_t bad;

	return config_route_table(cfg, &bad, err);
}

static void test_full_example(void **state)
{
	static const char yaml[] = "group_by: url_rule\n"
				   "routes:\n"
				   "  - rule: /items/<int:id>\n"
				   "    endpoint: item\n"
				   "    methods: [GET, post]\n"
				   "  - {rule: /health, do_not_track: true}\n"
				   "  - {rule: /secret, exclude_all_metrics: true}\n"
				   "metrics:\n"
				   "  - type: histogram\n"
				   "    name: item_seconds\n"
				   "    help: Item latency\n"
				   "    buckets: [0.1, 1]\n"
				   "    routes: [item, /health]\n"
				   "    labels: {id: {param: id}, m: {from: method}, team: web,\n"
				   "             v: {value: '1'}}\n"
				   "  - {type: gauge, name: busy, help: Busy}\n";
	struct exporter_config cfg;
	struct route_table *routes;
	struct route_match m;
	char err[CONFIG_ERROR_MAX];

	if (load(&cfg, yaml, err))
		fail_msg("%s", err);
	assert_int_equal(cfg.group_by, GROUP_BY_URL_RULE);
	routes = table(&cfg);
	assert_non_null(routes);
	/* The static rule comes first, as Flask adds it. */
	assert_int_equal(route_table_count(routes), 4);
	assert_string_equal(route_rule(route_table_at(routes, 0)), "/static/<path:filename>");
	assert_string_equal(route_endpoint(route_table_at(routes, 0)), "static");
	assert_int_equal(route_table_match(routes, "/items/4", "POST", &m), 1);
	assert_string_equal(route_endpoint(m.route), "item");
	assert_int_equal(route_table_match(routes, "/health", "GET", &m), 1);
	assert_string_equal(route_endpoint(m.route), "/health");
	assert_int_equal(route_tracking(m.route), ROUTE_DO_NOT_TRACK);
	assert_int_equal(route_table_match(routes, "/secret", "GET", &m), 1);
	assert_int_equal(route_tracking(m.route), ROUTE_EXCLUDE_ALL);

	assert_int_equal(cfg.n_metrics, 2);
	assert_int_equal(cfg.metrics[0].spec.type, METRIC_HISTOGRAM);
	assert_int_equal(cfg.metrics[0].spec.n_buckets, 2);
	assert_int_equal(cfg.metrics[0].spec.n_scope, 2);
	assert_int_equal(cfg.metrics[0].spec.n_labels, 4);
	assert_int_equal(cfg.metrics[0].spec.labels[0].source, CUSTOM_LABEL_PARAM);
	assert_string_equal(cfg.metrics[0].spec.labels[0].arg, "id");
	assert_int_equal(cfg.metrics[0].spec.labels[1].source, CUSTOM_LABEL_METHOD);
	assert_int_equal(cfg.metrics[0].spec.labels[2].source, CUSTOM_LABEL_STATIC);
	assert_string_equal(cfg.metrics[0].spec.labels[2].arg, "web");
	assert_string_equal(cfg.metrics[0].spec.labels[3].arg, "1");
	assert_int_equal(cfg.metrics[1].spec.type, METRIC_GAUGE);
	route_table_free(routes);
	config_release(&cfg);
}

static void test_static_url_path(void **state)
{
	struct exporter_config cfg;
	struct route_table *routes;
	char err[CONFIG_ERROR_MAX];

	assert_int_equal(load(&cfg, "static_url_path: null\nroutes: [{rule: /}]\n", err), 0);
	routes = table(&cfg);
	assert_int_equal(route_table_count(routes), 1);
	route_table_free(routes);
	config_release(&cfg);
	assert_int_equal(load(&cfg, "static_url_path: /assets\nroutes: [{rule: /}]\n", err), 0);
	routes = table(&cfg);
	assert_string_equal(route_rule(route_table_at(routes, 0)), "/assets/<path:filename>");
	route_table_free(routes);
	config_release(&cfg);
	/* Flask's static_url_path='': the static files at the root. */
	assert_int_equal(load(&cfg, "static_url_path: ''\nroutes: [{rule: /}]\n", err), 0);
	routes = table(&cfg);
	assert_string_equal(route_rule(route_table_at(routes, 0)), "/<path:filename>");
	route_table_free(routes);
	config_release(&cfg);
	/* No routes: no table at all (endpoint and url_rule then label None). */
	assert_int_equal(load(&cfg, "group_by: endpoint\n", err), 0);
	assert_null(table(&cfg));
	config_release(&cfg);
}

static void test_errors_name_file_line_and_key(void **state)
{
	static const struct {
		const char *yaml, *message;
	} cases[] = {
		{ "group_by: rule\n", "t.yaml:1: group_by: 'rule' is not one of path, full_path, "
				      "endpoint, url_rule" },
		{ "routes:\n  - {rule: /a}\n  - {rule: '/b/<nope:x>'}\n",
		  "t.yaml:3: routes[1]: the converter 'nope' does not exist" },
		{ "routes:\n  - {endpoint: x}\n", "t.yaml:2: routes[0]: a route needs a rule" },
		{ "routes:\n  - {rule: /a, colour: red}\n",
		  NULL /* unknown key: core's message */ },
		{ "routes:\n  - {rule: /a, do_not_track: true, exclude_all_metrics: true}\n",
		  "t.yaml:2: routes[0].exclude_all_metrics: do_not_track and exclude_all_metrics "
		  "exclude each other" },
		{ "routes: [{rule: /a}]\nmetrics:\n  - {type: timer, name: t, help: h}\n",
		  "t.yaml:3: metrics[0].type: 'timer' is not one of counter, gauge, histogram, "
		  "summary" },
		{ "routes: [{rule: /a}]\nmetrics:\n  - {type: counter, name: c}\n",
		  "t.yaml:3: metrics[0]: a metric needs a help text" },
		{ "routes: [{rule: /a}]\nmetrics:\n  - {type: counter, name: c, help: h,\n"
		  "     routes: [b]}\n",
		  "t.yaml:3: metrics[0]: c: scope 'b' names no route (endpoint or rule)" },
		{ "routes: [{rule: '/<kind>'}]\nmetrics:\n"
		  "  - {type: gauge, name: g, help: h, labels: {s: {from: status}}}\n",
		  "t.yaml:3: metrics[0]: g: label 's': a gauge counts requests in progress, which "
		  "have no status yet" },
		{ "routes: [{rule: '/<kind>'}]\nmetrics:\n"
		  "  - {type: counter, name: c, help: h, labels: {k: {param: knd}}}\n",
		  "t.yaml:3: metrics[0]: c: label 'k': no route in scope has a parameter 'knd'" },
		{ "metrics:\n  - {type: counter, name: c, help: h, buckets: [1]}\n",
		  "t.yaml:2: metrics[0]: buckets are for histograms only" },
		{ "metrics:\n  - {type: counter, name: c, help: h,\n"
		  "     labels: {k: {from: method, value: x}}}\n",
		  "t.yaml:3: metrics[0].labels.k.value: a label takes exactly one of from, param "
		  "and "
		  "value" },
		{ "metrics:\n  - {type: counter, name: c, help: h, labels: {k: {from: verb}}}\n",
		  "t.yaml:2: metrics[0].labels.k.from: 'verb' is not one of method, path, status, "
		  "endpoint, url_rule" },
	};
	char err[CONFIG_ERROR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct exporter_config cfg;

		assert_int_equal(load(&cfg, cases[i].yaml, err), -EINVAL);
		if (cases[i].message && strcmp(err, cases[i].message))
			fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].message);
		if (!cases[i].message)
			assert_non_null(strstr(err, "colour"));
		config_release(&cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_static_url_path),
		cmocka_unit_test(test_errors_name_file_line_and_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
