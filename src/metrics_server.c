// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics_server.h"

#include "log.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct metrics_server {
	struct MHD_Daemon *daemon;
	metrics_render_fn render;
	void *ctx;
	int ready;
};

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned int status, char *body,
			       size_t len, enum MHD_ResponseMemoryMode mode,
			       const char *content_type)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!resp) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES ||
	    (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	     MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *conn, unsigned int status,
				    const char *text)
{
	return respond(conn, status, (char *)text, strlen(text), MHD_RESPMEM_PERSISTENT,
		       "text/plain; charset=utf-8");
}

static enum MHD_Result serve_metrics(struct metrics_server *s, struct MHD_Connection *conn)
{
	struct strbuf out = STRBUF_INIT;
	const char *content_type = NULL;
	size_t len;
	char *body;

	if (s->render(s->ctx, &out, &content_type)) {
		strbuf_release(&out);
		return respond_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "cannot render metrics: out of memory\n");
	}
	body = strbuf_detach(&out, &len);
	return respond(conn, MHD_HTTP_OK, body ? body : "", len,
		       body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT, content_type);
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **req_cls)
{
	static int headers_seen;
	struct metrics_server *s = cls;

	if (*req_cls == NULL) { /* first call: headers only; answer on the next one */
		*req_cls = &headers_seen;
		return MHD_YES;
	}
	if (*upload_data_size) { /* a body we do not want: swallow it */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (!strcmp(url, "/metrics"))
		return serve_metrics(s, conn);
	if (!strcmp(url, "/-/ready"))
		return s->ready ? respond_text(conn, MHD_HTTP_OK, "ready\n")
				: respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
					       "attaching probes\n");
	if (!strcmp(url, "/-/healthy"))
		return respond_text(conn, MHD_HTTP_OK, "healthy\n");
	if (!strcmp(url, "/"))
		return respond(conn, MHD_HTTP_OK,
			       "<html><head><title>flask_ebpf_exporter</title></head><body>"
			       "<h1>flask_ebpf_exporter</h1><p><a href=\"/metrics\">Metrics</a>"
			       "</p></body></html>\n",
			       0, MHD_RESPMEM_PERSISTENT, "text/html; charset=utf-8");
	return respond_text(conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
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

struct metrics_server *metrics_server_start(const char *host, int port, metrics_render_fn render,
					    void *ctx)
{
	struct metrics_server *s;
	struct sockaddr_storage addr = { 0 };
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	int err;

	err = resolve(host, port, &addr);
	if (err) {
		errno = -err;
		return NULL;
	}
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->render = render;
	s->ctx = ctx;
	s->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle_request, s,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				     MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!s->daemon) {
		log_error("cannot listen on %s:%d (is the port in use?)", host[0] ? host : "*",
			  port);
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
	free(s);
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

void metrics_server_run(struct metrics_server *s)
{
	MHD_run(s->daemon);
}

void metrics_server_set_ready(struct metrics_server *s, int ready)
{
	s->ready = ready;
}
