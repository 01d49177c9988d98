/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The prototype's daemon half: the captured reads and writes (capture.h) fed, in the order
 * the ring delivers them, through the exporter's own request state machine compiled as
 * userspace C (tests/conn_sim over bpf/request_head.bpf.h, bpf/status_line.bpf.h, ...), and
 * the records it emits counted by (request line, status).
 */
#ifndef SPLIT_REBUILD_H
#define SPLIT_REBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tally.h"

struct rebuild_counts {
	uint64_t reads, writes, accepts, closes; /* records, by kind */
	uint64_t ring_bytes;			 /* what they took in the ring, headers included */
	uint64_t requests;			 /* finished requests rebuilt */
	/* Where the captured bytes may not have been enough (each can make the result
	 * inexact; all 0 in an exact run of this workload): */
	uint64_t truncated_reads; /* a read delivered more than was shipped */
	uint64_t unreadable;	  /* user memory the kernel could not read */
	uint64_t unseen_segments; /* a vector write went on past its first segment while the
				   * connection still owed a response */
	uint64_t other_process;	  /* reads and writes of another process */
	uint64_t clock_backwards; /* a record older than the one before it */
	struct tally tally;	  /* the requests rebuilt */
};

/* A fresh state machine for process `tgid` (conn_sim keys connections by descriptor, so
 * one process is followed; the reads and writes of another are counted, not fed). */
void rebuild_start(uint32_t tgid);
/* libbpf's ring_buffer_sample_fn: one split_record. */
int rebuild_record(void *ctx, void *data, size_t size);
const struct rebuild_counts *rebuild_counts(void);
/* Did the state machine get every byte it would have read in the kernel? False when a read
 * was cut short (a longer head, pipelined requests or a body behind the shipped bytes), user
 * memory was unreadable, a vector write's later segments went unseen or another process's
 * calls were left out: the rebuilt requests may then match the truth by luck only. */
bool rebuild_complete(const struct rebuild_counts *c);

#endif
