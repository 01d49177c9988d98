// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The text and OpenMetrics expositions against golden files printed by the real Python
 * client (tests/unit/golden/make_golden.py): each test builds the same metrics, call for
 * call, as the scenario of the same name there, and must print the same bytes in both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/exposition.h"
#include "metrics/openmetrics.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	return text;
}

/* One writer's output against one golden file. */
static void assert_written(const struct registry *r, const struct exposition_options *options,
			   int openmetrics, const char *golden_name)
{
	struct strbuf out = STRBUF_INIT;
	char *golden = read_golden(golden_name);

	if (openmetrics)
		assert_int_equal(exposition_write_openmetrics(r, options, &out), 0);
	else
		assert_int_equal(exposition_write_text(r, options, &out), 0);
	if (!out.buf) /* nothing written: compare as empty */
		strbuf_puts(&out, "");
	assert_non_null(out.buf);
	if (strcmp(out.buf, golden))
		fprintf(stderr, "--- got\n%s--- want (%s)\n%s", out.buf, golden_name, golden);
	assert_string_equal(out.buf, golden);
	strbuf_release(&out);
	free(golden);
}

/* The text format against NAME.txt and OpenMetrics against NAME.om.txt. */
static void assert_exposition_filtered(const struct registry *r, int created,
				       const char *const *names, size_t n_names,
				       const char *golden_name)
{
	struct exposition_options options = { .created = created,
					      .names = names,
					      .n_names = n_names };
	char om_name[128];
	size_t len = strlen(golden_name) - strlen(".txt");

	assert_written(r, &options, 0, golden_name);
	snprintf(om_name, sizeof(om_name), "%.*s.om.txt", (int)len, golden_name);
	assert_written(r, &options, 1, om_name);
}

static void assert_exposition(const struct registry *r, int created, const char *golden_name)
{
	assert_exposition_filtered(r, created, NULL, 0, golden_name);
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
	d->duration = registry_add_family(
		r, "flask_http_request_duration_seconds", "Flask HTTP request duration in seconds",
		METRIC_HISTOGRAM, duration_labels, 3, default_buckets, ARRAY_SIZE(default_buckets));
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

static struct registry *default_registry_after_requests(void)
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

	for (size_t i = 0; i < ARRAY_SIZE(requests); i++) {
		const char *dl[] = { requests[i].method, requests[i].path, requests[i].status };
		const char *tl[] = { requests[i].method, requests[i].status };

		metric_child_observe(metric_family_child(d.duration, dl), requests[i].seconds);
		metric_child_inc(metric_family_child(d.total, tl), 1);
	}
	metric_child_inc(metric_family_child(d.exceptions, exception_labels), 1);
	return r;
}

static void test_default_families_after_requests(void **state)
{
	struct registry *r = default_registry_after_requests();

	assert_exposition(r, 1, "default_requests.txt");
	registry_free(r);
}

static void test_default_families_without_created(void **state)
{
	struct registry *r = default_registry_after_requests();

	assert_exposition(r, 0, "default_requests_nocreated.txt");
	registry_free(r);
}

/* ?name[]=: the samples restricted_registry(names) keeps (make_golden.py FILTER_NAMES). */
static void test_name_filter(void **state)
{
	static const char *const names[] = {
		"flask_http_request_total",
		"flask_http_request_duration_seconds_count",
		"flask_http_request_duration_seconds_bucket",
		"flask_http_request_created",
		"flask_exporter_info",
		"flask_http_request_exceptions_created",
		"nope",
	};
	struct registry *r = default_registry_after_requests();

	assert_exposition_filtered(r, 1, names, ARRAY_SIZE(names), "default_requests_filtered.txt");
	assert_exposition_filtered(r, 0, names, ARRAY_SIZE(names),
				   "default_requests_filtered_nocreated.txt");
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

/* Untouched metrics, negative and odd buckets, special values, label values to escape. */
static struct registry *edges_registry(void)
{
	static const char *const route_label[] = { "route" };
	static const char *const offset_labels[] = { "zone", "a_label" };
	static const double offset_buckets[] = { -1.0, 0.0, 1.5e-5, 2e6 };
	static const char *const eu[] = { "eu", "x" }, *const us[] = { "us", "y" };
	static const char *const kind_label[] = { "kind" };
	static const struct {
		const char *kind;
		double value;
	} values[] = {
		{ "nan", NAN },	    { "inf", INFINITY },   { "-inf", -INFINITY },
		{ "-zero", -0.0 },  { "big", 1e22 },	   { "epoch", 1795543423.8 },
		{ "small", 1e-05 }, { "neg", -1234567.0 }, { "tiny", 5e-324 },
	};
	static const char *const request_labels[] = { "v", "b" };
	static const char *const odd_values[] = { "", "é ü", "a\"b\\c\nd", "{}=," };
	struct registry *r = registry_new(frozen_clock);
	struct metric_family *offset, *plain, *nan_summary, *gauge, *requests;

	assert_non_null(r);
	assert_non_null(registry_add_family(r, "idle", "Never incremented", METRIC_COUNTER, NULL, 0,
					    NULL, 0));
	assert_non_null(
		registry_add_family(r, "temperature", "Never set", METRIC_GAUGE, NULL, 0, NULL, 0));
	assert_non_null(registry_add_family(r, "unused_seconds", "No children yet", METRIC_SUMMARY,
					    route_label, 1, NULL, 0));
	offset = registry_add_family(r, "offset_seconds", "Say \"hi\" \\ there\n", METRIC_HISTOGRAM,
				     offset_labels, 2, offset_buckets, ARRAY_SIZE(offset_buckets));
	assert_non_null(offset);
	metric_child_observe(metric_family_child(offset, eu), -2.0);
	metric_child_observe(metric_family_child(offset, eu), 0.0);
	metric_child_observe(metric_family_child(offset, eu), 1e-5);
	metric_child_observe(metric_family_child(offset, us), NAN);
	metric_child_observe(metric_family_child(offset, us), 3e6);

	plain = registry_add_family(r, "plain_seconds", "", METRIC_HISTOGRAM, NULL, 0,
				    default_buckets, ARRAY_SIZE(default_buckets));
	assert_non_null(plain);
	metric_child_observe(metric_family_child(plain, NULL), 0.25);
	metric_child_observe(metric_family_child(plain, NULL), 0.0031942700006766245);

	nan_summary = registry_add_family(r, "nan_seconds", "A NaN counts in a summary",
					  METRIC_SUMMARY, NULL, 0, NULL, 0);
	assert_non_null(nan_summary);
	metric_child_observe(metric_family_child(nan_summary, NULL), 1.0);
	metric_child_observe(metric_family_child(nan_summary, NULL), NAN);

	gauge = registry_add_family(r, "values", "Special values", METRIC_GAUGE, kind_label, 1,
				    NULL, 0);
	assert_non_null(gauge);
	for (size_t i = 0; i < ARRAY_SIZE(values); i++)
		metric_child_set(metric_family_child(gauge, &values[i].kind), values[i].value);

	/* Declared with _total, as the Python script does: the base name drops it. */
	requests = registry_add_family(r, "requests_total", "Label values", METRIC_COUNTER,
				       request_labels, 2, NULL, 0);
	assert_non_null(requests);
	for (size_t i = 0; i < ARRAY_SIZE(odd_values); i++) {
		const char *labels[] = { odd_values[i], "same" };

		metric_child_inc(metric_family_child(requests, labels), 0.5);
	}
	return r;
}

static void test_edges(void **state)
{
	struct registry *r = edges_registry();

	assert_exposition(r, 1, "edges.txt");
	registry_free(r);
}

static void test_edges_without_created(void **state)
{
	struct registry *r = edges_registry();

	assert_exposition(r, 0, "edges_nocreated.txt");
	registry_free(r);
}

static void test_empty_registry_prints_nothing(void **state)
{
	struct registry *r = registry_new(frozen_clock);
	struct exposition_options options = { .created = 1 };
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(exposition_write_text(r, &options, &out), 0);
	assert_int_equal(out.len, 0);
	strbuf_release(&out);
	registry_free(r);
}

/* Writing appends and does not disturb what the caller already put in the buffer. */
static void test_appends_to_buffer(void **state)
{
	struct registry *r = registry_new(frozen_clock);
	struct exposition_options options = { .created = 0 };
	struct strbuf out = STRBUF_INIT;

	assert_non_null(registry_add_family(r, "up", "Up", METRIC_GAUGE, NULL, 0, NULL, 0));
	strbuf_puts(&out, "# prefix\n");
	assert_int_equal(exposition_write_text(r, &options, &out), 0);
	assert_string_equal(out.buf, "# prefix\n# HELP up Up\n# TYPE up gauge\nup 0.0\n");
	strbuf_release(&out);
	registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_families_empty),
		cmocka_unit_test(test_default_families_after_requests),
		cmocka_unit_test(test_default_families_without_created),
		cmocka_unit_test(test_summary_unlabelled_and_escaped_help),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_edges_without_created),
		cmocka_unit_test(test_empty_registry_prints_nothing),
		cmocka_unit_test(test_appends_to_buffer),
		cmocka_unit_test(test_name_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
