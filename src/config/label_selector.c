// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config/label_selector.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op { OP_EXISTS, OP_NOT_EXISTS, OP_EQUALS, OP_NOT_EQUALS, OP_IN, OP_NOT_IN, OP_GT, OP_LT };

struct requirement {
	enum op op;
	char *key;
	char *values[LABEL_SELECTOR_MAX_VALUES];
	size_t n_values;
	long number; /* OP_GT, OP_LT */
};

struct label_selector {
	struct requirement reqs[LABEL_SELECTOR_MAX_REQUIREMENTS];
	size_t n;
};

/* The lexer's tokens (apimachinery's selector lexer has the same set). */
enum token { T_END, T_WORD, T_NOT, T_EQ, T_NEQ, T_GT, T_LT, T_OPEN, T_CLOSE, T_COMMA };

struct lexer {
	const char *p;
	const char *word; /* T_WORD: start and length */
	size_t len;
};

static int special(char ch)
{
	return ch == ',' || ch == '(' || ch == ')' || ch == '=' || ch == '!' || ch == '<' ||
	       ch == '>' || isspace((unsigned char)ch);
}

static enum token next(struct lexer *lx)
{
	while (isspace((unsigned char)*lx->p))
		lx->p++;
	switch (*lx->p) {
	case '\0':
		return T_END;
	case ',':
		lx->p++;
		return T_COMMA;
	case '(':
		lx->p++;
		return T_OPEN;
	case ')':
		lx->p++;
		return T_CLOSE;
	case '<':
		lx->p++;
		return T_LT;
	case '>':
		lx->p++;
		return T_GT;
	case '=':
		lx->p += lx->p[1] == '=' ? 2 : 1;
		return T_EQ;
	case '!':
		if (lx->p[1] == '=') {
			lx->p += 2;
			return T_NEQ;
		}
		lx->p++;
		return T_NOT;
	}
	lx->word = lx->p;
	while (*lx->p && !special(*lx->p))
		lx->p++;
	lx->len = (size_t)(lx->p - lx->word);
	return T_WORD;
}

static enum token peek(const struct lexer *lx)
{
	struct lexer copy = *lx;

	return next(&copy);
}

static int word_is(const struct lexer *lx, const char *kw)
{
	return lx->len == strlen(kw) && !strncmp(lx->word, kw, lx->len);
}

static int name_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '-' || ch == '_' || ch == '.';
}

/* <= 63 chars of [A-Za-z0-9_.-], alphanumeric at both ends; empty when allowed. */
static int name_valid(const char *s, size_t len, int empty_ok)
{
	if (!len)
		return empty_ok;
	if (len > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[len - 1]))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!name_char(s[i]))
			return 0;
	return 1;
}

/* A DNS subdomain (RFC 1123): <= 253 chars, lower-case labels joined by dots. */
static int subdomain_valid(const char *s, size_t len)
{
	if (!len || len > 253 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' ||
		      s[i] == '.'))
			return 0;
	return 1;
}

static int key_valid(const char *key, size_t len)
{
	const char *slash = memchr(key, '/', len);

	if (!slash)
		return name_valid(key, len, 0);
	return subdomain_valid(key, (size_t)(slash - key)) &&
	       name_valid(slash + 1, len - (size_t)(slash + 1 - key), 0);
}

int kube_label_key_valid(const char *key)
{
	return key && key_valid(key, strlen(key));
}

static int value_valid(const char *v, size_t len, enum label_selector_values kind)
{
	if (kind == LABEL_SELECTOR_LABEL_VALUES)
		return name_valid(v, len, 1);
	return 1; /* the lexer already stopped at , ( ) ! = < > and spaces */
}

struct parse {
	struct label_selector *s;
	struct lexer lx;
	enum label_selector_values kind;
	const char *req_start; /* the requirement being read, for messages */
	char *err;
	size_t err_size;
};

static int fail(struct parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parse *ps, const char *fmt, ...)
{
	char msg[160];
	size_t shown = strcspn(ps->req_start, ",");
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->lx.p > ps->req_start + shown)
		shown = (size_t)(ps->lx.p - ps->req_start);
	if (ps->err && ps->err_size)
		snprintf(ps->err, ps->err_size, "'%.*s': %s", (int)(shown > 80 ? 80 : shown),
			 ps->req_start, msg);
	return -EINVAL;
}

static char *dup_word(const struct lexer *lx)
{
	return strndup(lx->word, lx->len);
}

/* One value after = / != (an empty value is allowed: `tier=`). */
static int read_value(struct parse *ps, struct requirement *r)
{
	enum token t = peek(&ps->lx);

	if (t == T_COMMA || t == T_END) {
		r->values[0] = strdup("");
	} else {
		if (next(&ps->lx) != T_WORD)
			return fail(ps, "expected a value");
		if (!value_valid(ps->lx.word, ps->lx.len, ps->kind))
			return fail(ps, "invalid value '%.*s'", (int)ps->lx.len, ps->lx.word);
		r->values[0] = dup_word(&ps->lx);
	}
	if (!r->values[0])
		return -ENOMEM;
	r->n_values = 1;
	return 0;
}

/* `(v1, v2, ...)` after in / notin. */
static int read_set(struct parse *ps, struct requirement *r)
{
	if (next(&ps->lx) != T_OPEN)
		return fail(ps, "expected '(' after in/notin");
	for (;;) {
		enum token t = next(&ps->lx);

		if (t != T_WORD)
			return fail(ps, t == T_END ? "missing ')'" : "expected a value");
		if (!value_valid(ps->lx.word, ps->lx.len, ps->kind))
			return fail(ps, "invalid value '%.*s'", (int)ps->lx.len, ps->lx.word);
		if (r->n_values == LABEL_SELECTOR_MAX_VALUES)
			return fail(ps, "more than %d values", LABEL_SELECTOR_MAX_VALUES);
		r->values[r->n_values] = dup_word(&ps->lx);
		if (!r->values[r->n_values++])
			return -ENOMEM;
		t = next(&ps->lx);
		if (t == T_CLOSE)
			return 0;
		if (t != T_COMMA)
			return fail(ps, t == T_END ? "missing ')'" : "expected ',' or ')'");
	}
}

static int read_number(struct parse *ps, struct requirement *r)
{
	char buf[24], *end;

	if (next(&ps->lx) != T_WORD || ps->lx.len >= sizeof(buf))
		return fail(ps, "expected a whole number after < or >");
	memcpy(buf, ps->lx.word, ps->lx.len);
	buf[ps->lx.len] = '\0';
	errno = 0;
	r->number = strtol(buf, &end, 10);
	if (errno || *end)
		return fail(ps, "expected a whole number after < or >");
	return 0;
}

static int read_requirement(struct parse *ps, struct requirement *r)
{
	enum token t = next(&ps->lx);

	if (t == T_NOT) {
		r->op = OP_NOT_EXISTS;
		t = next(&ps->lx);
	}
	if (t != T_WORD)
		return fail(ps, "expected a key");
	if (!key_valid(ps->lx.word, ps->lx.len))
		return fail(ps, "invalid key '%.*s'", (int)ps->lx.len, ps->lx.word);
	r->key = dup_word(&ps->lx);
	if (!r->key)
		return -ENOMEM;
	t = peek(&ps->lx);
	if (r->op == OP_NOT_EXISTS || t == T_COMMA || t == T_END)
		return 0; /* OP_EXISTS is 0 */
	t = next(&ps->lx);
	switch (t) {
	case T_EQ:
		r->op = OP_EQUALS;
		return read_value(ps, r);
	case T_NEQ:
		r->op = OP_NOT_EQUALS;
		return read_value(ps, r);
	case T_GT:
	case T_LT:
		r->op = t == T_GT ? OP_GT : OP_LT;
		return read_number(ps, r);
	case T_WORD:
		if (word_is(&ps->lx, "in") || word_is(&ps->lx, "notin")) {
			r->op = word_is(&ps->lx, "in") ? OP_IN : OP_NOT_IN;
			return read_set(ps, r);
		}
		/* fall through */
	default:
		return fail(ps, "expected =, ==, !=, in, notin, <, > or ','");
	}
}

static void requirement_release(struct requirement *r)
{
	free(r->key);
	for (size_t i = 0; i < r->n_values; i++)
		free(r->values[i]);
}

void label_selector_free(struct label_selector *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		requirement_release(&s->reqs[i]);
	free(s);
}

struct label_selector *label_selector_parse(const char *text, enum label_selector_values values,
					    char *err, size_t err_size)
{
	struct parse ps = {
		.lx = { .p = text ? text : "" }, .kind = values, .err = err, .err_size = err_size
	};
	int rc = 0;

	ps.s = calloc(1, sizeof(*ps.s));
	if (!ps.s)
		return NULL;
	while (!rc && peek(&ps.lx) != T_END) {
		while (isspace((unsigned char)*ps.lx.p))
			ps.lx.p++;
		ps.req_start = ps.lx.p;
		if (ps.s->n == LABEL_SELECTOR_MAX_REQUIREMENTS) {
			rc = fail(&ps, "more than %d requirements",
				  LABEL_SELECTOR_MAX_REQUIREMENTS);
			break;
		}
		rc = read_requirement(&ps, &ps.s->reqs[ps.s->n++]);
		if (rc)
			break;
		enum token t = next(&ps.lx);

		if (t == T_COMMA && peek(&ps.lx) == T_END)
			rc = fail(&ps, "nothing after ','");
		else if (t != T_COMMA && t != T_END)
			rc = fail(&ps, "expected ',' between requirements");
	}
	if (rc) {
		label_selector_free(ps.s);
		errno = -rc;
		return NULL;
	}
	return ps.s;
}

static int in_set(const struct requirement *r, const char *value)
{
	for (size_t i = 0; i < r->n_values; i++)
		if (!strcmp(r->values[i], value))
			return 1;
	return 0;
}

/* > and < compare integers; a value that is not one never matches (as apimachinery). */
static int compare(const struct requirement *r, const char *value)
{
	char *end;
	long v;

	if (!value || !*value)
		return 0;
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || *end)
		return 0;
	return r->op == OP_GT ? v > r->number : v < r->number;
}

static int requirement_matches(const struct requirement *r, const struct strpair *pairs, size_t n)
{
	const char *value = strpair_find(pairs, n, r->key);

	switch (r->op) {
	case OP_EXISTS:
		return value != NULL;
	case OP_NOT_EXISTS:
		return value == NULL;
	case OP_EQUALS:
	case OP_IN:
		return value && in_set(r, value);
	case OP_NOT_EQUALS:
	case OP_NOT_IN:
		return !value || !in_set(r, value);
	case OP_GT:
	case OP_LT:
		return compare(r, value);
	}
	return 0;
}

int label_selector_matches(const struct label_selector *s, const struct strpair *pairs, size_t n)
{
	if (!s)
		return 1;
	for (size_t i = 0; i < s->n; i++)
		if (!requirement_matches(&s->reqs[i], pairs, n))
			return 0;
	return 1;
}

size_t label_selector_key_count(const struct label_selector *s)
{
	return s ? s->n : 0;
}

const char *label_selector_key(const struct label_selector *s, size_t i)
{
	return s && i < s->n ? s->reqs[i].key : NULL;
}
