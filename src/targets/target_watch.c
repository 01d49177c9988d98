// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/target_watch.h"

#include "capture/cgroup_map.h"
#include "capture/target_map.h"
#include "capture/tls_refresh.h"
#include "targets/proc_select.h"
#include "targets/proc_tree.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Processes one --pid tree may hold when it is first read from /proc. */
#define MAX_TREE_PROCESSES 65536
/* Connections of exited processes are swept this often. */
#define SWEEP_INTERVAL_MS 2000
/* Listening sockets remembered per --port target (v4 and v6, a few SO_REUSEPORT ones). */
#define MAX_LISTEN_INODES 16
/* Depth of sub-cgroups counted below a cgroup target. */
#define MAX_CGROUP_DEPTH 16

struct port_state {
	unsigned long inodes[MAX_LISTEN_INODES];
	int n_inodes;
	pid_t holder; /* a watched process holding them, found by the last walk (0: none) */
};

struct target_watch {
	struct capture *capture;
	const struct config_target *specs;
	int n_specs;
	int rescan_ms;
	__u64 next_rescan_ms;
	__u64 next_sweep_ms;
	pid_t self;
	struct port_state *ports;	/* one per spec, used by TARGET_PORT */
	struct watched_cgroup *cgroups; /* --cgroup targets and discovered ones (pods) */
	size_t n_cgroups, cap_cgroups;
};

/* A cgroup in the kernel's map: its directory is read for members (counts, TLS). */
struct watched_cgroup {
	char *dir;
	__u64 id;
	__u32 target;
};

int target_watch_tree(struct capture *c, pid_t root, __u32 target_id)
{
	pid_t *pids;
	int n;

	pids = calloc(MAX_TREE_PROCESSES, sizeof(*pids));
	if (!pids)
		return -ENOMEM;
	/* The fork tracepoint is already attached, so a child born while /proc is read is
	 * either seen here or added by the kernel when its parent is: none slips through. */
	n = proc_tree_collect("/proc", root, pids, MAX_TREE_PROCESSES);
	if (n > 0)
		n = capture_watch_processes(c, pids, (size_t)n, target_id);
	free(pids);
	return n;
}

/* Resolves a --cgroup; logs why not and returns -errno when it cannot be. */
static int resolve_cgroup(const struct config_target *spec, struct cgroup_target *out)
{
	int err = cgroup_target_resolve(spec->path, out);

	if (err)
		log_error("--cgroup %s: %s", spec->path,
			  err == -EMEDIUMTYPE ? "not a directory on a cgroup v2 mount"
					      : strerror(-err));
	return err;
}

int target_watch_check_cgroups(const struct config_target *specs, int n)
{
	for (int i = 0; i < n; i++) {
		struct cgroup_target cg;
		int err;

		if (specs[i].kind == TARGET_CGROUP && (err = resolve_cgroup(&specs[i], &cg)))
			return err;
	}
	return 0;
}

/* Calls fn for each process of the cgroup at dir and of its sub-cgroups (bounded depth). */
static void for_each_member(const char *dir, int depth, void (*fn)(void *ctx, pid_t pid), void *ctx)
{
	char path[4096];
	struct dirent *de;
	FILE *procs;
	DIR *d;
	int pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	procs = fopen(path, "re");
	if (procs) {
		while (fscanf(procs, "%d", &pid) == 1)
			fn(ctx, pid);
		fclose(procs);
	}
	if (depth >= MAX_CGROUP_DEPTH || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		for_each_member(path, depth + 1, fn, ctx);
	}
	closedir(d);
}

static void probe_member(void *ctx, pid_t pid)
{
	capture_probe_tls(ctx, pid);
}

int target_watch_add_cgroup(struct target_watch *tw, const char *dir,
			    const struct cgroup_target *cg)
{
	struct watched_cgroup *w;
	int err;

	if (tw->n_cgroups == tw->cap_cgroups) {
		size_t cap = tw->cap_cgroups ? tw->cap_cgroups * 2 : 16;
		struct watched_cgroup *grown = realloc(tw->cgroups, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		tw->cgroups = grown;
		tw->cap_cgroups = cap;
	}
	w = &tw->cgroups[tw->n_cgroups];
	w->dir = strdup(dir);
	if (!w->dir)
		return -ENOMEM;
	/* OpenSSL in the members' own filesystems, probed before the kernel counts them. */
	for_each_member(dir, 0, probe_member, tw->capture);
	err = capture_watch_cgroup(tw->capture, cg);
	if (err) {
		free(w->dir);
		return err;
	}
	w->id = cg->id;
	w->target = cg->target;
	tw->n_cgroups++;
	return 0;
}

void target_watch_remove_cgroup(struct target_watch *tw, __u64 id)
{
	capture_unwatch_cgroup(tw->capture, id);
	for (size_t i = 0; i < tw->n_cgroups; i++) {
		if (tw->cgroups[i].id != id)
			continue;
		free(tw->cgroups[i].dir);
		tw->cgroups[i] = tw->cgroups[--tw->n_cgroups];
		return;
	}
}

/* Every --cgroup into the kernel's cgroup map. */
static int watch_cgroups(struct target_watch *tw)
{
	for (int i = 0; i < tw->n_specs; i++) {
		const struct config_target *spec = &tw->specs[i];
		struct cgroup_target cg;
		int err;

		if (spec->kind != TARGET_CGROUP)
			continue;
		err = resolve_cgroup(spec, &cg);
		if (err)
			return err;
		cg.target = (__u32)i;
		err = target_watch_add_cgroup(tw, spec->path, &cg);
		if (err == -EEXIST) {
			log_info("--cgroup %s is given twice: it counts for the first", spec->path);
			continue;
		}
		if (err) {
			log_error("cannot watch cgroup %s: %s", spec->path, strerror(-err));
			return err;
		}
		log_info("watching cgroup %s and below (id %llu, level %u)", spec->path,
			 (unsigned long long)cg.id, cg.level);
	}
	return 0;
}

struct target_watch *target_watch_new(struct capture *c, const struct config_target *specs, int n,
				      int rescan_ms)
{
	struct target_watch *tw = calloc(1, sizeof(*tw));

	if (!tw)
		return NULL;
	tw->ports = calloc((size_t)(n ? n : 1), sizeof(*tw->ports));
	if (!tw->ports) {
		free(tw);
		return NULL;
	}
	tw->capture = c;
	tw->specs = specs;
	tw->n_specs = n;
	tw->rescan_ms = rescan_ms;
	tw->self = getpid();
	return tw;
}

void target_watch_free(struct target_watch *tw)
{
	if (!tw)
		return;
	for (size_t i = 0; i < tw->n_cgroups; i++)
		free(tw->cgroups[i].dir);
	free(tw->cgroups);
	free(tw->ports);
	free(tw);
}

/* What a selector found: attach it unless it is already watched (or must never be). */
struct found_ctx {
	struct target_watch *tw;
	int target;
	pid_t watched; /* the last found process that is watched now (newly or already) */
};

static int attach_found(void *ctx, pid_t pid)
{
	struct found_ctx *f = ctx;
	const struct config_target *spec = &f->tw->specs[f->target];
	int n;

	/* Never ourselves, and never init: a socket-activated port is also held by PID 1,
	 * whose tree is the whole machine. */
	if (pid == f->tw->self || pid == 1)
		return 0;
	if (capture_is_watched(f->tw->capture, pid)) {
		f->watched = pid;
		return 0;
	}
	n = target_watch_tree(f->tw->capture, pid, (__u32)f->target);
	if (n == -ESRCH)
		return 0; /* exited meanwhile */
	if (n < 0) {
		log_error("cannot watch process %d: %s", (int)pid, strerror(-n));
		return 0; /* retried on the next scan */
	}
	f->watched = pid;
	if (spec->kind == TARGET_EXE)
		log_info("--exe %s: watching process %d and %d more of its tree", spec->path,
			 (int)pid, n > 0 ? n - 1 : 0);
	else
		log_info("--port %d: watching process %d and %d more of its tree", spec->port,
			 (int)pid, n > 0 ? n - 1 : 0);
	return 0;
}

static int same_inodes(const struct port_state *st, const unsigned long *inodes, int n)
{
	if (n != st->n_inodes)
		return 0;
	for (int i = 0; i < n; i++) {
		int seen = 0;

		for (int j = 0; j < st->n_inodes && !seen; j++)
			seen = st->inodes[j] == inodes[i];
		if (!seen)
			return 0;
	}
	return 1;
}

/*
 * --port: the processes holding the port's listening sockets. Walking every process's
 * descriptors is the costly part, so it happens only when the set of listening sockets
 * changed (a server started or restarted) or the holder the last walk found is no longer
 * watched (it exited; with socket activation PID 1 keeps the socket and starts the next
 * server with it). Children forked later are followed by the kernel anyway.
 */
static void rescan_port(struct target_watch *tw, int i)
{
	struct port_state *st = &tw->ports[i];
	unsigned long inodes[MAX_LISTEN_INODES];
	struct found_ctx f = { .tw = tw, .target = i };
	int n = proc_listen_inodes("/proc", tw->specs[i].port, inodes, MAX_LISTEN_INODES);

	if (n < 0)
		return;
	if (n > MAX_LISTEN_INODES)
		n = MAX_LISTEN_INODES;
	if (n == 0 || (same_inodes(st, inodes, n) && st->holder &&
		       capture_is_watched(tw->capture, st->holder)))
		return;
	memcpy(st->inodes, inodes, (size_t)n * sizeof(inodes[0]));
	st->n_inodes = n;
	proc_select_socket_owners("/proc", inodes, (size_t)n, attach_found, &f);
	st->holder = f.watched;
}

static void rescan(struct target_watch *tw)
{
	for (int i = 0; i < tw->n_specs; i++) {
		struct found_ctx f = { .tw = tw, .target = i };

		if (tw->specs[i].kind == TARGET_EXE)
			proc_select_exe("/proc", tw->specs[i].path, attach_found, &f);
		else if (tw->specs[i].kind == TARGET_PORT)
			rescan_port(tw, i);
	}
}

int target_watch_start(struct target_watch *tw)
{
	int err = watch_cgroups(tw);

	if (err)
		return err;
	for (int i = 0; i < tw->n_specs; i++) {
		const struct config_target *spec = &tw->specs[i];
		int n;

		if (spec->kind != TARGET_PID)
			continue;
		n = target_watch_tree(tw->capture, spec->pid, (__u32)i);
		if (n == -ESRCH) {
			log_error("no such process: %d", (int)spec->pid);
			return n;
		}
		if (n < 0) {
			log_error("cannot watch process %d: %s", (int)spec->pid, strerror(-n));
			return n;
		}
		log_info("watching process %d and its %d descendant%s", (int)spec->pid,
			 n > 0 ? n - 1 : 0, n == 2 ? "" : "s");
	}
	rescan(tw);
	return 0;
}

void target_watch_tick(struct target_watch *tw, __u64 now_ms)
{
	if (now_ms >= tw->next_rescan_ms) {
		tw->next_rescan_ms = now_ms + (__u64)tw->rescan_ms;
		rescan(tw);
	}
	if (now_ms >= tw->next_sweep_ms) {
		int n = capture_sweep_connections(tw->capture);

		tw->next_sweep_ms = now_ms + SWEEP_INTERVAL_MS;
		if (n > 0)
			log_debug("forgot %d connection%s of exited processes", n,
				  n == 1 ? "" : "s");
	}
}

struct member_count {
	const struct capture *capture;
	unsigned int n;
};

/* Members of a watched tree are counted by the kernel's process map already. */
static void count_member(void *ctx, pid_t pid)
{
	struct member_count *m = ctx;

	m->n += !capture_is_watched(m->capture, pid);
}

unsigned int target_watch_cgroup_processes(const struct target_watch *tw, __u32 target)
{
	struct member_count m = { tw->capture, 0 };

	for (size_t i = 0; i < tw->n_cgroups; i++)
		if (tw->cgroups[i].target == target)
			for_each_member(tw->cgroups[i].dir, 0, count_member, &m);
	return m.n;
}

void target_watch_count_cgroups(const struct target_watch *tw, struct capture_stats *stats)
{
	for (size_t i = 0; i < tw->n_cgroups; i++) {
		struct member_count m = { tw->capture, 0 };

		for_each_member(tw->cgroups[i].dir, 0, count_member, &m);
		stats->processes_watched += m.n;
		if (tw->cgroups[i].target < TARGET_MAX)
			stats->target_processes[tw->cgroups[i].target] += m.n;
	}
}

struct member_list {
	__u32 *tgids;
	size_t n, max;
};

static void list_member(void *ctx, pid_t pid)
{
	struct member_list *l = ctx;

	if (l->n < l->max)
		l->tgids[l->n++] = (__u32)pid;
}

size_t target_watch_cgroup_members(const struct target_watch *tw, __u32 *out, size_t max)
{
	struct member_list l = { out, 0, max };

	for (size_t i = 0; i < tw->n_cgroups; i++)
		for_each_member(tw->cgroups[i].dir, 0, list_member, &l);
	return l.n;
}

struct member_pairs {
	const struct capture *capture;
	pid_t *pids;
	unsigned int *targets;
	size_t n, max;
	unsigned int target;
};

/* A cgroup member not in a watched tree (those the kernel's map lists already). */
static void pair_member(void *ctx, pid_t pid)
{
	struct member_pairs *m = ctx;

	if (m->n < m->max && !capture_is_watched(m->capture, pid)) {
		m->pids[m->n] = pid;
		m->targets[m->n++] = m->target;
	}
}

size_t target_watch_list_processes(const struct target_watch *tw, pid_t *pids,
				   unsigned int *targets, size_t max)
{
	struct member_pairs m = {
		.capture = tw->capture, .pids = pids, .targets = targets, .max = max
	};

	m.n = capture_list_processes(tw->capture, pids, targets, max);
	for (size_t i = 0; i < tw->n_cgroups; i++) {
		m.target = tw->cgroups[i].target;
		for_each_member(tw->cgroups[i].dir, 0, pair_member, &m);
	}
	return m.n;
}
