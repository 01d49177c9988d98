/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * nginx's access log (the default "combined" format) as the truth the prototype's rebuilt
 * requests are checked against: the requests logged while it was attached.
 */
#ifndef SPLIT_ACCESS_LOG_H
#define SPLIT_ACCESS_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "tally.h"

/* The log's size now (bytes); -1 when it cannot be read. */
long access_log_size(const char *path);
/* nginx's status for a request whose client closed the connection before any response was
 * written: there is no status line to count, for the exporter or anyone. */
#define NGINX_CLIENT_CLOSED 499

/* Adds every request logged past byte `offset` to t, but counts those logged with
 * NGINX_CLIENT_CLOSED in *unanswered instead (wrk abandons requests in flight at its
 * deadline). False (and a message) when the log cannot be read or a line is not in the
 * combined format. */
bool access_log_tally(const char *path, long offset, struct tally *t, uint64_t *unanswered);

#endif
