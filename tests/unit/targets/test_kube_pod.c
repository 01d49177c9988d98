// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A Pod object reduced to what is kept (tests/fixtures/kube-api/pod.json, the API's shape),
 * and the bounded pod store the watch fills. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "targets/kube_pod.h"
#include "targets/kube_pod_cache.h"

static const char *const keep_labels[] = { "app", "version", "absent" };
static const char *const keep_annotations[] = { "flask-ebpf-exporter/scrape" };
static const struct kube_pod_keep keep = { keep_labels, 3, keep_annotations, 1 };

static struct json_object *fixture_pod(void)
{
	struct json_object *obj = json_object_from_file("tests/fixtures/kube-api/pod.json");

	if (!obj)
		fail_msg("cannot read tests/fixtures/kube-api/pod.json (run from the repository "
			 "root)");
	return obj;
}

static void test_keeps_only_what_is_asked(void **state)
{
	struct json_object *obj = fixture_pod();
	struct kube_pod pod;

	assert_int_equal(kube_pod_from_json(obj, &keep, &pod), 0);
	assert_string_equal(pod.name, "shop-7d4b9c8f6d-x2x8z");
	assert_string_equal(pod.namespace, "shop");
	assert_string_equal(pod.uid, "6a0e7e8c-1f2b-4c1a-9d2e-0b7f4f6c9a11");
	assert_string_equal(pod.resource_version, "10596");
	assert_int_equal(pod.owner_kind, KUBE_OWNER_DEPLOYMENT);
	assert_string_equal(pod.owner_name, "shop");
	assert_int_equal(pod.n_labels, 2);
	assert_string_equal(kube_pod_label(&pod, "app"), "shop");
	assert_string_equal(kube_pod_label(&pod, "version"), "v1");
	assert_null(kube_pod_label(&pod, "pod-template-hash")); /* read, not kept */
	assert_int_equal(pod.n_annotations, 1);
	assert_string_equal(kube_pod_annotation(&pod, "flask-ebpf-exporter/scrape"), "true");
	assert_null(kube_pod_annotation(&pod, "kubectl.kubernetes.io/restartedAt"));
	/* A 4.6 KiB object kept in well under a kilobyte. */
	assert_in_range(kube_pod_bytes(&pod), 64, 512);
	kube_pod_release(&pod);
	json_object_put(obj);
}

static void test_refuses_objects_without_identity(void **state)
{
	struct json_object *obj = fixture_pod(), *meta;
	struct kube_pod pod;

	json_object_object_get_ex(obj, "metadata", &meta);
	json_object_object_del(meta, "uid");
	assert_int_equal(kube_pod_from_json(obj, &keep, &pod), -EINVAL);
	assert_null(pod.name);
	json_object_put(obj);
	assert_int_equal(kube_pod_from_json(NULL, &keep, &pod), -EINVAL);
}

static void test_bare_pod_has_no_owner(void **state)
{
	struct json_object *obj = fixture_pod(), *meta;
	struct kube_pod pod;

	json_object_object_get_ex(obj, "metadata", &meta);
	json_object_object_del(meta, "ownerReferences");
	assert_int_equal(kube_pod_from_json(obj, &keep, &pod), 0);
	assert_int_equal(pod.owner_kind, KUBE_OWNER_NONE);
	kube_pod_release(&pod);
	json_object_put(obj);
}

/* A pod of this uid and name with label app=value. */
static struct kube_pod make_pod(const char *uid, const char *name, const char *app)
{
	char text[512];
	struct json_object *obj;
	struct kube_pod pod;

	snprintf(text, sizeof(text),
		 "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"ns\",\"uid\":\"%s\","
		 "\"resourceVersion\":\"1\",\"labels\":{\"app\":\"%s\"}}}",
		 name, uid, app);
	obj = json_tokener_parse(text);
	assert_non_null(obj);
	assert_int_equal(kube_pod_from_json(obj, &keep, &pod), 0);
	json_object_put(obj);
	return pod;
}

static void test_cache_put_replace_delete(void **state)
{
	struct kube_pod_cache *c = kube_pod_cache_new(4);
	struct kube_pod_cache_stats st;
	struct kube_pod pod = make_pod("u1", "a", "one"), out;

	assert_int_equal(kube_pod_cache_put(c, &pod), 0);
	assert_null(pod.uid); /* ownership moved */
	pod = make_pod("u1", "a", "two");
	assert_int_equal(kube_pod_cache_put(c, &pod), 0);
	assert_int_equal(kube_pod_cache_get(c, "u1", &out), 0);
	assert_string_equal(kube_pod_label(&out, "app"), "two");
	kube_pod_release(&out);
	assert_int_equal(kube_pod_cache_find(c, "ns", "a", &out), 0);
	assert_string_equal(out.uid, "u1");
	kube_pod_release(&out);
	assert_int_equal(kube_pod_cache_find(c, "other", "a", &out), -ENOENT);
	kube_pod_cache_stats(c, &st);
	assert_int_equal(st.pods, 1);
	assert_int_equal(kube_pod_cache_delete(c, "u1"), 0);
	assert_int_equal(kube_pod_cache_delete(c, "u1"), -ENOENT);
	assert_int_equal(kube_pod_cache_get(c, "u1", &out), -ENOENT);
	kube_pod_cache_stats(c, &st);
	assert_int_equal(st.pods, 0);
	assert_int_equal(st.version, 3);
	kube_pod_cache_free(c);
}

static void test_cache_bound(void **state)
{
	struct kube_pod_cache *c = kube_pod_cache_new(2);
	struct kube_pod_cache_stats st;
	struct kube_pod pod;

	pod = make_pod("u1", "a", "x");
	assert_int_equal(kube_pod_cache_put(c, &pod), 0);
	pod = make_pod("u2", "b", "x");
	assert_int_equal(kube_pod_cache_put(c, &pod), 0);
	pod = make_pod("u3", "c", "x");
	assert_int_equal(kube_pod_cache_put(c, &pod), -ENOSPC);
	pod = make_pod("u2", "b", "y"); /* a known pod still updates when full */
	assert_int_equal(kube_pod_cache_put(c, &pod), 0);
	kube_pod_cache_stats(c, &st);
	assert_int_equal(st.pods, 2);
	assert_int_equal(st.over_cap, 1);
	kube_pod_cache_free(c);
}

static void test_cache_relist_drops_the_missing(void **state)
{
	struct kube_pod_cache *c = kube_pod_cache_new(0);
	struct kube_pod_cache_stats st;
	struct kube_pod pod, out;

	for (int i = 0; i < 40; i++) { /* past the first growth of the array */
		char uid[16], name[16];

		snprintf(uid, sizeof(uid), "u%d", i);
		snprintf(name, sizeof(name), "p%d", i);
		pod = make_pod(uid, name, "x");
		assert_int_equal(kube_pod_cache_put(c, &pod), 0);
	}
	kube_pod_cache_begin_sync(c);
	pod = make_pod("u7", "p7", "relisted");
	assert_int_equal(kube_pod_cache_put(c, &pod), 0);
	pod = make_pod("u39", "p39", "relisted");
	assert_int_equal(kube_pod_cache_put(c, &pod), 0);
	kube_pod_cache_end_sync(c);
	kube_pod_cache_stats(c, &st);
	assert_int_equal(st.pods, 2);
	assert_int_equal(kube_pod_cache_get(c, "u7", &out), 0);
	kube_pod_release(&out);
	assert_int_equal(kube_pod_cache_get(c, "u39", &out), 0);
	kube_pod_release(&out);
	assert_int_equal(kube_pod_cache_get(c, "u0", &out), -ENOENT);
	kube_pod_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keeps_only_what_is_asked),
		cmocka_unit_test(test_refuses_objects_without_identity),
		cmocka_unit_test(test_bare_pod_has_no_owner),
		cmocka_unit_test(test_cache_put_replace_delete),
		cmocka_unit_test(test_cache_bound),
		cmocka_unit_test(test_cache_relist_drops_the_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
