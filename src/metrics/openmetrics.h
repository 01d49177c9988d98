/*
 * openmetrics — write a registry in OpenMetrics 1.0, byte for byte as the Python client
 * (prometheus_client 0.16) prints it (SPEC §2).
 */
#ifndef FEE_OPENMETRICS_H
#define FEE_OPENMETRICS_H

#include "metrics/exposition_options.h"
#include "metrics/registry.h"
#include "util/strbuf.h"

#define EXPOSITION_OPENMETRICS_CONTENT_TYPE                                                        \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/*
 * OpenMetrics 1.0 (prometheus_client.openmetrics.exposition.generate_latest): HELP and
 * TYPE name the family by its base name (counters without _total), HELP also escapes ",
 * each child's _created follows its other samples inside the family, "# EOF" ends it.
 * Returns 0 or -ENOMEM.
 */
int exposition_write_openmetrics(const struct registry *r, const struct exposition_options *options,
				 struct strbuf *out);

#endif
