/*
 * exposition — write a registry in the Prometheus text format 0.0.4, byte for byte as the
 * Python client (prometheus_client 0.16) prints it (SPEC §2). OpenMetrics: openmetrics.h.
 */
#ifndef FEE_EXPOSITION_H
#define FEE_EXPOSITION_H

#include "metrics/exposition_options.h"
#include "metrics/registry.h"
#include "util/strbuf.h"

#define EXPOSITION_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

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

#endif
