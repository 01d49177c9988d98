// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/basic_auth.h"

#include "util/strpair.h"

#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define DIGEST_LEN 32 /* SHA-256 */

struct cache_entry {
	unsigned char digest[DIGEST_LEN];
	int allowed;
};

struct basic_auth {
	struct strpair *users;
	size_t n_users;
	char *dummy_hash; /* for unknown users: the highest cost among the real ones */
	struct crypt_data *crypt;
	struct cache_entry cache[BASIC_AUTH_CACHE_SIZE];
	size_t n_cached;
	unsigned long bcrypt_runs;
};

void basic_auth_free(struct basic_auth *a)
{
	if (!a)
		return;
	strpair_free_all(a->users, a->n_users);
	free(a->dummy_hash);
	if (a->crypt)
		explicit_bzero(a->crypt, sizeof(*a->crypt));
	free(a->crypt);
	explicit_bzero(a->cache, sizeof(a->cache));
	free(a);
}

/* A bcrypt hash of nothing with a fresh salt and the given cost. */
static char *dummy_hash(struct crypt_data *cd, int cost)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;

	if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, salt, sizeof(salt)))
		return NULL;
	h = crypt_r("", salt, cd);
	return h && h[0] != '*' ? strdup(h) : NULL;
}

struct basic_auth *basic_auth_new(const struct strpair *users, size_t n)
{
	struct basic_auth *a = calloc(1, sizeof(*a));
	int cost = 4;

	if (!a)
		return NULL;
	a->crypt = calloc(1, sizeof(*a->crypt));
	if (!a->crypt || strpair_copy_all(&a->users, users, n))
		goto fail;
	a->n_users = n;
	for (size_t i = 0; i < n; i++) {
		/* web_config checked the form: "$2b$NN$..." */
		if (atoi(users[i].value + 4) > cost)
			cost = atoi(users[i].value + 4);
	}
	if (n) {
		a->dummy_hash = dummy_hash(a->crypt, cost);
		if (!a->dummy_hash)
			goto fail;
	}
	return a;
fail:
	basic_auth_free(a);
	errno = ENOMEM;
	return NULL;
}

int basic_auth_enabled(const struct basic_auth *a)
{
	return a->n_users > 0;
}

unsigned long basic_auth_bcrypt_runs(const struct basic_auth *a)
{
	return a->bcrypt_runs;
}

/* Equal strings, in time that depends on the lengths only. */
static int equal_const_time(const char *x, const char *y)
{
	size_t lx = strlen(x), ly = strlen(y);
	unsigned char diff = lx != ly;

	for (size_t i = 0; i < lx && i < ly; i++)
		diff |= (unsigned char)(x[i] ^ y[i]);
	return diff == 0;
}

/* SHA-256 over user, a NUL and password: the cache key. */
static int cache_key(const char *user, const char *password, unsigned char *digest)
{
	size_t lu = strlen(user), lp = strlen(password);
	char *buf = malloc(lu + 1 + lp);
	int err;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, user, lu);
	buf[lu] = '\0';
	memcpy(buf + lu + 1, password, lp);
	err = gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, lu + 1 + lp, digest);
	explicit_bzero(buf, lu + 1 + lp);
	free(buf);
	return err ? -EIO : 0;
}

static struct cache_entry *cache_find(struct basic_auth *a, const unsigned char *digest)
{
	for (size_t i = 0; i < a->n_cached; i++)
		if (!memcmp(a->cache[i].digest, digest, DIGEST_LEN))
			return &a->cache[i];
	return NULL;
}

static void cache_put(struct basic_auth *a, const unsigned char *digest, int allowed)
{
	size_t slot = a->n_cached;

	if (slot == BASIC_AUTH_CACHE_SIZE) {
		unsigned int r = 0;

		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
			r = (unsigned int)rand();
		slot = r % BASIC_AUTH_CACHE_SIZE;
	} else {
		a->n_cached++;
	}
	memcpy(a->cache[slot].digest, digest, DIGEST_LEN);
	a->cache[slot].allowed = allowed;
}

static int bcrypt_matches(struct basic_auth *a, const char *password, const char *hash)
{
	const char *out;

	a->bcrypt_runs++;
	out = crypt_r(password, hash, a->crypt);
	return out && out[0] != '*' && equal_const_time(out, hash);
}

int basic_auth_check(struct basic_auth *a, const char *user, const char *password)
{
	unsigned char digest[DIGEST_LEN];
	const struct cache_entry *hit;
	const char *hash;
	int allowed;

	if (!a->n_users)
		return 1;
	if (!user || !password)
		return 0;
	hash = strpair_find(a->users, a->n_users, user);
	if (cache_key(user, password, digest)) /* no cache: check the slow way */
		return bcrypt_matches(a, password, hash ? hash : a->dummy_hash) && hash;
	hit = cache_find(a, digest);
	if (hit)
		return hit->allowed;
	/* An unknown user costs a bcrypt all the same. */
	allowed = bcrypt_matches(a, password, hash ? hash : a->dummy_hash) && hash;
	cache_put(a, digest, allowed);
	explicit_bzero(digest, sizeof(digest));
	return allowed;
}
