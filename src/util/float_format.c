// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/float_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A positive decimal d[0].d[1]d[2]...d[n-1] x 10^exp10, digits as ASCII. */
struct decimal {
	char d[24];
	int n;
	int exp10;
};

/* From printf's "%.*e" form: "d.ddde[+-]XX", or "de[+-]XX" for one digit. */
static void decimal_from_e_notation(struct decimal *dec, const char *s)
{
	dec->n = 0;
	for (; *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			dec->d[dec->n++] = *s;
	dec->exp10 = atoi(s + 1);
}

static double decimal_value(const struct decimal *dec)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%c.%.*se%d", dec->d[0], dec->n - 1, dec->d + 1, dec->exp10);
	return strtod(buf, NULL);
}

/* The next decimal with as many significant digits, above (up) or below the given one. */
static void decimal_step(struct decimal *dec, int up)
{
	int i = dec->n - 1;

	if (up) {
		while (i >= 0 && dec->d[i] == '9')
			dec->d[i--] = '0';
		if (i >= 0) {
			dec->d[i]++;
		} else { /* 9.99 -> 10.0: one more power of ten */
			dec->d[0] = '1';
			dec->exp10++;
		}
		return;
	}
	while (i >= 0 && dec->d[i] == '0')
		dec->d[i--] = '9';
	if (i > 0 || dec->d[0] > '1') {
		dec->d[i]--;
	} else { /* 1.00 -> 9.99: the grid below a power of ten is ten times finer */
		memset(dec->d, '9', (size_t)dec->n);
		dec->exp10--;
	}
}

/*
 * The digits Python's repr() starts from: the fewest significant digits that read back as v,
 * and with that many, the decimal closest to v. printf's "%.*e" gives the closest decimal of
 * each length; when it fails to read back, the one on v's other side may still do, because
 * the interval that rounds to a power of two is narrower below it than above (2^-549 reads
 * back from "5.426657103235053e-166" but not from the closer "...052e-166").
 */
static void shortest_decimal(double v, struct decimal *dec)
{
	char buf[40];

	for (int precision = 1; precision <= 17; precision++) {
		double closest;

		snprintf(buf, sizeof(buf), "%.*e", precision - 1, v);
		decimal_from_e_notation(dec, buf);
		closest = decimal_value(dec);
		if (closest == v)
			break;
		decimal_step(dec, closest < v);
		if (decimal_value(dec) == v)
			break;
		decimal_from_e_notation(dec, buf); /* 17 digits always read back */
	}
	while (dec->n > 1 && dec->d[dec->n - 1] == '0')
		dec->n--;
}

/* repr()'s scientific layout, below 1e-4 and from 1e16: "1e-05", "1.5e+16", "5e-324". */
static size_t layout_scientific(const struct decimal *dec, char *out)
{
	size_t pos = 0;

	out[pos++] = dec->d[0];
	if (dec->n > 1) {
		out[pos++] = '.';
		memcpy(out + pos, dec->d + 1, (size_t)dec->n - 1);
		pos += (size_t)dec->n - 1;
	}
	return pos +
	       (size_t)sprintf(out + pos, "e%c%02d", dec->exp10 < 0 ? '-' : '+', abs(dec->exp10));
}

/* repr()'s positional layout, always with a fraction: "0.00012", "123.45", "200.0". */
static size_t layout_fixed(const struct decimal *dec, char *out)
{
	int point = dec->exp10 + 1; /* digits before the point */
	size_t pos = 0;

	if (point <= 0) {
		out[pos++] = '0';
		out[pos++] = '.';
		for (int i = point; i < 0; i++)
			out[pos++] = '0';
		memcpy(out + pos, dec->d, (size_t)dec->n);
		pos += (size_t)dec->n;
	} else {
		for (int i = 0; i < point || i < dec->n; i++) {
			if (i == point)
				out[pos++] = '.';
			out[pos++] = i < dec->n ? dec->d[i] : '0';
		}
		if (dec->n <= point) {
			out[pos++] = '.';
			out[pos++] = '0';
		}
	}
	out[pos] = '\0';
	return pos;
}

/* Python's repr() of a finite, non-negative double. */
static size_t python_repr(double v, char *out)
{
	struct decimal dec;

	if (v == 0.0)
		return (size_t)sprintf(out, "0.0");
	shortest_decimal(v, &dec);
	if (dec.exp10 < -4 || dec.exp10 >= 16)
		return layout_scientific(&dec, out);
	return layout_fixed(&dec, out);
}

/*
 * floatToGoString's rewrite of positive reprs with more than 6 digits before the point ("Go
 * switches to exponents sooner than Python"): mantissa d.ddd with trailing '0's and '.'
 * stripped, then a literal "e+0" and the point's position, so 1e10 comes out as "1e+010".
 */
static size_t go_style_exponent(char *buf, size_t len, size_t dot)
{
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
	return (size_t)sprintf(buf, "%se+0%zu", mantissa, dot - 1);
}

size_t float_format(double v, char *buf)
{
	const char *point;
	size_t len;

	if (isnan(v))
		return (size_t)sprintf(buf, "NaN");
	if (isinf(v))
		return (size_t)sprintf(buf, v > 0 ? "+Inf" : "-Inf");
	if (signbit(v)) {
		buf[0] = '-';
		return 1 + python_repr(-v, buf + 1);
	}
	len = python_repr(v, buf);
	point = strchr(buf, '.');
	if (v > 0 && point && point - buf > 6 && !strchr(buf, 'e'))
		len = go_style_exponent(buf, len, (size_t)(point - buf));
	return len;
}
