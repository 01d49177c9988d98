// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The least an exact design pays (issue 13, docs/kernel-daemon-split.md): per nginx request,
 * on the syscall tracepoints this kernel offers, only the work that any design counting
 * every request exactly and keeping request bytes in the kernel (SPEC §6) cannot avoid,
 * with no HTTP parsing at all. Benchmark code, never in the exporter; it uses the
 * exporter's own headers (target bitmap, thread state, saved registers, connection table,
 * record emission, the write entry), read-only, and adds the glue below.
 *
 * Why each step is needed, i.e. which question of the design it answers:
 *
 * read exit (read, readv, recvfrom, recvmsg)
 *   target check     every process's reads pass here: is this one watched? (the bitmap,
 *                    one load; any other process stops at once)
 *   thread state     which thread serves the request, so that its next write is known to
 *                    possibly answer it (write entry below) without a socket test
 *   saved registers  which descriptor and buffer: the exit's tracepoint has only the
 *                    return value, and the registers spare an entry program and a stash
 *   iovec read       (readv, recvmsg only) where the bytes are
 *   connection       whose request this is: a response is paired with the request on the
 *                    same connection, across calls (keep-alive); made on the first read of
 *                    a socket (the socket test is per connection, not per request)
 *   clock            when the request arrived: its duration starts there (SPEC §3)
 *   one user copy    the request line (method and path) is in user memory only now (the
 *                    server reuses its buffer) and, SPEC §6, stays in the kernel until its
 *                    response: the read's first min(ret, 256) bytes into the connection's
 *                    slot, where a parser would take the line from
 *   request owed     the response write must know that a request waits for it
 * write entry (write, writev, sendto, sendmsg): the exporter's own socket_write_enter()
 *   target check, thread state, and only when the write can matter (write_may_matter():
 *   the thread serves an unanswered request, or the descriptor is a socket) the clock
 *   (the response starts to leave now: its duration ends here) and the stash (the exit's
 *   tracepoint has only the return value). nginx's access-log line after the response
 *   costs the socket test and no more, as on main.
 * write exit
 *   stash            the entry's time and arguments; a write that moved nothing and will
 *                    be retried (EAGAIN, EINTR, 0) answers nothing yet
 *   connection       does this descriptor owe a response?
 *   iovec read       (writev, sendmsg only) where the response's first bytes are
 *   status bytes     the status code is in user memory: one read of the first 12 bytes
 *   one record       the request's line, status and duration leave the kernel once, into
 *                    the ring, with wakeups batched (bpf/record_emit.bpf.h's emit_record)
 * accept exit, close entry: the descriptor's stream starts over (a target check and one
 *   delete), so a new connection on a reused number owes nothing.
 *
 * Left out, as parsing (what the budget that remains must pay for): where the request line
 * ends and its query string (the records carry BOUND_LINE_LEN bytes, the benchmark's line,
 * which the consumer checks against nginx's access log), whether the bytes start a request,
 * the header scan (head end, Content-Length, Transfer-Encoding), the status line's checks
 * and its split across writes, interim 1xx responses, pipelined requests, the exception
 * log, dup'ed sockets, TLS. So this counts exactly the benchmark's workload (GET, one
 * request per read, one response per write), not every workload.
 */
#include "conn_table.bpf.h"
#include "record_emit.bpf.h"
#include "socket_fd.bpf.h"
#include "socket_io.bpf.h"
#include "socket_syscalls.bpf.h"
#include "syscall_regs.bpf.h"
#include "targets.bpf.h"
#include "thread_state.bpf.h"

#include "bound.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* enum bound_variant: BOUND_WHOLE but in the ablation. */
const volatile __u32 cfg_variant = BOUND_WHOLE;

/* Bytes of a status line up to its code: "HTTP/1.1 200". */
#define STATUS_BYTES 12

/* BOUND_FD_ARRAY: a connection per descriptor of one process (its tgid in the slot). */
struct fd_conn {
	__u32 tgid;
	__u32 _pad;
	struct conn conn;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BOUND_FD_SLOTS);
	__type(key, __u32);
	__type(value, struct fd_conn);
} fd_conns SEC(".maps");

static __always_inline bool uses_fd_array(void)
{
	return cfg_variant == BOUND_FD_ARRAY || cfg_variant == BOUND_LEAN;
}

/* key's connection, NULL when it has none; with `create`, made for a socket that has none. */
static __always_inline struct conn *conn_find(const struct conn_key *key, bool create)
{
	struct fd_conn *slot;
	struct conn *conn;
	__u32 fd = key->fd;

	if (!uses_fd_array()) {
		conn = bpf_map_lookup_elem(&conns, key);
		if (conn || !create || !fd_is_socket_learn(key->fd))
			return conn;
		return conn_create(key);
	}
	slot = fd < BOUND_FD_SLOTS ? bpf_map_lookup_elem(&fd_conns, &fd) : NULL;
	if (!slot)
		return NULL;
	if (slot->tgid == key->tgid)
		return &slot->conn;
	if (!create || !fd_is_socket_learn(key->fd))
		return NULL;
	slot->tgid = key->tgid;
	slot->conn.pending = 0;
	return &slot->conn;
}

/* key's descriptor carries no connection now. */
static __always_inline void conn_drop(const struct conn_key *key)
{
	struct fd_conn *slot;
	__u32 fd = key->fd;

	if (!uses_fd_array()) {
		bpf_map_delete_elem(&conns, key);
		return;
	}
	slot = fd < BOUND_FD_SLOTS ? bpf_map_lookup_elem(&fd_conns, &fd) : NULL;
	if (slot && slot->tgid == key->tgid)
		slot->tgid = 0;
}

/* The first piece of user memory of a call of `shape` (ptr, count as the call passed
 * them), at most `max` bytes of it: one more user read for an iovec array, two for a
 * msghdr. */
static __always_inline bool first_segment(const struct io_args *args, __u64 max,
					  struct segment *seg)
{
	const struct iovec *iov;
	__u32 iovcnt;

	if (args->shape == IO_BUF) {
		seg->ptr = (const char *)args->ptr;
		seg->len = args->count;
	} else if (!vector_of(args->shape, args->ptr, args->count, &iov, &iovcnt) ||
		   !iov_segment(iov, iovcnt, 0, seg)) {
		return false;
	}
	if (seg->len > max)
		seg->len = max;
	return true;
}

/* A target's read on key's descriptor delivered `ret` bytes (args: its arguments); t is
 * the reading thread's state. */
static __always_inline void bound_read(struct thread_state *t, const struct conn_key *key,
				       const struct io_args *args, long ret)
{
	struct segment seg;
	struct conn *conn;
	__u64 now, len;

	conn = conn_find(key, true);
	if (!conn || !first_segment(args, ret, &seg))
		return;
	now = bpf_ktime_get_ns();
	len = seg.len;
	barrier_var(len);
	if (len > FEE_LINE_MAX)
		len = FEE_LINE_MAX;
	if (cfg_variant != BOUND_NO_COPY && bpf_probe_read_user(conn->front.line, len, seg.ptr))
		return;
	conn->front.head_ts = now;
	conn->front.line_len = len < BOUND_LINE_LEN ? len : BOUND_LINE_LEN;
	conn->front.target = conn->target;
	conn->pending = 1;
	thread_request_started(&t->served, key);
}

/* The exit of read-like syscall `name`: its arguments from the saved user registers
 * (FEE_READ_ARGS_* of bpf/socket_syscalls.bpf.h say where each sits). MSG_PEEK bytes will
 * be read again. */
#define BOUND_READ_EXIT(name)                                                                      \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                 \
	int bound_exit_##name(struct trace_event_raw_sys_exit *ctx)                                \
	{                                                                                          \
		struct io_args args = {};                                                          \
		struct conn_key key = {};                                                          \
		struct syscall_frame f;                                                            \
		struct thread_state *t;                                                            \
		struct pt_regs *regs;                                                              \
		long ret = ctx->ret;                                                               \
		__u64 flags;                                                                       \
                                                                                                   \
		if (!current_is_target() || ret <= 0 || cfg_variant == BOUND_TARGET_ONLY)          \
			return 0;                                                                  \
		t = thread_state_get();                                                            \
		regs = current_syscall_regs();                                                     \
		if (!t || !regs || !syscall_frame_read(regs, &f))                                  \
			return 0;                                                                  \
		read_args_set(&args, &flags, FEE_READ_ARGS_##name(f.a0, f.a1, f.a2, f.a3));        \
		if (flags & FEE_MSG_PEEK)                                                          \
			return 0;                                                                  \
		key.tgid = bpf_get_current_pid_tgid() >> 32;                                       \
		key.fd = args.fd;                                                                  \
		bound_read(t, &key, &args, ret);                                                   \
		return 0;                                                                          \
	}

/* BOUND_LEAN: each CPU's batch of records. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bound_batch);
} batches SEC(".maps");

_Static_assert(BOUND_RECORD_BYTES == FEE_RECORD_HEAD_BYTES + BOUND_LINE_ROOM,
	       "BOUND_RECORD_BYTES: the exporter's record head and the line room");

/* BOUND_LEAN's emit_record(): the same record (its line in BOUND_LINE_ROOM bytes) written
 * into the current CPU's batch, which goes into the ring in one bpf_ringbuf_output() once
 * another record would not fit: no reservation, submit or wakeup query per record. */
static __always_inline void batch_record(const struct conn_key *key, const struct req_slot *slot,
					 __u64 status_ts, int status)
{
	struct fee_request_record *rec;
	struct bound_batch *b;
	__u32 zero = 0, off;
	__u64 line_len;

	b = bpf_map_lookup_elem(&batches, &zero);
	if (!b)
		return;
	off = b->used;
	if (off > BOUND_BATCH_BYTES - BOUND_RECORD_BYTES)
		off = 0;
	rec = (struct fee_request_record *)(b->data + off);
	rec->duration_ns = status_ts > slot->head_ts ? status_ts - slot->head_ts : 0;
	rec->tgid = key->tgid;
	rec->status = status;
	rec->kind = FEE_KIND_FINISHED;
	rec->target = slot->target;
	__builtin_memset(rec->_pad, 0, sizeof(rec->_pad));
	rec->flags = slot->flags;
	line_len = slot->line_len < BOUND_LINE_ROOM ? slot->line_len : BOUND_LINE_ROOM;
	rec->line_len = line_len;
	__builtin_memset(rec->line, 0, BOUND_LINE_ROOM);
	barrier_var(line_len);
	bpf_probe_read_kernel(rec->line, line_len, slot->line);
	off += BOUND_RECORD_BYTES;
	if (off + BOUND_RECORD_BYTES <= BOUND_BATCH_BYTES) {
		b->used = off;
		return;
	}
	if (bpf_ringbuf_output(&records, b->data, off, ringbuf_wakeup_flags(off)))
		counter_inc(FEE_CNT_RINGBUF_DROPPED);
	b->used = 0;
}

/* A stashed write returned `ret`: the response to key's request, if its connection owes
 * one. */
static __always_inline void bound_write(struct thread_state *t, const struct conn_key *key,
					const struct io_args *args, long ret)
{
	char status[STATUS_BYTES] = {};
	struct segment seg;
	struct conn *conn;
	int code = 0;

	conn = conn_find(key, false);
	if (!conn || !conn->pending)
		return;
	if (cfg_variant != BOUND_NO_STATUS) {
		/* A vector write's size is unknown here: its first segment bounds itself. */
		if (!first_segment(args, ret > 0 ? ret : STATUS_BYTES, &seg) ||
		    seg.len < STATUS_BYTES || bpf_probe_read_user(status, STATUS_BYTES, seg.ptr))
			return;
		/* The code where a status line has it; telling that these bytes are a status
		 * line is parsing, left out. */
		code = (status[9] - '0') * 100 + (status[10] - '0') * 10 + (status[11] - '0');
	}
	if (cfg_variant == BOUND_LEAN)
		batch_record(key, &conn->front, args->ts, code);
	else if (cfg_variant != BOUND_NO_RECORD)
		emit_record(key, &conn->front, args->ts, code, FEE_KIND_FINISHED, 0);
	conn->pending = 0;
	thread_request_finished(&t->served, key);
}

/* The exit of every write: the stash its entry left (socket_write_enter()), if any. */
static __always_inline void bound_write_exit(long ret)
{
	struct conn_key key = {};
	struct thread_state *t;
	struct io_args args;

	if (!current_may_be_target())
		return;
	t = thread_state_find();
	if (!t || !t->io.pending || cfg_variant == BOUND_TARGET_ONLY)
		return;
	args = t->io;
	t->io.pending = 0;
	if (ret == -FEE_EAGAIN || ret == -FEE_EINTR || ret == 0)
		return;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.fd = args.fd;
	bound_write(t, &key, &args, ret);
}

/* BOUND_TARGET_ONLY's write entry: the check, its answer kept from the optimizer. */
static __always_inline void target_check_only(void)
{
	bool yes = current_is_target();

	barrier_var(yes);
}

/* Entry and exit of write-like syscall `name`; the entry is the exporter's own. */
#define BOUND_WRITE(name)                                                                          \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                                \
	int bound_enter_##name(struct trace_event_raw_sys_enter *ctx)                              \
	{                                                                                          \
		if (cfg_variant == BOUND_TARGET_ONLY)                                              \
			target_check_only();                                                       \
		else                                                                               \
			sys_##name##_enter(ctx->args[0], ctx->args[1], ctx->args[2],               \
					   ctx->args[3]);                                          \
		return 0;                                                                          \
	}                                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                 \
	int bound_exit_##name(struct trace_event_raw_sys_exit *ctx)                                \
	{                                                                                          \
		bound_write_exit(ctx->ret);                                                        \
		return 0;                                                                          \
	}

/* A descriptor handed out or closed: whatever it carried is over. */
static __always_inline void bound_forget(long fd)
{
	struct conn_key key = {};

	if (fd < 0 || !current_is_target())
		return;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.fd = fd;
	conn_drop(&key);
}

#define BOUND_ACCEPT_EXIT(name)                                                                    \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                 \
	int bound_exit_##name(struct trace_event_raw_sys_exit *ctx)                                \
	{                                                                                          \
		bound_forget(ctx->ret);                                                            \
		return 0;                                                                          \
	}

/* The exporter's syscalls (include/socket_syscalls.h). */
FEE_SOCKET_READ_SYSCALLS(BOUND_READ_EXIT)
FEE_SOCKET_WRITE_SYSCALLS(BOUND_WRITE)
FEE_SOCKET_ACCEPT_SYSCALLS(BOUND_ACCEPT_EXIT)

SEC("tracepoint/syscalls/sys_enter_close")
int bound_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	bound_forget(ctx->args[0]);
	return 0;
}
