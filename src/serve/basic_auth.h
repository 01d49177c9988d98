/*
 * basic_auth — the web config's basic_auth_users checked as the exporter-toolkit does:
 * bcrypt through libxcrypt's crypt_r, the result compared in constant time, an unknown user
 * checked against a dummy hash of the same cost (so timing does not tell which users
 * exist), and the outcome of each (user, password) pair cached, so a scrape every few
 * seconds does not cost a bcrypt each time. Pure: no sockets, no HTTP.
 *
 * The cache holds SHA-256 digests of user and password, never the password itself; it has
 * BASIC_AUTH_CACHE_SIZE entries and, when full, drops one at random (the toolkit drops a
 * tenth at random). A new user list (reload) starts with an empty cache.
 */
#ifndef FEE_BASIC_AUTH_H
#define FEE_BASIC_AUTH_H

#include <stddef.h>

#include "config/web_config.h"

#define BASIC_AUTH_CACHE_SIZE 100

struct basic_auth;

/* Copies the users (n may be 0: then every check passes). NULL + errno on failure. */
struct basic_auth *basic_auth_new(const struct strpair *users, size_t n);
void basic_auth_free(struct basic_auth *a);

/* Whether any user is configured (else no authentication is asked for). */
int basic_auth_enabled(const struct basic_auth *a);

/* 1 when user (NULL: no credentials) and password match a configured user, else 0. */
int basic_auth_check(struct basic_auth *a, const char *user, const char *password);

/* How many bcrypt computations the checks have cost so far (tests, self-metrics). */
unsigned long basic_auth_bcrypt_runs(const struct basic_auth *a);

#endif
