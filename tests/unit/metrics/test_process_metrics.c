// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The app's process families from a fake /proc: targets with the same labels are one
 * application, unreadable descriptors give no series (not a false 0), no _created on the
 * CPU counter. */
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

#include "metrics/exposition.h"
#include "metrics/process_metrics.h"
#include "util/float_format.h"
#include "test_files.h"

static char root[] = "/tmp/fee-pm-XXXXXX";

/* pid with utime+stime 100+50 ticks, reaped 30+20, start 1000, 8 MiB virtual, 100 pages. */
static void fake_process(int pid, int ppid, int with_fds)
{
	char rel[64], stat[256];

	snprintf(rel, sizeof(rel), "%d", pid);
	snprintf(stat, sizeof(stat), "%s/%s", root, rel);
	assert_int_equal(mkdir(stat, 0755), 0);
	snprintf(
		stat, sizeof(stat),
		"%d (python3) S %d %d %d 0 -1 0 0 0 0 0 100 50 30 20 20 0 1 0 1000 8388608 100 0\n",
		pid, ppid, pid, pid);
	snprintf(rel, sizeof(rel), "%d/stat", pid);
	write_test_file(root, rel, stat);
	snprintf(rel, sizeof(rel), "%d/limits", pid);
	write_test_file(
		root, rel,
		"Max open files            1024                 4096                 files\n");
	if (with_fds) {
		snprintf(stat, sizeof(stat), "%s/%d/fd", root, pid);
		assert_int_equal(mkdir(stat, 0755), 0);
		for (int fd = 0; fd < 3; fd++) {
			snprintf(rel, sizeof(rel), "%d/fd/%d", pid, fd);
			write_test_file(root, rel, "");
		}
	}
}

static int setup(void **state)
{
	if (!mkdtemp(root))
		return -1;
	write_test_file(root, "stat", "cpu  1 2 3\nbtime 1700000000\n");
	fake_process(100, 1, 1);
	fake_process(101, 100, 1);
	fake_process(200, 1, 0); /* another user's: no fd directory readable */
	return 0;
}

static int teardown(void **state)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static void test_applications(void **state)
{
	struct strpair shop = { .key = "app", .value = "shop" };
	struct strpair other = { .key = "app", .value = "other" };
	struct config_target targets[] = {
		{ .kind = TARGET_PID, .pid = 100, .labels = &shop, .n_labels = 1 },
		{ .kind = TARGET_PORT, .port = 8000, .labels = &shop, .n_labels = 1 },
		{ .kind = TARGET_PID, .pid = 200, .labels = &other, .n_labels = 1 },
	};
	const pid_t pids[] = { 100, 101, 200 };
	const unsigned int of[] = { 0, 1, 2 }; /* 101 came in through the second target */
	struct registry *r = registry_new(NULL);
	struct process_metrics *pm = process_metrics_new(r, targets, 3, NULL, 0, 1, root);
	struct exposition_options options = { .created = 1 };
	struct strbuf out = STRBUF_INIT;
	double ticks = (double)sysconf(_SC_CLK_TCK), page = (double)sysconf(_SC_PAGESIZE);
	char want[128], num[64];

	assert_non_null(pm);
	assert_int_equal(process_metrics_update(pm, pids, of, 3), 0);
	assert_int_equal(exposition_write_text(r, &options, &out), 0);
	/* shop: 100 and 101 summed */
	float_format(400 / ticks, num);
	snprintf(want, sizeof(want), "process_cpu_seconds_total{app=\"shop\"} %s\n", num);
	assert_non_null(strstr(out.buf, "# TYPE process_cpu_seconds_total counter\n"));
	assert_non_null(strstr(out.buf, want));
	assert_null(strstr(out.buf, "process_cpu_seconds_created"));
	assert_non_null(
		strstr(out.buf, "process_virtual_memory_bytes{app=\"shop\"} 1.6777216e+07"));
	float_format(1700000000 + 1000 / ticks, num);
	snprintf(want, sizeof(want), "process_start_time_seconds{app=\"shop\"} %s\n", num);
	assert_non_null(strstr(out.buf, want));
	assert_non_null(strstr(out.buf, "process_open_fds{app=\"shop\"} 6.0"));
	assert_non_null(strstr(out.buf, "process_max_fds{app=\"shop\"} 1024.0"));
	/* other: its descriptors could not be read: no series, the rest is there */
	assert_null(strstr(out.buf, "process_open_fds{app=\"other\"}"));
	float_format(100 * page, num);
	snprintf(want, sizeof(want), "process_resident_memory_bytes{app=\"other\"} %s\n", num);
	assert_non_null(strstr(out.buf, want));
	/* the exporter's own, under its prefix */
	assert_non_null(strstr(out.buf, "# TYPE flask_ebpf_exporter_process_cpu_seconds_total "
					"counter\n"));
	strbuf_release(&out);
	process_metrics_free(pm);
	registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_applications),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
