// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/endpoint_guard.h"

#include "serve/basic_auth.h"
#include "util/log.h"
#include "config/web_config.h"
#include "serve/web_tls.h"

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

/* Room above max_connections for connections we shut that libmicrohttpd has not closed yet,
 * so it keeps accepting (at its own limit it stops, and a scraper waits in the backlog). */
#define CLOSING_MARGIN 256
/* File descriptors the daemon needs besides the endpoint's connections (BPF maps, links,
 * /proc, the ring buffer), kept free when the connection limit is fitted to RLIMIT_NOFILE. */
#define OTHER_FDS 256

static const char *const reject_names[REJECT__COUNT] = {
	[REJECT_CONNECTION_LIMIT] = "connection_limit",
	[REJECT_REQUEST_TIMEOUT] = "request_timeout",
	[REJECT_IDLE_TIMEOUT] = "idle_timeout",
	[REJECT_HEADER_TOO_LARGE] = "header_too_large",
	[REJECT_BAD_REQUEST] = "bad_request",
	[REJECT_TOO_MANY_NAMES] = "too_many_names",
	[REJECT_TLS_HANDSHAKE] = "tls_handshake",
	[REJECT_CLIENT_CERT] = "client_cert",
	[REJECT_UNAUTHORIZED] = "unauthorized",
	[REJECT_RATE_LIMITED] = "rate_limited",
};

/* One reading of the web config, shared by the connections that started under it. */
struct settings {
	int refs;
	struct web_config wc;
	struct basic_auth *auth;
	struct web_tls *tls; /* NULL: plain HTTP */
};

/* Our record of one connection (libmicrohttpd's socket context). */
struct guard_conn {
	struct guard_conn *prev, *next; /* the waiting list, oldest first */
	int waiting;
	long long since_ms; /* waiting for a request head since */
	int fd;
	struct settings *settings;
	struct web_tls_keypair *keypair; /* the certificate this connection was shown */
	int closing;			 /* we shut it; the reason is counted */
	int requests;			 /* requests the handler saw */
	int uri_seen;			 /* a request line is in, the handler not called yet */
	int counted;			 /* a refusal of this connection is counted already */
	int cert_refused;		 /* our check refused the client's certificate */
	int cert_msg_seen;		 /* the client sent a Certificate message (maybe empty) */
	int handshake_done;
};

struct endpoint_guard {
	struct config_web_limits limits;
	char *file; /* --web.config.file; NULL: none */
	struct settings *settings;
	struct guard_conn *head, *tail;
	unsigned long n_conns, n_closing;
	unsigned long rejected[REJECT__COUNT];
	unsigned long config_reloads, config_reload_failures;
	/* rate_limit's token bucket */
	double tokens;
	long long tokens_at_ms;
	char priorities[1024];
};

const char *endpoint_reject_name(enum endpoint_reject r)
{
	return reject_names[r];
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- settings --------------------------------------------------------------------------- */

static void settings_unref(struct settings *s)
{
	if (!s || --s->refs)
		return;
	basic_auth_free(s->auth);
	web_tls_unref(s->tls);
	web_config_release(&s->wc);
	free(s);
}

/* Reads the web config and everything it names. NULL + message in err. */
static struct settings *settings_load(const char *file, char *err, size_t size)
{
	struct settings *s = calloc(1, sizeof(*s));
	int ret;

	if (!s) {
		snprintf(err, size, "out of memory");
		return NULL;
	}
	s->refs = 1;
	web_config_init(&s->wc);
	ret = file ? web_config_load_file(&s->wc, file, err, size) : 0;
	if (!ret) {
		s->auth = basic_auth_new(s->wc.users, s->wc.n_users);
		ret = s->auth ? 0 : -ENOMEM;
		if (ret)
			snprintf(err, size, "out of memory");
	}
	if (!ret && s->wc.tls) {
		s->tls = web_tls_new(&s->wc, err, size);
		ret = s->tls ? 0 : -errno;
	}
	if (ret) {
		settings_unref(s);
		return NULL;
	}
	return s;
}

/* --- the waiting list ------------------------------------------------------------------- */

static void unlink_waiting(struct endpoint_guard *g, struct guard_conn *c)
{
	if (!c->waiting)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		g->tail = c->prev;
	c->prev = c->next = NULL;
	c->waiting = 0;
}

static void start_waiting(struct endpoint_guard *g, struct guard_conn *c)
{
	unlink_waiting(g, c);
	c->since_ms = now_ms();
	c->prev = g->tail;
	if (g->tail)
		g->tail->next = c;
	else
		g->head = c;
	g->tail = c;
	c->waiting = 1;
}

/* Shuts the socket: libmicrohttpd sees the end on its next turn and closes it (the fd stays
 * its own to close). */
static void shut(struct endpoint_guard *g, struct guard_conn *c, enum endpoint_reject why)
{
	unlink_waiting(g, c);
	if (c->closing)
		return;
	c->closing = 1;
	g->n_closing++;
	g->rejected[why]++;
	shutdown(c->fd, SHUT_RDWR);
}

void endpoint_guard_tick(struct endpoint_guard *g)
{
	long long deadline = now_ms() - g->limits.request_timeout * 1000;

	while (g->head && g->head->since_ms <= deadline)
		shut(g, g->head, REJECT_REQUEST_TIMEOUT);
	/* Over the limit: the connections that have waited longest for a request make room.
	 * Decided after libmicrohttpd's turn, not as they arrive, so a scraper that connected
	 * in a flood has had its request read (and is no longer waiting) by then; slow and
	 * idle clients go first. */
	while (g->head && g->n_conns - g->n_closing > (unsigned long)g->limits.max_connections)
		shut(g, g->head, REJECT_CONNECTION_LIMIT);
}

/* --- libmicrohttpd's notices ----------------------------------------------------------- */

static struct guard_conn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

static gnutls_session_t session_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);

	return info ? info->tls_session : NULL;
}

/* During the handshake, once the client's certificates are in (GnuTLS calls it). */
static int verify_client(gnutls_session_t session)
{
	struct MHD_Connection *conn = gnutls_session_get_ptr(session);
	struct guard_conn *c = conn ? conn_of(conn) : NULL;
	char why[256];

	if (!c || !c->settings->tls)
		return GNUTLS_E_CERTIFICATE_ERROR;
	if (!web_tls_verify_peer(c->settings->tls, session, why, sizeof(why)))
		return 0;
	c->cert_refused = 1;
	log_debug("TLS: refused a client: %s", why);
	return GNUTLS_E_CERTIFICATE_ERROR;
}

/* GnuTLS calls this around each handshake message. The client's Finished ends the
 * handshake (TLS 1.2 and 1.3 alike); its Certificate message, seen before GnuTLS judges it,
 * tells a refused or missing client certificate from other handshake failures. */
static int handshake_hook(gnutls_session_t session, unsigned int htype, unsigned int when,
			  unsigned int incoming, const gnutls_datum_t *msg)
{
	struct MHD_Connection *conn = gnutls_session_get_ptr(session);
	struct guard_conn *c = conn ? conn_of(conn) : NULL;

	if (!c || !incoming)
		return 0;
	if (htype == GNUTLS_HANDSHAKE_CERTIFICATE_PKT && when == GNUTLS_HOOK_PRE)
		c->cert_msg_seen = 1;
	if (htype == GNUTLS_HANDSHAKE_FINISHED && when == GNUTLS_HOOK_POST)
		c->handshake_done = 1;
	return 0;
}

static void connection_started(struct endpoint_guard *g, struct MHD_Connection *conn,
			       void **socket_context)
{
	const union MHD_ConnectionInfo *fd =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct guard_conn *c = calloc(1, sizeof(*c));
	gnutls_session_t session;

	g->n_conns++;
	*socket_context = c;
	if (!c) { /* without a record we cannot bound it: refuse it */
		if (fd)
			shutdown(fd->connect_fd, SHUT_RDWR);
		return;
	}
	c->fd = fd ? fd->connect_fd : -1;
	c->settings = g->settings;
	c->settings->refs++;
	start_waiting(g, c);
	if (c->settings->tls && (session = session_of(conn))) {
		if (web_tls_setup_session(c->settings->tls, session))
			shut(g, c, REJECT_TLS_HANDSHAKE);
		gnutls_handshake_set_hook_function(session, GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_BOTH,
						   handshake_hook);
		if (web_client_auth_requests(c->settings->wc.client_auth) ||
		    c->settings->wc.n_allowed_sans)
			gnutls_session_set_verify_function(session, verify_client);
	}
}

/* Bytes the peer sent on this TCP connection so far (0 when unknown). */
static unsigned long long bytes_received(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return 0;
	return len >= offsetof(struct tcp_info, tcpi_bytes_received) +
				       sizeof(ti.tcpi_bytes_received)
		       ? ti.tcpi_bytes_received
		       : 0;
}

/* A connection that closes without ever reaching the handler, having sent something, was
 * refused by libmicrohttpd or GnuTLS before we saw a request: count why. */
static void count_unserved(struct endpoint_guard *g, struct guard_conn *c,
			   struct MHD_Connection *conn)
{
	if (c->closing || c->counted || c->requests || c->uri_seen || !bytes_received(c->fd))
		return;
	if (c->cert_refused || (c->settings->tls && !c->handshake_done && c->cert_msg_seen &&
				web_client_auth_requests(c->settings->wc.client_auth)))
		g->rejected[REJECT_CLIENT_CERT]++;
	else if (c->settings->tls && !c->handshake_done)
		g->rejected[REJECT_TLS_HANDSHAKE]++;
	else
		g->rejected[REJECT_BAD_REQUEST]++;
}

static void connection_closed(struct endpoint_guard *g, struct MHD_Connection *conn,
			      void **socket_context)
{
	struct guard_conn *c = *socket_context;

	g->n_conns--;
	if (!c)
		return;
	count_unserved(g, c, conn);
	unlink_waiting(g, c);
	if (c->closing)
		g->n_closing--;
	web_tls_keypair_unref(c->keypair);
	settings_unref(c->settings);
	free(c);
	*socket_context = NULL;
}

static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			      enum MHD_ConnectionNotificationCode code)
{
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		connection_started(cls, conn, socket_context);
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
		connection_closed(cls, conn, socket_context);
}

/* A request line is in (before its headers): see request_completed. */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct guard_conn *c = conn_of(conn);

	if (c)
		c->uri_seen = 1;
	return NULL;
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct endpoint_guard *g = cls;
	struct guard_conn *c = conn_of(conn);

	if (!c)
		return;
	if (!c->closing) {
		if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
			g->rejected[REJECT_IDLE_TIMEOUT]++;
		else if (c->uri_seen) /* libmicrohttpd answered the head itself (431, 400) */
			g->rejected[REJECT_BAD_REQUEST]++;
		c->counted |= toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED || c->uri_seen;
	}
	c->uri_seen = 0;
	if (!c->closing)
		start_waiting(g, c); /* the next request's clock starts now */
}

/* GnuTLS asks which certificate to present: the current pair, re-read if its files
 * changed. The connection holds it until it closes. */
static int retrieve_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
			 const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
			 gnutls_pcert_st **pcert, unsigned int *pcert_length,
			 gnutls_privkey_t *pkey)
{
	struct MHD_Connection *conn = gnutls_session_get_ptr(session);
	struct guard_conn *c = conn ? conn_of(conn) : NULL;

	if (!c || !c->settings->tls)
		return -1;
	if (!c->keypair)
		c->keypair = web_tls_current_keypair(c->settings->tls);
	web_tls_keypair_get(c->keypair, pcert, pcert_length, pkey);
	return 0;
}

/* --- the daemon ------------------------------------------------------------------------- */

/* libmicrohttpd's own messages (a peer that hung up, a bad handshake) come by the thousand
 * under abuse: debug messages (--verbose) only; the refusals are counted anyway. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	if (len && msg[len - 1] == '\n')
		msg[len - 1] = '\0';
	log_debug("libmicrohttpd: %s", msg);
}

/* Makes room for the connections under RLIMIT_NOFILE: the soft limit is raised toward the
 * hard one; what still does not fit lowers the connection limit, said once. */
static void fit_fd_limit(struct config_web_limits *l)
{
	rlim_t need = (rlim_t)l->max_connections + CLOSING_MARGIN + OTHER_FDS;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur >= need || rl.rlim_cur < CLOSING_MARGIN + OTHER_FDS + 16)
		return;
	l->max_connections = (long)(rl.rlim_cur - CLOSING_MARGIN - OTHER_FDS);
	log_info("RLIMIT_NOFILE is %lu: serving at most %ld connections",
		 (unsigned long)rl.rlim_cur, l->max_connections);
}

int endpoint_guard_tls(const struct endpoint_guard *g)
{
	return g->settings->tls != NULL;
}

unsigned int endpoint_guard_mhd_flags(const struct endpoint_guard *g)
{
	return endpoint_guard_tls(g) ? MHD_USE_TLS : 0;
}

void endpoint_guard_mhd_options(struct endpoint_guard *g, struct MHD_OptionItem *opts)
{
	/* The pool holds the request head and our response headers: room for a head of
	 * max_header_bytes plus as much again, so the handler sees (and counts) an oversized
	 * head before libmicrohttpd's own limit cuts it. */
	size_t pool = (size_t)g->limits.max_header_bytes * 2 + 8192;
	size_t n = 0;

	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
					     (intptr_t)(g->limits.max_connections + CLOSING_MARGIN),
					     NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
					     (intptr_t)g->limits.idle_timeout, NULL };
	opts[n++] =
		(struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)pool, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
					     (intptr_t)notify_connection, g };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
					     (intptr_t)request_completed, g };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_seen, g };
	if (endpoint_guard_tls(g)) {
		web_tls_priority(&g->settings->wc, g->priorities, sizeof(g->priorities));
		opts[n++] =
			(struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0, g->priorities };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
						     (void *)retrieve_cert };
	}
	opts[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
}

struct endpoint_guard *endpoint_guard_new(const struct config_web_limits *limits,
					  const char *web_config_file, char *err, size_t err_size)
{
	struct endpoint_guard *g = calloc(1, sizeof(*g));

	if (!g)
		goto nomem;
	g->limits = *limits;
	fit_fd_limit(&g->limits);
	if (web_config_file && !(g->file = strdup(web_config_file)))
		goto nomem;
	g->settings = settings_load(g->file, err, err_size);
	if (!g->settings) {
		endpoint_guard_free(g);
		errno = EINVAL;
		return NULL;
	}
	g->tokens = (double)g->settings->wc.rate_burst;
	g->tokens_at_ms = now_ms();
	return g;
nomem:
	free(g);
	snprintf(err, err_size, "out of memory");
	errno = ENOMEM;
	return NULL;
}

void endpoint_guard_free(struct endpoint_guard *g)
{
	if (!g)
		return;
	settings_unref(g->settings);
	free(g->file);
	free(g);
}

int endpoint_guard_reload(struct endpoint_guard *g)
{
	struct settings *s;
	char err[512];

	if (!g->file)
		return 0;
	s = settings_load(g->file, err, sizeof(err));
	if (s && !s->tls != !g->settings->tls) {
		snprintf(err, sizeof(err), "%s: switching TLS %s needs a restart", g->file,
			 s->tls ? "on" : "off");
		settings_unref(s);
		s = NULL;
	}
	if (!s) {
		g->config_reload_failures++;
		log_error("web config not reloaded, keeping the settings in force: %s", err);
		return -EINVAL;
	}
	settings_unref(g->settings);
	g->settings = s;
	g->tokens = (double)s->wc.rate_burst;
	g->tokens_at_ms = now_ms();
	g->config_reloads++;
	log_info("web config reloaded from %s (%zu users, TLS %s)", g->file, s->wc.n_users,
		 s->tls ? "on" : "off");
	return 0;
}

/* --- requests --------------------------------------------------------------------------- */

void endpoint_guard_request_started(struct endpoint_guard *g, struct MHD_Connection *conn)
{
	struct guard_conn *c = conn_of(conn);

	if (!c)
		return;
	c->requests++;
	c->uri_seen = 0;
	unlink_waiting(g, c);
}

/* rate_limit: one token per request, refilled every interval, up to burst. */
static int take_token(struct endpoint_guard *g)
{
	const struct web_config *wc = &g->settings->wc;
	long long now = now_ms();

	if (wc->rate_interval <= 0)
		return 1;
	g->tokens += (double)(now - g->tokens_at_ms) / 1000.0 / wc->rate_interval;
	if (g->tokens > (double)wc->rate_burst)
		g->tokens = (double)wc->rate_burst;
	g->tokens_at_ms = now;
	if (g->tokens < 1)
		return 0;
	g->tokens -= 1;
	return 1;
}

static enum MHD_Result refuse(struct endpoint_guard *g, struct MHD_Connection *conn,
			      unsigned int status, const char *text, enum endpoint_reject why)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_NO;

	g->rejected[why]++;
	if (!resp)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				    "text/plain; charset=utf-8") == MHD_YES &&
	    endpoint_guard_add_headers(g, resp) == MHD_YES &&
	    (status != MHD_HTTP_UNAUTHORIZED ||
	     MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				     "Basic realm=\"flask_ebpf_exporter\"") == MHD_YES))
		ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int authorized(struct endpoint_guard *g, struct MHD_Connection *conn)
{
	char *password = NULL;
	char *user;
	int ok;

	if (!basic_auth_enabled(g->settings->auth))
		return 1;
	user = MHD_basic_auth_get_username_password(conn, &password);
	ok = basic_auth_check(g->settings->auth, user, password);
	if (password)
		explicit_bzero(password, strlen(password));
	MHD_free(user);
	MHD_free(password);
	return ok;
}

int endpoint_guard_admit(struct endpoint_guard *g, struct MHD_Connection *conn,
			 enum MHD_Result *ret)
{
	const union MHD_ConnectionInfo *head =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);

	if (!take_token(g)) {
		*ret = refuse(g, conn, MHD_HTTP_TOO_MANY_REQUESTS, "Too Many Requests\n",
			      REJECT_RATE_LIMITED);
		return 0;
	}
	if (head && head->header_size > (size_t)g->limits.max_header_bytes) {
		*ret = refuse(g, conn, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
			      "Request Header Fields Too Large\n", REJECT_HEADER_TOO_LARGE);
		return 0;
	}
	if (!authorized(g, conn)) {
		*ret = refuse(g, conn, MHD_HTTP_UNAUTHORIZED, "Unauthorized\n",
			      REJECT_UNAUTHORIZED);
		return 0;
	}
	return 1;
}

enum MHD_Result endpoint_guard_add_headers(struct endpoint_guard *g, struct MHD_Response *resp)
{
	const struct web_config *wc = &g->settings->wc;

	for (size_t i = 0; i < wc->n_headers; i++)
		if (MHD_add_response_header(resp, wc->headers[i].key, wc->headers[i].value) !=
		    MHD_YES)
			return MHD_NO;
	return MHD_YES;
}

long endpoint_guard_max_names(const struct endpoint_guard *g)
{
	return g->limits.max_names;
}

void endpoint_guard_count(struct endpoint_guard *g, enum endpoint_reject r)
{
	g->rejected[r]++;
}

void endpoint_guard_stats(const struct endpoint_guard *g, struct endpoint_stats *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->rejected, g->rejected, sizeof(out->rejected));
	out->connections = g->n_conns;
	out->config_reloads = g->config_reloads;
	out->config_reload_failures = g->config_reload_failures;
	if (g->settings->tls) {
		out->cert_reloads = web_tls_reloads(g->settings->tls);
		out->cert_reload_failures = web_tls_reload_failures(g->settings->tls);
	}
}
