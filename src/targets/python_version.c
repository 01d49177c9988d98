// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/python_version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/elf_symbols.h"
#include "capture/proc_maps.h"

int python_version_from_hex(unsigned long hex, struct python_version *v)
{
	unsigned int major = (hex >> 24) & 0xff, minor = (hex >> 16) & 0xff;
	unsigned int micro = (hex >> 8) & 0xff, level = (hex >> 4) & 0xf, serial = hex & 0xf;
	const char *suffix;

	/* PY_RELEASE_LEVEL_ALPHA 0xA, BETA 0xB, GAMMA (release candidate) 0xC, FINAL 0xF;
	 * platform.python_version() prints them as a, b, rc and nothing. */
	switch (level) {
	case 0xA:
		suffix = "a";
		break;
	case 0xB:
		suffix = "b";
		break;
	case 0xC:
		suffix = "rc";
		break;
	case 0xF:
		suffix = "";
		break;
	default:
		return -EINVAL;
	}
	if (major < 2 || hex >> 32)
		return -EINVAL;
	snprintf(v->implementation, sizeof(v->implementation), "CPython");
	snprintf(v->major, sizeof(v->major), "%u", major);
	snprintf(v->minor, sizeof(v->minor), "%u", minor);
	snprintf(v->patchlevel, sizeof(v->patchlevel), "%u", micro);
	if (level == 0xF)
		snprintf(v->version, sizeof(v->version), "%u.%u.%u", major, minor, micro);
	else
		snprintf(v->version, sizeof(v->version), "%u.%u.%u%s%u", major, minor, micro,
			 suffix, serial);
	return 0;
}

int python_version_of_file(const char *path, struct python_version *v)
{
	/* The file is the running machine's own interpreter: native byte order. */
	unsigned long hex = 0;
	unsigned int hex32 = 0;
	ssize_t n = elf_object_read(path, "Py_Version", &hex, sizeof(hex));

	if (n == sizeof(hex32)) {
		memcpy(&hex32, &hex, sizeof(hex32));
		hex = hex32;
	} else if (n != sizeof(hex)) {
		return n < 0 ? (int)n : -ENODATA;
	}
	return python_version_from_hex(hex, v);
}

/* Does the mapped file's name look like a libpython (libpython3.11.so.1.0)? */
static int is_libpython(const char *path)
{
	const char *base = strrchr(path, '/');

	return base && !strncmp(base + 1, "libpython", 9);
}

int python_version_of_process(const char *proc_root, pid_t pid, struct python_version *v)
{
	char path[4096], *line = NULL;
	size_t size = 0;
	int err;
	FILE *maps;

	/* The executable through its magic link: the very file the process runs. */
	snprintf(path, sizeof(path), "%s/%d/exe", proc_root, (int)pid);
	err = python_version_of_file(path, v);
	if (!err || (err != -ENODATA && err != -ENOEXEC))
		return err == -ENOENT ? -ESRCH : err;
	snprintf(path, sizeof(path), "%s/%d/maps", proc_root, (int)pid);
	maps = fopen(path, "re");
	if (!maps)
		return errno == ENOENT ? -ESRCH : -errno;
	err = -ENODATA;
	while (err && getline(&line, &size, maps) > 0) {
		struct proc_mapping m;

		if (proc_maps_parse_line(line, &m) || !proc_mapping_is_file_code(&m) ||
		    !is_libpython(m.path))
			continue;
		snprintf(path, sizeof(path), "%s/%d/root%s", proc_root, (int)pid, m.path);
		err = python_version_of_file(path, v);
		if (err && err != -ENODATA && err != -ENOEXEC)
			break;
		if (err)
			err = -ENODATA;
	}
	free(line);
	fclose(maps);
	return err;
}
