// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/metrics_server.h"

#include "serve/accept_header.h"
#include "serve/gzip_body.h"
#include "util/log.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libmicrohttpd turns per wake-up at most, so a flood of connections cannot hold the rest of
 * the daemon's loop (the ring buffer, target rescans) for long. */
#define RUN_TURNS_MAX 32

struct metrics_server {
	struct MHD_Daemon *daemon;
	struct endpoint_guard *guard;
	metrics_render_fn render;
	void *ctx;
	int ready;
	char *path;	       /* NULL: /metrics */
	metrics_page_fn index; /* the page at `/`; NULL: a link to the metrics */
	void *index_ctx;
};

/* A scrape's ?name[]= values, gathered from libmicrohttpd's (decoded) arguments. */
struct name_list {
	const char **names;
	size_t n;
	size_t max; /* more than this: refused */
	int failed, too_many;
};

static enum MHD_Result respond(struct metrics_server *s, struct MHD_Connection *conn,
			       unsigned int status, char *body, size_t len,
			       enum MHD_ResponseMemoryMode mode, const char *content_type,
			       const char *encoding)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!resp) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES ||
	    endpoint_guard_add_headers(s->guard, resp) != MHD_YES ||
	    (encoding && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING,
						 encoding) != MHD_YES) ||
	    (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	     MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result respond_text(struct metrics_server *s, struct MHD_Connection *conn,
				    unsigned int status, const char *text)
{
	return respond(s, conn, status, (char *)text, strlen(text), MHD_RESPMEM_PERSISTENT,
		       "text/plain; charset=utf-8", NULL);
}

static enum MHD_Result collect_name(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct name_list *list = cls;
	const char **grown;

	if (strcmp(key, "name[]") || !value)
		return MHD_YES;
	if (list->n == list->max) {
		list->too_many = 1;
		return MHD_NO;
	}
	grown = realloc(list->names, (list->n + 1) * sizeof(*grown));
	if (!grown) {
		list->failed = 1;
		return MHD_NO;
	}
	list->names = grown;
	grown[list->n++] = value;
	return MHD_YES;
}

static enum MHD_Result serve_metrics(struct metrics_server *s, struct MHD_Connection *conn)
{
	struct strbuf out = STRBUF_INIT;
	struct name_list names = { .max = (size_t)endpoint_guard_max_names(s->guard) };
	struct scrape_request req = { 0 };
	const char *content_type = NULL, *encoding = NULL;
	size_t len;
	char *body;
	int err;

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_name, &names);
	if (names.too_many) {
		free(names.names);
		endpoint_guard_count(s->guard, REJECT_TOO_MANY_NAMES);
		return respond_text(s, conn, MHD_HTTP_BAD_REQUEST, "too many name[] parameters\n");
	}
	req.accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	req.names = names.n ? names.names : NULL;
	req.n_names = names.n;
	err = names.failed ? -ENOMEM : s->render(s->ctx, &req, &out, &content_type);
	free(names.names);
	if (!err &&
	    accept_header_lists(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_ACCEPT_ENCODING),
				"gzip", 1)) {
		err = gzip_body(&out);
		encoding = "gzip";
	}
	if (err) {
		strbuf_release(&out);
		return respond_text(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "cannot render metrics: out of memory\n");
	}
	body = strbuf_detach(&out, &len);
	return respond(s, conn, MHD_HTTP_OK, body ? body : "", len,
		       body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT, content_type,
		       encoding);
}

static enum MHD_Result serve_index(struct metrics_server *s, struct MHD_Connection *conn)
{
	struct strbuf out = STRBUF_INIT;
	size_t len;
	char *body;

	if (s->index && s->index(s->index_ctx, &out)) {
		strbuf_release(&out);
		return respond_text(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "cannot render the page: out of memory\n");
	}
	if (!s->index)
		strbuf_printf(&out,
			      "<html><head><title>flask_ebpf_exporter</title></head><body>"
			      "<h1>flask_ebpf_exporter</h1><p><a href=\"%s\">Metrics</a></p>"
			      "</body></html>\n",
			      s->path ? s->path : "/metrics");
	body = strbuf_detach(&out, &len);
	if (!body)
		return MHD_NO;
	return respond(s, conn, MHD_HTTP_OK, body, len, MHD_RESPMEM_MUST_FREE,
		       "text/html; charset=utf-8", NULL);
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **req_cls)
{
	static int headers_seen;
	struct metrics_server *s = cls;
	enum MHD_Result refused;

	if (*req_cls == NULL) { /* first call: headers only; answer on the next one */
		*req_cls = &headers_seen;
		endpoint_guard_request_started(s->guard, conn);
		return MHD_YES;
	}
	if (*upload_data_size) { /* a body we do not want: swallow it */
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* TLS and client certificates were settled in the handshake; the rest comes here,
	 * before any route (the toolkit guards every path, /-/healthy included). */
	if (!endpoint_guard_admit(s->guard, conn, &refused))
		return refused;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return respond_text(s, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (!strcmp(url, s->path ? s->path : "/metrics"))
		return serve_metrics(s, conn);
	if (!strcmp(url, "/-/ready"))
		return s->ready ? respond_text(s, conn, MHD_HTTP_OK, "ready\n")
				: respond_text(s, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
					       "attaching probes\n");
	if (!strcmp(url, "/-/healthy"))
		return respond_text(s, conn, MHD_HTTP_OK, "healthy\n");
	if (!strcmp(url, "/"))
		return serve_index(s, conn);
	return respond_text(s, conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

static int resolve(const char *host, int port, struct sockaddr_storage *addr)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res;
	char service[8];
	int err;

	snprintf(service, sizeof(service), "%d", port);
	err = getaddrinfo(host[0] ? host : NULL, service, &hints, &res);
	if (err) {
		log_error("--listen: cannot resolve '%s': %s", host, gai_strerror(err));
		return -EINVAL;
	}
	/* With no host, prefer IPv4's 0.0.0.0 over IPv6's ::, which may be disabled. */
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

struct metrics_server *metrics_server_start(const char *host, int port,
					    struct endpoint_guard *guard, metrics_render_fn render,
					    void *ctx)
{
	struct MHD_OptionItem guard_opts[ENDPOINT_GUARD_MHD_OPTIONS];
	struct metrics_server *s;
	struct sockaddr_storage addr = { 0 };
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | endpoint_guard_mhd_flags(guard);
	int err;

	err = resolve(host, port, &addr);
	if (err) {
		endpoint_guard_free(guard);
		errno = -err;
		return NULL;
	}
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s = calloc(1, sizeof(*s));
	if (!s) {
		endpoint_guard_free(guard);
		return NULL;
	}
	s->render = render;
	s->ctx = ctx;
	s->guard = guard;
	endpoint_guard_mhd_options(guard, guard_opts);
	/* The guard's options first: they start with libmicrohttpd's logger. */
	s->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle_request, s,
				     MHD_OPTION_ARRAY, guard_opts, MHD_OPTION_SOCK_ADDR,
				     (struct sockaddr *)&addr, MHD_OPTION_END);
	if (!s->daemon) {
		log_error("cannot listen on %s:%d (is the port in use?)", host[0] ? host : "*",
			  port);
		endpoint_guard_free(guard);
		free(s);
		errno = EADDRINUSE;
		return NULL;
	}
	return s;
}

void metrics_server_stop(struct metrics_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	endpoint_guard_free(s->guard);
	free(s->path);
	free(s);
}

int metrics_server_tls(const struct metrics_server *s)
{
	return endpoint_guard_tls(s->guard);
}

int metrics_server_port(const struct metrics_server *s)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);

	return info ? info->port : -1;
}

int metrics_server_epoll_fd(const struct metrics_server *s)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);

	return info ? info->epoll_fd : -1;
}

/* Whether connections wait to be accepted. */
static int accept_pending(const struct metrics_server *s)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_LISTEN_FD);
	struct pollfd pfd = { .fd = info ? info->listen_fd : -1, .events = POLLIN };

	return pfd.fd >= 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

void metrics_server_run(struct metrics_server *s)
{
	/* libmicrohttpd accepts 10 connections per turn: in a flood, a scraper would queue
	 * behind hundreds of others for many turns of our loop. Take several turns at once,
	 * the guard making room after each. */
	for (int turn = 0; turn < RUN_TURNS_MAX; turn++) {
		MHD_run(s->daemon);
		endpoint_guard_tick(s->guard);
		if (!accept_pending(s))
			break;
	}
}

void metrics_server_reload(struct metrics_server *s)
{
	endpoint_guard_reload(s->guard);
}

void metrics_server_stats(const struct metrics_server *s, struct endpoint_stats *out)
{
	endpoint_guard_stats(s->guard, out);
}

int metrics_server_set_path(struct metrics_server *s, const char *path)
{
	char *copy = strdup(path);

	if (!copy)
		return -ENOMEM;
	free(s->path);
	s->path = copy;
	return 0;
}

void metrics_server_set_ready(struct metrics_server *s, int ready)
{
	s->ready = ready;
}

void metrics_server_set_index(struct metrics_server *s, metrics_page_fn page, void *ctx)
{
	s->index = page;
	s->index_ctx = ctx;
}
