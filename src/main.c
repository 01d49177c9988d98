// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * flask_ebpf_exporter: wires the modules together and runs the event loop.
 *
 * One thread does everything: the loop waits on the ring buffer and the HTTP server,
 * drains records into the registry on a short timer (the kernel batches wakeups) and
 * before every scrape, so a scrape always includes every request finished before it.
 */
#include "capture/loader.h"
#include "capture/privileges.h"
#include "capture/record_ring.h"
#include "capture/tls_refresh.h"
#include "config/cli.h"
#include "config/config.h"
#include "config/routes.h"
#include "http/observed_request.h"
#include "http/path_filter.h"
#include "http/route_table.h"
#include "metrics/custom_metrics.h"
#include "metrics/endpoint_metrics.h"
#include "metrics/exposition.h"
#include "metrics/info_gauges.h"
#include "metrics/openmetrics.h"
#include "metrics/process_metrics.h"
#include "metrics/registry.h"
#include "metrics/request_metrics.h"
#include "metrics/route_rates.h"
#include "metrics/kube_api_metrics.h"
#include "metrics/self_metrics.h"
#include "metrics/series_cap.h"
#include "serve/accept_header.h"
#include "serve/endpoint_guard.h"
#include "serve/landing_page.h"
#include "serve/metrics_server.h"
#include "targets/kube_api_select.h"
#include "targets/kube_discovery.h"
#include "serve/top_remote.h"
#include "serve/top_view.h"
#include "targets/kube_metadata.h"
#include "targets/target_watch.h"
#include "util/log.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

/* How often waiting records are drained when no wakeup comes. */
#define DRAIN_INTERVAL_MS 100
/* How often new target processes are looked at for OpenSSL libraries to probe. */
#define REFRESH_INTERVAL_MS 1000
/* Probed TLS libraries listed in the self-metric (each is one series). */
#define MAX_TLS_LIBRARIES_SHOWN 64
/* Members of watched cgroups looked at per OpenSSL refresh. */
#define MAX_CGROUP_MEMBERS 65536
/* The last target index a record can carry (fee_request_record.target is 16 bits). */
#define MAX_TARGET_INDEX 65535

/* A watched pod container's own self-metric. */
struct kube_target {
	__u64 cgroup_id;
	__u32 target;
	struct metric_child *processes; /* flask_ebpf_exporter_target_processes{...} */
};
/* "Right now" on the landing page: rates over ~10 s, sampled every 2 s. `top` redraws
 * every second with rates over 5 s. */
#define PAGE_SAMPLE_MS 2000
#define PAGE_WINDOW_S 10.0
#define TOP_SAMPLE_MS 1000
#define TOP_WINDOW_S 5.0

struct exporter {
	const struct exporter_config *cfg;
	struct route_table *routes; /* the app's routes (routes: in the config); NULL: none */
	struct registry *registry;
	struct path_filter *exclude;
	struct request_metrics requests;
	struct custom_metrics *custom; /* NULL: no metrics: in the config */
	struct self_metrics self;
	struct capture *capture;
	struct target_watch *targets;
	struct metrics_server *server;
	/* --kubernetes: the discovery, the label names its targets set, their gauges. */
	struct kube_discovery *kube;
	const char *kube_keys[KUBE_LABEL_ROLES];
	size_t n_kube_keys;
	struct kube_target *kube_targets;
	size_t n_kube_targets;
	/* kubernetes.api: pod metadata from the API server (NULL: off), the labels it adds
	 * after kube_keys (series_keys = both), which targets' pods are not known yet. */
	struct kube_metadata *meta;
	struct kube_api_metrics api_metrics;
	const char *series_keys[KUBE_LABEL_ROLES + KUBE_API_SERIES_LABELS_MAX];
	size_t n_series_keys;
	unsigned long meta_version;
	unsigned char *meta_unknown;  /* by target index (MAX_TARGET_INDEX + 1 of them) */
	__u32 *members;		      /* scratch: cgroup members for the OpenSSL refresh */
	struct endpoint_guard *guard; /* until the server takes it */
	struct endpoint_metrics endpoint;
	struct process_metrics *processes; /* process_*, python_info, the exporter's own */
	struct route_history recent;	   /* duration snapshots for the page and `top` */
	long long next_sample_ms;
	long long started_ms;
	int ready;
	struct top_view *view; /* `top` with targets: the terminal view instead of the server */
};

static volatile sig_atomic_t exiting, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		exiting = 1;
}

static int install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: epoll_wait must return EINTR so the loop sees `exiting`. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL)) /* SIGHUP: re-read --web.config.file */
		return -errno;
	signal(SIGPIPE, SIG_IGN); /* a scraper hanging up must not kill us */
	return 0;
}

static void on_record(void *ctx, const struct fee_request_record *rec)
{
	struct exporter *exp = ctx;
	struct observed_request request;

	/* One HTTP model per record, worked out at most once for both consumers. */
	observed_request_init(&request, rec, exp->exclude, exp->routes);
	if (rec->kind == FEE_KIND_FINISHED) {
		request_metrics_observe(&exp->requests, &request);
		if (exp->meta_unknown && exp->meta_unknown[rec->target])
			metric_child_inc(exp->api_metrics.unknown_requests, 1);
	}
	custom_metrics_observe(exp->custom, &request);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- Kubernetes targets: discovery's sink ------------------------------------------------ */

/* The node's own label values of a pod container, in exp->kube_keys order. */
static void kube_node_values(const struct exporter *exp, const struct kube_watched *w,
			     const char **values)
{
	const char *const all[KUBE_LABEL_ROLES] = { w->meta.namespace, w->meta.pod,
						    w->meta.container,
						    exp->cfg->kubernetes.node_name };

	for (size_t i = 0; i < exp->n_kube_keys; i++)
		values[i] = all[i];
}

/* All label values of a pod container, in exp->series_keys order: the node's own, then
 * the API's (kube_api_select.h; "" while the pod's metadata is unknown). Returns whether
 * the API knows the pod; the caller releases *pod (the values point into it). */
static int kube_values(const struct exporter *exp, const struct kube_watched *w,
		       const char **values, struct kube_pod *pod)
{
	int known;

	kube_node_values(exp, w, values);
	memset(pod, 0, sizeof(*pod));
	if (!exp->meta)
		return 1;
	known = !kube_metadata_lookup(exp->meta, w->meta.pod_uid, pod);
	kube_api_label_values(&exp->cfg->kubernetes.api, known ? pod : NULL,
			      values + exp->n_kube_keys);
	return known;
}

/* The request series' labels of one watched container, and whether its pod's metadata
 * is known (requests counted in api_metrics.unknown_requests while not). */
static int kube_label_target(struct exporter *exp, const struct kube_watched *w)
{
	const char *values[KUBE_LABEL_ROLES + KUBE_API_SERIES_LABELS_MAX];
	struct kube_pod pod;
	int known = kube_values(exp, w, values, &pod);
	int err = request_metrics_set_target_labels(&exp->requests, (__u16)w->target,
						    exp->series_keys, values, exp->n_series_keys);

	if (exp->meta_unknown)
		exp->meta_unknown[w->target] = !known;
	kube_pod_release(&pod);
	return err;
}

/* sink.select: the API's selection (kubernetes.api); a pod it does not know yet is
 * watched, so no request is lost while its metadata is late. */
static int kube_api_decide(void *ctx, const struct kube_watched *w, int *port)
{
	struct exporter *exp = ctx;
	const struct kube_api_options *o = &exp->cfg->kubernetes.api;
	const char *container;
	struct kube_pod pod;
	int selected;

	if (kube_metadata_lookup(exp->meta, w->meta.pod_uid, &pod))
		return 1;
	selected = kube_api_selects(o, &pod);
	container = o->opt_in ? kube_api_pod_container(&pod) : NULL;
	if (container && strcmp(container, w->meta.container))
		selected = 0;
	*port = o->opt_in ? kube_api_pod_port(&pod) : 0;
	if (*port < 0)
		selected = 0; /* an annotation that is not a port: nothing to watch */
	kube_pod_release(&pod);
	return selected;
}

static void kube_relabel(void *ctx, const struct kube_watched *w)
{
	struct exporter *exp = ctx;

	if (kube_label_target(exp, w))
		log_error("cannot relabel pod %s/%s", w->meta.namespace, w->meta.pod);
}

/* The API's metadata changed: drop what is no longer selected, relabel the rest (the next
 * requests carry the new labels). */
static void kube_api_refresh(struct exporter *exp)
{
	unsigned long version = kube_metadata_version(exp->meta);

	if (version == exp->meta_version)
		return;
	exp->meta_version = version;
	kube_discovery_reconsider(exp->kube);
	kube_discovery_for_each(exp->kube, kube_relabel, exp);
}

static int kube_watch(void *ctx, const struct kube_watched *w)
{
	struct exporter *exp = ctx;
	const char *values[KUBE_LABEL_ROLES];
	struct kube_target *grown, *t;
	struct cgroup_target cg;
	int err;

	kube_node_values(exp, w, values);
	grown = realloc(exp->kube_targets, (exp->n_kube_targets + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	exp->kube_targets = grown;
	t = &grown[exp->n_kube_targets];
	/* Labels first: the kernel may send a record as soon as the cgroup is in its map. */
	err = kube_label_target(exp, w);
	if (err)
		return err;
	t->processes = self_metrics_add_target(&exp->self, w->target, "kubernetes", values);
	if (!t->processes)
		return -errno;
	err = process_metrics_add_target(exp->processes, w->target, exp->kube_keys, values,
					 exp->n_kube_keys);
	if (err)
		return err;
	cg.id = w->cgroup_id;
	cg.level = w->level;
	cg.target = w->target;
	err = target_watch_add_cgroup(exp->targets, w->cgroup_dir, &cg);
	if (err) {
		log_error("cannot watch cgroup %s: %s", w->cgroup_dir, strerror(-err));
		self_metrics_remove_target(&exp->self, t->processes);
		return err;
	}
	t->cgroup_id = w->cgroup_id;
	t->target = w->target;
	exp->n_kube_targets++;
	return 0;
}

static void kube_forget(void *ctx, const struct kube_watched *w)
{
	struct exporter *exp = ctx;

	/* The kernel entry goes; the request series stay until restart, as for any target. */
	target_watch_remove_cgroup(exp->targets, w->cgroup_id);
	for (size_t i = 0; i < exp->n_kube_targets; i++) {
		if (exp->kube_targets[i].cgroup_id != w->cgroup_id)
			continue;
		self_metrics_remove_target(&exp->self, exp->kube_targets[i].processes);
		exp->kube_targets[i] = exp->kube_targets[--exp->n_kube_targets];
		break;
	}
}

static void update_kube_metrics(struct exporter *exp)
{
	struct kube_discovery_stats st;
	unsigned int counts[SELF_KUBE_STATES];

	for (size_t i = 0; i < exp->n_kube_targets; i++)
		metric_child_set(
			exp->kube_targets[i].processes,
			target_watch_cgroup_processes(exp->targets, exp->kube_targets[i].target));
	kube_discovery_stats(exp->kube, &st);
	counts[SELF_KUBE_WATCHED] = st.watched;
	counts[SELF_KUBE_SKIPPED] = st.skipped;
	counts[SELF_KUBE_SANDBOX] = st.sandboxes;
	counts[SELF_KUBE_UNKNOWN] = st.unknown;
	counts[SELF_KUBE_OVER_LIMIT] = st.over_limit;
	self_metrics_set_kubernetes(&exp->self, counts);
}

/* The label names Kubernetes targets set: namespace, pod, container, and node when known. */
static void kube_label_keys(struct exporter *exp, const struct kube_config *k)
{
	exp->n_kube_keys = 0;
	exp->n_series_keys = 0;
	if (!k->enabled)
		return;
	for (int i = 0; i < KUBE_LABEL_ROLES; i++)
		if (i != KUBE_LABEL_NODE || k->node_name)
			exp->kube_keys[exp->n_kube_keys++] = k->label_names[i];
	memcpy(exp->series_keys, exp->kube_keys, exp->n_kube_keys * sizeof(*exp->kube_keys));
	exp->n_series_keys = exp->n_kube_keys;
	if (k->api.enabled)
		exp->n_series_keys +=
			kube_api_label_names(&k->api, exp->series_keys + exp->n_kube_keys);
}

/* How long the first scan waits for the API's pod list, so that pods it does not select
 * are not watched (and given series) in the meantime; never longer. */
#define KUBE_API_FIRST_SYNC_MS 2000

/* kubernetes.api: the pod watch, started before discovery's first scan. */
static int start_kube_api(struct exporter *exp)
{
	const struct kube_config *k = &exp->cfg->kubernetes;
	struct kube_pod_watch_stats watch;
	struct kube_pod_cache_stats cache;
	long long deadline = now_ms() + KUBE_API_FIRST_SYNC_MS;
	char err[512];

	if (!k->api.enabled)
		return 0;
	exp->meta = kube_metadata_start(&k->api, k->node_name, "flask_ebpf_exporter/" FEE_VERSION,
					err, sizeof(err));
	if (!exp->meta) {
		log_error("kubernetes.api: %s", err);
		return -errno;
	}
	if (!k->enabled)
		return 0; /* no pod targets: only the client's own metrics */
	exp->meta_unknown = calloc(MAX_TARGET_INDEX + 1, 1);
	if (!exp->meta_unknown)
		return -ENOMEM;
	do {
		kube_metadata_stats(exp->meta, &watch, &cache);
		if (!watch.synced)
			usleep(50 * 1000);
	} while (!watch.synced && !exiting && now_ms() < deadline);
	return 0;
}

static void update_kube_api_metrics(struct exporter *exp)
{
	struct kube_pod_watch_stats w;
	struct kube_pod_cache_stats c;
	struct kube_api_figures f = { 0 };

	kube_metadata_stats(exp->meta, &w, &c);
	f.synced = w.synced;
	f.connected = w.connected;
	f.pods = (double)c.pods;
	f.memory_bytes = (double)c.bytes;
	f.lists = (double)w.lists;
	for (int i = 0; i < KUBE_API_EVENT_TYPES; i++)
		f.events[i] = (double)w.events[i];
	f.relists_expired = (double)w.relists_gone;
	f.relists_error = (double)w.relists_error;
	f.failures_unauthorized = (double)w.unauthorized;
	f.failures_other = (double)(w.failures - w.unauthorized);
	f.skipped_invalid = (double)w.bad_objects;
	f.skipped_over_cap = (double)c.over_cap;
	kube_api_metrics_update(&exp->api_metrics, &f);
}

static int start_kubernetes(struct exporter *exp)
{
	const struct kube_sink sink = { .ctx = exp,
					.watch = kube_watch,
					.forget = kube_forget,
					.select = exp->meta ? kube_api_decide : NULL };

	if (!exp->cfg->kubernetes.enabled)
		return 0;
	exp->kube = kube_discovery_new(&exp->cfg->kubernetes, (__u32)exp->cfg->n_targets,
				       MAX_TARGET_INDEX, &sink);
	if (!exp->kube) {
		log_error("kubernetes: %s",
			  errno == ENOENT ? "no cgroup v2 mount on this node" : strerror(errno));
		return -errno;
	}
	/* The first scan before ready: pods running now are watched from the start. */
	return kube_discovery_scan(exp->kube);
}

/* The endpoint's refusals, connections and reloads into its self-metrics. */
static void update_endpoint_metrics(struct exporter *exp)
{
	struct endpoint_stats stats;
	struct endpoint_figures figures;

	metrics_server_stats(exp->server, &stats);
	figures = (struct endpoint_figures){
		.rejected = stats.rejected,
		.connections = stats.connections,
		.config_reloads = stats.config_reloads,
		.config_reload_failures = stats.config_reload_failures,
		.cert_reloads = stats.cert_reloads,
		.cert_reload_failures = stats.cert_reload_failures,
	};
	endpoint_metrics_update(&exp->endpoint, &figures);
}

/* The app's and the exporter's process figures, from /proc for every watched process. */
static void update_process_metrics(struct exporter *exp)
{
	pid_t *pids = malloc(FEE_MAX_TARGET_PROCESSES * sizeof(*pids));
	unsigned int *targets = malloc(FEE_MAX_TARGET_PROCESSES * sizeof(*targets));
	size_t n;

	if (pids && targets) {
		n = target_watch_list_processes(exp->targets, pids, targets,
						FEE_MAX_TARGET_PROCESSES);
		if (process_metrics_update(exp->processes, pids, targets, n))
			log_error("process metrics: out of memory");
	}
	free(pids);
	free(targets);
}

/* Brings the self-metrics and the families up to date, then writes them. */
static int render(struct exporter *exp, const struct exposition_options *options, int openmetrics,
		  struct strbuf *out)
{
	struct capture_stats stats;
	const char *tls_paths[MAX_TLS_LIBRARIES_SHOWN];
	size_t n_tls;

	capture_drain(exp->capture);
	if (capture_read_stats(exp->capture, &stats) == 0) {
		target_watch_count_cgroups(exp->targets, &stats);
		self_metrics_update(&exp->self, &stats);
	}
	if (exp->kube)
		update_kube_metrics(exp);
	if (exp->server)
		update_endpoint_metrics(exp);
	update_process_metrics(exp);
	if (exp->meta)
		update_kube_api_metrics(exp);
	n_tls = capture_tls_libraries(exp->capture, tls_paths, MAX_TLS_LIBRARIES_SHOWN);
	self_metrics_set_tls_libraries(&exp->self, tls_paths,
				       n_tls < MAX_TLS_LIBRARIES_SHOWN ? n_tls
								       : MAX_TLS_LIBRARIES_SHOWN);
	if (openmetrics)
		return exposition_write_openmetrics(exp->registry, options, out);
	return exposition_write_text(exp->registry, options, out);
}

static int render_metrics(void *ctx, const struct scrape_request *req, struct strbuf *out,
			  const char **content_type)
{
	struct exporter *exp = ctx;
	struct exposition_options options = {
		.created = exp->cfg->created,
		.names = req->names,
		.n_names = req->n_names,
	};
	/* As the client's choose_encoder(): OpenMetrics when the Accept header lists it. */
	int openmetrics = accept_header_lists(req->accept, HTTP_OPENMETRICS_MEDIA_TYPE, 0);

	*content_type =
		openmetrics ? EXPOSITION_OPENMETRICS_CONTENT_TYPE : EXPOSITION_TEXT_CONTENT_TYPE;
	return render(exp, &options, openmetrics, out);
}

static long long now_ms(void);

/* A snapshot of the duration histogram for "right now", on the page's or top's schedule. */
static void sample_routes(struct exporter *exp)
{
	struct route_snapshot s = { 0 };
	long long now = now_ms();

	if (!exp->requests.duration || now < exp->next_sample_ms)
		return;
	exp->next_sample_ms = now + (exp->view ? TOP_SAMPLE_MS : PAGE_SAMPLE_MS);
	capture_drain(exp->capture);
	if (route_snapshot_from_family(&s, exp->requests.duration, (double)now / 1000) == 0)
		route_history_push(&exp->recent, &s);
	route_snapshot_release(&s);
	if (exp->view)
		top_view_draw(exp->view, route_history_since(&exp->recent, TOP_WINDOW_S),
			      route_history_newest(&exp->recent), "");
}

/* The page at `/`: what is watched and the busiest routes over the last samples. */
static int render_page(void *ctx, struct strbuf *out)
{
	struct exporter *exp = ctx;
	const struct route_snapshot *old = route_history_since(&exp->recent, PAGE_WINDOW_S);
	const struct route_snapshot *now = route_history_newest(&exp->recent);
	struct capture_stats stats = { 0 };
	struct route_row *rows = NULL;
	size_t n_rows = 0;
	int err;

	if (capture_read_stats(exp->capture, &stats) == 0)
		target_watch_count_cgroups(exp->targets, &stats);
	if (old && route_rows(old, now, 0, ROUTE_SORT_RATE, &rows, &n_rows))
		return -ENOMEM;
	err = landing_page_write(
		&(struct landing_page){
			.version = FEE_VERSION,
			.hook_mode = capture_hook_mode(exp->capture),
			.uptime_seconds = (double)(now_ms() - exp->started_ms) / 1000,
			.ready = exp->ready,
			.metrics_path = exp->cfg->metrics_path,
			.targets = exp->cfg->targets,
			.n_targets = exp->cfg->n_targets,
			.target_processes = stats.target_processes,
			.processes_watched = stats.processes_watched,
			.rows = rows,
			.n_rows = n_rows,
			.window_seconds = old ? now->time - old->time : 0,
			.process_metrics = exp->cfg->process_metrics,
		},
		out);
	free(rows);
	return err;
}

/* `top`'s keys: q stops the loop; the others redraw at once. */
static void handle_keys(struct exporter *exp)
{
	switch (top_view_keys(exp->view)) {
	case TOP_KEY_QUIT:
		exiting = 1;
		break;
	case TOP_KEY_CHANGED:
		top_view_draw(exp->view, route_history_since(&exp->recent, TOP_WINDOW_S),
			      route_history_newest(&exp->recent), "");
		break;
	case TOP_KEY_NONE:
		break;
	}
}

static int epoll_watch(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* OpenSSL probes for new processes: the watched trees', and the watched cgroups' members. */
static void refresh_tls(struct exporter *exp)
{
	size_t n = 0;

	if (!exp->members)
		exp->members = calloc(MAX_CGROUP_MEMBERS, sizeof(*exp->members));
	if (exp->members)
		n = target_watch_cgroup_members(exp->targets, exp->members, MAX_CGROUP_MEMBERS);
	capture_refresh_tls(exp->capture, exp->members, n);
}

/* Until a signal, or until deadline_ms (CLOCK_MONOTONIC; 0 = none). exp->server may be NULL
 * (--once serves nothing). */
static int run_loop(struct exporter *exp, long long deadline_ms)
{
	struct epoll_event events[4];
	long long next_refresh = now_ms() + REFRESH_INTERVAL_MS;
	int epfd, err = 0;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	err = epoll_watch(epfd, capture_epoll_fd(exp->capture));
	if (!err && exp->server)
		err = epoll_watch(epfd, metrics_server_epoll_fd(exp->server));
	if (!err && exp->view)
		err = epoll_watch(epfd, STDIN_FILENO);
	while (!err && !exiting) {
		long long left = deadline_ms ? deadline_ms - now_ms() : DRAIN_INTERVAL_MS;
		int n;

		if (left <= 0)
			break;
		n = epoll_wait(epfd, events, 4,
			       left < DRAIN_INTERVAL_MS ? (int)left : DRAIN_INTERVAL_MS);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			log_error("epoll_wait: %s", strerror(errno));
			break;
		}
		capture_drain(exp->capture);
		if (reload_requested && exp->server) {
			reload_requested = 0;
			metrics_server_reload(exp->server);
		}
		if (exp->server)
			metrics_server_run(exp->server);
		if (exp->server || exp->view)
			sample_routes(exp);
		if (exp->view)
			handle_keys(exp);
		if (now_ms() >= next_refresh) {
			refresh_tls(exp);
			next_refresh = now_ms() + REFRESH_INTERVAL_MS;
		}
		target_watch_tick(exp->targets, (__u64)now_ms());
		if (exp->kube && exp->meta)
			kube_api_refresh(exp);
		if (exp->kube)
			kube_discovery_tick(exp->kube, (__u64)now_ms());
	}
	close(epfd);
	return err;
}

/* Before loading anything: every --pid must exist (selectors may match nothing yet). */
static int check_pids_exist(const struct exporter_config *cfg)
{
	for (size_t i = 0; i < cfg->n_targets; i++) {
		pid_t pid = cfg->targets[i].pid;
		char path[32];

		if (cfg->targets[i].kind != TARGET_PID)
			continue;
		snprintf(path, sizeof(path), "/proc/%d", (int)pid);
		if (access(path, F_OK)) {
			log_error("no such process: %d", (int)pid);
			return -ESRCH;
		}
	}
	return 0;
}

/* Each target's static labels (--target-label, targets[].labels) join the request
 * families' label names; set before the families are declared. */
static int set_target_labels(struct request_metrics *m, const struct exporter_config *cfg)
{
	for (size_t t = 0; t < cfg->n_targets; t++) {
		const struct config_target *target = &cfg->targets[t];
		size_t n = target->n_labels;
		const char **keys, **values;
		int err;

		if (!n)
			continue;
		keys = calloc(n, sizeof(*keys));
		values = calloc(n, sizeof(*values));
		for (size_t i = 0; keys && values && i < n; i++) {
			keys[i] = target->labels[i].key;
			values[i] = target->labels[i].value;
		}
		err = keys && values
			      ? request_metrics_set_target_labels(m, (__u16)t, keys, values, n)
			      : -ENOMEM;
		free(keys);
		free(values);
		if (err)
			return err;
	}
	return 0;
}

/* The config's metrics: section, if any. 0, -EINVAL after logging why, or -ENOMEM. */
static int setup_custom_metrics(struct exporter *exp, const struct exporter_config *cfg)
{
	char msg[CUSTOM_ERROR_MAX];
	size_t bad;
	int err;

	if (!cfg->n_metrics)
		return 0;
	exp->custom = custom_metrics_new(exp->registry, exp->routes);
	if (!exp->custom)
		return -errno;
	err = custom_metrics_add_config(exp->custom, cfg, &bad, msg);
	if (err == -EINVAL)
		log_error("metrics: %s", msg);
	return err;
}

/*
 * The file's custom metrics declared on their own, as they will be: a name or label the
 * registry refuses, or two that clash, is an error of the file, reported right after it is
 * read ("FILE:LINE: metrics[i]: MESSAGE", exit status 2) as its other errors are.
 */
static int check_file_metrics(const struct exporter_config *cfg, char *err, size_t err_size)
{
	char msg[CUSTOM_ERROR_MAX > ROUTE_ERROR_MAX ? CUSTOM_ERROR_MAX : ROUTE_ERROR_MAX];
	struct route_table *routes;
	size_t bad = 0;
	int ret;

	if (!cfg->n_metrics)
		return 0;
	routes = config_route_table(cfg, &bad, msg);
	if (!routes && errno) /* not EINVAL: the file's rules are checked as it is read */
		return -errno;
	ret = custom_metrics_check_config(cfg, routes, &bad, msg);
	if (ret == -EINVAL)
		snprintf(err, err_size, "%s:%zu: metrics[%zu]: %s", cfg->config_file,
			 cfg->metrics[bad].line, bad, msg);
	route_table_free(routes);
	return ret;
}

/*
 * The registry and every family the configuration asks for. Returns 0, -EINVAL after
 * logging what in the configuration cannot work (a name clash), or another -errno.
 */
static int setup_metrics(struct exporter *exp, const struct exporter_config *cfg)
{
	struct request_metrics_options options = {
		.prefix = cfg->prefix,
		.version = FEE_VERSION,
		.defaults = cfg->defaults,
		.summary = cfg->latency == CONFIG_LATENCY_SUMMARY,
		.buckets = cfg->buckets,
		.n_buckets = cfg->n_buckets,
		.labels = cfg->labels,
		.n_labels = cfg->n_labels,
	};
	char msg[CONFIG_ERROR_MAX];
	size_t bad = 0;
	int err;

	kube_label_keys(exp, &cfg->kubernetes);
	options.target_label_keys = exp->series_keys;
	options.n_target_label_keys = exp->n_series_keys;
	exp->routes = config_route_table(cfg, &bad, msg);
	if (!exp->routes && errno) /* not EINVAL: the file's rules were checked as it was read */
		return -errno;
	exp->registry = registry_new(NULL);
	if (!exp->registry)
		return -errno;
	if (cfg->n_exclude) {
		exp->exclude = path_filter_new((const char *const *)cfg->exclude, cfg->n_exclude,
					       msg, sizeof(msg));
		if (!exp->exclude) {
			err = -errno;
			if (err == -EINVAL)
				log_error("exclude: %s", msg);
			return err;
		}
		options.exclude = exp->exclude;
	}
	if ((cfg->group_by == GROUP_BY_ENDPOINT || cfg->group_by == GROUP_BY_URL_RULE) &&
	    !exp->routes) {
		/* Every request would be labelled None: surely not what was meant. */
		log_error("group_by %s needs the app's routes (routes: in --config)",
			  group_by_name(cfg->group_by));
		return -EINVAL;
	}
	exp->requests.group_by = cfg->group_by;
	exp->requests.routes = exp->routes;
	exp->requests.fold_ids = cfg->fold_ids;
	err = set_target_labels(&exp->requests, cfg);
	if (err)
		return err;
	err = request_metrics_init(&exp->requests, exp->registry, &options);
	if (err == -EINVAL)
		log_error("cannot declare the default families with prefix '%s' and labels given: "
			  "a name or label clashes",
			  cfg->prefix);
	if (err)
		return err;
	err = series_cap_apply(exp->registry, &exp->requests, (size_t)cfg->max_series);
	if (err)
		return err;
	err = info_gauges_add(exp->registry, cfg->info, cfg->n_info, &bad);
	if (err == -EINVAL)
		log_error("%s:%zu: info[%zu]: '%s' clashes with another metric's name or has a bad "
			  "label",
			  cfg->config_file, cfg->info[bad].line, bad, cfg->info[bad].name);
	if (err)
		return err;
	return setup_custom_metrics(exp, cfg);
}

/* The exporter's own families; build_info names the hook mode (the one chosen, once the
 * capture has loaded). */
static int setup_self_metrics(struct exporter *exp, const char *hook_mode)
{
	const char *reasons[REJECT__COUNT];
	int err = self_metrics_init(&exp->self, exp->registry, FEE_VERSION, hook_mode);

	for (int i = 0; i < REJECT__COUNT; i++)
		reasons[i] = endpoint_reject_name((enum endpoint_reject)i);
	if (!err)
		err = endpoint_metrics_init(&exp->endpoint, exp->registry, reasons, REJECT__COUNT);
	if (!err)
		err = self_metrics_add_targets(&exp->self, exp->registry, exp->cfg->targets,
					       (int)exp->cfg->n_targets, exp->kube_keys,
					       exp->n_kube_keys);
	if (!err && exp->cfg->kubernetes.enabled)
		err = self_metrics_add_kubernetes(&exp->self, exp->registry);
	if (!err) {
		exp->processes = process_metrics_new(
			exp->registry, exp->cfg->targets, exp->cfg->n_targets, exp->kube_keys,
			exp->n_kube_keys, exp->cfg->process_metrics, "/proc");
		if (!exp->processes)
			err = -errno;
	}
	if (!err && exp->cfg->kubernetes.api.enabled)
		err = kube_api_metrics_init(&exp->api_metrics, exp->registry);
	if (err == -EINVAL)
		log_error("a metric name clashes with the exporter's own metrics");
	return err;
}

/* --web.config.file and its certificates, checked before anything starts: a bad file is a
 * usage error (-EINVAL, exit 2). */
static int setup_guard(struct exporter *exp, const struct exporter_config *cfg)
{
	char err[CONFIG_ERROR_MAX];

	exp->guard = endpoint_guard_new(&cfg->web_limits, cfg->web_config_file, err, sizeof(err));
	if (exp->guard)
		return 0;
	log_error("%s", err);
	return errno == EINVAL ? -EINVAL : -errno;
}

static int start_server(struct exporter *exp, const struct exporter_config *cfg)
{
	exp->server = metrics_server_start(cfg->listen_host, cfg->listen_port, exp->guard,
					   render_metrics, exp);
	exp->guard = NULL; /* the server's now, started or not */
	if (!exp->server)
		return -errno;
	metrics_server_set_index(exp->server, render_page, exp);
	return metrics_server_set_path(exp->server, cfg->metrics_path);
}

/* --once: the exposition after the wait, on stdout. */
static int print_once(struct exporter *exp)
{
	struct exposition_options options = { .created = exp->cfg->created };
	struct strbuf out = STRBUF_INIT;
	int err = render(exp, &options, 0, &out);

	if (!err && out.len && fwrite(out.buf, 1, out.len, stdout) != out.len)
		err = -EIO;
	if (!err && fflush(stdout))
		err = -errno;
	strbuf_release(&out);
	if (err)
		log_error("cannot print the metrics: %s", strerror(-err));
	return err;
}

/* What this run needs in privileges: the configuration's part here, the machine's in
 * privileges_probe_environment. HTTPS probing needs CAP_SYS_ADMIN for its uprobes: without
 * it the servers' OpenSSL is not probed, and the log says so once. */
static struct privilege_needs privilege_needs_of(const struct exporter_config *cfg)
{
	struct privilege_needs needs = { .hooks = hook_mode_name(cfg->hooks) };

	for (size_t i = 0; i < cfg->n_targets; i++) {
		needs.exe_selectors |= cfg->targets[i].kind == TARGET_EXE;
		needs.port_selectors |= cfg->targets[i].kind == TARGET_PORT;
	}
	needs.kubernetes = cfg->kubernetes.enabled;
	needs.process_metrics = cfg->process_metrics;
	needs.tls = privileges_effective(CAP_SYS_ADMIN);
	if (!needs.tls)
		log_info("without CAP_SYS_ADMIN (OpenSSL uprobes need it), HTTPS terminated in the "
			 "servers is not measured; their plain HTTP is");
	privileges_probe_environment(&needs);
	return needs;
}

/* `top` with targets: the view in this terminal until q or a signal; no endpoint. */
static int run_top(struct exporter *exp, const struct exporter_config *cfg)
{
	char source[64];
	int err;

	snprintf(source, sizeof(source), "%zu target%s, %s", cfg->n_targets,
		 cfg->n_targets == 1 ? "" : "s", capture_hook_mode(exp->capture));
	exp->view = top_view_open(source);
	if (!exp->view) {
		log_error("top: this terminal cannot show the view");
		return -errno;
	}
	err = run_loop(exp, 0);
	top_view_close(exp->view);
	exp->view = NULL;
	return err;
}

static int run(struct exporter *exp, const struct exporter_config *cfg)
{
	struct capture_options capture_opts = { 0 };
	struct privilege_needs needs = privilege_needs_of(cfg);
	int err;

	err = privileges_check(&needs);
	if (err)
		return err;
	err = check_pids_exist(cfg);
	if (!err)
		err = target_watch_check_cgroups(cfg->targets, (int)cfg->n_targets);
	if (err)
		return err;
	err = install_signal_handlers();
	if (err)
		return err;
	exp->started_ms = now_ms();
	if (!cfg->once_seconds && !cfg->top) {
		err = start_server(exp, cfg);
		if (err)
			return err;
	}
	/* The query string leaves the kernel only for group_by full_path (SPEC §6), started
	 * records only for in-progress gauges. */
	capture_opts.keep_query = cfg->group_by == GROUP_BY_FULL_PATH;
	capture_opts.ring_bytes = (unsigned int)cfg->ring_kb * 1024;
	capture_opts.emit_started = custom_metrics_need_started(exp->custom);
	capture_opts.no_tls = !needs.tls;
	exp->capture = capture_open(cfg->hooks, &capture_opts, on_record, exp);
	if (!exp->capture)
		return -errno;
	err = setup_self_metrics(exp, capture_hook_mode(exp->capture));
	if (err)
		return err;
	exp->targets =
		target_watch_new(exp->capture, cfg->targets, (int)cfg->n_targets, CLI_RESCAN_MS);
	if (!exp->targets)
		return -errno;
	err = target_watch_start(exp->targets);
	if (!err)
		err = start_kube_api(exp);
	if (!err)
		err = start_kubernetes(exp);
	if (err)
		return err;
	/* Everything is attached: keep only what the rest of the run needs. */
	err = privileges_drop(&needs);
	if (err)
		return err;
	if (cfg->once_seconds) {
		err = run_loop(exp, now_ms() + (long long)(cfg->once_seconds * 1000));
		return err ? err : print_once(exp);
	}
	if (cfg->top)
		return run_top(exp, cfg);
	exp->ready = 1;
	metrics_server_set_ready(exp->server, 1);
	log_info("serving metrics on %s://%s:%d%s",
		 metrics_server_tls(exp->server) ? "https" : "http",
		 cfg->listen_host[0] ? cfg->listen_host : "0.0.0.0",
		 metrics_server_port(exp->server), cfg->metrics_path);
	err = run_loop(exp, 0);
	if (!err)
		log_info("stopping");
	return err;
}

int main(int argc, char **argv)
{
	struct exporter exp = { 0 };
	struct exporter_config cfg;
	int err, status;

	switch (cli_parse(argc, argv, &cfg, check_file_metrics)) {
	case CLI_EXIT_OK:
		config_release(&cfg);
		return 0;
	case CLI_EXIT_USAGE:
		config_release(&cfg);
		return 2;
	case CLI_RUN:
		break;
	}
	if (cfg.top_url) {
		/* `top URL`: a view of an exporter that runs elsewhere; nothing to attach. */
		char family[256];

		snprintf(family, sizeof(family), "%s%shttp_request_duration_seconds", cfg.prefix,
			 cfg.prefix[0] ? "_" : "");
		err = install_signal_handlers();
		if (!err)
			err = top_remote_run(cfg.top_url, family, &exiting);
		if (err)
			log_error("top: %s", strerror(-err));
		config_release(&cfg);
		return err ? 1 : 0;
	}
	exp.cfg = &cfg;
	log_set_verbose(cfg.verbose);
	libbpf_set_print((libbpf_print_fn_t)log_libbpf);

	err = setup_metrics(&exp, &cfg);
	if (!err)
		err = setup_guard(&exp, &cfg);
	if (err) {
		/* A configuration that cannot work is a usage error, like a bad flag. */
		status = err == -EINVAL ? 2 : 1;
		if (err != -EINVAL)
			log_error("cannot set up the metric families: %s", strerror(-err));
	} else if (cfg.check_config) {
		status = setup_self_metrics(&exp, hook_mode_name(cfg.hooks)) ? 2 : 0;
		if (!status)
			printf("%s: configuration is valid\n",
			       cfg.config_file ? cfg.config_file : "flags");
	} else {
		status = run(&exp, &cfg) ? 1 : 0;
	}

	kube_metadata_stop(exp.meta);
	free(exp.meta_unknown);
	kube_discovery_free(exp.kube);
	free(exp.kube_targets);
	free(exp.members);
	target_watch_free(exp.targets);
	process_metrics_free(exp.processes);
	route_history_release(&exp.recent);
	capture_close(exp.capture);
	metrics_server_stop(exp.server);
	endpoint_guard_free(exp.guard);
	request_metrics_release(&exp.requests);
	custom_metrics_free(exp.custom);
	registry_free(exp.registry);
	path_filter_free(exp.exclude);
	route_table_free(exp.routes);
	config_release(&cfg);
	return status;
}
