// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* /proc/PID/stat and /proc/PID/limits parsing, and reading our own process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "targets/proc_figures.h"

/* A real line from a gunicorn worker, with a command name that holds ") S 1 (". */
static const char stat_line[] =
	"4242 (gunicorn: ) S 1 (x) S 4200 4200 4200 0 -1 4194560 31337 0 0 0 1234 567 89 10 20 "
	"0 1 0 98765 123456789 4321 18446744073709551615 1 1 0 0 0 0 0 16781312 2 0 0 0 17 1 0 "
	"0 0 0 0\n";

static void test_parse_stat(void **state)
{
	struct proc_figures f = { 0 };

	assert_int_equal(proc_figures_parse_stat(stat_line, &f), 0);
	assert_int_equal(f.pid, 4242);
	assert_int_equal(f.ppid, 4200);
	assert_int_equal(f.utime, 1234);
	assert_int_equal(f.stime, 567);
	assert_int_equal(f.cutime, 89);
	assert_int_equal(f.cstime, 10);
	assert_int_equal(f.start_ticks, 98765);
	assert_int_equal(f.vsize, 123456789);
	assert_int_equal(f.rss_pages, 4321);
}

static void test_parse_stat_rejects(void **state)
{
	struct proc_figures f;

	assert_int_equal(proc_figures_parse_stat("", &f), -EINVAL);
	assert_int_equal(proc_figures_parse_stat("12 (sh) S 1 2 3", &f), -EINVAL);
	assert_int_equal(proc_figures_parse_stat("x (sh) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 "
						 "16 17 18 19 20 21 22",
						 &f),
			 -EINVAL);
}

static void test_parse_limits(void **state)
{
	static const char limits[] =
		"Limit                     Soft Limit           Hard Limit           Units     \n"
		"Max cpu time              unlimited            unlimited            seconds   \n"
		"Max open files            1024                 524288               files     \n";
	static const char unlimited[] = "Max open files            unlimited            "
					"unlimited            files     \n";
	double max = 0;

	assert_int_equal(proc_figures_parse_limits(limits, &max), 0);
	assert_true(max == 1024.0);
	assert_int_equal(proc_figures_parse_limits(unlimited, &max), 0);
	assert_true(max == (double)RLIM_INFINITY);
	assert_int_equal(proc_figures_parse_limits("Max cpu time 1 1 s\n", &max), -EINVAL);
}

/* Our own process, against getrlimit and getpid. */
static void test_read_self(void **state)
{
	struct proc_figures f;
	struct rlimit rl;
	double btime = 0;

	assert_int_equal(proc_figures_read("/proc", getpid(), &f), 0);
	assert_int_equal(f.pid, getpid());
	assert_int_equal(f.ppid, getppid());
	assert_true(f.rss_pages > 0 && f.vsize > 0);
	assert_true(f.open_fds >= 3);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_true(f.max_fds == (double)rl.rlim_cur);
	assert_int_equal(proc_boot_time("/proc", &btime), 0);
	assert_true(btime > 1e9);
	assert_int_equal(proc_figures_read("/proc", 0x3ffffff0, &f), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_parse_stat_rejects),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
