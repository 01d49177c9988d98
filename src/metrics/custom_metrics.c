// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/custom_metrics.h"

#include "config/routes.h"
#include "http/observed_request.h"
#include "http/path_filter.h"
#include "http/request_line.h"
#include "http/route_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct custom_metric {
	struct metric_family *family;
	enum metric_type type;
	struct custom_label *labels; /* owned copies */
	size_t n_labels;
	unsigned char *in_scope; /* per route index; NULL: every route */
};

struct custom_metrics {
	struct registry *registry;
	struct route_table *routes;
	struct custom_metric *metrics;
	size_t n_metrics;
	int need_started;
};

struct custom_metrics *custom_metrics_new(struct registry *r, struct route_table *routes)
{
	struct custom_metrics *cm = calloc(1, sizeof(*cm));

	if (!cm)
		return NULL;
	cm->registry = r;
	cm->routes = routes;
	return cm;
}

static void metric_free(struct custom_metric *m)
{
	for (size_t i = 0; i < m->n_labels; i++) {
		free((char *)m->labels[i].name);
		free((char *)m->labels[i].arg);
	}
	free(m->labels);
	free(m->in_scope);
}

void custom_metrics_free(struct custom_metrics *cm)
{
	if (!cm)
		return;
	for (size_t i = 0; i < cm->n_metrics; i++)
		metric_free(&cm->metrics[i]);
	free(cm->metrics);
	free(cm);
}

static int copy_labels(struct custom_metric *m, const struct custom_metric_spec *spec)
{
	m->labels = calloc(spec->n_labels ? spec->n_labels : 1, sizeof(*m->labels));
	if (!m->labels)
		return -ENOMEM;
	for (size_t l = 0; l < spec->n_labels; l++) {
		m->labels[l] = spec->labels[l];
		m->labels[l].name = strdup(spec->labels[l].name);
		m->labels[l].arg = spec->labels[l].arg ? strdup(spec->labels[l].arg) : NULL;
		m->n_labels++;
		if (!m->labels[l].name || (spec->labels[l].arg && !m->labels[l].arg))
			return -ENOMEM;
	}
	return 0;
}

int custom_metrics_add(struct custom_metrics *cm, const struct custom_metric_spec *spec,
		       char err[CUSTOM_ERROR_MAX])
{
	struct custom_metric m = { .type = spec->type };
	const char *names[CUSTOM_LABELS_MAX];
	const double *buckets = spec->buckets;
	size_t n_buckets = spec->n_buckets, all_static = 1;
	struct custom_metric *grown;
	int rc;

	rc = metric_spec_check(spec, cm->routes, &m.in_scope, err);
	if (rc)
		goto fail;
	rc = copy_labels(&m, spec);
	if (rc)
		goto fail;
	for (size_t l = 0; l < spec->n_labels; l++) {
		names[l] = spec->labels[l].name;
		if (spec->labels[l].source != CUSTOM_LABEL_STATIC)
			all_static = 0;
	}
	if (spec->type != METRIC_HISTOGRAM) {
		buckets = NULL;
		n_buckets = 0;
	} else if (!buckets) {
		buckets = registry_default_buckets; /* what metrics.histogram uses */
		n_buckets = REGISTRY_DEFAULT_BUCKETS_COUNT;
	}
	if (registry_find_family(cm->registry, spec->name)) {
		snprintf(err, CUSTOM_ERROR_MAX, "%s: a metric of that name exists already",
			 spec->name);
		rc = -EINVAL;
		goto fail;
	}
	m.family = registry_add_family(cm->registry, spec->name, spec->help, spec->type, names,
				       spec->n_labels, buckets, n_buckets);
	if (!m.family) {
		snprintf(err, CUSTOM_ERROR_MAX, "%s: %s", spec->name,
			 errno == EINVAL ? "bad name, label name or buckets, or a name clash"
					 : strerror(errno));
		rc = errno == EINVAL ? -EINVAL : -ENOMEM;
		goto fail;
	}
	/* Like the client, a metric whose label values never change starts at zero. */
	if (all_static && spec->n_labels) {
		const char *values[CUSTOM_LABELS_MAX];

		for (size_t l = 0; l < spec->n_labels; l++)
			values[l] = spec->labels[l].arg;
		if (!metric_family_child(m.family, values)) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	grown = realloc(cm->metrics, (cm->n_metrics + 1) * sizeof(*grown));
	if (!grown) {
		rc = -ENOMEM;
		goto fail;
	}
	cm->metrics = grown;
	cm->metrics[cm->n_metrics++] = m;
	if (spec->type == METRIC_GAUGE)
		cm->need_started = 1;
	return 0;
fail:
	if (rc == -ENOMEM)
		snprintf(err, CUSTOM_ERROR_MAX, "%s: out of memory", spec->name);
	metric_free(&m);
	return rc;
}

int custom_metrics_add_config(struct custom_metrics *cm, const struct exporter_config *cfg,
			      size_t *bad, char err[CUSTOM_ERROR_MAX])
{
	for (size_t i = 0; i < cfg->n_metrics; i++) {
		struct custom_metric_spec spec;
		struct custom_label *labels;
		int rc = config_metric_spec(cfg, i, &spec, &labels);

		if (!rc)
			rc = custom_metrics_add(cm, &spec, err);
		free(labels);
		if (rc) {
			*bad = i;
			return rc;
		}
	}
	return 0;
}

int custom_metrics_check_config(const struct exporter_config *cfg, struct route_table *routes,
				size_t *bad, char err[CUSTOM_ERROR_MAX])
{
	struct registry *r = registry_new(NULL);
	struct custom_metrics *cm = r ? custom_metrics_new(r, routes) : NULL;
	int rc = cm ? custom_metrics_add_config(cm, cfg, bad, err) : -ENOMEM;

	custom_metrics_free(cm);
	registry_free(r);
	return rc;
}

int custom_metrics_need_started(const struct custom_metrics *cm)
{
	return cm && cm->need_started;
}

static const char *label_value(const struct custom_label *label,
			       const struct http_request_line *line, const struct route *route,
			       const struct route_match *match, const char *status)
{
	const char *v;

	switch (label->source) {
	case CUSTOM_LABEL_STATIC:
		return label->arg;
	case CUSTOM_LABEL_METHOD:
		return line->method;
	case CUSTOM_LABEL_PATH:
		return line->path;
	case CUSTOM_LABEL_STATUS:
		return status;
	case CUSTOM_LABEL_ENDPOINT:
		return route ? route_endpoint(route) : "None";
	case CUSTOM_LABEL_URL_RULE:
		return route ? route_rule(route) : "None";
	case CUSTOM_LABEL_PARAM:
		v = route ? route_match_param(match, label->arg) : NULL;
		return v ? v : "None";
	}
	return "";
}

/* A gauge goes down only for a request whose rise it saw, and never below zero. */
static void gauge_release(struct metric_child *c)
{
	if (metric_child_value(c) >= 1)
		metric_child_inc(c, -1);
}

static void apply(const struct custom_metric *m, struct metric_child *c,
		  const struct fee_request_record *rec)
{
	switch (rec->kind) {
	case FEE_KIND_STARTED:
		if (m->type == METRIC_GAUGE)
			metric_child_inc(c, 1);
		break;
	case FEE_KIND_ABANDONED:
		if (m->type == METRIC_GAUGE)
			gauge_release(c);
		break;
	case FEE_KIND_FINISHED:
		if (m->type == METRIC_COUNTER)
			metric_child_inc(c, 1);
		else if (m->type == METRIC_GAUGE)
			gauge_release(c);
		else if (m->type != METRIC_GAUGE)
			metric_child_observe(c, (double)rec->duration_ns / 1e9);
		break;
	}
}

void custom_metrics_observe(struct custom_metrics *cm, struct observed_request *o)
{
	const struct fee_request_record *rec = o->rec;
	const struct observed_request *req;
	const struct route *route = NULL;
	char status[8];

	if (!cm || !cm->n_metrics)
		return;
	/* A cut line has a cut path: no route can be told for it. */
	if (o->truncated)
		return;
	if (rec->kind == FEE_KIND_STARTED || rec->kind == FEE_KIND_ABANDONED) {
		if (!cm->need_started)
			return;
	} else if (rec->kind != FEE_KIND_FINISHED) {
		return;
	}
	req = observed_request_model(o);
	if (req->parse_error || req->excluded)
		return;
	if (cm->routes) {
		/* As the library's decorators: only requests whose view function runs. */
		if (!req->match.route || !req->match.view_runs ||
		    route_tracking(req->match.route) == ROUTE_EXCLUDE_ALL)
			return;
		route = req->match.route;
	}
	/* A view that raised: the library's wrapper labels it with the 500 it makes itself,
	 * whatever an error handler later sent. */
	snprintf(status, sizeof(status), "%u",
		 rec->flags & FEE_REC_EXCEPTION ? 500u : (unsigned int)rec->status);
	for (size_t i = 0; i < cm->n_metrics; i++) {
		const struct custom_metric *m = &cm->metrics[i];
		const char *values[CUSTOM_LABELS_MAX];
		struct metric_child *c;

		if (m->in_scope && !m->in_scope[route_index(route)])
			continue;
		if (rec->kind != FEE_KIND_FINISHED && m->type != METRIC_GAUGE)
			continue;
		/* A request whose start the gauge never saw (sent before the exporter came, or
		 * dropped with the ring buffer full) must not lower it. */
		if (rec->kind == FEE_KIND_FINISHED && m->type == METRIC_GAUGE &&
		    !(rec->flags & FEE_REC_START_EMITTED))
			continue;
		for (size_t l = 0; l < m->n_labels; l++)
			values[l] =
				label_value(&m->labels[l], &req->line, route, &req->match, status);
		c = metric_family_child(m->family, m->n_labels ? values : NULL);
		if (c)
			apply(m, c, rec);
	}
}
