/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every BPF-tier test shares: the capture under test, the records it delivered
 * since the last collect(), and the basic assertion on one of them. Include after
 * <cmocka.h>, <string.h>, <unistd.h> and the capture/ headers; one test program per file.
 */
#ifndef FEE_TESTS_RECORD_SINK_H
#define FEE_TESTS_RECORD_SINK_H

#define MAX_RECORDS 64
/* The target index the test process is watched as: not 0, so a record left at 0 is caught. */
#define TEST_TARGET 5

static struct capture *capture;
static struct fee_request_record records[MAX_RECORDS];
static int n_records;

static void on_record(void *ctx, const struct fee_request_record *rec)
{
	if (n_records < MAX_RECORDS)
		records[n_records] = *rec;
	n_records++;
}

/* Drains the ring buffer and returns how many records arrived since the last call. */
static int collect(void)
{
	n_records = 0;
	assert_true(capture_drain(capture) >= 0);
	return n_records;
}

/* Record i is this process's request `line`, answered with `status`. */
static void assert_record(int i, const char *line, int status)
{
	assert_true(i < n_records);
	assert_int_equal(records[i].status, status);
	assert_int_equal(records[i].line_len, strlen(line));
	assert_memory_equal(records[i].line, line, strlen(line));
	assert_int_equal(records[i].tgid, getpid());
	/* The kernel stamps each record with the target its process is watched as. */
	assert_int_equal(records[i].target, TEST_TARGET);
}

#endif
