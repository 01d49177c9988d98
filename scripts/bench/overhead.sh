#!/usr/bin/env bash
# Overhead of the exporter on the servers it watches: requests/s under wrk with and
# without the exporter attached, as a ratio measured in one run (machines are noisy, so
# rounds alternate: off, on, off, on, ...). Also checks that the exporter counted exactly
# the requests wrk completed while it was attached.
#
#   scripts/bench/overhead.sh            (as root; ROUNDS=3 SECONDS_PER_ROUND=5 CONNECTIONS=16)
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

ROUNDS=${ROUNDS:-3}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-5}
CONNECTIONS=${CONNECTIONS:-16}
WORK=$(mktemp -d /tmp/fee-bench.XXXXXX)
pids=()
trap 'stop "${pids[@]}"; rm -rf "$WORK"' EXIT

[ "$(id -u)" -eq 0 ] || { echo "overhead: run as root" >&2; exit 1; }
[ -x "$FEE_BIN" ] || { echo "overhead: build first (make)" >&2; exit 1; }

# wrk_rps URL: requests/s and completed requests of one bounded wrk run.
wrk_run() {
	wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_ROUND}s" --timeout 5s "$1" >"$WORK/wrk.out"
	local rps total
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.out")
	total=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
	echo "$rps $total"
}

# bench NAME PID URL: alternate rounds without and with the exporter on PID.
bench() {
	local name=$1 pid=$2 url=$3 mport off on total counted dropped exporter
	local offs=() ons=()
	mport=$(free_port)
	wrk_run "$url" >/dev/null # warm-up
	for round in $(seq "$ROUNDS"); do
		read -r off _ < <(wrk_run "$url")
		exporter=$(start_exporter "$mport" "$pid")
		read -r on total < <(wrk_run "$url")
		counted=$(metric_sum "http://127.0.0.1:$mport/metrics" flask_http_request_total)
		dropped=$(metric_sum "http://127.0.0.1:$mport/metrics" flask_ebpf_exporter_records_dropped_total)
		stop "$exporter"
		offs+=("$off")
		ons+=("$on")
		printf '  %-9s round %d: off %9.1f req/s, on %9.1f req/s; wrk completed %d, exporter counted %d, dropped %d\n' \
			"$name" "$round" "$off" "$on" "$total" "$counted" "$dropped"
	done
	# The ratio of the means, and the median of the per-round ratios (robust to a round
	# that a noisy neighbour spoiled).
	awk -v name="$name" -v offs="${offs[*]}" -v ons="${ons[*]}" 'BEGIN {
		n = split(offs, a, " "); split(ons, b, " ")
		for (i = 1; i <= n; i++) { so += a[i]; sn += b[i]; r[i] = b[i] / a[i] }
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
		median = n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
		printf "RESULT %-9s mean off %9.1f req/s, mean on %9.1f req/s, ratio on/off %.3f, median round ratio %.3f\n", name, so / n, sn / n, sn / so, median
	}'
}

echo "overhead: $ROUNDS rounds of ${SECONDS_PER_ROUND}s per setting, wrk -t1 -c$CONNECTIONS"
nport=$(free_port)
nginx_pid=$(start_nginx "$nport" "$WORK/nginx")
pids+=("$nginx_pid")
wait_http "http://127.0.0.1:$nport/" 10
bench nginx "$nginx_pid" "http://127.0.0.1:$nport/"

gport=$(free_port)
gunicorn_pid=$(start_gunicorn "$gport" 2)
pids+=("$gunicorn_pid")
wait_http "http://127.0.0.1:$gport/" 20
bench gunicorn "$gunicorn_pid" "http://127.0.0.1:$gport/"
