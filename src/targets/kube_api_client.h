/*
 * kube_api_client — GET requests to the Kubernetes API server over libcurl (HTTP/2 when the
 * server offers it, TLS verified against the cluster's CA), with the bearer token read again
 * whenever its file changes and at least every minute, as client-go does for projected
 * ServiceAccount tokens, so the request after a rotation carries the new token. One client
 * is used by one thread (it keeps one connection).
 */
#ifndef FEE_KUBE_API_CLIENT_H
#define FEE_KUBE_API_CLIENT_H

#include <signal.h>
#include <stddef.h>

#include "targets/kube_api_access.h"

/* How often the token file is read even when it looks unchanged (client-go: a minute). */
#define KUBE_TOKEN_REREAD_SECONDS 60

struct kube_api_client;

/* Takes a copy of nothing: cfg must outlive the client. NULL + errno, message in err. */
struct kube_api_client *kube_api_client_new(const struct kube_api_access *cfg,
					    const char *user_agent, char *err, size_t err_size);
void kube_api_client_free(struct kube_api_client *c);

/* Body bytes of a 2xx answer, as they arrive; non-zero stops the transfer. */
typedef int (*kube_api_body_fn)(const char *data, size_t len, void *arg);

/*
 * GET server + path_query. A 2xx body goes to fn as it streams; any other body (a Status
 * object) is summarised in msg. Stops early when *stop becomes non-zero or after
 * timeout_seconds (0: none). Returns the HTTP status, or -errno when no answer came (-EINTR
 * when stopped, -ETIMEDOUT, -ECONNRESET for a cut transfer, -EIO otherwise); msg says why.
 */
long kube_api_client_get(struct kube_api_client *c, const char *path_query, long timeout_seconds,
			 kube_api_body_fn fn, void *arg, const volatile sig_atomic_t *stop,
			 char *msg, size_t msg_size);

/* Forces the token to be read again before the next request (after a 401). */
void kube_api_client_reload_token(struct kube_api_client *c);

#endif
