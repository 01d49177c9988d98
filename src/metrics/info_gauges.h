/* info_gauges — the library's metrics.info(name, help, **labels), declared in config:
 * a gauge with one child, value 1. */
#ifndef FEE_INFO_GAUGES_H
#define FEE_INFO_GAUGES_H

#include "config/config.h"
#include "metrics/registry.h"

/* Adds each gauge to r. Returns 0, or -EINVAL (a name that clashes or is invalid; *bad is
 * set to the gauge's index) or -ENOMEM. */
int info_gauges_add(struct registry *r, const struct config_info *info, size_t n, size_t *bad);

#endif
