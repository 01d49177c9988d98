/*
 * target_watch — keeps the kernel's view of the targets current: resolves cgroup targets
 * before load, attaches the --pid trees, re-evaluates the --exe and --port selectors on a
 * timer (a restarted server is picked up within CLI_RESCAN_MS), and sweeps the kernel's
 * connection entries of processes that are gone.
 */
#ifndef FEE_TARGET_WATCH_H
#define FEE_TARGET_WATCH_H

#include "capture/loader.h"
#include "config/config.h"
#include "targets/cgroup_target.h"

struct target_watch;

/*
 * Checks, before anything loads, that every cgroup target of specs[0..n) is a directory on
 * a cgroup v2 mount; logs the reason and returns -errno when one is not.
 */
int target_watch_check_cgroups(const struct config_target *specs, int n);

/*
 * Watches root and all its descendants as target `target_id`, present (read from /proc now)
 * and future (the kernel's fork hook). A process already watched keeps its target: when
 * trees overlap, the first target given wins. Returns the number of processes added,
 * -ESRCH or -errno.
 */
int target_watch_tree(struct capture *c, pid_t root, __u32 target_id);

/* NULL + errno. specs must outlive the watcher. */
struct target_watch *target_watch_new(struct capture *c, const struct config_target *specs, int n,
				      int rescan_ms);
void target_watch_free(struct target_watch *tw);

/*
 * First evaluation: every --cgroup goes into the kernel's map, every --pid tree is attached
 * (-ESRCH, logged, when a PID does not exist); selectors that match nothing yet are not an error:
 * they are retried.
 */
int target_watch_start(struct target_watch *tw);

/* Call often (each loop turn): re-evaluates the selectors and sweeps when their time has
 * come. now_ms: a monotonic clock. */
void target_watch_tick(struct target_watch *tw, __u64 now_ms);

/*
 * Watches the cgroup at dir (cg: its id and level, and the target it counts for) while
 * running, its current members' OpenSSL probed first: --cgroup targets (at start) and pod
 * containers (when discovered). 0 or -errno (capture_watch_cgroup's).
 */
int target_watch_add_cgroup(struct target_watch *tw, const char *dir,
			    const struct cgroup_target *cg);
/* Stops watching a cgroup (a pod container that went away). */
void target_watch_remove_cgroup(struct target_watch *tw, __u64 id);

/* Adds the members of watched cgroups (those not already in a watched tree) to stats. */
void target_watch_count_cgroups(const struct target_watch *tw, struct capture_stats *stats);
/* The members of the cgroups watched as `target` that are in no watched tree. */
unsigned int target_watch_cgroup_processes(const struct target_watch *tw, __u32 target);
/* The members of every watched cgroup (for the OpenSSL refresh), up to max; how many. */
size_t target_watch_cgroup_members(const struct target_watch *tw, __u32 *out, size_t max);

/* Every watched process with its target index (trees and cgroup members), up to max.
 * Returns how many were listed. */
size_t target_watch_list_processes(const struct target_watch *tw, pid_t *pids,
				   unsigned int *targets, size_t max);

#endif
