// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/app_cpu.h"

#include <errno.h>
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

static const struct app_cpu_process *find_pid(const struct app_cpu_process *procs, size_t n,
					      pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

static struct app_cpu_pending *pending_of(struct app_cpu *a, const struct app_cpu_process *p)
{
	for (size_t i = 0; i < a->n_pending; i++)
		if (a->pending[i].parent == p->pid && a->pending[i].parent_start == p->start_ticks)
			return &a->pending[i];
	return NULL;
}

/* A vanished process: pending with its live parent, else carried. 0 or -ENOMEM. */
static int account_lost(struct app_cpu *a, const struct app_cpu_process *gone,
			const struct app_cpu_process *procs, size_t n)
{
	const struct app_cpu_process *parent = find_pid(procs, n, gone->ppid);
	unsigned long long ticks = gone->own + gone->reaped;
	struct app_cpu_pending *p, *grown;

	if (!parent) {
		a->carried += ticks;
		return 0;
	}
	p = pending_of(a, parent);
	if (!p) {
		grown = realloc(a->pending, (a->n_pending + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		a->pending = grown;
		p = &grown[a->n_pending++];
		*p = (struct app_cpu_pending){ .parent = parent->pid,
					       .parent_start = parent->start_ticks };
	}
	p->ticks += ticks;
	return 0;
}

unsigned long long app_cpu_account(struct app_cpu *a, const struct app_cpu_process *procs, size_t n)
{
	unsigned long long live = 0, pending = 0, total;
	struct app_cpu_process *copy = NULL;
	size_t kept = 0;

	if (n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy)
			return -1ULL;
		memcpy(copy, procs, n * sizeof(*copy));
	}
	/* Apps have a handful of processes: the quadratic matching costs nothing. */
	for (size_t i = 0; i < a->n_last; i++) {
		if (!find(procs, n, &a->last[i]) && account_lost(a, &a->last[i], procs, n)) {
			free(copy);
			return -1ULL;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct app_cpu_process *before = find(a->last, a->n_last, &procs[i]);
		struct app_cpu_pending *p = pending_of(a, &procs[i]);

		live += procs[i].own + procs[i].reaped;
		/* What the parent reaped since is (at most) what it owed: no longer pending. */
		if (p && before && procs[i].reaped > before->reaped) {
			unsigned long long growth = procs[i].reaped - before->reaped;

			p->ticks -= growth < p->ticks ? growth : p->ticks;
		}
	}
	/* Parents that are gone will reap nothing more: what they owed is carried. */
	for (size_t i = 0; i < a->n_pending; i++) {
		const struct app_cpu_process parent = { .pid = a->pending[i].parent,
							.start_ticks = a->pending[i].parent_start };

		if (!find(procs, n, &parent))
			a->carried += a->pending[i].ticks;
		else if (a->pending[i].ticks)
			a->pending[kept++] = a->pending[i];
	}
	a->n_pending = kept;
	for (size_t i = 0; i < kept; i++)
		pending += a->pending[i].ticks;
	total = live + pending + a->carried;
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
	free(a->pending);
	memset(a, 0, sizeof(*a));
}
