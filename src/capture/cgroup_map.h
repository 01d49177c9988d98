/*
 * cgroup_map — the kernel's set of watched cgroups (cgroup id -> target index), changed
 * while running: --cgroup targets and every watched pod container. A process belongs to
 * the deepest watched cgroup it sits in or below. Which cgroups to watch is decided in
 * targets/; this only writes the decision down for the kernel.
 */
#ifndef FEE_CAPTURE_CGROUP_MAP_H
#define FEE_CAPTURE_CGROUP_MAP_H

#include <linux/types.h>

#include "capture/loader.h"

/*
 * Watches every process in cgroup `cg` (id and level: targets/cgroup_target.h) and below as
 * target cg->target, from its next syscall on; processes that move in or out are followed
 * by the kernel. Up to FEE_MAX_CGROUP_TARGETS cgroups, at levels below FEE_CGROUP_LEVELS.
 * Returns 0, -EEXIST (already watched), -E2BIG (too deep), -ENOSPC (map full) or -errno.
 */
int capture_watch_cgroup(struct capture *c, const struct cgroup_target *cg);

/* Stops watching a cgroup: its kernel entry is deleted. 0 or -ENOENT. */
int capture_unwatch_cgroup(struct capture *c, __u64 id);

#endif
