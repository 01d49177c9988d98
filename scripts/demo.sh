#!/usr/bin/env bash
# `make demo`: the bundled sample Flask app under gunicorn, a little background traffic,
# and the exporter attached to it. Stops on Ctrl-C; without a terminal it stops by itself
# after DEMO_SECONDS (default 60).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (sudo make demo): the exporter loads BPF programs" >&2
	exit 1
fi
APP_PORT=${APP_PORT:-8000}
METRICS_PORT=${METRICS_PORT:-9969}
if [ -t 0 ]; then DEMO_SECONDS=${DEMO_SECONDS:-0}; else DEMO_SECONDS=${DEMO_SECONDS:-60}; fi

pids=()
cleanup() {
	trap - EXIT INT TERM
	echo
	echo "demo: stopping"
	stop "${pids[@]}"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

app=$(start_gunicorn "$APP_PORT" 2)
pids+=("$app")
wait_http "http://127.0.0.1:$APP_PORT/" 20
export FEE_LOG=/dev/stderr
exporter=$(start_exporter "$METRICS_PORT" "$app")
pids+=("$exporter")

# Background traffic: a few requests a second over a handful of routes.
(
	paths=(/ /items/1 /items/2 /nope /old /bad /slow /empty)
	while true; do
		for p in "${paths[@]}"; do
			curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$APP_PORT$p" || true
		done
		curl -s -o /dev/null -X POST --max-time 5 "http://127.0.0.1:$APP_PORT/created" || true
		sleep 1
	done
) &
pids+=($!)

cat <<MSG

  Sample app (gunicorn, 2 workers): http://127.0.0.1:$APP_PORT/   (master PID $app)
  Exporter attached with:           $FEE_BIN --pid $app --listen 127.0.0.1:$METRICS_PORT
  Metrics:                          http://127.0.0.1:$METRICS_PORT/metrics

MSG
sleep 3
echo "  A first scrape (flask_http_request_total):"
curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | grep '^flask_http_request_total' | sed 's/^/    /'
echo
if [ "$DEMO_SECONDS" -gt 0 ]; then
	echo "  Running for $DEMO_SECONDS s (DEMO_SECONDS); Ctrl-C stops earlier."
	sleep "$DEMO_SECONDS"
else
	echo "  Press Ctrl-C to stop."
	while true; do sleep 3600; done
fi
