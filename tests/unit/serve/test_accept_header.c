// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Content negotiation of the metrics endpoint: which Accept and Accept-Encoding values ask
 * for OpenMetrics and gzip, as prometheus_client reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "serve/accept_header.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_accept_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
