// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "http_gzip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

int http_gzip_accepted(const char *header)
{
	const char *p = header;

	while (p && *p) {
		const char *end = p + strcspn(p, ",");
		const char *token_end = p + strcspn(p, ",;");

		while (p < token_end && (*p == ' ' || *p == '\t'))
			p++;
		while (token_end > p && (token_end[-1] == ' ' || token_end[-1] == '\t'))
			token_end--;
		if (token_end - p == 4 && !strncasecmp(p, "gzip", 4))
			return 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

int http_gzip(struct strbuf *sb)
{
	z_stream z = { 0 };
	unsigned char *out;
	uLong bound;
	int ret;

	if (sb->failed)
		return -ENOMEM;
	/* windowBits 15 + 16: a gzip header and trailer instead of zlib's. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -ENOMEM;
	bound = deflateBound(&z, (uLong)sb->len);
	out = malloc(bound + 1);
	if (!out) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)(sb->buf ? sb->buf : "");
	z.avail_in = (uInt)sb->len;
	z.next_out = out;
	z.avail_out = (uInt)bound;
	ret = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (ret != Z_STREAM_END) {
		free(out);
		return -ENOMEM;
	}
	strbuf_reset(sb);
	ret = strbuf_append(sb, (const char *)out, z.total_out);
	free(out);
	return ret;
}
