// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bound_consumer: the least exact design's programs (bound.bpf.c, issue 13,
 * docs/kernel-daemon-split.md "The least an exact design pays") watching one nginx worker.
 * Loads and attaches them, drains their ring of the exporter's request records as the
 * exporter's daemon does (woken after 64 KiB of records, else every 100 ms), and on SIGTERM
 * checks the records against nginx's access log for the time it was attached: one record
 * per logged request, per request line and status, and no record lost in the kernel (ring
 * full, connection table full, no thread state). Exit status 0 when all holds, 3 when not.
 *   bound_consumer [--variant N] [--drop-every N] ACCESS_LOG NGINX_MASTER_PID
 * --variant N runs ablation N (enum bound_variant; measured, not checked, but for
 * BOUND_FD_ARRAY and BOUND_LEAN, which count this workload exactly too); --drop-every N
 * ignores every Nth record, to show that the check fails when records go missing. Prints
 * "attached N programs" once attached. Benchmark code, never part of the exporter.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access_log.h"
#include "bound.h"
#include "bound_programs.skel.h"
#include "flask_ebpf_exporter.h"
#include "nginx_target.h"
#include "ring_drain.h"
#include "tally.h"

/* What came out of the ring. */
struct drained {
	struct tally tally;
	uint64_t records, ignored, short_records;
	unsigned drop_every;
	bool batched; /* BOUND_LEAN: a ring sample is a batch of BOUND_RECORD_BYTES records */
};

/* One fee_request_record of `size` bytes, cut to its line's size class. */
static void take_one(struct drained *d, const struct fee_request_record *rec, size_t size)
{

	d->records++;
	if (d->drop_every && d->records % d->drop_every == 0) {
		d->ignored++;
		return;
	}
	if (size < FEE_RECORD_HEAD_BYTES || rec->line_len > size - FEE_RECORD_HEAD_BYTES) {
		d->short_records++;
		return;
	}
	tally_add(&d->tally, rec->line, rec->line_len, rec->status);
}

/* The records of a batch (BOUND_LEAN): `size` bytes of BOUND_RECORD_BYTES each. */
static void take_batch(struct drained *d, const char *data, size_t size)
{
	if (size % BOUND_RECORD_BYTES)
		d->short_records++;
	for (size_t off = 0; off + BOUND_RECORD_BYTES <= size; off += BOUND_RECORD_BYTES)
		take_one(d, (const struct fee_request_record *)(data + off), BOUND_RECORD_BYTES);
}

/* libbpf's ring_buffer_sample_fn: a record, or a batch of them. */
static int take_record(void *ctx, void *data, size_t size)
{
	struct drained *d = ctx;

	if (d->batched)
		take_batch(d, data, size);
	else
		take_one(d, data, size);
	return 0;
}

/* BOUND_LEAN, once detached: the records each CPU's batch still holds. */
static bool take_batch_leftovers(struct bound_programs *skel, struct drained *d)
{
	int cpus = libbpf_num_possible_cpus();
	size_t stride = (sizeof(struct bound_batch) + 7) & ~(size_t)7;
	char *values;
	__u32 zero = 0;

	if (cpus <= 0 || !(values = calloc(cpus, stride)))
		return false;
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.batches), &zero, values)) {
		free(values);
		return false;
	}
	for (int cpu = 0; cpu < cpus; cpu++) {
		const struct bound_batch *b = (const void *)(values + cpu * stride);

		take_batch(d, b->data, b->used < sizeof(b->data) ? b->used : sizeof(b->data));
	}
	free(values);
	return true;
}

/* The kernel side's counters (enum fee_counter), summed over the CPUs. */
static bool read_counters(struct bound_programs *skel, uint64_t sums[FEE_CNT_MAX])
{
	int cpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.counters);
	uint64_t *per_cpu;

	if (cpus <= 0 || !(per_cpu = calloc(cpus, sizeof(*per_cpu))))
		return false;
	for (__u32 key = 0; key < FEE_CNT_MAX; key++) {
		sums[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, per_cpu)) {
			free(per_cpu);
			return false;
		}
		for (int cpu = 0; cpu < cpus; cpu++)
			sums[key] += per_cpu[cpu];
	}
	free(per_cpu);
	return true;
}

/* Compares what was drained with what nginx logged; prints both and the verdict. */
static bool check(const struct drained *d, const struct tally *logged, uint64_t unanswered,
		  const uint64_t counters[FEE_CNT_MAX])
{
	bool exact;

	printf("bound: records %llu (%llu ignored on purpose, %llu malformed); kernel: ring full "
	       "%llu, connection table full %llu, no thread state %llu\n",
	       (unsigned long long)d->records, (unsigned long long)d->ignored,
	       (unsigned long long)d->short_records,
	       (unsigned long long)counters[FEE_CNT_RINGBUF_DROPPED],
	       (unsigned long long)counters[FEE_CNT_CONN_TABLE_FULL],
	       (unsigned long long)counters[FEE_CNT_SYSCALL_STASH_FULL]);
	printf("bound: counted %llu requests (status 200: %llu); nginx access log %llu requests "
	       "(status 200: %llu; and %llu its client left before any response, 499, that no "
	       "one can count)\n",
	       (unsigned long long)d->tally.total, (unsigned long long)tally_status(&d->tally, 200),
	       (unsigned long long)logged->total, (unsigned long long)tally_status(logged, 200),
	       (unsigned long long)unanswered);
	tally_print(stdout, "bound:   counted ", &d->tally);
	tally_print(stdout, "bound:   logged  ", logged);
	exact = tally_equal(&d->tally, logged) && d->short_records == 0 &&
		counters[FEE_CNT_RINGBUF_DROPPED] == 0 && counters[FEE_CNT_CONN_TABLE_FULL] == 0 &&
		counters[FEE_CNT_SYSCALL_STASH_FULL] == 0;
	printf("bound exactness: %s\n", exact ? "EXACT" : "MISMATCH");
	return exact;
}

int main(int argc, char **argv)
{
	static const struct option options[] = { { "variant", required_argument, NULL, 'v' },
						 { "drop-every", required_argument, NULL, 'd' },
						 { 0 } };
	static struct drained drained;
	struct bound_programs *skel;
	struct ring_buffer *rb = NULL;
	struct tally logged = { 0 };
	uint64_t unanswered = 0, counters[FEE_CNT_MAX];
	unsigned variant = BOUND_WHOLE;
	const char *log_path;
	long log_offset;
	int master, worker, opt;
	bool exact;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'v')
			variant = strtoul(optarg, NULL, 10);
		else if (opt == 'd')
			drained.drop_every = strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if (argc - optind != 2 || variant >= BOUND_VARIANTS) {
		fprintf(stderr,
			"usage: bound_consumer [--variant 0..%d] [--drop-every N] "
			"ACCESS_LOG NGINX_MASTER_PID\n",
			BOUND_VARIANTS - 1);
		return 2;
	}
	log_path = argv[optind];
	master = atoi(argv[optind + 1]);
	ring_drain_catch_signals();

	skel = bound_programs__open();
	if (!skel) {
		fprintf(stderr, "bound_consumer: cannot open the BPF object\n");
		return 1;
	}
	skel->rodata->cfg_variant = variant;
	drained.batched = variant == BOUND_LEAN;
	if (bound_programs__load(skel)) {
		fprintf(stderr, "bound_consumer: cannot load the BPF object\n");
		goto fail;
	}
	worker = nginx_mark_targets(skel->bss->target_bits, master);
	if (!worker)
		goto fail;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.records), take_record, &drained, NULL);
	log_offset = access_log_size(log_path);
	if (!rb || log_offset < 0 || bound_programs__attach(skel)) {
		fprintf(stderr,
			"bound_consumer: cannot set up the ring, the log or the programs\n");
		goto fail;
	}
	ring_drain_report_attached(skel->obj);

	if (!ring_drain_until_stopped(rb, "bound_consumer"))
		goto fail;
	/* Nothing more comes once detached: drain the rest, then compare. */
	bound_programs__detach(skel);
	if (ring_buffer__consume(rb) < 0 || !read_counters(skel, counters) ||
	    (drained.batched && !take_batch_leftovers(skel, &drained)) ||
	    !access_log_tally(log_path, log_offset, &logged, &unanswered))
		goto fail;
	if (variant != BOUND_WHOLE && variant != BOUND_FD_ARRAY && variant != BOUND_LEAN) {
		printf("bound: ablation (variant %u): %llu requests logged, %llu records drained; "
		       "exactness not checked\n",
		       variant, (unsigned long long)logged.total,
		       (unsigned long long)drained.records);
		exact = true;
	} else {
		exact = check(&drained, &logged, unanswered, counters);
	}
	ring_buffer__free(rb);
	bound_programs__destroy(skel);
	return exact ? 0 : 3;
fail:
	ring_buffer__free(rb);
	bound_programs__destroy(skel);
	return 1;
}
