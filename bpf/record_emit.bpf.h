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
	__uint(max_entries, FEE_RING_KB_DEFAULT * 1024);
} records SEC(".maps");

/*
 * Batch wakeups: the daemon drains on a 100 ms timer and before every scrape, so only the
 * record that makes the waiting data cross cfg_wakeup_bytes wakes it. Waking on every
 * record past the mark would cost the server an irq_work per request until the daemon
 * runs. Call after reserving `record_bytes` (the reserved record counts as waiting; the
 * ring adds an 8-byte header to each).
 */
static __always_inline __u64 ringbuf_wakeup_flags(__u64 record_bytes)
{
	__u64 waiting = bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA);

	return waiting >= cfg_wakeup_bytes && waiting < cfg_wakeup_bytes + record_bytes + 8
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

/*
 * The record's line: the slot's first `line_len` bytes, the rest of `room` zeroed (only the
 * request line leaves the kernel: the slot may hold header bytes past it, SPEC §6). Up to
 * 64 bytes eight at a time, from map memory to ring memory (both 8-byte aligned), the last
 * word masked, instead of a memset and a helper call; a longer line as before (unrolled to
 * 256 bytes at every place a record is sent, the copy made the object 400 KiB larger).
 */
static __always_inline void record_line_copy(char *line, const struct req_slot *slot,
					     __u64 line_len, const __u32 room)
{
	int i;

	if (room <= 64) {
#pragma unroll
		for (i = 0; i < room / 8; i++) {
			__u64 w = ((const __u64 *)slot->line)[i];

			if (line_len <= i * 8)
				w = 0;
			else if (line_len < i * 8 + 8)
				w &= (1ULL << ((line_len - i * 8) * 8)) - 1;
			((__u64 *)line)[i] = w;
		}
		return;
	}
	__builtin_memset(line, 0, room);
	barrier_var(line_len);
	bpf_probe_read_kernel(line, line_len, slot->line);
}

/*
 * emit_record() for a line of at most `room` bytes (a constant: a ring reservation's size
 * must be one). The record carries FEE_RECORD_HEAD_BYTES and `room` line bytes, the line's
 * tail zeroed: only the line leaves the kernel (slot->line may hold header bytes past it).
 */
static __always_inline bool emit_record_sized(const struct conn_key *key,
					      const struct req_slot *slot, __u64 status_ts,
					      int status, enum fee_record_kind kind,
					      __u16 extra_flags, const __u32 room)
{
	struct fee_request_record *rec;
	__u64 line_len;

	rec = bpf_ringbuf_reserve(&records, FEE_RECORD_HEAD_BYTES + room, 0);
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
	line_len = slot->line_len < room ? slot->line_len : room;
	rec->line_len = line_len;
	record_line_copy(rec->line, slot, line_len, room);
	bpf_ringbuf_submit(rec, ringbuf_wakeup_flags(FEE_RECORD_HEAD_BYTES + room));
	return true;
}

/* Sends one record of `kind` for the request in `slot`, as small as its line allows; false
 * when the ring buffer was full (counted). `status_ts` ends a finished request's duration. */
static __always_inline bool emit_record(const struct conn_key *key, const struct req_slot *slot,
					__u64 status_ts, int status, enum fee_record_kind kind,
					__u16 extra_flags)
{
	__u32 line_len = slot->line_len;

	if (line_len <= 32)
		return emit_record_sized(key, slot, status_ts, status, kind, extra_flags, 32);
	if (line_len <= 64)
		return emit_record_sized(key, slot, status_ts, status, kind, extra_flags, 64);
	if (line_len <= 128)
		return emit_record_sized(key, slot, status_ts, status, kind, extra_flags, 128);
	return emit_record_sized(key, slot, status_ts, status, kind, extra_flags, FEE_LINE_MAX);
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
