// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * top_remote for the static binary (make static, the image): `top URL` scrapes with libcurl,
 * whose static closure (Kerberos, LDAP, RTMP, ...) has no archives in Debian, so the static
 * link leaves libcurl out and takes this instead. `top --pid ...` works there as usual.
 */
#include "serve/top_remote.h"

#include <errno.h>

#include "util/log.h"

int top_remote_run(const char *url, const char *family, volatile sig_atomic_t *stop)
{
	log_error("top %s: this static build cannot scrape (no libcurl); run top with the "
		  "targets instead (top --pid ...), or the Debian build",
		  url);
	return -ENOTSUP;
}
