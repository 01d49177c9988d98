/* gzip_body — gzip a response body (when Accept-Encoding lists gzip: accept_header.h). */
#ifndef FEE_GZIP_BODY_H
#define FEE_GZIP_BODY_H

#include "util/strbuf.h"

/* Replaces sb's content with its gzip (RFC 1952) form. 0 or -ENOMEM. */
int gzip_body(struct strbuf *sb);

#endif
