#!/usr/bin/env bash
# What a cgroup target costs per syscall as their number grows (issue 14: the kernel looks a
# process's cgroup up in a hash map, so 1 or 60 cgroup targets should cost the same): BPF
# run time per call of the socket hooks under a bounded wrk load against nginx in a cgroup
# the exporter watches, with 1 cgroup target, then with 59 more empty sibling cgroups.
#   scripts/bench/cgroup_targets.sh      (as root; SECONDS_PER_RUN=5, ROUNDS=2)
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
WORK=$(mktemp -d /tmp/fee-cgbench.XXXXXX)
CG2=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
TOP="$CG2/fee-bench-$$"
pids=()
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled=0
	stop "${pids[@]}"
	for d in "$TOP"/*/ "$TOP"; do
		[ -d "$d" ] || continue
		while read -r p; do echo "$p" >"$CG2/cgroup.procs" 2>/dev/null || true; done <"$d/cgroup.procs"
		rmdir "$d" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$TOP/app"
for i in $(seq 1 59); do mkdir -p "$TOP/empty$i"; done
port=$(free_port)
nginx_pid=$(start_nginx "$port" "$WORK/nginx")
pids+=("$nginx_pid")
wait_http "http://127.0.0.1:$port/" 10
for p in $(pgrep -P "$nginx_pid") "$nginx_pid"; do echo "$p" >"$TOP/app/cgroup.procs"; done

# ns per call of exporter PID's socket-hook programs (tp_*, rtp_*; found through its own
# descriptors: other exporters may run on the machine), summed over programs.
ns_per_call() {
	local ids
	ids=$(grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | tr '\n' ' ')
	bpftool prog show -j | IDS="$ids" $PY -c '
import json, os, sys
ids = set(map(int, os.environ["IDS"].split()))
t = c = 0
for p in json.load(sys.stdin):
    if p["id"] in ids and p.get("run_cnt") and p["name"].startswith(("tp_", "rtp_")):
        t += p["run_time_ns"]; c += p["run_cnt"]
print("%.0f" % (t / c if c else 0))'
}

# run N_TARGETS: the exporter with the app's cgroup and N_TARGETS-1 empty ones; prints ns/call.
run() {
	local args=(--cgroup "$TOP/app") port_e exporter
	for i in $(seq 1 $(($1 - 1))); do args+=(--cgroup "$TOP/empty$i"); done
	port_e=$(free_port)
	"$FEE_BIN" "${args[@]}" --listen "127.0.0.1:$port_e" >/dev/null 2>&1 &
	exporter=$!
	pids+=("$exporter")
	wait_http "http://127.0.0.1:$port_e/-/ready" 30
	sysctl -qw kernel.bpf_stats_enabled=1
	wrk -t1 -c16 -d"${SECONDS_PER_RUN:-5}s" "http://127.0.0.1:$port/" >/dev/null
	ns_per_call "$exporter"
	sysctl -qw kernel.bpf_stats_enabled=0
	stop "$exporter"
}

for round in $(seq 1 "${ROUNDS:-2}"); do
	one=$(run 1)
	sixty=$(run 60)
	echo "round $round: 1 cgroup target $one ns/call, 60 cgroup targets $sixty ns/call," \
		"ratio $(echo "scale=3; $sixty / $one" | bc)"
done
