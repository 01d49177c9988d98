/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel's HTTP state machine (bpf/request_head.bpf.h, bpf/status_line.bpf.h and the
 * connection table, FIFO and record emission beneath them), compiled as ordinary C over
 * bpf_shim.h and driven the way bpf/conn_io.bpf.h drives it: a server process reads
 * request bytes on a socket and writes response bytes, and records come out; the thread
 * serving a request may log an exception (bpf/exception_log.bpf.h).
 */
#ifndef FEE_CONN_SIM_H
#define FEE_CONN_SIM_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "flask_ebpf_exporter.h"

/* The server process the simulation plays, and the target index it belongs to. */
#define CONN_SIM_TGID 4242
#define CONN_SIM_TARGET 3

struct conn_sim_options {
	bool keep_query;     /* cfg_keep_query */
	bool emit_started;   /* cfg_emit_started */
	__u64 wakeup_bytes;  /* cfg_wakeup_bytes; 0: the default */
	__u64 ring_capacity; /* ring-buffer bytes; 0: the default */
};

/* A freshly loaded program (opts NULL: the defaults). The clock starts at 1 s. */
void conn_sim_start(const struct conn_sim_options *opts);
/* Moves the clock on. */
void conn_sim_advance(__u64 ns);
__u64 conn_sim_now(void);

/* The server read `len` bytes on socket fd. Returns the request heads they completed. The
 * state machine may look at these bytes only (anything else aborts). */
unsigned conn_sim_read(__u32 fd, const void *buf, size_t len);
/* The server wrote `len` bytes on socket fd. Returns true when they finished a request.
 * The state machine may look at these bytes only. */
bool conn_sim_write(__u32 fd, const void *buf, size_t len);
/* The server closed fd. */
void conn_sim_close(__u32 fd);

/* Where a thread's exception-log match stands (bpf/exception_log.bpf.h's struct
 * thread_request): stage 0 looks for "Exception on ", 1 for "Traceback (most recent call
 * last):", 2 has seen both; `matched` bytes of the current marker are matched. */
struct conn_sim_log {
	__u32 stage;
	__u16 matched;
};

/* The thread serving the request on socket fd (the oldest one owed, if any) wrote `len`
 * bytes to its log, from and to `log`'s match state (socket_io.bpf.h's
 * exception_log_written() call). The scan may look at these bytes only. */
void conn_sim_log_write(__u32 fd, struct conn_sim_log *log, const void *buf, size_t len);
/* The bytes the scan copies from user memory at a time (exception_log.bpf.h's LOG_CHUNK). */
extern const unsigned conn_sim_log_chunk;

/*
 * The first request of a read on a new connection, as far as the head's fast path takes it
 * (request_head.bpf.h's scan_request_start(): request_bytes_copy(), then
 * request_line_fast()), for the differential test of head_rest_fast(): the bytes it leaves
 * in the slot's line (FEE_LINE_MAX of them, the query string dropped), how many were
 * copied, and the connection's `recent`. Returns where the header lines start in the read,
 * 0 when the byte loop would take the request line instead.
 */
__u32 conn_sim_request_line(const void *buf, size_t len, char *line, __u32 *copied, __u32 *recent);
/*
 * head_rest_fast() on a connection whose request line ended at `start` of the `copied`
 * bytes in `line` (FEE_LINE_MAX bytes, as conn_sim_request_line() leaves them), with
 * `recent` as the connection's. Returns its answer (where the scan goes on, bit 31 when the
 * head ended) and the connection's `recent`, `hdr` and complete heads owed after it.
 */
__u32 conn_sim_head_rest(const char *line, __u32 copied, __u32 start, __u32 *recent, __u8 *hdr,
			 unsigned *pending);

/* Requests fd owes responses to, complete heads only (0 when not tracked). */
unsigned conn_sim_pending(__u32 fd);

/* Records emitted since the last call (copied; valid until the next call). */
size_t conn_sim_take_records(const struct fee_request_record **records);
/* A kernel-side counter since the start. */
__u64 conn_sim_counter(enum fee_counter which);
/* Forced ring-buffer wakeups since the start. */
unsigned conn_sim_wakeups(void);

#endif
