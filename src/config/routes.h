/*
 * routes — the YAML sections behind the route table and custom metrics
 * (SPEC §4; docs/routes-and-custom-metrics.md):
 *
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
#include "http/route_table.h"

/* Handlers for the top-level keys static_url_path, routes and metrics. */
int config_parse_static_url_path(struct config_ctx *c, const char *key, yaml_node_t *value,
				 void *target);
int config_parse_routes(struct config_ctx *c, const char *key, yaml_node_t *value, void *target);
int config_parse_metrics(struct config_ctx *c, const char *key, yaml_node_t *value, void *target);

/* After the whole file: builds the route table once to check every rule, and checks every
 * custom metric against it (scope, parameters, labels). 0 or -EINVAL with the error
 * recorded. What only a registry can tell (names, clashes) is checked by metrics/ right
 * after the file is read (cli_parse's check_file: custom_metrics_check_config). */
int config_routes_finish(struct config_ctx *c, struct exporter_config *cfg);

/*
 * The app's route table from cfg's routes: (Flask's static rule first, unless
 * static_url_path is null). NULL with errno 0 when the configuration has no routes:
 * section; NULL with errno EINVAL (the rule's message in err, *bad the index of the route
 * in routes_cfg, or SIZE_MAX for the static rule) or ENOMEM on failure.
 */
struct route_table *config_route_table(const struct exporter_config *cfg, size_t *bad,
				       char err[ROUTE_ERROR_MAX]);

/* Custom metric i's spec with the default labels the library adds to every metric
 * (_get_combined_labels) unless the metric sets that label itself. *labels is the new label
 * array spec points into: free it after use. 0 or -ENOMEM. */
int config_metric_spec(const struct exporter_config *cfg, size_t i, struct custom_metric_spec *spec,
		       struct custom_label **labels);

#endif
