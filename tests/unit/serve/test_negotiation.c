// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Content negotiation of the metrics endpoint: which Accept and Accept-Encoding values ask
 * for OpenMetrics and gzip (as prometheus_client reads them), and a gzip round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <zlib.h>

#include "serve/accept_header.h"
#include "serve/gzip_body.h"

/* As the client's choose_encoder(). */
static int openmetrics(const char *accept)
{
	return accept_header_lists(accept, HTTP_OPENMETRICS_MEDIA_TYPE, 0);
}

static void test_accept_header(void **state)
{
	assert_true(openmetrics("application/openmetrics-text"));
	assert_true(openmetrics(
		"application/openmetrics-text; version=1.0.0; charset=utf-8,text/plain;q=0.5"));
	assert_true(openmetrics("text/plain , application/openmetrics-text "));
	assert_false(openmetrics(NULL));
	assert_false(openmetrics(""));
	assert_false(openmetrics("text/plain;version=0.0.4"));
	assert_false(openmetrics("application/openmetrics-text2"));
	/* choose_encoder() compares exactly: other case is not OpenMetrics */
	assert_false(openmetrics("Application/OpenMetrics-Text"));
}

static void test_accepted(void **state)
{
	static const char *const yes[] = { "gzip", "GZIP", "deflate, gzip;q=0.5", " gzip ",
					   "br,gzip" };
	static const char *const no[] = { "", "deflate", "gzip2", "x-gzip", "identity, br" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!accept_header_lists(yes[i], "gzip", 1))
			fail_msg("refused '%s'", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (accept_header_lists(no[i], "gzip", 1))
			fail_msg("accepted '%s'", no[i]);
	assert_false(accept_header_lists(NULL, "gzip", 1));
}

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
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_accept_header),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
