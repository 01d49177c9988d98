/*
 * landing_page — the HTML page at `/`: what is watched (targets, processes, hook mode,
 * version, uptime), the busiest routes right now with their rate, error share and
 * latency, and links to the metrics and health endpoints. Plain HTML that refreshes itself
 * with a meta tag: no JavaScript. Everything from traffic (paths, methods) is escaped.
 */
#ifndef FEE_LANDING_PAGE_H
#define FEE_LANDING_PAGE_H

#include <stddef.h>

#include "config/config.h"
#include "metrics/route_rates.h"
#include "util/strbuf.h"

/* Routes shown: the busiest ones. */
#define LANDING_PAGE_ROUTES 10

struct landing_page {
	const char *version;
	const char *hook_mode;
	double uptime_seconds;
	int ready;
	const char *metrics_path;
	const struct config_target *targets;
	size_t n_targets;
	const unsigned int *target_processes; /* per target */
	unsigned int processes_watched;
	const struct route_row *rows; /* sorted by rate */
	size_t n_rows;
	double window_seconds; /* the rows' interval */
	int process_metrics;   /* the app's process_* are exported */
};

/* Appends the page to out. 0 or -ENOMEM. */
int landing_page_write(const struct landing_page *page, struct strbuf *out);

/* s with &, <, >, " and ' as character references. 0 or -ENOMEM. */
int landing_page_escape(struct strbuf *out, const char *s);

#endif
