// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/kube_cgroup_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper than any kubelet layout (kind nests kubepods two levels under its own slice). */
#define MAX_SCAN_DEPTH 10

int cgroup2_mount_find(const char *mountinfo_path, struct cgroup2_mount *out)
{
	char line[8192], root[PATH_MAX], dir[PATH_MAX], fstype[64];
	FILE *f = fopen(mountinfo_path, "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, dir) != 2 ||
		    sscanf(dash + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		snprintf(out->dir, sizeof(out->dir), "%s", dir);
		out->root_depth = 0;
		for (const char *p = root; *p; p++)
			if (*p == '/' && p[1] && p[1] != '/')
				out->root_depth++;
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

struct walk {
	const struct cgroup2_mount *mount;
	kube_cgroup_fn fn;
	void *ctx;
	int dirs;
	char path[PATH_MAX]; /* absolute, grows and shrinks as the walk goes */
	size_t mount_len;
};

/* systemd units that are never an ancestor of kubepods: not worth opening. */
static int is_leaf_unit(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && (!strcmp(dot, ".service") || !strcmp(dot, ".mount") ||
		       !strcmp(dot, ".socket") || !strcmp(dot, ".swap"));
}

static void walk_dir(struct walk *w, int depth, __u32 level)
{
	size_t len = strlen(w->path);
	struct dirent *de;
	DIR *d;

	w->dirs++;
	d = opendir(w->path);
	if (!d)
		return; /* removed meanwhile */
	while ((de = readdir(d))) {
		struct kube_cgroup_found found;
		enum kube_cgroup_kind kind;
		struct stat st;

		if (de->d_type != DT_DIR || de->d_name[0] == '.' || is_leaf_unit(de->d_name))
			continue;
		if (len + 1 + strlen(de->d_name) >= sizeof(w->path))
			continue;
		w->path[len] = '/';
		strcpy(w->path + len + 1, de->d_name);
		kind = kube_cgroup_path_parse(w->path + w->mount_len, &found.path);
		if (kind == KUBE_CGROUP_CONTAINER) {
			if (stat(w->path, &st) == 0) {
				found.dir = w->path;
				found.id = st.st_ino;
				found.level = level + 1;
				w->fn(w->ctx, &found);
			}
		} else if (kind != KUBE_CGROUP_NONE && depth + 1 < MAX_SCAN_DEPTH) {
			walk_dir(w, depth + 1, level + 1);
		}
		w->path[len] = '\0';
	}
	closedir(d);
}

int kube_cgroup_scan(const struct cgroup2_mount *mount, const char *root, kube_cgroup_fn fn,
		     void *ctx)
{
	struct walk w = { .mount = mount, .fn = fn, .ctx = ctx };
	__u32 level = (__u32)mount->root_depth;
	int n;

	n = snprintf(w.path, sizeof(w.path), "%s", mount->dir);
	while (n > 1 && w.path[n - 1] == '/')
		w.path[--n] = '\0';
	w.mount_len = (size_t)n;
	for (const char *p = root; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			level++;
	if (strcmp(root, "/")) {
		if ((size_t)n + strlen(root) >= sizeof(w.path))
			return -ENAMETOOLONG;
		strcat(w.path, root[0] == '/' ? root : "/");
		if (root[0] != '/')
			strcat(w.path, root);
		n = (int)strlen(w.path);
		while (n > 1 && w.path[n - 1] == '/')
			w.path[--n] = '\0';
	}
	if (access(w.path, R_OK | X_OK))
		return -errno;
	walk_dir(&w, 0, level);
	return w.dirs;
}
