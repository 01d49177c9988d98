/*
 * route_table — Flask-style URL rules ("/items/<int:id>", "/files/<path:p>") matched against
 * a request's path the way werkzeug 2.2's Map matches them, so the exporter can label a
 * request with the `endpoint` and `url_rule` Flask would have given it and pick out route
 * parameters (SPEC §4). Pure: knows nothing of BPF, HTTP bytes or metrics.
 *
 * Matching follows werkzeug's state machine: the path is split at '/', static parts are
 * tried before converters, converters in werkzeug's weight order (static text in a part
 * beats none, int/float (50) beat string/any/uuid (100) beat path (200)), first rule added
 * wins a tie. A rule ending in '/' requested without it is werkzeug's 308 redirect, and a
 * rule whose methods do not allow the request is a 405: both, like a 404, match nothing
 * (Flask's request.url_rule and request.endpoint are None then).
 */
#ifndef FEE_ROUTE_TABLE_H
#define FEE_ROUTE_TABLE_H

#include <stddef.h>

/* Route parameters a rule may have, and bytes of their values kept per match. */
#define ROUTE_PARAMS_MAX 16
#define ROUTE_VALUES_MAX 4096
/* Longest error message route_table_add writes. */
#define ROUTE_ERROR_MAX 256

/* What the library's per-view decorators would have done to a route's requests. */
enum route_tracking {
	ROUTE_TRACK = 0,    /* counted everywhere */
	ROUTE_DO_NOT_TRACK, /* @metrics.do_not_track(): default metrics skip it */
	ROUTE_EXCLUDE_ALL,  /* @metrics.exclude_all_metrics(): no metric counts it */
};

struct route_table;
struct route;

struct route_param {
	const char *name;
	const char *value; /* str() of the converted value, as Python prints it: int "007" -> "7" */
};

struct route_match {
	const struct route *route; /* NULL: no rule (404, 405 or a redirect) */
	/* The view function runs: false for an OPTIONS request that Flask answers itself
	 * (automatic OPTIONS), where the library's view decorators never see the request. */
	int view_runs;
	size_t n_params;
	struct route_param params[ROUTE_PARAMS_MAX];
	char values[ROUTE_VALUES_MAX]; /* storage for params[].value */
};

/* NULL + errno. */
struct route_table *route_table_new(void);
void route_table_free(struct route_table *t);

/*
 * Adds a rule. endpoint NULL or "" names it after the rule text itself. methods: NULL (or
 * n_methods 0) means GET; like Flask, GET brings HEAD, and OPTIONS is always allowed (answered
 * by Flask itself unless listed). Rules must be added before the first match. Returns 0, or
 * -EINVAL with a message in err (a malformed rule, an unknown converter or argument, a
 * duplicate variable) or -ENOMEM.
 */
int route_table_add(struct route_table *t, const char *rule, const char *endpoint,
		    const char *const *methods, size_t n_methods, enum route_tracking tracking,
		    char err[ROUTE_ERROR_MAX]);

size_t route_table_count(const struct route_table *t);

/*
 * Matches a request: path as Flask's request.path shows it (valid UTF-8, starting with '/'),
 * method upper-case. Returns 1 and fills m when a rule matches, 0 (m->route NULL) when none
 * does.
 */
int route_table_match(struct route_table *t, const char *path, const char *method,
		      struct route_match *m);

/* The value of route parameter `name` in a match, or NULL. */
const char *route_match_param(const struct route_match *m, const char *name);

const char *route_rule(const struct route *r);	   /* the rule text, as given: url_rule */
const char *route_endpoint(const struct route *r); /* endpoint */
enum route_tracking route_tracking(const struct route *r);
/* Does the rule declare a parameter with this name? */
int route_has_param(const struct route *r, const char *name);

/* Its position in the table (0-based, the order rules were added). */
size_t route_index(const struct route *r);

/* The rule added i-th (0-based). */
const struct route *route_table_at(const struct route_table *t, size_t i);

#endif
