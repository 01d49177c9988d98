/*
 * app_cpu — the CPU counter of an application made of processes that come and go (a
 * gunicorn master and the workers it respawns): never goes down while the exporter runs.
 * Pure: fed the processes' figures at each scrape.
 *
 * The application's CPU is, for each live process, its own user+system time plus that of
 * the children it has reaped (cutime+cstime: a worker that exited and was waited for by
 * the master lives on in the master's figures), plus the CPU of processes that vanished
 * and are not (yet) in a live process's reaped time:
 *   - a process whose parent still runs is `pending` with that parent until the parent's
 *     reaped time grows by as much (a killed worker is a zombie until the master waits for
 *     it; the scrape may fall between the two), so nothing is counted twice;
 *   - a process whose parent is gone too (the master restarted) is `carried` for good.
 */
#ifndef FEE_APP_CPU_H
#define FEE_APP_CPU_H

#include <stddef.h>
#include <sys/types.h>

/* One process at one scrape; (pid, start_ticks) names it across PID reuse. */
struct app_cpu_process {
	pid_t pid, ppid;
	unsigned long long start_ticks;
	unsigned long long own;	   /* utime + stime */
	unsigned long long reaped; /* cutime + cstime */
};

/* CPU of vanished children a live parent has not reaped yet. */
struct app_cpu_pending {
	pid_t parent;
	unsigned long long parent_start;
	unsigned long long ticks;
};

struct app_cpu {
	struct app_cpu_process *last; /* the previous scrape's processes */
	size_t n_last;
	struct app_cpu_pending *pending; /* one per parent */
	size_t n_pending;
	unsigned long long carried; /* ticks of processes gone whose parent is gone too */
	unsigned long long total;   /* the last answer */
};

/* Folds in this scrape's processes (procs[0..n), any order) and returns the application's
 * CPU in clock ticks: at least the previous answer. -1ULL on allocation failure (the
 * state is unchanged). */
unsigned long long app_cpu_account(struct app_cpu *a, const struct app_cpu_process *procs,
				   size_t n);
void app_cpu_release(struct app_cpu *a);

#endif
