// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The scan for pod containers' cgroups, on a directory tree shaped like a node's hierarchy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets/kube_cgroup_scan.h"

#define ID1 "1111111111111111111111111111111111111111111111111111111111111111"
#define ID2 "2222222222222222222222222222222222222222222222222222222222222222"
#define ID3 "3333333333333333333333333333333333333333333333333333333333333333"
#define UID "6d1a0e25-7c39-4b5e-9d0e-4f5a6b7c8d9e"
#define UID_ "6d1a0e25_7c39_4b5e_9d0e_4f5a6b7c8d9e"

struct seen {
	int n;
	char ids[8][KUBE_CONTAINER_ID_LEN + 1];
	__u32 levels[8];
};

static void on_found(void *ctx, const struct kube_cgroup_found *f)
{
	struct seen *s = ctx;
	struct stat st;

	assert_int_equal(stat(f->dir, &st), 0);
	assert_true(st.st_ino == f->id);
	strcpy(s->ids[s->n], f->path.container_id);
	s->levels[s->n++] = f->level;
}

static void mkdirs(const char *root, const char *rel)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "mkdir -p %s/%s", root, rel);
	assert_int_equal(system(cmd), 0);
}

static void test_scan_finds_containers_only(void **state)
{
	char root[] = "/tmp/fee-cgscan-XXXXXX", cmd[256];
	struct cgroup2_mount m = { .root_depth = 0 };
	struct seen s = { 0 };

	assert_non_null(mkdtemp(root));
	strcpy(m.dir, root);
	mkdirs(root, "system.slice/ssh.service");
	mkdirs(root, "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		     ".slice/cri-containerd-" ID1 ".scope");
	mkdirs(root, "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		     ".slice/crio-conmon-" ID3 ".scope");
	mkdirs(root, "prefix/kubepods/pod" UID "/" ID2);

	assert_true(kube_cgroup_scan(&m, "/", on_found, &s) > 0);
	assert_int_equal(s.n, 2);
	for (int i = 0; i < s.n; i++) {
		if (!strcmp(s.ids[i], ID1))
			assert_int_equal(s.levels[i], 4);
		else
			assert_string_equal(s.ids[i], ID2), assert_int_equal(s.levels[i], 4);
	}
	/* a root below the hierarchy's: only what is under it, levels still absolute */
	memset(&s, 0, sizeof(s));
	m.root_depth = 2; /* the mount's root is two levels down (a cgroup namespace) */
	assert_true(kube_cgroup_scan(&m, "/prefix", on_found, &s) > 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ids[0], ID2);
	assert_int_equal(s.levels[0], 6);
	assert_true(kube_cgroup_scan(&m, "/missing", on_found, &s) < 0);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

static void test_mount_from_mountinfo(void **state)
{
	char path[] = "/tmp/fee-cgscan-mi-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct cgroup2_mount m;

	fputs("31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
	      "41 31 0:38 /kubepods/x /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
	      f);
	fclose(f);
	assert_int_equal(cgroup2_mount_find(path, &m), 0);
	assert_string_equal(m.dir, "/sys/fs/cgroup/unified");
	assert_int_equal(m.root_depth, 2);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_finds_containers_only),
		cmocka_unit_test(test_mount_from_mountinfo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
