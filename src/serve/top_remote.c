// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/top_remote.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metrics/route_scrape.h"
#include "serve/top_view.h"
#include "util/strbuf.h"

#define TOP_REFRESH_MS 1000
/* Rates over the last 5 s, redrawn every second: steady enough to read. */
#define TOP_WINDOW_SECONDS 5.0
#define TOP_SCRAPE_TIMEOUT_MS 2000

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
	return strbuf_append(ctx, data, size * n) ? 0 : size * n;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One scrape into s; on failure a reason in status. */
static int scrape(CURL *curl, const char *family, struct route_snapshot *s, char *status,
		  size_t status_size)
{
	struct strbuf body = STRBUF_INIT;
	size_t bad_line = 0;
	CURLcode rc;
	int err;

	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		snprintf(status, status_size, "scrape failed: %s", curl_easy_strerror(rc));
		strbuf_release(&body);
		return -EIO;
	}
	err = route_scrape_parse(s, body.buf ? body.buf : "", body.len, family, now_seconds(),
				 &bad_line);
	if (err == -EINVAL)
		snprintf(status, status_size, "line %zu of the scrape does not parse", bad_line);
	else if (err == -ENOENT)
		snprintf(status, status_size, "no %s in the scrape (yet)", family);
	else
		status[0] = '\0';
	strbuf_release(&body);
	return err == -ENOENT ? 0 : err;
}

/* Waits for the next refresh, redrawing when a key changes the view. 1 when the user quit. */
static int wait_for_keys(struct top_view *view, const struct route_snapshot *old,
			 const struct route_snapshot *now, const char *status,
			 volatile sig_atomic_t *stop)
{
	double until = now_seconds() + TOP_REFRESH_MS / 1000.0;

	while (!*stop && now_seconds() < until) {
		struct pollfd in = { .fd = STDIN_FILENO, .events = POLLIN };
		int key;

		poll(&in, 1, 100);
		key = top_view_keys(view);
		if (key == TOP_KEY_QUIT)
			return 1;
		if (key == TOP_KEY_CHANGED)
			top_view_draw(view, old, now, status);
	}
	return 0;
}

int top_remote_run(const char *url, const char *family, volatile sig_atomic_t *stop)
{
	struct route_history history = { 0 };
	struct top_view *view;
	char status[256] = "";
	int err = 0;
	CURL *curl;

	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -ENOMEM;
	curl = curl_easy_init();
	if (!curl) {
		curl_global_cleanup();
		return -ENOMEM;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)TOP_SCRAPE_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, ""); /* gzip when offered */
	view = top_view_open(url);
	if (!view)
		err = -errno;
	while (view && !*stop) {
		struct route_snapshot next = { 0 };
		const struct route_snapshot *old, *now;

		if (scrape(curl, family, &next, status, sizeof(status)) == 0)
			route_history_push(&history, &next);
		route_snapshot_release(&next);
		old = route_history_since(&history, TOP_WINDOW_SECONDS);
		now = route_history_newest(&history);
		err = top_view_draw(view, old, now, status);
		if (err || wait_for_keys(view, old, now, status, stop))
			break;
	}
	top_view_close(view);
	route_history_release(&history);
	curl_easy_cleanup(curl);
	curl_global_cleanup();
	return err;
}
