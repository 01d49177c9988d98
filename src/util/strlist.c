// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/strlist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int strlist_append(char ***list, size_t *n, const char *s)
{
	char **grown = realloc(*list, (*n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	*list = grown;
	grown[*n] = strdup(s);
	if (!grown[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}
