/*
 * request_metrics — turns finished-request records from the kernel into the
 * prometheus_flask_exporter families (SPEC §2, §3) and the record self-metrics (SPEC §5).
 * Pure: knows the record layout, not BPF.
 */
#ifndef FEE_REQUEST_METRICS_H
#define FEE_REQUEST_METRICS_H

#include <linux/types.h>

#include "flask_ebpf_exporter.h"
#include "registry.h"

/* The path label of a request whose line was longer than the kernel copies. */
#define REQUEST_PATH_OVERFLOW "<overflow>"

/* Recently seen (request line, status) pairs and the children they count into. */
struct record_cache;
struct route_table;

/* What the duration histogram's grouping label holds (the library's group_by). */
enum request_group_by {
	GROUP_BY_PATH = 0,  /* request.path */
	GROUP_BY_FULL_PATH, /* request.full_path: path + '?' + query (the kernel keeps it) */
	GROUP_BY_ENDPOINT,  /* the matched route's endpoint, "None" when nothing matched */
	GROUP_BY_URL_RULE,  /* the matched route's rule text, "None" when nothing matched */
};

/* "path", "full_path", "endpoint", "url_rule": the value and the label name. */
const char *request_group_by_name(enum request_group_by g);
/* The group_by for a name, or -1. */
int request_group_by_parse(const char *name);

struct request_metrics {
	struct metric_family *duration;	  /* <prefix>_http_request_duration_seconds */
	struct metric_family *total;	  /* <prefix>_http_request_total */
	struct metric_family *exceptions; /* <prefix>_http_request_exceptions_total */
	struct metric_child *received;	  /* every record read from the ring buffer */
	struct metric_child *unparseable; /* records whose request line made no sense */
	struct metric_child *truncated;	  /* records counted under REQUEST_PATH_OVERFLOW */
	struct metric_child *not_tracked; /* requests of do_not_track/exclude_all routes */
	struct record_cache *cache;
	/* Set before init: the grouping label, and the routes behind endpoint/url_rule and
	 * per-route exclusion (NULL: no route table). */
	enum request_group_by group_by;
	struct route_table *routes;
};

/*
 * Adds the default families to r: the info gauge (set to 1 with version), the duration
 * histogram with the library's default buckets, the two counters, and the record
 * self-metrics. prefix "flask" gives the library's names; "" drops prefix and underscore.
 * Returns 0 or -errno.
 */
int request_metrics_init(struct request_metrics *m, struct registry *r, const char *prefix,
			 const char *version);

/* Counts one finished request. */
void request_metrics_observe(struct request_metrics *m, const struct fee_request_record *rec);

/* Frees what init allocated (the families belong to the registry). */
void request_metrics_release(struct request_metrics *m);

#endif
