// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one translation unit that compiles the kernel's state machine for userspace. The
 * driving below is bpf/conn_io.bpf.h's (conn_reads_request, conn_read_bytes,
 * conn_write_bytes, conn_forget) without the parts that need a kernel: every descriptor is
 * a socket, and the thread serving a request (for the exception side signal) is the one
 * conn_sim_log_write() names.
 */
#include "bpf_shim.h"

#include "exception_log.bpf.h"
#include "request_head.bpf.h"
#include "status_line.bpf.h"

#include "conn_sim.h"

#include <stdlib.h>

static struct fee_request_record *taken;

void conn_sim_start(const struct conn_sim_options *opts)
{
	const struct conn_sim_options none = { 0 };
	__u32 tgid = CONN_SIM_TGID, target = CONN_SIM_TARGET;

	if (!opts)
		opts = &none;
	shim_reset();
	cfg_keep_query = opts->keep_query;
	cfg_emit_started = opts->emit_started;
	cfg_wakeup_bytes = opts->wakeup_bytes ? opts->wakeup_bytes : 64 * 1024;
	if (opts->ring_capacity)
		shim_ringbuf_set_capacity(opts->ring_capacity);
	shim_now_ns = 1000000000ULL;
	shim_pid_tgid = (__u64)CONN_SIM_TGID << 32 | CONN_SIM_TGID;
	bpf_map_update_elem(&targets, &tgid, &target, BPF_ANY);
	memset(target_bits, 0, sizeof(target_bits));
	*target_bits_word(tgid) |= target_bit(tgid);
	free(taken);
	taken = NULL;
}

void conn_sim_advance(__u64 ns)
{
	shim_now_ns += ns;
}

__u64 conn_sim_now(void)
{
	return shim_now_ns;
}

static struct conn_key key_of(__u32 fd)
{
	struct conn_key key = { .tgid = CONN_SIM_TGID, .fd = fd };

	return key;
}

/* conn_io.bpf.h's conn_reads_request and conn_read_bytes. */
static unsigned read_bytes(const struct conn_key *key, const char *buf, __u32 len)
{
	struct conn *conn = bpf_map_lookup_elem(&conns, key);

	if ((conn && !conn_reads_matter(conn)) || len == 0)
		return 0;
	if (!conn) {
		if (!looks_like_request_start(buf, len))
			return 0;
		conn = conn_create(key);
		if (!conn)
			return 0;
	}
	return conn_feed_request(key, conn, buf, len, bpf_ktime_get_ns());
}

unsigned conn_sim_read(__u32 fd, const void *buf, size_t len)
{
	struct conn_key key = key_of(fd);
	unsigned heads;

	shim_user_region(buf, len);
	heads = read_bytes(&key, buf, len);
	shim_user_region(NULL, 0);
	return heads;
}

bool conn_sim_write(__u32 fd, const void *buf, size_t len)
{
	struct conn_key key = key_of(fd);
	struct conn *conn = bpf_map_lookup_elem(&conns, &key);
	bool finished;

	if (!conn || !conn_owes_response(conn))
		return false;
	shim_user_region(buf, len);
	finished = conn_feed_response(&key, conn, buf, len, bpf_ktime_get_ns());
	shim_user_region(NULL, 0);
	return finished;
}

const unsigned conn_sim_log_chunk = LOG_CHUNK;

void conn_sim_log_write(__u32 fd, struct conn_sim_log *log, const void *buf, size_t len)
{
	struct thread_request served = { .key = key_of(fd),
					 .stage = log->stage,
					 .matched = log->matched };

	/* socket_write_exit() scans only writes that moved bytes. */
	if (len == 0)
		return;
	shim_user_region(buf, len);
	exception_log_written(&served, buf, len);
	shim_user_region(NULL, 0);
	log->stage = served.stage;
	log->matched = served.matched;
}

void conn_sim_close(__u32 fd)
{
	struct conn_key key = key_of(fd);
	struct conn *conn = bpf_map_lookup_elem(&conns, &key);

	if (!conn)
		return;
	conn_release(&key, conn);
	bpf_map_delete_elem(&conns, &key);
}

/* A descriptor no other call of a test uses: the fast-path calls below make and drop it. */
#define FD_FAST_PATH 0x7fffffff

/* A new connection on it, its first request started. */
static struct conn *fast_path_conn(struct conn_key *key)
{
	struct conn *conn;

	*key = key_of(FD_FAST_PATH);
	conn = conn_create(key);
	if (!conn)
		abort();
	parse_start(conn, &conn->front);
	return conn;
}

__u32 conn_sim_request_line(const void *buf, size_t len, char *line, __u32 *copied, __u32 *recent)
{
	struct conn_key key;
	struct conn *conn = fast_path_conn(&key);
	__u32 start;

	shim_user_region(buf, len);
	*copied = request_bytes_copy(&conn->front, buf, len);
	shim_user_region(NULL, 0);
	start = request_line_fast(conn, &conn->front, *copied);
	memcpy(line, conn->front.line, FEE_LINE_MAX);
	*recent = conn->recent;
	conn_sim_close(FD_FAST_PATH);
	return start;
}

__u32 conn_sim_head_rest(const char *line, __u32 copied, __u32 start, __u32 *recent, __u8 *hdr,
			 unsigned *pending)
{
	struct conn_key key;
	struct conn *conn = fast_path_conn(&key);
	__u32 answer;

	conn->parse = PARSE_HEADERS;
	conn->hdr = HDR_LINE_START;
	conn->recent = *recent;
	memcpy(conn->front.line, line, FEE_LINE_MAX);
	answer = head_rest_fast(&key, conn, &conn->front, start, copied);
	*recent = conn->recent;
	*hdr = conn->hdr;
	*pending = conn->pending;
	conn_sim_close(FD_FAST_PATH);
	return answer;
}

unsigned conn_sim_pending(__u32 fd)
{
	struct conn_key key = key_of(fd);
	struct conn *conn = bpf_map_lookup_elem(&conns, &key);

	return conn ? conn->pending : 0;
}

size_t conn_sim_take_records(const struct fee_request_record **out)
{
	const void *const *recs;
	const __u64 *sizes;
	size_t n = shim_records(&recs, &sizes);

	free(taken);
	taken = calloc(n ? n : 1, sizeof(*taken));
	if (!taken)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (sizes[i] > sizeof(*taken) ||
		    sizes[i] < offsetof(struct fee_request_record, line))
			abort();
		memcpy(&taken[i], recs[i], sizes[i]);
	}
	shim_records_clear();
	*out = taken;
	return n;
}

__u64 conn_sim_counter(enum fee_counter which)
{
	__u32 key = which;
	__u64 *slot = bpf_map_lookup_elem(&counters, &key);

	return slot ? *slot : 0;
}

unsigned conn_sim_wakeups(void)
{
	return shim_ringbuf_wakeups();
}
