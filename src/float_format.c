// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "float_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The shortest decimal digits that read back as v (at most 17), and the decimal exponent
 * of the first digit: v = 0.d1d2d3... * 10^(exp10 + 1). This is what Python's repr()
 * starts from.
 */
static int shortest_digits(double v, char *digits, int *exp10)
{
	char buf[40];
	int precision, n = 0;

	for (precision = 1; precision <= 17; precision++) {
		snprintf(buf, sizeof(buf), "%.*e", precision - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* buf is "d.ddde[+-]XX" (or "de[+-]XX" for one digit). */
	for (const char *p = buf; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
	/* Python drops trailing zeros of the shortest form ("1.50" never happens, "10" -> "1"). */
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*exp10 = atoi(strchr(buf, 'e') + 1);
	return n;
}

/* Python's repr() of a finite, non-negative double. */
static size_t python_repr(double v, char *out)
{
	char digits[20];
	int exp10, n, pos = 0;

	if (v == 0.0)
		return (size_t)sprintf(out, "0.0");
	n = shortest_digits(v, digits, &exp10);
	if (exp10 < -4 || exp10 >= 16) { /* scientific: "1e-05", "1.5e+16" */
		out[pos++] = digits[0];
		if (n > 1) {
			out[pos++] = '.';
			memcpy(out + pos, digits + 1, (size_t)n - 1);
			pos += n - 1;
		}
		pos += sprintf(out + pos, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
		return (size_t)pos;
	}
	if (exp10 < 0) { /* "0.000123" */
		pos += sprintf(out, "0.");
		for (int i = 0; i < -exp10 - 1; i++)
			out[pos++] = '0';
		memcpy(out + pos, digits, (size_t)n);
		pos += n;
		out[pos] = '\0';
		return (size_t)pos;
	}
	/* "123.45", "200.0", "1000.0" */
	for (int i = 0; i <= exp10 || i < n; i++) {
		if (i == exp10 + 1)
			out[pos++] = '.';
		out[pos++] = i < n ? digits[i] : '0';
	}
	if (n <= exp10 + 1) {
		out[pos++] = '.';
		out[pos++] = '0';
	}
	out[pos] = '\0';
	return (size_t)pos;
}

size_t float_format(double v, char *buf)
{
	size_t len, dot;
	char *p;

	if (isnan(v))
		return (size_t)sprintf(buf, "NaN");
	if (isinf(v))
		return (size_t)sprintf(buf, v > 0 ? "+Inf" : "-Inf");
	if (signbit(v)) {
		buf[0] = '-';
		return 1 + python_repr(-v, buf + 1);
	}
	len = python_repr(v, buf);
	p = strchr(buf, '.');
	dot = p ? (size_t)(p - buf) : 0;
	/*
	 * prometheus_client's floatToGoString: Go switches to exponents sooner than Python,
	 * so positive values with more than 6 digits before the point are rewritten as
	 * mantissa "d.ddd" (trailing '0' and '.' stripped) + "e+0" + (dot - 1).
	 */
	if (v > 0 && p && dot > 6 && !strchr(buf, 'e')) {
		char mantissa[FLOAT_FORMAT_MAX];
		size_t m = 0;

		mantissa[m++] = buf[0];
		mantissa[m++] = '.';
		memcpy(mantissa + m, buf + 1, dot - 1);
		m += dot - 1;
		memcpy(mantissa + m, buf + dot + 1, len - dot - 1);
		m += len - dot - 1;
		while (m > 0 && (mantissa[m - 1] == '0' || mantissa[m - 1] == '.'))
			m--;
		mantissa[m] = '\0';
		len = (size_t)sprintf(buf, "%se+0%zu", mantissa, dot - 1);
	}
	return len;
}
