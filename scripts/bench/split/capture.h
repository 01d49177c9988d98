/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The records of the "capture, don't parse" prototype (issue 13, docs/kernel-daemon-split.md):
 * what its BPF programs (capture.bpf.c) put into the ring for each read, write, accept and
 * close of a target process, and what its consumer (consumer.c, rebuild.c) rebuilds the
 * requests from. Benchmark code, built at run time by scripts/bench/bpf_cost.sh; never part
 * of the exporter.
 */
#ifndef SPLIT_CAPTURE_H
#define SPLIT_CAPTURE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* split_record.kind */
enum split_kind {
	SPLIT_READ = 1,	  /* a read returned ret > 0 bytes; data: its first bytes */
	SPLIT_WRITE = 2,  /* a write returned; data: the first bytes of its first segment */
	SPLIT_ACCEPT = 3, /* accept handed out descriptor fd */
	SPLIT_CLOSE = 4,  /* descriptor fd is being closed */
};

/* split_record.shape: how the call passed its bytes. */
enum split_shape {
	SPLIT_BUF = 0, /* (buf, len): read, recvfrom, write, sendto */
	SPLIT_IOV = 1, /* (iovec array, count): readv, writev */
	SPLIT_MSG = 2, /* (msghdr): recvmsg, sendmsg */
};

/* The ablation's cut points (the programs' cfg_cut, consumer --cut): where every program
 * stops, so that, attached together, variants split one program's time into its steps.
 * Constants at load time: the verifier drops the code a cut leaves dead. */
enum split_cut {
	SPLIT_CUT_NONE = 0,   /* the whole prototype */
	SPLIT_CUT_TARGET = 1, /* the target check only (a write's exit: no stash either) */
	SPLIT_CUT_CLOCK = 2,  /* + a read's clock, a write entry's clock and stash, its exit's
			       * stash lookup */
	SPLIT_CUT_ARGS = 3,   /* + a read's arguments from the saved user registers */
	SPLIT_CUT_RECORD = 4, /* + every record reserved and submitted, no user memory read */
};

/* Request bytes shipped per read at most: a request head longer than this, or pipelined
 * requests behind it, are not seen (the consumer counts such reads). */
#define SPLIT_READ_BYTES_MAX 256
/* Bytes of a write shipped: a status line needs 12 ("HTTP/1.1 200"). */
#define SPLIT_WRITE_BYTES 16

struct split_record {
	__u64 ts;      /* read: its exit; write: its entry, when the response started to leave */
	__s64 ret;     /* the syscall's return value */
	__u32 fd;      /* read, write, close: the descriptor; accept: the one handed out */
	__u32 tgid;    /* the process */
	__u32 seg_len; /* read, write: the first segment's length (SPLIT_BUF: the buffer's) */
	__u8 kind;     /* enum split_kind */
	__u8 shape;    /* enum split_shape */
	__u16 cap_len; /* bytes in data, min(seg_len, ret, room); 0: user memory unreadable */
	char data[];   /* read: 32, 64, 128 or 256 bytes reserved; write: SPLIT_WRITE_BYTES */
};

#endif
