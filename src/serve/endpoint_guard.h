/*
 * endpoint_guard — what stands in front of every route of our HTTP endpoint: the web config
 * (--web.config.file: TLS, client certificates, basic auth, rate limit, extra headers) and
 * the abuse limits (connections, timeouts, header size, name[] parameters). It plugs into
 * libmicrohttpd through daemon options (connection and completion notices, the certificate
 * callback) and two calls from the request handler; every refusal is counted by reason.
 *
 * The web config is read at start and again on endpoint_guard_reload() (SIGHUP); a reload
 * that fails keeps the settings in force and logs why. Certificate and key files are
 * re-read on their own when they change (see web_tls.h). Each connection keeps the TLS
 * settings it started with, so a reload never pulls them from under a handshake.
 */
#ifndef FEE_ENDPOINT_GUARD_H
#define FEE_ENDPOINT_GUARD_H

#include <microhttpd.h>
#include <stddef.h>

#include "config/config.h"

/* Why a connection or request was turned away: the label of
 * flask_ebpf_exporter_endpoint_rejections_total{reason}. */
enum endpoint_reject {
	REJECT_CONNECTION_LIMIT,
	REJECT_REQUEST_TIMEOUT,
	REJECT_IDLE_TIMEOUT,
	REJECT_HEADER_TOO_LARGE,
	REJECT_BAD_REQUEST,
	REJECT_TOO_MANY_NAMES,
	REJECT_TLS_HANDSHAKE,
	REJECT_CLIENT_CERT,
	REJECT_UNAUTHORIZED,
	REJECT_RATE_LIMITED,
	REJECT__COUNT,
};

struct endpoint_stats {
	unsigned long rejected[REJECT__COUNT];
	unsigned long connections; /* open now */
	unsigned long config_reloads, config_reload_failures;
	unsigned long cert_reloads, cert_reload_failures;
};

struct endpoint_guard;

const char *endpoint_reject_name(enum endpoint_reject r);

/*
 * Reads web_config_file (NULL: plain HTTP, no users) and its certificates. NULL + errno on
 * failure, with "FILE:LINE: KEY: MESSAGE" in err (EINVAL).
 */
struct endpoint_guard *endpoint_guard_new(const struct config_web_limits *limits,
					  const char *web_config_file, char *err, size_t err_size);
void endpoint_guard_free(struct endpoint_guard *g);

/* Whether the endpoint speaks TLS. */
int endpoint_guard_tls(const struct endpoint_guard *g);
/* The daemon options (MHD_OPTION_ARRAY items, MHD_OPTION_END last) into opts, which has room
 * for ENDPOINT_GUARD_MHD_OPTIONS items; and the flags to add (MHD_USE_TLS or 0). */
#define ENDPOINT_GUARD_MHD_OPTIONS 13
void endpoint_guard_mhd_options(struct endpoint_guard *g, struct MHD_OptionItem *opts);
unsigned int endpoint_guard_mhd_flags(const struct endpoint_guard *g);

/* From the request handler's first call (headers in): the request is no longer waiting. */
void endpoint_guard_request_started(struct endpoint_guard *g, struct MHD_Connection *conn);
/*
 * Before any route: rate limit, header size and basic auth. 1 when the request may go on;
 * 0 when it was answered here (429, 431 or 401, counted), *ret holding what to return.
 */
int endpoint_guard_admit(struct endpoint_guard *g, struct MHD_Connection *conn,
			 enum MHD_Result *ret);
/* The web config's http_server_config.headers onto a response. MHD_YES or MHD_NO. */
enum MHD_Result endpoint_guard_add_headers(struct endpoint_guard *g, struct MHD_Response *resp);
/* The cap on ?name[]= parameters, and the count of a refusal made by the caller. */
long endpoint_guard_max_names(const struct endpoint_guard *g);
void endpoint_guard_count(struct endpoint_guard *g, enum endpoint_reject r);

/* Often (each loop turn): closes connections past the request timeout. */
void endpoint_guard_tick(struct endpoint_guard *g);
/* SIGHUP: re-reads the web config. 0, or -EINVAL with the old settings kept (logged). */
int endpoint_guard_reload(struct endpoint_guard *g);

void endpoint_guard_stats(const struct endpoint_guard *g, struct endpoint_stats *out);

#endif
