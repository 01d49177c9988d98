// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * flask_ebpf_exporter: wires the modules together and runs the event loop.
 *
 * One thread does everything: the loop waits on the ring buffer and the HTTP server,
 * drains records into the registry on a short timer (the kernel batches wakeups) and
 * before every scrape, so a scrape always includes every request finished before it.
 */
#include "cli.h"
#include "collector.h"
#include "exposition.h"
#include "log.h"
#include "metrics_server.h"
#include "registry.h"
#include "request_metrics.h"
#include "self_metrics.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* How often waiting records are drained when no wakeup comes. */
#define DRAIN_INTERVAL_MS 100

struct exporter {
	struct registry *registry;
	struct request_metrics requests;
	struct self_metrics self;
	struct collector *collector;
	struct metrics_server *server;
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = 1;
}

static int install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: epoll_wait must return EINTR so the loop sees `exiting`. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN); /* a scraper hanging up must not kill us */
	return 0;
}

static void on_record(void *ctx, const struct fee_request_record *rec)
{
	struct exporter *exp = ctx;

	if (rec->kind == FEE_KIND_FINISHED)
		request_metrics_observe(&exp->requests, rec);
}

static int render_metrics(void *ctx, struct strbuf *out, const char **content_type)
{
	static const struct exposition_options text_options = { .created = 1 };
	struct exporter *exp = ctx;
	struct collector_stats stats;

	collector_drain(exp->collector);
	if (collector_read_stats(exp->collector, &stats) == 0)
		self_metrics_update(&exp->self, &stats);
	*content_type = EXPOSITION_TEXT_CONTENT_TYPE;
	return exposition_write_text(exp->registry, &text_options, out);
}

static int watch_targets(struct exporter *exp, const struct cli_options *opts)
{
	for (int i = 0; i < opts->n_pids; i++) {
		int n = collector_watch_tree(exp->collector, opts->pids[i], (__u32)i);

		if (n == -ESRCH) {
			log_error("no such process: %d", (int)opts->pids[i]);
			return n;
		}
		if (n < 0) {
			log_error("cannot watch process %d: %s", (int)opts->pids[i], strerror(-n));
			return n;
		}
		log_info("watching process %d and its %d descendant%s", (int)opts->pids[i], n - 1,
			 n == 2 ? "" : "s");
	}
	return 0;
}

static int epoll_watch(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int run_loop(struct exporter *exp)
{
	struct epoll_event events[4];
	int epfd, err = 0;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	err = epoll_watch(epfd, collector_epoll_fd(exp->collector));
	if (!err)
		err = epoll_watch(epfd, metrics_server_epoll_fd(exp->server));
	while (!err && !exiting) {
		int n = epoll_wait(epfd, events, 4, DRAIN_INTERVAL_MS);

		if (n < 0 && errno != EINTR) {
			err = -errno;
			log_error("epoll_wait: %s", strerror(errno));
			break;
		}
		collector_drain(exp->collector);
		metrics_server_run(exp->server);
	}
	close(epfd);
	return err;
}

static int check_pids_exist(const struct cli_options *opts)
{
	for (int i = 0; i < opts->n_pids; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/proc/%d", (int)opts->pids[i]);
		if (access(path, F_OK)) {
			log_error("no such process: %d", (int)opts->pids[i]);
			return -ESRCH;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct exporter exp = { 0 };
	struct cli_options opts;
	int err;

	switch (cli_parse(argc, argv, &opts)) {
	case CLI_EXIT_OK:
		return 0;
	case CLI_EXIT_USAGE:
		return 2;
	case CLI_RUN:
		break;
	}
	log_set_verbose(opts.verbose);
	libbpf_set_print((libbpf_print_fn_t)log_libbpf);

	err = check_pids_exist(&opts);
	if (err)
		return 1;
	err = install_signal_handlers();
	if (err)
		goto out;

	exp.registry = registry_new(NULL);
	if (!exp.registry) {
		err = -errno;
		goto out;
	}
	err = request_metrics_init(&exp.requests, exp.registry, "flask", FEE_VERSION);
	if (err) {
		log_error("cannot set up the metric families: %s", strerror(-err));
		goto out;
	}

	exp.server = metrics_server_start(opts.listen_host, opts.listen_port, render_metrics, &exp);
	if (!exp.server) {
		err = -errno;
		goto out;
	}
	exp.collector = collector_open(opts.hooks, on_record, &exp);
	if (!exp.collector) {
		err = -errno;
		goto out;
	}
	/* After the collector: build_info names the hook mode it chose. */
	err = self_metrics_init(&exp.self, exp.registry, FEE_VERSION,
				collector_hook_mode(exp.collector));
	if (err) {
		log_error("cannot set up the metric families: %s", strerror(-err));
		goto out;
	}
	err = watch_targets(&exp, &opts);
	if (err)
		goto out;
	metrics_server_set_ready(exp.server, 1);
	log_info("serving metrics on http://%s:%d/metrics",
		 opts.listen_host[0] ? opts.listen_host : "0.0.0.0",
		 metrics_server_port(exp.server));

	err = run_loop(&exp);
	if (!err)
		log_info("stopping");
out:
	collector_close(exp.collector);
	metrics_server_stop(exp.server);
	request_metrics_release(&exp.requests);
	registry_free(exp.registry);
	return err ? 1 : 0;
}
