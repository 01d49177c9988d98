// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* nginx's access log, combined format: see access_log.h. */
#include "access_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

long access_log_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_size;
}

/* `... [time] "GET / HTTP/1.1" 200 3 "-" "wrk"`: the quoted request line and the status
 * after it (nginx escapes a '"' inside the request line as \x22). */
static bool parse_line(const char *s, const char **request, size_t *len, unsigned *status)
{
	const char *open = strchr(s, '"'), *close;
	char *end;
	unsigned long code;

	if (!open || !(close = strchr(open + 1, '"')) || close[1] != ' ')
		return false;
	code = strtoul(close + 2, &end, 10);
	if (end == close + 2 || *end != ' ' || code < 100 || code > 999)
		return false;
	*request = open + 1;
	*len = close - open - 1;
	*status = code;
	return true;
}

bool access_log_tally(const char *path, long offset, struct tally *t, uint64_t *unanswered)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	bool ok = true;

	if (!f || fseek(f, offset, SEEK_SET)) {
		fprintf(stderr, "access log %s: cannot read from byte %ld\n", path, offset);
		if (f)
			fclose(f);
		return false;
	}
	while (getline(&line, &cap, f) > 0) {
		const char *request;
		size_t len;
		unsigned status;

		lineno++;
		if (!parse_line(line, &request, &len, &status)) {
			fprintf(stderr,
				"access log %s: line %u after byte %ld: not combined format\n",
				path, lineno, offset);
			ok = false;
			break;
		}
		if (status == NGINX_CLIENT_CLOSED)
			(*unanswered)++;
		else
			tally_add(t, request, len, status);
	}
	free(line);
	fclose(f);
	return ok;
}
