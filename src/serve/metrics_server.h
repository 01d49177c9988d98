/*
 * metrics_server — the HTTP endpoint (/metrics, /-/ready, /-/healthy) on libmicrohttpd,
 * run from the daemon's own event loop: no threads, so scrapes and record handling never
 * race. Every route stands behind the endpoint guard (TLS, basic auth, abuse limits; see
 * endpoint_guard.h). Answers GET and HEAD only (405 otherwise), gzips the metrics when the
 * scrape's Accept-Encoding allows it, and hands ?name[]= and Accept to the renderer.
 */
#ifndef FEE_METRICS_SERVER_H
#define FEE_METRICS_SERVER_H

#include <stddef.h>

#include "serve/endpoint_guard.h"
#include "util/strbuf.h"

struct metrics_server;

/* What a scrape asked for. */
struct scrape_request {
	const char *accept;	  /* the Accept header, NULL when absent */
	const char *const *names; /* the ?name[]= values, NULL when none */
	size_t n_names;
};

/* Writes the exposition for one scrape into out and its Content-Type into *content_type.
 * Returns 0 or -errno. */
typedef int (*metrics_render_fn)(void *ctx, const struct scrape_request *req, struct strbuf *out,
				 const char **content_type);

/* Listens on host:port ("" = all interfaces, port 0 = any free port), behind guard (TLS,
 * auth, limits; the server owns it from here, also on failure). NULL + errno, and a logged
 * message, on failure. */
struct metrics_server *metrics_server_start(const char *host, int port,
					    struct endpoint_guard *guard, metrics_render_fn render,
					    void *ctx);
void metrics_server_stop(struct metrics_server *s);

/* Whether it speaks HTTPS. */
int metrics_server_tls(const struct metrics_server *s);
/* The port actually bound. */
int metrics_server_port(const struct metrics_server *s);
/* Readable when the server has work: then call metrics_server_run. */
int metrics_server_epoll_fd(const struct metrics_server *s);
/* Handles whatever connections are ready, without blocking. */
void metrics_server_run(struct metrics_server *s);
/* Serve the metrics at this path instead of /metrics (copied). 0 or -ENOMEM. */
int metrics_server_set_path(struct metrics_server *s, const char *path);
/* Until /-/ready says 200. */
void metrics_server_set_ready(struct metrics_server *s, int ready);
/* SIGHUP: re-read the web config (a failure keeps the old one and is logged). */
void metrics_server_reload(struct metrics_server *s);
/* Refusals by reason, open connections, reloads: for the self-metrics. */
void metrics_server_stats(const struct metrics_server *s, struct endpoint_stats *out);

/* Writes the HTML page at `/` into out. Returns 0 or -errno. */
typedef int (*metrics_page_fn)(void *ctx, struct strbuf *out);
/* The page at `/` (serve/landing_page.h); without one, `/` is a link to the metrics. */
void metrics_server_set_index(struct metrics_server *s, metrics_page_fn page, void *ctx);

#endif
