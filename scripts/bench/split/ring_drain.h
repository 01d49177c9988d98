/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The benchmark consumers' (split/, bound/) life once their programs are loaded: say so to
 * scripts/bench/bpf_cost.sh, which waits for "attached N programs", then drain the ring
 * until SIGTERM or SIGINT, as the exporter's daemon drains its own (woken by the programs
 * after 64 KiB of records, else every 100 ms).
 */
#ifndef BENCH_RING_DRAIN_H
#define BENCH_RING_DRAIN_H

#include <bpf/libbpf.h>
#include <stdbool.h>

/* SIGTERM and SIGINT end ring_drain_until_stopped(); call before attaching. */
void ring_drain_catch_signals(void);

/* Prints "attached N programs" (N: obj's programs) and flushes it. */
void ring_drain_report_attached(struct bpf_object *obj);

/* Drains rb until a caught signal; false (and a message naming `who`) when draining fails. */
bool ring_drain_until_stopped(struct ring_buffer *rb, const char *who);

#endif
