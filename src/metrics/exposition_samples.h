/*
 * exposition_samples — what the text and OpenMetrics writers share: a child's samples in the
 * Python client's order, label printing and escaping, and the ?name[]= filter. Internal to
 * exposition.c and openmetrics.c.
 */
#ifndef FEE_EXPOSITION_SAMPLES_H
#define FEE_EXPOSITION_SAMPLES_H

#include "metrics/exposition_options.h"
#include "metrics/registry.h"
#include "util/strbuf.h"

/* The order a family's labels print in: sorted by name, with `le` in its sorted place. */
struct label_layout {
	size_t *order; /* family label indices, sorted by name */
	size_t n;
	size_t le_at; /* how many of them sort before "le" */
};

/* One child being printed. */
struct sample_ctx {
	struct strbuf *out;
	const struct exposition_options *options;
	const struct metric_family *family;
	const struct label_layout *layout;
	const struct metric_child *child;
};

/* "counter", "gauge", "histogram", "summary". */
const char *exposition_type_name(enum metric_type type);

/* "# HELP <name><suffix> <help>\n# TYPE <name><suffix> <type>\n". */
void exposition_put_header(struct strbuf *out, const char *name, const char *suffix,
			   const char *help, int escape_quote, const char *type);

/* Called for each sample: suffix ("_bucket", "" ...), `le` or NULL, value. */
typedef void (*sample_fn)(const struct sample_ctx *s, const char *suffix, const char *le,
			  double value);
/* The child's samples in the client's order (buckets, _count, _sum; _total; value), then
 * _created when options->created and the type has one. Samples the name filter drops are
 * skipped. */
void exposition_child_samples(const struct sample_ctx *s, sample_fn fn);
/* Prints "<family><suffix>{labels} <value>\n". */
void exposition_put_sample(const struct sample_ctx *s, const char *suffix, const char *le,
			   double value);

/* Whether the name filter keeps samples called <family name><suffix>. */
int exposition_sample_wanted(const struct exposition_options *o, const struct metric_family *f,
			     const char *suffix);

/*
 * Calls put(s) for each family the filter keeps, s set up with its label layout; the shared
 * loop of both writers. Returns 0 or -ENOMEM.
 */
int exposition_write_families(const struct registry *r, const struct exposition_options *options,
			      struct strbuf *out, void (*put)(struct sample_ctx *s));

#endif
