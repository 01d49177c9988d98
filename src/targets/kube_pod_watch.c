// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/kube_pod_watch.h"

#include "util/log.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <time.h>

/* A list page or a watch event larger than this is refused (a pod is ~10-20 KiB; a page of
 * 100 of them a few MiB). Bounds the JSON tree a hostile or broken server can make us build. */
#define MAX_DOCUMENT_BYTES (64L * 1024 * 1024)
/* The whole list request, all pages, at most this long. */
#define LIST_TIMEOUT_SECONDS 60

static const char *const event_names[] = { "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR" };

const char *kube_event_name(int type)
{
	return type >= 0 && type <= KUBE_EVENT_ERROR ? event_names[type] : "";
}

int kube_event_parse(const char *name)
{
	for (int i = 0; name && i <= KUBE_EVENT_ERROR; i++)
		if (!strcmp(name, event_names[i]))
			return i;
	return -1;
}

struct kube_pod_watch {
	struct kube_pod_watch_options opts;
	struct kube_pod_cache *cache;
	struct kube_api_client *client;
	char *selector; /* "&fieldSelector=..." escaped, or "" */
	char *rv;	/* resume point; NULL: list first */
	int relist;	/* the stream said: list again */
	pthread_t thread;
	volatile sig_atomic_t stop;
	pthread_mutex_t lock; /* stats, and the sleeps' condition */
	pthread_cond_t wake;
	struct kube_pod_watch_stats stats;
};

/* One more in a counter of w->stats. */
static void count(struct kube_pod_watch *w, unsigned long *counter)
{
	pthread_mutex_lock(&w->lock);
	(*counter)++;
	pthread_mutex_unlock(&w->lock);
}

static void set_flag(struct kube_pod_watch *w, int *flag, int value)
{
	pthread_mutex_lock(&w->lock);
	*flag = value;
	pthread_mutex_unlock(&w->lock);
}

static void remember_rv(struct kube_pod_watch *w, const char *rv)
{
	char *copy;

	if (!rv || !rv[0])
		return;
	copy = strdup(rv);
	if (!copy)
		return; /* keep the older point: a relist at worst */
	free(w->rv);
	w->rv = copy;
}

/* --- JSON documents out of a byte stream ------------------------------------------------ */

/* Feeds bytes to a json_tokener and hands each complete top-level value to `on_value`. */
struct json_stream {
	json_tokener *tok;
	long bytes; /* of the value being parsed */
	int (*on_value)(struct kube_pod_watch *w, void *ctx, struct json_object *value);
	struct kube_pod_watch *w;
	void *ctx;
	int bad; /* not JSON, or a value over MAX_DOCUMENT_BYTES */
};

static int stream_feed(const char *data, size_t len, void *arg)
{
	struct json_stream *s = arg;

	while (len) {
		struct json_object *value = json_tokener_parse_ex(s->tok, data, (int)len);
		size_t used = json_tokener_get_parse_end(s->tok);
		enum json_tokener_error jerr = json_tokener_get_error(s->tok);

		s->bytes += (long)used;
		if (!value && jerr != json_tokener_continue) {
			log_error("kubernetes api: bad JSON from the server: %s",
				  json_tokener_error_desc(jerr));
			s->bad = 1;
			return 1;
		}
		if (s->bytes > MAX_DOCUMENT_BYTES) {
			log_error("kubernetes api: a document over %ld bytes", MAX_DOCUMENT_BYTES);
			json_object_put(value);
			s->bad = 1;
			return 1;
		}
		if (value) {
			int stop = s->on_value(s->w, s->ctx, value);

			json_object_put(value);
			s->bytes = 0;
			if (stop)
				return 1;
		}
		if (!used)
			break;
		data += used;
		len -= used;
	}
	return 0;
}

static long stream_get(struct kube_pod_watch *w, const char *path, long timeout,
		       int (*on_value)(struct kube_pod_watch *, void *, struct json_object *),
		       struct json_stream *s, char *msg, size_t msg_size)
{
	long status;

	s->tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	s->on_value = on_value;
	s->w = w;
	if (!s->tok)
		return -ENOMEM;
	status = kube_api_client_get(w->client, path, timeout, stream_feed, s, &w->stop, msg,
				     msg_size);
	json_tokener_free(s->tok);
	return status;
}

/* --- list ---------------------------------------------------------------------------------- */

struct page {
	char *cont; /* metadata.continue */
	int pods;
};

static void put_pod(struct kube_pod_watch *w, struct json_object *obj)
{
	struct kube_pod pod;
	int err = kube_pod_from_json(obj, &w->opts.keep, &pod);

	if (err) {
		count(w, &w->stats.bad_objects);
		return;
	}
	if (kube_pod_cache_put(w->cache, &pod) == -ENOSPC)
		log_debug("kubernetes api: pod cache full, a pod's metadata is not kept");
}

static int on_list(struct kube_pod_watch *w, void *ctx, struct json_object *list)
{
	struct json_object *items, *meta, *cont;
	struct page *page = ctx;

	if (json_object_object_get_ex(list, "items", &items) &&
	    json_object_is_type(items, json_type_array)) {
		size_t n = json_object_array_length(items);

		for (size_t i = 0; i < n; i++)
			put_pod(w, json_object_array_get_idx(items, i));
		page->pods += (int)n;
	}
	remember_rv(w, kube_object_resource_version(list));
	if (json_object_object_get_ex(list, "metadata", &meta) &&
	    json_object_object_get_ex(meta, "continue", &cont) && json_object_get_string_len(cont))
		page->cont = strdup(json_object_get_string(cont));
	return 0;
}

static int status_is_failure(struct kube_pod_watch *w, long status, const char *msg,
			     const char *what)
{
	if (status >= 200 && status < 300)
		return 0;
	if (status == -EINTR)
		return 1;
	count(w, &w->stats.failures);
	if (status == 401 || status == 403) {
		count(w, &w->stats.unauthorized);
		kube_api_client_reload_token(w->client);
	}
	log_error("kubernetes api: %s: %s", what, msg);
	return 1;
}

/* Lists every pod (page by page) into the cache; 0, or -1 when it must be tried again. */
static int list_pods(struct kube_pod_watch *w)
{
	char path[4096], msg[512];
	struct page page = { 0 };
	long status;

	free(w->rv);
	w->rv = NULL;
	kube_pod_cache_begin_sync(w->cache);
	do {
		struct json_stream s = { .ctx = &page };
		char *cont = page.cont;

		snprintf(path, sizeof(path), "/api/v1/pods?limit=%ld%s%s%s", w->opts.page_size,
			 w->selector, cont ? "&continue=" : "", cont ? cont : "");
		page.cont = NULL;
		status = stream_get(w, path, LIST_TIMEOUT_SECONDS, on_list, &s, msg, sizeof(msg));
		free(cont);
		if (s.bad && status > 0)
			status = -EPROTO;
		if (status_is_failure(w, status, msg, "list pods")) {
			free(page.cont);
			free(w->rv); /* a partial list is no point to watch from */
			w->rv = NULL;
			return -1;
		}
	} while (page.cont && !w->stop);
	kube_pod_cache_end_sync(w->cache);
	/* A page's JSON tree is a few MiB for 100 pods, freed right away; give it back to
	 * the system rather than keep the high-water mark for the exporter's lifetime. */
	malloc_trim(0);
	pthread_mutex_lock(&w->lock);
	w->stats.lists++;
	w->stats.synced = 1;
	pthread_mutex_unlock(&w->lock);
	log_debug("kubernetes api: listed %d pods at resourceVersion %s", page.pods,
		  w->rv ? w->rv : "?");
	return 0;
}

/* --- watch --------------------------------------------------------------------------------- */

/* An ERROR event's Status: 410 (Gone/Expired) means the resume point is too old. */
static void on_error_event(struct kube_pod_watch *w, struct json_object *status)
{
	struct json_object *code = NULL, *message = NULL;

	json_object_object_get_ex(status, "code", &code);
	json_object_object_get_ex(status, "message", &message);
	if (json_object_get_int(code) == 410) {
		count(w, &w->stats.relists_gone);
	} else {
		count(w, &w->stats.relists_error);
		log_error("kubernetes api: watch error %d: %s", json_object_get_int(code),
			  message ? json_object_get_string(message) : "(no message)");
	}
	w->relist = 1;
}

static int on_event(struct kube_pod_watch *w, void *ctx, struct json_object *event)
{
	struct json_object *type_obj = NULL, *obj = NULL;
	int type;

	json_object_object_get_ex(event, "type", &type_obj);
	json_object_object_get_ex(event, "object", &obj);
	type = kube_event_parse(json_object_get_string(type_obj));
	if (type < 0 || !json_object_is_type(obj, json_type_object)) {
		count(w, &w->stats.bad_objects);
		return 0;
	}
	pthread_mutex_lock(&w->lock);
	w->stats.events[type]++;
	pthread_mutex_unlock(&w->lock);
	switch (type) {
	case KUBE_EVENT_ADDED:
	case KUBE_EVENT_MODIFIED:
		put_pod(w, obj);
		break;
	case KUBE_EVENT_DELETED: {
		struct json_object *meta, *uid;

		if (json_object_object_get_ex(obj, "metadata", &meta) &&
		    json_object_object_get_ex(meta, "uid", &uid))
			kube_pod_cache_delete(w->cache, json_object_get_string(uid));
		break;
	}
	case KUBE_EVENT_ERROR:
		on_error_event(w, obj);
		return 1; /* end this stream */
	}
	remember_rv(w, kube_object_resource_version(obj));
	return 0;
}

/* One watch request from w->rv. 0: it ended normally (watch again); -1: back off. */
static int watch_pods(struct kube_pod_watch *w)
{
	char path[4096], msg[512];
	struct json_stream s = { 0 };
	long status;

	snprintf(path, sizeof(path),
		 "/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=%s"
		 "&timeoutSeconds=%ld%s",
		 w->rv, w->opts.watch_timeout, w->selector);
	w->relist = 0;
	set_flag(w, &w->stats.connected, 1);
	/* The client's limit is a guard over the server's own timeoutSeconds. */
	status = stream_get(w, path, w->opts.watch_timeout + 30, on_event, &s, msg, sizeof(msg));
	set_flag(w, &w->stats.connected, 0);
	if (status >= 200 && status < 300)
		count(w, &w->stats.watches);
	if (w->relist) {
		free(w->rv);
		w->rv = NULL;
		return 0;
	}
	if (status == 410) {
		count(w, &w->stats.relists_gone);
		free(w->rv);
		w->rv = NULL;
		return 0;
	}
	if (s.bad && status > 0)
		status = -EPROTO;
	if (status_is_failure(w, status, msg, "watch pods"))
		return -1;
	return 0;
}

/* --- the thread ------------------------------------------------------------------------------ */

/* Sleeps `seconds` unless stopped first. */
static void pause_for(struct kube_pod_watch *w, double seconds)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)seconds;
	until.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	while (!w->stop && pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&w->lock);
}

/* The client needs no capability (a TCP connection, a readable token file), and the
 * daemon drops its own only after this thread has started: capabilities are per thread, so
 * this one gives up all of its own first. */
static void drop_thread_capabilities(void)
{
	cap_t none = cap_init();

	if (!none || cap_set_proc(none))
		log_error("kubernetes api: cannot drop the watch thread's capabilities: %s",
			  strerror(errno));
	cap_free(none);
}

static void *watch_thread(void *arg)
{
	struct kube_pod_watch *w = arg;
	double backoff = w->opts.backoff_initial;

	drop_thread_capabilities();

	while (!w->stop) {
		int rc = w->rv ? watch_pods(w) : list_pods(w);

		if (w->stop)
			break;
		if (rc == 0) {
			backoff = w->opts.backoff_initial;
			continue;
		}
		pause_for(w, backoff);
		backoff = backoff * 2 > w->opts.backoff_max ? w->opts.backoff_max : backoff * 2;
	}
	return NULL;
}

static char *field_selector(const char *node)
{
	char *escaped, *out = NULL;

	if (!node || !node[0])
		return strdup("");
	escaped = curl_easy_escape(NULL, node, 0);
	if (!escaped)
		return NULL;
	if (asprintf(&out, "&fieldSelector=spec.nodeName%%3D%s", escaped) < 0)
		out = NULL;
	curl_free(escaped);
	return out;
}

static void watch_free(struct kube_pod_watch *w)
{
	kube_api_client_free(w->client);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->selector);
	free(w->rv);
	free(w);
}

struct kube_pod_watch *kube_pod_watch_start(const struct kube_pod_watch_options *opts,
					    struct kube_pod_cache *cache, char *err,
					    size_t err_size)
{
	struct kube_pod_watch *w = calloc(1, sizeof(*w));
	pthread_condattr_t attr;
	int rc;

	if (!w)
		return NULL;
	w->opts = *opts;
	if (w->opts.backoff_initial <= 0)
		w->opts.backoff_initial = 0.5;
	if (w->opts.backoff_max <= 0)
		w->opts.backoff_max = 30;
	if (w->opts.watch_timeout <= 0)
		w->opts.watch_timeout = 300;
	if (w->opts.page_size <= 0)
		w->opts.page_size = 100;
	w->cache = cache;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &attr);
	pthread_condattr_destroy(&attr);
	w->selector = field_selector(opts->node_name);
	w->client = kube_api_client_new(opts->api, opts->user_agent, err, err_size);
	if (!w->selector || !w->client) {
		rc = errno ? errno : ENOMEM;
		watch_free(w);
		errno = rc;
		return NULL;
	}
	rc = pthread_create(&w->thread, NULL, watch_thread, w);
	if (!rc)
		pthread_setname_np(w->thread, "kube-api-watch"); /* in /proc/PID/task/TID/comm */
	if (rc) {
		snprintf(err, err_size, "cannot start the watch thread: %s", strerror(rc));
		watch_free(w);
		errno = rc;
		return NULL;
	}
	return w;
}

void kube_pod_watch_stop(struct kube_pod_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	watch_free(w);
}

void kube_pod_watch_get_stats(struct kube_pod_watch *w, struct kube_pod_watch_stats *out)
{
	pthread_mutex_lock(&w->lock);
	*out = w->stats;
	pthread_mutex_unlock(&w->lock);
}
