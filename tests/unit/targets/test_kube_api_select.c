// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `kubernetes.api` from YAML (messages as FILE:LINE: KEY: ..., bounded label lists) and
 * what it makes of the fixture pod (tests/fixtures/kube-api/pod.json): selection by labels,
 * annotations, owner and opt-in; the opt-in's port; the series labels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "config/kube_api.h"
#include "targets/kube_api_select.h"

/* Parses `yaml` (a mapping whose `api:` is the section) into *o; 0 or -EINVAL + err. */
static int parse(const char *yaml, struct kube_api_options *o, char *err, size_t err_size)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct config_ctx c = {
		.doc = &doc, .file = "exporter.yaml", .err = err, .err_size = err_size
	};
	yaml_node_t *root, *api = NULL;
	int rc;

	kube_api_options_init(o);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, strlen(yaml));
	assert_true(yaml_parser_load(&parser, &doc));
	root = yaml_document_get_root_node(&doc);
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++)
		if (!strcmp((char *)yaml_document_get_node(&doc, p->key)->data.scalar.value, "api"))
			api = yaml_document_get_node(&doc, p->value);
	assert_non_null(api);
	rc = config_parse_kube_api(&c, "kubernetes.api", api, o);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

static void expect_error(const char *yaml, const char *want)
{
	struct kube_api_options o;
	char err[512] = "";

	assert_int_equal(parse(yaml, &o, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("message '%s' lacks '%s'", err, want);
	kube_api_options_release(&o);
}

static void test_api_true(void **state)
{
	struct kube_api_options o;
	char err[256];

	assert_int_equal(parse("api: true\n", &o, err, sizeof(err)), 0);
	assert_true(o.enabled);
	assert_true(o.owner_labels);
	assert_int_equal(o.max_pods, 1024);
	assert_null(o.selector);
	kube_api_options_release(&o);
	assert_int_equal(parse("api: false\n", &o, err, sizeof(err)), 0);
	assert_false(o.enabled);
	kube_api_options_release(&o);
}

static void test_errors_name_file_line_key(void **state)
{
	expect_error("api:\n  pod_labels: [app, 'app*']\n",
		     "exporter.yaml:2: kubernetes.api.pod_labels[1]: 'app*': pod label keys are "
		     "exact, no wildcards");
	expect_error("api:\n  selector: 'app in (a'\n",
		     "exporter.yaml:2: kubernetes.api.selector: 'app in (a': missing ')'");
	expect_error("api:\n  owners: [Deploy/shop]\n",
		     "exporter.yaml:2: kubernetes.api.owners[0]: 'Deploy': unknown kind");
	expect_error("api:\n  owners: [shop]\n", "expected KIND/NAME");
	expect_error("api:\n  pod_labels: {app: method}\n", "label 'method' is reserved");
	expect_error("api:\n  pod_labels: {app: k8s_deployment}\n", "reserved");
	expect_error("api:\n  pod_labels: {app: a, version: a}\n", "label 'a' given twice");
	expect_error("api:\n  pod_labels: {app: 9lives}\n", "not a valid label name");
	expect_error("api:\n  max_pods: 0\n", "out of range");
	expect_error("api:\n  opt_in: maybe\n", "expected true or false");
	expect_error("api:\n  selectors: x\n", "unknown key");
	expect_error("api:\n  pod_labels: [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, b0, b1, b2, b3, "
		     "b4, b5, b6]\n",
		     "more than 16 pod labels");
}

static struct kube_pod fixture_pod(const struct kube_api_options *o, struct kube_api_keep_buf *keep)
{
	struct json_object *obj = json_object_from_file("tests/fixtures/kube-api/pod.json");
	struct kube_pod pod;

	if (!obj)
		fail_msg("cannot read tests/fixtures/kube-api/pod.json (run from the repository "
			 "root)");
	kube_api_keep_keys(o, keep);
	assert_int_equal(kube_pod_from_json(obj, &keep->keep, &pod), 0);
	json_object_put(obj);
	return pod;
}

static int selects(const char *yaml)
{
	struct kube_api_keep_buf keep;
	struct kube_api_options o;
	struct kube_pod pod;
	char err[256];
	int selected;

	if (parse(yaml, &o, err, sizeof(err)))
		fail_msg("%s", err);
	pod = fixture_pod(&o, &keep);
	selected = kube_api_selects(&o, &pod);
	kube_pod_release(&pod);
	kube_api_options_release(&o);
	return selected;
}

static void test_selection(void **state)
{
	assert_true(selects("api: true\n"));
	assert_true(selects("api: {selector: 'app=shop,version in (v1,v2)'}\n"));
	assert_false(selects("api: {selector: 'app=shop,version notin (v1)'}\n"));
	assert_true(selects("api: {annotation_selector: 'kubectl.kubernetes.io/restartedAt'}\n"));
	assert_false(selects("api: {annotation_selector: 'example.com/team=payments'}\n"));
	assert_true(selects("api: {owners: [StatefulSet/db, Deployment/sh*]}\n"));
	assert_false(selects("api: {owners: [Deployment/cart]}\n"));
	assert_false(selects("api: {owners: [ReplicaSet/shop-7d4b9c8f6d]}\n")); /* a Deployment's */
	assert_true(selects("api: {opt_in: true}\n"));
	assert_true(
		selects("api: {opt_in: true, selector: app=shop, owners: [deployment/shop]}\n"));
}

static void test_opt_in_needs_the_annotation(void **state)
{
	struct kube_api_keep_buf keep;
	struct kube_api_options o;
	struct kube_pod pod;
	char err[256];

	assert_int_equal(parse("api: {opt_in: true}\n", &o, err, sizeof(err)), 0);
	pod = fixture_pod(&o, &keep);
	assert_int_equal(kube_api_pod_port(&pod), 8000);
	assert_null(kube_api_pod_container(&pod));
	free(pod.annotations[0].value); /* the scrape annotation comes first in the fixture */
	pod.annotations[0].value = strdup("false");
	assert_false(kube_api_selects(&o, &pod));
	kube_pod_release(&pod);
	kube_api_options_release(&o);
}

static void test_series_labels(void **state)
{
	const char *names[KUBE_API_SERIES_LABELS_MAX], *values[KUBE_API_SERIES_LABELS_MAX];
	struct kube_api_keep_buf keep;
	struct kube_api_options o;
	struct kube_pod pod;
	char err[256];
	size_t n;

	assert_int_equal(parse("api:\n  pod_labels: [app, app.kubernetes.io/name, team]\n", &o, err,
			       sizeof(err)),
			 0);
	pod = fixture_pod(&o, &keep);
	n = kube_api_label_names(&o, names);
	assert_int_equal(n, 8);
	assert_string_equal(names[0], "k8s_deployment");
	assert_string_equal(names[4], "k8s_job");
	assert_string_equal(names[5], "k8s_label_app");
	assert_string_equal(names[6], "k8s_label_app_kubernetes_io_name");
	assert_string_equal(names[7], "k8s_label_team");
	assert_int_equal(kube_api_label_values(&o, &pod, values), 8);
	assert_string_equal(values[0], "shop");
	assert_string_equal(values[1], ""); /* k8s_statefulset */
	assert_string_equal(values[5], "shop");
	assert_string_equal(values[6], "shop");
	assert_string_equal(values[7], ""); /* the pod has no team label */
	assert_int_equal(kube_api_label_values(&o, NULL, values), 8);
	assert_string_equal(values[0], ""); /* metadata unknown */
	kube_pod_release(&pod);
	kube_api_options_release(&o);
	assert_int_equal(parse("api: {owner_labels: false, pod_labels: {app: application}}\n", &o,
			       err, sizeof(err)),
			 0);
	assert_int_equal(kube_api_label_names(&o, names), 1);
	assert_string_equal(names[0], "application");
	kube_api_options_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_true),
		cmocka_unit_test(test_errors_name_file_line_key),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_opt_in_needs_the_annotation),
		cmocka_unit_test(test_series_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
