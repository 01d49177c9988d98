// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/accept_header.h"

#include <string.h>
#include <strings.h>

int accept_header_lists(const char *value, const char *token, int ignore_case)
{
	size_t len = strlen(token);
	const char *p = value;

	while (p && *p) {
		const char *end = p + strcspn(p, ",");
		const char *item_end = p + strcspn(p, ",;");

		while (p < item_end && (*p == ' ' || *p == '\t'))
			p++;
		while (item_end > p && (item_end[-1] == ' ' || item_end[-1] == '\t'))
			item_end--;
		if ((size_t)(item_end - p) == len &&
		    !(ignore_case ? strncasecmp(p, token, len) : memcmp(p, token, len)))
			return 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}
