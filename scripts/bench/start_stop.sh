#!/usr/bin/env bash
# How long the exporter takes to start (exec to /-/ready answering 200: hook-mode probe,
# program verification, attach, target scan) and to stop (SIGTERM to exit: links
# detached, programs and maps freed), watching one sleeping process.
#   scripts/bench/start_stop.sh [EXPORTER...]   (as root; ROUNDS=5)
# Several binaries alternate within each round, so they compare within one run.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
ROUNDS=${ROUNDS:-5}
[ $# -gt 0 ] || set -- "$FEE_BIN"
WORK=$(mktemp -d /tmp/fee-startstop.XXXXXX)
pids=()
trap 'stop "${pids[@]}"; rm -rf "$WORK"' EXIT

sleep 100000 &
target=$!
pids+=("$target")
now_ms() { date +%s%3N; }
for round in $(seq "$ROUNDS"); do
	for b in $(seq $#); do
		port=$(free_port)
		t0=$(now_ms)
		"${!b}" --pid "$target" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
		exporter=$!
		pids+=("$exporter") # stopped on any exit, also "not ready in 30 s"
		until curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$port/-/ready"; do
			sleep 0.02
			if [ $(($(now_ms) - t0)) -gt 30000 ]; then echo "not ready in 30 s" >&2; exit 1; fi
		done
		t1=$(now_ms)
		# The programs it holds: each one the verifier went through.
		programs=$(grep -h '^prog_id:' /proc/"$exporter"/fdinfo/* 2>/dev/null | sort -u | wc -l)
		kill -TERM "$exporter"
		wait "$exporter" || true
		t2=$(now_ms)
		echo "$b $((t1 - t0)) $((t2 - t1)) $programs" >>"$WORK/rounds"
		printf '  round %d %s: ready after %d ms, exit %d ms after SIGTERM; %d programs\n' \
			"$round" "${!b}" $((t1 - t0)) $((t2 - t1)) "$programs"
	done
done
for b in $(seq $#); do
	awk -v b="$b" -v bin="${!b}" "$AWK_MEDIAN"'
	$1 == b { n++; r[n] = $2; e[n] = $3; p = $4 }
	END { printf "RESULT %s: median of %d rounds: ready %d ms after start, exit %d ms after SIGTERM; %d programs\n", bin, n, median(r, n), median(e, n), p }' "$WORK/rounds"
done
