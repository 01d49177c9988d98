// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Request line -> method and Flask's request.path (SPEC §3). The first table is what a
 * real werkzeug 2.2 dev server answers (request.method, request.path) for the same raw
 * request lines: tests/unit/golden/make_request_line_table.py prints it, and make
 * test-unit checks this table against it. One deliberate difference: raw (unescaped)
 * UTF-8 bytes in a target are decoded as UTF-8, as gunicorn does, where werkzeug's dev
 * server decodes them as latin-1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "http/request_line.h"

static const struct {
	const char *line, *method, *path;
} valid[] = {
	/* clang-format off */
	{ "GET / HTTP/1.1", "GET", "/" },
	{ "get /lower HTTP/1.1", "GET", "/lower" },
	{ "HEAD / HTTP/1.1", "HEAD", "/" },
	{ "OPTIONS * HTTP/1.1", "OPTIONS", "/*" },
	{ "OPTIONS /x HTTP/1.1", "OPTIONS", "/x" },
	{ "GET /items/7?x=1&y=2 HTTP/1.1", "GET", "/items/7" },
	{ "GET /a? HTTP/1.1", "GET", "/a" },
	{ "GET /a%2Fb HTTP/1.1", "GET", "/a/b" },
	{ "GET /a%20b HTTP/1.1", "GET", "/a b" },
	{ "GET /%25 HTTP/1.1", "GET", "/%" },
	{ "GET /a+b HTTP/1.1", "GET", "/a+b" },
	{ "GET /caf%C3%A9 HTTP/1.1", "GET", "/caf\xc3\xa9" },
	{ "GET /caf%c3%a9 HTTP/1.1", "GET", "/caf\xc3\xa9" },
	{ "GET /%E2%82 HTTP/1.1", "GET", "/\xef\xbf\xbd" },
	{ "GET /%FF%FF HTTP/1.1", "GET", "/\xef\xbf\xbd\xef\xbf\xbd" },
	{ "GET /%ED%A0%80 HTTP/1.1", "GET", "/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "GET /%C0%AF HTTP/1.1", "GET", "/\xef\xbf\xbd\xef\xbf\xbd" },
	{ "GET /%F4%90%80%80 HTTP/1.1", "GET", "/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "GET /%F0%9F%98%80 HTTP/1.1", "GET", "/\xf0\x9f\x98\x80" },
	{ "GET /%zz HTTP/1.1", "GET", "/%zz" },
	{ "GET /a% HTTP/1.1", "GET", "/a%" },
	{ "GET /a%2 HTTP/1.1", "GET", "/a%2" },
	{ "GET //a//b HTTP/1.1", "GET", "/a//b" },
	{ "GET ///a HTTP/1.1", "GET", "/a" },
	{ "GET /%2F%2Fa HTTP/1.1", "GET", "/a" },
	{ "GET /a/../b HTTP/1.1", "GET", "/a/../b" },
	{ "GET /a/ HTTP/1.1", "GET", "/a/" },
	{ "GET /a/./b HTTP/1.1", "GET", "/a/./b" },
	{ "GET http://example.com:8080/abs?q=1 HTTP/1.1", "GET", "/abs" },
	{ "GET http://example.com HTTP/1.1", "GET", "/" },
	{ "GET HTTP://Example.com/UP HTTP/1.1", "GET", "/UP" },
	{ "GET https://h/s%20p HTTP/1.1", "GET", "/s p" },
	{ "GET /%0Anl HTTP/1.1", "GET", "/\x0anl" },
	{ "GET /tab%09x HTTP/1.1", "GET", "/tab\x09x" },
	{ "GET /%22q%22%5C HTTP/1.1", "GET", "/\"q\"\\" },
	{ "POST /created HTTP/1.0", "POST", "/created" },
	{ "DELETE /x HTTP/1.1", "DELETE", "/x" },
	{ "PATCH /x HTTP/1.1", "PATCH", "/x" },
	{ "GET /\xc3\xa9raw HTTP/1.1", "GET", "/\xc3\xa9raw" },
	{ "GET /%E2%82%AC%E2 HTTP/1.1", "GET", "/\xe2\x82\xac\xef\xbf\xbd" },
	/* clang-format on */
};

/*
 * Puts the line right before an unmapped page, as picohttpparser's tests do: a parser that
 * reads one byte past `len` faults instead of passing by luck.
 */
static const char *guarded_copy(const char *line, size_t len)
{
	static char *pages;
	static size_t page;

	if (!pages) { /* two usable pages, then a guard page */
		page = (size_t)sysconf(_SC_PAGESIZE);
		pages = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);
		assert_true(pages != MAP_FAILED);
		assert_int_equal(mprotect(pages + 2 * page, page, PROT_NONE), 0);
	}
	assert_true(len <= 2 * page);
	memcpy(pages + 2 * page - len, line, len);
	return pages + 2 * page - len;
}

static int parse(const char *line, size_t len, int truncated, struct http_request_line *out)
{
	return http_request_line_parse(guarded_copy(line, len), len, truncated, out);
}

/* The kernel hands over the line without its query string. */
static size_t kernel_copy(const char *line, char *out)
{
	const char *q = strchr(line, '?');
	size_t n;

	if (!q)
		return (size_t)sprintf(out, "%s", line);
	n = (size_t)(q - line);
	memcpy(out, line, n);
	return n + (size_t)sprintf(out + n, "%s", strrchr(line, ' '));
}

static void test_valid_lines_as_flask_sees_them(void **state)
{
	struct http_request_line out;
	char line[512];

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		/* Both as the kernel copies it and with the query string still there
		 * (the full_path mode keeps it). */
		size_t len = kernel_copy(valid[i].line, line);

		assert_int_equal(parse(line, len, 0, &out), HTTP_LINE_OK);
		assert_string_equal(out.method, valid[i].method);
		assert_string_equal(out.path, valid[i].path);
		assert_int_equal(parse(valid[i].line, strlen(valid[i].line), 0, &out),
				 HTTP_LINE_OK);
		assert_string_equal(out.path, valid[i].path);
	}
}

static void test_query_and_version(void **state)
{
	struct http_request_line out;
	const char *line = "GET /items/7?x=1&y=%20 HTTP/1.0";

	assert_int_equal(parse(line, strlen(line), 0, &out), HTTP_LINE_OK);
	assert_string_equal(out.query, "x=1&y=%20");
	assert_int_equal(out.http_minor, 0);
	line = "GET /a? HTTP/1.1";
	assert_int_equal(parse(line, strlen(line), 0, &out), HTTP_LINE_OK);
	assert_string_equal(out.query, "");
	assert_int_equal(out.http_minor, 1);
}

static void test_rejects_what_is_not_http1(void **state)
{
	static const struct {
		const char *line;
		size_t len; /* 0: strlen */
		int err;
	} bad[] = {
		{ "PRI * HTTP/2.0", 0, HTTP_LINE_BAD_VERSION },
		{ "GET /", 0, HTTP_LINE_BAD_VERSION }, /* HTTP/0.9 */
		{ "GET / HTTP/1.1 x", 0, HTTP_LINE_BAD_VERSION },
		{ "GET / HTTP/1.", 0, HTTP_LINE_BAD_VERSION },
		{ "GET / HTTP/1.x", 0, HTTP_LINE_BAD_VERSION },
		{ "GET / http/1.1", 0, HTTP_LINE_BAD_VERSION },
		{ "GET  / HTTP/1.1", 0, HTTP_LINE_BAD_TARGET },
		{ "GET ?x HTTP/1.1", 0, HTTP_LINE_BAD_TARGET },
		{ "GET a/b HTTP/1.1", 0, HTTP_LINE_BAD_TARGET },
		{ "GET ftp://h/x HTTP/1.1", 0, HTTP_LINE_BAD_TARGET },
		{ "GET /a\tb HTTP/1.1", 0, HTTP_LINE_BAD_TARGET },
		{ "GET /a\0b HTTP/1.1", 17, HTTP_LINE_BAD_TARGET },
		{ " / HTTP/1.1", 0, HTTP_LINE_BAD_METHOD },
		{ "G(T / HTTP/1.1", 0, HTTP_LINE_BAD_METHOD },
		{ "\x16\x03\x01\x02\x00 binary", 0, HTTP_LINE_BAD_METHOD },
		{ "NOSPACE", 0, HTTP_LINE_BAD_METHOD },
		{ "", 0, HTTP_LINE_BAD_METHOD },
		{ "AVERYVERYVERYVERYLONGMETHODTOKEN_X / HTTP/1.1", 0, HTTP_LINE_BAD_METHOD },
	};
	struct http_request_line out;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].line);

		assert_int_equal(parse(bad[i].line, len, 0, &out), bad[i].err);
		assert_string_not_equal(http_request_line_strerror(bad[i].err), "ok");
	}
}

static void test_truncated_lines_decode_what_is_there(void **state)
{
	static const struct {
		const char *line, *path;
	} cut[] = {
		{ "GET /abc", "/abc" },
		{ "GET /abc%2", "/abc%2" },	       /* escape cut short stays literal */
		{ "GET /caf%C3", "/caf\xef\xbf\xbd" }, /* UTF-8 cut short becomes U+FFFD */
		{ "GET /ok HTTP/1", "/ok" },	       /* version cut short is ignored */
	};
	struct http_request_line out;

	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		assert_int_equal(parse(cut[i].line, strlen(cut[i].line), 1, &out), HTTP_LINE_OK);
		assert_string_equal(out.path, cut[i].path);
	}
	/* Without the flag the same bytes are an error. */
	assert_int_equal(parse("GET /abc", 8, 0, &out), HTTP_LINE_BAD_VERSION);
}

static void test_long_targets_never_overflow(void **state)
{
	/* 1500 bytes of "%FF": each decodes to an invalid byte, i.e. a 3-byte U+FFFD, far
	 * more than the path buffer holds; the output is cut at a character boundary. */
	char line[4600];
	struct http_request_line out;
	size_t n = (size_t)sprintf(line, "GET /");

	while (n < 4500)
		n += (size_t)sprintf(line + n, "%%FF");
	n += (size_t)sprintf(line + n, " HTTP/1.1");
	assert_int_equal(parse(line, n, 0, &out), HTTP_LINE_OK);
	assert_true(strlen(out.path) < sizeof(out.path));
	assert_int_equal((strlen(out.path) - 1) % 3, 0);
	assert_memory_equal(out.path + strlen(out.path) - 3, "\xef\xbf\xbd", 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_lines_as_flask_sees_them),
		cmocka_unit_test(test_query_and_version),
		cmocka_unit_test(test_rejects_what_is_not_http1),
		cmocka_unit_test(test_truncated_lines_decode_what_is_there),
		cmocka_unit_test(test_long_targets_never_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
