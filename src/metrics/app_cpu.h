/*
 * app_cpu — the CPU counter of an application made of processes that come and go (a
 * gunicorn master and the workers it respawns): never goes down while the exporter runs.
 * Pure: fed the processes' figures at each scrape.
 *
 * The application's CPU is, for each live process, its own user+system time plus that of
 * the children it has reaped (cutime+cstime: a worker that exited and was waited for by
 * the master lives on in the master's figures), plus `carried`: the CPU of processes that
 * vanished without a live process having reaped them (the master itself restarted, a
 * process reaped by an outside parent). A process that vanished while a survivor's reaped
 * time grew is taken to be in that growth, so nothing is counted twice.
 */
#ifndef FEE_APP_CPU_H
#define FEE_APP_CPU_H

#include <stddef.h>
#include <sys/types.h>

/* One process at one scrape; (pid, start_ticks) names it across PID reuse. */
struct app_cpu_process {
	pid_t pid;
	unsigned long long start_ticks;
	unsigned long long own;	   /* utime + stime */
	unsigned long long reaped; /* cutime + cstime */
};

struct app_cpu {
	struct app_cpu_process *last; /* the previous scrape's processes */
	size_t n_last;
	unsigned long long carried; /* ticks of processes gone, not in any survivor's reaped */
	unsigned long long total;   /* the last answer */
};

/* Folds in this scrape's processes (procs[0..n), any order) and returns the application's
 * CPU in clock ticks: at least the previous answer. -1ULL on allocation failure (the
 * state is unchanged). */
unsigned long long app_cpu_account(struct app_cpu *a, const struct app_cpu_process *procs,
				   size_t n);
void app_cpu_release(struct app_cpu *a);

#endif
