// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/pod_select.h"

#include <fnmatch.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

bool kube_namespace_is_system(const char *ns)
{
	return !strcmp(ns, "kube-system") || !strcmp(ns, "kube-public") ||
	       !strcmp(ns, "kube-node-lease");
}

static bool glob_ok(const char *glob, const char *value)
{
	return !glob || (value && fnmatch(glob, value, 0) == 0);
}

/* Whether every field of s but the port matches; *port_unmet when only the port fails. */
static bool selector_matches(const struct kube_selector *s, const struct container_meta *m,
			     pod_listens_fn listens, void *ctx, bool *port_unmet)
{
	if (!glob_ok(s->namespace, m->namespace) || !glob_ok(s->pod, m->pod) ||
	    !glob_ok(s->container, m->container))
		return false;
	for (size_t i = 0; i < s->n_labels; i++)
		if (!glob_ok(s->labels[i].value /* the glob */,
			     container_meta_label(m, s->labels[i].key)))
			return false;
	if (s->port && !listens(ctx, s->port)) {
		*port_unmet = true;
		return false;
	}
	return true;
}

enum pod_decision pod_select(const struct kube_config *k, const struct container_meta *m,
			     pod_listens_fn listens, void *ctx)
{
	bool port_unmet = false, included = k->n_include == 0;

	if (k->exclude_system_namespaces && kube_namespace_is_system(m->namespace))
		return POD_SKIP;
	for (size_t i = 0; i < k->n_exclude; i++) {
		bool ignored = false;

		/* An exclude by port holds while the port is open: decide again later. */
		if (selector_matches(&k->exclude[i], m, listens, ctx, &ignored))
			return k->exclude[i].port ? POD_SKIP_FOR_NOW : POD_SKIP;
	}
	for (size_t i = 0; !included && i < k->n_include; i++)
		included = selector_matches(&k->include[i], m, listens, ctx, &port_unmet);
	if (included)
		return POD_WATCH;
	return port_unmet ? POD_SKIP_FOR_NOW : POD_SKIP;
}
