/*
 * web_tls — the TLS half of the web config on GnuTLS (which libmicrohttpd serves with): the
 * priority string for min/max_version, cipher_suites, curve_preferences and
 * prefer_server_cipher_suites; the server's certificate and key, re-read when their files
 * change (cert-manager, a mounted Secret); and the client certificate check for
 * client_auth_type, client_ca_file and client_allowed_sans.
 *
 * A struct web_tls is one reading of the config, shared by reference: each connection holds
 * the one it started with, so a reload (SIGHUP) never frees settings a handshake still uses.
 * Certificates are handed to GnuTLS as refcounted key pairs for the same reason.
 */
#ifndef FEE_WEB_TLS_H
#define FEE_WEB_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stddef.h>

#include "config/web_config.h"

struct web_tls;
struct web_tls_keypair;

/*
 * The GnuTLS priority string for the config's versions, ciphers and curves into out (size
 * bytes). 0, or -ENOSPC.
 */
int web_tls_priority(const struct web_config *wc, char *out, size_t size);

/*
 * Reads the certificate, key and client CAs the config names and checks them (the key must
 * match the certificate). NULL + errno on failure, with "FILE:LINE: KEY: MESSAGE" in err
 * (errno EINVAL) naming the web config's line. The result holds one reference.
 */
struct web_tls *web_tls_new(const struct web_config *wc, char *err, size_t err_size);
struct web_tls *web_tls_ref(struct web_tls *t);
void web_tls_unref(struct web_tls *t);

/* The prepared priorities, for gnutls_priority_set(). */
gnutls_priority_t web_tls_priorities(const struct web_tls *t);
/* Before the handshake: priorities and whether to ask for a client certificate. */
int web_tls_setup_session(struct web_tls *t, gnutls_session_t session);

/*
 * The key pair to present, re-read first when cert_file or key_file changed on disk. A
 * failed re-read keeps the old pair and logs why (once per change). Never NULL; the caller
 * holds a reference until web_tls_keypair_unref().
 */
struct web_tls_keypair *web_tls_current_keypair(struct web_tls *t);
void web_tls_keypair_get(struct web_tls_keypair *kp, gnutls_pcert_st **pcerts, unsigned int *n,
			 gnutls_privkey_t *key);
void web_tls_keypair_unref(struct web_tls_keypair *kp);
/* How many times the key pair was replaced / a replacement failed since start. */
unsigned long web_tls_reloads(const struct web_tls *t);
unsigned long web_tls_reload_failures(const struct web_tls *t);

/*
 * During the handshake, once the client's certificates are in: 0 to go on, or -1 with the
 * reason in why (no certificate, not signed by client_ca_file, no allowed SAN).
 */
int web_tls_verify_peer(const struct web_tls *t, gnutls_session_t session, char *why,
			size_t why_size);

#endif
