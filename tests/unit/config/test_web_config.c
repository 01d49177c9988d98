// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The exporter-toolkit web config: a full file lands in the struct; every broken file is
 * refused with "FILE:LINE: KEY: MESSAGE"; the GnuTLS priority string follows the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/web_config.h"

#define HASH "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"

static void test_full_file(void **state)
{
	static const char yaml[] = "tls_server_config:\n"
				   "  cert_file: server.crt\n"
				   "  key_file: /etc/keys/server.key\n"
				   "  client_auth_type: RequireAndVerifyClientCert\n"
				   "  client_ca_file: ca.crt\n"
				   "  client_allowed_sans: [scraper.example, 10.0.0.1]\n"
				   "  min_version: TLS13\n"
				   "  max_version: TLS13\n"
				   "  cipher_suites:\n"
				   "    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
				   "    - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n"
				   "  prefer_server_cipher_suites: false\n"
				   "  curve_preferences: [X25519, CurveP256]\n"
				   "http_server_config:\n"
				   "  http2: false\n"
				   "  headers:\n"
				   "    X-Frame-Options: deny\n"
				   "    Content-Security-Policy: \"default-src 'self'\"\n"
				   "    X-XSS-Protection: ''\n"
				   "basic_auth_users:\n"
				   "  alice: " HASH "\n"
				   "  bob: '" HASH "'\n"
				   "rate_limit: {interval: 100ms, burst: 5}\n";
	struct web_config wc;
	char err[512] = "";

	web_config_init(&wc);
	assert_int_equal(web_config_load_string(&wc, yaml, "web.yml", "/cfg", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_true(wc.tls);
	assert_string_equal(wc.cert.file, "/cfg/server.crt");
	assert_int_equal(wc.cert.line, 2);
	assert_string_equal(wc.key.file, "/etc/keys/server.key");
	assert_string_equal(wc.client_ca.file, "/cfg/ca.crt");
	assert_int_equal(wc.client_auth, WEB_REQUIRE_AND_VERIFY_CLIENT_CERT);
	assert_int_equal(wc.n_allowed_sans, 2);
	assert_string_equal(wc.allowed_sans[1], "10.0.0.1");
	assert_int_equal(wc.min_version, WEB_TLS13);
	assert_int_equal(wc.n_ciphers, 2);
	assert_string_equal(wc.ciphers[1]->kx, "ECDHE-ECDSA");
	assert_false(wc.prefer_server_ciphers);
	assert_int_equal(wc.n_curves, 2);
	assert_string_equal(wc.curves[0]->group, "GROUP-X25519");
	assert_false(wc.http2);
	assert_int_equal(wc.n_headers, 2); /* the blank one is unset */
	assert_string_equal(wc.headers[1].key, "Content-Security-Policy");
	assert_string_equal(wc.headers[1].value, "default-src 'self'");
	assert_int_equal(wc.n_users, 2);
	assert_string_equal(wc.users[1].key, "bob");
	assert_string_equal(wc.users[1].value, HASH);
	assert_true(wc.rate_interval > 0.0999 && wc.rate_interval < 0.1001);
	assert_int_equal(wc.rate_burst, 5);
	assert_string_equal(wc.file, "web.yml");
	web_config_release(&wc);
}

static void test_empty_and_defaults(void **state)
{
	static const char *const files[] = { "", "# nothing\n", "tls_server_config:\n",
					     "basic_auth_users: {}\n" };
	struct web_config wc;
	char err[512];

	web_config_init(&wc);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_int_equal(
			web_config_load_string(&wc, files[i], "w.yml", "", err, sizeof(err)), 0);
		assert_false(wc.tls);
		assert_int_equal(wc.n_users, 0);
		assert_int_equal(wc.min_version, WEB_TLS12);
		assert_int_equal(wc.max_version, WEB_TLS13);
		assert_true(wc.prefer_server_ciphers);
	}
	web_config_release(&wc);
}

/* Each broken file and the error it must get. */
static void test_broken_files(void **state)
{
	static const struct {
		const char *yaml, *err;
	} cases[] = {
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  wat: 1\n",
		  "w.yml:4: tls_server_config.wat: unknown key (known: cert, key, client_ca, "
		  "cert_file, key_file, client_auth_type, client_ca_file, client_allowed_sans, "
		  "min_version, max_version, cipher_suites, prefer_server_cipher_suites, "
		  "curve_preferences)" },
		{ "tls_config: {}\n", "w.yml:1: tls_config: unknown key (known: "
				      "tls_server_config, http_server_config, basic_auth_users, "
				      "rate_limit)" },
		{ "tls_server_config:\n  key_file: b\n",
		  "w.yml:2: tls_server_config: missing one of cert or cert_file" },
		{ "tls_server_config:\n  cert_file: a\n",
		  "w.yml:2: tls_server_config: missing one of key or key_file" },
		{ "tls_server_config:\n  cert_file: a\n  cert: x\n  key_file: b\n",
		  "w.yml:2: tls_server_config: give cert or cert_file, not both" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Yes\n",
		  "w.yml:4: tls_server_config.client_auth_type: unknown client_auth_type 'Yes' "
		  "(one of NoClientCert, RequestClientCert, RequireAnyClientCert, "
		  "VerifyClientCertIfGiven, RequireAndVerifyClientCert)" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n",
		  "w.yml:2: tls_server_config: client CA's have been configured without a Client "
		  "Auth Policy (set client_auth_type)" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n"
		  "  client_auth_type: RequireAndVerifyClientCert\n",
		  "w.yml:2: tls_server_config: client_auth_type RequireAndVerifyClientCert needs "
		  "client_ca_file" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14\n",
		  "w.yml:4: tls_server_config.min_version: unknown TLS version 'TLS14' (one of "
		  "TLS10, TLS11, TLS12, TLS13)" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n"
		  "  max_version: TLS12\n",
		  "w.yml:2: tls_server_config: min_version TLS13 is above max_version TLS12" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n"
		  "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
		  "w.yml:4: tls_server_config.cipher_suites[0]: unknown cipher "
		  "'TLS_RSA_WITH_RC4_128_SHA' (Go's names from tls.CipherSuites(), e.g. "
		  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: x\n",
		  "w.yml:4: tls_server_config.cipher_suites: expected a list, got a scalar" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n"
		  "  curve_preferences: [X448]\n",
		  "w.yml:4: tls_server_config.curve_preferences[0]: unknown curve 'X448' (one of "
		  "CurveP256, CurveP384, CurveP521, X25519)" },
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n"
		  "  prefer_server_cipher_suites: maybe\n",
		  "w.yml:4: tls_server_config.prefer_server_cipher_suites: expected true or "
		  "false, got another word" },
		{ "http_server_config:\n  headers:\n    Server: x\n",
		  "w.yml:3: http_server_config.headers.Server: HTTP header Server can not be "
		  "configured (one of Strict-Transport-Security, X-Content-Type-Options, "
		  "X-Frame-Options, X-XSS-Protection, Content-Security-Policy)" },
		{ "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
		  "w.yml:3: http_server_config.headers.X-Frame-Options: invalid value 'allow' for "
		  "X-Frame-Options (one of deny, sameorigin)" },
		{ "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
		  "w.yml:3: http_server_config.headers.X-Content-Type-Options: invalid value "
		  "'sniff' for X-Content-Type-Options (one of nosniff)" },
		{ "http_server_config:\n  http2: 2\n",
		  "w.yml:2: http_server_config.http2: expected true or false, got another word" },
		{ "basic_auth_users:\n  alice: secret\n",
		  "w.yml:2: basic_auth_users.alice: not a bcrypt hash ($2a$, $2b$ or $2y$, a cost "
		  "of 04 to 31, 60 characters; make one with htpasswd -nBC 10 \"\")" },
		{ "basic_auth_users:\n  alice: '$2y$03$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/"
		  "VcEd00UAV/LDeSi'\n",
		  "w.yml:2: basic_auth_users.alice: not a bcrypt hash ($2a$, $2b$ or $2y$, a cost "
		  "of 04 to 31, 60 characters; make one with htpasswd -nBC 10 \"\")" },
		{ "basic_auth_users:\n  'a:b': " HASH "\n",
		  "w.yml:2: basic_auth_users.a:b: a user name cannot hold ':'" },
		{ "basic_auth_users:\n  - alice\n",
		  "w.yml:2: basic_auth_users: expected a mapping (key: value), got a list" },
		{ "basic_auth_users:\n  alice: " HASH "\n  alice: " HASH "\n",
		  "w.yml:3: basic_auth_users.alice: given twice" },
		{ "rate_limit: {interval: soon, burst: 1}\n",
		  "w.yml:1: rate_limit.interval: 'soon' is not a duration (a number with ms, s, m "
		  "or h)" },
		{ "rate_limit: {interval: 1s}\n",
		  "w.yml:1: rate_limit: burst must be at least 1 when interval is set (0 would "
		  "refuse every request)" },
		{ "tls_server_config: [1]\n",
		  "w.yml:1: tls_server_config: expected a mapping (key: value), got a list" },
		{ "basic_auth_users: {a: '" HASH "'\n", NULL /* libyaml's message */ },
		{ "a: 1\n---\nb: 2\n", NULL },
	};
	struct web_config wc;

	web_config_init(&wc);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512] = "";

		assert_int_equal(
			web_config_load_string(&wc, cases[i].yaml, "w.yml", "", err, sizeof(err)),
			-EINVAL);
		if (cases[i].err)
			assert_string_equal(err, cases[i].err);
		else
			assert_true(!strncmp(err, "w.yml:", 6));
		/* A refused file leaves the defaults, not half a config. */
		assert_false(wc.tls);
		assert_int_equal(wc.n_users, 0);
	}
	web_config_release(&wc);
}

static void test_missing_file(void **state)
{
	struct web_config wc;
	char err[512];

	web_config_init(&wc);
	assert_int_equal(web_config_load_file(&wc, "/nonexistent/web.yml", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "/nonexistent/web.yml: cannot read: No such file or directory");
	web_config_release(&wc);
}

/* Relative paths start from the file's folder, as the toolkit's SetDirectory. */
static void test_relative_paths(void **state)
{
	char dir[] = "/tmp/test_web_config.XXXXXX", path[256], err[512];
	struct web_config wc;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/web.yml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("tls_server_config: {cert_file: tls/s.crt, key_file: s.key}\n", f);
	fclose(f);
	web_config_init(&wc);
	assert_int_equal(web_config_load_file(&wc, path, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/tls/s.crt", dir);
	assert_string_equal(wc.cert.file, path);
	web_config_release(&wc);
	snprintf(path, sizeof(path), "%s/web.yml", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_file),      cmocka_unit_test(test_empty_and_defaults),
		cmocka_unit_test(test_broken_files),   cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_relative_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
