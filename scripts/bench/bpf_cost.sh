#!/usr/bin/env bash
# Where the exporter's kernel time goes, per nginx request: BPF run time of every program
# the exporter holds (kernel.bpf_stats_enabled, which itself adds a little per call) under
# a bounded wrk load against nginx (`return 200`, one worker, access log on), divided by
# the requests nginx logged.
#   scripts/bench/bpf_cost.sh [EXPORTER...]   (as root; ROUNDS=3 SECONDS_PER_RUN=5)
# Several exporter binaries (say main's and a branch's) are measured in alternating rounds
# against the same nginx, so their figures compare within one run. Per binary it prints:
#   nginx's programs  the programs on the syscalls nginx serves a request with (recvfrom,
#                     writev): the BPF time a request costs the server itself;
#   machine-wide      every program of the exporter, whichever process ran it (wrk's reads
#                     and writes and nginx's access-log writes pay the target check too);
# as medians over the rounds, and the per-program breakdown of the last round. Each round
# also runs empty programs on the same tracepoints (scripts/bench/floor/), measured the same
# way: what any program costs per request there (dispatch, the stats' own clock reads),
# the floor under the exporter's figures. Each binary's line also gives the CPU time its
# process (the daemon, all its threads: user + system) used per request, since work taken
# out of the kernel's programs lands there.
# The argument `split` (instead of a binary) runs the "capture, don't parse" prototype
# (scripts/bench/split/, docs/kernel-daemon-split.md): programs that only ship each read's
# and write's first bytes, and a consumer that rebuilds the requests with the exporter's
# own state machine in userspace and checks them against nginx's access log every round
# (its lines start with "split"; the script fails if any round's are not EXACT).
# SPLIT_READ_BYTES=N ships at most N bytes per read (default 256; less shows the check fail).
# UPSTREAM=1 makes nginx a reverse proxy to a second nginx (no target, no access log): per
# request it then also connects, writes the request and reads the answer on a socket that
# carries no request to it, the non-HTTP socket I/O of a target (its reads come back with
# `recvfrom` and `readv`; NGINX_SYSCALLS may name them).
# For the prototype's ablation, `split:drain` is the prototype whose consumer only drains the
# ring (what draining costs the daemon), `split:cutN` the prototype stopped at cut point N
# (enum split_cut in scripts/bench/split/capture.h), `split:batch` the prototype writing its
# records into per-CPU batches that go into the ring 4 KiB at a time; none is checked.
# The argument `bound` runs the least exact design (scripts/bench/bound/, docs/kernel-daemon-
# split.md "The least an exact design pays"): programs that do only what any exact design
# keeping request bytes in the kernel must do per request, no parsing, and a consumer that
# checks their records against nginx's access log every round (its lines start with "bound";
# the script fails if any round's are not EXACT). Its ablation: `bound:nocopy` (no copy of
# the request bytes), `bound:nostatus` (no read of the status bytes), `bound:norecord` (no
# ring record), `bound:target` (the target check only), measured, not checked;
# `bound:fdarray` (connections in an array indexed by descriptor, not an LRU hash) and
# `bound:lean` (that, and records batched per CPU into the ring 4 KiB at a time), checked;
# `bound:drop1000` is checked, and fails: its consumer ignores every 1000th record, to show
# the check does.
# TOGETHER=1 attaches the empty programs and every exporter at once (each watching nginx),
# in an order that rotates per round, and measures them on the same requests: on a busy
# machine, where one wrk run differs from the next by more than the programs do, that is
# the comparison that holds (each program's time is its own; the others only share the
# caches with it). The last lines give each exporter's figures over the first one's, as
# the median of the per-round ratios. KEEP=DIR keeps every round's per-program figures there
# (results.N, N the binary's place in the arguments, 1 the empty programs).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
NGINX_SYSCALLS=${NGINX_SYSCALLS:-recvfrom writev}
[ $# -gt 0 ] || set -- "$FEE_BIN"
WORK=$(mktemp -d /tmp/fee-cost.XXXXXX)
pids=()
trap 'sysctl -qw kernel.bpf_stats_enabled=0; stop "${pids[@]}"; rm -rf "$WORK"' EXIT
build_floor "$WORK"
case " $* " in *" split"*) build_split "$WORK" ;; esac
case " $* " in *" bound"*) build_bound "$WORK" ;; esac

if [ "${UPSTREAM:-0}" = 1 ]; then
	upstream_port=$(free_port)
	upstream_pid=$(start_nginx "$upstream_port" "$WORK/upstream")
	pids+=("$upstream_pid")
	wait_http "http://127.0.0.1:$upstream_port/" 10
	export NGINX_LOCATION="proxy_pass http://127.0.0.1:$upstream_port;"
fi
port=$(free_port)
NGINX_ACCESS_LOG=$WORK/access.log
export NGINX_ACCESS_LOG
nginx_pid=$(start_nginx "$port" "$WORK/nginx")
pids+=("$nginx_pid")
url="http://127.0.0.1:$port/"
wait_http "$url" 10
wrk -t1 -c16 -d1s "$url" >/dev/null # warm-up
sysctl -qw kernel.bpf_stats_enabled=1

# start_programs BIN B: the exporter BIN watching nginx, (BIN "floor") the empty programs,
# or (BIN "split..." or "bound...") a benchmark-only consumer, its report to
# $WORK/report.B; prints the PID holding them.
start_programs() {
	if [ "$1" = floor ]; then
		rm -f "$WORK/attach.out"
		"$WORK/attach_all" "$WORK/noop.bpf.o" 3600 >"$WORK/attach.out" &
		until grep -q attached "$WORK/attach.out" 2>/dev/null; do sleep 0.1; done
		echo $!
	elif [[ $1 == split* || $1 == bound* ]]; then
		local out=$WORK/report.$2 consumer=() variant=()
		case "$1" in
		split:drain) variant=(--drain-only) ;;
		split:batch) variant=(--batch) ;;
		split:cut*) variant=(--cut "${1#split:cut}") ;;
		bound:nocopy) variant=(--variant 1) ;;
		bound:nostatus) variant=(--variant 2) ;;
		bound:norecord) variant=(--variant 3) ;;
		bound:target) variant=(--variant 4) ;;
		bound:fdarray) variant=(--variant 5) ;;
		bound:lean) variant=(--variant 6) ;;
		bound:drop1000) variant=(--drop-every 1000) ;;
		bound) ;;
		bound:*) echo "bpf_cost.sh: unknown variant $1" >&2; return 1 ;;
		esac
		if [[ $1 == split* ]]; then
			consumer=("$WORK/split_consumer" --read-bytes "${SPLIT_READ_BYTES:-256}")
		else
			consumer=("$WORK/bound_consumer")
		fi
		rm -f "$out"
		"${consumer[@]}" "${variant[@]}" "$NGINX_ACCESS_LOG" "$nginx_pid" >"$out" 2>&1 &
		local pid=$!
		until grep -q attached "$out" 2>/dev/null; do
			kill -0 "$pid" 2>/dev/null || { cat "$out" >&2; return 1; }
			sleep 0.1
		done
		echo "$pid"
	else
		FEE_BIN=$1 start_exporter "$(free_port)" "$nginx_pid"
	fi
}

# consumer_check BIN B ROUND: a benchmark-only consumer's report of the round, once it has
# stopped; a round of `split`, `bound`, `bound:fdarray`, `bound:lean` or `bound:drop1000`
# whose counts are not EXACT is remembered (the script fails at the end). The other variants
# are not checked.
consumer_check() {
	sed "s|^|  $1 round $3: |" "$WORK/report.$2"
	case "$1" in split | bound | bound:fdarray | bound:lean | bound:drop1000) ;; *) return 0 ;; esac
	grep -q "^${1%%:*} exactness: EXACT\$" "$WORK/report.$2" || echo "$1 round $3" >>"$WORK/check.failed"
}

# cpu_sample B PID WHEN: the CPU time of binary B's process, to $WORK/cpu.WHEN.B.
cpu_sample() {
	task_cpu_ns "$2" >"$WORK/cpu.$3.$1"
}

# record_round B ROUND REQUESTS: binary B's figures from $WORK/before.B and after.B, and
# its process's CPU time from $WORK/cpu.before.B and cpu.after.B.
record_round() {
	local cpu=$(($(cat "$WORK/cpu.after.$1") - $(cat "$WORK/cpu.before.$1")))
	$PY - "$WORK/before.$1" "$WORK/after.$1" "$3" "$NGINX_SYSCALLS" "$2" "$cpu" >>"$WORK/results.$1" <<'PYEOF'
import sys
def load(path):
    out = {}
    for line in open(path):
        pid, cnt, ns, name = line.split()
        out[pid] = (int(cnt), int(ns), name)
    return out
before, after = load(sys.argv[1]), load(sys.argv[2])
requests, server_calls = int(sys.argv[3]), sys.argv[4].split()
total = server = 0
rows = []
for pid, (cnt, ns, name) in after.items():
    c0, n0, _ = before.get(pid, (0, 0, name))
    cnt, ns = cnt - c0, ns - n0
    if not cnt:
        continue
    total += ns
    if any(name.endswith("_" + s) for s in server_calls):
        server += ns
    rows.append((ns, name, cnt))
print("ROUND %s requests %d nginx %.0f machine %.0f daemon_cpu %.0f"
      % (sys.argv[5], requests, server / requests, total / requests, int(sys.argv[6]) / requests))
for ns, name, cnt in sorted(rows, reverse=True):
    print("  %-24s calls/request %6.2f  ns/call %6.0f  ns/request %6.0f" % (name, cnt / requests, ns / cnt, ns / requests))
PYEOF
}

set -- floor "$@"
for round in $(seq "$ROUNDS"); do
	if [ "${TOGETHER:-0}" = 1 ]; then
		declare -A holder=()
		order=$(seq $# | awk -v r="$round" -v n=$# '{print ($1 + r - 2) % n + 1}')
		for b in $order; do
			holder[$b]=$(start_programs "${!b}" "$b")
			pids+=("${holder[$b]}")
		done
		for b in $(seq $#); do
			prog_stats "${holder[$b]}" >"$WORK/before.$b"
			cpu_sample "$b" "${holder[$b]}" before
		done
		logged=$(wc -l <"$NGINX_ACCESS_LOG")
		wrk -t1 -c16 -d"${SECONDS_PER_RUN}s" "$url" >/dev/null
		requests=$(($(wc -l <"$NGINX_ACCESS_LOG") - logged))
		for b in $(seq $#); do
			prog_stats "${holder[$b]}" >"$WORK/after.$b"
			cpu_sample "$b" "${holder[$b]}" after
		done
		for b in $order; do stop "${holder[$b]}"; done
		for b in $(seq $#); do
			record_round "$b" "$round" "$requests"
			grep "^ROUND $round " "$WORK/results.$b" | sed "s|^|  ${!b} |"
			[[ ${!b} != split* && ${!b} != bound* ]] || consumer_check "${!b}" "$b" "$round"
		done
		continue
	fi
	for b in $(seq $#); do
		exporter=$(start_programs "${!b}" "$b")
		pids+=("$exporter")
		prog_stats "$exporter" >"$WORK/before.$b"
		cpu_sample "$b" "$exporter" before
		logged=$(wc -l <"$NGINX_ACCESS_LOG")
		wrk -t1 -c16 -d"${SECONDS_PER_RUN}s" "$url" >/dev/null
		prog_stats "$exporter" >"$WORK/after.$b"
		cpu_sample "$b" "$exporter" after
		requests=$(($(wc -l <"$NGINX_ACCESS_LOG") - logged))
		stop "$exporter"
		record_round "$b" "$round" "$requests"
		grep "^ROUND $round " "$WORK/results.$b" | sed "s|^|  ${!b} |"
		[[ ${!b} != split* && ${!b} != bound* ]] || consumer_check "${!b}" "$b" "$round"
	done
done
for b in $(seq $#); do
	echo "== ${!b}"
	awk -v last="$ROUNDS" '$1 == "ROUND" && $2 == last {p = 1; next} $1 == "ROUND" {p = 0} p' "$WORK/results.$b"
done
# Medians over the rounds: raw, and over the floor measured in the same round.
$PY - "$WORK" "$@" <<'PYEOF'
import statistics, sys
work, bins = sys.argv[1], sys.argv[2:]
def rounds(b):
    out = []
    for line in open("%s/results.%d" % (work, b)):
        f = line.split()
        if f[0] == "ROUND":
            out.append((float(f[5]), float(f[7]), float(f[9])))
    return out
floor = rounds(1)
print("RESULT floor (empty programs): BPF ns per nginx request, median of %d rounds: nginx's programs %.0f, machine-wide %.0f"
      % (len(floor), statistics.median(r[0] for r in floor), statistics.median(r[1] for r in floor)))
for b in range(2, len(bins) + 1):
    r = rounds(b)
    print("RESULT %s: BPF ns per nginx request, median of %d rounds: nginx's programs %.0f (%.0f over the floor), machine-wide %.0f (%.0f over the floor); its process's CPU ns per request %.0f"
          % (bins[b - 1], len(r), statistics.median(x[0] for x in r),
             statistics.median(x[0] - f[0] for x, f in zip(r, floor)),
             statistics.median(x[1] for x in r),
             statistics.median(x[1] - f[1] for x, f in zip(r, floor)),
             statistics.median(x[2] for x in r)))
first = rounds(2) if len(bins) > 2 else []
for b in range(3, len(bins) + 1):
    r = rounds(b)
    print("RESULT %s / %s: median of the per-round ratios: nginx's programs %.2f, machine-wide %.2f"
          % (bins[b - 1], bins[1], statistics.median(x[0] / y[0] for x, y in zip(r, first)),
             statistics.median(x[1] / y[1] for x, y in zip(r, first))))
PYEOF
if [ -n "${KEEP:-}" ]; then
	mkdir -p "$KEEP"
	cp "$WORK"/results.* "$KEEP"/
fi
if [ -s "$WORK/check.failed" ]; then
	echo "RESULT: counts not exact (unequal to nginx's access log, records lost, or bytes they needed not shipped) in" \
		"$(paste -sd, "$WORK/check.failed")" >&2
	exit 1
fi
case " $* " in *" split "*) echo "RESULT split: the rebuilt requests equal nginx's access log in every round" ;; esac
case " $* " in *" bound "*) echo "RESULT bound: one record per request nginx logged, by request line and status, in every round" ;; esac
