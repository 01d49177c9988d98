// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/tracefs.h"

#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define TRACEFS_DIR "/sys/kernel/tracing"
#define DEBUGFS_TRACING_DIR "/sys/kernel/debug/tracing"

static int has_events(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/events", dir);
	/* With the effective ids and capabilities: access(2) drops the capabilities of a
	 * non-root uid, and tracefs (mode 0700) needs CAP_DAC_READ_SEARCH to be seen then. */
	return faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) == 0;
}

int tracefs_ensure_mounted(void)
{
	if (has_events(TRACEFS_DIR) || has_events(DEBUGFS_TRACING_DIR))
		return 0;
	if (mount("tracefs", TRACEFS_DIR, "tracefs", 0, NULL)) {
		int err = -errno;

		log_error("tracefs is not mounted and mounting it at %s failed: %s", TRACEFS_DIR,
			  strerror(errno));
		return err;
	}
	log_info("mounted tracefs at %s", TRACEFS_DIR);
	return 0;
}
