/*
 * target_map — the kernel's set of watched processes (tgid -> target index) and the
 * connections it tracks for them. Which processes belong to a target is decided in
 * targets/; this only writes the decision down for the kernel.
 */
#ifndef FEE_CAPTURE_TARGET_MAP_H
#define FEE_CAPTURE_TARGET_MAP_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "capture/loader.h"

/*
 * Watches pids[0..n) as target `target_id` (the fork hook adds their future children). A
 * process already watched keeps its target: when trees overlap, the first target given
 * wins. Each new process is looked at for OpenSSL libraries before this returns. Returns
 * the number of processes added, or -errno.
 */
int capture_watch_processes(struct capture *c, const pid_t *pids, size_t n, __u32 target_id);

/* Is this process (tgid) watched? */
bool capture_is_watched(const struct capture *c, pid_t pid);

/*
 * Forgets the connections of processes that no longer exist (the kernel cannot see a
 * process's descriptors close when it exits or execs). Returns how many, or -errno.
 */
int capture_sweep_connections(struct capture *c);

/* The watched processes with their target index, up to max (the map's entries: the trees
 * of --pid, --exe and --port targets; cgroup members are not in it). Returns how many. */
size_t capture_list_processes(const struct capture *c, pid_t *pids, __u32 *targets, size_t max);

#endif
