/* log — the one way the daemon talks to the user: messages on stderr, prefixed. */
#ifndef FEE_LOG_H
#define FEE_LOG_H

#include <stdarg.h>

/* Show debug messages and libbpf's own log. */
void log_set_verbose(int verbose);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* libbpf_set_print() callback: libbpf's warnings and debug output only when verbose (its
 * warnings are mostly about the probes expected to fail); its info messages always. */
int log_libbpf(int level, const char *fmt, va_list args);

#endif
