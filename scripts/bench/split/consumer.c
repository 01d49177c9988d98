// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * split_consumer: the "capture, don't parse" prototype (issue 13, docs/kernel-daemon-split.md)
 * watching one nginx worker. Loads and attaches capture.bpf.c, drains its ring as the
 * exporter's daemon drains its own (woken after 64 KiB of records, else every 100 ms),
 * rebuilds the requests from the captured bytes (rebuild.c) and, on SIGTERM, checks them
 * against nginx's access log for the time it was attached: the same count, per request line
 * and status, no record dropped and no byte the state machine needed left unshipped (else
 * an equal count may be luck). Exit status 0 when all holds, 3 when not.
 *   split_consumer [--read-bytes N] [--cut N] [--batch] [--drain-only] ACCESS_LOG
 *                  NGINX_MASTER_PID
 * --read-bytes ships fewer than 256 bytes per read (to see the check fail); --cut stops
 * every program at one step (enum split_cut) and --drain-only drains the records without
 * rebuilding anything, --batch writes records into per-CPU batches (capture.bpf.c's
 * cfg_batch), for the ablation of the kernel's and the consumer's time: none is checked. Prints
 * "attached N programs" once attached. Benchmark code, never part of the exporter.
 */
#include <bpf/libbpf.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access_log.h"
#include "capture.h"
#include "nginx_target.h"
#include "ring_drain.h"
#include "rebuild.h"
#include "split_capture.skel.h"

static uint64_t drained, drained_bytes; /* --drain-only */

/* --drain-only: the records are taken out of the ring, and nothing else. */
static int count_only(void *ctx, void *data, size_t size)
{
	drained++;
	drained_bytes += size + 8;
	return 0;
}

static void print_counts(const struct rebuild_counts *c, __u64 dropped)
{
	printf("split: records: reads %llu, writes %llu, accepts %llu, closes %llu; ring bytes "
	       "%llu (%.0f per rebuilt request)\n",
	       (unsigned long long)c->reads, (unsigned long long)c->writes,
	       (unsigned long long)c->accepts, (unsigned long long)c->closes,
	       (unsigned long long)c->ring_bytes,
	       c->requests ? (double)c->ring_bytes / c->requests : 0.0);
	printf("split: dropped %llu, truncated reads %llu, unreadable %llu, unseen segments %llu, "
	       "other process %llu, clock backwards %llu\n",
	       (unsigned long long)dropped, (unsigned long long)c->truncated_reads,
	       (unsigned long long)c->unreadable, (unsigned long long)c->unseen_segments,
	       (unsigned long long)c->other_process, (unsigned long long)c->clock_backwards);
}

int main(int argc, char **argv)
{
	struct split_capture *skel;
	struct ring_buffer *rb = NULL;
	struct tally logged = { 0 };
	uint64_t unanswered = 0;
	const struct rebuild_counts *c;
	static const struct option options[] = { { "read-bytes", required_argument, NULL, 'r' },
						 { "cut", required_argument, NULL, 'c' },
						 { "drain-only", no_argument, NULL, 'd' },
						 { "batch", no_argument, NULL, 'b' },
						 { 0 } };
	unsigned read_bytes = SPLIT_READ_BYTES_MAX, cut = SPLIT_CUT_NONE;
	bool drain_only = false, batch = false, exact;
	const char *log_path;
	long log_offset;
	int master, worker, opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'r')
			read_bytes = strtoul(optarg, NULL, 10);
		else if (opt == 'c')
			cut = strtoul(optarg, NULL, 10);
		else if (opt == 'd')
			drain_only = true;
		else if (opt == 'b')
			batch = true;
		else
			return 2;
	}
	if (argc - optind != 2 || read_bytes == 0 || read_bytes > SPLIT_READ_BYTES_MAX ||
	    cut > SPLIT_CUT_RECORD) {
		fprintf(stderr,
			"usage: split_consumer [--read-bytes 1..%d] [--cut 0..%d] "
			"[--drain-only] ACCESS_LOG NGINX_MASTER_PID\n",
			SPLIT_READ_BYTES_MAX, SPLIT_CUT_RECORD);
		return 2;
	}
	/* A cut prototype ships too little to rebuild anything from; batches would need a
	 * merge by time across CPUs. */
	if (cut != SPLIT_CUT_NONE || batch)
		drain_only = true;
	log_path = argv[optind];
	master = atoi(argv[optind + 1]);
	ring_drain_catch_signals();

	skel = split_capture__open();
	if (!skel) {
		fprintf(stderr, "split_consumer: cannot open the BPF object\n");
		return 1;
	}
	skel->rodata->cfg_read_bytes = read_bytes;
	skel->rodata->cfg_cut = cut;
	skel->rodata->cfg_batch = batch;
	if (split_capture__load(skel)) {
		fprintf(stderr, "split_consumer: cannot load the BPF object\n");
		goto fail;
	}
	worker = nginx_mark_targets(skel->bss->target_bits, master);
	if (!worker)
		goto fail;
	rebuild_start(worker);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.captures),
			      drain_only ? count_only : rebuild_record, NULL, NULL);
	log_offset = access_log_size(log_path);
	if (!rb || log_offset < 0 || split_capture__attach(skel)) {
		fprintf(stderr,
			"split_consumer: cannot set up the ring, the log or the programs\n");
		goto fail;
	}
	ring_drain_report_attached(skel->obj);

	if (!ring_drain_until_stopped(rb, "split_consumer"))
		goto fail;
	/* Nothing more comes once detached: drain the rest, then compare. */
	split_capture__detach(skel);
	if (ring_buffer__consume(rb) < 0 ||
	    !access_log_tally(log_path, log_offset, &logged, &unanswered))
		goto fail;
	if (drain_only) {
		printf("split: ablation (cut %u%s, drain only): %llu requests logged; ring samples "
		       "drained %llu (%llu ring bytes), dropped %llu; exactness not checked\n",
		       cut, batch ? ", batches" : "", (unsigned long long)logged.total,
		       (unsigned long long)drained, (unsigned long long)drained_bytes,
		       (unsigned long long)skel->bss->dropped);
		ring_buffer__free(rb);
		split_capture__destroy(skel);
		return 0;
	}

	c = rebuild_counts();
	print_counts(c, skel->bss->dropped);
	printf("split: rebuilt %llu requests (status 200: %llu); nginx access log %llu requests "
	       "(status 200: %llu; and %llu its client left before any response, 499, that no "
	       "one can count)\n",
	       (unsigned long long)c->requests, (unsigned long long)tally_status(&c->tally, 200),
	       (unsigned long long)logged.total, (unsigned long long)tally_status(&logged, 200),
	       (unsigned long long)unanswered);
	tally_print(stdout, "split:   rebuilt ", &c->tally);
	tally_print(stdout, "split:   logged  ", &logged);
	/* Exact, and provably so: nothing dropped, nothing the state machine needed unseen. */
	exact = tally_equal(&c->tally, &logged) && skel->bss->dropped == 0 && rebuild_complete(c);
	printf("split exactness: %s\n", exact ? "EXACT" : "MISMATCH");
	ring_buffer__free(rb);
	split_capture__destroy(skel);
	return exact ? 0 : 3;
fail:
	ring_buffer__free(rb);
	split_capture__destroy(skel);
	return 1;
}
