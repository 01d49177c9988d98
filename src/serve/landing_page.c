// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/landing_page.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Refresh period of the page, in seconds. */
#define LANDING_PAGE_REFRESH 5

int landing_page_escape(struct strbuf *out, const char *s)
{
	int err = 0;

	for (; !err && *s; s++) {
		switch (*s) {
		case '&':
			err = strbuf_puts(out, "&amp;");
			break;
		case '<':
			err = strbuf_puts(out, "&lt;");
			break;
		case '>':
			err = strbuf_puts(out, "&gt;");
			break;
		case '"':
			err = strbuf_puts(out, "&quot;");
			break;
		case '\'':
			err = strbuf_puts(out, "&#39;");
			break;
		default:
			err = strbuf_putc(out, *s);
		}
	}
	return err;
}

static const char style[] =
	"body{font-family:system-ui,sans-serif;margin:2em;max-width:72em;color:#222}"
	"h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.5em}"
	"table{border-collapse:collapse}td,th{padding:.25em .8em;border-bottom:1px solid #ddd;"
	"text-align:left}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
	"tr.error td{color:#b00020}dl{display:grid;grid-template-columns:max-content auto;"
	"gap:.2em 1em}dt{font-weight:bold}";

static int uptime(struct strbuf *out, double seconds)
{
	long s = (long)seconds;

	if (s >= 86400)
		return strbuf_printf(out, "%ldd %ldh %ldm", s / 86400, s % 86400 / 3600,
				     s % 3600 / 60);
	if (s >= 3600)
		return strbuf_printf(out, "%ldh %ldm %lds", s / 3600, s % 3600 / 60, s % 60);
	return strbuf_printf(out, "%ldm %lds", s / 60, s % 60);
}

static int milliseconds(struct strbuf *out, double seconds)
{
	if (isnan(seconds))
		return strbuf_puts(out, "<td class=\"num\">–</td>");
	return strbuf_printf(out, "<td class=\"num\">%.1f ms</td>", seconds * 1000);
}

static int write_target(struct strbuf *out, const struct config_target *t, unsigned int procs)
{
	int err = strbuf_printf(out, "<tr><td>%s</td><td>", target_kind_name(t->kind));

	if (!err && t->kind == TARGET_PID)
		err = strbuf_printf(out, "%d", (int)t->pid);
	else if (!err && t->kind == TARGET_PORT)
		err = strbuf_printf(out, "%d", t->port);
	else if (!err)
		err = landing_page_escape(out, t->path ? t->path : "");
	if (!err)
		err = strbuf_puts(out, "</td><td>");
	for (size_t i = 0; !err && i < t->n_labels; i++) {
		err = strbuf_puts(out, i ? ", " : "");
		if (!err)
			err = landing_page_escape(out, t->labels[i].key);
		if (!err)
			err = strbuf_putc(out, '=');
		if (!err)
			err = landing_page_escape(out, t->labels[i].value);
	}
	return err ? err
		   : strbuf_printf(out, "</td><td class=\"num\" data-processes=\"%u\">%u</td></tr>",
				   procs, procs);
}

static int write_targets(struct strbuf *out, const struct landing_page *p)
{
	int err = strbuf_puts(out, "<h2>Targets</h2><table id=\"targets\"><tr><th>kind</th>"
				   "<th>target</th><th>labels</th><th class=\"num\">processes</th>"
				   "</tr>");

	for (size_t i = 0; !err && i < p->n_targets; i++)
		err = write_target(out, &p->targets[i],
				   p->target_processes ? p->target_processes[i] : 0);
	return err ? err : strbuf_puts(out, "</table>");
}

static int write_route(struct strbuf *out, const struct route_row *r)
{
	int err = strbuf_printf(out, "<tr class=\"%s\"><td>", r->error_share > 0 ? "error" : "");

	if (!err)
		err = landing_page_escape(out, r->method);
	if (!err)
		err = strbuf_puts(out, "</td><td class=\"route\">");
	if (!err)
		err = landing_page_escape(out, r->route);
	if (!err)
		err = strbuf_printf(out,
				    "</td><td class=\"num rate\" data-rate=\"%.6f\">%.2f</td>"
				    "<td class=\"num\">%.1f %%</td>",
				    r->rate, r->rate, r->error_share * 100);
	if (!err)
		err = milliseconds(out, r->p50);
	if (!err)
		err = milliseconds(out, r->p90);
	if (!err)
		err = milliseconds(out, r->p99);
	return err ? err : strbuf_puts(out, "</tr>");
}

static int write_routes(struct strbuf *out, const struct landing_page *p)
{
	size_t n = p->n_rows < LANDING_PAGE_ROUTES ? p->n_rows : LANDING_PAGE_ROUTES;
	int err = strbuf_printf(out,
				"<h2>Busiest routes, last %.0f s</h2>"
				"<table id=\"routes\"><tr><th>method</th><th>route</th>"
				"<th class=\"num\">req/s</th><th class=\"num\">5xx</th>"
				"<th class=\"num\">p50</th><th class=\"num\">p90</th>"
				"<th class=\"num\">p99</th></tr>",
				p->window_seconds);

	for (size_t i = 0; !err && i < n; i++)
		err = write_route(out, &p->rows[i]);
	if (!err && !n)
		err = strbuf_puts(out, "<tr><td colspan=\"7\">no requests in this interval"
				       "</td></tr>");
	return err ? err : strbuf_puts(out, "</table>");
}

int landing_page_write(const struct landing_page *p, struct strbuf *out)
{
	int err = strbuf_printf(out,
				"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
				"<meta http-equiv=\"refresh\" content=\"%d\">"
				"<title>flask_ebpf_exporter</title><style>%s</style></head><body>"
				"<h1>flask_ebpf_exporter</h1><dl id=\"status\">"
				"<dt>version</dt><dd id=\"version\">",
				LANDING_PAGE_REFRESH, style);

	if (!err)
		err = landing_page_escape(out, p->version);
	if (!err)
		err = strbuf_puts(out, "</dd><dt>hook mode</dt><dd id=\"hook-mode\">");
	if (!err)
		err = landing_page_escape(out, p->hook_mode);
	if (!err)
		err = strbuf_puts(out, "</dd><dt>uptime</dt><dd id=\"uptime\">");
	if (!err)
		err = uptime(out, p->uptime_seconds);
	if (!err)
		err = strbuf_printf(out,
				    "</dd><dt>state</dt><dd id=\"ready\">%s</dd>"
				    "<dt>processes watched</dt><dd id=\"processes\">%u</dd>"
				    "<dt>process metrics</dt><dd>%s</dd></dl>",
				    p->ready ? "ready" : "attaching probes", p->processes_watched,
				    p->process_metrics ? "exported (process_*, python_info)"
						       : "off");
	if (!err)
		err = write_targets(out, p);
	if (!err)
		err = write_routes(out, p);
	if (!err)
		err = strbuf_puts(out, "<h2>Endpoints</h2><ul><li><a id=\"metrics-link\" href=\"");
	if (!err)
		err = landing_page_escape(out, p->metrics_path);
	if (!err)
		err = strbuf_puts(out, "\">");
	if (!err)
		err = landing_page_escape(out, p->metrics_path);
	if (!err)
		err = strbuf_puts(out,
				  "</a>: the metrics (Prometheus text, OpenMetrics)</li>"
				  "<li><a href=\"/-/ready\">/-/ready</a>: 200 once every probe "
				  "is attached</li><li><a href=\"/-/healthy\">/-/healthy</a>: "
				  "200 while the exporter runs</li></ul></body></html>\n");
	return err;
}
