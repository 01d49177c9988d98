/*
 * yaml_reader — the small toolkit every section of the YAML config is parsed with: a parse
 * context that remembers the file and the first error, typed getters that report
 * "FILE:LINE: KEY: MESSAGE", and a key-table walker that rejects unknown and repeated keys.
 *
 * How a section is written (see config_file.c for the top level, routes.c for another):
 *
 *	static int parse_thing(struct config_ctx *c, const char *key, yaml_node_t *value,
 *			       void *target)
 *	{
 *		struct exporter_config *cfg = target;
 *		return config_get_string(c, key, value, &cfg->thing);
 *	}
 *	...
 *	static const struct config_key keys[] = { { "thing", parse_thing }, { NULL, NULL } };
 *	return config_walk_map(c, key, node, keys, cfg);
 *
 * `key` is always the full path of the node for messages ("info[1].labels.version");
 * config_walk_map builds it for each key, a handler that walks a list builds each item's
 * with config_index_path(). Every function
 * returns 0, or -EINVAL after recording the first error in the context (later errors are
 * dropped, so the user sees the one that comes first), or -ENOMEM.
 */
#ifndef FEE_YAML_READER_H
#define FEE_YAML_READER_H

#include <stddef.h>
#include <yaml.h>

/* Longest key path kept for messages; longer paths are cut, never overflow. */
#define CONFIG_KEY_PATH_MAX 128
/* Longest message part of an error. */
#define CONFIG_ERROR_MSG_MAX 384

struct config_ctx {
	yaml_document_t *doc;
	const char *file; /* for messages */
	char *err;	  /* the first error, "FILE:LINE: KEY: MESSAGE" */
	size_t err_size;
	int failed;
};

/* A handler for one key of a mapping; `target` is what config_walk_map was given. */
typedef int (*config_key_fn)(struct config_ctx *c, const char *key, yaml_node_t *value,
			     void *target);

struct config_key {
	const char *name; /* NULL ends the table */
	config_key_fn parse;
};

/* Records "FILE:LINE: KEY: MESSAGE" (LINE of node, 1-based) unless an error is already
 * recorded; always returns -EINVAL. node may be NULL (no line); key may be NULL. */
int config_error(struct config_ctx *c, const yaml_node_t *node, const char *key, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

/* The same at a line of the file (1-based; 0: no line), for what outlives the document. */
int config_error_at(struct config_ctx *c, size_t line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The 1-based line a node starts on. */
size_t config_node_line(const yaml_node_t *node);

/* "parent[i]". */
void config_index_path(char *out, const char *parent, size_t i);

/* Type check: 0 or a recorded "expected a list" error. */
int config_expect_list(struct config_ctx *c, const char *key, const yaml_node_t *node);

/*
 * Walks a mapping: each key must be a plain string found in `keys` (else "unknown key";
 * the message lists the known ones) and appear once (else "given twice"); its handler gets
 * the value node and the key's full path.
 */
int config_walk_map(struct config_ctx *c, const char *key, yaml_node_t *node,
		    const struct config_key *keys, void *target);

/* A mapping of free-form keys (labels): calls fn(c, path, key_text, value, target) for each
 * pair; keys must be non-empty strings and unique. */
typedef int (*config_pair_fn)(struct config_ctx *c, const char *key, const char *name,
			      yaml_node_t *value, void *target);
int config_walk_pairs(struct config_ctx *c, const char *key, yaml_node_t *node, config_pair_fn fn,
		      void *target);

/* The i-th item of a list node, or NULL past the end. */
yaml_node_t *config_list_item(struct config_ctx *c, const yaml_node_t *list, size_t i);

/*
 * Scalars. A string is any scalar but null (`~`, `null`, nothing); numbers and booleans
 * must be plain (unquoted) scalars spelled as YAML 1.1 spells them. *out of
 * config_get_string is replaced (the old string freed).
 */
int config_get_string(struct config_ctx *c, const char *key, const yaml_node_t *node, char **out);
/* The scalar's text without copying (valid while the document lives); NULL error as above. */
int config_get_text(struct config_ctx *c, const char *key, const yaml_node_t *node,
		    const char **out);
int config_get_bool(struct config_ctx *c, const char *key, const yaml_node_t *node, int *out);
int config_get_int(struct config_ctx *c, const char *key, const yaml_node_t *node, long min,
		   long max, long *out);
/* A list of numbers; *out is malloc'ed (the old array freed). */
int config_get_doubles(struct config_ctx *c, const char *key, const yaml_node_t *node, double **out,
		       size_t *n);

/* Whether a node is a null scalar (`~`, `null`, empty). */
int config_is_null(const yaml_node_t *node);

/*
 * The one YAML document of a file (or string), its root node handed to fn, with the
 * "FILE:LINE: MESSAGE" errors above for what libyaml cannot parse and a refusal of a second
 * document (it would be ignored silently otherwise).
 */
/* Reads the document: root is NULL for an empty file. 0, -EINVAL (error recorded) or
 * -ENOMEM. */
typedef int (*config_root_fn)(struct config_ctx *c, yaml_node_t *root, void *target);

/* 0, or -EINVAL with "FILE:LINE: KEY: MESSAGE" (or "FILE: cannot read: ...") in err, or
 * -ENOMEM, or what fn returned. */
int config_yaml_load_file(const char *path, config_root_fn fn, void *target, char *err,
			  size_t err_size);
/* The same from a string; name stands for the file in messages. */
int config_yaml_load_string(const char *yaml, const char *name, config_root_fn fn, void *target,
			    char *err, size_t err_size);

#endif
