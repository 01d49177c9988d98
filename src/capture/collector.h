/*
 * collector — the BPF side of the daemon: loads and attaches the kernel programs, tells
 * them which processes to watch, and hands each finished-request record to a callback.
 */
#ifndef FEE_COLLECTOR_H
#define FEE_COLLECTOR_H

#include <linux/types.h>
#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>

#include "targets/cgroup_target.h"
#include "flask_ebpf_exporter.h"
#include "capture/hook_mode.h"
#include "config/target_kind.h"

struct collector;

typedef void (*collector_record_fn)(void *ctx, const struct fee_request_record *rec);

struct collector_stats {
	__u64 counters[FEE_CNT_MAX]; /* kernel counters, summed over CPUs */
	unsigned int probes_attached;
	unsigned int probes_failed;
	unsigned int processes_watched;
	/* Processes of each target's trees (cgroup members are counted by target_watch). */
	unsigned int target_processes[TARGET_MAX];
};

/*
 * Opens, loads and attaches every program, hooking socket I/O with the given mode (auto:
 * the cheapest that loads and attaches here; the choice is logged). PIDs are watched with
 * collector_watch_tree, cgroups are given in the options. On failure logs the reason in
 * words (not root, no BTF, a mode the kernel lacks and why) and returns NULL with errno set.
 */
struct collector *collector_open(enum hook_mode hooks, collector_record_fn on_record, void *ctx);

/* What the kernel side sends beyond the defaults; set before the programs load. */
struct collector_options {
	/* Keep the query string in request lines (group_by full_path: SPEC §6 allows it only
	 * when asked for). */
	int keep_query;
	/* Also emit FEE_KIND_STARTED / FEE_KIND_ABANDONED records (in-progress gauges). */
	int emit_started;
	/* Ring buffer size in bytes (a power of two, at least a page); 0: the default 8 MiB.
	 * Small rings are for tests that fill them (--ring-buffer-kb). */
	unsigned int ring_bytes;
	/* cgroup v2 targets (up to FEE_MAX_CGROUP_TARGETS; copied). */
	const struct cgroup_target *cgroups;
	int n_cgroups;
};

/* collector_open with options (NULL: the defaults). */
struct collector *collector_open_with(enum hook_mode hooks, const struct collector_options *opts,
				      collector_record_fn on_record, void *ctx);
void collector_close(struct collector *c);

/* The hook mode in use: "fentry", "kprobe" or "tracepoint". */
const char *collector_hook_mode(const struct collector *c);

/*
 * Watches root and all its descendants as target `target_id`, present (read from /proc now)
 * and future (the fork hook). A process already watched keeps its target: when trees
 * overlap, the first target given wins. Returns the number of processes added, -ESRCH or
 * -errno.
 */
int collector_watch_tree(struct collector *c, pid_t root, __u32 target_id);

/* Is this process (tgid) in a watched tree? */
bool collector_is_watched(const struct collector *c, pid_t pid);

/*
 * Forgets the connections of processes that no longer exist (the kernel cannot see a
 * process's descriptors close when it exits or execs). Returns how many, or -errno.
 */
int collector_sweep_connections(struct collector *c);

/* Readable when records wait (woken in batches: also drain on a timer). */
int collector_epoll_fd(const struct collector *c);

/* Delivers every waiting record to the callback. Returns how many, or -errno. */
int collector_drain(struct collector *c);

/*
 * Keeps the OpenSSL probes in step with the target set (call it every second or so):
 * processes that joined since the last call are looked at for OpenSSL libraries not probed
 * yet, and every tenth call all of them are (a process may map one after it was first
 * seen: exec, dlopen). A fork of a probed process needs nothing new. 0 or -errno.
 */
int collector_refresh(struct collector *c);

/* Paths of the OpenSSL libraries probed so far (up to max); returns how many there are. */
size_t collector_tls_libraries(const struct collector *c, const char **paths, size_t max);

int collector_read_stats(const struct collector *c, struct collector_stats *stats);

#endif
