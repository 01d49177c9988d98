// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collector.h"

#include "exporter.skel.h"
#include "log.h"
#include "proc_tree.h"
#include "tracefs.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Processes one --pid tree may hold when it is first read from /proc. */
#define MAX_TREE_PROCESSES 65536

struct collector {
	struct exporter_bpf *skel;
	struct ring_buffer *ringbuf;
	collector_record_fn on_record;
	void *ctx;
	unsigned int probes_attached;
	unsigned int probes_failed;
};

static int ringbuf_sample(void *ctx, void *data, size_t size)
{
	struct collector *c = ctx;

	if (size < sizeof(struct fee_request_record))
		return 0; /* cannot happen with one record type; never trust it blindly */
	c->on_record(c->ctx, data);
	return 0;
}

static int check_environment(void)
{
	if (geteuid() != 0) {
		log_error("must run as root: loading BPF programs needs CAP_BPF and CAP_PERFMON");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		log_error("this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): "
			  "a kernel built with CONFIG_DEBUG_INFO_BTF=y is required");
		return -ENOTSUP;
	}
	return tracefs_ensure_mounted();
}

struct collector *collector_open(collector_record_fn on_record, void *ctx)
{
	struct collector *c;
	int err;

	err = check_environment();
	if (err) {
		errno = -err;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->on_record = on_record;
	c->ctx = ctx;

	c->skel = exporter_bpf__open();
	if (!c->skel) {
		err = -errno;
		log_error("cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	err = exporter_bpf__load(c->skel);
	if (err) {
		log_error("cannot load the BPF programs: %s%s", strerror(-err),
			  err == -EPERM ? " (is the kernel locked down?)" : "");
		goto fail;
	}
	err = exporter_bpf__attach(c->skel);
	if (err) {
		log_error("cannot attach the BPF programs: %s", strerror(-err));
		goto fail;
	}
	c->probes_attached = 0;
	for (int i = 0; i < c->skel->skeleton->prog_cnt; i++)
		if (*c->skel->skeleton->progs[i].link)
			c->probes_attached++;

	c->ringbuf = ring_buffer__new(bpf_map__fd(c->skel->maps.records), ringbuf_sample, c, NULL);
	if (!c->ringbuf) {
		err = -errno;
		log_error("cannot open the ring buffer: %s", strerror(errno));
		goto fail;
	}
	return c;
fail:
	collector_close(c);
	errno = -err;
	return NULL;
}

void collector_close(struct collector *c)
{
	if (!c)
		return;
	ring_buffer__free(c->ringbuf);
	exporter_bpf__destroy(c->skel);
	free(c);
}

int collector_watch_tree(struct collector *c, pid_t root, __u32 target_id)
{
	int map_fd = bpf_map__fd(c->skel->maps.targets);
	pid_t *pids;
	int n, i;

	pids = calloc(MAX_TREE_PROCESSES, sizeof(*pids));
	if (!pids)
		return -ENOMEM;
	/* The fork tracepoint is already attached, so a child born while /proc is read is
	 * either seen here or added by the kernel when its parent is: none slips through. */
	n = proc_tree_collect("/proc", root, pids, MAX_TREE_PROCESSES);
	for (i = 0; i < n; i++) {
		__u32 tgid = (__u32)pids[i];

		if (bpf_map_update_elem(map_fd, &tgid, &target_id, BPF_ANY)) {
			n = -errno;
			break;
		}
	}
	free(pids);
	return n;
}

int collector_epoll_fd(const struct collector *c)
{
	return ring_buffer__epoll_fd(c->ringbuf);
}

int collector_drain(struct collector *c)
{
	return ring_buffer__consume(c->ringbuf);
}

static unsigned int count_targets(const struct collector *c)
{
	int fd = bpf_map__fd(c->skel->maps.targets);
	__u32 key, next;
	unsigned int n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

int collector_read_stats(const struct collector *c, struct collector_stats *stats)
{
	int fd = bpf_map__fd(c->skel->maps.counters);
	int ncpu = libbpf_num_possible_cpus();
	__u64 *per_cpu;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per_cpu = calloc((size_t)ncpu, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	memset(stats, 0, sizeof(*stats));
	for (__u32 key = 0; key < FEE_CNT_MAX; key++) {
		if (bpf_map_lookup_elem(fd, &key, per_cpu))
			continue;
		for (int cpu = 0; cpu < ncpu; cpu++)
			stats->counters[key] += per_cpu[cpu];
	}
	free(per_cpu);
	stats->probes_attached = c->probes_attached;
	stats->probes_failed = c->probes_failed;
	stats->processes_watched = count_targets(c);
	return 0;
}
