/* prom_name — what Prometheus accepts as a metric or label name. */
#ifndef FEE_UTIL_PROM_NAME_H
#define FEE_UTIL_PROM_NAME_H

/* [a-zA-Z_][a-zA-Z0-9_]* (label names), with ':' also allowed when allow_colon (metric
 * names). NULL and "" are not names. */
int prom_name_valid(const char *name, int allow_colon);

#endif
