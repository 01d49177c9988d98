/* exposition_options — what a scrape asks of either writer (exposition.h, openmetrics.h). */
#ifndef FEE_EXPOSITION_OPTIONS_H
#define FEE_EXPOSITION_OPTIONS_H

#include <stddef.h>

struct exposition_options {
	/* Emit the `_created` samples (PROMETHEUS_DISABLE_CREATED_SERIES turns them off). */
	int created;
	/*
	 * The scrape's ?name[]= values, or NULL for everything: as the client's
	 * restricted_registry(names), only samples whose full name (flask_http_request_total,
	 * ..._bucket, ..._created) is listed, and only families that keep at least one.
	 */
	const char *const *names;
	size_t n_names;
};

#endif
