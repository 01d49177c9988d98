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

/* Marks nginx's master and its one worker as targets in `bits`, the programs'
 * target_bits, as the exporter watching the master (--pid follows children) would. Returns
 * the worker, or 0 (nothing marked) when the master has not exactly one. */
int nginx_mark_targets(__u64 *bits, int master);

#endif
