// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config/target_kind.h"

#include <string.h>

static const char *const kind_names[TARGET_KINDS] = {
	[TARGET_PID] = "pid",
	[TARGET_CGROUP] = "cgroup",
	[TARGET_EXE] = "exe",
	[TARGET_PORT] = "port",
};

const char *target_kind_name(enum target_kind kind)
{
	return kind < TARGET_KINDS ? kind_names[kind] : "unknown";
}

int target_kind_parse(const char *name)
{
	for (int k = 0; k < TARGET_KINDS; k++)
		if (!strcmp(name, kind_names[k]))
			return k;
	return -1;
}
