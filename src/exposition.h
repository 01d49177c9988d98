/*
 * exposition — write a registry in the Prometheus text format 0.0.4 exactly as the
 * Python client (prometheus_client 0.16) prints it (SPEC §2).
 */
#ifndef FEE_EXPOSITION_H
#define FEE_EXPOSITION_H

#include "registry.h"
#include "strbuf.h"

#define EXPOSITION_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct exposition_options {
	/* Emit the `_created` gauge families (PROMETHEUS_DISABLE_CREATED_SERIES turns off). */
	int created;
};

/*
 * Appends every family of r to out:
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
