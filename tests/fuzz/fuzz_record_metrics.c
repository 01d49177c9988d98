// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the record-to-metrics path (request_metrics_observe) and both
 * exposition writers. The input is a run of kernel records, each an 8-byte header (status,
 * flags, line_len, kind, target, duration) followed by up to 511 line bytes; the header's
 * fields are taken as they come, so out-of-range values (line_len past FEE_LINE_MAX, an
 * unknown target or kind) are fuzzed too. Each input gets a fresh registry; the scrape
 * must be valid UTF-8 and end the way its format says.
 */
#include <stdint.h>
#include <string.h>

#include "metrics/exposition.h"
#include "metrics/openmetrics.h"
#include "fuzz_checks.h"
#include "metrics/request_metrics.h"
#include "util/strbuf.h"
#include "request_feed.h"

#define HEADER_LEN 8

static void check_scrape(const struct registry *r, int openmetrics)
{
	struct exposition_options opts = { .created = 1 };
	struct strbuf out = { 0 };
	size_t len;
	char *text;

	FUZZ_CHECK((openmetrics ? exposition_write_openmetrics(r, &opts, &out)
				: exposition_write_text(r, &opts, &out)) == 0);
	text = strbuf_detach(&out, &len);
	FUZZ_CHECK(text != NULL && len > 0);
	FUZZ_CHECK(fuzz_valid_utf8(text, len));
	FUZZ_CHECK(text[len - 1] == '\n');
	FUZZ_CHECK(memchr(text, '\0', len) == NULL);
	if (openmetrics)
		FUZZ_CHECK(len >= 6 && memcmp(text + len - 6, "# EOF\n", 6) == 0);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct request_metrics_options opts = { .prefix = "flask",
							     .version = "0.0.0",
							     .defaults = 1 };
	struct registry *r = registry_new(fixed_clock);
	struct request_metrics m;

	memset(&m, 0, sizeof(m));
	FUZZ_CHECK(r != NULL);
	FUZZ_CHECK(request_metrics_init(&m, r, &opts) == 0);
	while (size >= HEADER_LEN) {
		struct fee_request_record rec;
		size_t take;

		memset(&rec, 0, sizeof(rec));
		memcpy(&rec.status, data, 2);
		memcpy(&rec.flags, data + 2, 2);
		memcpy(&rec.line_len, data + 4, 2);
		rec.kind = data[6] & 3;
		rec.target = data[6] >> 2;
		rec.duration_ns = (uint64_t)data[7] * 37000000ULL;
		data += HEADER_LEN;
		size -= HEADER_LEN;
		take = rec.line_len & 0x1ff;
		if (take > size)
			take = size;
		memcpy(rec.line, data, take < FEE_LINE_MAX ? take : FEE_LINE_MAX);
		data += take;
		size -= take;
		observe(&m, &rec);
	}
	check_scrape(r, 0);
	check_scrape(r, 1);
	request_metrics_release(&m);
	registry_free(r);
	return 0;
}
