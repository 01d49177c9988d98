/* http_gzip — gzip a response body (when Accept-Encoding lists gzip: http_header.h). */
#ifndef FEE_HTTP_GZIP_H
#define FEE_HTTP_GZIP_H

#include "util/strbuf.h"

/* Replaces sb's content with its gzip (RFC 1952) form. 0 or -ENOMEM. */
int http_gzip(struct strbuf *sb);

#endif
