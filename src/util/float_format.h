/* float_format — print a double exactly as prometheus_client's floatToGoString does. */
#ifndef FEE_FLOAT_FORMAT_H
#define FEE_FLOAT_FORMAT_H

#include <stddef.h>

/* Longest output ("-1.2345678901234567e-308") plus NUL, rounded up. */
#define FLOAT_FORMAT_MAX 32

/*
 * Writes v into buf (at least FLOAT_FORMAT_MAX bytes) the way the Python client prints
 * sample values and `le` labels: Python's repr() (shortest round-trip digits: "200.0",
 * "0.0031942700006766245", "1e-05", "1e+16"), except that positive values whose repr has
 * more than 6 digits before the point switch to exponent form ("1.7955434238e+09");
 * +Inf, -Inf and NaN print as "+Inf", "-Inf", "NaN". Returns the length written.
 */
size_t float_format(double v, char *buf);

#endif
