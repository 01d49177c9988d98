// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* gzip bodies of the metrics endpoint: a round trip through zlib's own inflate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <zlib.h>

#include "serve/gzip_body.h"

static void test_round_trip(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char text[20000], back[sizeof(text)];
	z_stream z = { 0 };

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = "flask_http_request_total{method=\"GET\"} 1.0\n"[i % 43];
	assert_int_equal(strbuf_append(&sb, text, sizeof(text)), 0);
	assert_int_equal(gzip_body(&sb), 0);
	assert_true(sb.len < sizeof(text) / 10);
	assert_int_equal((unsigned char)sb.buf[0], 0x1f); /* the gzip magic */
	assert_int_equal((unsigned char)sb.buf[1], 0x8b);

	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)sb.buf;
	z.avail_in = (uInt)sb.len;
	z.next_out = (Bytef *)back;
	z.avail_out = sizeof(back);
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, sizeof(text));
	inflateEnd(&z);
	assert_memory_equal(back, text, sizeof(text));
	strbuf_release(&sb);

	/* An empty body is still a valid gzip stream. */
	assert_int_equal(gzip_body(&sb), 0);
	assert_true(sb.len >= 20);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
