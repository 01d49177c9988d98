// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The benchmark consumers' drain loop: see ring_drain.h. */
#include "ring_drain.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

void ring_drain_catch_signals(void)
{
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
}

void ring_drain_report_attached(struct bpf_object *obj)
{
	struct bpf_program *prog;
	int n = 0;

	bpf_object__for_each_program (prog, obj) {
		n++;
	}
	printf("attached %d programs\n", n);
	fflush(stdout);
}

bool ring_drain_until_stopped(struct ring_buffer *rb, const char *who)
{
	while (!stopping) {
		int err = ring_buffer__poll(rb, 100);

		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "%s: draining the ring: %d\n", who, err);
			return false;
		}
	}
	return true;
}
