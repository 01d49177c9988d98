/*
 * web_config — the exporter-toolkit web configuration file (--web.config.file), the one
 * node_exporter and friends read, so an existing file works unchanged: tls_server_config,
 * http_server_config, basic_auth_users and rate_limit. This module reads and checks the
 * file (pure: no TLS library, no sockets); serve/web_tls.c loads the certificates it names.
 * See docs/securing-the-endpoint.md for what each key does here.
 *
 * Ownership: every string and array is heap memory owned by the struct and freed by
 * web_config_release().
 */
#ifndef FEE_WEB_CONFIG_H
#define FEE_WEB_CONFIG_H

#include <stddef.h>

#include "util/strpair.h"

/* Go's tls.ClientAuthType values, by the toolkit's names. */
enum web_client_auth {
	WEB_NO_CLIENT_CERT,		    /* NoClientCert (the default) */
	WEB_REQUEST_CLIENT_CERT,	    /* ask, accept any or none */
	WEB_REQUIRE_ANY_CLIENT_CERT,	    /* demand one, do not verify it */
	WEB_VERIFY_CLIENT_CERT_IF_GIVEN,    /* ask, verify the one given */
	WEB_REQUIRE_AND_VERIFY_CLIENT_CERT, /* demand one and verify it */
};

enum web_tls_version { WEB_TLS10 = 1, WEB_TLS11, WEB_TLS12, WEB_TLS13 };

/* A cipher suite by Go's name, and the GnuTLS priority keywords that make it up. GnuTLS
 * enables key exchanges, ciphers and MACs separately: see web_tls_priority(). */
struct web_cipher {
	const char *go_name;
	const char *kx;	    /* "ECDHE-RSA"; NULL for TLS 1.3's suites (no key exchange) */
	const char *cipher; /* "AES-128-GCM" */
	const char *mac;    /* "AEAD" or "SHA1" */
};

/* An elliptic curve by Go's name and GnuTLS's group keyword. */
struct web_curve {
	const char *go_name;
	const char *group; /* "GROUP-SECP256R1" */
};

/* A PEM source: a file (re-read when it changes) or inline text; line is where the key
 * stands in the web config, for messages. */
struct web_pem {
	char *file; /* resolved against the web config file's folder */
	char *text; /* inline PEM (cert:, key:, client_ca:) */
	size_t line;
	const char *key; /* "tls_server_config.cert_file", for messages */
};

struct web_config {
	char *file; /* the path given, for messages; NULL when no file */

	/* tls_server_config: TLS is on when any of its keys is given (as the toolkit). */
	int tls;
	struct web_pem cert, key, client_ca;
	enum web_client_auth client_auth;
	char **allowed_sans; /* client_allowed_sans: exact matches of DNS, IP, e-mail or URI */
	size_t n_allowed_sans;
	enum web_tls_version min_version, max_version; /* TLS12 .. TLS13 by default */
	const struct web_cipher **ciphers;	       /* cipher_suites, in order; NULL: defaults */
	size_t n_ciphers;
	const struct web_curve **curves; /* curve_preferences, in order */
	size_t n_curves;
	int prefer_server_ciphers; /* prefer_server_cipher_suites (default true) */

	/* http_server_config */
	int http2;		 /* accepted and ignored: libmicrohttpd speaks HTTP/1.1 only */
	struct strpair *headers; /* one of the toolkit's five, and its value */
	size_t n_headers;

	/* basic_auth_users: none = no authentication */
	struct strpair *users; /* key: the user, value: the bcrypt hash ($2a$/$2b$/$2y$) */
	size_t n_users;

	/* rate_limit: a token bucket over all requests; interval 0 = off */
	double rate_interval; /* seconds between two requests */
	long rate_burst;
};

/* The toolkit's defaults (no TLS, no users, TLS 1.2 to 1.3). */
void web_config_init(struct web_config *wc);
void web_config_release(struct web_config *wc);

/*
 * Reads and checks the file. Returns 0, or -EINVAL with the first problem in err as
 * "FILE:LINE: KEY: MESSAGE" (or "FILE: MESSAGE"), or -ENOMEM. wc is filled only on
 * success (it is released and re-initialised on failure). Certificates are not read here:
 * web_tls_check() does that.
 */
int web_config_load_file(struct web_config *wc, const char *path, char *err, size_t err_size);
/* The same from a string; dir stands for the file's folder (relative paths), name for the
 * file in messages. For tests. */
int web_config_load_string(struct web_config *wc, const char *yaml, const char *name,
			   const char *dir, char *err, size_t err_size);

/* Names for messages and the README. */
const char *web_client_auth_name(enum web_client_auth a);
const char *web_tls_version_name(enum web_tls_version v);
/* Whether the client auth type asks for a certificate / verifies it. */
int web_client_auth_requests(enum web_client_auth a);
int web_client_auth_requires(enum web_client_auth a);
int web_client_auth_verifies(enum web_client_auth a);

#endif
