// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A pod container's cgroup recognised from its path: both drivers, three QoS classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "targets/kube_cgroup_path.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "6d1a0e25-7c39-4b5e-9d0e-4f5a6b7c8d9e"
#define UID_ "6d1a0e25_7c39_4b5e_9d0e_4f5a6b7c8d9e"

static void expect_container(const char *path, enum kube_qos qos, enum kube_cgroup_runtime runtime)
{
	struct kube_cgroup_path p;

	assert_int_equal(kube_cgroup_path_parse(path, &p), KUBE_CGROUP_CONTAINER);
	assert_string_equal(p.container_id, ID);
	assert_string_equal(p.pod_uid, UID);
	assert_int_equal(p.qos, qos);
	assert_int_equal(p.runtime, runtime);
}

static void test_systemd_driver(void **state)
{
	expect_container("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
			 ".slice/cri-containerd-" ID ".scope",
			 KUBE_QOS_BURSTABLE, KUBE_CGROUP_RUNTIME_CONTAINERD);
	expect_container("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
			 ".slice/crio-" ID ".scope",
			 KUBE_QOS_BESTEFFORT, KUBE_CGROUP_RUNTIME_CRIO);
	expect_container("/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" ID ".scope/",
			 KUBE_QOS_GUARANTEED, KUBE_CGROUP_RUNTIME_DOCKER);
	/* kind's nested kubelet, and a --cgroup-root prefix */
	expect_container("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
			 "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID
			 ".scope",
			 KUBE_QOS_BESTEFFORT, KUBE_CGROUP_RUNTIME_CONTAINERD);
	expect_container("/fee-pods-1/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID ".scope",
			 KUBE_QOS_GUARANTEED, KUBE_CGROUP_RUNTIME_CRIO);
}

static void test_cgroupfs_driver(void **state)
{
	expect_container("/kubepods/burstable/pod" UID "/" ID, KUBE_QOS_BURSTABLE,
			 KUBE_CGROUP_RUNTIME_UNKNOWN);
	expect_container("/kubepods/besteffort/pod" UID "/crio-" ID, KUBE_QOS_BESTEFFORT,
			 KUBE_CGROUP_RUNTIME_CRIO);
	expect_container("/kubepods/pod" UID "/" ID, KUBE_QOS_GUARANTEED,
			 KUBE_CGROUP_RUNTIME_UNKNOWN);
}

static void test_not_containers(void **state)
{
	struct kube_cgroup_path p;

	assert_int_equal(kube_cgroup_path_parse("/", &p), KUBE_CGROUP_OTHER);
	assert_int_equal(kube_cgroup_path_parse("/system.slice/ssh.service", &p),
			 KUBE_CGROUP_OTHER);
	assert_int_equal(kube_cgroup_path_parse("/kubepods.slice", &p), KUBE_CGROUP_KUBEPODS);
	assert_int_equal(kube_cgroup_path_parse("/kubepods/burstable", &p), KUBE_CGROUP_KUBEPODS);
	assert_int_equal(kube_cgroup_path_parse("/kubepods/burstable/pod" UID, &p),
			 KUBE_CGROUP_KUBEPODS);
	assert_int_equal(kube_cgroup_path_parse("/kubepods.slice/kubepods-pod" UID_ ".slice", &p),
			 KUBE_CGROUP_KUBEPODS);
	/* CRI-O's monitor, a short id, a non-hex id, something below a container */
	assert_int_equal(kube_cgroup_path_parse("/kubepods.slice/kubepods-pod" UID_
						".slice/crio-conmon-" ID ".scope",
						&p),
			 KUBE_CGROUP_NONE);
	assert_int_equal(kube_cgroup_path_parse("/kubepods/pod" UID "/0123abc", &p),
			 KUBE_CGROUP_NONE);
	assert_int_equal(kube_cgroup_path_parse("/kubepods/pod" UID "/" ID "/init", &p),
			 KUBE_CGROUP_NONE);
	assert_int_equal(kube_cgroup_path_parse("/kubepods/podnot-a-uid/" ID, &p),
			 KUBE_CGROUP_NONE);
	assert_int_equal(kube_cgroup_path_parse("/kubepods.slice/other.slice/x.scope", &p),
			 KUBE_CGROUP_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_systemd_driver),
		cmocka_unit_test(test_cgroupfs_driver),
		cmocka_unit_test(test_not_containers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
