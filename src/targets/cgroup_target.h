/* cgroup_target — turn a cgroup v2 directory into what the kernel side matches on. */
#ifndef FEE_CGROUP_TARGET_H
#define FEE_CGROUP_TARGET_H

#include <linux/types.h>

#include "capture/loader.h" /* struct cgroup_target: what the kernel side matches on */

/*
 * Resolves a directory on a cgroup2 mount, wherever it is mounted (read from
 * /proc/self/mountinfo). Returns 0, -ENOENT (no such directory), -ENOTDIR, -EMEDIUMTYPE
 * (not on a cgroup2 mount) or -errno. Sets id and level; target is the caller's.
 */
int cgroup_target_resolve(const char *path, struct cgroup_target *out);

/*
 * The hierarchy depth of `path` (absolute, symlinks resolved), from a mountinfo file: the
 * longest cgroup2 mount point holding it, plus the depth of that mount's root inside the
 * hierarchy (not "/" when the exporter runs in a cgroup namespace or on a bind mount).
 * Returns the depth, -EMEDIUMTYPE when no cgroup2 mount holds path, or -errno. For tests.
 */
int cgroup_level_from_mountinfo(const char *mountinfo_path, const char *path);

/* Depth of `path` below `dir` (both absolute), or -EINVAL when it is not under it. */
int cgroup_path_level(const char *dir, const char *path);

#endif
