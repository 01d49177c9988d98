// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/top_view.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct top_view {
	char *source;
	enum route_sort sort;
	int by_status;
	int colors;
};

struct top_view *top_view_open(const char *source)
{
	struct top_view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->source = strdup(source);
	v->by_status = 1;
	setlocale(LC_ALL, ""); /* paths are UTF-8: ncursesw prints them as such */
	if (!v->source || !initscr()) {
		free(v->source);
		free(v);
		errno = ENOTTY;
		return NULL;
	}
	cbreak();
	noecho();
	nodelay(stdscr, TRUE); /* keys are polled between redraws */
	keypad(stdscr, TRUE);
	curs_set(0);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(1, COLOR_RED, -1);
		v->colors = 1;
	}
	return v;
}

void top_view_close(struct top_view *v)
{
	if (!v)
		return;
	endwin();
	free(v->source);
	free(v);
}

enum top_key top_view_keys(struct top_view *v)
{
	enum top_key key = TOP_KEY_NONE;
	int ch;

	while ((ch = getch()) != ERR) {
		switch (ch) {
		case 'q':
		case 'Q':
			return TOP_KEY_QUIT;
		case 'r':
			v->sort = ROUTE_SORT_RATE;
			break;
		case 'l':
			v->sort = ROUTE_SORT_P99;
			break;
		case 'e':
			v->sort = ROUTE_SORT_ERRORS;
			break;
		case 'n':
			v->sort = ROUTE_SORT_ROUTE;
			break;
		case 's':
			v->by_status = !v->by_status;
			break;
		default:
			continue; /* not ours: nothing changed */
		}
		key = TOP_KEY_CHANGED;
	}
	return key;
}

static void put_ms(double seconds)
{
	if (isnan(seconds))
		printw(" %9s", "-");
	else
		printw(" %9.1f", seconds * 1000);
}

int top_view_draw(struct top_view *v, const struct route_snapshot *old,
		  const struct route_snapshot *now, const char *status)
{
	struct route_row *rows = NULL;
	double total = 0;
	size_t n = 0;
	int width = COLS > 40 ? COLS : 40, route_width;

	if (old && route_rows(old, now, v->by_status, v->sort, &rows, &n))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		total += rows[i].rate;
	/* METHOD(7) ROUTE STATUS(6) REQ/S(9) 5XX%(6) P50/P90/P99 ms(3 x 10) and spaces */
	route_width = width - 2 - 8 - 7 - 10 - 7 - 30 - 1;
	if (route_width < 10)
		route_width = 10;
	erase();
	attron(A_BOLD);
	mvprintw(0, 0, "flask_ebpf_exporter top - %s - %.1f req/s over %.0f s - sort: %s%s",
		 v->source, total, old ? now->time - old->time : 0.0, route_sort_name(v->sort),
		 v->by_status ? "" : " - per route");
	attroff(A_BOLD);
	mvprintw(1, 0, "%s",
		 status && *status ? status
				   : "keys: r rate  l latency  e errors  n route  "
				     "s per status  q quit");
	attron(A_REVERSE);
	mvprintw(3, 0, "  %-7s %-*s %-6s %9s %6s %9s %9s %9s", "METHOD", route_width, "ROUTE",
		 v->by_status ? "STATUS" : "", "REQ/S", "5XX%", "P50 ms", "P90 ms", "P99 ms");
	attroff(A_REVERSE);
	for (size_t i = 0; i < n && (int)i + 4 < LINES; i++) {
		const struct route_row *r = &rows[i];
		int flagged = r->error_share > 0;

		if (flagged)
			attron(v->colors ? COLOR_PAIR(1) | A_BOLD : A_BOLD);
		mvprintw((int)i + 4, 0, "%c %-7.7s %-*.*s %-6.6s %9.2f %6.1f", flagged ? '!' : ' ',
			 r->method, route_width, route_width, r->route, r->status ? r->status : "",
			 r->rate, r->error_share * 100);
		put_ms(r->p50);
		put_ms(r->p90);
		put_ms(r->p99);
		if (flagged)
			attroff(v->colors ? COLOR_PAIR(1) | A_BOLD : A_BOLD);
	}
	if (!old)
		mvprintw(4, 2, "waiting for a second look at the counters ...");
	else if (!n)
		mvprintw(4, 2, "no requests in the last %.1f s", now->time - old->time);
	refresh();
	free(rows);
	return 0;
}
