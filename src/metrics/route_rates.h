/*
 * route_rates — "what is busy right now": per route (and status) request rates, error
 * share and latency quantiles between two snapshots of the request-duration histogram.
 * Used by the landing page and by `top` (which builds its snapshots from a scrape).
 * Pure: snapshots in, rows out.
 */
#ifndef FEE_ROUTE_RATES_H
#define FEE_ROUTE_RATES_H

#include <stddef.h>

#include "metrics/registry.h"
#include "util/slot_index.h"

/* One histogram series (summed over any other labels) at one moment. */
struct route_series {
	char *method, *route, *status;
	double count, sum;
	double *buckets; /* cumulative counts per bound of the snapshot */
};

struct route_snapshot {
	double time;	/* seconds, any monotonic clock */
	double *bounds; /* bucket upper bounds, the last +Inf; none for a summary */
	size_t n_bounds;
	struct route_series *series;
	size_t n, cap;
	/* The series by (method, route, status). A snapshot is built every 2 s from up to
	 * --max-series children and compared with an older one: a search through the list
	 * made that quadratic (22 ms a snapshot at 2 000 series). */
	struct slot_index index;
};

/* The histogram's bucket bounds (the last +Inf), before any series is added. 0, -EINVAL
 * when series exist already, or -ENOMEM. */
int route_snapshot_set_bounds(struct route_snapshot *s, const double *bounds, size_t n);

/*
 * Adds one series' values (buckets: cumulative counts, one per bound, or NULL), summing
 * into the series with the same method, route and status. 0 or -ENOMEM.
 */
int route_snapshot_add(struct route_snapshot *s, const char *method, const char *route,
		       const char *status, double count, double sum, const double *buckets);

/* The duration family (histogram or summary; labels method, the route label second as the
 * library declares it, status) now. 0, -EINVAL for a family of another shape, -ENOMEM. */
int route_snapshot_from_family(struct route_snapshot *s, const struct metric_family *f,
			       double time);

void route_snapshot_release(struct route_snapshot *s);

struct route_row {
	const char *method, *route; /* point into the newer snapshot */
	const char *status;	    /* NULL when rows are per route */
	double requests;	    /* in the interval */
	double rate;		    /* per second */
	double error_share;	    /* answered 5xx, 0..1 */
	double mean, p50, p90, p99; /* seconds; NaN when unknown (no buckets) */
};

enum route_sort {
	ROUTE_SORT_RATE,
	ROUTE_SORT_P99,
	ROUTE_SORT_ERRORS,
	ROUTE_SORT_ROUTE,
	ROUTE_SORT_COUNT,
};

/* "rate", "p99", "errors", "route". */
const char *route_sort_name(enum route_sort sort);

/*
 * Rows for the interval from `old` (NULL: since the start) to `now`, one per method and
 * route, or per method, route and status; rows without requests left out; sorted by
 * `sort` (descending, routes ascending), ties by route. *rows is malloc'ed (NULL when
 * none). 0 or -ENOMEM.
 */
int route_rows(const struct route_snapshot *old, const struct route_snapshot *now, int by_status,
	       enum route_sort sort, struct route_row **rows, size_t *n);

/* The last snapshots, for rates over a sliding window refreshed more often than it spans:
 * the window over the sampling period, plus the newest, and no more (the landing page's
 * 10 s sampled every 2 s and top's 5 s every second need 6; every snapshot copies the
 * whole duration histogram, ≈ 0.5 MiB with 2 000 series). */
#define ROUTE_HISTORY_MAX 6

struct route_history {
	struct route_snapshot snaps[ROUTE_HISTORY_MAX]; /* a ring, oldest first from `first` */
	size_t n, first;
};

/* Takes s over (s is emptied); drops the oldest snapshot when full. */
void route_history_push(struct route_history *h, struct route_snapshot *s);
/* The newest snapshot, NULL when none. */
const struct route_snapshot *route_history_newest(const struct route_history *h);
/* The newest snapshot at least `window` seconds older than the newest one, else the
 * oldest; NULL with fewer than two. */
const struct route_snapshot *route_history_since(const struct route_history *h, double window);
void route_history_release(struct route_history *h);

/* histogram_quantile over one interval's bucket increments, as Prometheus computes it
 * (linear within the bucket; the highest finite bound for the +Inf bucket). NaN when
 * there were no observations. */
double route_quantile(double q, const double *bounds, const double *increments, size_t n);

#endif
