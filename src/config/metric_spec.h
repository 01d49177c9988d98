/*
 * metric_spec — a custom metric as the configuration declares it (the library's
 * metrics.counter, .gauge, .histogram, .summary and register_default; SPEC §4): plain data,
 * and its checks against the app's routes. metrics/custom_metrics.h declares and feeds it.
 */
#ifndef FEE_CONFIG_METRIC_SPEC_H
#define FEE_CONFIG_METRIC_SPEC_H

#include <stddef.h>

/* Room for a custom metric's error message. */
#define CUSTOM_ERROR_MAX 256
/* Labels one custom metric may have (the default labels included). */
#define CUSTOM_LABELS_MAX 32

struct route_table;

enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_HISTOGRAM,
	METRIC_SUMMARY, /* _count and _sum only, like the Python client's Summary */
};

/* Where a custom metric's label value comes from (the library's label callables). */
enum custom_label_source {
	CUSTOM_LABEL_STATIC,   /* a fixed value */
	CUSTOM_LABEL_METHOD,   /* request.method */
	CUSTOM_LABEL_PATH,     /* request.path */
	CUSTOM_LABEL_STATUS,   /* str(response.status_code); "500" when the view raised */
	CUSTOM_LABEL_ENDPOINT, /* request.endpoint */
	CUSTOM_LABEL_URL_RULE, /* str(request.url_rule) */
	CUSTOM_LABEL_PARAM,    /* str(request.view_args[arg]); "None" when the route lacks it */
};

struct custom_label {
	const char *name;
	enum custom_label_source source;
	const char *arg; /* the static value, or the route parameter's name */
};

struct custom_metric_spec {
	enum metric_type type;
	const char *name; /* as the Python client takes it (a counter without _total) */
	const char *help;
	const double *buckets; /* histogram; NULL: the client's default buckets */
	size_t n_buckets;
	/* Endpoints or rules the metric decorates; none: every route (register_default). */
	const char *const *scope;
	size_t n_scope;
	const struct custom_label *labels;
	size_t n_labels;
};

/*
 * Checks a spec against the app's routes (NULL: no route table): not too many labels, every
 * scope entry names a route, no gauge labelled by status, every label that needs a value
 * has one, every parameter some route in scope has. On success *in_scope is NULL (every
 * route) or a new array, one flag per route index (route_table_count + 1), which the
 * caller frees. Returns 0, -EINVAL with a message in err, or -ENOMEM.
 */
int metric_spec_check(const struct custom_metric_spec *spec, const struct route_table *routes,
		      unsigned char **in_scope, char err[CUSTOM_ERROR_MAX]);

#endif
