// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config/yaml_reader.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int record_error(struct config_ctx *c, size_t line, const char *key, const char *fmt,
			va_list ap)
{
	char msg[CONFIG_ERROR_MSG_MAX];

	if (c->failed)
		return -EINVAL;
	c->failed = 1;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!c->err || !c->err_size)
		return -EINVAL;
	if (line && key && key[0])
		snprintf(c->err, c->err_size, "%s:%zu: %s: %s", c->file, line, key, msg);
	else if (line)
		snprintf(c->err, c->err_size, "%s:%zu: %s", c->file, line, msg);
	else
		snprintf(c->err, c->err_size, "%s: %s", c->file, msg);
	return -EINVAL;
}

size_t config_node_line(const yaml_node_t *node)
{
	return (size_t)node->start_mark.line + 1;
}

int config_error(struct config_ctx *c, const yaml_node_t *node, const char *key, const char *fmt,
		 ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = record_error(c, node ? config_node_line(node) : 0, key, fmt, ap);
	va_end(ap);
	return ret;
}

int config_error_at(struct config_ctx *c, size_t line, const char *key, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = record_error(c, line, key, fmt, ap);
	va_end(ap);
	return ret;
}

/* "parent.child" (or "child" at the top, parent ""), cut to fit; out has
 * CONFIG_KEY_PATH_MAX bytes. */
static void config_key_path(char *out, const char *parent, const char *child)
{
	snprintf(out, CONFIG_KEY_PATH_MAX, "%s%s%s", parent, parent[0] ? "." : "", child);
}

void config_index_path(char *out, const char *parent, size_t i)
{
	snprintf(out, CONFIG_KEY_PATH_MAX, "%s[%zu]", parent, i);
}

int config_is_null(const yaml_node_t *node)
{
	const char *v;

	if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)node->data.scalar.value;
	return !v[0] || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

static const char *node_kind(const yaml_node_t *node)
{
	if (node->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (node->type == YAML_SEQUENCE_NODE)
		return "a list";
	return config_is_null(node) ? "nothing" : "a scalar";
}

static int config_expect_map(struct config_ctx *c, const char *key, const yaml_node_t *node)
{
	if (node->type == YAML_MAPPING_NODE)
		return 0;
	return config_error(c, node, key, "expected a mapping (key: value), got %s",
			    node_kind(node));
}

int config_expect_list(struct config_ctx *c, const char *key, const yaml_node_t *node)
{
	if (node->type == YAML_SEQUENCE_NODE)
		return 0;
	return config_error(c, node, key, "expected a list, got %s", node_kind(node));
}

static size_t config_list_length(const yaml_node_t *list)
{
	return (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
}

yaml_node_t *config_list_item(struct config_ctx *c, const yaml_node_t *list, size_t i)
{
	if (i >= config_list_length(list))
		return NULL;
	return yaml_document_get_node(c->doc, list->data.sequence.items.start[i]);
}

/* Key names of a table, for "unknown key" messages. */
static void known_keys(const struct config_key *keys, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (const struct config_key *k = keys; k->name && len < size; k++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? ", " : "", k->name);
}

/* The text of a mapping key: a non-empty plain or quoted string. */
static int key_text(struct config_ctx *c, const char *parent, const yaml_node_t *node,
		    const char **out)
{
	if (node->type != YAML_SCALAR_NODE || config_is_null(node))
		return config_error(c, node, parent, "keys must be strings, got %s",
				    node_kind(node));
	*out = (const char *)node->data.scalar.value;
	return 0;
}

/* Whether the pair's key appeared earlier in the same mapping. */
static int seen_before(struct config_ctx *c, const yaml_node_t *map, const yaml_node_pair_t *pair,
		       const char *name)
{
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start; p < pair; p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, name))
			return 1;
	}
	return 0;
}

/* One pair of a mapping: its nodes, its key's text (a string), its full path; the key must
 * not have appeared earlier in the mapping. */
struct map_pair {
	yaml_node_t *key, *value;
	const char *name;
	char path[CONFIG_KEY_PATH_MAX];
};

static int read_pair(struct config_ctx *c, const char *parent, yaml_node_t *map,
		     yaml_node_pair_t *p, struct map_pair *out)
{
	int err;

	out->key = yaml_document_get_node(c->doc, p->key);
	out->value = yaml_document_get_node(c->doc, p->value);
	err = key_text(c, parent, out->key, &out->name);
	if (err)
		return err;
	config_key_path(out->path, parent, out->name);
	if (seen_before(c, map, p, out->name))
		return config_error(c, out->key, out->path, "given twice");
	return 0;
}

int config_walk_map(struct config_ctx *c, const char *key, yaml_node_t *node,
		    const struct config_key *keys, void *target)
{
	int err = config_expect_map(c, key, node);

	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     !err && p < node->data.mapping.pairs.top; p++) {
		const struct config_key *entry;
		struct map_pair pair;

		err = read_pair(c, key, node, p, &pair);
		if (err)
			break;
		for (entry = keys; entry->name && strcmp(entry->name, pair.name); entry++)
			;
		if (!entry->name) {
			char list[CONFIG_ERROR_MSG_MAX - 32];

			known_keys(keys, list, sizeof(list));
			return config_error(c, pair.key, pair.path, "unknown key (known: %s)",
					    list);
		}
		err = entry->parse(c, pair.path, pair.value, target);
	}
	return err;
}

int config_walk_pairs(struct config_ctx *c, const char *key, yaml_node_t *node, config_pair_fn fn,
		      void *target)
{
	int err = config_expect_map(c, key, node);

	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     !err && p < node->data.mapping.pairs.top; p++) {
		struct map_pair pair;

		err = read_pair(c, key, node, p, &pair);
		if (!err)
			err = fn(c, pair.path, pair.name, pair.value, target);
	}
	return err;
}

int config_get_text(struct config_ctx *c, const char *key, const yaml_node_t *node,
		    const char **out)
{
	if (node->type != YAML_SCALAR_NODE || config_is_null(node))
		return config_error(c, node, key, "expected a string, got %s", node_kind(node));
	*out = (const char *)node->data.scalar.value;
	return 0;
}

int config_get_string(struct config_ctx *c, const char *key, const yaml_node_t *node, char **out)
{
	const char *text = NULL;
	char *copy;
	int err = config_get_text(c, key, node, &text);

	if (err)
		return err;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	free(*out);
	*out = copy;
	return 0;
}

/* A plain scalar's text, for numbers and booleans: quoting makes a string in YAML. */
static const char *plain_text(const yaml_node_t *node)
{
	if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    config_is_null(node))
		return NULL;
	return (const char *)node->data.scalar.value;
}

int config_get_bool(struct config_ctx *c, const char *key, const yaml_node_t *node, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	const char *v = plain_text(node);

	for (int i = 0; v && yes[i]; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return config_error(c, node, key, "expected true or false, got %s",
			    v ? "another word" : node_kind(node));
}

int config_get_int(struct config_ctx *c, const char *key, const yaml_node_t *node, long min,
		   long max, long *out)
{
	const char *v = plain_text(node);
	char *end;
	long n;

	if (!v)
		return config_error(c, node, key, "expected a whole number, got %s",
				    node_kind(node));
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end)
		return config_error(c, node, key, "expected a whole number, got '%s'", v);
	if (n < min || n > max)
		return config_error(c, node, key, "%ld is out of range (%ld..%ld)", n, min, max);
	*out = n;
	return 0;
}

/* YAML 1.1 floats, and Python's spellings of infinity that users copy from code. */
static int parse_yaml_double(const char *v, double *out)
{
	char *end;

	if (!strcasecmp(v, ".inf") || !strcasecmp(v, "+.inf") || !strcasecmp(v, "inf") ||
	    !strcasecmp(v, "+inf")) {
		*out = INFINITY;
		return 0;
	}
	if (!strcasecmp(v, "-.inf") || !strcasecmp(v, "-inf")) {
		*out = -INFINITY;
		return 0;
	}
	errno = 0;
	*out = strtod(v, &end);
	if (errno || end == v || *end || isnan(*out) || isinf(*out))
		return -EINVAL;
	return 0;
}

static int config_get_double(struct config_ctx *c, const char *key, const yaml_node_t *node,
			     double *out)
{
	const char *v = plain_text(node);

	if (!v)
		return config_error(c, node, key, "expected a number, got %s", node_kind(node));
	if (parse_yaml_double(v, out))
		return config_error(c, node, key, "expected a number, got '%s'", v);
	return 0;
}

int config_get_doubles(struct config_ctx *c, const char *key, const yaml_node_t *node, double **out,
		       size_t *n)
{
	size_t len;
	double *values;
	int err = 0;

	if (node->type != YAML_SEQUENCE_NODE)
		return config_error(c, node, key, "expected a list of numbers, got %s",
				    node_kind(node));
	len = config_list_length(node);
	values = calloc(len ? len : 1, sizeof(*values));
	if (!values)
		return -ENOMEM;
	for (size_t i = 0; i < len && !err; i++) {
		char path[CONFIG_KEY_PATH_MAX];

		config_index_path(path, key, i);
		err = config_get_double(c, path, config_list_item(c, node, i), &values[i]);
	}
	if (err) {
		free(values);
		return err;
	}
	free(*out);
	*out = values;
	*n = len;
	return 0;
}

/* --- whole documents ------------------------------------------------------------------- */

/* The next document of the stream into doc; -EINVAL with libyaml's problem in err. */
static int parse_document(yaml_parser_t *parser, yaml_document_t *doc, const char *name, char *err,
			  size_t err_size)
{
	size_t line;

	if (yaml_parser_load(parser, doc))
		return 0;
	if (parser->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	line = parser->problem_mark.line + 1;
	if (parser->context)
		snprintf(err, err_size, "%s:%zu: %s %s", name, line, parser->problem,
			 parser->context);
	else
		snprintf(err, err_size, "%s:%zu: %s", name, line,
			 parser->problem ? parser->problem : "not valid YAML");
	return -EINVAL;
}

static int load(yaml_parser_t *parser, const char *name, config_root_fn fn, void *target, char *err,
		size_t err_size)
{
	struct config_ctx c = { .file = name, .err = err, .err_size = err_size };
	yaml_document_t doc, next;
	yaml_node_t *root;
	int ret = parse_document(parser, &doc, name, err, err_size);

	if (ret)
		return ret;
	c.doc = &doc;
	ret = fn(&c, yaml_document_get_root_node(&doc), target);
	yaml_document_delete(&doc);
	if (ret)
		return ret;
	ret = parse_document(parser, &next, name, err, err_size);
	if (ret)
		return ret;
	root = yaml_document_get_root_node(&next);
	if (root) {
		c.doc = &next;
		ret = config_error(&c, root, NULL,
				   "a second YAML document: put every option in the first");
	}
	yaml_document_delete(&next);
	return ret;
}

int config_yaml_load_string(const char *yaml, const char *name, config_root_fn fn, void *target,
			    char *err, size_t err_size)
{
	yaml_parser_t parser;
	int ret;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, strlen(yaml));
	ret = load(&parser, name, fn, target, err, err_size);
	yaml_parser_delete(&parser);
	return ret;
}

int config_yaml_load_file(const char *path, config_root_fn fn, void *target, char *err,
			  size_t err_size)
{
	yaml_parser_t parser;
	FILE *f = fopen(path, "rb");
	int ret;

	if (!f) {
		snprintf(err, err_size, "%s: cannot read: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	ret = load(&parser, path, fn, target, err, err_size);
	yaml_parser_delete(&parser);
	fclose(f);
	return ret;
}
