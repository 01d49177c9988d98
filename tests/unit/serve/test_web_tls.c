// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The web config's certificates: read and checked with file and line in every error, and
 * re-read when the files change, keeping the old pair when the new one is broken; the
 * GnuTLS priority string that follows the file. The
 * certificates are made here with GnuTLS, fresh each run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/web_config.h"
#include "serve/web_tls.h"

static char dir[] = "/tmp/test_web_tls.XXXXXX";

static void write_file(const char *name, const void *data, size_t len)
{
	char path[256], tmp[300];
	FILE *f;

	/* A new inode each time, as a Secret update or cert-manager's rename does. */
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

/* A fresh EC key and a self-signed certificate for it, as PEM files. */
static void make_pair(const char *cert_name, const char *key_name, const char *cn)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	gnutls_datum_t out;
	unsigned char serial[8];
	time_t now = time(NULL);

	assert_int_equal(gnutls_x509_privkey_init(&key), 0);
	assert_int_equal(
		gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
		0);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	gnutls_x509_crt_set_version(crt, 3);
	gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f;
	gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	gnutls_x509_crt_set_activation_time(crt, now - 60);
	gnutls_x509_crt_set_expiration_time(crt, now + 3600);
	gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn));
	gnutls_x509_crt_set_key(crt, key);
	assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), 0);
	if (cert_name) {
		assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out), 0);
		write_file(cert_name, out.data, out.size);
		gnutls_free(out.data);
	}
	if (key_name) {
		assert_int_equal(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &out), 0);
		write_file(key_name, out.data, out.size);
		gnutls_free(out.data);
	}
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void load(struct web_config *wc, const char *yaml)
{
	char err[512] = "";

	web_config_init(wc);
	assert_int_equal(web_config_load_string(wc, yaml, "web.yml", dir, err, sizeof(err)), 0);
}

/* The common name of the leaf a key pair presents. */
static void leaf_cn(struct web_tls_keypair *kp, char *out, size_t size)
{
	gnutls_pcert_st *pcerts;
	gnutls_privkey_t key;
	gnutls_x509_crt_t crt;
	unsigned int n;

	web_tls_keypair_get(kp, &pcerts, &n, &key);
	assert_int_equal(n, 1);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_import(crt, &pcerts[0].cert, GNUTLS_X509_FMT_DER), 0);
	assert_int_equal(
		gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, out, &size),
		0);
	gnutls_x509_crt_deinit(crt);
}

static void test_errors_name_the_line(void **state)
{
	struct web_config wc;
	char err[512], want[512];

	make_pair("a.crt", "a.key", "a");
	make_pair("b.crt", "b.key", "b");
	write_file("junk.crt", "not pem\n", 8);

	load(&wc, "tls_server_config:\n  cert_file: missing.crt\n  key_file: a.key\n");
	assert_null(web_tls_new(&wc, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	snprintf(want, sizeof(want),
		 "web.yml:2: tls_server_config.cert_file: cannot read %s/missing.crt: No such "
		 "file or directory",
		 dir);
	assert_string_equal(err, want);
	web_config_release(&wc);

	load(&wc, "tls_server_config:\n  cert_file: a.crt\n  key_file: b.key\n");
	assert_null(web_tls_new(&wc, err, sizeof(err)));
	assert_string_equal(err,
			    "web.yml:3: tls_server_config.key_file: the key does not match the "
			    "certificate");
	web_config_release(&wc);

	load(&wc, "tls_server_config:\n  cert_file: junk.crt\n  key_file: a.key\n");
	assert_null(web_tls_new(&wc, err, sizeof(err)));
	assert_true(strstr(err, "web.yml:2: tls_server_config.cert_file: not a PEM certificate "
				"chain: ") == err);
	web_config_release(&wc);

	load(&wc, "tls_server_config:\n  cert_file: a.crt\n  key_file: a.crt\n");
	assert_null(web_tls_new(&wc, err, sizeof(err)));
	assert_true(strstr(err, "web.yml:3: tls_server_config.key_file: not a PEM private key") ==
		    err);
	web_config_release(&wc);

	load(&wc, "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n"
		  "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: a.key\n");
	assert_null(web_tls_new(&wc, err, sizeof(err)));
	assert_true(strstr(err, "web.yml:5: tls_server_config.client_ca_file: no PEM certificate "
				"in it") == err);
	web_config_release(&wc);

	/* Inline PEM goes by the key without _file. */
	load(&wc, "tls_server_config:\n  cert: junk\n  key_file: a.key\n");
	assert_null(web_tls_new(&wc, err, sizeof(err)));
	assert_true(strstr(err, "web.yml:2: tls_server_config.cert: not a PEM") == err);
	web_config_release(&wc);
}

static void test_rotation(void **state)
{
	struct web_tls_keypair *before, *after, *again;
	struct web_config wc;
	struct web_tls *t;
	char err[512], cn[64];

	make_pair("s.crt", "s.key", "first");
	load(&wc, "tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n"
		  "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: s.crt\n");
	t = web_tls_new(&wc, err, sizeof(err));
	assert_non_null(t);
	before = web_tls_current_keypair(t);
	leaf_cn(before, cn, sizeof(cn));
	assert_string_equal(cn, "first");
	assert_int_equal(web_tls_reloads(t), 0);

	/* Nothing changed: the same pair, no reload. */
	again = web_tls_current_keypair(t);
	assert_ptr_equal(again, before);
	web_tls_keypair_unref(again);

	/* A new certificate with a key that is not its own: the old pair stays, said once. */
	make_pair("s.crt", NULL, "broken");
	again = web_tls_current_keypair(t);
	assert_ptr_equal(again, before);
	web_tls_keypair_unref(again);
	again = web_tls_current_keypair(t);
	web_tls_keypair_unref(again);
	assert_int_equal(web_tls_reload_failures(t), 1);
	assert_int_equal(web_tls_reloads(t), 0);

	/* The matching key arrives: the next handshake gets the new pair. */
	make_pair("s.crt", "s.key", "second");
	after = web_tls_current_keypair(t);
	assert_ptr_not_equal(after, before);
	leaf_cn(after, cn, sizeof(cn));
	assert_string_equal(cn, "second");
	assert_int_equal(web_tls_reloads(t), 1);
	/* A connection still holding the old pair can use it until it lets go. */
	leaf_cn(before, cn, sizeof(cn));
	assert_string_equal(cn, "first");
	web_tls_keypair_unref(before);
	web_tls_keypair_unref(after);
	web_tls_unref(t);
	web_config_release(&wc);
}

static void test_priority_strings(void **state)
{
	static const char yaml[] = "tls_server_config:\n"
				   "  cert_file: a\n"
				   "  key_file: b\n"
				   "  min_version: TLS11\n"
				   "  cipher_suites:\n"
				   "    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
				   "    - TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA\n"
				   "    - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n"
				   "  curve_preferences: [CurveP384, X25519]\n";
	struct web_config wc;
	char err[512], prio[512];
	gnutls_priority_t cache;

	web_config_init(&wc);
	assert_int_equal(web_tls_priority(&wc, prio, sizeof(prio)), 0);
	assert_string_equal(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3:%SERVER_PRECEDENCE");
	assert_int_equal(web_config_load_string(&wc, yaml, "w.yml", "", err, sizeof(err)), 0);
	assert_int_equal(web_tls_priority(&wc, prio, sizeof(prio)), 0);
	assert_string_equal(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.2:+VERS-TLS1.3"
				  ":-CIPHER-ALL:+AES-128-GCM:+AES-256-CBC"
				  ":-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:-MAC-ALL:+AEAD:+SHA1"
				  ":-GROUP-ALL:+GROUP-SECP384R1:+GROUP-X25519:%SERVER_PRECEDENCE");
	/* GnuTLS itself takes it. */
	assert_true(gnutls_priority_init(&cache, prio, NULL) >= 0);
	gnutls_priority_deinit(cache);
	assert_int_equal(web_tls_priority(&wc, prio, 40), -ENOSPC);
	web_config_release(&wc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_priority_strings),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
