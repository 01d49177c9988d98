/*
 * top_view — the live terminal view of `flask_ebpf_exporter top`, drawn with ncurses: one
 * row per route and status (or per route), requests per second, 5xx share and p50/p90/p99
 * over the last interval, sorted by rate; rows with 5xx answers are flagged "!". Keys:
 * r rate, l latency (p99), e errors, n route name, s per status on/off, q quit.
 */
#ifndef FEE_TOP_VIEW_H
#define FEE_TOP_VIEW_H

#include "metrics/route_rates.h"

struct top_view;

/* Takes over the terminal. source: what is shown ("pid 4242", "http://..."), copied.
 * NULL + errno when the terminal cannot be used. */
struct top_view *top_view_open(const char *source);
/* Gives the terminal back. */
void top_view_close(struct top_view *v);

enum top_key {
	TOP_KEY_NONE,
	TOP_KEY_QUIT,	 /* q */
	TOP_KEY_CHANGED, /* the sort or the grouping changed: draw again */
};

/* Handles the keys pressed since the last call. */
enum top_key top_view_keys(struct top_view *v);

/* Draws the interval old -> now (old NULL: nothing to compare yet; then now may be NULL). status: a
 * line under the title ("", or why the last scrape failed). 0 or -ENOMEM. */
int top_view_draw(struct top_view *v, const struct route_snapshot *old,
		  const struct route_snapshot *now, const char *status);

#endif
