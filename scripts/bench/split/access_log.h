/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * nginx's access log (the default "combined" format) as the truth the prototype's rebuilt
 * requests are checked against: the requests logged while it was attached.
 */
#ifndef SPLIT_ACCESS_LOG_H
#define SPLIT_ACCESS_LOG_H

#include <stdbool.h>

#include "tally.h"

/* The log's size now (bytes); -1 when it cannot be read. */
long access_log_size(const char *path);
/* Adds every request logged past byte `offset` to t. False (and a message) when the log
 * cannot be read or a line is not in the combined format. */
bool access_log_tally(const char *path, long offset, struct tally *t);

#endif
