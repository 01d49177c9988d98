// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pod watch alone, for tests/e2e/test_kube_api.py: connects as the exporter would (in
 * cluster or from a kubeconfig), keeps the cache, and answers on stdin:
 *	dump	one JSON line with the watch's stats and every cached pod
 *	quit	stop the watch (must return within about a second) and exit 0
 * The main thread only reads stdin, so a dump answering while the server is slow shows the
 * watch never blocks its caller.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/kube_pod_watch.h"
#include "util/log.h"

#define MAX_KEYS 16

static void add_pair(struct json_object *map, const struct strpair *pairs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_object_object_add(map, pairs[i].key, json_object_new_string(pairs[i].value));
}

static void dump_pod(const struct kube_pod *pod, void *arg)
{
	struct json_object *out = json_object_new_object(), *labels = json_object_new_object();
	struct json_object *annotations = json_object_new_object();

	json_object_object_add(out, "uid", json_object_new_string(pod->uid));
	json_object_object_add(out, "name", json_object_new_string(pod->name));
	json_object_object_add(out, "namespace", json_object_new_string(pod->namespace));
	json_object_object_add(out, "owner_kind",
			       json_object_new_string(kube_owner_kind_name(pod->owner_kind)));
	json_object_object_add(out, "owner", json_object_new_string(pod->owner_name));
	add_pair(labels, pod->labels, pod->n_labels);
	add_pair(annotations, pod->annotations, pod->n_annotations);
	json_object_object_add(out, "labels", labels);
	json_object_object_add(out, "annotations", annotations);
	json_object_array_add(arg, out);
}

static void dump(struct kube_pod_watch *w, struct kube_pod_cache *cache)
{
	struct json_object *out = json_object_new_object(), *stats = json_object_new_object();
	struct json_object *pods = json_object_new_array();
	struct kube_pod_watch_stats s;
	struct kube_pod_cache_stats cs;

	kube_pod_watch_get_stats(w, &s);
	kube_pod_cache_stats(cache, &cs);
	json_object_object_add(stats, "lists", json_object_new_int64((int64_t)s.lists));
	json_object_object_add(stats, "watches", json_object_new_int64((int64_t)s.watches));
	for (int i = 0; i <= KUBE_EVENT_ERROR; i++)
		json_object_object_add(stats, kube_event_name(i),
				       json_object_new_int64((int64_t)s.events[i]));
	json_object_object_add(stats, "relists_gone",
			       json_object_new_int64((int64_t)s.relists_gone));
	json_object_object_add(stats, "relists_error",
			       json_object_new_int64((int64_t)s.relists_error));
	json_object_object_add(stats, "failures", json_object_new_int64((int64_t)s.failures));
	json_object_object_add(stats, "unauthorized",
			       json_object_new_int64((int64_t)s.unauthorized));
	json_object_object_add(stats, "bad_objects", json_object_new_int64((int64_t)s.bad_objects));
	json_object_object_add(stats, "synced", json_object_new_boolean(s.synced));
	json_object_object_add(stats, "connected", json_object_new_boolean(s.connected));
	json_object_object_add(stats, "cache_bytes", json_object_new_int64((int64_t)cs.bytes));
	json_object_object_add(stats, "over_cap", json_object_new_int64((int64_t)cs.over_cap));
	json_object_object_add(out, "stats", stats);
	kube_pod_cache_each(cache, dump_pod, pods);
	json_object_object_add(out, "pods", pods);
	printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "service-account-dir", required_argument, NULL, 's' },
		{ "node", required_argument, NULL, 'n' },
		{ "label", required_argument, NULL, 'l' },
		{ "annotation", required_argument, NULL, 'a' },
		{ "max-pods", required_argument, NULL, 'm' },
		{ "backoff-max", required_argument, NULL, 'b' },
		{ "watch-timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *labels[MAX_KEYS], *annotations[MAX_KEYS], *kubeconfig = NULL, *sa_dir = NULL;
	struct kube_pod_watch_options wo = { .user_agent = "kube_pod_watch_tool" };
	struct kube_api_access api = { 0 };
	struct kube_pod_cache *cache;
	struct kube_pod_watch *w;
	size_t max_pods = 0;
	char err[512], line[64];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			kubeconfig = optarg;
			break;
		case 's':
			sa_dir = optarg;
			break;
		case 'n':
			wo.node_name = optarg;
			break;
		case 'l':
			if (wo.keep.n_labels < MAX_KEYS)
				labels[wo.keep.n_labels++] = optarg;
			break;
		case 'a':
			if (wo.keep.n_annotations < MAX_KEYS)
				annotations[wo.keep.n_annotations++] = optarg;
			break;
		case 'm':
			max_pods = strtoul(optarg, NULL, 10);
			break;
		case 'b':
			wo.backoff_max = strtod(optarg, NULL);
			break;
		case 't':
			wo.watch_timeout = strtol(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	log_set_verbose(1);
	wo.keep.labels = labels;
	wo.keep.annotations = annotations;
	rc = kubeconfig ? kube_api_access_from_kubeconfig(&api, kubeconfig, err, sizeof(err))
			: kube_api_access_in_cluster(&api, sa_dir, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "kube_pod_watch_tool: %s\n", err);
		return 2;
	}
	wo.api = &api;
	cache = kube_pod_cache_new(max_pods);
	w = cache ? kube_pod_watch_start(&wo, cache, err, sizeof(err)) : NULL;
	if (!w) {
		fprintf(stderr, "kube_pod_watch_tool: %s\n", err);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "dump\n"))
			dump(w, cache);
		else if (!strcmp(line, "quit\n"))
			break;
	}
	kube_pod_watch_stop(w);
	kube_pod_cache_free(cache);
	kube_api_access_release(&api);
	return 0;
}
