/*
 * loader — the kernel side's lifecycle: checks the environment, loads and attaches the BPF
 * programs with the cheapest hook mode that works, and reads the kernel's counters. The
 * handle it returns is fed by the record ring (record_ring.h), told which processes to
 * watch (target_map.h) and keeps the OpenSSL probes current (tls_refresh.h).
 */
#ifndef FEE_CAPTURE_LOADER_H
#define FEE_CAPTURE_LOADER_H

#include <linux/types.h>
#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>

#include "flask_ebpf_exporter.h"
#include "config/hook_mode.h"
#include "config/target_kind.h"

struct capture;

typedef void (*capture_record_fn)(void *ctx, const struct fee_request_record *rec);

/* A cgroup v2 directory as the kernel side matches it (targets/cgroup_target.h resolves
 * one from a path). */
struct cgroup_target {
	__u64 id;     /* the cgroup's id: its directory's inode number on cgroup2 */
	__u32 level;  /* depth below the root of the cgroup2 hierarchy (the root is 0) */
	__u32 target; /* index of the target (in command-line order) */
};

/* What the kernel side sends beyond the defaults; set before the programs load. */
struct capture_options {
	/* Keep the query string in request lines (group_by full_path: SPEC §6 allows it only
	 * when asked for). */
	int keep_query;
	/* Also emit FEE_KIND_STARTED / FEE_KIND_ABANDONED records (in-progress gauges). */
	int emit_started;
	/* Ring buffer size in bytes (a power of two, at least a page); 0: FEE_RING_KB_DEFAULT KiB.
	 * Small rings are for tests that fill them (--ring-buffer-kb). */
	unsigned int ring_bytes;
	/* No OpenSSL uprobes (no CAP_SYS_ADMIN to attach them): HTTPS terminated in the
	 * servers is not seen; their plain HTTP still is. */
	int no_tls;
};

/*
 * Opens, loads and attaches every program, hooking socket I/O with the given mode (auto:
 * the cheapest that loads and attaches here; the choice is logged), with the options (NULL:
 * the defaults). PIDs are watched with capture_watch_processes (target_map.h), cgroups
 * with capture_watch_cgroup (cgroup_map.h). On failure logs the reason in words (not root, no BTF,
 * a mode the kernel lacks and why) and returns NULL with errno set.
 */
struct capture *capture_open(enum hook_mode hooks, const struct capture_options *opts,
			     capture_record_fn on_record, void *ctx);
void capture_close(struct capture *c);

/* The hook mode in use: "fentry", "kprobe" or "tracepoint". */
const char *capture_hook_mode(const struct capture *c);

struct capture_stats {
	__u64 counters[FEE_CNT_MAX]; /* kernel counters, summed over CPUs */
	unsigned int probes_attached;
	unsigned int probes_failed;
	unsigned int processes_watched;
	/* Processes of each target's trees (cgroup members are counted in targets/). */
	unsigned int target_processes[TARGET_MAX];
};

int capture_read_stats(const struct capture *c, struct capture_stats *stats);

#endif
