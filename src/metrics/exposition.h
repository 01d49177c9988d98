/*
 * exposition — write a registry in the Prometheus text format 0.0.4 or in OpenMetrics 1.0,
 * byte for byte as the Python client (prometheus_client 0.16) prints them (SPEC §2).
 */
#ifndef FEE_EXPOSITION_H
#define FEE_EXPOSITION_H

#include "metrics/registry.h"
#include "util/strbuf.h"

#define EXPOSITION_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define EXPOSITION_OPENMETRICS_CONTENT_TYPE                                                        \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

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

/*
 * Text format 0.0.4. Appends every family of r to out:
 *   # HELP <name> <help>        (help escapes \ and newline)
 *   # TYPE <name> <type>
 *   samples, children in first-seen order; label names sorted; values escape \ " newline;
 *   numbers through float_format(); histogram children: buckets ascending, _count, _sum
 *   (no _sum when the first bound is negative, as in the client).
 *   then, when options->created, "# HELP/TYPE <base>_created gauge" and one _created
 *   sample per child.
 * Counters print as <base>_total. Returns 0 or -ENOMEM.
 */
int exposition_write_text(const struct registry *r, const struct exposition_options *options,
			  struct strbuf *out);

/*
 * OpenMetrics 1.0 (prometheus_client.openmetrics.exposition.generate_latest): HELP and
 * TYPE name the family by its base name (counters without _total), HELP also escapes ",
 * each child's _created follows its other samples inside the family, "# EOF" ends it.
 * Returns 0 or -ENOMEM.
 */
int exposition_write_openmetrics(const struct registry *r, const struct exposition_options *options,
				 struct strbuf *out);

#endif
