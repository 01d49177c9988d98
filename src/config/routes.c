// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config/routes.h"

#include "config/metric_spec.h"
#include "http/route_table.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int config_parse_static_url_path(struct config_ctx *c, const char *key, yaml_node_t *value,
				 void *target)
{
	struct exporter_config *cfg = target;

	cfg->no_static_route = config_is_null(value);
	if (cfg->no_static_route)
		return 0;
	if (config_get_string(c, key, value, &cfg->static_url_path))
		return -EINVAL;
	/* "" is Flask's static_url_path='': the static files at the root, /<path:filename>. */
	if (cfg->static_url_path[0] != '/' && cfg->static_url_path[0])
		return config_error(c, value, key, "must start with '/' (or be '' or null)");
	return 0;
}

/* ---- routes: -------------------------------------------------------------------------- */

static int route_rule_key(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_get_string(c, key, value, &((struct config_route *)target)->rule);
}

static int route_endpoint_key(struct config_ctx *c, const char *key, yaml_node_t *value,
			      void *target)
{
	return config_get_string(c, key, value, &((struct config_route *)target)->endpoint);
}

/* A list of strings; *out (and *n) grow by each item. */
static int get_strings(struct config_ctx *c, const char *key, yaml_node_t *value, char ***out,
		       size_t *n)
{
	yaml_node_t *item;

	if (config_expect_list(c, key, value))
		return -EINVAL;
	for (size_t i = 0; (item = config_list_item(c, value, i)); i++) {
		char path[CONFIG_KEY_PATH_MAX], **grown;

		config_index_path(path, key, i);
		grown = realloc(*out, (*n + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		*out = grown;
		grown[*n] = NULL;
		if (config_get_string(c, path, item, &grown[*n]))
			return -EINVAL;
		(*n)++;
	}
	return 0;
}

static int route_methods_key(struct config_ctx *c, const char *key, yaml_node_t *value,
			     void *target)
{
	struct config_route *r = target;
	int err = get_strings(c, key, value, &r->methods, &r->n_methods);

	if (!err && !r->n_methods)
		return config_error(c, value, key, "a route needs at least one method");
	return err;
}

static int route_flag(struct config_ctx *c, const char *key, yaml_node_t *value,
		      struct config_route *r, int tracking)
{
	int on;

	if (config_get_bool(c, key, value, &on))
		return -EINVAL;
	if (on && r->tracking != ROUTE_TRACK)
		return config_error(c, value, key,
				    "do_not_track and exclude_all_metrics exclude each other");
	if (on)
		r->tracking = tracking;
	return 0;
}

static int route_do_not_track_key(struct config_ctx *c, const char *key, yaml_node_t *value,
				  void *target)
{
	return route_flag(c, key, value, target, ROUTE_DO_NOT_TRACK);
}

static int route_exclude_all_key(struct config_ctx *c, const char *key, yaml_node_t *value,
				 void *target)
{
	return route_flag(c, key, value, target, ROUTE_EXCLUDE_ALL);
}

int config_parse_routes(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	static const struct config_key keys[] = {
		{ "rule", route_rule_key },
		{ "endpoint", route_endpoint_key },
		{ "methods", route_methods_key },
		{ "do_not_track", route_do_not_track_key },
		{ "exclude_all_metrics", route_exclude_all_key },
		{ NULL, NULL },
	};
	struct exporter_config *cfg = target;
	yaml_node_t *item;

	if (config_expect_list(c, key, value))
		return -EINVAL;
	cfg->has_routes = 1;
	for (size_t i = 0; (item = config_list_item(c, value, i)); i++) {
		char path[CONFIG_KEY_PATH_MAX];
		struct config_route *r;

		config_index_path(path, key, i);
		r = realloc(cfg->routes_cfg, (cfg->n_routes + 1) * sizeof(*r));
		if (!r)
			return -ENOMEM;
		cfg->routes_cfg = r;
		r = &r[cfg->n_routes++];
		memset(r, 0, sizeof(*r));
		r->line = config_node_line(item);
		if (config_walk_map(c, path, item, keys, r))
			return -EINVAL;
		if (!r->rule)
			return config_error(c, item, path, "a route needs a rule");
	}
	return 0;
}

/* ---- metrics: ------------------------------------------------------------------------- */

static const struct {
	const char *name;
	enum custom_label_source source;
} label_sources[] = {
	{ "method", CUSTOM_LABEL_METHOD },     { "path", CUSTOM_LABEL_PATH },
	{ "status", CUSTOM_LABEL_STATUS },     { "endpoint", CUSTOM_LABEL_ENDPOINT },
	{ "url_rule", CUSTOM_LABEL_URL_RULE },
};

struct label_target {
	struct custom_label *label;
	int given;
};

static int label_once(struct config_ctx *c, const char *key, yaml_node_t *value,
		      struct label_target *t)
{
	if (t->given)
		return config_error(c, value, key,
				    "a label takes exactly one of from, param and value");
	t->given = 1;
	return 0;
}

static int label_from_key(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	struct label_target *t = target;
	const char *text;

	if (label_once(c, key, value, t) || config_get_text(c, key, value, &text))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(label_sources) / sizeof(label_sources[0]); i++) {
		if (!strcmp(text, label_sources[i].name)) {
			t->label->source = label_sources[i].source;
			return 0;
		}
	}
	return config_error(c, value, key,
			    "'%s' is not one of method, path, status, endpoint, url_rule", text);
}

static int label_param_key(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	struct label_target *t = target;

	if (label_once(c, key, value, t))
		return -EINVAL;
	t->label->source = CUSTOM_LABEL_PARAM;
	return config_get_string(c, key, value, (char **)&t->label->arg);
}

static int label_value_key(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	struct label_target *t = target;

	if (label_once(c, key, value, t))
		return -EINVAL;
	t->label->source = CUSTOM_LABEL_STATIC;
	return config_get_string(c, key, value, (char **)&t->label->arg);
}

static int metric_label(struct config_ctx *c, const char *key, const char *name, yaml_node_t *value,
			void *target)
{
	static const struct config_key keys[] = {
		{ "from", label_from_key },
		{ "param", label_param_key },
		{ "value", label_value_key },
		{ NULL, NULL },
	};
	struct config_metric *m = target;
	struct custom_label *grown, *label;
	struct label_target t = { 0 };

	grown = realloc(m->labels, (m->spec.n_labels + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	m->labels = grown;
	m->spec.labels = grown;
	label = &grown[m->spec.n_labels++];
	memset(label, 0, sizeof(*label));
	label->name = strdup(name);
	if (!label->name)
		return -ENOMEM;
	if (value->type == YAML_SCALAR_NODE) { /* a plain value: static */
		label->source = CUSTOM_LABEL_STATIC;
		return config_get_string(c, key, value, (char **)&label->arg);
	}
	t.label = label;
	if (config_walk_map(c, key, value, keys, &t))
		return -EINVAL;
	if (!t.given)
		return config_error(c, value, key, "a label takes one of from, param and value");
	return 0;
}

static int metric_labels_key(struct config_ctx *c, const char *key, yaml_node_t *value,
			     void *target)
{
	return config_walk_pairs(c, key, value, metric_label, target);
}

static int metric_type_key(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	static const struct {
		const char *name;
		enum metric_type type;
	} types[] = {
		{ "counter", METRIC_COUNTER },
		{ "gauge", METRIC_GAUGE },
		{ "histogram", METRIC_HISTOGRAM },
		{ "summary", METRIC_SUMMARY },
	};
	struct config_metric *m = target;
	const char *text;

	if (config_get_text(c, key, value, &text))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (!strcmp(text, types[i].name)) {
			m->spec.type = types[i].type;
			m->has_type = 1;
			return 0;
		}
	}
	return config_error(c, value, key, "'%s' is not one of counter, gauge, histogram, summary",
			    text);
}

static int metric_name_key(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_get_string(c, key, value,
				 (char **)&((struct config_metric *)target)->spec.name);
}

static int metric_help_key(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_get_string(c, key, value,
				 (char **)&((struct config_metric *)target)->spec.help);
}

static int metric_buckets_key(struct config_ctx *c, const char *key, yaml_node_t *value,
			      void *target)
{
	struct config_metric *m = target;

	if (config_get_doubles(c, key, value, (double **)&m->spec.buckets, &m->spec.n_buckets))
		return -EINVAL;
	m->buckets_line = config_node_line(value);
	return 0;
}

static int metric_routes_key(struct config_ctx *c, const char *key, yaml_node_t *value,
			     void *target)
{
	struct config_metric *m = target;
	int err = get_strings(c, key, value, &m->scope, &m->spec.n_scope);

	m->spec.scope = (const char *const *)m->scope;
	if (!err && !m->spec.n_scope)
		return config_error(
			c, value, key,
			"an empty list scopes nothing; leave routes out for all of them");
	return err;
}

int config_parse_metrics(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	static const struct config_key keys[] = {
		{ "type", metric_type_key },
		{ "name", metric_name_key },
		{ "help", metric_help_key },
		{ "buckets", metric_buckets_key },
		{ "routes", metric_routes_key },
		{ "labels", metric_labels_key },
		{ NULL, NULL },
	};
	struct exporter_config *cfg = target;
	yaml_node_t *item;

	if (config_expect_list(c, key, value))
		return -EINVAL;
	for (size_t i = 0; (item = config_list_item(c, value, i)); i++) {
		char path[CONFIG_KEY_PATH_MAX];
		struct config_metric *m;

		config_index_path(path, key, i);
		m = realloc(cfg->metrics, (cfg->n_metrics + 1) * sizeof(*m));
		if (!m)
			return -ENOMEM;
		cfg->metrics = m;
		m = &m[cfg->n_metrics++];
		memset(m, 0, sizeof(*m));
		m->line = config_node_line(item);
		if (config_walk_map(c, path, item, keys, m))
			return -EINVAL;
		if (!m->has_type)
			return config_error(c, item, path, "a metric needs a type");
		if (!m->spec.name)
			return config_error(c, item, path, "a metric needs a name");
		if (!m->spec.help)
			return config_error(c, item, path, "a metric needs a help text");
		if (m->buckets_line && m->spec.type != METRIC_HISTOGRAM)
			return config_error_at(c, m->buckets_line, path,
					       "buckets are for histograms only");
	}
	return 0;
}

/* ---- once the whole file is read ------------------------------------------------------ */

struct route_table *config_route_table(const struct exporter_config *cfg, size_t *bad,
				       char err[ROUTE_ERROR_MAX])
{
	struct route_table *routes;
	int rc = 0;

	errno = 0;
	if (!cfg->has_routes)
		return NULL;
	routes = route_table_new();
	if (!routes)
		return NULL;
	/* Flask adds its static rule first, when the app is made. */
	if (!cfg->no_static_route) {
		const char *base = cfg->static_url_path ? cfg->static_url_path : "/static";
		char rule[512];

		snprintf(rule, sizeof(rule), "%s/<path:filename>", base);
		*bad = SIZE_MAX;
		rc = route_table_add(routes, rule, "static", NULL, 0, ROUTE_TRACK, err);
	}
	for (size_t i = 0; !rc && i < cfg->n_routes; i++) {
		const struct config_route *r = &cfg->routes_cfg[i];

		*bad = i;
		rc = route_table_add(routes, r->rule, r->endpoint, (const char *const *)r->methods,
				     r->n_methods, (enum route_tracking)r->tracking, err);
	}
	if (!rc)
		return routes;
	route_table_free(routes);
	errno = -rc;
	return NULL;
}

int config_metric_spec(const struct exporter_config *cfg, size_t i, struct custom_metric_spec *spec,
		       struct custom_label **labels)
{
	const struct config_metric *m = &cfg->metrics[i];

	*spec = m->spec;
	*labels = calloc(spec->n_labels + cfg->n_labels + 1, sizeof(**labels));
	if (!*labels)
		return -ENOMEM;
	if (spec->n_labels)
		memcpy(*labels, spec->labels, spec->n_labels * sizeof(**labels));
	for (size_t d = 0; d < cfg->n_labels; d++) {
		int taken = 0;

		for (size_t l = 0; l < m->spec.n_labels; l++)
			taken |= !strcmp(m->spec.labels[l].name, cfg->labels[d].key);
		if (!taken)
			(*labels)[spec->n_labels++] =
				(struct custom_label){ cfg->labels[d].key, CUSTOM_LABEL_STATIC,
						       cfg->labels[d].value };
	}
	spec->labels = *labels;
	return 0;
}

/* Every rule, as Flask would take them; the table is built again where it is used. */
static int check_routes(struct config_ctx *c, const struct exporter_config *cfg,
			struct route_table **routes)
{
	char err[ROUTE_ERROR_MAX], path[CONFIG_KEY_PATH_MAX];
	size_t bad = 0;

	*routes = config_route_table(cfg, &bad, err);
	if (*routes || !errno)
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (bad == SIZE_MAX)
		return config_error(c, NULL, "static_url_path", "%s", err);
	config_index_path(path, "routes", bad);
	return config_error_at(c, cfg->routes_cfg[bad].line, path, "%s", err);
}

/* Every custom metric against the routes, with the file and line of the first that fails. */
static int check_metrics(struct config_ctx *c, const struct exporter_config *cfg,
			 const struct route_table *routes)
{
	for (size_t i = 0; i < cfg->n_metrics; i++) {
		char err[CUSTOM_ERROR_MAX], path[CONFIG_KEY_PATH_MAX];
		struct custom_metric_spec spec;
		struct custom_label *labels;
		unsigned char *in_scope = NULL;
		int rc = config_metric_spec(cfg, i, &spec, &labels);

		if (!rc)
			rc = metric_spec_check(&spec, routes, &in_scope, err);
		free(in_scope);
		free(labels);
		if (rc == -EINVAL) {
			config_index_path(path, "metrics", i);
			return config_error_at(c, cfg->metrics[i].line, path, "%s", err);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int config_routes_finish(struct config_ctx *c, struct exporter_config *cfg)
{
	struct route_table *routes = NULL;
	int rc = check_routes(c, cfg, &routes);

	if (!rc)
		rc = check_metrics(c, cfg, routes);
	route_table_free(routes);
	return rc;
}
