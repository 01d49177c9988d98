// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Process-tree discovery against a fake /proc built in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets/proc_tree.h"

static char root_dir[] = "/tmp/fee-proc-XXXXXX";

static void fake_process(int pid, int ppid, const char *comm)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", root_dir, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%d/stat", root_dir, pid);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%d (%s) S %d 1 1 0 -1 4194560 0 0 0 0\n", pid, comm, ppid);
	fclose(f);
}

static int setup(void **state)
{
	if (!mkdtemp(root_dir))
		return -1;
	/* 1 -> 100 (gunicorn master) -> 101, 102 (workers) -> 103 (a worker's child);
	 * 200 is unrelated; a comm with spaces and parentheses must not confuse parsing. */
	fake_process(1, 0, "init");
	fake_process(100, 1, "gunicorn: master [app]");
	fake_process(101, 100, "gunicorn: worker [app]");
	fake_process(102, 100, "weird) S 1 (name");
	fake_process(103, 101, "sh");
	fake_process(200, 1, "other");
	fake_process(201, 200, "other child");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root_dir);
	return system(cmd);
}

static int contains(const pid_t *pids, int n, pid_t want)
{
	for (int i = 0; i < n; i++)
		if (pids[i] == want)
			return 1;
	return 0;
}

static void test_collects_descendants_only(void **state)
{
	pid_t pids[16];
	int n = proc_tree_collect(root_dir, 100, pids, 16);

	assert_int_equal(n, 4);
	assert_int_equal(pids[0], 100);
	assert_true(contains(pids, n, 101));
	assert_true(contains(pids, n, 102));
	assert_true(contains(pids, n, 103));
	assert_false(contains(pids, n, 200));
	assert_false(contains(pids, n, 1));
}

static void test_leaf_and_missing(void **state)
{
	pid_t pids[16];

	assert_int_equal(proc_tree_collect(root_dir, 103, pids, 16), 1);
	assert_int_equal(pids[0], 103);
	assert_int_equal(proc_tree_collect(root_dir, 999, pids, 16), -ESRCH);
}

static void test_too_many(void **state)
{
	pid_t pids[2];

	assert_int_equal(proc_tree_collect(root_dir, 100, pids, 2), -E2BIG);
}

static void test_stat_parent(void **state)
{
	pid_t ppid = 0;

	assert_int_equal(proc_stat_parent("5 (a b) R 42 5 5", &ppid), 0);
	assert_int_equal(ppid, 42);
	assert_int_equal(proc_stat_parent("5 (x) y) S 7 5", &ppid), 0);
	assert_int_equal(ppid, 7);
	assert_int_equal(proc_stat_parent("garbage", &ppid), -EINVAL);
	assert_int_equal(proc_stat_parent("5 (x)", &ppid), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collects_descendants_only),
		cmocka_unit_test(test_leaf_and_missing),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_stat_parent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
