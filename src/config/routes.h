/*
 * config_routes — the YAML sections behind group_by, the route table and custom metrics
 * (SPEC §4; README "Routes and custom metrics"):
 *
 *	group_by: endpoint             # path (default) | full_path | endpoint | url_rule
 *	static_url_path: /static       # Flask's static rule, added to the routes; null: none
 *	routes:
 *	  - rule: /items/<int:id>
 *	    endpoint: get_item         # default: the rule text
 *	    methods: [GET, POST]       # default: [GET] (+HEAD; OPTIONS always, as in Flask)
 *	    do_not_track: true         # @metrics.do_not_track()
 *	    exclude_all_metrics: true  # @metrics.exclude_all_metrics()
 *	metrics:
 *	  - type: counter              # counter | gauge | histogram | summary
 *	    name: items_by_type
 *	    help: Requests by item type
 *	    buckets: [0.1, 1]          # histogram only
 *	    routes: [by_type]          # endpoints or rules; none: every route (register_default)
 *	    labels:
 *	      item_type: {param: item_type}
 *	      method: {from: method}   # method | path | status | endpoint | url_rule
 *	      team: web                # a plain value: static
 */
#ifndef FEE_CONFIG_ROUTES_H
#define FEE_CONFIG_ROUTES_H

#include <stddef.h>

#include "config/config.h"
#include "config/yaml_reader.h"
#include "metrics/custom_metrics.h"

/* One rule of `routes:`, as written; the table is built from these once the file is read. */
struct config_route {
	char *rule;
	char *endpoint; /* NULL: the rule text */
	char **methods;
	size_t n_methods;
	int tracking;	   /* enum route_tracking */
	yaml_node_t *node; /* while the file loads: where it was written */
};

/* One custom metric of `metrics:`; spec points into the owned fields. */
struct config_metric {
	struct custom_metric_spec spec;
	char **scope;
	struct custom_label *labels; /* name and arg owned */
	int has_type;
	char key[CONFIG_KEY_PATH_MAX];	  /* "metrics[i]", for messages */
	yaml_node_t *node, *buckets_node; /* while the file loads */
};

/* Handlers for the top-level keys static_url_path, routes and metrics. */
int config_parse_static_url_path(struct config_ctx *c, const char *key, yaml_node_t *value,
				 void *target);
int config_parse_routes(struct config_ctx *c, const char *key, yaml_node_t *value, void *target);
int config_parse_metrics(struct config_ctx *c, const char *key, yaml_node_t *value, void *target);

/* After the whole file: adds the static rule, checks every custom metric against the
 * routes (scope, parameters, names). 0 or -EINVAL with the error recorded. */
int config_routes_finish(struct config_ctx *c, struct exporter_config *cfg);

/* Declares cfg's custom metrics in cm (the default labels added, as the library does).
 * 0, or -EINVAL with a message in err, or -ENOMEM. */
int config_routes_add_metrics(const struct exporter_config *cfg, struct custom_metrics *cm,
			      char err[CUSTOM_ERROR_MAX]);

/* Frees the route table and the custom metrics. */
void config_routes_release(struct exporter_config *cfg);

#endif
