// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The workload of a pod from its controller reference, without reading the owner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "config/kube_owner.h"

static void expect(const char *kind, const char *name, const char *hash,
		   enum kube_owner_kind want_kind, const char *want_name)
{
	struct kube_owner o;

	assert_int_equal(kube_owner_resolve(kind, name, hash, &o), 0);
	assert_int_equal(o.kind, want_kind);
	assert_string_equal(o.name, want_name);
}

static void test_deployment_from_replicaset(void **state)
{
	expect("ReplicaSet", "shop-7d4b9c8f6d", "7d4b9c8f6d", KUBE_OWNER_DEPLOYMENT, "shop");
	/* Deployment names may hold dashes and digits themselves. */
	expect("ReplicaSet", "api-v2-gateway-5f6c8b9d4", "5f6c8b9d4", KUBE_OWNER_DEPLOYMENT,
	       "api-v2-gateway");
	/* A ReplicaSet of its own (no pod-template-hash) is not a Deployment's. */
	expect("ReplicaSet", "legacy-rs", NULL, KUBE_OWNER_REPLICASET, "legacy-rs");
	/* The hash must be the suffix exactly, not a guess at the last dash. */
	expect("ReplicaSet", "shop-7d4b9c8f6d", "0000", KUBE_OWNER_REPLICASET, "shop-7d4b9c8f6d");
	expect("ReplicaSet", "7d4b9c8f6d", "7d4b9c8f6d", KUBE_OWNER_REPLICASET, "7d4b9c8f6d");
}

static void test_cronjob_from_job(void **state)
{
	/* The CronJob controller names Jobs <cronjob>-<scheduled time in minutes>. */
	expect("Job", "nightly-report-29410560", NULL, KUBE_OWNER_CRONJOB, "nightly-report");
	expect("Job", "migrate-2", NULL, KUBE_OWNER_JOB, "migrate-2");
	expect("Job", "migrate", NULL, KUBE_OWNER_JOB, "migrate");
	expect("Job", "batch-2941056a", NULL, KUBE_OWNER_JOB, "batch-2941056a");
}

static void test_other_kinds(void **state)
{
	expect("StatefulSet", "db", NULL, KUBE_OWNER_STATEFULSET, "db");
	expect("DaemonSet", "node-agent", NULL, KUBE_OWNER_DAEMONSET, "node-agent");
	expect("Node", "node-a", NULL, KUBE_OWNER_OTHER, "node-a"); /* static pods */
	expect(NULL, NULL, NULL, KUBE_OWNER_NONE, "");
}

static void test_names(void **state)
{
	char long_name[KUBE_NAME_MAX + 2];
	struct kube_owner o;

	assert_string_equal(kube_owner_kind_name(KUBE_OWNER_DEPLOYMENT), "Deployment");
	assert_int_equal(kube_owner_kind_parse("statefulset"), KUBE_OWNER_STATEFULSET);
	assert_int_equal(kube_owner_kind_parse("Pod"), -1);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(kube_owner_resolve("StatefulSet", long_name, NULL, &o), -EINVAL);
	assert_int_equal(o.kind, KUBE_OWNER_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deployment_from_replicaset),
		cmocka_unit_test(test_cronjob_from_job),
		cmocka_unit_test(test_other_kinds),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
