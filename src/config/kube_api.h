/*
 * kube_api — the `kubernetes.api` part of the configuration: whether to ask the Kubernetes
 * API server for pod labels, annotations and owners, how to reach it, which pods to select
 * by them, and which of them to copy onto the series. Pure configuration, checked by the
 * setters the file and the flags share; the client is src/targets/kube_*.
 *
 *   kubernetes:
 *     api: true                       # in-cluster, defaults for the rest; or a mapping:
 *     api:
 *       kubeconfig: ~/.kube/config    # outside a pod (default: in-cluster)
 *       selector: "app in (shop,cart),tier!=batch"   # pod labels, as kubectl -l
 *       annotation_selector: "example.com/team=payments"
 *       owners: [Deployment/shop, StatefulSet/db-*]   # any of them; names are globs
 *       opt_in: true                  # only pods annotated flask-ebpf-exporter/scrape: "true"
 *       pod_labels: [app, version]    # copied as k8s_label_app, k8s_label_version
 *       pod_labels: {app: application, app.kubernetes.io/version: version}  # or named
 *       owner_labels: true            # k8s_deployment, k8s_statefulset, k8s_daemonset,
 *                                     # k8s_cronjob, k8s_job
 *       max_pods: 1024                # pods whose metadata is kept
 */
#ifndef FEE_CONFIG_KUBE_API_H
#define FEE_CONFIG_KUBE_API_H

#include <stddef.h>
#include <yaml.h>

#include "config/kube_owner.h"
#include "config/label_selector.h"
#include "config/yaml_reader.h"

/* Pod labels copied onto series: each multiplies the series count, so the list is short
 * and exact (no wildcards). */
#define KUBE_API_MAX_POD_LABELS 16
#define KUBE_API_MAX_OWNERS 32
#define KUBE_API_MAX_PODS_LIMIT 65536

/* The opt-in annotations (opt_in: true), read from each pod. */
#define KUBE_API_SCRAPE_ANNOTATION "flask-ebpf-exporter/scrape"
#define KUBE_API_PORT_ANNOTATION "flask-ebpf-exporter/port"
#define KUBE_API_CONTAINER_ANNOTATION "flask-ebpf-exporter/container"

/* A pod label copied onto the series under series_label. */
struct kube_pod_label_copy {
	char *pod_label;
	char *series_label;
};

/* An owners: item, "Kind/name-glob". */
struct kube_owner_match {
	enum kube_owner_kind kind;
	char *name_glob;
};

struct kube_api_options {
	int enabled;
	char *kubeconfig;		 /* NULL: in-cluster */
	char *service_account_dir;	 /* NULL: /var/run/secrets/kubernetes.io/serviceaccount */
	struct label_selector *selector; /* NULL: every pod */
	struct label_selector *annotation_selector; /* NULL: every pod */
	struct kube_owner_match *owners;	    /* none: every pod */
	size_t n_owners;
	int opt_in;
	struct kube_pod_label_copy *pod_labels;
	size_t n_pod_labels;
	int owner_labels; /* 1 by default */
	long max_pods;
};

void kube_api_options_init(struct kube_api_options *o);
void kube_api_options_release(struct kube_api_options *o);

/* Setters; each returns 0, -EINVAL with a message in err, or -ENOMEM. */
int kube_api_set_selector(struct kube_api_options *o, const char *text, char *err, size_t err_size);
int kube_api_set_annotation_selector(struct kube_api_options *o, const char *text, char *err,
				     size_t err_size);
/* "Deployment/shop", "statefulset/db-*" (kinds as kubectl spells them, any case). */
int kube_api_add_owner(struct kube_api_options *o, const char *text, char *err, size_t err_size);
/* A pod label to copy; series_label NULL: k8s_label_<key with [^a-zA-Z0-9_] as _>. */
int kube_api_add_pod_label(struct kube_api_options *o, const char *pod_label,
			   const char *series_label, char *err, size_t err_size);
int kube_api_set_max_pods(struct kube_api_options *o, long n, char *err, size_t err_size);

/* The series label of an owner kind when owner_labels is on ("k8s_deployment"), NULL for
 * kinds without one. */
const char *kube_api_owner_label(enum kube_owner_kind kind);
/* The owner kinds that have a label, in the order their labels are declared. */
extern const enum kube_owner_kind kube_api_owner_label_kinds[];
#define KUBE_API_OWNER_LABELS 5

/* The `api:` value of the `kubernetes:` section (true/false or a mapping) into *target (a
 * struct kube_api_options). */
int config_parse_kube_api(struct config_ctx *c, const char *key, yaml_node_t *node, void *target);

#endif
