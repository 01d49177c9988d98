// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/web_tls.h"

#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A certificate chain longer than this is refused (a server sends leaf + intermediates). */
#define MAX_CHAIN 16
/* PEM files larger than this are refused: a certificate bundle is a few KiB. */
#define MAX_PEM_BYTES (1 << 20)

struct web_tls_keypair {
	int refs;
	gnutls_pcert_st pcerts[MAX_CHAIN];
	unsigned int n_pcerts;
	gnutls_privkey_t key;
};

/* What a PEM file looked like when read: a change in any of these means re-read it. */
struct file_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct web_tls {
	int refs;
	const char *file; /* the web config's path, for messages (owned copy below) */
	char *file_copy;
	struct web_pem cert, key; /* copies: file, text, line, key */
	enum web_client_auth client_auth;
	char **allowed_sans;
	size_t n_allowed_sans;
	gnutls_priority_t priorities;
	gnutls_x509_trust_list_t trust; /* client_ca_file; NULL when not verifying */
	struct web_tls_keypair *keypair;
	struct file_stamp cert_stamp, key_stamp;
	struct file_stamp failed_cert_stamp, failed_key_stamp; /* last failed reload, logged */
	unsigned long reloads, reload_failures;
};

/* --- priorities ------------------------------------------------------------------------- */

/* Appends to out at *len; -ENOSPC when it does not fit. */
static int append(char *out, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return -ENOSPC;
	*len += (size_t)n;
	return 0;
}

/* Whether the i-th cipher's field (offset into struct web_cipher) appeared before i. */
static int seen_field(const struct web_config *wc, size_t i, size_t offset)
{
	const char *v = *(const char *const *)((const char *)wc->ciphers[i] + offset);

	for (size_t j = 0; j < i; j++) {
		const char *w = *(const char *const *)((const char *)wc->ciphers[j] + offset);

		if (w && !strcmp(v, w))
			return 1;
	}
	return 0;
}

/* "-KX-ALL:+ECDHE-RSA:..." for one field of the listed suites, each keyword once. */
static int append_cipher_field(const struct web_config *wc, char *out, size_t size, size_t *len,
			       const char *all, size_t offset)
{
	int err = append(out, size, len, ":-%s-ALL", all);

	for (size_t i = 0; !err && i < wc->n_ciphers; i++) {
		const char *v = *(const char *const *)((const char *)wc->ciphers[i] + offset);

		if (v && !seen_field(wc, i, offset))
			err = append(out, size, len, ":+%s", v);
	}
	return err;
}

int web_tls_priority(const struct web_config *wc, char *out, size_t size)
{
	static const char *const versions[] = { NULL, "1.0", "1.1", "1.2", "1.3" };
	size_t len = 0;
	int err = append(out, size, &len, "NORMAL:-VERS-ALL");

	for (int v = (int)wc->min_version; !err && v <= (int)wc->max_version; v++)
		err = append(out, size, &len, ":+VERS-TLS%s", versions[v]);
	if (!err && wc->n_ciphers)
		err = append_cipher_field(wc, out, size, &len, "CIPHER",
					  offsetof(struct web_cipher, cipher)) ?:
			      append_cipher_field(wc, out, size, &len, "KX",
						  offsetof(struct web_cipher, kx)) ?:
			      append_cipher_field(wc, out, size, &len, "MAC",
						  offsetof(struct web_cipher, mac));
	if (!err && wc->n_curves) {
		err = append(out, size, &len, ":-GROUP-ALL");
		for (size_t i = 0; !err && i < wc->n_curves; i++)
			err = append(out, size, &len, ":+%s", wc->curves[i]->group);
	}
	if (!err && wc->prefer_server_ciphers)
		err = append(out, size, &len, ":%%SERVER_PRECEDENCE");
	return err;
}

/* --- reading PEM ------------------------------------------------------------------------- */

/* "FILE:LINE: KEY: MESSAGE" about one PEM source of the web config. */
static void pem_error(char *err, size_t size, const char *file, const struct web_pem *pem,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void pem_error(char *err, size_t size, const char *file, const struct web_pem *pem,
		      const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* pem->key names the _file key; inline text goes by the key without _file. */
	if (pem->file)
		snprintf(err, size, "%s:%zu: %s: %s", file, pem->line, pem->key, msg);
	else
		snprintf(err, size, "%s:%zu: %.*s: %s", file, pem->line,
			 (int)(strlen(pem->key) - strlen("_file")), pem->key, msg);
}

static void stamp_of(const struct stat *st, struct file_stamp *out)
{
	out->dev = st->st_dev;
	out->ino = st->st_ino;
	out->size = st->st_size;
	out->mtime = st->st_mtim;
}

static int same_stamp(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* The PEM's bytes (file or inline) into *out (malloc'ed, gnutls_datum_t); the file's stamp
 * into *stamp when given. 0 or -errno with the message in err. */
static int read_pem(const char *file, const struct web_pem *pem, gnutls_datum_t *out,
		    struct file_stamp *stamp, char *err, size_t size)
{
	struct stat st;
	ssize_t n;
	int fd;

	if (!pem->file) {
		out->data = (unsigned char *)strdup(pem->text);
		out->size = (unsigned int)strlen(pem->text);
		return out->data ? 0 : -ENOMEM;
	}
	fd = open(pem->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		int e = errno;

		pem_error(err, size, file, pem, "cannot read %s: %s", pem->file, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_PEM_BYTES) {
		pem_error(err, size, file, pem, "%s is not a regular file of at most %d bytes",
			  pem->file, MAX_PEM_BYTES);
		close(fd);
		return -EINVAL;
	}
	out->data = malloc((size_t)st.st_size + 1);
	if (!out->data) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, out->data, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		pem_error(err, size, file, pem, "cannot read %s: %s", pem->file,
			  n < 0 ? strerror(errno) : "changed while read");
		free(out->data);
		return -EIO;
	}
	out->data[n] = '\0';
	out->size = (unsigned int)n;
	if (stamp)
		stamp_of(&st, stamp);
	return 0;
}

static void free_datum(gnutls_datum_t *d)
{
	if (d->data)
		explicit_bzero(d->data, d->size);
	free(d->data);
	d->data = NULL;
}

/* --- key pairs --------------------------------------------------------------------------- */

static void keypair_free(struct web_tls_keypair *kp)
{
	for (unsigned int i = 0; i < kp->n_pcerts; i++)
		gnutls_pcert_deinit(&kp->pcerts[i]);
	if (kp->key)
		gnutls_privkey_deinit(kp->key);
	free(kp);
}

void web_tls_keypair_unref(struct web_tls_keypair *kp)
{
	if (kp && --kp->refs == 0)
		keypair_free(kp);
}

void web_tls_keypair_get(struct web_tls_keypair *kp, gnutls_pcert_st **pcerts, unsigned int *n,
			 gnutls_privkey_t *key)
{
	*pcerts = kp->pcerts;
	*n = kp->n_pcerts;
	*key = kp->key;
}

/* Whether the private key belongs to the leaf certificate: their public key ids agree. */
static int key_matches(const struct web_tls_keypair *kp)
{
	unsigned char a[64], b[64];
	size_t la = sizeof(a), lb = sizeof(b);
	gnutls_pubkey_t pub;
	int ok;

	if (gnutls_pubkey_init(&pub))
		return 0;
	ok = !gnutls_pubkey_import_privkey(pub, kp->key, 0, 0) &&
	     !gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, a, &la) &&
	     !gnutls_pubkey_get_key_id(kp->pcerts[0].pubkey, GNUTLS_KEYID_USE_SHA256, b, &lb) &&
	     la == lb && !memcmp(a, b, la);
	gnutls_pubkey_deinit(pub);
	return ok;
}

/* Reads cert and key (with their files' stamps). NULL + message on failure. */
static struct web_tls_keypair *keypair_load(const char *file, const struct web_pem *cert,
					    const struct web_pem *key, struct file_stamp *cert_st,
					    struct file_stamp *key_st, char *err, size_t size)
{
	struct web_tls_keypair *kp = calloc(1, sizeof(*kp));
	gnutls_datum_t cert_pem = { 0 }, key_pem = { 0 };
	int ret;

	if (!kp) {
		snprintf(err, size, "out of memory");
		return NULL;
	}
	kp->refs = 1;
	if (read_pem(file, cert, &cert_pem, cert_st, err, size) ||
	    read_pem(file, key, &key_pem, key_st, err, size))
		goto fail;
	kp->n_pcerts = MAX_CHAIN;
	ret = gnutls_pcert_list_import_x509_raw(kp->pcerts, &kp->n_pcerts, &cert_pem,
						GNUTLS_X509_FMT_PEM,
						GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED);
	if (ret < 0 || !kp->n_pcerts) {
		kp->n_pcerts = 0;
		pem_error(err, size, file, cert, "not a PEM certificate chain: %s",
			  ret < 0 ? gnutls_strerror(ret) : "no certificate");
		goto fail;
	}
	ret = gnutls_privkey_init(&kp->key);
	if (!ret)
		ret = gnutls_privkey_import_x509_raw(kp->key, &key_pem, GNUTLS_X509_FMT_PEM, NULL,
						     0);
	if (ret < 0) {
		pem_error(err, size, file, key, "not a PEM private key (unencrypted): %s",
			  gnutls_strerror(ret));
		goto fail;
	}
	if (!key_matches(kp)) {
		pem_error(err, size, file, key, "the key does not match the certificate");
		goto fail;
	}
	free_datum(&cert_pem);
	free_datum(&key_pem);
	return kp;
fail:
	free_datum(&cert_pem);
	free_datum(&key_pem);
	keypair_free(kp);
	return NULL;
}

/* Whether pem's file now looks different from stamp (a missing file counts as a change). */
static int file_changed(const struct web_pem *pem, const struct file_stamp *stamp,
			struct file_stamp *now)
{
	struct stat st;

	if (!pem->file)
		return 0;
	if (stat(pem->file, &st)) {
		memset(now, 0, sizeof(*now));
		return 1;
	}
	stamp_of(&st, now);
	return !same_stamp(now, stamp);
}

struct web_tls_keypair *web_tls_current_keypair(struct web_tls *t)
{
	struct file_stamp cert_now, key_now, cert_st, key_st;
	struct web_tls_keypair *kp;
	char err[512];
	int cert_moved = file_changed(&t->cert, &t->cert_stamp, &cert_now);
	int key_moved = file_changed(&t->key, &t->key_stamp, &key_now);

	if (cert_moved || key_moved) {
		kp = keypair_load(t->file, &t->cert, &t->key, &cert_st, &key_st, err, sizeof(err));
		if (kp) {
			web_tls_keypair_unref(t->keypair);
			t->keypair = kp;
			t->cert_stamp = cert_st;
			t->key_stamp = key_st;
			t->reloads++;
			log_info("TLS: re-read the certificate and key (%s changed)",
				 cert_moved ? t->cert.file : t->key.file);
		} else if (!same_stamp(&cert_now, &t->failed_cert_stamp) ||
			   !same_stamp(&key_now, &t->failed_key_stamp)) {
			/* Say it once per change: a rotation may write cert and key apart. */
			t->failed_cert_stamp = cert_now;
			t->failed_key_stamp = key_now;
			t->reload_failures++;
			log_error("TLS: keeping the old certificate: %s", err);
		}
	}
	t->keypair->refs++;
	return t->keypair;
}

unsigned long web_tls_reloads(const struct web_tls *t)
{
	return t->reloads;
}

unsigned long web_tls_reload_failures(const struct web_tls *t)
{
	return t->reload_failures;
}

/* --- the settings ----------------------------------------------------------------------- */

static int copy_pem(struct web_pem *dst, const struct web_pem *src)
{
	*dst = *src;
	dst->file = src->file ? strdup(src->file) : NULL;
	dst->text = src->text ? strdup(src->text) : NULL;
	return (src->file && !dst->file) || (src->text && !dst->text) ? -ENOMEM : 0;
}

static void free_tls(struct web_tls *t)
{
	free(t->file_copy);
	free(t->cert.file);
	free(t->cert.text);
	free(t->key.file);
	if (t->key.text)
		explicit_bzero(t->key.text, strlen(t->key.text));
	free(t->key.text);
	for (size_t i = 0; i < t->n_allowed_sans; i++)
		free(t->allowed_sans[i]);
	free(t->allowed_sans);
	if (t->priorities)
		gnutls_priority_deinit(t->priorities);
	if (t->trust)
		gnutls_x509_trust_list_deinit(t->trust, 1);
	web_tls_keypair_unref(t->keypair);
	free(t);
}

struct web_tls *web_tls_ref(struct web_tls *t)
{
	t->refs++;
	return t;
}

void web_tls_unref(struct web_tls *t)
{
	if (t && --t->refs == 0)
		free_tls(t);
}

static int load_trust(struct web_tls *t, const struct web_config *wc, char *err, size_t size)
{
	gnutls_datum_t ca = { 0 };
	int ret = read_pem(wc->file, &wc->client_ca, &ca, NULL, err, size);

	if (ret)
		return ret;
	ret = gnutls_x509_trust_list_init(&t->trust, 0);
	if (!ret)
		ret = gnutls_x509_trust_list_add_trust_mem(t->trust, &ca, NULL, GNUTLS_X509_FMT_PEM,
							   0, 0);
	free_datum(&ca);
	if (ret <= 0) {
		pem_error(err, size, wc->file, &wc->client_ca, "no PEM certificate in it%s%s",
			  ret < 0 ? ": " : "", ret < 0 ? gnutls_strerror(ret) : "");
		return -EINVAL;
	}
	return 0;
}

static int copy_settings(struct web_tls *t, const struct web_config *wc)
{
	t->file_copy = strdup(wc->file ? wc->file : "web config");
	t->file = t->file_copy;
	t->client_auth = wc->client_auth;
	if (!t->file_copy || copy_pem(&t->cert, &wc->cert) || copy_pem(&t->key, &wc->key))
		return -ENOMEM;
	t->allowed_sans = calloc(wc->n_allowed_sans + 1, sizeof(*t->allowed_sans));
	if (!t->allowed_sans)
		return -ENOMEM;
	for (size_t i = 0; i < wc->n_allowed_sans; i++) {
		t->allowed_sans[i] = strdup(wc->allowed_sans[i]);
		if (!t->allowed_sans[i])
			return -ENOMEM;
		t->n_allowed_sans++;
	}
	return 0;
}

struct web_tls *web_tls_new(const struct web_config *wc, char *err, size_t size)
{
	struct web_tls *t = calloc(1, sizeof(*t));
	const char *bad_at = NULL;
	char prio[1024];
	int ret;

	if (!t || copy_settings(t, wc)) {
		snprintf(err, size, "out of memory");
		goto fail_nomem;
	}
	t->refs = 1;
	if (web_tls_priority(wc, prio, sizeof(prio)) ||
	    (ret = gnutls_priority_init2(&t->priorities, prio, &bad_at, 0)) < 0) {
		snprintf(err, size,
			 "%s: tls_server_config: GnuTLS cannot use the versions, ciphers and "
			 "curves given ('%s' at '%s')",
			 t->file, prio, bad_at ? bad_at : "?");
		goto fail;
	}
	t->keypair =
		keypair_load(t->file, &t->cert, &t->key, &t->cert_stamp, &t->key_stamp, err, size);
	if (!t->keypair)
		goto fail;
	if (web_client_auth_verifies(wc->client_auth) && load_trust(t, wc, err, size))
		goto fail;
	return t;
fail:
	free_tls(t);
	errno = EINVAL;
	return NULL;
fail_nomem:
	if (t)
		free_tls(t);
	errno = ENOMEM;
	return NULL;
}

gnutls_priority_t web_tls_priorities(const struct web_tls *t)
{
	return t->priorities;
}

int web_tls_setup_session(struct web_tls *t, gnutls_session_t session)
{
	int ret = gnutls_priority_set(session, t->priorities);

	if (ret < 0)
		return -EINVAL;
	if (web_client_auth_requests(t->client_auth))
		gnutls_certificate_server_set_request(
			session, web_client_auth_requires(t->client_auth) ? GNUTLS_CERT_REQUIRE
									  : GNUTLS_CERT_REQUEST);
	else
		gnutls_certificate_server_set_request(session, GNUTLS_CERT_IGNORE);
	return 0;
}

/* --- client certificates ----------------------------------------------------------------- */

/* Whether one of the leaf's subject alternative names is in the allowed list (the
 * toolkit's client_allowed_sans: DNS names, e-mail addresses, IP addresses, URIs). */
static int san_allowed(const struct web_tls *t, gnutls_x509_crt_t leaf)
{
	for (unsigned int i = 0;; i++) {
		char buf[1024], ip[INET6_ADDRSTRLEN];
		size_t len = sizeof(buf) - 1;
		const char *text = buf;
		int type = gnutls_x509_crt_get_subject_alt_name(leaf, i, buf, &len, NULL);

		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			return 0;
		if (type == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (type < 0)
			return 0;
		buf[len] = '\0';
		if (type == GNUTLS_SAN_IPADDRESS) {
			if (!inet_ntop(len == 4 ? AF_INET : AF_INET6, buf, ip, sizeof(ip)) ||
			    (len != 4 && len != 16))
				continue;
			text = ip;
		} else if (type != GNUTLS_SAN_DNSNAME && type != GNUTLS_SAN_RFC822NAME &&
			   type != GNUTLS_SAN_URI) {
			continue;
		}
		for (size_t j = 0; j < t->n_allowed_sans; j++)
			if (!strcmp(text, t->allowed_sans[j]))
				return 1;
	}
}

int web_tls_verify_peer(const struct web_tls *t, gnutls_session_t session, char *why,
			size_t why_size)
{
	gnutls_x509_crt_t chain[MAX_CHAIN];
	const gnutls_datum_t *peers;
	unsigned int n = 0, n_chain = 0, status = 0;
	int ret = -1;

	peers = gnutls_certificate_get_peers(session, &n);
	if (!peers || !n) {
		if (!web_client_auth_requires(t->client_auth))
			return 0;
		snprintf(why, why_size, "no client certificate");
		return -1;
	}
	if (!web_client_auth_verifies(t->client_auth) && !t->n_allowed_sans)
		return 0;
	for (; n_chain < n && n_chain < MAX_CHAIN; n_chain++) {
		if (gnutls_x509_crt_init(&chain[n_chain]))
			goto out;
		if (gnutls_x509_crt_import(chain[n_chain], &peers[n_chain], GNUTLS_X509_FMT_DER)) {
			gnutls_x509_crt_deinit(chain[n_chain]);
			snprintf(why, why_size, "a client certificate that does not parse");
			goto out;
		}
	}
	if (web_client_auth_verifies(t->client_auth)) {
		gnutls_typed_vdata_st purpose = {
			.type = GNUTLS_DT_KEY_PURPOSE_OID,
			.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT
		};

		if (gnutls_x509_trust_list_verify_crt2(t->trust, chain, n_chain, &purpose, 1, 0,
						       &status, NULL) < 0 ||
		    status) {
			gnutls_datum_t text = { 0 };

			gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text,
								     0);
			snprintf(why, why_size, "client certificate not accepted: %s",
				 text.data ? (char *)text.data : "verification failed");
			gnutls_free(text.data);
			goto out;
		}
	}
	if (t->n_allowed_sans && !san_allowed(t, chain[0])) {
		snprintf(why, why_size, "client certificate has none of client_allowed_sans");
		goto out;
	}
	ret = 0;
out:
	for (unsigned int i = 0; i < n_chain; i++)
		gnutls_x509_crt_deinit(chain[i]);
	return ret;
}
