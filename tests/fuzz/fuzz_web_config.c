// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the web config reader (src/config/web_config.c), the file a user hands
 * to --web.config.file. Input: the file's text. Whatever the bytes, the reader must either
 * accept the file, with a config that holds together, or refuse it with a
 * "FILE:LINE: ..." or "FILE: ..." message, and leave nothing allocated behind.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/web_config.h"
#include "fuzz_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_config wc;
	char err[512] = "";
	char *text = malloc(size + 1);
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* the reader takes a C string: the file's first NUL ends it */
	web_config_init(&wc);
	rc = web_config_load_string(&wc, text, "w.yml", "/cfg", err, sizeof(err));
	free(text);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM);
		FUZZ_CHECK(rc == -ENOMEM || !strncmp(err, "w.yml:", 6));
		FUZZ_CHECK(!wc.tls && !wc.n_users && !wc.n_headers);
		return 0;
	}
	if (wc.tls) {
		FUZZ_CHECK(!!wc.cert.file != !!wc.cert.text);
		FUZZ_CHECK(!!wc.key.file != !!wc.key.text);
		FUZZ_CHECK(wc.min_version <= wc.max_version);
		FUZZ_CHECK(!web_client_auth_verifies(wc.client_auth) || wc.client_ca.file ||
			   wc.client_ca.text);
	}
	for (size_t i = 0; i < wc.n_users; i++)
		FUZZ_CHECK(strlen(wc.users[i].value) == 60 && !strchr(wc.users[i].key, ':'));
	for (size_t i = 0; i < wc.n_headers; i++)
		FUZZ_CHECK(!strpbrk(wc.headers[i].value, "\r\n"));
	FUZZ_CHECK(wc.rate_interval == 0 || wc.rate_burst >= 1);
	web_config_release(&wc);
	return 0;
}
