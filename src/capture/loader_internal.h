/*
 * loader_internal — the capture handle's insides, shared by the files of capture/ only:
 * the loader fills it, the record ring, the target map and the TLS refresher use it.
 */
#ifndef FEE_CAPTURE_LOADER_INTERNAL_H
#define FEE_CAPTURE_LOADER_INTERNAL_H

#include <stddef.h>

#include "capture/loader.h"

struct capture {
	struct exporter_bpf *skel;
	struct ring_buffer *ringbuf;
	capture_record_fn on_record;
	void *ctx;
	unsigned int probes_attached;
	enum hook_mode hook_mode; /* the family attached */
	struct capture_options opts;
	struct tls_probes *tls;
	__u32 *known_tgids; /* targets at the last TLS refresh, sorted */
	size_t n_known;
	unsigned int refreshes;
	/* The kernel's cgroup_targets map as written (capture/cgroup_map.c), and how many of
	 * them sit at each hierarchy level (the kernel looks only at levels in use). */
	struct cgroup_target *cgroups;
	size_t n_cgroups, cap_cgroups;
	unsigned int cgroup_level_refs[FEE_CGROUP_LEVELS];
};

/* capture/record_ring.c: opens the ring buffer that delivers records to on_record. 0 or
 * -errno (logged). */
int record_ring_open(struct capture *c);

/* capture/target_map.c: the watched tgids, sorted, in a new array (*n of them); NULL + errno
 * on failure. */
__u32 *target_map_list(const struct capture *c, size_t *n);

/* capture/target_map.c: qsort/bsearch order of tgids (__u32). */
int tgid_compare(const void *a, const void *b);

/* capture/target_map.c: adds the watched processes, in all and per target, to stats. */
void target_map_count(const struct capture *c, struct capture_stats *stats);

#endif
