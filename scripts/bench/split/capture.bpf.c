// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * "Capture, don't parse" (issue 13, docs/kernel-daemon-split.md): the least any exact design
 * has to do in the kernel per socket call of a target, on the exporter's syscall tracepoints,
 * with all HTTP parsing left to the daemon (consumer.c). Per call of a target:
 *   read exit    the clock, the call's arguments from the saved user registers, and one
 *                record with the first min(ret, 256) bytes, copied by one
 *                bpf_probe_read_user straight into the reserved record;
 *   write entry  the clock into the thread's task-local stash (when the response started);
 *   write exit   one record with the first SPLIT_WRITE_BYTES bytes of the first segment;
 *   accept exit, close entry: one small record (the descriptor's stream starts over).
 * Any other process returns after the target bitmap check, as the exporter's programs do.
 * Records go out without a wakeup but for the one that crosses cfg_wakeup_bytes waiting
 * (bpf/record_emit.bpf.h batches the same way). Benchmark code, never in the exporter.
 */
#include "syscall_regs.bpf.h"
#include "targets.bpf.h"
#include "thread_stash.bpf.h"

#include "capture.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SPLIT_MSG_PEEK 2 /* MSG_PEEK: the bytes will be read again */
#define SPLIT_EINTR 4
#define SPLIT_EAGAIN 11

/* Wake the consumer once this many bytes wait; below it the consumer polls every 100 ms. */
const volatile __u64 cfg_wakeup_bytes = 64 * 1024;

/* Request bytes shipped per read at most (<= SPLIT_READ_BYTES_MAX): set lower only to show
 * that the consumer's exactness check fails when the capture is too short. */
const volatile __u32 cfg_read_bytes = SPLIT_READ_BYTES_MAX;

/* enum split_cut: SPLIT_CUT_NONE but in the ablation. */
const volatile __u32 cfg_cut = SPLIT_CUT_NONE;

/* Records for the consumer; its size is set by the consumer before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} captures SEC(".maps");

/* Records the ring had no room for: each one makes the rebuilt requests inexact. */
__u64 dropped = 0;

/*
 * cfg_batch (the ablation's `split:batch`): records are written into a per-CPU buffer
 * instead of being reserved in the ring one by one, and the buffer goes into the ring in
 * one bpf_ringbuf_output() once it cannot take another record. Only for the cost: the
 * consumer drains such runs without rebuilding (records of one thread are spread over
 * CPUs' batches and would need a merge by time, and a batch is not flushed while its CPU
 * stays idle), so they are not checked.
 */
const volatile bool cfg_batch = false;

#define BATCH_BYTES 4096
#define RECORD_MAX (sizeof(struct split_record) + SPLIT_READ_BYTES_MAX)

struct batch {
	__u32 used;
	__u32 _pad;
	char data[BATCH_BYTES + RECORD_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct batch);
} batches SEC(".maps");

/* A write in flight: its entry time and arguments, from entry to exit. */
struct write_call {
	__u64 ts;
	__u64 ptr; /* buffer, iovec array or msghdr, per shape */
	__u32 fd;
	__u32 count; /* bytes for SPLIT_BUF */
	__u8 shape;
	__u8 pending;
};

THREAD_STASH(struct write_call) write_calls SEC(".maps");

/* As bpf/record_emit.bpf.h's ringbuf_wakeup_flags: only the record that makes the waiting
 * bytes cross the mark wakes the consumer (the ring adds 8 bytes of header per record). */
static __always_inline __u64 wakeup_flags(__u64 record_bytes)
{
	__u64 waiting = bpf_ringbuf_query(&captures, BPF_RB_AVAIL_DATA);

	return waiting >= cfg_wakeup_bytes && waiting < cfg_wakeup_bytes + record_bytes + 8
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

/* The first iovec of a vector call: its base and length. */
static __always_inline bool first_segment(const struct iovec *iov, __u64 iovcnt, __u64 *base,
					  __u32 *len)
{
	struct iovec v;

	if (iovcnt == 0 || bpf_probe_read_user(&v, sizeof(v), iov))
		return false;
	*base = (__u64)v.iov_base;
	*len = v.iov_len > 0xffffffffULL ? 0xffffffffU : v.iov_len;
	return true;
}

/* (shape, ptr, count) -> the first contiguous piece of user memory of the call. A msghdr
 * costs one user read more than an iovec array, a plain buffer none. */
static __always_inline bool call_segment(__u8 shape, __u64 ptr, __u64 count, __u64 *base,
					 __u32 *len)
{
	struct user_msghdr msg;

	if (shape == SPLIT_BUF) {
		*base = ptr;
		*len = count > 0xffffffffULL ? 0xffffffffU : count;
		return true;
	}
	if (shape == SPLIT_IOV)
		return first_segment((const struct iovec *)ptr, count, base, len);
	if (bpf_probe_read_user(&msg, sizeof(msg), (void *)ptr))
		return false;
	return first_segment(msg.msg_iov, msg.msg_iovlen, base, len);
}

/* Room for a record of `size` bytes (a constant): reserved in the ring, or the current
 * CPU's batch (*b set); NULL, and counted, when there is none. */
static __always_inline struct split_record *record_begin(__u32 size, struct batch **b)
{
	struct split_record *r;
	__u32 zero = 0;

	if (cfg_batch) {
		*b = bpf_map_lookup_elem(&batches, &zero);
		if (!*b)
			return NULL;
		return (struct split_record *)((*b)->data + ((*b)->used & (BATCH_BYTES - 1)));
	}
	r = bpf_ringbuf_reserve(&captures, size, 0);
	if (!r)
		__sync_fetch_and_add(&dropped, 1);
	return r;
}

/* The record from record_begin() is complete: submitted, or kept in the batch, which
 * goes into the ring once another record might not fit. */
static __always_inline void record_end(struct split_record *r, __u32 size, struct batch *b)
{
	__u64 used;

	if (!cfg_batch) {
		bpf_ringbuf_submit(r, wakeup_flags(size));
		return;
	}
	used = (b->used & (BATCH_BYTES - 1)) + size;
	b->used = used;
	if (used <= BATCH_BYTES - RECORD_MAX)
		return;
	if (used > sizeof(b->data))
		used = sizeof(b->data);
	if (bpf_ringbuf_output(&captures, b->data, used, wakeup_flags(used)))
		__sync_fetch_and_add(&dropped, 1);
	b->used = 0;
}

static __always_inline void record_head(struct split_record *r, __u8 kind, __u64 ts, long ret,
					__u32 fd, __u32 seg_len, __u8 shape)
{
	r->ts = ts;
	r->ret = ret;
	r->fd = fd;
	r->tgid = bpf_get_current_pid_tgid() >> 32;
	r->seg_len = seg_len;
	r->kind = kind;
	r->shape = shape;
}

/* A read's record with room for `room` bytes (a constant: a reservation's size must be
 * one), the first `n` of the segment at base copied into it. */
static __always_inline void emit_read_sized(__u64 ts, long ret, __u32 fd, __u8 shape, __u64 base,
					    __u32 seg_len, __u32 n, const __u32 room)
{
	struct batch *b = NULL;
	struct split_record *r = record_begin(sizeof(*r) + room, &b);
	__u64 len;

	if (!r)
		return;
	record_head(r, SPLIT_READ, ts, ret, fd, seg_len, shape);
	/* The caller picked room for n; the barrier keeps the compiler from dropping this
	 * bound, which the verifier needs to see on the register it checks. */
	len = n;
	barrier_var(len);
	if (len > room)
		len = room;
	if (cfg_cut == SPLIT_CUT_RECORD || bpf_probe_read_user(r->data, len, (const void *)base))
		len = 0;
	r->cap_len = len;
	record_end(r, sizeof(*r) + room, b);
}

/* Read-like syscall `shape` returned ret: its arguments are in the saved user registers
 * (bpf/syscall_regs.bpf.h); flags_arg is which argument holds the flags (-1: none). */
static __always_inline void read_exit(long ret, __u8 shape, int flags_arg)
{
	struct syscall_frame f;
	struct pt_regs *regs;
	__u64 base, ts;
	__u32 seg_len, n;

	if (!current_is_target() || ret <= 0 || cfg_cut == SPLIT_CUT_TARGET)
		return;
	ts = bpf_ktime_get_ns();
	if (cfg_cut == SPLIT_CUT_CLOCK)
		return;
	regs = current_syscall_regs();
	if (!regs || !syscall_frame_read(regs, &f))
		return;
	if ((flags_arg == 2 && (f.a2 & SPLIT_MSG_PEEK)) ||
	    (flags_arg == 3 && (f.a3 & SPLIT_MSG_PEEK)))
		return;
	if (!call_segment(shape, f.a1, f.a2, &base, &seg_len) || cfg_cut == SPLIT_CUT_ARGS)
		return;
	n = seg_len < ret ? seg_len : ret;
	if (n > cfg_read_bytes)
		n = cfg_read_bytes;
	if (n <= 32)
		emit_read_sized(ts, ret, f.a0, shape, base, seg_len, n, 32);
	else if (n <= 64)
		emit_read_sized(ts, ret, f.a0, shape, base, seg_len, n, 64);
	else if (n <= 128)
		emit_read_sized(ts, ret, f.a0, shape, base, seg_len, n, 128);
	else
		emit_read_sized(ts, ret, f.a0, shape, base, seg_len, n, SPLIT_READ_BYTES_MAX);
}

static __always_inline void write_enter(__u64 fd, __u64 ptr, __u64 count, __u8 shape)
{
	struct write_call *w;

	if (!current_is_target() || cfg_cut == SPLIT_CUT_TARGET)
		return;
	w = thread_stash_get(&write_calls);
	if (!w)
		return;
	w->ts = bpf_ktime_get_ns();
	w->ptr = ptr;
	w->fd = fd;
	w->count = count;
	w->shape = shape;
	w->pending = 1;
}

/* A write returned ret: one record, unless nothing went out and the server will try again. */
static __always_inline void write_exit(long ret)
{
	struct batch *b = NULL;
	struct split_record *r;
	struct write_call *w;
	__u32 seg_len = 0;
	__u64 base = 0, n;

	if (!current_is_target() || cfg_cut == SPLIT_CUT_TARGET)
		return;
	w = thread_stash_find(&write_calls);
	if (!w || !w->pending)
		return;
	w->pending = 0;
	if (ret == -SPLIT_EAGAIN || ret == -SPLIT_EINTR || ret == 0 || cfg_cut == SPLIT_CUT_CLOCK ||
	    cfg_cut == SPLIT_CUT_ARGS)
		return;
	r = record_begin(sizeof(*r) + SPLIT_WRITE_BYTES, &b);
	if (!r)
		return;
	n = 0;
	if (cfg_cut != SPLIT_CUT_RECORD &&
	    call_segment(w->shape, w->ptr, w->count, &base, &seg_len)) {
		n = seg_len;
		if (ret > 0 && n > ret)
			n = ret;
		barrier_var(n);
		if (n > SPLIT_WRITE_BYTES)
			n = SPLIT_WRITE_BYTES;
		if (bpf_probe_read_user(r->data, n, (const void *)base))
			n = 0;
	}
	record_head(r, SPLIT_WRITE, w->ts, ret, w->fd, w->shape == SPLIT_BUF ? w->count : seg_len,
		    w->shape);
	r->cap_len = n;
	record_end(r, sizeof(*r) + SPLIT_WRITE_BYTES, b);
}

/* A descriptor handed out or closed: its byte stream starts over. */
static __always_inline void descriptor_event(__u8 kind, long fd)
{
	struct batch *b = NULL;
	struct split_record *r;

	if (!current_is_target() || fd < 0 ||
	    (cfg_cut != SPLIT_CUT_NONE && cfg_cut < SPLIT_CUT_RECORD))
		return;
	r = record_begin(sizeof(*r), &b);
	if (!r)
		return;
	record_head(r, kind, 0, 0, fd, 0, 0);
	r->cap_len = 0;
	record_end(r, sizeof(*r), b);
}

#define READ_EXIT(name, shape, flags_arg)                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                 \
	int split_exit_##name(struct trace_event_raw_sys_exit *ctx)                                \
	{                                                                                          \
		read_exit(ctx->ret, shape, flags_arg);                                             \
		return 0;                                                                          \
	}

#define WRITE(name, shape)                                                                         \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                                \
	int split_enter_##name(struct trace_event_raw_sys_enter *ctx)                              \
	{                                                                                          \
		write_enter(ctx->args[0], ctx->args[1], ctx->args[2], shape);                      \
		return 0;                                                                          \
	}                                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                 \
	int split_exit_##name(struct trace_event_raw_sys_exit *ctx)                                \
	{                                                                                          \
		write_exit(ctx->ret);                                                              \
		return 0;                                                                          \
	}

#define ACCEPT_EXIT(name)                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                 \
	int split_exit_##name(struct trace_event_raw_sys_exit *ctx)                                \
	{                                                                                          \
		descriptor_event(SPLIT_ACCEPT, ctx->ret);                                          \
		return 0;                                                                          \
	}

/* The exporter's syscalls (include/socket_syscalls.h, bpf/socket_syscalls.bpf.h): read,
 * readv, recvfrom (flags: the fourth argument), recvmsg (flags: the third). */
READ_EXIT(read, SPLIT_BUF, -1)
READ_EXIT(readv, SPLIT_IOV, -1)
READ_EXIT(recvfrom, SPLIT_BUF, 3)
READ_EXIT(recvmsg, SPLIT_MSG, 2)
WRITE(write, SPLIT_BUF)
WRITE(writev, SPLIT_IOV)
WRITE(sendto, SPLIT_BUF)
WRITE(sendmsg, SPLIT_MSG)
ACCEPT_EXIT(accept)
ACCEPT_EXIT(accept4)

SEC("tracepoint/syscalls/sys_enter_close")
int split_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	descriptor_event(SPLIT_CLOSE, ctx->args[0]);
	return 0;
}
