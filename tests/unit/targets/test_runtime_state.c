// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Who a container is, from its runtime's config.json: the files in golden/runtime_state/
 * were written by the real runtimes of tests/e2e/pods.py (containerd 1.6 through ctr with
 * CRI's annotations; podman + runc laid out as CRI-O), and are read here from directory
 * trees shaped like the runtimes' state dirs.
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
#include <unistd.h>

#include "targets/pod_select.h"
#include "targets/runtime_state.h"

#define GOLDEN "tests/unit/golden/runtime_state/"
#define CONTAINERD_SANDBOX "8b860357377344529830578f0d5eca32fd47b86ab7a34170b5219a4b9677d1a9"
#define CRIO_SANDBOX "a733cabac78abaafe6fe1653390b7bb078a72df7244a586597f56b4ce49483be"
#define SOME_ID "1111111111111111111111111111111111111111111111111111111111111111"
#define CRIO_ID "2222222222222222222222222222222222222222222222222222222222222222"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

static void put(const char *dir, const char *golden)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp " GOLDEN "%s %s/config.json", dir, golden,
		 dir);
	assert_int_equal(system(cmd), 0);
}

static void test_containerd_annotations(void **state)
{
	char *text = slurp(GOLDEN "containerd-container.json");
	struct container_meta m;

	assert_int_equal(container_meta_from_json(text, CONTAINER_RUNTIME_CONTAINERD, &m), 0);
	assert_false(m.is_sandbox);
	assert_string_equal(m.namespace, "shop");
	assert_string_equal(m.pod, "web-1");
	assert_string_equal(m.container, "web");
	assert_string_equal(m.pod_uid, "86360ef2-5122-4b3d-92aa-8786c620fa80");
	assert_string_equal(m.sandbox_id, CONTAINERD_SANDBOX);
	assert_int_equal(m.n_labels, 0);
	container_meta_clear(&m);
	free(text);

	text = slurp(GOLDEN "containerd-sandbox.json");
	assert_int_equal(container_meta_from_json(text, CONTAINER_RUNTIME_CONTAINERD, &m), 0);
	assert_true(m.is_sandbox);
	container_meta_clear(&m);
	free(text);
}

static void test_not_a_pod_container(void **state)
{
	struct container_meta m;

	assert_int_equal(container_meta_from_json("{", CONTAINER_RUNTIME_CONTAINERD, &m), -EINVAL);
	container_meta_clear(&m);
	assert_int_equal(
		container_meta_from_json("{\"annotations\":{}}", CONTAINER_RUNTIME_CRIO, &m),
		-EINVAL);
	container_meta_clear(&m);
	/* a pod name past Kubernetes' limit is no pod's */
	char big[600] = "{\"annotations\":{\"io.kubernetes.pod.namespace\":\"a\","
			"\"io.kubernetes.container.name\":\"c\",\"io.kubernetes.pod.name\":\"";
	memset(big + strlen(big), 'x', 300);
	strcat(big, "\"}}");
	assert_int_equal(container_meta_from_json(big, CONTAINER_RUNTIME_CRIO, &m), -EINVAL);
	container_meta_clear(&m);
}

static void test_read_from_state_dirs(void **state)
{
	char tmp[] = "/tmp/fee-runtime-state-XXXXXX", dir[512], cmd[600];
	const char *containerd_dirs[] = { "/nonexistent", tmp };
	const char *crio_dirs[] = { tmp };
	struct container_meta m;

	assert_non_null(mkdtemp(tmp));
	snprintf(dir, sizeof(dir), "%s/io.containerd.runtime.v2.task/k8s.io/" SOME_ID, tmp);
	put(dir, "containerd-container.json");
	snprintf(dir, sizeof(dir), "%s/overlay-containers/" CRIO_ID "/userdata", tmp);
	put(dir, "crio-container.json");
	snprintf(dir, sizeof(dir), "%s/overlay-containers/" CRIO_SANDBOX "/userdata", tmp);
	put(dir, "crio-sandbox.json");

	assert_int_equal(
		runtime_state_read(CONTAINER_RUNTIME_CONTAINERD, containerd_dirs, 2, SOME_ID, &m),
		0);
	assert_string_equal(m.pod, "web-1");
	container_meta_clear(&m);
	assert_int_equal(
		runtime_state_read(CONTAINER_RUNTIME_CONTAINERD, containerd_dirs, 2, CRIO_ID, &m),
		-ENOENT);

	/* CRI-O: the pod labels come from the sandbox, without the kubelet's own keys */
	assert_int_equal(runtime_state_read(CONTAINER_RUNTIME_CRIO, crio_dirs, 1, CRIO_ID, &m), 0);
	assert_string_equal(m.namespace, "shop");
	assert_string_equal(m.pod, "cart-1");
	assert_string_equal(m.container, "web");
	assert_int_equal(m.n_labels, 2);
	assert_string_equal(container_meta_label(&m, "app"), "cart");
	assert_string_equal(container_meta_label(&m, "tier"), "front");
	assert_null(container_meta_label(&m, "io.kubernetes.pod.name"));

	/* selection on those labels */
	struct strpair app = { "app", "ca*" };
	struct kube_selector by_label = { .labels = &app, .n_labels = 1 };
	struct kube_config k = { .include = &by_label,
				 .n_include = 1,
				 .exclude_system_namespaces = 1 };

	assert_int_equal(pod_select(&k, &m, NULL, NULL), POD_WATCH);
	app.value = "web";
	assert_int_equal(pod_select(&k, &m, NULL, NULL), POD_SKIP);
	container_meta_clear(&m);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
}

static int listens_on_8080(void *ctx, int port)
{
	return port == 8080;
}

static void test_selection(void **state)
{
	struct container_meta web = { .namespace = "shop", .pod = "web-7d9f", .container = "app" };
	struct container_meta dns = { .namespace = "kube-system",
				      .pod = "coredns-x",
				      .container = "coredns" };
	struct kube_selector shop = { .namespace = "shop*", .pod = "web-*" };
	struct kube_selector other_port = { .namespace = "shop", .port = 9090 };
	struct kube_selector staging = { .container = "app" };
	struct kube_config k = { .exclude_system_namespaces = 1 };

	/* no include list: everything but the system namespaces */
	assert_int_equal(pod_select(&k, &web, listens_on_8080, NULL), POD_WATCH);
	assert_int_equal(pod_select(&k, &dns, listens_on_8080, NULL), POD_SKIP);
	k.exclude_system_namespaces = 0;
	assert_int_equal(pod_select(&k, &dns, listens_on_8080, NULL), POD_WATCH);

	k.include = &shop;
	k.n_include = 1;
	assert_int_equal(pod_select(&k, &web, listens_on_8080, NULL), POD_WATCH);
	assert_int_equal(pod_select(&k, &dns, listens_on_8080, NULL), POD_SKIP);
	/* a port that is not open yet: asked again later */
	k.include = &other_port;
	assert_int_equal(pod_select(&k, &web, listens_on_8080, NULL), POD_SKIP_FOR_NOW);
	other_port.port = 8080;
	assert_int_equal(pod_select(&k, &web, listens_on_8080, NULL), POD_WATCH);
	/* exclude wins */
	k.exclude = &staging;
	k.n_exclude = 1;
	assert_int_equal(pod_select(&k, &web, listens_on_8080, NULL), POD_SKIP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_containerd_annotations),
		cmocka_unit_test(test_not_a_pod_container),
		cmocka_unit_test(test_read_from_state_dirs),
		cmocka_unit_test(test_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
