/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The per-thread side signal for uncaught exceptions (SPEC §3). Flask logs an exception
 * that escaped a view as "... Exception on <path> [<METHOD>]" followed by
 * "Traceback (most recent call last):", from the thread serving the request, before the
 * 500 is sent. So: remember which request each thread is serving (set when the thread
 * reads a complete request head), scan that thread's writes to anything that is not a
 * tracked connection (stderr, a log file, a pipe) for the two markers in order, and flag
 * the request when both have been seen. Only the scanned bytes' match state is kept; no
 * log content leaves the kernel.
 *
 * Every log write a thread makes while it serves a request is scanned (an nginx worker
 * proxying a request writes its access log so, once per request), so the scan skips:
 * outside a marker it looks at eight bytes a step for the marker's first letter
 * (word_scan.bpf.h) and goes byte by byte only from there until the match falls back to
 * nothing. It keeps exactly the byte-at-a-time matcher's state, which
 * tests/unit/bpf/test_exception_log_scan.c checks against one.
 */
#ifndef FEE_EXCEPTION_LOG_BPF_H
#define FEE_EXCEPTION_LOG_BPF_H

#include "conn_table.bpf.h"
#include "env.bpf.h"
#include "flask_ebpf_exporter.h"
#include "word_scan.bpf.h"

/* Bytes of each log write examined; the markers sit at the start of Flask's record. */
#define LOG_SCAN_MAX 1024
/* Log bytes copied from user memory at a time (a power of two): one copy for most lines. */
#define LOG_CHUNK 128
#define EXCEPTION_MARKER "Exception on "
#define TRACEBACK_MARKER "Traceback (most recent call last):"
#define EXCEPTION_MARKER_LEN (sizeof(EXCEPTION_MARKER) - 1)
#define TRACEBACK_MARKER_LEN (sizeof(TRACEBACK_MARKER) - 1)

enum log_stage {
	LOG_WANT_EXCEPTION, /* looking for EXCEPTION_MARKER */
	LOG_WANT_TRACEBACK, /* found it; looking for TRACEBACK_MARKER */
	LOG_FLAGGED,	    /* both seen: the request is flagged */
};

struct thread_request {
	struct conn_key key; /* the connection whose request this thread is serving */
	__u32 stage;	     /* enum log_stage */
	__u16 matched;	     /* bytes of the current marker matched so far */
	__u16 answered;	     /* this thread wrote the request's response */
};

/*
 * Each thread's struct thread_request lives in its per-thread state (thread_state.bpf.h),
 * which the caller has at hand: these functions take it.
 */

/* The thread has read a whole request head on `key`: it serves that request. */
static __always_inline void thread_request_started(struct thread_request *t,
						   const struct conn_key *key)
{
	struct thread_request fresh = { .key = *key };

	*t = fresh;
}

/* The response of the request on `key` went out: if this thread served it, it serves
 * nothing now, so its later writes (an access log line) are not scanned. */
static __always_inline void thread_request_finished(struct thread_request *t,
						    const struct conn_key *key)
{
	if (t->key.fd == key->fd && t->key.tls == key->tls) {
		t->stage = LOG_FLAGGED;
		t->answered = 1;
	}
}

/* Does the thread serve a request it has not answered (a write elsewhere may be its
 * answer on a dup of the socket, or its exception being logged)? */
static __always_inline bool thread_request_unanswered(const struct thread_request *t)
{
	return t->key.tgid && !t->answered;
}

/* Is the thread's request one whose exception is not flagged yet? */
static __always_inline bool thread_request_open(const struct thread_request *t)
{
	return t->stage != LOG_FLAGGED;
}

struct log_scan {
	__u64 chunk[LOG_CHUNK / 8]; /* first: word loads from it are 8-byte aligned */
	const char *ubuf;
	__u32 len;
	__u32 pos; /* the next byte to look at */
	__u32 stage;
	__u32 matched;
};

/* Advances the two-marker match by one byte. Neither marker repeats its first letter, so
 * falling back to "matched the first letter or nothing" on a mismatch is exact. */
static __always_inline void log_scan_byte(struct log_scan *scan, char c)
{
	const char *marker =
		scan->stage == LOG_WANT_EXCEPTION ? EXCEPTION_MARKER : TRACEBACK_MARKER;
	__u32 len = scan->stage == LOG_WANT_EXCEPTION ? EXCEPTION_MARKER_LEN : TRACEBACK_MARKER_LEN;
	__u32 m = scan->matched;

	if (m >= len)
		m = 0;
	if (c == marker[m & 63]) {
		if (++m == len) {
			scan->stage++;
			m = 0;
		}
	} else {
		m = c == marker[0];
	}
	scan->matched = m;
}

/*
 * bpf_loop callback: one step of the scan (chunks are read LOG_CHUNK bytes at a time, as `pos`
 * reaches each). Inside a marker (matched > 0) a step is one byte through
 * log_scan_byte(). Outside one, a byte other than the marker's first letter leaves the
 * match at nothing, so a step jumps over the rest of the word at pos to just past its next
 * first letter (which matches one byte), or to the next word: eight bytes a step. Either
 * way pos lands on every multiple of eight, so on every chunk start.
 */
static long log_scan_step(__u32 idx, void *data)
{
	struct log_scan *scan = data;
	__u32 pos = scan->pos, slot = pos & (LOG_CHUNK - 1), base = pos & ~7U;
	__u64 w, marks;

	if (pos >= scan->len)
		return 1;
	if (slot == 0) {
		__u64 left = (__u64)scan->len - pos;

		if (left > LOG_CHUNK)
			left = LOG_CHUNK;
		barrier_var(left);
		if (bpf_probe_read_user(scan->chunk, left, scan->ubuf + pos))
			return 1;
	}
	w = scan->chunk[slot / 8];
	if (scan->matched) {
		log_scan_byte(scan, (char)(w >> (pos & 7) * 8));
		scan->pos = pos + 1;
		return scan->stage == LOG_FLAGGED;
	}
	marks = word_bytes_equal(w, scan->stage == LOG_WANT_EXCEPTION ? EXCEPTION_MARKER[0]
								      : TRACEBACK_MARKER[0]);
	marks &= ~0ULL << (pos & 7) * 8;
	/* Past the write's end the chunk holds stale bytes. */
	if (scan->len - base < 8)
		marks &= ~0ULL >> (8 - (scan->len - base)) * 8;
	if (!marks) {
		scan->pos = base + 8;
		return 0;
	}
	scan->matched = 1; /* both markers are longer than one byte */
	scan->pos = base + first_marked_byte(marks) + 1;
	return 0;
}

/* The thread serving `t` wrote `len` bytes at ubuf to something that is not a connection. */
static __always_inline void exception_log_written(struct thread_request *t, const char *ubuf,
						  __u64 len)
{
	struct log_scan scan = { .ubuf = ubuf };
	struct conn *conn;

	if (t->stage == LOG_FLAGGED)
		return;
	scan.len = len < LOG_SCAN_MAX ? len : LOG_SCAN_MAX;
	scan.stage = t->stage;
	scan.matched = t->matched;
	bpf_loop(scan.len, log_scan_step, &scan, 0);
	t->stage = scan.stage;
	t->matched = scan.matched;
	if (scan.stage != LOG_FLAGGED)
		return;
	conn = bpf_map_lookup_elem(&conns, &t->key);
	/* The request being served is the oldest one owed. */
	if (conn && conn->pending)
		conn->front.flags |= FEE_REC_EXCEPTION;
}

#endif
