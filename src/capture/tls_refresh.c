// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/tls_refresh.h"

#include "capture/loader_internal.h"
#include "capture/tls_probes.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Every this many refreshes, all targets are looked at again for new TLS libraries. */
#define TLS_FULL_RESCAN_EVERY 10

int capture_refresh_tls(struct capture *c, const __u32 *members, size_t n_members)
{
	bool full = ++c->refreshes % TLS_FULL_RESCAN_EVERY == 0;
	size_t n;
	__u32 *now, *all;

	if (c->opts.no_tls)
		return 0;
	now = target_map_list(c, &n);
	if (!now)
		return -errno;
	if (n_members) {
		all = realloc(now, (n + n_members) * sizeof(*all));
		if (!all) {
			free(now);
			return -ENOMEM;
		}
		now = all;
		memcpy(now + n, members, n_members * sizeof(*members));
		n += n_members;
		qsort(now, n, sizeof(*now), tgid_compare);
	}
	for (size_t i = 0; i < n; i++) {
		if (!full &&
		    bsearch(&now[i], c->known_tgids, c->n_known, sizeof(*now), tgid_compare))
			continue;
		tls_probes_scan_process(c->tls, (pid_t)now[i]);
	}
	free(c->known_tgids);
	c->known_tgids = now;
	c->n_known = n;
	return 0;
}

void capture_probe_tls(struct capture *c, pid_t pid)
{
	if (c->opts.no_tls)
		return;
	tls_probes_scan_process(c->tls, pid);
}

size_t capture_tls_libraries(const struct capture *c, const char **paths, size_t max)
{
	return tls_probes_libraries(c->tls, paths, max);
}
