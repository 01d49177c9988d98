// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* float_format against prometheus_client's floatToGoString: every expected string below
 * was printed by the Python client (Debian python3-prometheus-client 0.16). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "float_format.h"

static void test_matches_python(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0.0, "0.0" },
		{ -0.0, "-0.0" },
		{ 1.0, "1.0" },
		{ 0.1, "0.1" },
		{ 0.005, "0.005" },
		{ 2.5, "2.5" },
		{ 10.0, "10.0" },
		{ 200.0, "200.0" },
		{ 1e-05, "1e-05" },
		{ 0.0001, "0.0001" },
		{ 0.00012345, "0.00012345" },
		{ 123456.0, "123456.0" },
		{ 999999.9, "999999.9" },
		{ 1000000.0, "1e+06" },
		{ 1234567.0, "1.234567e+06" },
		{ 12345678.9, "1.23456789e+07" },
		{ 1795543423.8, "1.7955434238e+09" },
		{ 1700000000.5, "1.7000000005e+09" },
		{ 1e15, "1e+015" },
		{ 1234567890123456.0, "1.234567890123456e+015" },
		{ 1e16, "1e+16" },
		{ 1e22, "1e+22" },
		{ 1e100, "1e+100" },
		{ 0.0031942700006766245, "0.0031942700006766245" },
		{ 3.0000000000000004, "3.0000000000000004" },
		{ 5e-324, "5e-324" },
		{ 2e-7, "2e-07" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ -1.5, "-1.5" },
		{ -1234567.0, "-1234567.0" },
		{ 0.308, "0.308" },
		{ INFINITY, "+Inf" },
		{ -INFINITY, "-Inf" },
		{ NAN, "NaN" },
	};
	char buf[FLOAT_FORMAT_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = float_format(cases[i].v, buf);

		assert_string_equal(buf, cases[i].want);
		assert_int_equal(len, strlen(cases[i].want));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_python),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
