/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ABI between the BPF programs and the daemon: the one fixed-size record the kernel
 * emits per finished HTTP request, the kernel-side counters, and the sizes both sides share.
 * Included by BPF code (after vmlinux.h) and by userspace (after <linux/types.h>), so it
 * uses only fixed-width __u* types: no pointers, no bool.
 */
#ifndef FLASK_EBPF_EXPORTER_H
#define FLASK_EBPF_EXPORTER_H

/*
 * Bytes of the request line kept per request: "METHOD SP target SP HTTP/1.x". The kernel
 * drops the query string (unless the daemon asks for it) so that only the bytes needed for
 * method and path leave the kernel. A power of two: BPF code masks offsets with it.
 */
#define FEE_LINE_MAX 256

/* cgroup v2 directories one exporter can watch at once (--cgroup and Kubernetes
 * containers): the size of the kernel's cgroup_targets map. */
#define FEE_MAX_CGROUP_TARGETS 16384
/* Hierarchy levels a cgroup target may sit at (0, the root, to FEE_CGROUP_LEVELS - 1). */
#define FEE_CGROUP_LEVELS 32

/* The kernel-to-daemon ring buffer's default size in KiB (--ring-buffer-kb). A record is
 * 24 bytes of head and 32 to 256 of request line, plus the ring's 8-byte header: 2 MiB
 * hold 32 000 records of short lines (7 000 of the longest), over half a second of a
 * server at 50 000 requests/s, and the daemon drains it every 100 ms or sooner
 * (scripts/bench/noloss.sh: no drops at full speed). */
#define FEE_RING_KB_DEFAULT 2048

/* Entries of the kernel's target map (tgid -> target index): the processes of --pid, --exe
 * and --port trees one exporter can watch. The daemon lists the map with a buffer this big. */
#define FEE_MAX_TARGET_PROCESSES 65536

/* A tracked connection, the key of the kernel's connection map. The socket hooks key it by
 * (tgid, fd); TLS plaintext from OpenSSL uprobes sets `tls` to the SSL object, so its reads
 * and writes meet in their own entry. The daemon walks the map to forget the connections
 * of exited processes. */
struct conn_key {
	__u32 tgid;
	__u32 fd;
	__u64 tls; /* 0 for plain sockets */
};

/* fee_request_record.flags */
enum fee_record_flag {
	/* The request line did not fit in FEE_LINE_MAX: the path is cut short. */
	FEE_REC_LINE_TRUNCATED = 1 << 0,
	/* The request's head never completed before the response: duration is measured from
	 * the last request byte read (e.g. a 414 sent while the request line was arriving). */
	FEE_REC_HEAD_INCOMPLETE = 1 << 1,
	/* The serving thread logged an uncaught exception while the request was in flight. */
	FEE_REC_EXCEPTION = 1 << 2,
	/* The request came over TLS: its bytes were read from OpenSSL, not the socket. */
	FEE_REC_TLS = 1 << 3,
	/* A FEE_KIND_STARTED record went out for this request (it was not dropped): the
	 * daemon may undo its in-progress count when the request finishes or is abandoned. */
	FEE_REC_START_EMITTED = 1 << 4,
};

/* fee_request_record.kind */
enum fee_record_kind {
	/* The final status line was written: the request is finished and counted. */
	FEE_KIND_FINISHED = 0,
	/* The request head was received (only when the daemon asks, for in-progress gauges);
	 * duration_ns and status are 0. */
	FEE_KIND_STARTED = 1,
	/* A started request will never finish: its connection closed, or the server wrote
	 * something that is no HTTP/1.x response. Only for requests flagged
	 * FEE_REC_START_EMITTED; duration_ns and status are 0. */
	FEE_KIND_ABANDONED = 2,
};

/* One request's record. In the ring buffer it is cut short: FEE_RECORD_HEAD_BYTES, then the
 * line in the smallest of 32, 64, 128 or FEE_LINE_MAX bytes that holds it (zero-padded);
 * the sample's size says which. */
struct fee_request_record {
	__u64 duration_ns; /* head received -> first byte of the final status line */
	__u32 tgid;	   /* process that served it */
	__u16 status;	   /* final status code, 200..999 */
	__u16 flags;	   /* enum fee_record_flag */
	__u16 line_len;	   /* valid bytes in line[] */
	__u16 target;	   /* index of the target (--pid, --cgroup, ...) the process belongs to */
	__u8 kind;	   /* enum fee_record_kind */
	__u8 _pad[3];
	char line[FEE_LINE_MAX]; /* request line, query string removed unless asked for */
};

/* The bytes of a record before its line. */
#define FEE_RECORD_HEAD_BYTES 24
_Static_assert(__builtin_offsetof(struct fee_request_record, line) == FEE_RECORD_HEAD_BYTES,
	       "FEE_RECORD_HEAD_BYTES is where the line starts");

/*
 * The target bitmap (the BPF programs' `target_bits`, in their .bss): bit tgid % 64 of word
 * tgid / 64 is set while tgid is a key of the `targets` map. Every possible tgid has a bit
 * (PID_MAX_LIMIT, 2^22 on 64-bit): 512 KiB. Whoever adds a key sets its bit, whoever
 * deletes one clears it, both with an atomic add (+bit, -bit): BPF has no atomic OR before
 * its v3 instruction set, and only the one who succeeded at the map operation touches the
 * bit, so the adds pair up exactly.
 */
#define FEE_TARGET_BITS_WORDS ((1U << 22) / 64)

/* Kernel-side event counters, one slot each in the per-CPU "counters" array map. */
enum fee_counter {
	/* A finished request whose record did not fit in the ring buffer. */
	FEE_CNT_RINGBUF_DROPPED,
	/* A response on a tracked connection that did not start with "HTTP/1.x NNN " (or
	 * whose first bytes could not be read). */
	FEE_CNT_BAD_RESPONSE,
	/* A new connection could not be tracked: the connection map was full. */
	FEE_CNT_CONN_TABLE_FULL,
	/* A syscall's arguments could not be stashed between enter and exit. */
	FEE_CNT_SYSCALL_STASH_FULL,
	/* A new process of a target could not be added: the target map was full. */
	FEE_CNT_TARGET_TABLE_FULL,
	/* A connection had more unanswered requests than the kernel can pair with responses
	 * (pipelining past its FIFO): it is not measured until it closes. */
	FEE_CNT_PIPELINE_OVERFLOW,
	FEE_CNT_MAX,
};

#endif /* FLASK_EBPF_EXPORTER_H */
