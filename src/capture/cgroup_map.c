// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/cgroup_map.h"

#include "capture/loader_internal.h"
#include "exporter.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>

/* The levels in use as the bit mask the kernel reads (bpf/maps.bpf.h cgroup_target_levels). */
static void publish_levels(struct capture *c)
{
	__u64 levels = 0;

	for (int i = 0; i < FEE_CGROUP_LEVELS; i++)
		if (c->cgroup_level_refs[i])
			levels |= 1ULL << i;
	/* One aligned 64-bit store: the kernel sees the old set or the new one, never a mix. */
	__atomic_store_n(&c->skel->bss->cgroup_target_levels, levels, __ATOMIC_RELEASE);
}

int capture_watch_cgroup(struct capture *c, const struct cgroup_target *cg)
{
	int fd = bpf_map__fd(c->skel->maps.cgroup_targets);

	if (cg->level >= FEE_CGROUP_LEVELS)
		return -E2BIG;
	if (c->n_cgroups == c->cap_cgroups) {
		size_t cap = c->cap_cgroups ? c->cap_cgroups * 2 : 16;
		struct cgroup_target *grown = realloc(c->cgroups, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		c->cgroups = grown;
		c->cap_cgroups = cap;
	}
	/* BPF_NOEXIST: a cgroup is one target; the first claim stays. */
	if (bpf_map_update_elem(fd, &cg->id, &cg->target, BPF_NOEXIST))
		return errno == E2BIG ? -ENOSPC : -errno;
	c->cgroups[c->n_cgroups++] = *cg;
	c->cgroup_level_refs[cg->level]++;
	publish_levels(c);
	return 0;
}

int capture_unwatch_cgroup(struct capture *c, __u64 id)
{
	int fd = bpf_map__fd(c->skel->maps.cgroup_targets);

	for (size_t i = 0; i < c->n_cgroups; i++) {
		if (c->cgroups[i].id != id)
			continue;
		bpf_map_delete_elem(fd, &id);
		c->cgroup_level_refs[c->cgroups[i].level]--;
		publish_levels(c);
		c->cgroups[i] = c->cgroups[--c->n_cgroups];
		return 0;
	}
	return -ENOENT;
}
