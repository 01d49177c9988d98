// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The route table against werkzeug itself: every request of golden/routes_paths.txt must
 * match the rule, endpoint and parameters Flask 2.2 gives it (golden/routes_expected.txt,
 * written by golden/make_routes_golden.py), plus what the golden table cannot show.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/route_table.h"

static char *next_field(char **line)
{
	char *start = *line, *tab = strchr(start, '\t');

	if (tab) {
		*tab = '\0';
		*line = tab + 1;
	} else {
		*line = start + strlen(start);
	}
	return start;
}

static struct route_table *golden_table(void)
{
	struct route_table *t = route_table_new();
	FILE *f = fopen("tests/unit/golden/routes_rules.txt", "r");
	char line[512], err[ROUTE_ERROR_MAX];

	assert_non_null(t);
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *rule, *endpoint, *methods[8];
		size_t n = 0;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		rule = next_field(&p);
		endpoint = next_field(&p);
		for (char *m = strtok(p, ","); m && n < 8; m = strtok(NULL, ","))
			methods[n++] = m;
		if (route_table_add(t, rule, endpoint, (const char *const *)methods, n, ROUTE_TRACK,
				    err)) {
			fail_msg("rule %s: %s", rule, err);
		}
	}
	fclose(f);
	return t;
}

static void test_matches_werkzeug(void **state)
{
	struct route_table *t = golden_table();
	FILE *f = fopen("tests/unit/golden/routes_expected.txt", "r");
	struct route_match *m = malloc(sizeof(*m));
	char line[1024];
	int checked = 0, wrong = 0;

	assert_non_null(f);
	assert_non_null(m);
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *method, *path, *rule, *endpoint, *params;
		char got[1024] = "";
		size_t used = 0;

		line[strcspn(line, "\n")] = '\0';
		method = next_field(&p);
		path = next_field(&p);
		rule = next_field(&p);
		endpoint = next_field(&p);
		params = next_field(&p);
		route_table_match(t, path, method, m);
		for (size_t i = 0; i < m->n_params; i++)
			used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s=%s",
						 i ? "," : "", m->params[i].name,
						 m->params[i].value);
		if (strcmp(m->route ? route_rule(m->route) : "None", rule) ||
		    strcmp(m->route ? route_endpoint(m->route) : "None", endpoint) ||
		    strcmp(got, params)) {
			fprintf(stderr, "%s %s: got %s %s {%s}, werkzeug %s %s {%s}\n", method,
				path, m->route ? route_rule(m->route) : "None",
				m->route ? route_endpoint(m->route) : "None", got, rule, endpoint,
				params);
			wrong++;
		}
		checked++;
	}
	fclose(f);
	assert_true(checked > 90);
	assert_int_equal(wrong, 0);
	free(m);
	route_table_free(t);
}

static void test_default_endpoint_and_view_runs(void **state)
{
	struct route_table *t = route_table_new();
	struct route_match m;
	char err[ROUTE_ERROR_MAX];
	const char *opts[] = { "get", "OPTIONS" };

	assert_int_equal(
		route_table_add(t, "/items/<int:id>", NULL, NULL, 0, ROUTE_DO_NOT_TRACK, err), 0);
	assert_int_equal(route_table_add(t, "/own", "", opts, 2, ROUTE_EXCLUDE_ALL, err), 0);
	assert_int_equal(route_table_match(t, "/items/3", "GET", &m), 1);
	assert_string_equal(route_endpoint(m.route), "/items/<int:id>");
	assert_int_equal(route_tracking(m.route), ROUTE_DO_NOT_TRACK);
	assert_true(m.view_runs);
	assert_string_equal(route_match_param(&m, "id"), "3");
	assert_null(route_match_param(&m, "other"));
	assert_true(route_has_param(m.route, "id"));
	/* Flask answers OPTIONS itself: the view (and its decorators) never run. */
	assert_int_equal(route_table_match(t, "/items/3", "OPTIONS", &m), 1);
	assert_false(m.view_runs);
	/* ... unless the rule lists OPTIONS. */
	assert_int_equal(route_table_match(t, "/own", "OPTIONS", &m), 1);
	assert_true(m.view_runs);
	assert_int_equal(route_tracking(m.route), ROUTE_EXCLUDE_ALL);
	assert_int_equal(route_table_match(t, "/items/x", "GET", &m), 0);
	assert_null(m.route);
	assert_int_equal(route_table_count(t), 2);
	route_table_free(t);
}

static void test_bad_rules(void **state)
{
	static const struct {
		const char *rule, *message;
	} cases[] = {
		{ "items", "a rule must start with '/': 'items'" },
		{ "/a/<int:id", "malformed url rule: '/a/<int:id'" },
		{ "/a/<1x>", "malformed url rule: '/a/<1x>'" },
		{ "/a/<nope:x>", "the converter 'nope' does not exist" },
		{ "/a/<x>/<int:x>", "variable 'x' used twice" },
		{ "/a/<int(color=1):x>", "unsupported converter argument 'color'" },
		{ "/a/<any():x>", "any() needs at least one item" },
		{ "/a/<int(signed=yes):x>", "signed must be True or False" },
	};
	struct route_table *t = route_table_new();
	char err[ROUTE_ERROR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(route_table_add(t, cases[i].rule, NULL, NULL, 0, ROUTE_TRACK, err),
				 -EINVAL);
		assert_string_equal(err, cases[i].message);
	}
	assert_int_equal(route_table_count(t), 0);
	route_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_werkzeug),
		cmocka_unit_test(test_default_endpoint_and_view_runs),
		cmocka_unit_test(test_bad_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
