// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config/hook_mode.h"

#include <errno.h>
#include <string.h>

static const char *const mode_names[HOOK_MODE_COUNT] = {
	[HOOK_MODE_AUTO] = "auto",
	[HOOK_MODE_FENTRY] = "fentry",
	[HOOK_MODE_KPROBE] = "kprobe",
	[HOOK_MODE_FENTRY_SYSCALL] = "fentry-syscall",
	[HOOK_MODE_KPROBE_SYSCALL] = "kprobe-syscall",
	[HOOK_MODE_TRACEPOINT] = "tracepoint",
};

const char *hook_mode_name(enum hook_mode mode)
{
	return mode >= 0 && mode < HOOK_MODE_COUNT ? mode_names[mode] : "unknown";
}

int hook_mode_parse(const char *name, enum hook_mode *mode)
{
	for (int i = 0; i < HOOK_MODE_COUNT; i++) {
		if (!strcmp(name, mode_names[i])) {
			*mode = (enum hook_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}
