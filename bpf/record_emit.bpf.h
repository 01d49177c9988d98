/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Record emission: one fee_request_record per finished request (and, for in-progress
 * gauges, per started and abandoned one) into the `records` ring buffer, with wakeups
 * batched so the daemon is not woken per request.
 */
#ifndef FEE_RECORD_EMIT_BPF_H
#define FEE_RECORD_EMIT_BPF_H

#include "conn_table.bpf.h"
#include "counters.bpf.h"
#include "env.bpf.h"
#include "flask_ebpf_exporter.h"

/* Emit a FEE_KIND_STARTED record when a request's head is complete (only when the daemon
 * keeps in-progress gauges: otherwise requests cost one record, as always). */
FEE_LOAD_CONFIG __u32 cfg_emit_started = 0;
/* Wake the daemon once this many record bytes wait; below it the daemon polls. */
FEE_LOAD_CONFIG __u64 cfg_wakeup_bytes = 64 * 1024;

/* Finished requests for the daemon. Size set by the daemon before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} records SEC(".maps");

/* A record's footprint in the ring: the record plus the ring's 8-byte header. */
#define RECORD_RING_BYTES (sizeof(struct fee_request_record) + 8)

/*
 * Batch wakeups: the daemon drains on a 100 ms timer and before every scrape, so only the
 * record that makes the waiting data cross cfg_wakeup_bytes wakes it. Waking on every
 * record past the mark would cost the server an irq_work per request until the daemon
 * runs. Call after reserving (the reserved record counts as waiting).
 */
static __always_inline __u64 ringbuf_wakeup_flags(void)
{
	__u64 waiting = bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA);

	return waiting >= cfg_wakeup_bytes && waiting < cfg_wakeup_bytes + RECORD_RING_BYTES
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

/* Sends one record of `kind` for the request in `slot`; false when the ring buffer was full
 * (counted). `status_ts` ends a finished request's duration. */
static __always_inline bool emit_record(const struct conn_key *key, const struct req_slot *slot,
					__u64 status_ts, int status, enum fee_record_kind kind,
					__u16 extra_flags)
{
	struct fee_request_record *rec;
	__u64 line_len;

	rec = bpf_ringbuf_reserve(&records, sizeof(*rec), 0);
	if (!rec) {
		counter_inc(FEE_CNT_RINGBUF_DROPPED);
		return false;
	}
	rec->duration_ns = kind == FEE_KIND_FINISHED && status_ts > slot->head_ts
				   ? status_ts - slot->head_ts
				   : 0;
	rec->tgid = key->tgid;
	rec->status = status;
	rec->kind = kind;
	rec->target = slot->target;
	__builtin_memset(rec->_pad, 0, sizeof(rec->_pad));
	rec->flags = slot->flags | extra_flags;
	if (key->tls)
		rec->flags |= FEE_REC_TLS;
	line_len = slot->line_len < FEE_LINE_MAX ? slot->line_len : FEE_LINE_MAX;
	rec->line_len = line_len;
	/* Only the line leaves the kernel: slot->line may hold header bytes past it. */
	__builtin_memset(rec->line, 0, FEE_LINE_MAX);
	barrier_var(line_len);
	bpf_probe_read_kernel(rec->line, line_len, slot->line);
	bpf_ringbuf_submit(rec, ringbuf_wakeup_flags());
	return true;
}

/* The request's head is complete: tell the daemon, when it keeps in-progress gauges. */
static __always_inline void conn_request_started(const struct conn_key *key, struct req_slot *slot)
{
	if (cfg_emit_started && emit_record(key, slot, 0, 0, FEE_KIND_STARTED, 0))
		slot->flags |= FEE_REC_START_EMITTED;
}

/* A complete request will get no response: undo its in-progress count, if it had one. */
static __always_inline void conn_request_abandoned(const struct conn_key *key,
						   struct req_slot *slot)
{
	if (cfg_emit_started && (slot->flags & FEE_REC_START_EMITTED))
		emit_record(key, slot, 0, 0, FEE_KIND_ABANDONED, 0);
	slot->flags &= ~FEE_REC_START_EMITTED;
}

#endif
