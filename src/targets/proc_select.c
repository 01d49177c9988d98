// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/proc_select.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TCP_LISTEN 0x0A

/* Calls fn(ctx, dir, pid) for every numeric entry of proc_root. */
typedef int (*pid_dir_fn)(void *ctx, const char *proc_root, pid_t pid);

static int each_pid(const char *proc_root, pid_dir_fn fn, void *ctx)
{
	struct dirent *de;
	DIR *dir = opendir(proc_root);
	int ret = 0;

	if (!dir)
		return -errno;
	while (!ret && (de = readdir(dir))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		ret = fn(ctx, proc_root, (pid_t)atoi(de->d_name));
	}
	closedir(dir);
	return ret;
}

struct exe_walk {
	const char *glob;
	proc_select_fn fn;
	void *ctx;
};

static int exe_visit(void *ctx, const char *proc_root, pid_t pid)
{
	struct exe_walk *w = ctx;
	char link[512], target[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/%d/exe", proc_root, (int)pid);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return 0; /* a kernel thread, or gone */
	target[n] = '\0';
	/* An executable replaced on disk while running reads "PATH (deleted)": still it. */
	if (n > 10 && !strcmp(target + n - 10, " (deleted)"))
		target[n - 10] = '\0';
	return fnmatch(w->glob, target, 0) == 0 ? w->fn(w->ctx, pid) : 0;
}

int proc_select_exe(const char *proc_root, const char *glob, proc_select_fn fn, void *ctx)
{
	struct exe_walk w = { .glob = glob, .fn = fn, .ctx = ctx };

	return each_pid(proc_root, exe_visit, &w);
}

int proc_net_tcp_parse_line(const char *line, int *port, int *state, unsigned long *inode)
{
	unsigned int p, st;
	unsigned long ino;

	/* "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt uid
	 *  timeout inode ...", addresses as HEX:PORT (8 hex digits for v4, 32 for v6). */
	if (sscanf(line,
		   " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%*x %*x:%*x %*x %*u %*u %lu",
		   &p, &st, &ino) != 3)
		return -EINVAL;
	if (p > 65535)
		return -EINVAL;
	*port = (int)p;
	*state = (int)st;
	*inode = ino;
	return 0;
}

static int scan_table(const char *path, int port, unsigned long *inodes, size_t max, size_t *n)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		int p, st;
		unsigned long ino;

		if (proc_net_tcp_parse_line(line, &p, &st, &ino) || p != port || st != TCP_LISTEN ||
		    ino == 0)
			continue;
		if (*n < max)
			inodes[*n] = ino;
		(*n)++;
	}
	fclose(f);
	return 0;
}

int proc_listen_inodes(const char *proc_root, int port, unsigned long *inodes, size_t max)
{
	static const char *const tables[] = { "net/tcp", "net/tcp6" };
	char path[512];
	size_t n = 0;
	int read_one = 0, err = 0;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", proc_root, tables[i]);
		err = scan_table(path, port, inodes, max, &n);
		read_one |= err == 0;
	}
	return read_one ? (int)n : err;
}

struct owner_walk {
	const unsigned long *inodes;
	size_t n;
	proc_select_fn fn;
	void *ctx;
};

static int holds_socket(const struct owner_walk *w, const char *link_target)
{
	unsigned long ino;
	char end;

	if (sscanf(link_target, "socket:[%lu%c", &ino, &end) != 2 || end != ']')
		return 0;
	for (size_t i = 0; i < w->n; i++)
		if (w->inodes[i] == ino)
			return 1;
	return 0;
}

static int owner_visit(void *ctx, const char *proc_root, pid_t pid)
{
	struct owner_walk *w = ctx;
	char dir_path[512], link[1024], target[256];
	struct dirent *de;
	DIR *dir;
	int found = 0;

	snprintf(dir_path, sizeof(dir_path), "%s/%d/fd", proc_root, (int)pid);
	dir = opendir(dir_path);
	if (!dir)
		return 0; /* gone, or a kernel thread */
	while (!found && (de = readdir(dir))) {
		ssize_t n;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir_path, de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = holds_socket(w, target);
	}
	closedir(dir);
	return found ? w->fn(w->ctx, pid) : 0;
}

int proc_select_socket_owners(const char *proc_root, const unsigned long *inodes, size_t n,
			      proc_select_fn fn, void *ctx)
{
	struct owner_walk w = { .inodes = inodes, .n = n, .fn = fn, .ctx = ctx };

	return n ? each_pid(proc_root, owner_visit, &w) : 0;
}
