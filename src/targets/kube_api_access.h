/*
 * kube_api_access — where the Kubernetes API server is and how to prove who we are, found
 * the way client-go finds it: in a pod from the ServiceAccount files and
 * KUBERNETES_SERVICE_HOST/PORT (rest.InClusterConfig), outside one from a kubeconfig file's
 * current context (clientcmd). Only what a pod watch needs: server URL, CA, bearer token
 * (a string or a file re-read when it rotates) or a client certificate.
 */
#ifndef FEE_KUBE_API_ACCESS_H
#define FEE_KUBE_API_ACCESS_H

#include <stddef.h>

/* The ServiceAccount volume every pod gets (token, ca.crt, namespace). */
#define KUBE_SERVICE_ACCOUNT_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* A PEM blob or a file; at most one of the two is set. */
struct kube_pem {
	char *file;
	char *data; /* decoded from a kubeconfig's *-data field */
	size_t len;
};

struct kube_api_access {
	char *server;		   /* "https://10.0.0.1:443", no trailing slash */
	struct kube_pem ca;	   /* neither set: the system's CAs */
	char *token;		   /* a fixed bearer token (kubeconfig `token:`) */
	char *token_file;	   /* or a file read again when it changes (projected tokens) */
	struct kube_pem cert, key; /* client certificate authentication */
	int insecure;		   /* kubeconfig insecure-skip-tls-verify: true */
};

/*
 * In-cluster: server from KUBERNETES_SERVICE_HOST/_PORT (IPv6 hosts bracketed), token file
 * and CA from sa_dir (NULL: KUBE_SERVICE_ACCOUNT_DIR). Returns 0, or -EINVAL/-ENOENT with
 * a message in err.
 */
int kube_api_access_in_cluster(struct kube_api_access *cfg, const char *sa_dir, char *err,
			       size_t err_size);

/* From a kubeconfig file's current-context. 0, or -EINVAL/-ENOENT with a message naming the
 * file and what is missing or unsupported (exec and auth-provider plugins are). */
int kube_api_access_from_kubeconfig(struct kube_api_access *cfg, const char *path, char *err,
				    size_t err_size);

void kube_api_access_release(struct kube_api_access *cfg);

#endif
