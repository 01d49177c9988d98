/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The benchmarks' nginx as a target of benchmark-only programs (split/, bound/): its one
 * worker, and the exporter's target bitmap (bpf/targets.bpf.h's target_bits, the
 * skeleton's .bss) marking a process as watched.
 */
#ifndef BENCH_NGINX_TARGET_H
#define BENCH_NGINX_TARGET_H

#include <linux/types.h>

/* The one worker of an nginx master (the benchmark's nginx has worker_processes 1); 0, and
 * a message, when it has not exactly one. */
int nginx_only_worker(int master);

/* Marks tgid as a target in `bits`, the programs' target_bits. */
void target_bits_add(__u64 *bits, __u32 tgid);

#endif
