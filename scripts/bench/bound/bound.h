/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the "least exact design" programs (bound.bpf.c, issue 13, docs/kernel-daemon-split.md
 * "The least an exact design pays") and their consumer (consumer.c) share: the ablation's
 * variants. Records are the exporter's own (struct fee_request_record,
 * include/flask_ebpf_exporter.h). Benchmark code, built at run time by
 * scripts/bench/bpf_cost.sh; never part of the exporter.
 */
#ifndef BOUND_H
#define BOUND_H

/* The programs' cfg_variant (consumer --variant): each ablation leaves one step out, so
 * that, attached together with the whole, the step's cost is the difference. Constants at
 * load time: the verifier drops the code a variant leaves dead. BOUND_WHOLE,
 * BOUND_FD_ARRAY and BOUND_LEAN count requests exactly; the others are measured, not
 * checked. */
enum bound_variant {
	BOUND_WHOLE = 0,       /* every step below */
	BOUND_NO_COPY = 1,     /* the read's bytes are not copied into the connection's slot */
	BOUND_NO_STATUS = 2,   /* the write's status bytes are not read (status 0) */
	BOUND_NO_RECORD = 3,   /* no record goes into the ring */
	BOUND_TARGET_ONLY = 4, /* every program stops after the target check (a write's exit:
				* after the thread's state) */
	BOUND_FD_ARRAY = 5,    /* connections in an array indexed by descriptor instead of the
				* exporter's LRU hash: what the cheapest lookup would save (exact
				* for one process with descriptors below BOUND_FD_SLOTS only) */
	BOUND_LEAN = 6,	       /* BOUND_FD_ARRAY, and records written into a per-CPU batch that
				* goes into the ring BOUND_BATCH_BYTES at a time (the consumer
				* takes each CPU's last batch from the map): the cheapest
				* mechanisms known for each step; exact as BOUND_FD_ARRAY */
	BOUND_VARIANTS,
};

/* The length of the request line the records carry: `GET / HTTP/1.1`, the benchmark's
 * request. Where a line ends is found by parsing, which the bound leaves out (see
 * bound.bpf.c); the consumer checks the lines against nginx's access log, so a workload
 * with another line fails the check instead of counting wrong. */
#define BOUND_LINE_LEN 14

/* BOUND_FD_ARRAY, BOUND_LEAN: descriptors with a slot. */
#define BOUND_FD_SLOTS 4096

/* BOUND_LEAN: a batch holds records of BOUND_RECORD_BYTES each (the exporter's 24-byte
 * record head and BOUND_LINE_ROOM line bytes, the smallest size class) back to back. */
#define BOUND_LINE_ROOM 32
#define BOUND_RECORD_BYTES (24 + BOUND_LINE_ROOM)
#define BOUND_BATCH_BYTES 4096

struct bound_batch {
	__u32 used; /* bytes of records in data */
	__u32 _pad;
	char data[BOUND_BATCH_BYTES];
};

#endif
