/*
 * python_version — which Python a process runs, read from the interpreter itself: the
 * `Py_Version` constant (PY_VERSION_HEX, exported by CPython since 3.11) in the process's
 * executable or in the libpython it maps, read from the file on disk (through
 * /proc/PID/root, so a container's own interpreter is read). Not guessed from a file name.
 */
#ifndef FEE_PYTHON_VERSION_H
#define FEE_PYTHON_VERSION_H

#include <sys/types.h>

/* The labels of prometheus_client's python_info. */
struct python_version {
	char implementation[16]; /* platform.python_implementation(): "CPython" */
	char major[8], minor[8], patchlevel[8];
	char version[32]; /* platform.python_version(): "3.11.2", "3.13.0rc1" */
};

/* PY_VERSION_HEX (0x030B02F0) -> the labels. 0, or -EINVAL for an impossible value. */
int python_version_from_hex(unsigned long hex, struct python_version *v);

/* Py_Version of an ELF file. 0, -ENODATA when the file does not define it (not CPython, or
 * older than 3.11), -ENOEXEC (not ELF) or -errno. */
int python_version_of_file(const char *path, struct python_version *v);

/* The process's interpreter: its executable first, then each mapped file named
 * libpython*. 0, -ENODATA when none defines Py_Version, -ESRCH when the process is gone. */
int python_version_of_process(const char *proc_root, pid_t pid, struct python_version *v);

#endif
