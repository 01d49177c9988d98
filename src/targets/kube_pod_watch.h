/*
 * kube_pod_watch — keeps a kube_pod_cache equal to the API server's pods of one node, in a
 * thread of its own so the daemon's loop (records, scrapes) never waits on the network.
 * The reflector pattern of client-go: list (paged) -> watch from the list's
 * resourceVersion with bookmarks -> on each event update the cache and remember the
 * resourceVersion -> when the watch ends, watch again from there; on 410 Gone or an ERROR
 * event list again; on failures retry with capped exponential backoff.
 */
#ifndef FEE_KUBE_POD_WATCH_H
#define FEE_KUBE_POD_WATCH_H

#include <stddef.h>

#include "targets/kube_api_client.h"
#include "targets/kube_pod.h"
#include "targets/kube_pod_cache.h"

struct kube_pod_watch_options {
	const struct kube_api_access *api;
	const char *node_name;	   /* spec.nodeName to watch; NULL or "": every pod */
	struct kube_pod_keep keep; /* what of each pod the cache keeps */
	const char *user_agent;
	double backoff_initial; /* seconds; 0: 0.5 */
	double backoff_max;	/* seconds; 0: 30 */
	long watch_timeout;	/* server-side timeoutSeconds of a watch; 0: 300 */
	long page_size;		/* list limit; 0: 100 */
};

/* What the thread did, for self-metrics. Counters only grow. */
struct kube_pod_watch_stats {
	unsigned long lists;	     /* complete lists (all pages) */
	unsigned long watches;	     /* watch requests answered 200 */
	unsigned long events[5];     /* ADDED, MODIFIED, DELETED, BOOKMARK, ERROR */
	unsigned long relists_gone;  /* 410 Gone (HTTP or ERROR event with code 410) */
	unsigned long relists_error; /* other ERROR events */
	unsigned long failures;	     /* requests that failed (transport, non-2xx, bad JSON) */
	unsigned long unauthorized;  /* 401/403 answers among them */
	unsigned long bad_objects;   /* pods skipped: no name/namespace/uid */
	int synced;		     /* a list has completed since start */
	int connected;		     /* a watch stream is open now */
};

enum {
	KUBE_EVENT_ADDED,
	KUBE_EVENT_MODIFIED,
	KUBE_EVENT_DELETED,
	KUBE_EVENT_BOOKMARK,
	KUBE_EVENT_ERROR
};

struct kube_pod_watch;

/* Starts the thread. NULL + errno with a message in err. The options' pointers, and the
 * cache, must outlive the watch. */
struct kube_pod_watch *kube_pod_watch_start(const struct kube_pod_watch_options *opts,
					    struct kube_pod_cache *cache, char *err,
					    size_t err_size);
/* Stops the thread (within about a second) and frees the watch. */
void kube_pod_watch_stop(struct kube_pod_watch *w);

void kube_pod_watch_get_stats(struct kube_pod_watch *w, struct kube_pod_watch_stats *out);

/* The event type's name ("ADDED") and back; -1 when unknown. */
const char *kube_event_name(int type);
int kube_event_parse(const char *name);

#endif
