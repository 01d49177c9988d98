#!/usr/bin/env bash
# Where the exporter's kernel time goes: BPF run time per program and call under a short
# wrk load against nginx (kernel.bpf_stats_enabled, which itself adds a little per call).
#   scripts/bench/bpf_cost.sh            (as root; SECONDS_PER_RUN=5)
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
WORK=$(mktemp -d /tmp/fee-cost.XXXXXX)
pids=()
trap 'sysctl -qw kernel.bpf_stats_enabled=0; stop "${pids[@]}"; rm -rf "$WORK"' EXIT

port=$(free_port)
nginx_pid=$(start_nginx "$port" "$WORK/nginx")
pids+=("$nginx_pid")
wait_http "http://127.0.0.1:$port/" 10
sysctl -qw kernel.bpf_stats_enabled=1
exporter=$(start_exporter "$(free_port)" "$nginx_pid")
pids+=("$exporter")
wrk -t1 -c16 -d"${SECONDS_PER_RUN:-5}s" "http://127.0.0.1:$port/" | grep -E 'requests in|Requests/sec'
ticks=$(awk '{print $14 + $15}' "/proc/$exporter/stat")
echo "daemon CPU: $(echo "$ticks / $(getconf CLK_TCK)" | bc -l | cut -c1-5) s"
bpftool prog show -j | $PY -c '
import json, sys
for p in json.load(sys.stdin):
    name, calls = p["name"], p.get("run_cnt", 0)
    if calls and name.startswith(("tp_", "rtp_")):
        print("%-20s calls %9d  ns/call %6.0f" % (name, calls, p["run_time_ns"] / calls))'
