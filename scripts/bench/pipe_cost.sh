#!/usr/bin/env bash
# What a process that is no target pays per read or write call: a pipe written and read
# CALLS times (floor/pipe_rw.c), CPU ns per call (the process's own CPU time: robust to a
# busy machine, where wall time swings with the neighbours) with no programs, with empty programs on the
# exporter's tracepoints (the floor: the syscall slow path any tracepoint program costs),
# and with each exporter given (watching a sleeping process), rounds alternating.
#   scripts/bench/pipe_cost.sh [EXPORTER...]   (as root; ROUNDS=5 CALLS=1000000)
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
ROUNDS=${ROUNDS:-5}
CALLS=${CALLS:-1000000}
[ $# -gt 0 ] || set -- "$FEE_BIN"
WORK=$(mktemp -d /tmp/fee-pipe.XXXXXX)
pids=()
trap 'stop "${pids[@]}"; rm -rf "$WORK"' EXIT

build_floor "$WORK"
cc -O2 -o "$WORK/pipe_rw" "$REPO_ROOT/scripts/bench/floor/pipe_rw.c"

sleep 100000 &
target=$!
pids+=("$target")
"$WORK/pipe_rw" "$CALLS" >/dev/null # warm-up
for round in $(seq "$ROUNDS"); do
	line="none $("$WORK/pipe_rw" "$CALLS")"
	rm -f "$WORK/attach.out"
	"$WORK/attach_all" "$WORK/noop.bpf.o" 600 >"$WORK/attach.out" &
	holder=$!
	until grep -q attached "$WORK/attach.out" 2>/dev/null; do sleep 0.1; done
	line+=" empty $("$WORK/pipe_rw" "$CALLS")"
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	for b in $(seq $#); do
		exporter=$(FEE_BIN=${!b} start_exporter "$(free_port)" "$target")
		line+=" exporter$b $("$WORK/pipe_rw" "$CALLS")"
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
