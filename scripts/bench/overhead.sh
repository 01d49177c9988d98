#!/usr/bin/env bash
# Overhead of the exporter on the servers it watches: requests/s under wrk with and
# without the exporter attached, as a ratio measured in one run (machines are noisy, so
# rounds alternate: off, on, off, on, ...). Also checks that the exporter counted exactly
# the requests wrk completed while it was attached.
#
#   scripts/bench/overhead.sh            (as root; ROUNDS=3 SECONDS_PER_ROUND=5 CONNECTIONS=16)
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

ROUNDS=${ROUNDS:-3}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-5}
CONNECTIONS=${CONNECTIONS:-16}
WORK=$(mktemp -d /tmp/fee-bench.XXXXXX)
pids=()
trap 'stop "${pids[@]}"; rm -rf "$WORK"' EXIT

[ "$(id -u)" -eq 0 ] || { echo "overhead: run as root" >&2; exit 1; }
[ -x "$FEE_BIN" ] || { echo "overhead: build first (make)" >&2; exit 1; }

echo "overhead: $ROUNDS rounds of ${SECONDS_PER_ROUND}s per setting, wrk -t1 -c$CONNECTIONS"
nport=$(free_port)
nginx_pid=$(start_nginx "$nport" "$WORK/nginx")
pids+=("$nginx_pid")
wait_http "http://127.0.0.1:$nport/" 10
bench_alternating nginx "$nginx_pid" "http://127.0.0.1:$nport/"

gport=$(free_port)
gunicorn_pid=$(start_gunicorn "$gport" 2)
pids+=("$gunicorn_pid")
wait_http "http://127.0.0.1:$gport/" 20
bench_alternating gunicorn "$gunicorn_pid" "http://127.0.0.1:$gport/"
