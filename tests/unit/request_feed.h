/* Records fed to the request families in tests as the daemon feeds them, on a frozen clock
 * (unit tests and fuzz targets of src/metrics). */
#ifndef FEE_TEST_REQUEST_FEED_H
#define FEE_TEST_REQUEST_FEED_H

#include "flask_ebpf_exporter.h"
#include "http/observed_request.h"
#include "metrics/request_metrics.h"

/* The registry's clock: the same _created values in every run. */
static inline double fixed_clock(void)
{
	return 1700000000.0;
}

/* One record through the request families, its HTTP model built as the daemon builds it. */
static inline void observe(struct request_metrics *m, const struct fee_request_record *rec)
{
	struct observed_request o;

	observed_request_init(&o, rec, m->exclude, m->routes);
	request_metrics_observe(m, &o);
}

#endif
