/*
 * endpoint_metrics — the self-metrics of our HTTP endpoint: refusals by reason, open
 * connections, and reloads of the web config and of the TLS certificate. The figures come
 * from serve/ (endpoint_guard) through main.c before each scrape; this module only holds
 * the families.
 */
#ifndef FEE_ENDPOINT_METRICS_H
#define FEE_ENDPOINT_METRICS_H

#include <stddef.h>

#include "metrics/registry.h"

#define ENDPOINT_METRICS_MAX_REASONS 16

struct endpoint_metrics {
	struct metric_child *rejected[ENDPOINT_METRICS_MAX_REASONS];
	size_t n_reasons;
	struct metric_child *connections;
	struct metric_child *config_reloads[2]; /* result="success", "failure" */
	struct metric_child *cert_reloads[2];
};

/* What the endpoint reports, in the order of the reasons given to init. */
struct endpoint_figures {
	const unsigned long *rejected;
	unsigned long connections;
	unsigned long config_reloads, config_reload_failures;
	unsigned long cert_reloads, cert_reload_failures;
};

/* Adds the families; every reason gets its child (0) at once. 0 or -errno. */
int endpoint_metrics_init(struct endpoint_metrics *m, struct registry *r,
			  const char *const *reasons, size_t n_reasons);
void endpoint_metrics_update(struct endpoint_metrics *m, const struct endpoint_figures *f);

#endif
