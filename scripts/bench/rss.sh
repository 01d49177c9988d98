#!/usr/bin/env bash
# The daemon's resident memory after REQUESTS requests over SERIES distinct paths (one
# series each) against nginx, and where it goes (/proc/PID/smaps_rollup and the largest
# mappings of /proc/PID/smaps).
#   scripts/bench/rss.sh [EXPORTER...]   (as root; REQUESTS=100000 SERIES=2000)
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
REQUESTS=${REQUESTS:-100000}
SERIES=${SERIES:-2000}
[ $# -gt 0 ] || set -- "$FEE_BIN"
WORK=$(mktemp -d /tmp/fee-rss.XXXXXX)
pids=()
trap 'stop "${pids[@]}"; rm -rf "$WORK"' EXIT

port=$(free_port)
nginx_pid=$(start_nginx "$port" "$WORK/nginx")
pids+=("$nginx_pid")
wait_http "http://127.0.0.1:$port/" 10
# Each wrk connection walks the paths /s0 ... /s<SERIES-1> and stops after its share.
cat >"$WORK/paths.lua" <<LUA
local n, done, per = 0, 0, math.ceil($REQUESTS / 4)
request = function()
	n = n + 1
	return wrk.format("GET", "/s" .. (n % $SERIES))
end
response = function()
	done = done + 1
	if done >= per then wrk.thread:stop() end
end
LUA
for bin in "$@"; do
	mport=$(free_port)
	exporter=$(FEE_BIN=$bin start_exporter "$mport" "$nginx_pid")
	wrk -t4 -c4 -d60s -s "$WORK/paths.lua" "http://127.0.0.1:$port/" >/dev/null
	counted=$(metric_sum "http://127.0.0.1:$mport/metrics" flask_http_request_total)
	rss=$(awk '/^Rss:/ {print $2}' /proc/"$exporter"/smaps_rollup)
	echo "RESULT $bin: $counted requests counted, RSS $((rss / 1024)) MiB ($rss kB); largest mappings (kB resident):"
	awk '/^[0-9a-f]+-[0-9a-f]+ / {name = $6 ? $6 : "[anon]"} /^Rss:/ {sum[name] += $2} END {for (n in sum) if (sum[n] >= 256) printf "    %6d  %s\n", sum[n], n}' \
		/proc/"$exporter"/smaps | sort -rn | head -12
	stop "$exporter"
done
