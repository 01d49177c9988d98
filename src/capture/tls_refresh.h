/* tls_refresh — keeps the OpenSSL probes (tls_probes.h) in step with the watched processes. */
#ifndef FEE_CAPTURE_TLS_REFRESH_H
#define FEE_CAPTURE_TLS_REFRESH_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "capture/loader.h"

/*
 * Call it every second or so: processes that joined since the last call (the watched
 * trees, and members[0..n_members): the processes of watched cgroups, which the kernel
 * checks live and so never lists) are looked at for OpenSSL libraries not probed yet, and
 * every tenth call all of them are (a process may map one after it was first seen: exec,
 * dlopen). A fork of a probed process needs nothing new. 0 or -errno.
 */
int capture_refresh_tls(struct capture *c, const __u32 *members, size_t n_members);

/* Looks at one process for OpenSSL libraries now (in its own root: /proc/PID/root). */
void capture_probe_tls(struct capture *c, pid_t pid);

/* Paths of the OpenSSL libraries probed so far (up to max); returns how many there are. */
size_t capture_tls_libraries(const struct capture *c, const char **paths, size_t max);

#endif
