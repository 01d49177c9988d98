// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/app_cpu.h"

#include <stdlib.h>
#include <string.h>

static const struct app_cpu_process *find(const struct app_cpu_process *procs, size_t n,
					  const struct app_cpu_process *p)
{
	for (size_t i = 0; i < n; i++)
		if (procs[i].pid == p->pid && procs[i].start_ticks == p->start_ticks)
			return &procs[i];
	return NULL;
}

unsigned long long app_cpu_account(struct app_cpu *a, const struct app_cpu_process *procs, size_t n)
{
	unsigned long long lost = 0, reaped_growth = 0, live = 0, total;
	struct app_cpu_process *copy = NULL;

	if (n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy)
			return -1ULL;
		memcpy(copy, procs, n * sizeof(*copy));
	}
	/* Apps have a handful of processes: the quadratic matching costs nothing. */
	for (size_t i = 0; i < a->n_last; i++)
		if (!find(procs, n, &a->last[i]))
			lost += a->last[i].own + a->last[i].reaped;
	for (size_t i = 0; i < n; i++) {
		const struct app_cpu_process *before = find(a->last, a->n_last, &procs[i]);

		live += procs[i].own + procs[i].reaped;
		if (before && procs[i].reaped > before->reaped)
			reaped_growth += procs[i].reaped - before->reaped;
	}
	if (lost > reaped_growth)
		a->carried += lost - reaped_growth;
	total = live + a->carried;
	/* A process's own figures never go down, so this holds by construction; the guard
	 * keeps the promise even against a kernel that rounds differently between reads. */
	if (total < a->total) {
		a->carried += a->total - total;
		total = a->total;
	}
	free(a->last);
	a->last = copy;
	a->n_last = n;
	a->total = total;
	return total;
}

void app_cpu_release(struct app_cpu *a)
{
	free(a->last);
	memset(a, 0, sizeof(*a));
}
