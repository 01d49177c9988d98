#!/bin/sh
# bench-guest.sh LABEL:MODE:EXPORTER... — make bench-kernels, inside the guest (busybox
# sh): nginx (`return 200`, one worker) under wrk, both in the guest, without the exporter
# and with each exporter binary in each hook mode given, in BENCH_ROUNDS alternating rounds
# of BENCH_SECONDS s (wrk -t1 -cBENCH_CONNECTIONS). Prints one line per round and setting,
# "KTEST bench ROUND SETTING REQUESTS_PER_S NGINX_NS_PER_REQUEST IDLE_NS_PER_REQUEST
# EXPORTER_NS_PER_REQUEST COUNTED/REQUESTS", where SETTING is "none" or LABEL:MODE,
# NGINX_NS_PER_REQUEST is nginx's CPU time per request (its threads' schedstat run time
# over wrk's count), IDLE_NS_PER_REQUEST the guest's idle time per request (/proc/stat,
# 10 ms ticks: under icount with sleep=off an idle CPU skips to its next timer, time in
# which no instruction ran), EXPORTER_NS_PER_REQUEST the exporter's CPU time per request
# (0 without), and COUNTED/REQUESTS the requests the exporter's flask_http_request_total
# counted of those wrk completed (wrk's connections cut at its end may leave a few
# requests unanswered); bench.sh turns them into ratios. With two vCPUs
# nginx runs on vCPU 1, wrk and the exporter on vCPU 0, so nothing else shares nginx's
# CPU; with one (bench.sh's BENCH_ICOUNT) all share it. A setting that does not start is
# a failure.
#
# A spec "bound:CONSUMER" (bench.sh's BENCH_BOUND=1) is the setting `bound`: the least
# exact design's consumer (scripts/bench/bound/), which loads and attaches its programs on
# the syscall tracepoints and, once stopped (SIGTERM) after the round, checks one record per
# request nginx logged since it attached; its line counts what it counted, its
# EXPORTER_NS_PER_REQUEST is the consumer's CPU, and a round whose check is not EXACT is a
# failure (its report's lines follow as "KTEST bench-bound ROUND ..."). BENCH_ACCESS_LOG=1
# has nginx write its access log (combined format) in every setting; 0 (default): none.
set -u
ROUNDS=${BENCH_ROUNDS:-5}
SECONDS_PER_ROUND=${BENCH_SECONDS:-5}
CONNECTIONS=${BENCH_CONNECTIONS:-8}
WORK=$(mktemp -d /tmp/bench.XXXXXX)
NGINX_PID=
FEE_PID=
failures=0

cleanup() {
	[ -n "$FEE_PID" ] && kill "$FEE_PID" 2>/dev/null
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# nginx as scripts/lib/common.sh starts it on the host.
PORT=8080
mkdir -p "$WORK/nginx"
ACCESS_LOG=$WORK/nginx/access.log
if [ "${BENCH_ACCESS_LOG:-0}" = 1 ]; then access="$ACCESS_LOG"; else access=off; fi
cat >"$WORK/nginx/nginx.conf" <<NGINX
user root;
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log $access;
	client_body_temp_path $WORK/nginx/body;
	proxy_temp_path $WORK/nginx/proxy;
	fastcgi_temp_path $WORK/nginx/fastcgi;
	uwsgi_temp_path $WORK/nginx/uwsgi;
	scgi_temp_path $WORK/nginx/scgi;
	server {
		listen 127.0.0.1:$PORT;
		location / { return 200 "ok\n"; }
	}
}
NGINX
nginx -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
NGINX_PID=$!
sleep 1
# nginx (master and worker) on vCPU 1; everything this script starts later on vCPU 0.
VCPUS=$(grep -c '^processor' /proc/cpuinfo) # nproc would say 1 once this script is pinned
if [ "$VCPUS" -ge 2 ]; then
	for pid in $NGINX_PID $(cat /proc/$NGINX_PID/task/*/children); do taskset -a -p 2 "$pid" >/dev/null; done
	taskset -p 1 $$ >/dev/null
fi
if ! wget -q -O /dev/null "http://127.0.0.1:$PORT/"; then
	echo "KTEST bench FAIL: nginx does not answer: $(cat "$WORK/nginx/error.log")"
	echo "KTEST bench-EXIT=1"
	exit 1
fi

# started PATTERN: 0 once the program started as $FEE_PID has written a line matching
# PATTERN to $WORK/exporter.log; 1 if it died first or after 300 s.
started() {
	waited=0
	while ! grep -q "$1" "$WORK/exporter.log"; do
		kill -0 "$FEE_PID" 2>/dev/null || { FEE_PID=; return 1; }
		sleep 0.2
		waited=$((waited + 1))
		[ "$waited" -lt 1500 ] || return 1
	done
}

# Starts exporter $1 in mode $2 on nginx; 0 once it serves metrics.
start_exporter() {
	: >"$WORK/exporter.log" # before the background job opens it: grep must not race its creation
	"$1" --pid "$NGINX_PID" --listen 127.0.0.1:0 --hooks "$2" >"$WORK/exporter.log" 2>&1 &
	FEE_PID=$!
	started "serving metrics on"
}

# Starts the least exact design's consumer $1 on nginx; 0 once its programs are attached.
start_bound() {
	: >"$WORK/exporter.log"
	"$1" "$ACCESS_LOG" "$NGINX_PID" >"$WORK/exporter.log" 2>&1 &
	FEE_PID=$!
	started "^attached"
}

# run_ns PID...: nanoseconds on a CPU so far of the PIDs' threads.
run_ns() {
	for p in "$@"; do cat /proc/"$p"/task/*/schedstat; done | awk '{ sum += $1 } END { printf "%.0f", sum }'
}

# nginx_run_ns: the same for nginx's master and worker.
nginx_run_ns() {
	run_ns "$NGINX_PID" $(cat /proc/$NGINX_PID/task/*/children)
}

# counted: the requests the exporter's metrics count (its flask_http_request_total series).
counted() {
	url=$(sed -n 's/.*serving metrics on \(http:[^ ]*\).*/\1/p' "$WORK/exporter.log")
	wget -q -O - "$url" | awk '/^flask_http_request_total[{ ]/ { sum += $NF } END { printf "%.0f", sum }'
}

# per_request AFTER BEFORE [SCALE]: (AFTER - BEFORE) x SCALE over the requests wrk completed.
per_request() {
	awk -v d="$1" -v b="$2" -v k="${3:-1}" '/requests in/ { if ($1 > 0) printf "%.0f", (d - b) * k / $1 }' "$WORK/wrk.out"
}

# idle_ticks: the guest's idle and iowait time so far, in USER_HZ (100) ticks.
idle_ticks() {
	awk '$1 == "cpu" { print $5 + $6; exit }' /proc/stat
}

# What the CPU times are measured with: the clocksource and the TSC's calibrated rate
# (1000 MHz under icount shift 0: one tick per instruction).
echo "KTEST bench clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)," \
	"$VCPUS vCPUs, $(dmesg | grep -o 'tsc: Refined TSC clocksource calibration: .*' | tail -n 1)"
round=1
while [ "$round" -le "$ROUNDS" ]; do
	for spec in none "$@"; do
		setting=${spec%:*}
		if [ "$spec" != none ]; then
			mode=${setting#*:}
			start=start_exporter
			[ "$setting" != bound ] || start=start_bound
			if ! $start "${spec##*:}" "$mode"; then
				echo "KTEST bench FAIL: $setting did not start: $(tail -n 2 "$WORK/exporter.log")"
				failures=$((failures + 1))
				continue
			fi
		fi
		fee_before=0 fee_after=0 count=0
		[ -z "$FEE_PID" ] || fee_before=$(run_ns "$FEE_PID")
		before=$(nginx_run_ns)
		idle_before=$(idle_ticks)
		wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_ROUND}s" "http://127.0.0.1:$PORT/" >"$WORK/wrk.out"
		idle_after=$(idle_ticks)
		after=$(nginx_run_ns)
		if [ "$setting" = bound ]; then
			fee_after=$(run_ns "$FEE_PID")
			# Stopped, it detaches, drains the rest and checks against the access log.
			kill -TERM "$FEE_PID"
			wait "$FEE_PID"
			check=$?
			FEE_PID=
			count=$(sed -n 's/^bound: counted \([0-9]*\) requests.*/\1/p' "$WORK/exporter.log")
			sed "s/^/KTEST bench-bound $round /" "$WORK/exporter.log"
			if [ "$check" != 0 ] || ! grep -q "^bound exactness: EXACT\$" "$WORK/exporter.log"; then
				echo "KTEST bench FAIL: bound's check in round $round (exit $check)"
				failures=$((failures + 1))
			fi
		elif [ -n "$FEE_PID" ]; then
			fee_after=$(run_ns "$FEE_PID")
			sleep 1 # the exporter's last records drained
			count=$(counted)
		fi
		rps=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.out")
		ns=$(per_request "$after" "$before")
		idle=$(per_request "$idle_after" "$idle_before" 10000000)
		fee=$(per_request "$fee_after" "$fee_before")
		requests=$(awk '/requests in/ { print $1 }' "$WORK/wrk.out")
		if [ -n "$FEE_PID" ]; then
			kill -INT "$FEE_PID"
			wait "$FEE_PID"
			FEE_PID=
		fi
		echo "KTEST bench $round $setting ${rps:-0} ${ns:-0} ${idle:-0} ${fee:-0} $count/${requests:-0}"
	done
	round=$((round + 1))
done
echo "KTEST bench-EXIT=$failures"
[ "$failures" = 0 ]
