#!/usr/bin/env bash
# Overhead of the OpenSSL uprobes: HTTPS requests/s under wrk (keep-alive) against nginx
# with TLS on and `return 200`, with and without the exporter attached, as a ratio measured
# in one run (rounds alternate: off, on, off, on, ...). Also checks that the exporter
# counted exactly the requests wrk completed while it was attached (wrk does not count
# responses still in flight when its time is up: up to CONNECTIONS more may be counted).
#
# Note: the uprobes sit in the shared libssl for every process (the programs filter on
# the target set), so wrk, which links the same libssl, pays the uprobe trap on its own
# SSL calls too; the ratio includes that client-side cost.
#
#   scripts/bench/tls_overhead.sh        (as root; ROUNDS=5 SECONDS_PER_ROUND=5 CONNECTIONS=16)
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

ROUNDS=${ROUNDS:-5}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-5}
CONNECTIONS=${CONNECTIONS:-16}
WORK=$(mktemp -d /tmp/fee-bench-tls.XXXXXX)
pids=()
trap 'stop "${pids[@]}"; rm -rf "$WORK"' EXIT

[ "$(id -u)" -eq 0 ] || { echo "tls_overhead: run as root" >&2; exit 1; }
[ -x "$FEE_BIN" ] || { echo "tls_overhead: build first (make)" >&2; exit 1; }

echo "tls_overhead: $ROUNDS rounds of ${SECONDS_PER_ROUND}s per setting, wrk -t1 -c$CONNECTIONS, HTTPS keep-alive"
make_self_signed_cert "$WORK"
port=$(free_port)
nginx_pid=$(start_nginx "$port" "$WORK/nginx" "$WORK/cert.pem" "$WORK/key.pem")
pids+=("$nginx_pid")
wait_http "https://127.0.0.1:$port/" 10
bench_alternating nginx-tls "$nginx_pid" "https://127.0.0.1:$port/"
