/*
 * kube_owner — the workload a pod belongs to, from its controller ownerReference, without
 * asking the API server for the owner objects (so RBAC stays "pods" only, as Beyla does).
 * Pure.
 *
 *	ReplicaSet R, pod label pod-template-hash=H, R = D-H	-> Deployment D
 *	ReplicaSet R without that label				-> ReplicaSet R
 *	Job J = C-N, N all digits and >= 8 of them		-> CronJob C (the controller
 *							   names Jobs <cronjob>-<minutes>)
 *	Job J otherwise						-> Job J
 *	StatefulSet, DaemonSet, any other kind			-> itself
 *	no controller reference					-> none (a bare pod)
 */
#ifndef FEE_KUBE_OWNER_H
#define FEE_KUBE_OWNER_H

#include <stddef.h>

enum kube_owner_kind {
	KUBE_OWNER_NONE,
	KUBE_OWNER_DEPLOYMENT,
	KUBE_OWNER_REPLICASET,
	KUBE_OWNER_STATEFULSET,
	KUBE_OWNER_DAEMONSET,
	KUBE_OWNER_CRONJOB,
	KUBE_OWNER_JOB,
	KUBE_OWNER_OTHER, /* e.g. Node for static pods, a custom controller's kind */
	KUBE_OWNER_KINDS,
};

/* Longest object name Kubernetes allows (a DNS subdomain) plus the terminator. */
#define KUBE_NAME_MAX 254

struct kube_owner {
	enum kube_owner_kind kind;
	char name[KUBE_NAME_MAX];
};

/*
 * Resolves the controller reference (ref_kind, ref_name; NULL when the pod has none) with
 * the pod's pod-template-hash label (NULL when absent) into *out. Names longer than
 * KUBE_NAME_MAX - 1 are refused: returns -EINVAL (out->kind = NONE), else 0.
 */
int kube_owner_resolve(const char *ref_kind, const char *ref_name, const char *template_hash,
		       struct kube_owner *out);

/* The kind as the API spells it ("Deployment"), "" for NONE. */
const char *kube_owner_kind_name(enum kube_owner_kind kind);
/* The kind from its API spelling, case-insensitive ("deployment"); -1 when unknown. */
int kube_owner_kind_parse(const char *name);

#endif
