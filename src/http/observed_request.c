// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "http/observed_request.h"

void observed_request_init(struct observed_request *o, const struct fee_request_record *rec,
			   const struct path_filter *exclude, struct route_table *routes)
{
	o->rec = rec;
	o->truncated = (rec->flags & FEE_REC_LINE_TRUNCATED) != 0;
	o->modelled = 0;
	o->exclude = exclude;
	o->routes = routes;
}

const struct observed_request *observed_request_model(struct observed_request *o)
{
	const struct fee_request_record *rec = o->rec;
	size_t len = rec->line_len < FEE_LINE_MAX ? rec->line_len : FEE_LINE_MAX;

	if (o->modelled)
		return o;
	o->modelled = 1;
	o->excluded = 0;
	o->routed = 0;
	o->match.route = NULL;
	o->parse_error = http_request_line_parse(rec->line, len, o->truncated, &o->line);
	if (o->parse_error)
		return o;
	/* A cut path is matched on what the kernel copied: prefixes still match. */
	o->excluded = o->exclude && path_filter_match(o->exclude, o->line.path);
	/* A cut path names no route for sure. */
	if (!o->excluded && o->routes && !o->truncated) {
		route_table_match(o->routes, o->line.path, o->line.method, &o->match);
		o->routed = 1;
	}
	return o;
}
