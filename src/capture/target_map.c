// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/target_map.h"

#include "capture/loader_internal.h"
#include "capture/tls_probes.h"
#include "exporter.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

/* Keys deleted per pass: deleting while walking would restart get_next_key. */
#define SWEEP_BATCH 1024

int tgid_compare(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* The kernel's hot-path view of `targets`: the bit of a key just added (see
 * FEE_TARGET_BITS_WORDS; the BPF side clears it when it deletes the key). */
static void target_bit_set(struct capture *c, __u32 tgid)
{
	__u64 *word = &c->skel->bss->target_bits[(tgid / 64) % FEE_TARGET_BITS_WORDS];

	__atomic_fetch_add(word, 1ULL << (tgid % 64), __ATOMIC_SEQ_CST);
}

int capture_watch_processes(struct capture *c, const pid_t *pids, size_t n, __u32 target_id)
{
	int map_fd = bpf_map__fd(c->skel->maps.targets);
	int added = 0;

	for (size_t i = 0; i < n; i++) {
		__u32 tgid = (__u32)pids[i];

		if (bpf_map_update_elem(map_fd, &tgid, &target_id, BPF_NOEXIST) == 0) {
			target_bit_set(c, tgid);
			added++;
		} else if (errno != EEXIST) {
			return -errno;
		}
		/* Probed before the daemon says it is ready. */
		if (!c->opts.no_tls)
			tls_probes_scan_process(c->tls, pids[i]);
	}
	return added;
}

bool capture_is_watched(const struct capture *c, pid_t pid)
{
	__u32 tgid = (__u32)pid, target;

	return bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.targets), &tgid, &target) == 0;
}

int capture_sweep_connections(struct capture *c)
{
	int fd = bpf_map__fd(c->skel->maps.conns);
	struct conn_key *dead, key, next;
	void *prev = NULL;
	int n_dead = 0, removed = 0;
	__u32 last_tgid = 0;
	bool last_alive = true;

	dead = calloc(SWEEP_BATCH, sizeof(*dead));
	if (!dead)
		return -ENOMEM;
	while (n_dead < SWEEP_BATCH && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		/* Keys of one process tend to come in runs: ask the kernel once per run. */
		if (key.tgid != last_tgid) {
			last_tgid = key.tgid;
			last_alive = kill((pid_t)key.tgid, 0) == 0 || errno != ESRCH;
		}
		if (!last_alive)
			dead[n_dead++] = key;
	}
	for (int i = 0; i < n_dead; i++)
		removed += bpf_map_delete_elem(fd, &dead[i]) == 0;
	free(dead);
	return removed;
}

__u32 *target_map_list(const struct capture *c, size_t *n)
{
	int fd = bpf_map__fd(c->skel->maps.targets);
	__u32 key, next, *tgids;
	void *prev = NULL;

	tgids = calloc(FEE_MAX_TARGET_PROCESSES, sizeof(*tgids));
	if (!tgids)
		return NULL;
	*n = 0;
	while (*n < FEE_MAX_TARGET_PROCESSES && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		tgids[(*n)++] = next;
	}
	qsort(tgids, *n, sizeof(*tgids), tgid_compare);
	return tgids;
}

size_t capture_list_processes(const struct capture *c, pid_t *pids, __u32 *targets, size_t max)
{
	int fd = bpf_map__fd(c->skel->maps.targets);
	__u32 key, next, target;
	void *prev = NULL;
	size_t n = 0;

	while (n < max && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &target))
			continue; /* gone between the two calls */
		pids[n] = (pid_t)key;
		targets[n++] = target;
	}
	return n;
}

void target_map_count(const struct capture *c, struct capture_stats *stats)
{
	int fd = bpf_map__fd(c->skel->maps.targets);
	__u32 key, next, target;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		stats->processes_watched++;
		if (bpf_map_lookup_elem(fd, &key, &target) == 0 && target < TARGET_MAX)
			stats->target_processes[target]++;
	}
}
