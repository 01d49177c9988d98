// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/kube_api_client.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* A token is a JWT of a kilobyte or two; anything this large is not one. */
#define TOKEN_MAX (64 * 1024)
/* Room for a non-2xx body (a Status object's message is what we keep). */
#define ERROR_BODY_MAX 2048

struct token {
	char *value;
	struct stat seen; /* the file as last read: a change means a rotation */
	time_t read_at;	  /* monotonic seconds */
	int force;
};

struct kube_api_client {
	const struct kube_api_access *cfg;
	CURL *curl;
	char *user_agent;
	struct token token;
};

static time_t monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Reads the token file when it changed, a minute passed, or a 401 asked for it. */
static int refresh_token(struct kube_api_client *c, char *msg, size_t msg_size)
{
	struct token *t = &c->token;
	struct stat st;
	char *buf;
	size_t len;
	FILE *f;

	if (!c->cfg->token_file)
		return 0;
	if (stat(c->cfg->token_file, &st)) {
		snprintf(msg, msg_size, "%s: %s", c->cfg->token_file, strerror(errno));
		return -errno;
	}
	if (t->value && !t->force && st.st_ino == t->seen.st_ino &&
	    st.st_mtim.tv_sec == t->seen.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == t->seen.st_mtim.tv_nsec && st.st_size == t->seen.st_size &&
	    monotonic_seconds() - t->read_at < KUBE_TOKEN_REREAD_SECONDS)
		return 0;
	f = fopen(c->cfg->token_file, "r");
	if (!f) {
		snprintf(msg, msg_size, "%s: %s", c->cfg->token_file, strerror(errno));
		return -errno;
	}
	buf = calloc(1, TOKEN_MAX + 1);
	len = buf ? fread(buf, 1, TOKEN_MAX, f) : 0;
	fclose(f);
	if (!buf)
		return -ENOMEM;
	while (len && isspace((unsigned char)buf[len - 1]))
		buf[--len] = '\0';
	free(t->value);
	t->value = buf;
	t->seen = st;
	t->read_at = monotonic_seconds();
	t->force = 0;
	return 0;
}

void kube_api_client_reload_token(struct kube_api_client *c)
{
	c->token.force = 1;
}

static void set_pem(CURL *curl, const struct kube_pem *pem, CURLoption file_opt,
		    CURLoption blob_opt)
{
	if (pem->data) {
		struct curl_blob blob = { .data = pem->data,
					  .len = pem->len,
					  .flags = CURL_BLOB_COPY };

		curl_easy_setopt(curl, blob_opt, &blob);
	} else if (pem->file) {
		curl_easy_setopt(curl, file_opt, pem->file);
	}
}

struct kube_api_client *kube_api_client_new(const struct kube_api_access *cfg,
					    const char *user_agent, char *err, size_t err_size)
{
	struct kube_api_client *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		snprintf(err, err_size, "libcurl cannot initialise");
		errno = EIO;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = cfg;
	c->curl = curl_easy_init();
	c->user_agent = strdup(user_agent ? user_agent : "flask_ebpf_exporter");
	if (!c->curl || !c->user_agent) {
		kube_api_client_free(c);
		snprintf(err, err_size, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	/* A watch can be quiet for minutes; keepalives find a dead peer. */
	curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPINTVL, 10L);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "");
	set_pem(c->curl, &cfg->ca, CURLOPT_CAINFO, CURLOPT_CAINFO_BLOB);
	set_pem(c->curl, &cfg->cert, CURLOPT_SSLCERT, CURLOPT_SSLCERT_BLOB);
	set_pem(c->curl, &cfg->key, CURLOPT_SSLKEY, CURLOPT_SSLKEY_BLOB);
	if (cfg->insecure) {
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return c;
}

void kube_api_client_free(struct kube_api_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->token.value);
	free(c->user_agent);
	free(c);
}

struct transfer {
	CURL *curl;
	long status;
	kube_api_body_fn fn;
	void *arg;
	int fn_stopped;
	char error_body[ERROR_BODY_MAX];
	size_t error_len;
	const volatile sig_atomic_t *stop;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * nmemb;

	if (!t->status)
		curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->status);
	if (t->status >= 200 && t->status < 300) {
		if (t->fn(data, len, t->arg)) {
			t->fn_stopped = 1;
			return 0; /* CURLE_WRITE_ERROR */
		}
		return len;
	}
	if (t->error_len < sizeof(t->error_body) - 1) {
		size_t room = sizeof(t->error_body) - 1 - t->error_len;

		memcpy(t->error_body + t->error_len, data, len < room ? len : room);
		t->error_len += len < room ? len : room;
	}
	return len;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct transfer *t = userdata;

	return t->stop && *t->stop;
}

static long transport_error(struct transfer *t, CURLcode rc, char *msg, size_t msg_size)
{
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(msg, msg_size, "stopped");
		return -EINTR;
	}
	if (rc == CURLE_WRITE_ERROR && t->fn_stopped) {
		snprintf(msg, msg_size, "the response could not be decoded");
		return -EPROTO;
	}
	snprintf(msg, msg_size, "%s", curl_easy_strerror(rc));
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return -ECONNRESET;
	default:
		return -EIO;
	}
}

long kube_api_client_get(struct kube_api_client *c, const char *path_query, long timeout_seconds,
			 kube_api_body_fn fn, void *arg, const volatile sig_atomic_t *stop,
			 char *msg, size_t msg_size)
{
	struct transfer t = { .curl = c->curl, .fn = fn, .arg = arg, .stop = stop };
	struct curl_slist *headers = NULL;
	char *url = NULL, *auth = NULL;
	const char *token;
	CURLcode rc;
	long result;
	int err;

	msg[0] = '\0';
	err = refresh_token(c, msg, msg_size);
	if (err)
		return err;
	token = c->cfg->token ? c->cfg->token : c->token.value;
	if (asprintf(&url, "%s%s", c->cfg->server, path_query) < 0)
		return -ENOMEM;
	headers = curl_slist_append(headers, "Accept: application/json");
	if (token && asprintf(&auth, "Authorization: Bearer %s", token) >= 0)
		headers = curl_slist_append(headers, auth);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, timeout_seconds);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, &t);
	curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	rc = curl_easy_perform(c->curl);
	if (!t.status)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &t.status);
	if (rc != CURLE_OK) {
		result = transport_error(&t, rc, msg, msg_size);
	} else {
		result = t.status;
		if (t.status < 200 || t.status >= 300)
			snprintf(msg, msg_size, "HTTP %ld: %.*s", t.status, (int)t.error_len,
				 t.error_body);
	}
	/* Nothing of this request's may outlive it in the reused handle. */
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	free(url);
	return result;
}
