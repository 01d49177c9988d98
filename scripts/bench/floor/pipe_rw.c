// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pipe_rw CALLS [served]: a process writes 64 bytes to a pipe and reads them back, CALLS
 * times each, and prints the CPU nanoseconds it spent per read or write call
 * (scripts/bench/pipe_cost.sh): as a process that is no target, what any other process pays
 * for the exporter's hooks. CPU time, not wall time: on a busy machine the wait for a CPU
 * swamps a syscall's cost. With "served" (pipe_cost.sh TARGET=1, pipe_rw a target) it
 * first reads one HTTP request on a socketpair and answers it, as a server has before it
 * writes its logs: the exporter has then seen a connection, as it has on a real server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One request read and answered on a socketpair; 0 when both went through. */
static int serve_one(void)
{
	static const char req[] = "GET /served HTTP/1.1\r\n\r\n",
			  resp[] = "HTTP/1.1 204 OK\r\n\r\n";
	char buf[64];
	int sv[2], ok;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	ok = write(sv[0], req, sizeof(req) - 1) == sizeof(req) - 1 &&
	     read(sv[1], buf, sizeof(buf)) == sizeof(req) - 1 &&
	     write(sv[1], resp, sizeof(resp) - 1) == sizeof(resp) - 1;
	close(sv[0]);
	close(sv[1]);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec t0, t1;
	char buf[64] = { 0 };
	int fds[2];

	if (calls <= 0 || pipe(fds)) {
		fprintf(stderr, "usage: pipe_rw CALLS [served]\n");
		return 2;
	}
	if (argc > 2 && strcmp(argv[2], "served") == 0 && serve_one())
		return 1;
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
