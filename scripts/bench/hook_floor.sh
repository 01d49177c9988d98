#!/usr/bin/env bash
# The floor under the exporter's overhead: nginx requests/s with no programs, with empty
# programs on the exporter's tracepoints, and with the exporter, rounds alternating.
#   scripts/bench/hook_floor.sh        (as root; ROUNDS=3 SECONDS_PER_ROUND=5)
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

ROUNDS=${ROUNDS:-3}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-5}
WORK=$(mktemp -d /tmp/fee-floor.XXXXXX)
pids=()
trap 'stop "${pids[@]}"; rm -rf "$WORK"' EXIT

build_floor "$WORK"

rps() { wrk -t1 -c16 -d"${SECONDS_PER_ROUND}s" "$1" | awk '/^Requests\/sec:/ {print $2}'; }

port=$(free_port)
nginx_pid=$(start_nginx "$port" "$WORK/nginx")
pids+=("$nginx_pid")
url="http://127.0.0.1:$port/"
wait_http "$url" 10
rps "$url" >/dev/null # warm-up
offs=() noops=() ons=()
for round in $(seq "$ROUNDS"); do
	off=$(rps "$url")
	"$WORK/attach_all" "$WORK/noop.bpf.o" $((SECONDS_PER_ROUND + 3)) >/dev/null &
	holder=$!
	sleep 1
	noop=$(rps "$url")
	wait "$holder"
	exporter=$(start_exporter "$(free_port)" "$nginx_pid")
	on=$(rps "$url")
	stop "$exporter"
	printf '  round %d: none %9.1f, empty programs %9.1f, exporter %9.1f req/s\n' \
		"$round" "$off" "$noop" "$on"
	offs+=("$off") noops+=("$noop") ons+=("$on")
done
awk -v a="${offs[*]}" -v b="${noops[*]}" -v c="${ons[*]}" 'BEGIN {
	n = split(a, x, " "); split(b, y, " "); split(c, z, " ")
	for (i = 1; i <= n; i++) { so += x[i]; sn += y[i]; se += z[i] }
	printf "RESULT nginx: empty programs / none %.3f, exporter / none %.3f\n", sn / so, se / so
}'
