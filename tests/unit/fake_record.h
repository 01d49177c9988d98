/* A kernel record built in a unit test: what the BPF side would have sent. */
#ifndef FEE_TEST_FAKE_RECORD_H
#define FEE_TEST_FAKE_RECORD_H

#include <linux/types.h>
#include <string.h>

#include "flask_ebpf_exporter.h"

static inline struct fee_request_record fake_record(const char *line, int status, double seconds,
						    int kind, int flags)
{
	struct fee_request_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.line_len = (__u16)strlen(line);
	memcpy(rec.line, line, rec.line_len);
	rec.status = (__u16)status;
	rec.duration_ns = (__u64)(seconds * 1e9);
	rec.kind = (__u8)kind;
	rec.flags = (__u16)flags;
	return rec;
}

#endif
