/*
 * proc_figures — one process's CPU, memory, start time and file descriptors, read from a
 * /proc-like directory: the raw figures prometheus_client's process collector reads for
 * itself, for any process. The parsers are pure (text in, figures out) for tests.
 */
#ifndef FEE_PROC_FIGURES_H
#define FEE_PROC_FIGURES_H

#include <sys/types.h>

struct proc_figures {
	pid_t pid;
	pid_t ppid;
	/* CPU in clock ticks: the process's own user and system time, and that of its
	 * children it has waited for (reaped), as /proc/PID/stat fields 14-17 give them. */
	unsigned long long utime, stime, cutime, cstime;
	unsigned long long start_ticks; /* field 22: clock ticks after boot */
	unsigned long long vsize;	/* field 23: bytes of virtual memory */
	unsigned long long rss_pages;	/* field 24: resident pages (shared ones included) */
	long open_fds;			/* entries of /proc/PID/fd; -1 when unreadable */
	double max_fds;			/* soft RLIMIT_NOFILE; -1 when unreadable */
};

/* The text of /proc/PID/stat -> pid, ppid, CPU, start, vsize, rss. 0 or -EINVAL. */
int proc_figures_parse_stat(const char *text, struct proc_figures *f);

/* The text of /proc/PID/limits -> the soft "Max open files" (unlimited: RLIM_INFINITY as
 * a double, what Python's resource module reports). 0 or -EINVAL when the line is absent. */
int proc_figures_parse_limits(const char *text, double *max_fds);

/* All figures of <proc_root>/<pid>. 0, -ESRCH when the process is gone, or -errno. The fd
 * count and limit are -1 when unreadable (no permission), not an error. */
int proc_figures_read(const char *proc_root, pid_t pid, struct proc_figures *f);

/* Boot time in Unix seconds, the "btime" line of <proc_root>/stat. 0 or -errno. */
int proc_boot_time(const char *proc_root, double *btime);

#endif
