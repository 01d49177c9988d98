// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/gzip_body.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int gzip_body(struct strbuf *sb)
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
