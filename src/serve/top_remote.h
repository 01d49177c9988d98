/*
 * top_remote — `flask_ebpf_exporter top URL`: the live view of an exporter that already
 * runs, from its /metrics (fetched with libcurl every second), without attaching anything.
 */
#ifndef FEE_TOP_REMOTE_H
#define FEE_TOP_REMOTE_H

#include <signal.h>

/*
 * Shows the routes of the duration histogram `family` (flask_http_request_duration_seconds)
 * scraped from url until the user quits (q) or a signal sets *stop. Returns 0, or -errno
 * when the terminal cannot be used (a failed scrape is shown, and retried).
 */
int top_remote_run(const char *url, const char *family, volatile sig_atomic_t *stop);

#endif
