/*
 * kube_cgroup_scan — the pod containers' cgroups of this node, found by walking the
 * cgroup v2 hierarchy wherever it is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on
 * hybrid hosts; read from mountinfo), below a configurable root.
 */
#ifndef FEE_TARGETS_KUBE_CGROUP_SCAN_H
#define FEE_TARGETS_KUBE_CGROUP_SCAN_H

#include <linux/types.h>
#include <stddef.h>

#include "targets/kube_cgroup_path.h"

/* Where cgroup2 is mounted, and the depth of that mount's root in the hierarchy. */
struct cgroup2_mount {
	char dir[4096];
	int root_depth;
};

/* From a mountinfo file (/proc/self/mountinfo). 0, -ENOENT (no cgroup2 mount) or -errno. */
int cgroup2_mount_find(const char *mountinfo_path, struct cgroup2_mount *out);

/* A container cgroup found by the scan. */
struct kube_cgroup_found {
	const char *dir; /* absolute directory path */
	__u64 id;	 /* the cgroup id: the directory's inode on cgroup2 */
	__u32 level;	 /* depth in the hierarchy, the kernel's ancestor level */
	struct kube_cgroup_path path;
};

typedef void (*kube_cgroup_fn)(void *ctx, const struct kube_cgroup_found *found);

/*
 * Calls fn for every pod container cgroup at or below `root` (a path inside the
 * hierarchy, "/" for all of it). Returns the number of directories read or -errno when
 * root cannot be opened.
 */
int kube_cgroup_scan(const struct cgroup2_mount *mount, const char *root, kube_cgroup_fn fn,
		     void *ctx);

#endif
