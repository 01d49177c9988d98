/*
 * route_scrape — a route_snapshot from a scrape of a running exporter (Prometheus text
 * format 0.0.4): the samples of one duration histogram (NAME_bucket, NAME_count,
 * NAME_sum), summed over labels other than method, the route label (path, endpoint,
 * url_rule or full_path) and status. Every other line is skipped. Pure.
 */
#ifndef FEE_ROUTE_SCRAPE_H
#define FEE_ROUTE_SCRAPE_H

#include <stddef.h>

#include "metrics/route_rates.h"

/* Fills an empty s from text[0..len). 0, -EINVAL (a sample line of the family that does
 * not parse; *bad_line is its number), -ENOENT (no sample of the family) or -ENOMEM. */
int route_scrape_parse(struct route_snapshot *s, const char *text, size_t len, const char *name,
		       double time, size_t *bad_line);

#endif
