// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "http/request_line.h"

#include <string.h>

/* RFC 9110 token characters. */
static int is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int starts_with_nocase(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	if (len < n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != prefix[i])
			return 0;
	}
	return 1;
}

/*
 * Length of the valid UTF-8 sequence at s (1-4), or, when it is invalid, -(length of the
 * maximal prefix of a valid sequence), which Python's 'replace' handler turns into a single
 * U+FFFD (at least 1 byte).
 */
static int utf8_sequence(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	int need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 2;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 3;
	else
		return -1; /* 0x80-0xC1, 0xF5-0xFF never start a character */
	/* The second byte's range excludes overlongs and surrogates. */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	for (i = 1; i <= need; i++) {
		if ((size_t)i >= len || s[i] < lo || s[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xBF;
	}
	return need + 1;
}

/* Appends n bytes if they fit (keeping room for the NUL); returns 0 when they do not. */
static int put_bytes(char *out, size_t size, size_t *pos, const void *bytes, size_t n)
{
	if (*pos + n >= size)
		return 0;
	memcpy(out + *pos, bytes, n);
	*pos += n;
	return 1;
}

/*
 * Appends bytes[0..n) as valid UTF-8 and NUL-terminates: invalid sequences become U+FFFD
 * the way Python's bytes.decode('utf-8', 'replace') does. Output that would not fit is
 * cut at a character boundary.
 */
static void put_utf8(char *out, size_t size, size_t *pos, const unsigned char *bytes, size_t n)
{
	static const unsigned char replacement[] = { 0xEF, 0xBF, 0xBD };
	size_t i = 0;

	while (i < n) {
		int seq = utf8_sequence(bytes + i, n - i);

		if (seq > 0) {
			if (!put_bytes(out, size, pos, bytes + i, (size_t)seq))
				break;
			i += (size_t)seq;
		} else {
			if (!put_bytes(out, size, pos, replacement, sizeof(replacement)))
				break;
			i += (size_t)-seq;
		}
	}
	out[*pos] = '\0';
}

/*
 * Percent-decodes raw[0..len) and writes it as valid UTF-8: invalid sequences become
 * U+FFFD the way Python's bytes.decode('utf-8', 'replace') does. Leading slashes are
 * collapsed to one, after decoding, as werkzeug's request.path does ("/" + lstrip("/")).
 * Output that would not fit is cut at a character boundary.
 */
static void decode_path(const char *raw, size_t len, char *out, size_t size)
{
	unsigned char bytes[HTTP_PATH_MAX];
	size_t n = 0, pos = 0, i = 0;

	for (size_t r = 0; r < len && n < sizeof(bytes); r++) {
		int hi, lo;

		if (raw[r] == '%' && r + 2 < len &&
		    (hi = hex_value((unsigned char)raw[r + 1])) >= 0 &&
		    (lo = hex_value((unsigned char)raw[r + 2])) >= 0) {
			bytes[n++] = (unsigned char)(hi * 16 + lo);
			r += 2;
		} else {
			bytes[n++] = (unsigned char)raw[r];
		}
	}

	out[pos++] = '/';
	while (i < n && bytes[i] == '/')
		i++;
	put_utf8(out, size, &pos, bytes + i, n - i);
}

/* The path part of a request target, or -1 when the target has no acceptable form. */
static int target_path(const char *target, size_t len, const char **path, size_t *path_len)
{
	if (len == 1 && target[0] == '*') { /* "OPTIONS *": decoding prefixes the slash */
		*path = target;
		*path_len = 1;
		return 0;
	}
	if (target[0] == '/') {
		*path = target;
		*path_len = len;
		return 0;
	}
	if (starts_with_nocase(target, len, "http://") ||
	    starts_with_nocase(target, len, "https://")) {
		const char *authority = memchr(target, ':', len) + 3;
		const char *end = target + len;
		const char *slash = memchr(authority, '/', (size_t)(end - authority));

		*path = slash ? slash : end;
		*path_len = (size_t)(end - *path);
		return 0;
	}
	return -1;
}

int http_request_line_parse(const char *line, size_t len, int truncated,
			    struct http_request_line *out)
{
	const char *sp1, *sp2, *target, *query, *path;
	size_t method_len, target_len, path_len;

	memset(out, 0, sizeof(*out));
	sp1 = memchr(line, ' ', len);
	if (!sp1)
		return HTTP_LINE_BAD_METHOD;
	method_len = (size_t)(sp1 - line);
	if (method_len == 0 || method_len >= HTTP_METHOD_MAX)
		return HTTP_LINE_BAD_METHOD;
	for (size_t i = 0; i < method_len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (!is_tchar(c))
			return HTTP_LINE_BAD_METHOD;
		out->method[i] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
	}

	target = sp1 + 1;
	sp2 = memchr(target, ' ', len - (size_t)(target - line));
	if (sp2 == target)
		return HTTP_LINE_BAD_TARGET;
	if (sp2 && truncated) {
		/* A cut line may end inside its version: only the target matters. */
		target_len = (size_t)(sp2 - target);
	} else if (sp2) {
		const char *version = sp2 + 1;
		size_t version_len = len - (size_t)(version - line);

		if (version_len != 8 || memcmp(version, "HTTP/1.", 7) || version[7] < '0' ||
		    version[7] > '9')
			return HTTP_LINE_BAD_VERSION;
		out->http_minor = version[7] - '0';
		target_len = (size_t)(sp2 - target);
	} else {
		/* A whole line always has a version; a cut one may have lost it. */
		if (!truncated)
			return HTTP_LINE_BAD_VERSION;
		target_len = len - (size_t)(target - line);
	}
	if (target_len == 0)
		return HTTP_LINE_BAD_TARGET;
	for (size_t i = 0; i < target_len; i++)
		if ((unsigned char)target[i] <= ' ' || target[i] == 0x7f)
			return HTTP_LINE_BAD_TARGET; /* control bytes are never in a target */

	query = memchr(target, '?', target_len);
	if (query) {
		size_t query_len = target_len - (size_t)(query - target) - 1;

		if (query_len >= sizeof(out->query))
			query_len = sizeof(out->query) - 1;
		memcpy(out->query, query + 1, query_len);
		target_len = (size_t)(query - target);
		if (target_len == 0)
			return HTTP_LINE_BAD_TARGET;
	}
	if (target_path(target, target_len, &path, &path_len))
		return HTTP_LINE_BAD_TARGET;
	decode_path(path, path_len, out->path, sizeof(out->path));
	return HTTP_LINE_OK;
}

void http_request_line_full_path(const struct http_request_line *line, char *out, size_t size)
{
	size_t pos = 0;

	out[0] = '\0';
	if (!put_bytes(out, size, &pos, line->path, strlen(line->path)) ||
	    !put_bytes(out, size, &pos, "?", 1))
		return;
	put_utf8(out, size, &pos, (const unsigned char *)line->query, strlen(line->query));
}

const char *http_request_line_strerror(int err)
{
	switch (err) {
	case HTTP_LINE_OK:
		return "ok";
	case HTTP_LINE_BAD_METHOD:
		return "bad method";
	case HTTP_LINE_BAD_TARGET:
		return "bad request target";
	case HTTP_LINE_BAD_VERSION:
		return "not HTTP/1.x";
	default:
		return "unknown error";
	}
}
