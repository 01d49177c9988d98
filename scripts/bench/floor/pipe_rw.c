// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pipe_rw CALLS: a process that is no target writes 64 bytes to a pipe and reads them back,
 * CALLS times each, and prints the CPU nanoseconds it spent per read or write call
 * (scripts/bench/pipe_cost.sh): what any other process pays for the exporter's hooks. CPU
 * time, not wall time: on a busy machine the wait for a CPU swamps a syscall's cost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec t0, t1;
	char buf[64] = { 0 };
	int fds[2];

	if (calls <= 0 || pipe(fds)) {
		fprintf(stderr, "usage: pipe_rw CALLS\n");
		return 2;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (long i = 0; i < calls; i++) {
		if (write(fds[1], buf, sizeof(buf)) != sizeof(buf) ||
		    read(fds[0], buf, sizeof(buf)) != sizeof(buf))
			return 1;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	printf("%.1f\n",
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (2.0 * calls));
	return 0;
}
