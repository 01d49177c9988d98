// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/cgroup_target.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#define CGROUP2_SUPER_MAGIC 0x63677270

int cgroup_path_level(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	int level = 0;

	while (n > 0 && dir[n - 1] == '/')
		n--;
	if (strncmp(path, dir, n) || (path[n] != '/' && path[n] != '\0'))
		return -EINVAL;
	for (const char *p = path + n; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			level++;
	return level;
}

int cgroup_level_from_mountinfo(const char *mountinfo_path, const char *path)
{
	char line[4096], root[PATH_MAX], mnt[PATH_MAX], fstype[64];
	int best_len = -1, level = -EMEDIUMTYPE;
	FILE *f = fopen(mountinfo_path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* "id parent major:minor root mount-point options ... - fstype source super".
		 * Paths with spaces are octal-escaped (\040), so %s reads them whole; such a
		 * mount point just never matches a resolved path. */
		const char *dash = strstr(line, " - ");
		int below, root_depth;

		if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    sscanf(dash + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		below = cgroup_path_level(mnt, path);
		root_depth = cgroup_path_level("/", root);
		if (below < 0 || root_depth < 0 || (int)strlen(mnt) <= best_len)
			continue;
		best_len = (int)strlen(mnt);
		level = root_depth + below;
	}
	fclose(f);
	return level;
}

int cgroup_target_resolve(const char *path, struct cgroup_target *out)
{
	char real[PATH_MAX];
	struct statfs fs;
	struct stat st;
	int level;

	if (!realpath(path, real))
		return -errno;
	if (stat(real, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (statfs(real, &fs))
		return -errno;
	if (fs.f_type != CGROUP2_SUPER_MAGIC)
		return -EMEDIUMTYPE;
	level = cgroup_level_from_mountinfo("/proc/self/mountinfo", real);
	if (level < 0)
		return level;
	/* cgroup2 directory inode numbers are the kernel's cgroup ids (64-bit kernfs ids). */
	out->id = st.st_ino;
	out->level = (__u32)level;
	return 0;
}
