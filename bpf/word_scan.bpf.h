/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Word-at-a-time byte search: which bytes of an 8-byte word equal a given byte, and the
 * first of them, without a loop over the bytes. The request-head scans (request_head.bpf.h)
 * and the exception-log scan (exception_log.bpf.h) skip eight bytes a step with these.
 */
#ifndef FEE_WORD_SCAN_BPF_H
#define FEE_WORD_SCAN_BPF_H

#include "env.bpf.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the word-at-a-time scans take byte i of a word from its bits 8i..8i+7"
#endif

/* Bit 8i+7 set for each byte i of w that equals c, no other bit (exact: no false positives
 * above a match, unlike the shorter has-zero-byte test). */
static __always_inline __u64 word_bytes_equal(__u64 w, __u8 c)
{
	__u64 x = w ^ (c * 0x0101010101010101ULL); /* a match becomes a zero byte */

	return ~(((x & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) | x | 0x7f7f7f7f7f7f7f7fULL);
}

/*
 * Index of the lowest byte marked in m (non-zero, marks from word_bytes_equal()), without a
 * branch: the lowest mark alone, moved to bit 8i, times a constant whose byte 7 - i is i
 * puts i in the top byte.
 */
static __always_inline __u32 first_marked_byte(__u64 m)
{
	return ((((m & -m) >> 7) * 0x0001020304050607ULL) >> 56) & 7;
}

#endif
