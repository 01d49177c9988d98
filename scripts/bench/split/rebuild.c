// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Captured reads and writes -> the exporter's state machine -> requests: see rebuild.h. */
#include "rebuild.h"

#include <string.h>

#include "capture.h"
#include "conn_sim.h"

/* A status line's first bytes, "HTTP/1.1 200" (bpf/status_line.bpf.h). */
#define STATUS_BYTES 12

static struct rebuild_counts counts;
static uint32_t tgid; /* the one process followed */

void rebuild_start(uint32_t process)
{
	memset(&counts, 0, sizeof(counts));
	tgid = process;
	conn_sim_start(NULL);
}

const struct rebuild_counts *rebuild_counts(void)
{
	return &counts;
}

bool rebuild_complete(const struct rebuild_counts *c)
{
	return !c->truncated_reads && !c->unreadable && !c->unseen_segments && !c->other_process;
}

/* The state machine's clock to the record's time: a read's exit, a write's entry. */
static void clock_to(uint64_t ts)
{
	uint64_t now = conn_sim_now();

	if (ts > now)
		conn_sim_advance(ts - now);
	else if (ts < now)
		counts.clock_backwards++;
}

static void take_records(void)
{
	const struct fee_request_record *recs;
	size_t n = conn_sim_take_records(&recs);

	for (size_t i = 0; i < n; i++) {
		if (recs[i].kind != FEE_KIND_FINISHED)
			continue;
		counts.requests++;
		tally_add(&counts.tally, recs[i].line, recs[i].line_len, recs[i].status);
	}
}

static void rebuild_read(const struct split_record *r)
{
	uint64_t delivered = r->seg_len < (uint64_t)r->ret ? r->seg_len : (uint64_t)r->ret;

	if (r->cap_len == 0) {
		counts.unreadable++;
		return;
	}
	if (r->cap_len < delivered)
		counts.truncated_reads++;
	clock_to(r->ts);
	conn_sim_read(r->fd, r->data, r->cap_len);
}

/* As bpf/socket_io.bpf.h's socket_write_exit: a failed write (the client gone) still
 * answered; of a plain buffer `count` bytes were meant to go, of a vector an unknown
 * number, which its first segment's length bounds. */
static void rebuild_write(const struct split_record *r)
{
	uint64_t sent = r->ret > 0 ? (uint64_t)r->ret : r->shape == SPLIT_BUF ? r->seg_len : ~0ULL;
	uint64_t len = r->seg_len < sent ? r->seg_len : sent;

	if (r->cap_len == 0) {
		counts.unreadable++;
		return;
	}
	clock_to(r->ts);
	/* The state machine reads at most a status line's first STATUS_BYTES bytes of a write,
	 * so the shipped bytes stand for the segment when they hold that many or all of it. */
	if (r->cap_len < len && r->cap_len < STATUS_BYTES)
		counts.unreadable++;
	conn_sim_write(r->fd, r->data, r->cap_len < len ? r->cap_len : len);
	if (r->shape != SPLIT_BUF && sent > len && conn_sim_pending(r->fd))
		counts.unseen_segments++;
}

int rebuild_record(void *ctx, void *data, size_t size)
{
	const struct split_record *r = data;

	if (size < sizeof(*r) || size < sizeof(*r) + r->cap_len)
		return -1; /* not our record: stop draining, the run is broken */
	counts.ring_bytes += size + 8;
	if (r->tgid != tgid) {
		if (r->kind == SPLIT_READ || r->kind == SPLIT_WRITE)
			counts.other_process++;
		return 0;
	}
	switch (r->kind) {
	case SPLIT_READ:
		counts.reads++;
		rebuild_read(r);
		break;
	case SPLIT_WRITE:
		counts.writes++;
		rebuild_write(r);
		break;
	case SPLIT_ACCEPT:
	case SPLIT_CLOSE:
		/* A new or closed descriptor: whatever it carried is over
		 * (bpf/socket_syscalls.bpf.h forgets it at accept and close alike). */
		if (r->kind == SPLIT_ACCEPT)
			counts.accepts++;
		else
			counts.closes++;
		conn_sim_close(r->fd);
		break;
	default:
		return -1;
	}
	take_records();
	return 0;
}
