// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/endpoint_metrics.h"

#include <errno.h>

/* A success/failure pair of children of a counter family labelled result. */
static int add_results(struct registry *r, const char *name, const char *help,
		       struct metric_child **out)
{
	static const char *const label[] = { "result" };
	static const char *const results[] = { "success", "failure" };
	struct metric_family *f =
		registry_add_family(r, name, help, METRIC_COUNTER, label, 1, NULL, 0);

	if (!f)
		return -errno;
	for (int i = 0; i < 2; i++) {
		out[i] = metric_family_child(f, &results[i]);
		if (!out[i])
			return -errno;
	}
	return 0;
}

int endpoint_metrics_init(struct endpoint_metrics *m, struct registry *r,
			  const char *const *reasons, size_t n_reasons)
{
	static const char *const reason_label[] = { "reason" };
	struct metric_family *rejected, *conns;
	int err;

	if (n_reasons > ENDPOINT_METRICS_MAX_REASONS)
		return -EINVAL;
	rejected = registry_add_family(
		r, "flask_ebpf_exporter_endpoint_rejections",
		"Connections and requests the metrics endpoint turned away, by reason (README: "
		"Securing the endpoint)",
		METRIC_COUNTER, reason_label, 1, NULL, 0);
	conns = registry_add_family(r, "flask_ebpf_exporter_endpoint_connections",
				    "Connections open to the metrics endpoint", METRIC_GAUGE, NULL,
				    0, NULL, 0);
	if (!rejected || !conns)
		return -errno;
	for (size_t i = 0; i < n_reasons; i++) {
		m->rejected[i] = metric_family_child(rejected, &reasons[i]);
		if (!m->rejected[i])
			return -errno;
	}
	m->n_reasons = n_reasons;
	m->connections = metric_family_child(conns, NULL);
	if (!m->connections)
		return -errno;
	err = add_results(r, "flask_ebpf_exporter_web_config_reloads",
			  "Re-reads of --web.config.file on SIGHUP, by result", m->config_reloads);
	if (!err)
		err = add_results(r, "flask_ebpf_exporter_tls_certificate_reloads",
				  "Re-reads of the TLS certificate and key after their files "
				  "changed, by result",
				  m->cert_reloads);
	return err;
}

void endpoint_metrics_update(struct endpoint_metrics *m, const struct endpoint_figures *f)
{
	for (size_t i = 0; i < m->n_reasons; i++)
		metric_child_set(m->rejected[i], (double)f->rejected[i]);
	metric_child_set(m->connections, (double)f->connections);
	metric_child_set(m->config_reloads[0], (double)f->config_reloads);
	metric_child_set(m->config_reloads[1], (double)f->config_reload_failures);
	metric_child_set(m->cert_reloads[0], (double)f->cert_reloads);
	metric_child_set(m->cert_reloads[1], (double)f->cert_reload_failures);
}
