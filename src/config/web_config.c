// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config/web_config.h"

#include "config/config.h"
#include "config/yaml_reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const client_auth_names[] = {
	[WEB_NO_CLIENT_CERT] = "NoClientCert",
	[WEB_REQUEST_CLIENT_CERT] = "RequestClientCert",
	[WEB_REQUIRE_ANY_CLIENT_CERT] = "RequireAnyClientCert",
	[WEB_VERIFY_CLIENT_CERT_IF_GIVEN] = "VerifyClientCertIfGiven",
	[WEB_REQUIRE_AND_VERIFY_CLIENT_CERT] = "RequireAndVerifyClientCert",
};

static const char *const version_names[] = {
	[WEB_TLS10] = "TLS10",
	[WEB_TLS11] = "TLS11",
	[WEB_TLS12] = "TLS12",
	[WEB_TLS13] = "TLS13",
};

/* Go's tls.CipherSuites(), the list the toolkit accepts. */
static const struct web_cipher ciphers[] = {
	{ "TLS_AES_128_GCM_SHA256", NULL, "AES-128-GCM", "AEAD" },
	{ "TLS_AES_256_GCM_SHA384", NULL, "AES-256-GCM", "AEAD" },
	{ "TLS_CHACHA20_POLY1305_SHA256", NULL, "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA", "AES-128-CBC", "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA", "AES-256-CBC", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA", "AES-128-CBC", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA", "AES-256-CBC", "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA", "AES-128-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA", "AES-128-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA", "CHACHA20-POLY1305",
	  "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD" },
	/* Go's older spellings of the two above, still accepted by tls.CipherSuites(). */
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD" },
};

static const struct web_curve curves[] = {
	{ "CurveP256", "GROUP-SECP256R1" },
	{ "CurveP384", "GROUP-SECP384R1" },
	{ "CurveP521", "GROUP-SECP521R1" },
	{ "X25519", "GROUP-X25519" },
};

/* The toolkit's extraHTTPHeaders: the only headers a file may set, and the values allowed
 * where the header has a fixed set (NULL: any value). */
static const struct {
	const char *name;
	const char *values[3];
} allowed_headers[] = {
	{ "Strict-Transport-Security", { NULL } },
	{ "X-Content-Type-Options", { "nosniff", NULL } },
	{ "X-Frame-Options", { "deny", "sameorigin", NULL } },
	{ "X-XSS-Protection", { NULL } },
	{ "Content-Security-Policy", { NULL } },
};

const char *web_client_auth_name(enum web_client_auth a)
{
	return client_auth_names[a];
}

const char *web_tls_version_name(enum web_tls_version v)
{
	return v >= WEB_TLS10 && v <= WEB_TLS13 ? version_names[v] : "?";
}

int web_client_auth_requests(enum web_client_auth a)
{
	return a != WEB_NO_CLIENT_CERT;
}

int web_client_auth_requires(enum web_client_auth a)
{
	return a == WEB_REQUIRE_ANY_CLIENT_CERT || a == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT;
}

int web_client_auth_verifies(enum web_client_auth a)
{
	return a == WEB_VERIFY_CLIENT_CERT_IF_GIVEN || a == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT;
}

void web_config_init(struct web_config *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->cert.key = "tls_server_config.cert_file";
	wc->key.key = "tls_server_config.key_file";
	wc->client_ca.key = "tls_server_config.client_ca_file";
	wc->min_version = WEB_TLS12;
	wc->max_version = WEB_TLS13;
	wc->prefer_server_ciphers = 1;
	wc->http2 = 1;
}

static void pem_release(struct web_pem *p)
{
	free(p->file);
	free(p->text);
}

void web_config_release(struct web_config *wc)
{
	free(wc->file);
	pem_release(&wc->cert);
	pem_release(&wc->key);
	pem_release(&wc->client_ca);
	for (size_t i = 0; i < wc->n_allowed_sans; i++)
		free(wc->allowed_sans[i]);
	free(wc->allowed_sans);
	free(wc->ciphers);
	free(wc->curves);
	strpair_free_all(wc->headers, wc->n_headers);
	strpair_free_all(wc->users, wc->n_users);
	web_config_init(wc);
}

/* What a handler needs besides the config: the folder relative paths start from. */
struct web_reader {
	struct web_config *wc;
	const char *dir;
};

/* Grows an array of n items of size each by one zeroed item; NULL on ENOMEM. */
static void *grow(void *array, size_t n, size_t size)
{
	char *bigger = realloc(array, (n + 1) * size);

	if (bigger)
		memset(bigger + n * size, 0, size);
	return bigger;
}

/* A mapping of free-form keys (headers, users), or nothing. */
static int walk_pairs_or_null(struct config_ctx *c, const char *key, yaml_node_t *value,
			      config_pair_fn fn, void *t)
{
	if (config_is_null(value))
		return 0;
	return config_walk_pairs(c, key, value, fn, t);
}

/* --- tls_server_config ------------------------------------------------------------------ */

static int set_pem_file(struct config_ctx *c, const char *key, yaml_node_t *value,
			struct web_reader *r, struct web_pem *pem)
{
	const char *path;
	int err = config_get_text(c, key, value, &path);

	if (err)
		return err;
	free(pem->file);
	pem->file = NULL;
	if (!path[0]) /* "" is "not given", as Go's zero value */
		return 0;
	if (path[0] == '/' || !r->dir[0])
		pem->file = strdup(path);
	else if (asprintf(&pem->file, "%s/%s", r->dir, path) < 0)
		pem->file = NULL;
	if (!pem->file)
		return -ENOMEM;
	pem->line = value->start_mark.line + 1;
	r->wc->tls = 1;
	return 0;
}

static int set_pem_text(struct config_ctx *c, const char *key, yaml_node_t *value,
			struct web_reader *r, struct web_pem *pem)
{
	int err = config_get_string(c, key, value, &pem->text);

	if (err)
		return err;
	if (!pem->text[0]) {
		free(pem->text);
		pem->text = NULL;
		return 0;
	}
	pem->line = value->start_mark.line + 1;
	r->wc->tls = 1;
	return 0;
}

static int parse_cert_file(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return set_pem_file(c, key, v, t, &((struct web_reader *)t)->wc->cert);
}

static int parse_key_file(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return set_pem_file(c, key, v, t, &((struct web_reader *)t)->wc->key);
}

static int parse_client_ca_file(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return set_pem_file(c, key, v, t, &((struct web_reader *)t)->wc->client_ca);
}

static int parse_cert(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return set_pem_text(c, key, v, t, &((struct web_reader *)t)->wc->cert);
}

static int parse_key(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return set_pem_text(c, key, v, t, &((struct web_reader *)t)->wc->key);
}

static int parse_client_ca(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return set_pem_text(c, key, v, t, &((struct web_reader *)t)->wc->client_ca);
}

/* Index of text in names[first..n), or -1. */
static int name_index(const char *const *names, int first, int n, const char *text)
{
	for (int i = first; i < n; i++)
		if (!strcmp(names[i], text))
			return i;
	return -1;
}

static int parse_client_auth(struct config_ctx *c, const char *key, yaml_node_t *value, void *t)
{
	struct web_reader *r = t;
	const char *text;
	int i, err = config_get_text(c, key, value, &text);

	if (err)
		return err;
	i = name_index(client_auth_names, 0, (int)ARRAY_LEN(client_auth_names), text);
	if (!strcmp(text, "RequireClientCert")) /* the toolkit's old name, still accepted */
		i = WEB_REQUIRE_ANY_CLIENT_CERT;
	if (!text[0])
		i = WEB_NO_CLIENT_CERT;
	if (i < 0)
		return config_error(c, value, key,
				    "unknown client_auth_type '%s' (one of NoClientCert, "
				    "RequestClientCert, RequireAnyClientCert, "
				    "VerifyClientCertIfGiven, RequireAndVerifyClientCert)",
				    text);
	r->wc->client_auth = (enum web_client_auth)i;
	r->wc->tls |= text[0] != '\0';
	return 0;
}

static int parse_version(struct config_ctx *c, const char *key, yaml_node_t *value,
			 enum web_tls_version *out)
{
	const char *text;
	int i, err = config_get_text(c, key, value, &text);

	if (err)
		return err;
	i = name_index(version_names, WEB_TLS10, (int)ARRAY_LEN(version_names), text);
	if (i < 0)
		return config_error(c, value, key,
				    "unknown TLS version '%s' (one of TLS10, TLS11, TLS12, TLS13)",
				    text);
	*out = (enum web_tls_version)i;
	return 0;
}

static int parse_min_version(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return parse_version(c, key, v, &((struct web_reader *)t)->wc->min_version);
}

static int parse_max_version(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return parse_version(c, key, v, &((struct web_reader *)t)->wc->max_version);
}

static int parse_prefer_server(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return config_get_bool(c, key, v, &((struct web_reader *)t)->wc->prefer_server_ciphers);
}

/* A list of names, each looked up in a table: fn(c, path, item, text, target). */
typedef int (*name_item_fn)(struct config_ctx *c, const char *key, yaml_node_t *item,
			    const char *text, struct web_config *wc);

static int walk_names(struct config_ctx *c, const char *key, yaml_node_t *value,
		      struct web_config *wc, name_item_fn fn)
{
	int err = config_expect_list(c, key, value);
	yaml_node_t *item;

	for (size_t i = 0; !err && (item = config_list_item(c, value, i)); i++) {
		char path[CONFIG_KEY_PATH_MAX];
		const char *text;

		config_index_path(path, key, i);
		err = config_get_text(c, path, item, &text);
		if (!err)
			err = fn(c, path, item, text, wc);
	}
	return err;
}

static int add_cipher(struct config_ctx *c, const char *key, yaml_node_t *item, const char *text,
		      struct web_config *wc)
{
	const struct web_cipher **bigger;

	for (size_t i = 0; i < ARRAY_LEN(ciphers); i++) {
		if (strcmp(ciphers[i].go_name, text))
			continue;
		bigger = grow(wc->ciphers, wc->n_ciphers, sizeof(*bigger));
		if (!bigger)
			return -ENOMEM;
		wc->ciphers = bigger;
		bigger[wc->n_ciphers++] = &ciphers[i];
		return 0;
	}
	return config_error(c, item, key,
			    "unknown cipher '%s' (Go's names from tls.CipherSuites(), e.g. "
			    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)",
			    text);
}

static int parse_ciphers(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return walk_names(c, key, v, ((struct web_reader *)t)->wc, add_cipher);
}

static int add_curve(struct config_ctx *c, const char *key, yaml_node_t *item, const char *text,
		     struct web_config *wc)
{
	const struct web_curve **bigger;

	for (size_t i = 0; i < ARRAY_LEN(curves); i++) {
		if (strcmp(curves[i].go_name, text))
			continue;
		bigger = grow(wc->curves, wc->n_curves, sizeof(*bigger));
		if (!bigger)
			return -ENOMEM;
		wc->curves = bigger;
		bigger[wc->n_curves++] = &curves[i];
		return 0;
	}
	return config_error(c, item, key,
			    "unknown curve '%s' (one of CurveP256, CurveP384, CurveP521, X25519)",
			    text);
}

static int parse_curves(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return walk_names(c, key, v, ((struct web_reader *)t)->wc, add_curve);
}

static int add_san(struct config_ctx *c, const char *key, yaml_node_t *item, const char *text,
		   struct web_config *wc)
{
	char **bigger = grow(wc->allowed_sans, wc->n_allowed_sans, sizeof(*bigger));

	if (!bigger)
		return -ENOMEM;
	wc->allowed_sans = bigger;
	bigger[wc->n_allowed_sans] = strdup(text);
	if (!bigger[wc->n_allowed_sans])
		return -ENOMEM;
	wc->n_allowed_sans++;
	return 0;
}

static int parse_allowed_sans(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return walk_names(c, key, v, ((struct web_reader *)t)->wc, add_san);
}

static const struct config_key tls_keys[] = {
	{ "cert", parse_cert },
	{ "key", parse_key },
	{ "client_ca", parse_client_ca },
	{ "cert_file", parse_cert_file },
	{ "key_file", parse_key_file },
	{ "client_auth_type", parse_client_auth },
	{ "client_ca_file", parse_client_ca_file },
	{ "client_allowed_sans", parse_allowed_sans },
	{ "min_version", parse_min_version },
	{ "max_version", parse_max_version },
	{ "cipher_suites", parse_ciphers },
	{ "prefer_server_cipher_suites", parse_prefer_server },
	{ "curve_preferences", parse_curves },
	{ NULL, NULL },
};

/* The checks that need the whole section (the toolkit's validateTLSPaths and the end of
 * ConfigToTLSConfig), reported at the section's line. */
static int check_tls(struct config_ctx *c, const char *key, yaml_node_t *node,
		     struct web_config *wc)
{
	if (!wc->tls)
		return 0;
	if (wc->cert.file && wc->cert.text)
		return config_error(c, node, key, "give cert or cert_file, not both");
	if (wc->key.file && wc->key.text)
		return config_error(c, node, key, "give key or key_file, not both");
	if (wc->client_ca.file && wc->client_ca.text)
		return config_error(c, node, key, "give client_ca or client_ca_file, not both");
	if (!wc->cert.file && !wc->cert.text)
		return config_error(c, node, key, "missing one of cert or cert_file");
	if (!wc->key.file && !wc->key.text)
		return config_error(c, node, key, "missing one of key or key_file");
	if ((wc->client_ca.file || wc->client_ca.text) && wc->client_auth == WEB_NO_CLIENT_CERT)
		return config_error(c, node, key,
				    "client CA's have been configured without a Client Auth Policy "
				    "(set client_auth_type)");
	/* Go would verify against the system's roots; an exporter's clients are ours. */
	if (web_client_auth_verifies(wc->client_auth) && !wc->client_ca.file && !wc->client_ca.text)
		return config_error(c, node, key, "client_auth_type %s needs client_ca_file",
				    web_client_auth_name(wc->client_auth));
	if (wc->min_version > wc->max_version)
		return config_error(c, node, key, "min_version %s is above max_version %s",
				    web_tls_version_name(wc->min_version),
				    web_tls_version_name(wc->max_version));
	return 0;
}

static int parse_tls(struct config_ctx *c, const char *key, yaml_node_t *value, void *t)
{
	struct web_reader *r = t;

	if (config_is_null(value))
		return 0;
	return config_walk_map(c, key, value, tls_keys, t) ?: check_tls(c, key, value, r->wc);
}

/* --- http_server_config ------------------------------------------------------------------ */

static int parse_http2(struct config_ctx *c, const char *key, yaml_node_t *v, void *t)
{
	return config_get_bool(c, key, v, &((struct web_reader *)t)->wc->http2);
}

static int add_header(struct config_ctx *c, const char *key, const char *name, yaml_node_t *value,
		      void *t)
{
	struct web_config *wc = ((struct web_reader *)t)->wc;
	const char *text;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_LEN(allowed_headers) && strcmp(allowed_headers[i].name, name); i++)
		;
	if (i == ARRAY_LEN(allowed_headers))
		return config_error(c, value, key,
				    "HTTP header %s can not be configured (one of "
				    "Strict-Transport-Security, X-Content-Type-Options, "
				    "X-Frame-Options, X-XSS-Protection, Content-Security-Policy)",
				    name);
	err = config_get_text(c, key, value, &text);
	if (err)
		return err;
	if (allowed_headers[i].values[0]) {
		const char *const *v;

		for (v = allowed_headers[i].values; *v && strcmp(*v, text); v++)
			;
		if (!*v)
			return config_error(c, value, key,
					    "invalid value '%s' for %s (one of %s%s%s)", text, name,
					    allowed_headers[i].values[0],
					    allowed_headers[i].values[1] ? ", " : "",
					    allowed_headers[i].values[1] ?: "");
	}
	/* A header value must not end the header early. */
	if (strpbrk(text, "\r\n"))
		return config_error(c, value, key, "a header value cannot hold a line break");
	if (!text[0]) /* blank: unset, as the toolkit */
		return 0;
	return strpair_append(&wc->headers, &wc->n_headers, name, text);
}

static int parse_headers(struct config_ctx *c, const char *key, yaml_node_t *value, void *t)
{
	return walk_pairs_or_null(c, key, value, add_header, t);
}

static const struct config_key http_keys[] = {
	{ "http2", parse_http2 },
	{ "headers", parse_headers },
	{ NULL, NULL },
};

static int parse_http(struct config_ctx *c, const char *key, yaml_node_t *value, void *t)
{
	if (config_is_null(value))
		return 0;
	return config_walk_map(c, key, value, http_keys, t);
}

/* --- basic_auth_users -------------------------------------------------------------------- */

/* What bcrypt.Cost accepts: $2a$, $2b$ or $2y$, a cost of 04 to 31, $, 22 characters of
 * salt and 31 of hash in bcrypt's base64. */
static int is_bcrypt(const char *h)
{
	static const char b64[] =
		"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int cost;

	if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) || h[3] != '$' ||
	    h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$')
		return 0;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return 0;
	return strspn(h + 7, b64) == 53;
}

static int add_user(struct config_ctx *c, const char *key, const char *name, yaml_node_t *value,
		    void *t)
{
	struct web_config *wc = ((struct web_reader *)t)->wc;
	const char *hash;
	int err = config_get_text(c, key, value, &hash);

	if (err)
		return err;
	/* Basic auth splits "user:password" at the first colon. */
	if (strchr(name, ':'))
		return config_error(c, value, key, "a user name cannot hold ':'");
	if (!is_bcrypt(hash))
		return config_error(c, value, key,
				    "not a bcrypt hash ($2a$, $2b$ or $2y$, a cost of 04 to 31, "
				    "60 characters; make one with htpasswd -nBC 10 \"\")");
	return strpair_append(&wc->users, &wc->n_users, name, hash);
}

static int parse_users(struct config_ctx *c, const char *key, yaml_node_t *value, void *t)
{
	return walk_pairs_or_null(c, key, value, add_user, t);
}

/* --- rate_limit -------------------------------------------------------------------------- */

static int parse_interval(struct config_ctx *c, const char *key, yaml_node_t *value, void *t)
{
	struct web_config *wc = ((struct web_reader *)t)->wc;
	const char *text;
	int err = config_get_text(c, key, value, &text);

	if (err)
		return err;
	if (!strcmp(text, "0") || !strcmp(text, "0s")) {
		wc->rate_interval = 0;
		return 0;
	}
	if (config_parse_duration(text, &wc->rate_interval))
		return config_error(c, value, key,
				    "'%s' is not a duration (a number with ms, s, m or h)", text);
	return 0;
}

static int parse_burst(struct config_ctx *c, const char *key, yaml_node_t *value, void *t)
{
	return config_get_int(c, key, value, 0, 1000000, &((struct web_reader *)t)->wc->rate_burst);
}

static const struct config_key rate_keys[] = {
	{ "interval", parse_interval },
	{ "burst", parse_burst },
	{ NULL, NULL },
};

static int parse_rate_limit(struct config_ctx *c, const char *key, yaml_node_t *value, void *t)
{
	struct web_config *wc = ((struct web_reader *)t)->wc;
	int err;

	if (config_is_null(value))
		return 0;
	err = config_walk_map(c, key, value, rate_keys, t);
	if (!err && wc->rate_interval > 0 && wc->rate_burst < 1)
		return config_error(c, value, key,
				    "burst must be at least 1 when interval is set (0 would "
				    "refuse every request)");
	return err;
}

/* --- the file ---------------------------------------------------------------------------- */

static const struct config_key top_keys[] = {
	{ "tls_server_config", parse_tls },
	{ "http_server_config", parse_http },
	{ "basic_auth_users", parse_users },
	{ "rate_limit", parse_rate_limit },
	{ NULL, NULL },
};

static int read_root(struct config_ctx *c, yaml_node_t *root, void *target)
{
	if (!root || config_is_null(root)) /* an empty file: plain HTTP, no users */
		return 0;
	return config_walk_map(c, "", root, top_keys, target);
}

static int finish(struct web_config *wc, const char *name, int ret)
{
	if (!ret) {
		wc->file = strdup(name);
		if (wc->file)
			return 0;
		ret = -ENOMEM;
	}
	web_config_release(wc);
	return ret;
}

int web_config_load_string(struct web_config *wc, const char *yaml, const char *name,
			   const char *dir, char *err, size_t err_size)
{
	struct web_reader r = { .wc = wc, .dir = dir };

	web_config_release(wc);
	return finish(wc, name, config_yaml_load_string(yaml, name, read_root, &r, err, err_size));
}

int web_config_load_file(struct web_config *wc, const char *path, char *err, size_t err_size)
{
	char *dir = strdup(path), *slash;
	struct web_reader r = { .wc = wc };
	int ret;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0'; /* "/x.yml" -> "/" */
	else
		dir[0] = '\0';
	r.dir = dir;
	web_config_release(wc);
	ret = finish(wc, path, config_yaml_load_file(path, read_root, &r, err, err_size));
	free(dir);
	return ret;
}
