// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/kube_metadata.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "targets/kube_api_access.h"
#include "targets/kube_api_select.h"

struct kube_metadata {
	struct kube_api_access access;
	struct kube_api_keep_buf keep; /* the watch's options point into it */
	struct kube_pod_cache *cache;
	struct kube_pod_watch *watch;
};

void kube_metadata_stop(struct kube_metadata *m)
{
	if (!m)
		return;
	kube_pod_watch_stop(m->watch);
	kube_pod_cache_free(m->cache);
	kube_api_access_release(&m->access);
	free(m);
}

struct kube_metadata *kube_metadata_start(const struct kube_api_options *o, const char *node_name,
					  const char *user_agent, char *err, size_t err_size)
{
	struct kube_pod_watch_options wo = { .node_name = node_name, .user_agent = user_agent };
	struct kube_metadata *m;
	int rc;

	if (!node_name || !node_name[0]) {
		snprintf(err, err_size,
			 "NODE_NAME is not set: the pod watch needs this node's name (the "
			 "DaemonSet sets it from the downward API, spec.nodeName)");
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	rc = o->kubeconfig
		     ? kube_api_access_from_kubeconfig(&m->access, o->kubeconfig, err, err_size)
		     : kube_api_access_in_cluster(&m->access, o->service_account_dir, err,
						  err_size);
	if (!rc) {
		m->cache = kube_pod_cache_new((size_t)o->max_pods);
		rc = m->cache ? 0 : -ENOMEM;
	}
	if (!rc) {
		kube_api_keep_keys(o, &m->keep);
		wo.api = &m->access;
		wo.keep = m->keep.keep;
		m->watch = kube_pod_watch_start(&wo, m->cache, err, err_size);
		rc = m->watch ? 0 : -errno;
	}
	if (rc) {
		kube_metadata_stop(m);
		errno = -rc;
		return NULL;
	}
	return m;
}

int kube_metadata_lookup(struct kube_metadata *m, const char *uid, struct kube_pod *out)
{
	return kube_pod_cache_get(m->cache, uid, out);
}

unsigned long kube_metadata_version(struct kube_metadata *m)
{
	struct kube_pod_cache_stats st;

	kube_pod_cache_stats(m->cache, &st);
	return st.version;
}

void kube_metadata_stats(struct kube_metadata *m, struct kube_pod_watch_stats *watch,
			 struct kube_pod_cache_stats *cache)
{
	kube_pod_watch_get_stats(m->watch, watch);
	kube_pod_cache_stats(m->cache, cache);
}
