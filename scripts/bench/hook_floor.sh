#!/usr/bin/env bash
# The floor under the exporter's overhead: nginx with no programs, with empty programs on
# the exporter's tracepoints, and with the exporter, in rounds whose order rotates.
#   scripts/bench/hook_floor.sh        (as root; ROUNDS=5 SECONDS_PER_ROUND=5)
# Two figures per setting, each the median of its per-round ratios to "none":
#   throughput  nginx requests/s (wrk's count), what the issue's ratio is;
#   CPU         nginx's own CPU time per request (its threads' schedstat run time, which
#               holds the BPF programs it runs in its syscalls), inverted so that, like
#               throughput, 1 is free and lower costs more. On a shared VM throughput
#               swings with what the neighbours (and the hypervisor) do; CPU per request
#               swings much less, so it is the figure that can resolve a 0.02 difference.
# nginx's worker runs on CPU 1; wrk, the exporter's daemon and the loader of the empty
# programs on CPU 0, so the only cost on nginx's CPU is nginx and its syscalls' programs.
# FEE_BIN: the exporter binary (default build/flask_ebpf_exporter).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

ROUNDS=${ROUNDS:-5}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-5}
SERVER_CPU=1
LOAD_CPU=0
WORK=$(mktemp -d /tmp/fee-floor.XXXXXX)
pids=()
holder=""
trap 'stop $holder "${pids[@]}"; rm -rf "$WORK"' EXIT

build_floor "$WORK"

# pin CPU PID: PID's threads, and its children's, on CPU.
pin() {
	local child
	taskset -a -p -c "$1" "$2" >/dev/null
	for child in $(cat /proc/"$2"/task/*/children 2>/dev/null); do pin "$1" "$child"; done
}

# measure URL: one bounded wrk run; sets rps (requests/s) and ns (nginx's CPU ns per
# request).
measure() {
	local before after total
	before=$(tree_cpu_ns "$nginx_pid")
	taskset -c "$LOAD_CPU" wrk -t1 -c16 -d"${SECONDS_PER_ROUND}s" "$1" >"$WORK/wrk.out"
	after=$(tree_cpu_ns "$nginx_pid")
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.out")
	total=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
	ns=$(((after - before) / total))
}

# run_setting NAME: measure with NAME's programs attached (none, empty, exporter); $holder
# is the process holding them meanwhile, for the trap.
run_setting() {
	case $1 in
	none) measure "$url" ;;
	empty)
		rm -f "$WORK/attach.out"
		taskset -c "$LOAD_CPU" "$WORK/attach_all" "$WORK/noop.bpf.o" 3600 >"$WORK/attach.out" &
		holder=$!
		until grep -q attached "$WORK/attach.out" 2>/dev/null; do sleep 0.1; done
		measure "$url"
		stop "$holder"
		holder=""
		;;
	exporter)
		holder=$(start_exporter "$(free_port)" "$nginx_pid")
		pin "$LOAD_CPU" "$holder"
		measure "$url"
		stop "$holder"
		holder=""
		;;
	esac
}

port=$(free_port)
nginx_pid=$(start_nginx "$port" "$WORK/nginx")
pids+=("$nginx_pid")
url="http://127.0.0.1:$port/"
wait_http "$url" 10
pin "$SERVER_CPU" "$nginx_pid"
measure "$url" # warm-up

settings=(none empty exporter)
: >"$WORK/results"
for round in $(seq "$ROUNDS"); do
	line="  round $round:"
	for i in 0 1 2; do
		# Rotate the order, so that no setting always runs first (or right after the
		# exporter's start-up).
		name=${settings[$(((i + round - 1) % 3))]}
		run_setting "$name"
		echo "$round $name $rps $ns" >>"$WORK/results"
		line+=$(printf ' %s %.0f req/s %d ns/req,' "$name" "$rps" "$ns")
	done
	echo "${line%,}"
done
awk "$AWK_MEDIAN"'
	{ rps[$1, $2] = $3; ns[$1, $2] = $4; rounds = $1 }
	END {
		for (r = 1; r <= rounds; r++) {
			te[r] = rps[r, "empty"] / rps[r, "none"]; tx[r] = rps[r, "exporter"] / rps[r, "none"]
			ce[r] = ns[r, "none"] / ns[r, "empty"]; cx[r] = ns[r, "none"] / ns[r, "exporter"]
			nn[r] = ns[r, "none"]; ne[r] = ns[r, "empty"]; nx[r] = ns[r, "exporter"]
		}
		printf "RESULT nginx throughput, median of %d per-round ratios to none: empty programs %.3f, exporter %.3f\n", rounds, median(te, rounds), median(tx, rounds)
		printf "RESULT nginx CPU per request (none / setting), median of %d per-round ratios: empty programs %.3f, exporter %.3f; medians none %d, empty %d, exporter %d ns/request\n", rounds, median(ce, rounds), median(cx, rounds), median(nn, rounds), median(ne, rounds), median(nx, rounds)
	}' "$WORK/results"
