// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/proc_tree.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct proc_link {
	pid_t pid;
	pid_t ppid;
};

int proc_stat_parent(const char *stat_text, pid_t *ppid)
{
	/* "pid (comm) state ppid ...": comm may hold spaces and ')', so use the last ')'. */
	const char *p = strrchr(stat_text, ')');
	char state;
	int parent;

	if (!p || sscanf(p + 1, " %c %d", &state, &parent) != 2)
		return -EINVAL;
	*ppid = parent;
	return 0;
}

static int read_parent(const char *proc_root, pid_t pid, pid_t *ppid)
{
	char path[512], text[1024];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return proc_stat_parent(text, ppid);
}

static int all_processes(const char *proc_root, struct proc_link **links, size_t *n_links)
{
	struct proc_link *list = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir = opendir(proc_root);

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		pid_t pid, ppid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (read_parent(proc_root, pid, &ppid))
			continue; /* exited while we looked */
		if (n == cap) {
			struct proc_link *grown;

			cap = cap ? cap * 2 : 256;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				free(list);
				closedir(dir);
				return -ENOMEM;
			}
			list = grown;
		}
		list[n].pid = pid;
		list[n].ppid = ppid;
		n++;
	}
	closedir(dir);
	*links = list;
	*n_links = n;
	return 0;
}

int proc_tree_collect(const char *proc_root, pid_t root, pid_t *out, size_t max)
{
	struct proc_link *links = NULL;
	size_t n_links = 0, n_out = 0, next = 0, i;
	pid_t ppid;
	int err;

	if (read_parent(proc_root, root, &ppid))
		return -ESRCH;
	err = all_processes(proc_root, &links, &n_links);
	if (err)
		return err;
	if (max == 0) {
		free(links);
		return -E2BIG;
	}
	out[n_out++] = root;
	/* Breadth-first: out[next] is the process whose children we add next. */
	while (next < n_out) {
		pid_t parent = out[next++];

		for (i = 0; i < n_links; i++) {
			if (links[i].ppid != parent || links[i].pid == parent)
				continue;
			if (n_out == max) {
				free(links);
				return -E2BIG;
			}
			out[n_out++] = links[i].pid;
		}
	}
	free(links);
	return (int)n_out;
}
