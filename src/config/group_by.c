// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config/group_by.h"

#include <string.h>

static const char *const group_by_names[] = { "path", "full_path", "endpoint", "url_rule" };

const char *group_by_name(enum group_by g)
{
	return (unsigned int)g < 4 ? group_by_names[g] : "path";
}

int group_by_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, group_by_names[i]))
			return i;
	return -1;
}
