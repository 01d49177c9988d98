// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The text exposition against golden files written by the real Python client
 * (tests/unit/golden/make_golden.py): the same metrics built here must print the same
 * bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"

static double frozen_clock(void)
{
	return 1700000000.5;
}

static char *read_golden(const char *name)
{
	char path[256];
	long size;
	char *text;
	FILE *f;

	snprintf(path, sizeof(path), "tests/unit/golden/%s", name);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	return text;
}

static void assert_exposition(const struct registry *r, int created, const char *golden_name)
{
	struct exposition_options options = { .created = created };
	struct strbuf out = STRBUF_INIT;
	char *golden = read_golden(golden_name);

	assert_int_equal(exposition_write_text(r, &options, &out), 0);
	assert_non_null(out.buf);
	if (strcmp(out.buf, golden))
		fprintf(stderr, "--- got\n%s--- want (%s)\n%s", out.buf, golden_name, golden);
	assert_string_equal(out.buf, golden);
	strbuf_release(&out);
	free(golden);
}

static const double default_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
					  0.5,	 0.75, 1.0,   2.5,  5.0,   7.5, 10.0 };

struct defaults {
	struct metric_family *info, *duration, *total, *exceptions;
};

/* The four default families, declared as prometheus_flask_exporter declares them. */
static struct registry *default_registry(struct defaults *d)
{
	static const char *const version_label[] = { "version" };
	static const char *const duration_labels[] = { "method", "path", "status" };
	static const char *const total_labels[] = { "method", "status" };
	static const char *const version[] = { "0.1.0" };
	struct registry *r = registry_new(frozen_clock);

	assert_non_null(r);
	d->info = registry_add_family(r, "flask_exporter_info",
				      "Information about the Prometheus Flask exporter",
				      METRIC_GAUGE, version_label, 1, NULL, 0);
	d->duration = registry_add_family(r, "flask_http_request_duration_seconds",
					  "Flask HTTP request duration in seconds",
					  METRIC_HISTOGRAM, duration_labels, 3, default_buckets,
					  sizeof(default_buckets) / sizeof(default_buckets[0]));
	d->total = registry_add_family(r, "flask_http_request", "Total number of HTTP requests",
				       METRIC_COUNTER, total_labels, 2, NULL, 0);
	d->exceptions =
		registry_add_family(r, "flask_http_request_exceptions",
				    "Total number of HTTP requests which resulted in an exception",
				    METRIC_COUNTER, total_labels, 2, NULL, 0);
	assert_non_null(d->info);
	assert_non_null(d->duration);
	assert_non_null(d->total);
	assert_non_null(d->exceptions);
	metric_child_set(metric_family_child(d->info, version), 1);
	return r;
}

static void test_default_families_empty(void **state)
{
	struct defaults d;
	struct registry *r = default_registry(&d);

	assert_exposition(r, 1, "default_empty.txt");
	registry_free(r);
}

static void test_default_families_after_requests(void **state)
{
	static const struct {
		const char *method, *path, *status;
		double seconds;
	} requests[] = {
		{ "GET", "/", "200", 0.003 },
		{ "GET", "/", "200", 0.3 },
		{ "POST", "/items", "201", 0.02 },
		{ "GET", "/a \"quoted\" \\ path\nx", "404", 12.5 },
		{ "GET", "/", "200", 0.005 },
	};
	static const char *const exception_labels[] = { "GET", "500" };
	struct defaults d;
	struct registry *r = default_registry(&d);

	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		const char *dl[] = { requests[i].method, requests[i].path, requests[i].status };
		const char *tl[] = { requests[i].method, requests[i].status };

		metric_child_observe(metric_family_child(d.duration, dl), requests[i].seconds);
		metric_child_inc(metric_family_child(d.total, tl), 1);
	}
	metric_child_inc(metric_family_child(d.exceptions, exception_labels), 1);
	assert_exposition(r, 1, "default_requests.txt");
	registry_free(r);
}

static void test_summary_unlabelled_and_escaped_help(void **state)
{
	static const char *const route_label[] = { "route" };
	static const char *const route[] = { "/x" };
	struct registry *r = registry_new(frozen_clock);
	struct metric_family *summary, *jobs, *gauge;
	struct metric_child *c;

	summary = registry_add_family(r, "latency_seconds", "A summary", METRIC_SUMMARY,
				      route_label, 1, NULL, 0);
	jobs = registry_add_family(r, "jobs", "Jobs done\nsecond line \\ backslash", METRIC_COUNTER,
				   NULL, 0, NULL, 0);
	gauge = registry_add_family(r, "in_progress", "Requests in progress", METRIC_GAUGE, NULL, 0,
				    NULL, 0);
	c = metric_family_child(summary, route);
	metric_child_observe(c, 1.5);
	metric_child_observe(c, 0.25);
	metric_child_inc(metric_family_child(jobs, NULL), 3);
	metric_child_set(metric_family_child(gauge, NULL), 1234567.0);
	assert_exposition(r, 1, "misc.txt");
	registry_free(r);
}

static void test_created_off_drops_only_created_families(void **state)
{
	static const char *const labels[] = { "GET", "200" };
	struct defaults d;
	struct registry *r = default_registry(&d);
	struct exposition_options options = { .created = 0 };
	struct strbuf out = STRBUF_INIT;

	metric_child_inc(metric_family_child(d.total, labels), 2);
	assert_int_equal(exposition_write_text(r, &options, &out), 0);
	assert_null(strstr(out.buf, "_created"));
	assert_non_null(
		strstr(out.buf, "flask_http_request_total{method=\"GET\",status=\"200\"} 2.0\n"));
	strbuf_release(&out);
	registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_families_empty),
		cmocka_unit_test(test_default_families_after_requests),
		cmocka_unit_test(test_summary_unlabelled_and_escaped_help),
		cmocka_unit_test(test_created_off_drops_only_created_families),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
