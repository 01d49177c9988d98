/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The kernel-side event counters (enum fee_counter), read by the daemon as self-metrics. */
#ifndef FEE_COUNTERS_BPF_H
#define FEE_COUNTERS_BPF_H

#include "env.bpf.h"
#include "flask_ebpf_exporter.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FEE_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void counter_inc(enum fee_counter which)
{
	__u32 key = which;
	__u64 *slot = bpf_map_lookup_elem(&counters, &key);

	if (slot)
		*slot += 1; /* per-CPU slot: no atomics needed */
}

#endif
