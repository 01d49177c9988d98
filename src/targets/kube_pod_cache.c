// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/kube_pod_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	struct kube_pod pod;
	unsigned long synced; /* the sync round that last put it */
};

/* A flat array: a node holds a few hundred pods at most, events arrive a few a second, and
 * readers look a pod up when its target's labels change, not per request. */
struct kube_pod_cache {
	pthread_mutex_t lock;
	struct entry *entries; /* grows by doubling up to max */
	size_t n, allocated, max;
	size_t bytes;
	unsigned long over_cap, version, sync_round;
};

struct kube_pod_cache *kube_pod_cache_new(size_t max_pods)
{
	struct kube_pod_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->max = max_pods ? max_pods : KUBE_POD_CACHE_DEFAULT_MAX;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void kube_pod_cache_free(struct kube_pod_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		kube_pod_release(&c->entries[i].pod);
	pthread_mutex_destroy(&c->lock);
	free(c->entries);
	free(c);
}

static struct entry *lookup(struct kube_pod_cache *c, const char *uid)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->entries[i].pod.uid, uid))
			return &c->entries[i];
	return NULL;
}

/* Drops entry e (swapping the last one into its place). Lock held. */
static void remove_entry(struct kube_pod_cache *c, struct entry *e)
{
	c->bytes -= kube_pod_bytes(&e->pod);
	kube_pod_release(&e->pod);
	*e = c->entries[--c->n];
	memset(&c->entries[c->n], 0, sizeof(c->entries[c->n]));
	c->version++;
}

/* Room for one more entry, if the bound allows. Lock held. */
static struct entry *new_entry(struct kube_pod_cache *c)
{
	if (c->n == c->max)
		return NULL;
	if (c->n == c->allocated) {
		size_t want = c->allocated ? c->allocated * 2 : 16;
		struct entry *grown;

		if (want > c->max)
			want = c->max;
		grown = realloc(c->entries, want * sizeof(*grown));
		if (!grown)
			return NULL;
		c->entries = grown;
		c->allocated = want;
	}
	memset(&c->entries[c->n], 0, sizeof(c->entries[c->n]));
	return &c->entries[c->n++];
}

int kube_pod_cache_put(struct kube_pod_cache *c, struct kube_pod *pod)
{
	struct entry *e;
	int err = 0;

	pthread_mutex_lock(&c->lock);
	e = lookup(c, pod->uid);
	if (e) {
		c->bytes -= kube_pod_bytes(&e->pod);
		kube_pod_release(&e->pod);
	} else {
		e = new_entry(c);
	}
	if (e) {
		e->pod = *pod;
		e->synced = c->sync_round;
		c->bytes += kube_pod_bytes(&e->pod);
		c->version++;
		memset(pod, 0, sizeof(*pod));
	} else {
		c->over_cap++;
		kube_pod_release(pod);
		err = -ENOSPC;
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

int kube_pod_cache_delete(struct kube_pod_cache *c, const char *uid)
{
	struct entry *e;

	pthread_mutex_lock(&c->lock);
	e = lookup(c, uid);
	if (e)
		remove_entry(c, e);
	pthread_mutex_unlock(&c->lock);
	return e ? 0 : -ENOENT;
}

void kube_pod_cache_begin_sync(struct kube_pod_cache *c)
{
	pthread_mutex_lock(&c->lock);
	c->sync_round++;
	pthread_mutex_unlock(&c->lock);
}

void kube_pod_cache_end_sync(struct kube_pod_cache *c)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = c->n; i-- > 0;)
		if (c->entries[i].synced != c->sync_round)
			remove_entry(c, &c->entries[i]);
	pthread_mutex_unlock(&c->lock);
}

static int copy_out(struct kube_pod_cache *c, const struct entry *e, struct kube_pod *out)
{
	int err = e ? kube_pod_copy(out, &e->pod) : -ENOENT;

	pthread_mutex_unlock(&c->lock);
	return err;
}

int kube_pod_cache_get(struct kube_pod_cache *c, const char *uid, struct kube_pod *out)
{
	pthread_mutex_lock(&c->lock);
	return copy_out(c, lookup(c, uid), out);
}

int kube_pod_cache_find(struct kube_pod_cache *c, const char *ns, const char *name,
			struct kube_pod *out)
{
	const struct entry *found = NULL;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n && !found; i++)
		if (!strcmp(c->entries[i].pod.namespace, ns) &&
		    !strcmp(c->entries[i].pod.name, name))
			found = &c->entries[i];
	return copy_out(c, found, out);
}

void kube_pod_cache_stats(struct kube_pod_cache *c, struct kube_pod_cache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	out->pods = c->n;
	out->bytes = c->bytes + c->allocated * sizeof(*c->entries);
	out->over_cap = c->over_cap;
	out->version = c->version;
	pthread_mutex_unlock(&c->lock);
}

void kube_pod_cache_each(struct kube_pod_cache *c,
			 void (*fn)(const struct kube_pod *pod, void *arg), void *arg)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n; i++)
		fn(&c->entries[i].pod, arg);
	pthread_mutex_unlock(&c->lock);
}
