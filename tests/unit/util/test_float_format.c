// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * float_format against prometheus_client's floatToGoString: every expected string below, and
 * in tests/unit/golden/floats.txt (make_floats.py), was printed by the Python client (Debian
 * python3-prometheus-client 0.16).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/float_format.h"

static void assert_formats_as(double v, const char *want)
{
	char buf[FLOAT_FORMAT_MAX + 8];
	size_t len;

	/* Poison past the limit: the writer must stay within FLOAT_FORMAT_MAX. */
	memset(buf, 0x5a, sizeof(buf));
	len = float_format(v, buf);
	if (strcmp(buf, want))
		fail_msg("%a: got \"%s\", want \"%s\"", v, buf, want);
	assert_int_equal(len, strlen(want));
	for (size_t i = FLOAT_FORMAT_MAX; i < sizeof(buf); i++)
		assert_int_equal((unsigned char)buf[i], 0x5a);
}

/* Named cases: Python repr() layout, the Go-style exponent rewrite, and the specials. */
static void test_matches_python(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0.0, "0.0" },
		{ -0.0, "-0.0" },
		{ 1.0, "1.0" },
		{ -1.0, "-1.0" },
		{ 0.1, "0.1" },
		{ 0.005, "0.005" },
		{ 2.5, "2.5" },
		{ 10.0, "10.0" },
		{ 200.0, "200.0" },
		/* repr switches to exponents below 1e-4 ... */
		{ 1e-05, "1e-05" },
		{ 0.0001, "0.0001" },
		{ 0.00012345, "0.00012345" },
		{ 9.999e-05, "9.999e-05" },
		{ -0.0001, "-0.0001" },
		{ -1e-05, "-1e-05" },
		/* ... floatToGoString for positives with more than 6 digits before the point ... */
		{ 123456.0, "123456.0" },
		{ 123456.7, "123456.7" },
		{ 999999.9, "999999.9" },
		{ 1000000.0, "1e+06" },
		{ 1234567.0, "1.234567e+06" },
		{ 12345678.9, "1.23456789e+07" },
		{ 1795543423.8, "1.7955434238e+09" },
		{ 1700000000.5, "1.7000000005e+09" },
		{ 4294967296.0, "4.294967296e+09" },
		/* (its "e+0" prefix is literal, hence three exponent digits from 1e10 on) */
		{ 12345678901.0, "1.2345678901e+010" },
		{ 1e15, "1e+015" },
		{ 1234567890123456.0, "1.234567890123456e+015" },
		{ 9999999999999998.0, "9.999999999999998e+015" },
		{ 9007199254740993.0, "9.007199254740992e+015" },
		/* ... and repr itself from 1e16 up. */
		{ 1e16, "1e+16" },
		{ 1.5e16, "1.5e+16" },
		{ 1e22, "1e+22" },
		{ 1e100, "1e+100" },
		{ -1e22, "-1e+22" },
		/* Shortest round-trip digits, up to 17 of them. */
		{ 0.0031942700006766245, "0.0031942700006766245" },
		{ 0.30000000000000004, "0.30000000000000004" },
		{ 3.0000000000000004, "3.0000000000000004" },
		{ 0.2531942700006766, "0.2531942700006766" },
		{ 1.7555, "1.7555" },
		{ 5e-324, "5e-324" },
		{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
		{ 2e-7, "2e-07" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ -1.7976931348623157e308, "-1.7976931348623157e+308" },
		{ -5e-324, "-5e-324" },
		/*
		 * Powers of two whose closest 16-digit decimal does not read back but the one
		 * on the other side does (the interval below a power of two is half as wide).
		 */
		{ 0x1p-24, "5.960464477539063e-08" },
		{ -0x1p-24, "-5.960464477539063e-08" },
		{ 0x1p-44, "5.684341886080802e-14" },
		{ 0x1p-549, "5.426657103235053e-166" },
		{ 0x1p89, "6.189700196426902e+26" },
		/* Negative values keep repr's layout: the rewrite is for positives only. */
		{ -1.5, "-1.5" },
		{ -1234567.0, "-1234567.0" },
		{ -1795543423.8, "-1795543423.8" },
		{ 0.308, "0.308" },
		{ 0.25, "0.25" },
		{ 7.5, "7.5" },
		{ 100.0, "100.0" },
		{ 1e3, "1000.0" },
		{ 65536.0, "65536.0" },
		{ INFINITY, "+Inf" },
		{ -INFINITY, "-Inf" },
		{ NAN, "NaN" },
		{ -NAN, "NaN" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_formats_as(cases[i].v, cases[i].want);
}

/* The sampled doubles of floats.txt: "<float.hex()>\t<floatToGoString>" per line. */
static void test_matches_python_on_sample(void **state)
{
	FILE *f = fopen("tests/unit/golden/floats.txt", "r");
	char line[128];
	size_t n = 0;

	if (!f)
		fail_msg("cannot open tests/unit/golden/floats.txt (run from the repository root)");
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *end = strchr(line, '\n');

		assert_non_null(tab);
		assert_non_null(end);
		*tab = *end = '\0';
		assert_formats_as(strtod(line, NULL), tab + 1);
		n++;
	}
	fclose(f);
	assert_true(n > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_python),
		cmocka_unit_test(test_matches_python_on_sample),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
