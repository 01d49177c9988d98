// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/kube_api_select.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

static void add_key(const char **keys, size_t *n, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(keys[i], key))
			return;
	if (*n < KUBE_API_KEEP_MAX)
		keys[(*n)++] = key;
}

void kube_api_keep_keys(const struct kube_api_options *o, struct kube_api_keep_buf *buf)
{
	size_t nl = 0, na = 0;

	for (size_t i = 0; i < label_selector_key_count(o->selector); i++)
		add_key(buf->labels, &nl, label_selector_key(o->selector, i));
	for (size_t i = 0; i < o->n_pod_labels; i++)
		add_key(buf->labels, &nl, o->pod_labels[i].pod_label);
	for (size_t i = 0; i < label_selector_key_count(o->annotation_selector); i++)
		add_key(buf->annotations, &na, label_selector_key(o->annotation_selector, i));
	if (o->opt_in) {
		add_key(buf->annotations, &na, KUBE_API_SCRAPE_ANNOTATION);
		add_key(buf->annotations, &na, KUBE_API_PORT_ANNOTATION);
		add_key(buf->annotations, &na, KUBE_API_CONTAINER_ANNOTATION);
	}
	buf->keep = (struct kube_pod_keep){ buf->labels, nl, buf->annotations, na };
}

static int owner_matches(const struct kube_api_options *o, const struct kube_pod *pod)
{
	if (!o->n_owners)
		return 1;
	for (size_t i = 0; i < o->n_owners; i++)
		if (o->owners[i].kind == pod->owner_kind &&
		    !fnmatch(o->owners[i].name_glob, pod->owner_name, 0))
			return 1;
	return 0;
}

int kube_api_selects(const struct kube_api_options *o, const struct kube_pod *pod)
{
	const char *scrape = kube_pod_annotation(pod, KUBE_API_SCRAPE_ANNOTATION);

	if (o->opt_in && !(scrape && !strcmp(scrape, "true")))
		return 0;
	return label_selector_matches(o->selector, pod->labels, pod->n_labels) &&
	       label_selector_matches(o->annotation_selector, pod->annotations,
				      pod->n_annotations) &&
	       owner_matches(o, pod);
}

int kube_api_pod_port(const struct kube_pod *pod)
{
	const char *text = kube_pod_annotation(pod, KUBE_API_PORT_ANNOTATION);
	char *end;
	long port;

	if (!text)
		return 0;
	port = strtol(text, &end, 10);
	return end != text && !*end && port >= 1 && port <= 65535 ? (int)port : -1;
}

const char *kube_api_pod_container(const struct kube_pod *pod)
{
	return kube_pod_annotation(pod, KUBE_API_CONTAINER_ANNOTATION);
}

size_t kube_api_label_names(const struct kube_api_options *o, const char **names)
{
	size_t n = 0;

	for (int i = 0; o->owner_labels && i < KUBE_API_OWNER_LABELS; i++)
		names[n++] = kube_api_owner_label(kube_api_owner_label_kinds[i]);
	for (size_t i = 0; i < o->n_pod_labels; i++)
		names[n++] = o->pod_labels[i].series_label;
	return n;
}

size_t kube_api_label_values(const struct kube_api_options *o, const struct kube_pod *pod,
			     const char **values)
{
	size_t n = 0;

	for (int i = 0; o->owner_labels && i < KUBE_API_OWNER_LABELS; i++)
		values[n++] = pod && pod->owner_kind == kube_api_owner_label_kinds[i]
				      ? pod->owner_name
				      : "";
	for (size_t i = 0; i < o->n_pod_labels; i++) {
		const char *v = pod ? kube_pod_label(pod, o->pod_labels[i].pod_label) : NULL;

		values[n++] = v ? v : "";
	}
	return n;
}
