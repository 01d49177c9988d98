#!/usr/bin/env bash
# Overhead of the OpenSSL uprobes: HTTPS requests/s under wrk (keep-alive) against nginx
# with TLS on and `return 200` (one worker), with and without the exporter attached, as
# ratios measured in one run (rounds alternate: off, on, off, on, ...). Each round also
# compares the exporter's count with the requests wrk completed (wrk does not count
# responses still in flight when its time is up: up to CONNECTIONS more may be counted).
#
# The uprobes sit in the libssl file for every process that maps it (the programs filter
# on the target set), so a client on the same machine using the same libssl pays a uprobe
# trap on each of its own SSL calls too. Two settings separate the costs:
#   shared-libssl   wrk uses the system libssl, probed like the server's (client + server cost)
#   own-libssl      wrk runs in a private mount namespace where a copy of libssl (another
#                   inode, so never probed) is bound over the system one (server cost only)
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

# A wrk whose libssl is a private copy: same code, another inode, outside the probes.
libssl=$(ldd "$(command -v wrk)" | awk '/libssl/ {print $3}')
[ -n "$libssl" ] || { echo "tls_overhead: wrk does not link libssl" >&2; exit 1; }
cp "$libssl" "$WORK/libssl-copy.so"
cat >"$WORK/wrk-own-libssl" <<WRAP
#!/bin/sh
exec unshare --mount --propagation private sh -c 'mount --bind "\$0" "\$1" && shift && exec wrk "\$@"' \\
	"$WORK/libssl-copy.so" "$(readlink -f "$libssl")" "\$@"
WRAP
chmod +x "$WORK/wrk-own-libssl"

echo "tls_overhead: $ROUNDS rounds of ${SECONDS_PER_ROUND}s per setting, wrk -t1 -c$CONNECTIONS, HTTPS keep-alive"
make_self_signed_cert "$WORK"
port=$(free_port)
nginx_pid=$(start_nginx "$port" "$WORK/nginx" "$WORK/cert.pem" "$WORK/key.pem")
pids+=("$nginx_pid")
wait_http "https://127.0.0.1:$port/" 10
WRK="$WORK/wrk-own-libssl" bench_alternating own-libssl "$nginx_pid" "https://127.0.0.1:$port/"
WRK=wrk bench_alternating shared-libssl "$nginx_pid" "https://127.0.0.1:$port/"
