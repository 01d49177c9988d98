// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/kube_discovery.h"

#include "targets/kube_cgroup_scan.h"
#include "util/log.h"
#include "targets/pod_select.h"
#include "targets/proc_select.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Listening sockets looked at per port test (v4 and v6, a few SO_REUSEPORT ones). */
#define MAX_LISTEN_INODES 16

enum entry_state {
	ENTRY_WATCHED,
	ENTRY_SKIPPED,
	ENTRY_SKIPPED_FOR_NOW, /* a port selector may match later */
	ENTRY_SANDBOX,
	ENTRY_UNKNOWN,	  /* no runtime state (yet) */
	ENTRY_OVER_LIMIT, /* no target index was free */
};

/*
 * Every container cgroup the last scan saw. A node runs about a hundred pods (the
 * kubelet's default max-pods is 110), so a linear search per found cgroup is cheap.
 */
struct entry {
	struct kube_watched w;
	enum entry_state state;
	int has_meta;
	enum kube_cgroup_runtime hint;
	char container_id[KUBE_CONTAINER_ID_LEN + 1];
	unsigned long long seen; /* the scan that last found it */
};

struct kube_discovery {
	const struct kube_config *k;
	struct kube_sink sink;
	struct cgroup2_mount mount;
	struct entry *entries;
	size_t n, cap;
	__u32 next_target, max_target;
	__u32 *free_targets; /* given back, reused once next_target is past max_target */
	size_t n_free;
	unsigned long long scans, forgotten;
	__u64 next_scan_ms;
	int root_error; /* the last scan's error, logged once per change */
};

struct kube_discovery *kube_discovery_new(const struct kube_config *k, __u32 first_target,
					  __u32 max_target, const struct kube_sink *sink)
{
	struct kube_discovery *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return NULL;
	err = cgroup2_mount_find("/proc/self/mountinfo", &d->mount);
	if (err) {
		free(d);
		errno = -err;
		return NULL;
	}
	d->k = k;
	d->sink = *sink;
	d->next_target = first_target;
	d->max_target = max_target;
	return d;
}

static void entry_release(struct entry *e)
{
	container_meta_clear(&e->w.meta);
	free(e->w.cgroup_dir);
}

void kube_discovery_free(struct kube_discovery *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		entry_release(&d->entries[i]);
	free(d->entries);
	free(d->free_targets);
	free(d);
}

static int take_target(struct kube_discovery *d, __u32 *target)
{
	if (d->next_target <= d->max_target) {
		*target = d->next_target++;
		return 0;
	}
	if (!d->n_free)
		return -ENOSPC;
	*target = d->free_targets[--d->n_free];
	return 0;
}

static void give_target(struct kube_discovery *d, __u32 target)
{
	__u32 *grown = realloc(d->free_targets, (d->n_free + 1) * sizeof(*grown));

	if (!grown)
		return; /* the index is lost, not reused: harmless */
	d->free_targets = grown;
	d->free_targets[d->n_free++] = target;
}

/* Calls test for the container's processes until one returns non-zero; returns that, or 0. */
static int each_member(const struct entry *e, int (*test)(void *ctx, int pid), void *ctx)
{
	char path[PATH_MAX];
	FILE *f;
	int pid, found = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", e->w.cgroup_dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!found && fscanf(f, "%d", &pid) == 1)
		found = test(ctx, pid);
	fclose(f);
	return found;
}

/* 1: pid's network namespace has a LISTEN socket on *port; -1: it has none; 0: pid is gone. */
static int pid_listens(void *ctx, int pid)
{
	unsigned long inodes[MAX_LISTEN_INODES];
	char proc_root[64];
	int n;

	snprintf(proc_root, sizeof(proc_root), "/proc/%d", pid);
	n = proc_listen_inodes(proc_root, *(int *)ctx, inodes, MAX_LISTEN_INODES);
	return n < 0 ? 0 : n > 0 ? 1 : -1;
}

/* The port test of pod_select, read in the container's own network namespace through
 * /proc/PID/net/tcp*: a pod's containers and processes share one, so the first process
 * still there answers. */
static int container_listens(void *ctx, int port)
{
	return each_member(ctx, pid_listens, &port) > 0;
}

static int is_self(void *ctx, int pid)
{
	return pid == *(pid_t *)ctx;
}

/* Is the exporter itself in this container? (Its own /metrics answers must not count.) */
static int holds_self(const struct entry *e)
{
	pid_t self = getpid();

	return each_member(e, is_self, &self);
}

static int read_meta(struct kube_discovery *d, struct entry *e)
{
	const struct kube_config *k = d->k;
	int err = -ENOENT;

	/* The cgroup's name says the runtime; cgroupfs' bare ids could be either. */
	if (e->hint != KUBE_CGROUP_RUNTIME_CRIO)
		err = runtime_state_read(CONTAINER_RUNTIME_CONTAINERD,
					 (const char *const *)k->containerd_dirs,
					 k->n_containerd_dirs, e->container_id, &e->w.meta);
	if (err == -ENOENT && e->hint != KUBE_CGROUP_RUNTIME_CONTAINERD)
		err = runtime_state_read(CONTAINER_RUNTIME_CRIO, (const char *const *)k->crio_dirs,
					 k->n_crio_dirs, e->container_id, &e->w.meta);
	return err;
}

/* The sink's own selection (sink.select), with the port it may ask for. */
static int sink_selects(struct kube_discovery *d, struct entry *e)
{
	int port = 0;

	if (!d->sink.select)
		return 1;
	if (!d->sink.select(d->sink.ctx, &e->w, &port))
		return 0;
	return port <= 0 || container_listens(e, port);
}

static void decide(struct kube_discovery *d, struct entry *e)
{
	enum pod_decision decision;

	if (!e->has_meta) {
		int err = read_meta(d, e);

		if (err) {
			if (err != -ENOENT)
				log_debug("container %.12s: unreadable runtime state: %s",
					  e->container_id, strerror(-err));
			e->state = ENTRY_UNKNOWN;
			return;
		}
		e->has_meta = 1;
	}
	if (e->w.meta.is_sandbox) {
		e->state = ENTRY_SANDBOX;
		return;
	}
	if (holds_self(e)) {
		log_info("not watching container %s of pod %s/%s: the exporter runs in it",
			 e->w.meta.container, e->w.meta.namespace, e->w.meta.pod);
		e->state = ENTRY_SKIPPED;
		return;
	}
	decision = pod_select(d->k, &e->w.meta, container_listens, e);
	if (decision == POD_WATCH && !sink_selects(d, e))
		decision = POD_SKIP_FOR_NOW;
	if (decision != POD_WATCH) {
		e->state = decision == POD_SKIP ? ENTRY_SKIPPED : ENTRY_SKIPPED_FOR_NOW;
		return;
	}
	if (take_target(d, &e->w.target)) {
		e->state = ENTRY_OVER_LIMIT;
		return;
	}
	if (d->sink.watch(d->sink.ctx, &e->w)) {
		give_target(d, e->w.target);
		e->state = ENTRY_UNKNOWN; /* tried again on the next scan */
		return;
	}
	e->state = ENTRY_WATCHED;
	log_info("watching container %s of pod %s/%s (cgroup %s)", e->w.meta.container,
		 e->w.meta.namespace, e->w.meta.pod, e->w.cgroup_dir);
}

static struct entry *find_entry(struct kube_discovery *d, __u64 cgroup_id)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->entries[i].w.cgroup_id == cgroup_id)
			return &d->entries[i];
	return NULL;
}

static struct entry *add_entry(struct kube_discovery *d, const struct kube_cgroup_found *f)
{
	struct entry *e;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct entry *grown = realloc(d->entries, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		d->entries = grown;
		d->cap = cap;
	}
	e = &d->entries[d->n];
	memset(e, 0, sizeof(*e));
	e->w.cgroup_dir = strdup(f->dir);
	if (!e->w.cgroup_dir)
		return NULL;
	e->w.cgroup_id = f->id;
	e->w.level = f->level;
	e->hint = f->path.runtime;
	memcpy(e->container_id, f->path.container_id, sizeof(e->container_id));
	d->n++;
	return e;
}

static void on_cgroup(void *ctx, const struct kube_cgroup_found *f)
{
	struct kube_discovery *d = ctx;
	struct entry *e = find_entry(d, f->id);

	if (!e) {
		e = add_entry(d, f);
		if (!e)
			return; /* out of memory: seen again on the next scan */
		decide(d, e);
	} else if (e->state == ENTRY_UNKNOWN || e->state == ENTRY_SKIPPED_FOR_NOW ||
		   e->state == ENTRY_OVER_LIMIT) {
		decide(d, e);
	}
	e->seen = d->scans;
}

/* Containers the scan did not find again are gone: forget them. */
static void sweep(struct kube_discovery *d)
{
	size_t kept = 0;

	for (size_t i = 0; i < d->n; i++) {
		struct entry *e = &d->entries[i];

		if (e->seen == d->scans) {
			d->entries[kept++] = *e;
			continue;
		}
		if (e->state == ENTRY_WATCHED) {
			log_info("container %s of pod %s/%s is gone", e->w.meta.container,
				 e->w.meta.namespace, e->w.meta.pod);
			d->sink.forget(d->sink.ctx, &e->w);
			give_target(d, e->w.target);
			d->forgotten++;
		}
		entry_release(e);
	}
	d->n = kept;
}

int kube_discovery_scan(struct kube_discovery *d)
{
	int n;

	d->scans++;
	n = kube_cgroup_scan(&d->mount, d->k->cgroup_root, on_cgroup, d);
	if (n < 0) {
		if (n != d->root_error)
			log_error("kubernetes: cannot read cgroup root %s%s: %s", d->mount.dir,
				  d->k->cgroup_root, strerror(-n));
		d->root_error = n;
		return n; /* nothing swept: the pods may well be there */
	}
	d->root_error = 0;
	sweep(d);
	return 0;
}

void kube_discovery_tick(struct kube_discovery *d, __u64 now_ms)
{
	if (now_ms < d->next_scan_ms)
		return;
	d->next_scan_ms = now_ms + (__u64)d->k->rescan_ms;
	kube_discovery_scan(d);
}

void kube_discovery_stats(const struct kube_discovery *d, struct kube_discovery_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < d->n; i++) {
		switch (d->entries[i].state) {
		case ENTRY_WATCHED:
			out->watched++;
			break;
		case ENTRY_SKIPPED:
		case ENTRY_SKIPPED_FOR_NOW:
			out->skipped++;
			break;
		case ENTRY_SANDBOX:
			out->sandboxes++;
			break;
		case ENTRY_UNKNOWN:
			out->unknown++;
			break;
		case ENTRY_OVER_LIMIT:
			out->over_limit++;
			break;
		}
	}
	out->scans = d->scans;
	out->forgotten = d->forgotten;
}

void kube_discovery_reconsider(struct kube_discovery *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct entry *e = &d->entries[i];

		if (e->state != ENTRY_WATCHED || sink_selects(d, e))
			continue;
		log_info("container %s of pod %s/%s is no longer selected", e->w.meta.container,
			 e->w.meta.namespace, e->w.meta.pod);
		d->sink.forget(d->sink.ctx, &e->w);
		give_target(d, e->w.target);
		e->state = ENTRY_SKIPPED_FOR_NOW;
	}
}

void kube_discovery_for_each(const struct kube_discovery *d, kube_watched_fn fn, void *ctx)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->entries[i].state == ENTRY_WATCHED)
			fn(ctx, &d->entries[i].w);
}
