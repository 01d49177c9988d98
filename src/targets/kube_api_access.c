// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/kube_api_access.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

static int fail(char *err, size_t err_size, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t err_size, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && err_size) {
		va_start(ap, fmt);
		vsnprintf(err, err_size, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int set_str(char **dst, const char *src)
{
	char *copy = strdup(src);

	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

int kube_api_access_in_cluster(struct kube_api_access *cfg, const char *sa_dir, char *err,
			       size_t err_size)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	char path[PATH_MAX], url[512];
	int rc;

	if (!sa_dir)
		sa_dir = KUBE_SERVICE_ACCOUNT_DIR;
	if (!host || !*host || !port || !*port)
		return fail(err, err_size, -EINVAL,
			    "not in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
			    "are not set (give kubernetes.api.kubeconfig outside a cluster)");
	snprintf(url, sizeof(url), strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host,
		 port);
	snprintf(path, sizeof(path), "%s/token", sa_dir);
	if (access(path, R_OK))
		return fail(err, err_size, -ENOENT, "%s: %s (is automountServiceAccountToken off?)",
			    path, strerror(errno));
	rc = set_str(&cfg->server, url);
	if (!rc)
		rc = set_str(&cfg->token_file, path);
	snprintf(path, sizeof(path), "%s/ca.crt", sa_dir);
	if (!rc && access(path, R_OK))
		return fail(err, err_size, -ENOENT, "%s: %s", path, strerror(errno));
	if (!rc)
		rc = set_str(&cfg->ca.file, path);
	return rc;
}

/* --- kubeconfig ------------------------------------------------------------------------ */

struct kubeconfig {
	yaml_document_t doc;
	const char *path;
	char dir[PATH_MAX]; /* relative file names in a kubeconfig are relative to it */
	char *err;
	size_t err_size;
};

static yaml_node_t *map_get(struct kubeconfig *k, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(&k->doc, p->key);

		if (kn && kn->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)kn->data.scalar.value, key))
			return yaml_document_get_node(&k->doc, p->value);
	}
	return NULL;
}

static const char *scalar(struct kubeconfig *k, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = map_get(k, map, key);

	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The `inner` mapping of the item of list `list` whose name is `name`
 * (contexts[].context, clusters[].cluster, users[].user). */
static yaml_node_t *named(struct kubeconfig *k, const char *list, const char *inner,
			  const char *name)
{
	yaml_node_t *seq = map_get(k, yaml_document_get_root_node(&k->doc), list);

	if (!seq || seq->type != YAML_SEQUENCE_NODE || !name)
		return NULL;
	for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top;
	     i++) {
		yaml_node_t *item = yaml_document_get_node(&k->doc, *i);
		const char *n = scalar(k, item, "name");

		if (n && !strcmp(n, name))
			return map_get(k, item, inner);
	}
	return NULL;
}

static int set_path(struct kubeconfig *k, char **dst, const char *file)
{
	char *full;

	if (file[0] == '/')
		return set_str(dst, file);
	if (asprintf(&full, "%s/%s", k->dir, file) < 0)
		return -ENOMEM;
	free(*dst);
	*dst = full;
	return 0;
}

/* A kubeconfig *-data field: base64 of a PEM blob. */
static int decode_base64(const char *text, struct kube_pem *out)
{
	size_t len = strlen(text), pad = 0;
	int n;

	if (!len || len % 4)
		return -EINVAL;
	out->data = malloc(len / 4 * 3 + 1);
	if (!out->data)
		return -ENOMEM;
	n = EVP_DecodeBlock((unsigned char *)out->data, (const unsigned char *)text, (int)len);
	if (n < 0) {
		free(out->data);
		out->data = NULL;
		return -EINVAL;
	}
	while (pad < 2 && text[len - 1 - pad] == '=')
		pad++;
	out->len = (size_t)n - pad;
	out->data[out->len] = '\0';
	return 0;
}

/* `<key>` (a file) or `<key>-data` (base64) of `map` into *pem. */
static int read_pem(struct kubeconfig *k, yaml_node_t *map, const char *key, struct kube_pem *pem)
{
	char data_key[64];
	const char *file = scalar(k, map, key), *data;
	int rc;

	snprintf(data_key, sizeof(data_key), "%s-data", key);
	data = scalar(k, map, data_key);
	if (data) {
		rc = decode_base64(data, pem);
		if (rc == -EINVAL)
			return fail(k->err, k->err_size, rc, "%s: %s: not base64", k->path,
				    data_key);
		return rc;
	}
	return file ? set_path(k, &pem->file, file) : 0;
}

static int read_cluster(struct kubeconfig *k, yaml_node_t *cluster, struct kube_api_access *cfg)
{
	const char *server = scalar(k, cluster, "server");
	const char *insecure = scalar(k, cluster, "insecure-skip-tls-verify");
	size_t len;
	int rc;

	if (!server || strncmp(server, "https://", 8))
		return fail(k->err, k->err_size, -EINVAL,
			    "%s: the current context's cluster has no https:// server", k->path);
	rc = set_str(&cfg->server, server);
	if (rc)
		return rc;
	len = strlen(cfg->server);
	while (len > 8 && cfg->server[len - 1] == '/')
		cfg->server[--len] = '\0';
	cfg->insecure = insecure && !strcmp(insecure, "true");
	return read_pem(k, cluster, "certificate-authority", &cfg->ca);
}

static int read_user(struct kubeconfig *k, yaml_node_t *user, struct kube_api_access *cfg)
{
	const char *token = scalar(k, user, "token"), *token_file = scalar(k, user, "tokenFile");
	int rc = 0;

	if (map_get(k, user, "exec") || map_get(k, user, "auth-provider"))
		return fail(k->err, k->err_size, -EINVAL,
			    "%s: the current user authenticates through an exec or auth-provider "
			    "plugin, which is not supported: give a token, tokenFile or client "
			    "certificate",
			    k->path);
	if (token)
		rc = set_str(&cfg->token, token);
	else if (token_file)
		rc = set_path(k, &cfg->token_file, token_file);
	if (!rc)
		rc = read_pem(k, user, "client-certificate", &cfg->cert);
	if (!rc)
		rc = read_pem(k, user, "client-key", &cfg->key);
	return rc;
}

static int load_document(struct kubeconfig *k)
{
	yaml_parser_t parser;
	FILE *f = fopen(k->path, "r");
	int ok;

	if (!f)
		return fail(k->err, k->err_size, -ENOENT, "%s: %s", k->path, strerror(errno));
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	ok = yaml_parser_load(&parser, &k->doc);
	if (!ok)
		fail(k->err, k->err_size, -EINVAL, "%s:%zu: %s", k->path,
		     (size_t)parser.problem_mark.line + 1,
		     parser.problem ? parser.problem : "not YAML");
	yaml_parser_delete(&parser);
	fclose(f);
	if (ok && !yaml_document_get_root_node(&k->doc)) {
		yaml_document_delete(&k->doc);
		return fail(k->err, k->err_size, -EINVAL, "%s: empty", k->path);
	}
	return ok ? 0 : -EINVAL;
}

int kube_api_access_from_kubeconfig(struct kube_api_access *cfg, const char *path, char *err,
				    size_t err_size)
{
	struct kubeconfig k = { .path = path, .err = err, .err_size = err_size };
	char copy[PATH_MAX];
	yaml_node_t *context;
	const char *current;
	int rc;

	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(k.dir, sizeof(k.dir), "%s", dirname(copy));
	rc = load_document(&k);
	if (rc)
		return rc;
	current = scalar(&k, yaml_document_get_root_node(&k.doc), "current-context");
	context = named(&k, "contexts", "context", current);
	if (!context) {
		rc = fail(err, err_size, -EINVAL, "%s: no context named by current-context (%s)",
			  path, current ? current : "not set");
	} else {
		yaml_node_t *cluster =
			named(&k, "clusters", "cluster", scalar(&k, context, "cluster"));
		yaml_node_t *user = named(&k, "users", "user", scalar(&k, context, "user"));

		if (!cluster)
			rc = fail(err, err_size, -EINVAL,
				  "%s: the current context's cluster is not "
				  "in clusters",
				  path);
		if (!rc)
			rc = read_cluster(&k, cluster, cfg);
		if (!rc && user)
			rc = read_user(&k, user, cfg);
	}
	yaml_document_delete(&k.doc);
	return rc;
}

static void pem_release(struct kube_pem *pem)
{
	free(pem->file);
	free(pem->data);
	memset(pem, 0, sizeof(*pem));
}

void kube_api_access_release(struct kube_api_access *cfg)
{
	free(cfg->server);
	free(cfg->token);
	free(cfg->token_file);
	pem_release(&cfg->ca);
	pem_release(&cfg->cert);
	pem_release(&cfg->key);
	memset(cfg, 0, sizeof(*cfg));
}
