#!/usr/bin/env bash
# What a process that is no target pays per read or write call: a pipe written and read
# CALLS times (floor/pipe_rw.c), CPU ns per call (the process's own CPU time: robust to a
# busy machine, where wall time swings with the neighbours) with no programs, with empty programs on the
# exporter's tracepoints (the floor: the syscall slow path any tracepoint program costs),
# and with each exporter given (watching a sleeping process), rounds alternating.
#   scripts/bench/pipe_cost.sh [EXPORTER...]   (as root; ROUNDS=5 CALLS=1000000)
# pipe_rw runs pinned to one CPU (PIN_CPU, default the last), and each figure is the median
# of per-round values. On a busy machine the CPU-time figures still swing by more than the
# programs cost; the second part measures the programs themselves: the empty programs and
# every exporter attached at once (kernel.bpf_stats_enabled), pipe_rw run once per round,
# and each program's own run time per call, the programs of a read and of a write (exit,
# and entry where one is loaded) averaged: the exporter's share over the floor from the
# same calls.
# TARGET=1 makes pipe_rw a target instead (the child of a watched shell, having served one
# request on a socketpair first): what a watched server pays for its pipe and file I/O,
# which is no request and no response; part two then gives the programs of a write (entry,
# exit) and of a read apart.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
ROUNDS=${ROUNDS:-5}
CALLS=${CALLS:-1000000}
[ $# -gt 0 ] || set -- "$FEE_BIN"
WORK=$(mktemp -d /tmp/fee-pipe.XXXXXX)
pids=()
trap 'sysctl -qw kernel.bpf_stats_enabled=0; stop "${pids[@]}"; rm -rf "$WORK"' EXIT
PIN_CPU=${PIN_CPU:-$(($(nproc) - 1))}

build_floor "$WORK"
cc -O2 -o "$WORK/pipe_rw.bin" "$REPO_ROOT/scripts/bench/floor/pipe_rw.c"
printf '#!/bin/sh\nexec taskset -c %s %s "$@"\n' "$PIN_CPU" "$WORK/pipe_rw.bin" >"$WORK/pipe_rw"
chmod +x "$WORK/pipe_rw"

TARGET=${TARGET:-0}
if [ "$TARGET" = 1 ]; then
	# The watched process: a shell that runs pipe_rw as its child (followed at fork) for
	# each call count written to $WORK/go, its output to $WORK/result.
	mkfifo "$WORK/go" "$WORK/result"
	(while read -r n <"$WORK/go"; do "$WORK/pipe_rw" "$n" served >"$WORK/result"; done) &
else
	sleep 100000 &
fi
target=$!
pids+=("$target")
# run_pipe_rw CALLS: pipe_rw's figure, run as the target's child with TARGET=1.
run_pipe_rw() {
	if [ "$TARGET" = 1 ]; then
		echo "$1" >"$WORK/go"
		cat "$WORK/result"
	else
		"$WORK/pipe_rw" "$1"
	fi
}
run_pipe_rw "$CALLS" >/dev/null # warm-up
for round in $(seq "$ROUNDS"); do
	line="none $(run_pipe_rw "$CALLS")"
	rm -f "$WORK/attach.out"
	"$WORK/attach_all" "$WORK/noop.bpf.o" 600 >"$WORK/attach.out" &
	holder=$!
	until grep -q attached "$WORK/attach.out" 2>/dev/null; do sleep 0.1; done
	line+=" empty $(run_pipe_rw "$CALLS")"
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	for b in $(seq $#); do
		exporter=$(FEE_BIN=${!b} start_exporter "$(free_port)" "$target")
		line+=" exporter$b $(run_pipe_rw "$CALLS")"
		stop "$exporter"
	done
	echo "  round $round: $line (ns per call)"
	echo "$line" >>"$WORK/rounds"
done
for b in $(seq $#); do
	awk -v b="$b" -v bin="${!b}" "$AWK_MEDIAN"'
	{ n++; none[n] = $2; empty[n] = $4; on[n] = $(4 + 2 * b); over[n] = $(4 + 2 * b) - $4 }
	END { printf "RESULT %s: ns per pipe read/write call, median of %d rounds: none %.1f, empty programs %.1f, exporter %.1f; the exporter over the floor %.1f\n", bin, n, median(none, n), median(empty, n), median(on, n), median(over, n) }' "$WORK/rounds"
done

# Part two: the programs' own time per call, all attached at once, on the same calls.
sysctl -qw kernel.bpf_stats_enabled=1
for round in $(seq "$ROUNDS"); do
	rm -f "$WORK/attach.out"
	"$WORK/attach_all" "$WORK/noop.bpf.o" 600 >"$WORK/attach.out" &
	holders=($!)
	until grep -q attached "$WORK/attach.out" 2>/dev/null; do sleep 0.1; done
	for b in $(seq $#); do holders+=("$(FEE_BIN=${!b} start_exporter "$(free_port)" "$target")"); done
	pids+=("${holders[@]}")
	for i in "${!holders[@]}"; do prog_stats "${holders[$i]}" >"$WORK/before.$i"; done
	run_pipe_rw "$CALLS" >/dev/null
	for i in "${!holders[@]}"; do prog_stats "${holders[$i]}" >"$WORK/after.$i"; done
	stop "${holders[@]}"
	line=""
	for i in "${!holders[@]}"; do
		# ns per read or write call: its programs' (entry, where there is one, + exit),
		# the mean of read's and write's (TARGET=1: a write's entry and exit, a read's exit).
		line+=" $($PY - "$WORK/before.$i" "$WORK/after.$i" "$TARGET" <<'PYEOF'
import re, sys
def load(path):
    return {f[0]: (int(f[1]), int(f[2]), f[3]) for f in (l.split() for l in open(path))}
before, after = load(sys.argv[1]), load(sys.argv[2])
per = {}
for pid, (cnt, ns, name) in after.items():
    m = re.search(r"(enter|exit)_(read|write)$", name)
    c0, n0, _ = before.get(pid, (0, 0, name))
    if m and cnt > c0:
        per[m.group(0)] = (ns - n0) / (cnt - c0)
# Every program a read and a write run (a read has no entry program since issue 13).
if {"exit_read", "exit_write"} > per.keys():
    print("nan")
elif sys.argv[3] == "1":
    print("%.1f/%.1f/%.1f" % (per.get("enter_write", 0), per["exit_write"], per["exit_read"]))
else:
    print("%.1f" % (sum(per.values()) / 2))
PYEOF
)"
	done
	echo "  bpf_stats round $round: empty programs and exporters:$line (BPF ns per call)"
	echo "$line" >>"$WORK/stats_rounds"
done
if [ "$TARGET" = 1 ]; then
	for b in $(seq $#); do
		awk -v b="$b" -v bin="${!b}" "$AWK_MEDIAN"'
		function part(name, i,   k) {
			for (k = 1; k <= n; k++) { v[k] = x[k, i]; f[k] = e[k, i]; o[k] = x[k, i] - e[k, i] }
			return sprintf("%s %.1f (empty programs %.1f, over them %.1f)", name, median(v, n), median(f, n), median(o, n))
		}
		{ n++; split($1, a, "/"); split($(1 + b), c, "/"); for (i = 1; i <= 3; i++) { e[n, i] = a[i]; x[n, i] = c[i] } }
		END { printf "RESULT %s: BPF ns per pipe call of a target (its programs, bpf_stats, same calls), median of %d rounds: %s, %s, %s\n", bin, n, part("write entry", 1), part("write exit", 2), part("read exit", 3) }' "$WORK/stats_rounds"
	done
	exit 0
fi
for b in $(seq $#); do
	awk -v b="$b" -v bin="${!b}" "$AWK_MEDIAN"'
	{ n++; empty[n] = $1; on[n] = $(1 + b); over[n] = $(1 + b) - $1 }
	END { printf "RESULT %s: BPF ns per pipe read/write call (its programs, bpf_stats, same calls), median of %d rounds: empty programs %.1f, exporter %.1f; the exporter over the floor %.1f\n", bin, n, median(empty, n), median(on, n), median(over, n) }' "$WORK/stats_rounds"
done
