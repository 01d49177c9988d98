// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The application CPU counter across worker exits, reaping, restarts and PID reuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "metrics/app_cpu.h"

/* A process of the app: the master is 100 (its parent, 1, is not watched); every other
 * process is the master's child. */
#define P(pid_, start_, own_, reaped_)                                                             \
	((struct app_cpu_process){ .pid = (pid_),                                                  \
				   .ppid = (pid_) == 100 ? 1 : 100,                                \
				   .start_ticks = (start_),                                        \
				   .own = (own_),                                                  \
				   .reaped = (reaped_) })

static void test_sum_of_live_processes(void **state)
{
	struct app_cpu a = { 0 };
	struct app_cpu_process procs[] = { P(100, 1, 10, 5), P(101, 2, 20, 0), P(102, 2, 30, 0) };

	assert_int_equal(app_cpu_account(&a, procs, 3), 65);
	app_cpu_release(&a);
}

/* A worker exits and the master reaps it: its CPU moves into the master's cutime, counted
 * once. */
static void test_worker_reaped_by_master(void **state)
{
	struct app_cpu a = { 0 };
	struct app_cpu_process before[] = { P(100, 1, 10, 0), P(101, 2, 20, 0), P(102, 2, 30, 0) };
	struct app_cpu_process after[] = { P(100, 1, 11, 30), P(101, 2, 25, 0), P(103, 9, 1, 0) };

	assert_int_equal(app_cpu_account(&a, before, 3), 60);
	/* 11 + 30 (reaped 102) + 25 + 1 (the respawned worker) */
	assert_int_equal(app_cpu_account(&a, after, 3), 67);
	app_cpu_release(&a);
}

/* A worker killed between scrapes is gone from the list before the master reaps it (a
 * zombie): pending with the master until its reaped time grows, never counted twice. */
static void test_zombie_then_reaped(void **state)
{
	struct app_cpu a = { 0 };
	struct app_cpu_process before[] = { P(100, 1, 10, 0), P(101, 2, 20, 0), P(102, 2, 30, 0) };
	struct app_cpu_process zombie[] = { P(100, 1, 10, 0), P(101, 2, 20, 0) };
	struct app_cpu_process reaped[] = { P(100, 1, 10, 30), P(101, 2, 21, 0), P(103, 9, 0, 0) };

	assert_int_equal(app_cpu_account(&a, before, 3), 60);
	assert_int_equal(app_cpu_account(&a, zombie, 2), 60);
	assert_int_equal(a.n_pending, 1);
	assert_int_equal(app_cpu_account(&a, reaped, 3), 61); /* not 91 */
	assert_int_equal(a.n_pending, 0);
	assert_int_equal(a.carried, 0);
	app_cpu_release(&a);
}

/* A process vanishes without a watched parent reaping it (the master itself restarted):
 * its CPU is carried, and the counter never goes down. */
static void test_master_restart_is_carried(void **state)
{
	struct app_cpu a = { 0 };
	struct app_cpu_process before[] = { P(100, 1, 10, 50), P(101, 2, 20, 0) };
	struct app_cpu_process after[] = { P(200, 90, 1, 0), P(201, 91, 1, 0) };
	unsigned long long first, second, third;

	first = app_cpu_account(&a, before, 2);
	second = app_cpu_account(&a, after, 2);
	assert_int_equal(first, 80);
	assert_int_equal(second, 82);
	third = app_cpu_account(&a, NULL, 0); /* everything gone for a while */
	assert_int_equal(third, 82);
	app_cpu_release(&a);
}

/* PID reuse: the same PID with another start time is another process. */
static void test_pid_reuse(void **state)
{
	struct app_cpu a = { 0 };
	struct app_cpu_process before[] = { P(100, 1, 40, 0) };
	struct app_cpu_process after[] = { P(100, 7, 2, 0) };

	assert_int_equal(app_cpu_account(&a, before, 1), 40);
	assert_int_equal(app_cpu_account(&a, after, 1), 42);
	app_cpu_release(&a);
}

/* Monotonic over a long random-looking history of exits, reaps and spawns. */
static void test_never_decreases(void **state)
{
	struct app_cpu a = { 0 };
	unsigned long long last = 0;
	unsigned int seed = 12345;
	struct app_cpu_process procs[4] = { P(100, 1, 0, 0), P(2, 2, 0, 0), P(3, 3, 0, 0),
					    P(4, 4, 0, 0) };

	for (int round = 0; round < 2000; round++) {
		unsigned long long now;
		int i;

		seed = seed * 1103515245 + 12345;
		i = (int)((seed >> 16) % 4);
		procs[i].own += (seed >> 8) % 7;
		if ((seed >> 4) % 11 == 0) { /* process i exits; 0 reaps it half the time */
			if (i && (seed & 1))
				procs[0].reaped += procs[i].own + procs[i].reaped;
			procs[i] = P(1000 + round, (unsigned long long)round, 0, 0);
		}
		now = app_cpu_account(&a, procs, 4);
		assert_true(now >= last);
		last = now;
	}
	app_cpu_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sum_of_live_processes),
		cmocka_unit_test(test_worker_reaped_by_master),
		cmocka_unit_test(test_zombie_then_reaped),
		cmocka_unit_test(test_master_restart_is_carried),
		cmocka_unit_test(test_pid_reuse),
		cmocka_unit_test(test_never_decreases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
