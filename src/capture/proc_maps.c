// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/proc_maps.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int proc_maps_parse_line(char *line, struct proc_mapping *m)
{
	size_t len = strlen(line);
	int path_at = -1;

	if (len && line[len - 1] == '\n')
		line[--len] = '\0';
	if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &m->start, &m->end, m->perms, &m->offset,
		   &m->dev_major, &m->dev_minor, &m->inode, &path_at) < 7 ||
	    strlen(m->perms) != 4)
		return -EINVAL;
	/* %n is not counted and may not be reached when the line ends after the inode. */
	m->path = path_at > 0 && (size_t)path_at <= len ? line + path_at : line + len;
	return 0;
}

int proc_mapping_is_file_code(const struct proc_mapping *m)
{
	return m->perms[2] == 'x' && m->path[0] == '/';
}
