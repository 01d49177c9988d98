/*
 * request_line — turn the request-line bytes the kernel copied into the `method` and
 * `path` labels exactly as Flask shows them (SPEC §3). Pure: no allocation, no state.
 */
#ifndef FEE_HTTP_REQUEST_LINE_H
#define FEE_HTTP_REQUEST_LINE_H

#include <stddef.h>

#define HTTP_METHOD_MAX 32
/* Decoding never grows the text by more than 3x (one bad byte -> U+FFFD, 3 bytes). */
#define HTTP_PATH_MAX (3 * 512 + 1)
#define HTTP_QUERY_MAX 512
/* Room for http_request_line_full_path: path, '?', query with every byte replaced. */
#define HTTP_FULL_PATH_MAX (HTTP_PATH_MAX + 1 + 3 * HTTP_QUERY_MAX)

struct http_request_line {
	char method[HTTP_METHOD_MAX]; /* upper-cased token, NUL-terminated */
	char path[HTTP_PATH_MAX];     /* Flask's request.path: valid UTF-8, NUL-terminated */
	char query[HTTP_QUERY_MAX];   /* raw query string without '?', "" when none */
	int http_minor;		      /* the x of HTTP/1.x */
};

enum http_request_line_error {
	HTTP_LINE_OK = 0,
	HTTP_LINE_BAD_METHOD = -1,  /* no token, or a token of non-tchar bytes / too long */
	HTTP_LINE_BAD_TARGET = -2,  /* empty or not origin-form, absolute-form or "*" */
	HTTP_LINE_BAD_VERSION = -3, /* not "HTTP/1.<digit>" */
};

/*
 * Parses "METHOD SP request-target SP HTTP/1.x" (no CRLF; len bytes, not NUL-terminated).
 * When `truncated` is non-zero the line was cut short by the kernel: the version may be
 * missing and the target may end mid-way; what is there is decoded.
 *
 * path: query removed; absolute-form ("http://host:port/a?x") reduced to its path ("/a",
 * or "/" when it has none); percent-decoded as UTF-8 with invalid sequences replaced by
 * U+FFFD the way Python's bytes.decode('utf-8', 'replace') does; runs of leading slashes
 * collapsed to one; an asterisk target becomes "/" followed by it; nothing else normalised.
 *
 * Returns HTTP_LINE_OK or a negative enum http_request_line_error.
 */
int http_request_line_parse(const char *line, size_t len, int truncated,
			    struct http_request_line *out);

/*
 * Flask's request.full_path: path + '?' + the raw query string (not percent-decoded; the
 * '?' is there even when the query is empty, as werkzeug does), invalid UTF-8 in the query
 * replaced by U+FFFD. The query is only there when the kernel kept it (group_by full_path).
 * Output that would not fit in size bytes is cut at a character boundary.
 */
void http_request_line_full_path(const struct http_request_line *line, char *out, size_t size);

/* A name for an error code, for logs and the "unparseable" self-metric. */
const char *http_request_line_strerror(int err);

#endif
