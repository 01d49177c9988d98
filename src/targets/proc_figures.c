// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/proc_figures.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* /proc/PID/stat and /proc/PID/limits fit in this. */
#define PROC_TEXT_MAX 8192

int proc_figures_parse_stat(const char *text, struct proc_figures *f)
{
	/* The command name (field 2) may hold spaces and parentheses: the fields after it
	 * start after its last ')'. */
	const char *rest = strrchr(text, ')');
	unsigned long long field[25] = { 0 }; /* field[n]: the n-th field, 1-based */
	char *end;
	long pid = strtol(text, &end, 10);

	if (!rest || end == text || pid <= 0)
		return -EINVAL;
	rest++;
	/* Field 3 is the one-letter state; 4 onwards are numbers (some may be negative:
	 * read as signed, and only the fields below matter). */
	while (*rest == ' ')
		rest++;
	if (!*rest)
		return -EINVAL;
	rest++;
	for (int n = 4; n <= 24; n++) {
		long long v;

		errno = 0;
		v = strtoll(rest, &end, 10);
		if (end == rest || errno)
			return -EINVAL;
		field[n] = (unsigned long long)v;
		rest = end;
	}
	f->pid = (pid_t)pid;
	f->ppid = (pid_t)field[4];
	f->utime = field[14];
	f->stime = field[15];
	f->cutime = field[16];
	f->cstime = field[17];
	f->start_ticks = field[22];
	f->vsize = field[23];
	f->rss_pages = field[24];
	return 0;
}

int proc_figures_parse_limits(const char *text, double *max_fds)
{
	static const char key[] = "Max open files";
	const char *line = strstr(text, key);
	char soft[32];

	if (!line || sscanf(line + sizeof(key) - 1, " %31s", soft) != 1)
		return -EINVAL;
	if (!strcmp(soft, "unlimited")) {
		*max_fds = (double)RLIM_INFINITY;
		return 0;
	}
	char *end;
	unsigned long long v = strtoull(soft, &end, 10);

	if (*end || end == soft)
		return -EINVAL;
	*max_fds = (double)v;
	return 0;
}

/* <proc_root>/<pid>/<name> into buf. Bytes read, -ESRCH (no such process) or -errno. */
static ssize_t read_text(const char *proc_root, pid_t pid, const char *name, char *buf, size_t size)
{
	char path[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/%s", proc_root, (int)pid, name);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return (ssize_t)n;
}

static long count_fds(const char *proc_root, pid_t pid)
{
	char path[512];
	struct dirent *e;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%d/fd", proc_root, (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int proc_figures_read(const char *proc_root, pid_t pid, struct proc_figures *f)
{
	char text[PROC_TEXT_MAX];
	ssize_t n = read_text(proc_root, pid, "stat", text, sizeof(text));

	if (n < 0)
		return (int)n;
	if (proc_figures_parse_stat(text, f))
		return -EINVAL;
	f->open_fds = count_fds(proc_root, pid);
	f->max_fds = -1;
	if (read_text(proc_root, pid, "limits", text, sizeof(text)) >= 0)
		proc_figures_parse_limits(text, &f->max_fds);
	return 0;
}

int proc_boot_time(const char *proc_root, double *btime)
{
	/* Read line by line: the "intr" line before btime is long on machines with many
	 * interrupts. */
	char path[512], *line = NULL;
	unsigned long long v;
	size_t size = 0;
	int err = -EINVAL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/stat", proc_root);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &size, f) > 0) {
		if (sscanf(line, "btime %llu", &v) == 1) {
			*btime = (double)v;
			err = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	return err;
}
