#!/usr/bin/env bash
# No loss: wrk at full speed against nginx (`return 200`) and against the sample app under
# gunicorn, with the exporter attached; the exporter's request total must equal the
# requests wrk completed exactly, with no record dropped. wrk_exact.lua makes wrk's count
# exact (no request left in flight at the end); the servers' access logs are compared too.
#
#   scripts/bench/noloss.sh            (as root; SECONDS_PER_RUN=20 CONNECTIONS=16)
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
CONNECTIONS=${CONNECTIONS:-16}
WORK=$(mktemp -d /tmp/fee-noloss.XXXXXX)
pids=()
trap 'stop "${pids[@]}"; rm -rf "$WORK"' EXIT

[ "$(id -u)" -eq 0 ] || { echo "noloss: run as root" >&2; exit 1; }
[ -x "$FEE_BIN" ] || { echo "noloss: build first (make)" >&2; exit 1; }

failed=0

# run NAME SERVER_PID URL ACCESS_LOG: one exact wrk run with the exporter attached.
run() {
	local name=$1 pid=$2 url=$3 log=$4 mport exporter completed rps counted dropped logged
	mport=$(free_port)
	exporter=$(start_exporter "$mport" "$pid")
	: >"$log"
	# wrk's own -d only has to outlast the script's stop (whole seconds, per thread); its
	# Requests/sec divides by -d, so the rate here is completed / SECONDS_PER_RUN.
	wrk -t"$CONNECTIONS" -c"$CONNECTIONS" -d"$((SECONDS_PER_RUN + 3))s" --timeout 10s \
		-s "$REPO_ROOT/scripts/bench/wrk_exact.lua" "$url" -- "$SECONDS_PER_RUN" >"$WORK/wrk.out"
	completed=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
	rps=$((completed / SECONDS_PER_RUN))
	sleep 0.5 # the last records drain within 100 ms; the access log is written at once
	counted=$(metric_sum "http://127.0.0.1:$mport/metrics" flask_http_request_total)
	dropped=$(metric_sum "http://127.0.0.1:$mport/metrics" flask_ebpf_exporter_records_dropped_total)
	logged=$(wc -l <"$log")
	stop "$exporter"
	printf 'RESULT %-9s %6.0f req/s for %ss: wrk completed %d, server logged %d, exporter counted %d, dropped %d' \
		"$name" "$rps" "$SECONDS_PER_RUN" "$completed" "$logged" "$counted" "$dropped"
	if [ "$completed" -eq "$counted" ] && [ "$logged" -eq "$counted" ] && [ "$dropped" -eq 0 ]; then
		echo "  OK"
	else
		echo "  MISMATCH"
		failed=1
	fi
}

echo "noloss: ${SECONDS_PER_RUN}s per server, wrk -t$CONNECTIONS -c$CONNECTIONS (one connection per thread)"
nport=$(free_port)
nginx_pid=$(NGINX_ACCESS_LOG="$WORK/nginx-access.log" start_nginx "$nport" "$WORK/nginx")
pids+=("$nginx_pid")
wait_http "http://127.0.0.1:$nport/" 10
sleep 0.5 && : >"$WORK/nginx-access.log"
run nginx "$nginx_pid" "http://127.0.0.1:$nport/" "$WORK/nginx-access.log"

gport=$(free_port)
gunicorn_pid=$(start_gunicorn "$gport" 2 "$WORK/gunicorn-access.log")
pids+=("$gunicorn_pid")
wait_http "http://127.0.0.1:$gport/" 20
run gunicorn "$gunicorn_pid" "http://127.0.0.1:$gport/" "$WORK/gunicorn-access.log"
exit "$failed"
