/*
 * series_cap — the cardinality guard of the default request families (SPEC §6): each of
 * them holds at most `max_series` label sets; past that, requests are counted under
 * `<overflow>` label values (registry's metric_family_set_cap) and in
 * flask_ebpf_exporter_series_over_cap_total{family}.
 */
#ifndef FEE_SERIES_CAP_H
#define FEE_SERIES_CAP_H

#include <stddef.h>

#include "metrics/registry.h"
#include "metrics/request_metrics.h"

/*
 * Declares the over-cap counter family and caps m's duration (its grouping label folds
 * first, then method), total and exceptions (method) families. Families the
 * configuration turned off are skipped; max_series 0 turns the guard off. Returns 0 or
 * -errno.
 */
int series_cap_apply(struct registry *r, struct request_metrics *m, size_t max_series);

#endif
