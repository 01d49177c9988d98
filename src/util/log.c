// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/log.h"

#include <bpf/libbpf.h>
#include <stdio.h>

static int log_verbose;

void log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "flask_ebpf_exporter: %s", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("error: ", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("", fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_line("debug: ", fmt, ap);
	va_end(ap);
}

int log_libbpf(int level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !log_verbose)
		return 0;
	/* libbpf's warnings about programs we expect to fail (probing) are debug noise. */
	if (level == LIBBPF_WARN && !log_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}
