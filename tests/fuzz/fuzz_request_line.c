// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the request-line parser and path decoder (src/http/request_line.c).
 * Input: one flag byte (bit 0: the kernel truncated the line), then the line's bytes, in a
 * buffer of exactly that size so AddressSanitizer sees any read past it. Whatever the
 * bytes, a successful parse must give labels fit for exposition: a NUL-terminated
 * upper-case token for the method, valid UTF-8 starting with '/' for the path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_checks.h"
#include "http/request_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request_line out;
	char *line;
	int truncated, rc;

	if (size < 1)
		return 0;
	truncated = data[0] & 1;
	line = malloc(size - 1 ? size - 1 : 1);
	if (!line)
		return 0;
	memcpy(line, data + 1, size - 1);
	rc = http_request_line_parse(line, size - 1, truncated, &out);
	free(line);
	if (rc != HTTP_LINE_OK) {
		FUZZ_CHECK(rc < 0 && http_request_line_strerror(rc) != NULL);
		return 0;
	}
	FUZZ_CHECK(memchr(out.method, '\0', sizeof(out.method)) != NULL);
	FUZZ_CHECK(out.method[0] != '\0');
	for (const char *m = out.method; *m; m++)
		FUZZ_CHECK(!(*m >= 'a' && *m <= 'z') && (unsigned char)*m > ' ');
	FUZZ_CHECK(memchr(out.path, '\0', sizeof(out.path)) != NULL);
	FUZZ_CHECK(out.path[0] == '/');
	FUZZ_CHECK(fuzz_valid_utf8(out.path, strlen(out.path)));
	FUZZ_CHECK(memchr(out.query, '\0', sizeof(out.query)) != NULL);
	return 0;
}
