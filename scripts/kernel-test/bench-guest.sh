#!/bin/sh
# bench-guest.sh LABEL:MODE:EXPORTER... — make bench-kernels, inside the guest (busybox
# sh): nginx (`return 200`, one worker) under wrk, both in the guest, without the exporter
# and with each exporter binary in each hook mode given, in BENCH_ROUNDS alternating rounds
# of BENCH_SECONDS s (wrk -t1 -cBENCH_CONNECTIONS). Prints one line per round and setting,
# "KTEST bench ROUND SETTING REQUESTS_PER_S NGINX_NS_PER_REQUEST", where SETTING is "none"
# or LABEL:MODE and the last figure is nginx's CPU time per request (its threads'
# schedstat run time over wrk's count); bench.sh turns them into ratios. nginx runs on
# vCPU 1, wrk and the exporter on vCPU 0, so nothing else shares nginx's CPU. A setting
# that does not start is a failure.
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
cat >"$WORK/nginx/nginx.conf" <<NGINX
user root;
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
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
for pid in $NGINX_PID $(cat /proc/$NGINX_PID/task/*/children); do taskset -a -p 2 "$pid" >/dev/null; done
taskset -p 1 $$ >/dev/null
if ! wget -q -O /dev/null "http://127.0.0.1:$PORT/"; then
	echo "KTEST bench FAIL: nginx does not answer: $(cat "$WORK/nginx/error.log")"
	echo "KTEST bench-EXIT=1"
	exit 1
fi

# Starts exporter $1 in mode $2 on nginx; 0 once it serves metrics.
start_exporter() {
	log=$WORK/exporter.log
	"$1" --pid "$NGINX_PID" --listen 127.0.0.1:0 --hooks "$2" >"$log" 2>&1 &
	FEE_PID=$!
	waited=0
	while ! grep -q "serving metrics on" "$log"; do
		kill -0 "$FEE_PID" 2>/dev/null || { FEE_PID=; return 1; }
		sleep 0.2
		waited=$((waited + 1))
		[ "$waited" -lt 1500 ] || return 1
	done
}

# nginx_run_ns: nanoseconds on a CPU so far of nginx's master and worker threads.
nginx_run_ns() {
	cat /proc/$NGINX_PID/task/*/schedstat \
		$(for c in $(cat /proc/$NGINX_PID/task/*/children); do echo /proc/$c/task/*/schedstat; done) |
		awk '{ sum += $1 } END { printf "%.0f", sum }'
}

echo "KTEST bench clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
round=1
while [ "$round" -le "$ROUNDS" ]; do
	for spec in none "$@"; do
		setting=${spec%:*}
		if [ "$spec" != none ]; then
			mode=${setting#*:}
			if ! start_exporter "${spec##*:}" "$mode"; then
				echo "KTEST bench FAIL: $setting did not start: $(tail -n 2 "$WORK/exporter.log")"
				failures=$((failures + 1))
				continue
			fi
		fi
		before=$(nginx_run_ns)
		wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_ROUND}s" "http://127.0.0.1:$PORT/" >"$WORK/wrk.out"
		after=$(nginx_run_ns)
		rps=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.out")
		ns=$(awk -v d="$after" -v b="$before" '/requests in/ { if ($1 > 0) printf "%.0f", (d - b) / $1 }' "$WORK/wrk.out")
		if [ -n "$FEE_PID" ]; then
			kill -INT "$FEE_PID"
			wait "$FEE_PID"
			FEE_PID=
		fi
		echo "KTEST bench $round $setting ${rps:-0} ${ns:-0}"
	done
	round=$((round + 1))
done
echo "KTEST bench-EXIT=$failures"
[ "$failures" = 0 ]
