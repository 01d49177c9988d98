// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/prom_name.h"

#include <stddef.h>

int prom_name_valid(const char *name, int allow_colon)
{
	if (!name || !name[0] || (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (const char *p = name; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (allow_colon && c == ':')))
			return 0;
	}
	return 1;
}
