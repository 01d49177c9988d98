/* http_gzip — gzip a response body when the client's Accept-Encoding allows it. */
#ifndef FEE_HTTP_GZIP_H
#define FEE_HTTP_GZIP_H

#include "strbuf.h"

/* As prometheus_client's gzip_accepted(): one of the comma-separated codings, before any
 * ';' parameter and without blanks, is "gzip" (any case). NULL: no. */
int http_gzip_accepted(const char *accept_encoding);

/* Replaces sb's content with its gzip (RFC 1952) form. 0 or -ENOMEM. */
int http_gzip(struct strbuf *sb);

#endif
