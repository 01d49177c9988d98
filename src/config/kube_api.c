// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config/kube_api.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/prom_name.h"

const enum kube_owner_kind kube_api_owner_label_kinds[KUBE_API_OWNER_LABELS] = {
	KUBE_OWNER_DEPLOYMENT, KUBE_OWNER_STATEFULSET, KUBE_OWNER_DAEMONSET,
	KUBE_OWNER_CRONJOB,    KUBE_OWNER_JOB,
};

const char *kube_api_owner_label(enum kube_owner_kind kind)
{
	switch (kind) {
	case KUBE_OWNER_DEPLOYMENT:
		return "k8s_deployment";
	case KUBE_OWNER_STATEFULSET:
		return "k8s_statefulset";
	case KUBE_OWNER_DAEMONSET:
		return "k8s_daemonset";
	case KUBE_OWNER_CRONJOB:
		return "k8s_cronjob";
	case KUBE_OWNER_JOB:
		return "k8s_job";
	default:
		return NULL;
	}
}

void kube_api_options_init(struct kube_api_options *o)
{
	memset(o, 0, sizeof(*o));
	o->owner_labels = 1;
	o->max_pods = 1024;
}

void kube_api_options_release(struct kube_api_options *o)
{
	free(o->kubeconfig);
	free(o->service_account_dir);
	label_selector_free(o->selector);
	label_selector_free(o->annotation_selector);
	for (size_t i = 0; i < o->n_owners; i++)
		free(o->owners[i].name_glob);
	free(o->owners);
	for (size_t i = 0; i < o->n_pod_labels; i++) {
		free(o->pod_labels[i].pod_label);
		free(o->pod_labels[i].series_label);
	}
	free(o->pod_labels);
	kube_api_options_init(o);
}

static int set_selector(struct label_selector **dst, const char *text,
			enum label_selector_values values, char *err, size_t err_size)
{
	struct label_selector *s = label_selector_parse(text, values, err, err_size);

	if (!s)
		return -errno;
	label_selector_free(*dst);
	*dst = s;
	return 0;
}

int kube_api_set_selector(struct kube_api_options *o, const char *text, char *err, size_t err_size)
{
	return set_selector(&o->selector, text, LABEL_SELECTOR_LABEL_VALUES, err, err_size);
}

int kube_api_set_annotation_selector(struct kube_api_options *o, const char *text, char *err,
				     size_t err_size)
{
	return set_selector(&o->annotation_selector, text, LABEL_SELECTOR_ANNOTATION_VALUES, err,
			    err_size);
}

int kube_api_add_owner(struct kube_api_options *o, const char *text, char *err, size_t err_size)
{
	const char *slash = strchr(text, '/');
	struct kube_owner_match *grown;
	char kind_name[32];
	int kind;

	if (!slash || slash == text || !slash[1] || (size_t)(slash - text) >= sizeof(kind_name)) {
		snprintf(err, err_size, "'%s': expected KIND/NAME (e.g. Deployment/shop)", text);
		return -EINVAL;
	}
	snprintf(kind_name, sizeof(kind_name), "%.*s", (int)(slash - text), text);
	kind = kube_owner_kind_parse(kind_name);
	if (kind < 0) {
		snprintf(err, err_size,
			 "'%s': unknown kind (Deployment, ReplicaSet, StatefulSet, DaemonSet, "
			 "CronJob, Job)",
			 kind_name);
		return -EINVAL;
	}
	if (o->n_owners == KUBE_API_MAX_OWNERS) {
		snprintf(err, err_size, "more than %d owners", KUBE_API_MAX_OWNERS);
		return -EINVAL;
	}
	grown = realloc(o->owners, (o->n_owners + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	o->owners = grown;
	grown[o->n_owners].kind = (enum kube_owner_kind)kind;
	grown[o->n_owners].name_glob = strdup(slash + 1);
	if (!grown[o->n_owners].name_glob)
		return -ENOMEM;
	o->n_owners++;
	return 0;
}

/* Labels the request families or the Kubernetes targets set themselves. */
static int reserved(const char *name)
{
	static const char *const names[] = { "method",	"path",		 "status",
					     "le",	"quantile",	 "k8s_namespace",
					     "k8s_pod", "k8s_container", "k8s_node",
					     NULL };

	for (int i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return 1;
	for (int i = 0; i < KUBE_API_OWNER_LABELS; i++)
		if (!strcmp(name, kube_api_owner_label(kube_api_owner_label_kinds[i])))
			return 1;
	return !strncmp(name, "__", 2);
}

/* k8s_label_ + the key with every character Prometheus refuses as '_' (as Prometheus'
 * kubernetes_sd does for __meta_kubernetes_pod_label_*). */
static char *default_series_label(const char *key)
{
	char *out;

	if (asprintf(&out, "k8s_label_%s", key) < 0)
		return NULL;
	for (char *p = out; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			*p = '_';
	return out;
}

static int check_pod_label(const struct kube_api_options *o, const char *key, const char *name,
			   char *err, size_t err_size)
{
	if (strpbrk(key, "*?[]{}|^$")) {
		snprintf(err, err_size,
			 "'%s': pod label keys are exact, no wildcards: each copied label is a "
			 "series dimension, so the list must be bounded",
			 key);
		return -EINVAL;
	}
	if (!kube_label_key_valid(key)) {
		snprintf(err, err_size, "'%s' is not a Kubernetes label key", key);
		return -EINVAL;
	}
	if (!prom_name_valid(name, 0)) {
		snprintf(err, err_size, "'%s' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)",
			 name);
		return -EINVAL;
	}
	if (reserved(name)) {
		snprintf(err, err_size, "label '%s' is reserved: the exporter sets it", name);
		return -EINVAL;
	}
	if (o->n_pod_labels == KUBE_API_MAX_POD_LABELS) {
		snprintf(err, err_size,
			 "more than %d pod labels: each one multiplies the series (a bounded list)",
			 KUBE_API_MAX_POD_LABELS);
		return -EINVAL;
	}
	for (size_t i = 0; i < o->n_pod_labels; i++) {
		if (!strcmp(o->pod_labels[i].pod_label, key)) {
			snprintf(err, err_size, "pod label '%s' given twice", key);
			return -EINVAL;
		}
		if (!strcmp(o->pod_labels[i].series_label, name)) {
			snprintf(err, err_size, "label '%s' given twice", name);
			return -EINVAL;
		}
	}
	return 0;
}

int kube_api_add_pod_label(struct kube_api_options *o, const char *pod_label,
			   const char *series_label, char *err, size_t err_size)
{
	char *name = series_label ? strdup(series_label) : default_series_label(pod_label);
	struct kube_pod_label_copy *grown;
	int rc;

	if (!name)
		return -ENOMEM;
	rc = check_pod_label(o, pod_label, name, err, err_size);
	if (rc) {
		free(name);
		return rc;
	}
	grown = realloc(o->pod_labels, (o->n_pod_labels + 1) * sizeof(*grown));
	if (!grown) {
		free(name);
		return -ENOMEM;
	}
	o->pod_labels = grown;
	grown[o->n_pod_labels].series_label = name;
	grown[o->n_pod_labels].pod_label = strdup(pod_label);
	if (!grown[o->n_pod_labels].pod_label) {
		free(name);
		return -ENOMEM;
	}
	o->n_pod_labels++;
	return 0;
}

int kube_api_set_max_pods(struct kube_api_options *o, long n, char *err, size_t err_size)
{
	if (n < 1 || n > KUBE_API_MAX_PODS_LIMIT) {
		snprintf(err, err_size, "%ld is out of range (1..%d)", n, KUBE_API_MAX_PODS_LIMIT);
		return -EINVAL;
	}
	o->max_pods = n;
	return 0;
}

/* --- the YAML section --------------------------------------------------------------------- */

/* A setter's -EINVAL message recorded at the node, as "FILE:LINE: KEY: message". */
static int setter_result(struct config_ctx *c, const yaml_node_t *node, const char *key, int rc,
			 const char *err)
{
	if (rc == -EINVAL)
		return config_error(c, node, key, "%s", err);
	return rc;
}

static int parse_string(struct config_ctx *c, const char *key, yaml_node_t *value, char **out)
{
	return config_get_string(c, key, value, out);
}

static int parse_kubeconfig(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return parse_string(c, key, value, &((struct kube_api_options *)target)->kubeconfig);
}

static int parse_sa_dir(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return parse_string(c, key, value,
			    &((struct kube_api_options *)target)->service_account_dir);
}

static int parse_selector_with(struct config_ctx *c, const char *key, yaml_node_t *value,
			       struct kube_api_options *o,
			       int (*set)(struct kube_api_options *, const char *, char *, size_t))
{
	char err[CONFIG_ERROR_MSG_MAX];
	const char *text;
	int rc = config_get_text(c, key, value, &text);

	return rc ? rc : setter_result(c, value, key, set(o, text, err, sizeof(err)), err);
}

static int parse_selector(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return parse_selector_with(c, key, value, target, kube_api_set_selector);
}

static int parse_annotation_selector(struct config_ctx *c, const char *key, yaml_node_t *value,
				     void *target)
{
	return parse_selector_with(c, key, value, target, kube_api_set_annotation_selector);
}

typedef int (*text_setter_fn)(struct kube_api_options *o, const char *text, char *err,
			      size_t err_size);

/* A list of strings, each handed to `add`; errors at the item ("KEY[i]: ..."). */
static int parse_text_list(struct config_ctx *c, const char *key, yaml_node_t *value,
			   struct kube_api_options *o, text_setter_fn add)
{
	int rc = config_expect_list(c, key, value);
	yaml_node_t *item;

	for (size_t i = 0; !rc && (item = config_list_item(c, value, i)); i++) {
		char path[CONFIG_KEY_PATH_MAX], err[CONFIG_ERROR_MSG_MAX];
		const char *text;

		config_index_path(path, key, i);
		rc = config_get_text(c, path, item, &text);
		if (!rc)
			rc = setter_result(c, item, path, add(o, text, err, sizeof(err)), err);
	}
	return rc;
}

static int parse_owners(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return parse_text_list(c, key, value, target, kube_api_add_owner);
}

static int parse_opt_in(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	return config_get_bool(c, key, value, &((struct kube_api_options *)target)->opt_in);
}

static int parse_owner_labels(struct config_ctx *c, const char *key, yaml_node_t *value,
			      void *target)
{
	return config_get_bool(c, key, value, &((struct kube_api_options *)target)->owner_labels);
}

static int parse_max_pods(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	char err[CONFIG_ERROR_MSG_MAX];
	long n;
	int rc = config_get_int(c, key, value, 1, KUBE_API_MAX_PODS_LIMIT, &n);

	return rc ? rc
		  : setter_result(c, value, key, kube_api_set_max_pods(target, n, err, sizeof(err)),
				  err);
}

/* pod_labels: {key: series_label}: one pair. */
static int parse_named_pod_label(struct config_ctx *c, const char *key, const char *name,
				 yaml_node_t *value, void *target)
{
	char err[CONFIG_ERROR_MSG_MAX];
	const char *series_label;
	int rc = config_get_text(c, key, value, &series_label);

	if (rc)
		return rc;
	rc = kube_api_add_pod_label(target, name, series_label, err, sizeof(err));
	return setter_result(c, value, key, rc, err);
}

/* A pod label under its default series name (k8s_label_...). */
static int add_pod_label_default(struct kube_api_options *o, const char *key, char *err,
				 size_t err_size)
{
	return kube_api_add_pod_label(o, key, NULL, err, err_size);
}

/* pod_labels: [key, ...] (default names) or {key: series_label, ...}. */
static int parse_pod_labels(struct config_ctx *c, const char *key, yaml_node_t *value, void *target)
{
	if (value->type == YAML_MAPPING_NODE)
		return config_walk_pairs(c, key, value, parse_named_pod_label, target);
	return parse_text_list(c, key, value, target, add_pod_label_default);
}

int config_parse_kube_api(struct config_ctx *c, const char *key, yaml_node_t *node, void *target)
{
	static const struct config_key keys[] = {
		{ "kubeconfig", parse_kubeconfig },
		{ "service_account_dir", parse_sa_dir },
		{ "selector", parse_selector },
		{ "annotation_selector", parse_annotation_selector },
		{ "owners", parse_owners },
		{ "opt_in", parse_opt_in },
		{ "pod_labels", parse_pod_labels },
		{ "owner_labels", parse_owner_labels },
		{ "max_pods", parse_max_pods },
		{ NULL, NULL },
	};
	struct kube_api_options *o = target;

	if (node->type == YAML_SCALAR_NODE)
		return config_get_bool(c, key, node, &o->enabled);
	o->enabled = 1;
	return config_walk_map(c, key, node, keys, o);
}
