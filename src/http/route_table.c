// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A port of werkzeug 2.2's routing (werkzeug/routing/{rules,matcher,converters}.py): a rule
 * is cut into parts at '/', each part either static text or a regex built from its
 * converters; the parts of all rules form a tree of states, and a path is matched by
 * walking it depth-first, static transitions first, then dynamic ones sorted by weight.
 * The regexes are werkzeug's own, run by PCRE2 (a backtracking engine like Python's re).
 */
#include "http/route_table.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "util/float_format.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Path segments a match looks at: a path of HTTP_PATH_MAX bytes has at most this many. */
#define MAX_SEGMENTS 2048
/* Converters per rule and methods per rule. */
#define MAX_CONVERTERS ROUTE_PARAMS_MAX
#define MAX_METHODS 16
/* Weight entries per part (static pieces and converters within one segment). */
#define MAX_WEIGHTS 16

enum converter_kind { CONV_STRING, CONV_INT, CONV_FLOAT, CONV_PATH, CONV_UUID, CONV_ANY };

struct converter {
	char *variable;
	enum converter_kind kind;
	int fixed_digits; /* int: 0 = any */
	int has_min, has_max;
	double min, max;
};

/* werkzeug's Weighting: compared field by field, lists element by element. */
struct weighting {
	int n_static;
	int static_w[MAX_WEIGHTS][2]; /* (index, -length in characters) */
	int n_args;
	int arg_w[MAX_WEIGHTS];
};

struct route {
	size_t index;
	char *rule;
	char *endpoint;
	enum route_tracking tracking;
	char *methods[MAX_METHODS];
	size_t n_methods;
	int auto_options; /* OPTIONS added for Flask to answer */
	struct converter conv[MAX_CONVERTERS];
	size_t n_conv;
};

struct state;

struct static_edge {
	char *content;
	struct state *next;
};

struct dynamic_edge {
	char *regex; /* werkzeug's part regex, with \Z spelled \z */
	int final;   /* the path converter: consumes the rest of the path */
	struct weighting weight;
	pcre2_code *code;
	struct state *next;
};

struct state {
	struct static_edge *statics;
	size_t n_statics;
	struct dynamic_edge *dynamics;
	size_t n_dynamics;
	struct route **rules;
	size_t n_rules;
};

struct match_ctx;

struct route_table {
	struct state root;
	struct route **routes;
	size_t n_routes;
	int sorted;
	uint32_t max_groups;
	pcre2_match_data *md;
	struct match_ctx *ctx; /* scratch space of route_table_match, made on first use */
};

/* One part of a rule as werkzeug's _parse_rule yields it. */
struct part {
	char content[1024];
	size_t len;
	int is_static;
	int final;
	struct weighting weight;
};

static void set_error(char *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err, ROUTE_ERROR_MAX, fmt, ap);
	va_end(ap);
}

struct route_table *route_table_new(void)
{
	return calloc(1, sizeof(struct route_table));
}

static void state_free(struct state *s)
{
	for (size_t i = 0; i < s->n_statics; i++) {
		state_free(s->statics[i].next);
		free(s->statics[i].next);
		free(s->statics[i].content);
	}
	for (size_t i = 0; i < s->n_dynamics; i++) {
		state_free(s->dynamics[i].next);
		free(s->dynamics[i].next);
		free(s->dynamics[i].regex);
		pcre2_code_free(s->dynamics[i].code);
	}
	free(s->statics);
	free(s->dynamics);
	free(s->rules);
}

static void route_free(struct route *r)
{
	if (!r)
		return;
	free(r->rule);
	free(r->endpoint);
	for (size_t i = 0; i < r->n_methods; i++)
		free(r->methods[i]);
	for (size_t i = 0; i < r->n_conv; i++)
		free(r->conv[i].variable);
	free(r);
}

void route_table_free(struct route_table *t)
{
	if (!t)
		return;
	state_free(&t->root);
	for (size_t i = 0; i < t->n_routes; i++)
		route_free(t->routes[i]);
	free(t->routes);
	pcre2_match_data_free(t->md);
	free(t->ctx);
	free(t);
}

/* Characters in a UTF-8 string (Python's len()). */
static int utf8_chars(const char *s, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static int part_append(struct part *p, const char *s, size_t n)
{
	if (p->len + n >= sizeof(p->content))
		return -1;
	memcpy(p->content + p->len, s, n);
	p->len += n;
	p->content[p->len] = '\0';
	return 0;
}

/* Python's re.escape, for PCRE2: every ASCII character that is not a letter, digit or '_'. */
static int append_escaped(struct part *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80 && !isalnum(c) && c != '_' && part_append(p, "\\", 1))
			return -1;
		if (part_append(p, s + i, 1))
			return -1;
	}
	return 0;
}

static int is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static size_t ident_len(const char *s)
{
	size_t n = 0;

	if (!is_ident_start(s[0]))
		return 0;
	while (is_ident_char(s[n]))
		n++;
	return n;
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* Converter arguments werkzeug accepts for the converters we support. */
static int converter_arg(struct converter *c, struct part *items, int *n_items, const char *name,
			 size_t name_len, const char *value, size_t value_len, int *length,
			 int *minlength, int *maxlength, int *is_signed, char *err)
{
	char buf[64];
	char *end;
	long v;

	if (value_len >= 2 && (value[0] == '"' || value[0] == '\'') &&
	    value[value_len - 1] == value[0]) {
		value++;
		value_len -= 2;
	}
	if (c->kind == CONV_ANY) {
		if (name_len) {
			set_error(err, "any() takes only items");
			return -1;
		}
		if ((*n_items && part_append(items, "|", 1)) ||
		    append_escaped(items, value, value_len)) {
			set_error(err, "any() items too long");
			return -1;
		}
		(*n_items)++;
		return 0;
	}
	if (!name_len) {
		set_error(err, "converter arguments must be named (name=value)");
		return -1;
	}
	if (value_len >= sizeof(buf))
		value_len = sizeof(buf) - 1;
	memcpy(buf, value, value_len);
	buf[value_len] = '\0';
#define ARG_IS(s) (name_len == strlen(s) && !memcmp(name, s, name_len))
	if ((c->kind == CONV_INT || c->kind == CONV_FLOAT) && ARG_IS("signed")) {
		if (strcmp(buf, "True") && strcmp(buf, "False")) {
			set_error(err, "signed must be True or False");
			return -1;
		}
		*is_signed = !strcmp(buf, "True");
		return 0;
	}
	if ((c->kind == CONV_INT || c->kind == CONV_FLOAT) && (ARG_IS("min") || ARG_IS("max"))) {
		double d = strtod(buf, &end);

		if (end == buf || *end) {
			set_error(err, "%.*s must be a number", (int)name_len, name);
			return -1;
		}
		if (ARG_IS("min")) {
			c->has_min = 1;
			c->min = d;
		} else {
			c->has_max = 1;
			c->max = d;
		}
		return 0;
	}
	v = strtol(buf, &end, 10);
	if (end == buf || *end || v < 0 || v > 100000) {
		set_error(err, "%.*s must be a non-negative integer", (int)name_len, name);
		return -1;
	}
	if (c->kind == CONV_INT && ARG_IS("fixed_digits")) {
		c->fixed_digits = (int)v;
		return 0;
	}
	if (c->kind == CONV_STRING && ARG_IS("length")) {
		*length = (int)v;
		return 0;
	}
	if (c->kind == CONV_STRING && ARG_IS("minlength")) {
		*minlength = (int)v;
		return 0;
	}
	if (c->kind == CONV_STRING && ARG_IS("maxlength")) {
		*maxlength = (int)v;
		return 0;
	}
#undef ARG_IS
	set_error(err, "unsupported converter argument '%.*s'", (int)name_len, name);
	return -1;
}

/*
 * Sets up converter c (kind from its name, arguments from args[0..args_len)) and appends
 * its regex, in a capture group, to p. Returns its weight, or -1 with err set.
 */
static int add_converter(struct converter *c, const char *conv, size_t conv_len, const char *args,
			 size_t args_len, struct part *p, char *err)
{
	static const struct {
		const char *name;
		enum converter_kind kind;
		int weight;
	} kinds[] = {
		{ "default", CONV_STRING, 100 }, { "string", CONV_STRING, 100 },
		{ "int", CONV_INT, 50 },	 { "float", CONV_FLOAT, 50 },
		{ "path", CONV_PATH, 200 },	 { "uuid", CONV_UUID, 100 },
		{ "any", CONV_ANY, 100 },
	};
	int length = -1, minlength = 1, maxlength = -1, is_signed = 0, n_items = 0, weight = -1;
	struct part items = { 0 };
	char regex[160];
	int rc = 0;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strlen(kinds[i].name) == conv_len && !memcmp(kinds[i].name, conv, conv_len)) {
			c->kind = kinds[i].kind;
			weight = kinds[i].weight;
		}
	}
	if (weight < 0) {
		set_error(err, "the converter '%.*s' does not exist", (int)conv_len, conv);
		return -1;
	}
	/* Comma-separated arguments: value or name=value, values maybe quoted. */
	while (args_len) {
		const char *comma = memchr(args, ',', args_len);
		size_t n = comma ? (size_t)(comma - args) : args_len;
		const char *item = args, *eq;
		size_t item_len = n, name_len = 0;

		trim(&item, &item_len);
		eq = memchr(item, '=', item_len);
		if (eq && item[0] != '"' && item[0] != '\'') {
			const char *name = item;

			name_len = (size_t)(eq - item);
			trim(&name, &name_len);
			item = eq + 1;
			item_len = n - (size_t)(item - args);
			trim(&item, &item_len);
			if (converter_arg(c, &items, &n_items, name, name_len, item, item_len,
					  &length, &minlength, &maxlength, &is_signed, err))
				return -1;
		} else if (item_len) {
			if (converter_arg(c, &items, &n_items, NULL, 0, item, item_len, &length,
					  &minlength, &maxlength, &is_signed, err))
				return -1;
		}
		args += comma ? n + 1 : n;
		args_len -= comma ? n + 1 : n;
	}

	switch (c->kind) {
	case CONV_STRING:
		if (length >= 0)
			snprintf(regex, sizeof(regex), "([^/]{%d})", length);
		else if (maxlength >= 0)
			snprintf(regex, sizeof(regex), "([^/]{%d,%d})", minlength, maxlength);
		else
			snprintf(regex, sizeof(regex), "([^/]{%d,})", minlength);
		break;
	case CONV_INT:
		snprintf(regex, sizeof(regex), "(%s\\d+)", is_signed ? "-?" : "");
		break;
	case CONV_FLOAT:
		snprintf(regex, sizeof(regex), "(%s\\d+\\.\\d+)", is_signed ? "-?" : "");
		break;
	case CONV_PATH:
		snprintf(regex, sizeof(regex), "([^/].*?)");
		break;
	case CONV_UUID:
		snprintf(regex, sizeof(regex),
			 "([A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-"
			 "[A-Fa-f0-9]{12})");
		break;
	case CONV_ANY:
		if (!n_items) {
			set_error(err, "any() needs at least one item");
			return -1;
		}
		rc = part_append(p, "((?:", 4) || part_append(p, items.content, items.len) ||
		     part_append(p, "))", 2);
		break;
	}
	if (c->kind != CONV_ANY)
		rc = part_append(p, regex, strlen(regex));
	if (rc) {
		set_error(err, "rule too long");
		return -1;
	}
	return weight;
}

static void part_reset(struct part *p)
{
	memset(p, 0, sizeof(*p));
	p->is_static = 1;
}

static int part_finish(struct part *p)
{
	if (!p->is_static && part_append(p, "\\z", 2))
		return -1;
	return 0;
}

/*
 * werkzeug's Rule._parse_rule: cuts the rule into parts (calling emit for each) and fills
 * r's converters. Returns 0 or -1 with err set.
 */
static int parse_rule(struct route *r, const char *rule, struct part *parts, size_t *n_parts,
		      size_t max_parts, char *err)
{
	struct part *p;
	size_t pos = 0, len = strlen(rule);

	*n_parts = 0;
	p = &parts[0];
	part_reset(p);
	while (pos < len) {
		const char *s = rule + pos;

		if (*s == '/') {
			pos++;
			if (p->final) {
				if (part_append(p, "/", 1))
					goto too_long;
				continue;
			}
			if (part_finish(p))
				goto too_long;
			if (++*n_parts >= max_parts)
				goto too_long;
			p = &parts[*n_parts];
			part_reset(p);
		} else if (*s != '<') {
			size_t n = strcspn(s, "</");

			if (p->weight.n_static >= MAX_WEIGHTS)
				goto too_long;
			p->weight.static_w[p->weight.n_static][0] = p->weight.n_static;
			p->weight.static_w[p->weight.n_static][1] = -utf8_chars(s, n);
			p->weight.n_static++;
			if (p->is_static ? part_append(p, s, n) : append_escaped(p, s, n))
				goto too_long;
			pos += n;
		} else {
			/* <variable> or <converter:variable> or <converter(args):variable> */
			const char *conv = "default", *args = "", *var;
			size_t conv_len = 7, args_len = 0, var_len, n = ident_len(s + 1);
			const char *after = s + 1 + n;
			struct converter *c;
			int weight;

			if (n && (*after == ':' || *after == '(')) {
				conv = s + 1;
				conv_len = n;
				if (*after == '(') {
					const char *close = strstr(after, "):");

					if (!close)
						goto malformed;
					args = after + 1;
					args_len = (size_t)(close - args);
					after = close + 1;
				}
				var = after + 1;
			} else {
				var = s + 1;
			}
			var_len = ident_len(var);
			if (!var_len || var[var_len] != '>')
				goto malformed;
			if (r->n_conv >= MAX_CONVERTERS) {
				set_error(err, "more than %d variables", MAX_CONVERTERS);
				return -1;
			}
			for (size_t i = 0; i < r->n_conv; i++) {
				if (strlen(r->conv[i].variable) == var_len &&
				    !memcmp(r->conv[i].variable, var, var_len)) {
					set_error(err, "variable '%.*s' used twice", (int)var_len,
						  var);
					return -1;
				}
			}
			if (p->is_static) {
				struct part raw = *p;

				p->len = 0;
				p->content[0] = '\0';
				if (append_escaped(p, raw.content, raw.len))
					goto too_long;
				p->is_static = 0;
			}
			c = &r->conv[r->n_conv];
			memset(c, 0, sizeof(*c));
			weight = add_converter(c, conv, conv_len, args, args_len, p, err);
			if (weight < 0)
				return -1;
			c->variable = strndup(var, var_len);
			if (!c->variable) {
				set_error(err, "out of memory");
				return -1;
			}
			r->n_conv++;
			if (c->kind == CONV_PATH)
				p->final = 1;
			if (p->weight.n_args >= MAX_WEIGHTS)
				goto too_long;
			p->weight.arg_w[p->weight.n_args++] = weight;
			pos = (size_t)(var + var_len + 1 - rule);
		}
	}
	if (part_finish(p))
		goto too_long;
	(*n_parts)++;
	return 0;
malformed:
	set_error(err, "malformed url rule: '%s'", rule);
	return -1;
too_long:
	set_error(err, "rule too long or too many parts: '%s'", rule);
	return -1;
}

static int weighting_cmp(const struct weighting *a, const struct weighting *b)
{
	if (a->n_static != b->n_static)
		return a->n_static > b->n_static ? -1 : 1; /* -len: more static parts first */
	for (int i = 0; i < a->n_static; i++)
		for (int j = 0; j < 2; j++)
			if (a->static_w[i][j] != b->static_w[i][j])
				return a->static_w[i][j] < b->static_w[i][j] ? -1 : 1;
	if (a->n_args != b->n_args)
		return a->n_args > b->n_args ? -1 : 1;
	for (int i = 0; i < a->n_args; i++)
		if (a->arg_w[i] != b->arg_w[i])
			return a->arg_w[i] < b->arg_w[i] ? -1 : 1;
	return 0;
}

static struct state *new_state(void)
{
	return calloc(1, sizeof(struct state));
}

/* werkzeug's StateMachineMatcher.add: follow or create the transitions for each part. */
static struct state *add_parts(struct route_table *t, const struct part *parts, size_t n, char *err)
{
	struct state *s = &t->root;

	for (size_t i = 0; i < n; i++) {
		const struct part *p = &parts[i];
		struct state *next = NULL;

		if (p->is_static) {
			struct static_edge *e;

			for (size_t j = 0; j < s->n_statics && !next; j++)
				if (!strcmp(s->statics[j].content, p->content))
					next = s->statics[j].next;
			if (next) {
				s = next;
				continue;
			}
			e = realloc(s->statics, (s->n_statics + 1) * sizeof(*e));
			if (!e)
				goto oom;
			s->statics = e;
			e = &e[s->n_statics];
			e->content = strdup(p->content);
			e->next = new_state();
			if (!e->content || !e->next) {
				free(e->content);
				free(e->next);
				goto oom;
			}
			s->n_statics++;
			s = e->next;
		} else {
			struct dynamic_edge *e;
			int errcode;
			PCRE2_SIZE erroff;

			for (size_t j = 0; j < s->n_dynamics && !next; j++) {
				e = &s->dynamics[j];
				if (!strcmp(e->regex, p->content) && e->final == p->final &&
				    !weighting_cmp(&e->weight, &p->weight))
					next = e->next;
			}
			if (next) {
				s = next;
				continue;
			}
			e = realloc(s->dynamics, (s->n_dynamics + 1) * sizeof(*e));
			if (!e)
				goto oom;
			s->dynamics = e;
			e = &e[s->n_dynamics];
			memset(e, 0, sizeof(*e));
			e->final = p->final;
			e->weight = p->weight;
			e->code = pcre2_compile((PCRE2_SPTR)p->content, PCRE2_ZERO_TERMINATED,
						PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &errcode,
						&erroff, NULL);
			if (!e->code) {
				PCRE2_UCHAR msg[128];

				pcre2_get_error_message(errcode, msg, sizeof(msg));
				set_error(err, "cannot compile part regex '%s': %s", p->content,
					  (char *)msg);
				return NULL;
			}
			e->regex = strdup(p->content);
			e->next = new_state();
			if (!e->regex || !e->next) {
				pcre2_code_free(e->code);
				free(e->regex);
				free(e->next);
				goto oom;
			}
			s->n_dynamics++;
			s = e->next;
		}
	}
	return s;
oom:
	set_error(err, "out of memory");
	return NULL;
}

static int add_method(struct route *r, const char *m, size_t n)
{
	for (size_t i = 0; i < r->n_methods; i++)
		if (strlen(r->methods[i]) == n && !strncasecmp(r->methods[i], m, n))
			return 0;
	if (r->n_methods >= MAX_METHODS)
		return -1;
	r->methods[r->n_methods] = strndup(m, n);
	if (!r->methods[r->n_methods])
		return -1;
	for (char *c = r->methods[r->n_methods]; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	r->n_methods++;
	return 0;
}

int route_table_add(struct route_table *t, const char *rule, const char *endpoint,
		    const char *const *methods, size_t n_methods, enum route_tracking tracking,
		    char err[ROUTE_ERROR_MAX])
{
	struct part *parts = NULL;
	struct route *r = NULL, **routes;
	struct state *final;
	char merged[1024];
	size_t n_parts = 0, m = 0;
	int has_options = 0;

	if (!rule || rule[0] != '/') {
		set_error(err, "a rule must start with '/': '%s'", rule ? rule : "");
		return -EINVAL;
	}
	if (strlen(rule) >= sizeof(merged)) {
		set_error(err, "rule too long");
		return -EINVAL;
	}
	/* Like werkzeug (merge_slashes), each "//" in the rule is taken as one slash. */
	for (const char *s = rule; *s; s++) {
		if (s[0] == '/' && s[1] == '/')
			s++;
		merged[m++] = *s;
	}
	merged[m] = '\0';

	r = calloc(1, sizeof(*r));
	parts = calloc(128, sizeof(*parts));
	if (!r || !parts)
		goto oom;
	r->tracking = tracking;
	r->rule = strdup(rule);
	r->endpoint = strdup(endpoint && endpoint[0] ? endpoint : rule);
	if (!r->rule || !r->endpoint)
		goto oom;
	if (!methods || !n_methods) {
		static const char *const get[] = { "GET" };

		methods = get;
		n_methods = 1;
	}
	for (size_t i = 0; i < n_methods; i++) {
		size_t n = strlen(methods[i]);

		if (!n || n > 31) {
			set_error(err, "bad method '%s'", methods[i]);
			goto invalid;
		}
		if (!strcasecmp(methods[i], "OPTIONS"))
			has_options = 1;
		if (add_method(r, methods[i], n))
			goto oom;
		if (!strcasecmp(methods[i], "GET") && add_method(r, "HEAD", 4))
			goto oom;
	}
	if (!has_options) {
		r->auto_options = 1;
		if (add_method(r, "OPTIONS", 7))
			goto oom;
	}

	/* The domain part comes first: empty, as without host matching. */
	part_reset(&parts[0]);
	if (parse_rule(r, merged, parts + 1, &n_parts, 127, err))
		goto invalid;
	final = add_parts(t, parts, n_parts + 1, err);
	if (!final)
		goto invalid;
	{
		struct route **rules = realloc(final->rules, (final->n_rules + 1) * sizeof(*rules));

		if (!rules)
			goto oom;
		final->rules = rules;
		rules[final->n_rules++] = r;
	}
	routes = realloc(t->routes, (t->n_routes + 1) * sizeof(*routes));
	if (!routes) {
		final->n_rules--;
		goto oom;
	}
	t->routes = routes;
	r->index = t->n_routes;
	routes[t->n_routes++] = r;
	if (r->n_conv + 1 > t->max_groups) {
		t->max_groups = (uint32_t)r->n_conv + 1;
		pcre2_match_data_free(t->md); /* remade, bigger, by the next match */
		t->md = NULL;
	}
	t->sorted = 0;
	free(parts);
	return 0;
oom:
	set_error(err, "out of memory");
	free(parts);
	route_free(r);
	return -ENOMEM;
invalid:
	free(parts);
	route_free(r);
	return -EINVAL;
}

/* werkzeug's StateMachineMatcher.update: dynamic transitions by weight, stable. */
static void sort_state(struct state *s)
{
	for (size_t i = 1; i < s->n_dynamics; i++) {
		struct dynamic_edge e = s->dynamics[i];
		size_t j = i;

		while (j > 0 && weighting_cmp(&s->dynamics[j - 1].weight, &e.weight) > 0) {
			s->dynamics[j] = s->dynamics[j - 1];
			j--;
		}
		s->dynamics[j] = e;
	}
	for (size_t i = 0; i < s->n_statics; i++)
		sort_state(s->statics[i].next);
	for (size_t i = 0; i < s->n_dynamics; i++)
		sort_state(s->dynamics[i].next);
}

size_t route_table_count(const struct route_table *t)
{
	return t->n_routes;
}

const struct route *route_table_at(const struct route_table *t, size_t i)
{
	return i < t->n_routes ? t->routes[i] : NULL;
}

struct span {
	const char *s;
	size_t len;
};

struct match_ctx {
	struct route_table *t;
	const char *method;
	struct span seg[MAX_SEGMENTS];
	size_t n_seg;
	struct span val[ROUTE_PARAMS_MAX];
	size_t n_val;
	int slash_required; /* werkzeug's SlashRequired: ends the whole match */
};

static int method_allowed(const struct route *r, const char *method)
{
	for (size_t i = 0; i < r->n_methods; i++)
		if (!strcmp(r->methods[i], method))
			return 1;
	return 0;
}

/* werkzeug's _match: the rule reached from state s with segments [i, n_seg) left. */
static struct route *match_state(struct match_ctx *ctx, struct state *s, size_t i)
{
	if (i == ctx->n_seg) {
		for (size_t k = 0; k < s->n_rules; k++)
			if (method_allowed(s->rules[k], ctx->method))
				return s->rules[k];
		/* A rule with one more (trailing) slash: werkzeug redirects there. */
		for (size_t k = 0; k < s->n_statics; k++) {
			struct state *next = s->statics[k].next;

			if (s->statics[k].content[0])
				continue;
			for (size_t j = 0; j < next->n_rules; j++) {
				if (method_allowed(next->rules[j], ctx->method)) {
					ctx->slash_required = 1;
					return NULL;
				}
			}
		}
		return NULL;
	}
	for (size_t k = 0; k < s->n_statics; k++) {
		const struct static_edge *e = &s->statics[k];

		if (strlen(e->content) == ctx->seg[i].len &&
		    !memcmp(e->content, ctx->seg[i].s, ctx->seg[i].len)) {
			struct route *r = match_state(ctx, e->next, i + 1);

			if (r || ctx->slash_required)
				return r;
			break;
		}
	}
	for (size_t k = 0; k < s->n_dynamics; k++) {
		const struct dynamic_edge *e = &s->dynamics[k];
		const char *subject = ctx->seg[i].s;
		size_t len = ctx->seg[i].len, next = i + 1, saved = ctx->n_val;
		PCRE2_SIZE *ov;
		struct route *r;
		int rc;

		if (e->final) { /* the rest of the path, slashes included */
			const struct span *last = &ctx->seg[ctx->n_seg - 1];

			len = (size_t)(last->s + last->len - subject);
			next = ctx->n_seg;
		}
		rc = pcre2_match(e->code, (PCRE2_SPTR)subject, len, 0, 0, ctx->t->md, NULL);
		if (rc < 1)
			continue;
		ov = pcre2_get_ovector_pointer(ctx->t->md);
		for (int g = 1; g < rc && ctx->n_val < ROUTE_PARAMS_MAX; g++) {
			ctx->val[ctx->n_val].s = subject + ov[2 * g];
			ctx->val[ctx->n_val].len = ov[2 * g + 1] - ov[2 * g];
			ctx->n_val++;
		}
		r = match_state(ctx, e->next, next);
		if (r || ctx->slash_required)
			return r;
		ctx->n_val = saved;
	}
	return NULL;
}

/* Is code point cp a Unicode decimal digit (Nd), what Python's \d matches? */
static int is_unicode_digit(uint32_t cp)
{
	static pcre2_code *digit;
	static pcre2_match_data *md;
	unsigned char utf8[4];
	size_t n;
	int errcode;
	PCRE2_SIZE erroff;

	if (!digit) {
		digit = pcre2_compile((PCRE2_SPTR) "\\d\\z", PCRE2_ZERO_TERMINATED,
				      PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &errcode, &erroff,
				      NULL);
		md = digit ? pcre2_match_data_create(1, NULL) : NULL;
		if (!md)
			return 0;
	}
	if (cp < 0x80) {
		utf8[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		utf8[0] = (unsigned char)(0xC0 | (cp >> 6));
		utf8[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		utf8[0] = (unsigned char)(0xE0 | (cp >> 12));
		utf8[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		utf8[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		utf8[0] = (unsigned char)(0xF0 | (cp >> 18));
		utf8[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		utf8[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		utf8[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return pcre2_match(digit, utf8, n, 0, PCRE2_NO_UTF_CHECK, md, NULL) > 0;
}

/*
 * Copies a number werkzeug's \d matched, with every Unicode digit replaced by its ASCII
 * twin (Python's int() and float() read any Nd digit). Unicode encodes each script's digits
 * as contiguous runs 0..9, so a digit's value is its distance from the start of its run,
 * modulo 10.
 */
static void ascii_digits(const char *s, size_t len, char *out, size_t size)
{
	size_t pos = 0;

	for (size_t i = 0; i < len && pos + 1 < size;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp, start;
		int n;

		if (c < 0x80) {
			out[pos++] = (char)c;
			i++;
			continue;
		}
		n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		cp = c & (0x3F >> (n - 1));
		for (int k = 1; k < n && i + (size_t)k < len; k++)
			cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
		start = cp;
		while (start > 0 && cp - start < 100 && is_unicode_digit(start - 1))
			start--;
		out[pos++] = (char)('0' + (cp - start) % 10);
		i += (size_t)n;
	}
	out[pos] = '\0';
}

/* Python's str(int(s)) for s matching -?[0-9]+. */
static void int_to_str(const char *s, size_t len, char *out, size_t size)
{
	size_t pos = 0;
	int neg = 0;

	if (len && *s == '-') {
		neg = 1;
		s++;
		len--;
	}
	while (len > 1 && *s == '0') {
		s++;
		len--;
	}
	if (neg && !(len == 1 && *s == '0') && pos + 1 < size)
		out[pos++] = '-';
	for (size_t i = 0; i < len && pos + 1 < size; i++)
		out[pos++] = s[i];
	out[pos] = '\0';
}

/*
 * werkzeug's to_python, printed the way str() prints the result. Returns 0, or -1 when the
 * converter rejects the value (werkzeug's ValidationError: then nothing matches).
 */
static int convert_value(const struct converter *c, const char *s, size_t len, char *out,
			 size_t size)
{
	char buf[ROUTE_VALUES_MAX];
	double v;

	if (len >= sizeof(buf) || len >= size)
		len = (size < sizeof(buf) ? size : sizeof(buf)) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	switch (c->kind) {
	case CONV_INT:
	case CONV_FLOAT:
		/* fixed_digits counts characters, as Python's len() does */
		if (c->kind == CONV_INT && c->fixed_digits && utf8_chars(s, len) != c->fixed_digits)
			return -1;
		ascii_digits(s, len, buf, sizeof(buf));
		len = strlen(buf);
		v = strtod(buf, NULL);
		if ((c->has_min && v < c->min) || (c->has_max && v > c->max))
			return -1;
		if (c->kind == CONV_INT) {
			int_to_str(buf, len, out, size);
		} else {
			char f[FLOAT_FORMAT_MAX];

			float_format(v, f);
			snprintf(out, size, "%s", f);
		}
		return 0;
	case CONV_UUID:
		for (size_t i = 0; i <= len; i++)
			out[i] = (char)tolower((unsigned char)buf[i]);
		return 0;
	default:
		memcpy(out, buf, len + 1);
		return 0;
	}
}

int route_table_match(struct route_table *t, const char *path, const char *method,
		      struct route_match *m)
{
	struct match_ctx *ctx;
	struct route *r;
	size_t used = 0;
	const char *p;

	memset(m, 0, sizeof(*m) - sizeof(m->values));
	m->values[0] = '\0';
	if (!t->sorted) {
		sort_state(&t->root);
		t->sorted = 1;
	}
	if (!t->md) {
		t->md = pcre2_match_data_create(t->max_groups + 1, NULL);
		if (!t->md)
			return 0;
	}
	if (!t->ctx) {
		t->ctx = malloc(sizeof(*t->ctx));
		if (!t->ctx)
			return 0;
	}
	ctx = t->ctx;
	ctx->t = t;
	ctx->n_val = 0;
	ctx->slash_required = 0;
	ctx->method = method;
	/* [domain, *path.split("/")], as werkzeug matches "/" + path.lstrip("/"). */
	while (*path == '/')
		path++;
	ctx->seg[0].s = path; /* the empty domain */
	ctx->seg[0].len = 0;
	ctx->seg[1] = ctx->seg[0]; /* before the leading slash */
	ctx->seg[2] = ctx->seg[0];
	ctx->n_seg = 3;
	for (p = path;; p++) {
		if (*p == '/' || *p == '\0') {
			struct span *cur = &ctx->seg[ctx->n_seg - 1];

			cur->len = (size_t)(p - cur->s);
			if (*p == '\0')
				break;
			if (ctx->n_seg >= MAX_SEGMENTS)
				goto out; /* longer than any path the exporter decodes */
			ctx->seg[ctx->n_seg].s = p + 1;
			ctx->seg[ctx->n_seg].len = 0;
			ctx->n_seg++;
		}
	}
	r = match_state(ctx, &t->root, 0);
	if (!r || ctx->slash_required)
		goto out;
	for (size_t i = 0; i < r->n_conv && i < ctx->n_val; i++) {
		char *out = m->values + used;
		size_t room = sizeof(m->values) - used;

		if (room < 2 ||
		    convert_value(&r->conv[i], ctx->val[i].s, ctx->val[i].len, out, room)) {
			m->n_params = 0;
			goto out;
		}
		m->params[i].name = r->conv[i].variable;
		m->params[i].value = out;
		m->n_params++;
		used += strlen(out) + 1;
	}
	m->route = r;
	m->view_runs = !(r->auto_options && !strcmp(method, "OPTIONS"));
out:
	return m->route != NULL;
}

const char *route_match_param(const struct route_match *m, const char *name)
{
	for (size_t i = 0; i < m->n_params; i++)
		if (!strcmp(m->params[i].name, name))
			return m->params[i].value;
	return NULL;
}

const char *route_rule(const struct route *r)
{
	return r->rule;
}

const char *route_endpoint(const struct route *r)
{
	return r->endpoint;
}

enum route_tracking route_tracking(const struct route *r)
{
	return r->tracking;
}

size_t route_index(const struct route *r)
{
	return r->index;
}

int route_has_param(const struct route *r, const char *name)
{
	for (size_t i = 0; i < r->n_conv; i++)
		if (!strcmp(r->conv[i].variable, name))
			return 1;
	return 0;
}
