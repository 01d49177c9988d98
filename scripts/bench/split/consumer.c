// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * split_consumer: the "capture, don't parse" prototype (issue 13, docs/kernel-daemon-split.md)
 * watching one nginx worker. Loads and attaches capture.bpf.c, drains its ring as the
 * exporter's daemon drains its own (woken after 64 KiB of records, else every 100 ms),
 * rebuilds the requests from the captured bytes (rebuild.c) and, on SIGTERM, checks them
 * against nginx's access log for the time it was attached: the same count, per request line
 * and status. Exit status 0 when they agree, 3 when not.
 *   split_consumer [--read-bytes N] ACCESS_LOG NGINX_MASTER_PID
 * Prints "attached N programs" once attached. Benchmark code, never part of the exporter.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access_log.h"
#include "capture.h"
#include "flask_ebpf_exporter.h"
#include "rebuild.h"
#include "split_capture.skel.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

/* The one worker of an nginx master (the benchmark's nginx has worker_processes 1). */
static int only_child(int master)
{
	char path[64];
	FILE *f;
	int child = 0, more = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", master, master);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%d %d", &child, &more) < 1 || more) {
		fprintf(stderr, "split_consumer: %s: want exactly one worker\n", path);
		child = 0;
	}
	if (f)
		fclose(f);
	return child;
}

static void target_add(struct split_capture *skel, __u32 tgid)
{
	skel->bss->target_bits[(tgid / 64) & (FEE_TARGET_BITS_WORDS - 1)] |= 1ULL << (tgid % 64);
}

static int programs_of(struct split_capture *skel)
{
	struct bpf_program *prog;
	int n = 0;

	bpf_object__for_each_program (prog, skel->obj) {
		n++;
	}
	return n;
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
	const struct rebuild_counts *c;
	unsigned read_bytes = SPLIT_READ_BYTES_MAX;
	const char *log_path;
	long log_offset;
	int master, worker, err;
	bool exact;

	if (argc == 5 && strcmp(argv[1], "--read-bytes") == 0) {
		read_bytes = strtoul(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	if (argc != 3 || read_bytes == 0 || read_bytes > SPLIT_READ_BYTES_MAX) {
		fprintf(stderr,
			"usage: split_consumer [--read-bytes 1..%d] ACCESS_LOG "
			"NGINX_MASTER_PID\n",
			SPLIT_READ_BYTES_MAX);
		return 2;
	}
	log_path = argv[1];
	master = atoi(argv[2]);
	worker = only_child(master);
	if (!worker)
		return 1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	skel = split_capture__open();
	if (!skel) {
		fprintf(stderr, "split_consumer: cannot open the BPF object\n");
		return 1;
	}
	skel->rodata->cfg_read_bytes = read_bytes;
	if (split_capture__load(skel)) {
		fprintf(stderr, "split_consumer: cannot load the BPF object\n");
		goto fail;
	}
	/* The exporter watches the master and its workers (--pid follows children). */
	target_add(skel, master);
	target_add(skel, worker);
	rebuild_start(worker);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.captures), rebuild_record, NULL, NULL);
	log_offset = access_log_size(log_path);
	if (!rb || log_offset < 0 || split_capture__attach(skel)) {
		fprintf(stderr,
			"split_consumer: cannot set up the ring, the log or the programs\n");
		goto fail;
	}
	printf("attached %d programs\n", programs_of(skel));
	fflush(stdout);

	while (!stopping) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "split_consumer: draining the ring: %d\n", err);
			goto fail;
		}
	}
	/* Nothing more comes once detached: drain the rest, then compare. */
	split_capture__detach(skel);
	if (ring_buffer__consume(rb) < 0 || !access_log_tally(log_path, log_offset, &logged))
		goto fail;

	c = rebuild_counts();
	print_counts(c, skel->bss->dropped);
	printf("split: rebuilt %llu requests (status 200: %llu); nginx access log %llu requests "
	       "(status 200: %llu)\n",
	       (unsigned long long)c->requests, (unsigned long long)tally_status(&c->tally, 200),
	       (unsigned long long)logged.total, (unsigned long long)tally_status(&logged, 200));
	tally_print(stdout, "split:   rebuilt ", &c->tally);
	tally_print(stdout, "split:   logged  ", &logged);
	exact = tally_equal(&c->tally, &logged) && skel->bss->dropped == 0;
	printf("split exactness: %s\n", exact ? "EXACT" : "MISMATCH");
	ring_buffer__free(rb);
	split_capture__destroy(skel);
	return exact ? 0 : 3;
fail:
	ring_buffer__free(rb);
	split_capture__destroy(skel);
	return 1;
}
