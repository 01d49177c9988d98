/* accept_header — reading list-valued request headers (Accept, Accept-Encoding). */
#ifndef FEE_ACCEPT_HEADER_H
#define FEE_ACCEPT_HEADER_H

/*
 * Whether a comma-separated header value lists token, as prometheus_client reads Accept and
 * Accept-Encoding: each element up to its first ';', blanks stripped, compared whole
 * (ignoring case when ignore_case: the client lower-cases encodings but not media types).
 * NULL: no.
 */
int accept_header_lists(const char *value, const char *token, int ignore_case);

#define HTTP_OPENMETRICS_MEDIA_TYPE "application/openmetrics-text"

#endif
