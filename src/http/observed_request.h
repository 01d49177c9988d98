/*
 * observed_request — one record's HTTP model, worked out once for every consumer (the
 * default request families and the custom metrics): the request line parsed as Flask
 * shows it, whether excluded_paths drops it, and the route it matched. Lazy: a consumer
 * that answers from a cache of its own never pays for the parse.
 */
#ifndef FEE_OBSERVED_REQUEST_H
#define FEE_OBSERVED_REQUEST_H

#include <linux/types.h>

#include "flask_ebpf_exporter.h"
#include "http/path_filter.h"
#include "http/request_line.h"
#include "http/route_table.h"

struct observed_request {
	const struct fee_request_record *rec;
	int truncated; /* the kernel cut the request line (FEE_REC_LINE_TRUNCATED) */

	/* Filled by observed_request_model(). */
	int modelled;
	int parse_error;	       /* HTTP_LINE_OK or a negative enum http_request_line_error */
	struct http_request_line line; /* when parsed; a cut line's path is cut too */
	int excluded;		       /* excluded_paths matches the path (cut or not) */
	/* The routes were looked up: there is a table, the line parsed whole and is not
	 * excluded. match.route is NULL when no rule matched (404, 405, a redirect). */
	int routed;
	struct route_match match;

	const struct path_filter *exclude; /* NULL: none */
	struct route_table *routes;	   /* NULL: none */
};

/* Sets o up for rec, with the filter and the route table the model applies (either may
 * be NULL). Cheap: nothing is parsed yet. */
void observed_request_init(struct observed_request *o, const struct fee_request_record *rec,
			   const struct path_filter *exclude, struct route_table *routes);

/* The model, worked out on the first call (later calls return it as it is). */
const struct observed_request *observed_request_model(struct observed_request *o);

#endif
