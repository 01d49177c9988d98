/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Time in the BPF-tier tests: pauses, and CLOCK_MONOTONIC readings that bracket a record's
 * duration. The kernel stamps a request's start and end with bpf_ktime_get_ns() (the same
 * clock) inside calls the test makes, so the duration is at least the time from just after
 * the call that stamps the start to just before the call that stamps the end, and at most
 * the time from just before the first to just after the second, however the machine
 * schedules the test; a fixed bound holds only on a machine fast and idle enough (not
 * under qemu's emulated CPU on a busy host). Include after <errno.h>, <stdint.h>, <time.h>.
 */
#ifndef FEE_TESTS_TEST_CLOCK_H
#define FEE_TESTS_TEST_CLOCK_H

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	/* At least this long on CLOCK_MONOTONIC, a signal or not: the lower bounds rely on it. */
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif
