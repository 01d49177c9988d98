// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Where a cgroup v2 directory sits in the hierarchy, read from a fake mountinfo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "targets/cgroup_target.h"

static char mountinfo[] = "/tmp/fee-mountinfo-XXXXXX";

static void write_mountinfo(const char *text)
{
	FILE *f = fopen(mountinfo, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	int fd = mkstemp(mountinfo);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	return unlink(mountinfo);
}

static void test_path_level(void **state)
{
	assert_int_equal(cgroup_path_level("/sys/fs/cgroup", "/sys/fs/cgroup"), 0);
	assert_int_equal(cgroup_path_level("/sys/fs/cgroup/", "/sys/fs/cgroup/a"), 1);
	assert_int_equal(cgroup_path_level("/sys/fs/cgroup", "/sys/fs/cgroup/a/b/"), 2);
	assert_int_equal(cgroup_path_level("/", "/a/b"), 2);
	assert_int_equal(cgroup_path_level("/", "/"), 0);
	/* a sibling whose name merely starts the same is not below */
	assert_int_equal(cgroup_path_level("/sys/fs/cgroup", "/sys/fs/cgroupx/a"), -EINVAL);
	assert_int_equal(cgroup_path_level("/sys/fs/cgroup", "/sys/fs"), -EINVAL);
}

static void test_hybrid_host(void **state)
{
	/* v1 controllers and a v2 mount at /sys/fs/cgroup/unified, as on this machine. */
	write_mountinfo("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
			"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
			"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
	assert_int_equal(cgroup_level_from_mountinfo(mountinfo, "/sys/fs/cgroup/unified"), 0);
	assert_int_equal(cgroup_level_from_mountinfo(mountinfo, "/sys/fs/cgroup/unified/a/b"), 2);
	/* a v1 hierarchy is not a cgroup2 mount */
	assert_int_equal(cgroup_level_from_mountinfo(mountinfo, "/sys/fs/cgroup/cpu/a"),
			 -EMEDIUMTYPE);
}

static void test_namespaced_root_and_longest_mount(void **state)
{
	/* Inside a cgroup namespace (or a bind mount) the mount's root is deeper than "/":
	 * the kernel counts levels from the real root. The longest mount point wins. */
	write_mountinfo("50 1 0:40 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
			"51 50 0:40 /kubepods/pod1/c1/inner /sys/fs/cgroup/c1/inner rw shared:1 "
			"- cgroup2 cgroup2 rw\n");
	assert_int_equal(cgroup_level_from_mountinfo(mountinfo, "/sys/fs/cgroup"), 2);
	assert_int_equal(cgroup_level_from_mountinfo(mountinfo, "/sys/fs/cgroup/c1"), 3);
	assert_int_equal(cgroup_level_from_mountinfo(mountinfo, "/sys/fs/cgroup/c1/inner/x"), 5);
	assert_int_equal(cgroup_level_from_mountinfo("/nonexistent/mountinfo", "/x"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_level),
		cmocka_unit_test(test_hybrid_host),
		cmocka_unit_test(test_namespaced_root_and_longest_mount),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
