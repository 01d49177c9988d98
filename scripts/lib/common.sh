# Shared shell helpers for the demo and the benchmarks. Source it; it defines functions only.

# The Debian interpreter that sees python3-flask & co. (a pyenv python3 may come first).
PY=/usr/bin/python3
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FEE_BIN=${FEE_BIN:-$REPO_ROOT/build/flask_ebpf_exporter}

# wait_http URL SECONDS: until URL answers 2xx, or fail. (-k: HTTPS benchmarks use a
# throw-away self-signed certificate.)
wait_http() {
	local url=$1 deadline=$((SECONDS + $2))
	until curl -kfs -o /dev/null --max-time 1 "$url"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "timed out waiting for $url" >&2
			return 1
		fi
		sleep 0.2
	done
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_gunicorn PORT WORKERS [ACCESS_LOG]: the sample app under gunicorn; prints the
# master's PID.
start_gunicorn() {
	local access=()
	[ -n "${3:-}" ] && access=(--access-logfile "$3")
	gunicorn --chdir "$REPO_ROOT/tests/apps" -w "$2" --worker-class sync "${access[@]}" \
		-b "127.0.0.1:$1" --log-level warning sample_app:app >/dev/null 2>&1 &
	echo $!
}

# make_self_signed_cert DIR: a throw-away certificate for localhost, DIR/cert.pem + DIR/key.pem.
make_self_signed_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1
}

# start_nginx PORT DIR [CERT KEY]: nginx answering `return 200` on PORT (over TLS when a
# certificate and key are given), config and logs in DIR; prints the master's PID. Its
# access log goes to $NGINX_ACCESS_LOG when set (off otherwise); $NGINX_LOCATION, when
# set, is what `location /` does instead of `return 200` (say, a proxy_pass).
start_nginx() {
	local port=$1 dir=$2 tls="" access=${NGINX_ACCESS_LOG:-off}
	local location=${NGINX_LOCATION:-'return 200 "ok\n";'}
	if [ $# -ge 4 ]; then
		tls="ssl_certificate $3; ssl_certificate_key $4;"
		port="$port ssl"
	fi
	mkdir -p "$dir"
	cat >"$dir/nginx.conf" <<NGINX
user root;
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
	access_log $access;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	server {
		listen 127.0.0.1:$port;
		$tls
		location / { $location }
	}
}
NGINX
	nginx -c "$dir/nginx.conf" -p "$dir" >/dev/null 2>&1 &
	echo $!
}

# start_exporter PORT PID...: the exporter attached to the PIDs, serving on 127.0.0.1:PORT;
# prints its PID once /-/ready says 200.
start_exporter() {
	local port=$1
	shift
	local args=()
	for pid in "$@"; do args+=(--pid "$pid"); done
	# stdout too must leave the $(...) pipe, or the caller waits for the daemon to exit.
	"$FEE_BIN" "${args[@]}" --listen "127.0.0.1:$port" >/dev/null 2>>"${FEE_LOG:-/dev/null}" &
	local pid=$!
	wait_http "http://127.0.0.1:$port/-/ready" 30 || return 1
	echo "$pid"
}

# stop PID...: TERM, then KILL whatever is left after 5 s.
stop() {
	local pid
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "$@"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}

# metric_sum URL NAME: the sum of every sample named NAME in a scrape.
metric_sum() {
	curl -fs --max-time 5 "$1" | awk -v name="$2" '
		$1 == name || index($1, name "{") == 1 { sum += $NF }
		END { printf "%d\n", sum }'
}

# build_floor DIR: the empty programs on the exporter's tracepoints and their loader
# (scripts/bench/floor/), built into DIR/noop.bpf.o and DIR/attach_all.
build_floor() {
	clang -g -O2 -target bpf -I"$REPO_ROOT/vmlinux" -c "$REPO_ROOT/scripts/bench/floor/noop.bpf.c" \
		-o "$1/noop.bpf.o"
	cc -O2 -o "$1/attach_all" "$REPO_ROOT/scripts/bench/floor/attach_all.c" -lbpf
}

# bench_bpf_object SRC OUT: a benchmark-only BPF object built against the exporter's bpf/
# headers (read-only) for this machine's architecture, then its skeleton OUT.skel.h, named
# after OUT's file name.
bench_bpf_object() {
	local arch types=$REPO_ROOT/vmlinux
	arch=$(uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
	# The saved registers' layout (bpf/syscall_regs.bpf.h) is the architecture's.
	[ "$arch" = x86 ] || types=$REPO_ROOT/vmlinux/$arch
	clang -g -O2 -target bpf -D__TARGET_ARCH_"$arch" -Wall -Wno-unused-function \
		-I"$types" -I"$REPO_ROOT/include" -I"$REPO_ROOT/bpf" -c "$1" -o "$2.bpf.o"
	bpftool gen skeleton "$2.bpf.o" name "$(basename "$2")" >"$2.skel.h"
}

# bench_consumer OUT SRC...: a benchmark-only consumer of such programs (skeletons in OUT's
# folder), with the helpers of scripts/bench/split/ (the access log, tallies, nginx's worker,
# the drain loop).
bench_consumer() {
	local out=$1 split=$REPO_ROOT/scripts/bench/split
	shift
	cc -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -I"$(dirname "$out")" \
		-I"$REPO_ROOT/include" -I"$REPO_ROOT/bpf" -I"$REPO_ROOT/tests/conn_sim" -I"$split" \
		-Wno-unknown-pragmas -Wno-sign-compare -o "$out" "$@" "$split"/tally.c \
		"$split"/access_log.c "$split"/nginx_target.c "$split"/ring_drain.c -lbpf
}

# build_split DIR: the "capture, don't parse" prototype (scripts/bench/split/, issue 13):
# its BPF object, skeleton and consumer, which links the exporter's request state machine
# compiled as userspace C (tests/conn_sim), into DIR/split_consumer.
build_split() {
	local src=$REPO_ROOT/scripts/bench/split
	bench_bpf_object "$src/capture.bpf.c" "$1/split_capture"
	bench_consumer "$1/split_consumer" "$src"/consumer.c "$src"/rebuild.c \
		"$REPO_ROOT"/tests/conn_sim/conn_sim.c "$REPO_ROOT"/tests/conn_sim/bpf_shim.c
}

# build_bound DIR: the least exact design's programs and their consumer (scripts/bench/bound/,
# issue 13) into DIR/bound_consumer.
build_bound() {
	local src=$REPO_ROOT/scripts/bench/bound
	bench_bpf_object "$src/bound.bpf.c" "$1/bound_programs"
	bench_consumer "$1/bound_consumer" -I"$src" "$src"/consumer.c
}

# task_cpu_ns PID: CPU time (user + system, ns) PID's threads that are alive have used so
# far (/proc/PID/task/*/schedstat, exact where /proc/PID/stat counts in clock ticks).
task_cpu_ns() {
	# %.0f, not %d: mawk clamps %d to 2^31 - 1, about 2 s of CPU.
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ sum += $1 } END { printf "%.0f\n", sum }'
}

# tree_cpu_ns PID: the same for PID and its descendants that are alive (nginx's master and
# its worker).
tree_cpu_ns() {
	local sum child
	sum=$(task_cpu_ns "$1")
	for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		sum=$((sum + $(tree_cpu_ns "$child")))
	done
	echo "$sum"
}

# prog_stats PID: "id run_cnt run_time_ns name" of every BPF program PID holds open.
prog_stats() {
	local ids
	ids=$(grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u | tr '\n' ' ')
	local all=""
	# Other jobs load and unload programs meanwhile: bpftool may lose a race; ask again.
	for _ in 1 2 3 4 5; do all=$(bpftool prog show -j 2>/dev/null) && break; sleep 0.2; done
	echo "$all" | $PY -c '
import json, sys
ids = set(int(i) for i in sys.argv[1].split())
for p in json.load(sys.stdin):
    if p["id"] in ids:
        print(p["id"], p.get("run_cnt", 0), p.get("run_time_ns", 0), p["name"])' "$ids"
}

# An awk function for the benchmarks' summaries: median(v, n) of v[1..n] (sorts v).
AWK_MEDIAN='
function median(v, n,    i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}'

# --- alternating benchmarks: the caller sets ROUNDS, SECONDS_PER_ROUND, CONNECTIONS, WORK ---

# wrk_run URL: requests/s and completed requests of one bounded wrk run ($WRK: the
# command, default wrk).
wrk_run() {
	${WRK:-wrk} -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_ROUND}s" --timeout 5s "$1" >"$WORK/wrk.out"
	local rps total
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.out")
	total=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
	echo "$rps $total"
}

# tree_cpu_ticks PID: CPU time (user + system, in clock ticks) used so far by PID and its
# descendants that are alive now.
tree_cpu_ticks() {
	local pid=$1 sum=0 child
	[ -r "/proc/$pid/stat" ] || { echo 0; return; }
	sum=$(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || echo 0)
	for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
		sum=$((sum + $(tree_cpu_ticks "$child")))
	done
	echo "$sum"
}

# measured_run PID URL: "req/s completed server-µs-per-request" of one wrk run, the last
# from the CPU time PID's process tree used during it (robust to a busy machine, where
# req/s swings with what the neighbours do).
measured_run() {
	local before after rps total
	before=$(tree_cpu_ticks "$1")
	read -r rps total < <(wrk_run "$2")
	after=$(tree_cpu_ticks "$1")
	echo "$rps $total $(awk -v d=$((after - before)) -v n="$total" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.1f", n ? d * 1e6 / hz / n : 0 }')"
}

# bench_alternating NAME PID URL: alternate rounds without and with the exporter on PID;
# prints each round (with wrk's completed count against the exporter's) and a RESULT line:
# throughput ratios, and the server's CPU time per request without and with.
bench_alternating() {
	local name=$1 pid=$2 url=$3 mport off on total counted dropped exporter cpu_off cpu_on
	local offs=() ons=() cpu_offs=() cpu_ons=()
	mport=$(free_port)
	wrk_run "$url" >/dev/null # warm-up
	for round in $(seq "$ROUNDS"); do
		read -r off _ cpu_off < <(measured_run "$pid" "$url")
		exporter=$(start_exporter "$mport" "$pid")
		read -r on total cpu_on < <(measured_run "$pid" "$url")
		counted=$(metric_sum "http://127.0.0.1:$mport/metrics" flask_http_request_total)
		dropped=$(metric_sum "http://127.0.0.1:$mport/metrics" flask_ebpf_exporter_records_dropped_total)
		stop "$exporter"
		offs+=("$off")
		ons+=("$on")
		cpu_offs+=("$cpu_off")
		cpu_ons+=("$cpu_on")
		printf '  %-10s round %d: off %9.1f req/s %6.1f µs/req, on %9.1f req/s %6.1f µs/req; wrk completed %d, exporter counted %d, dropped %d\n' \
			"$name" "$round" "$off" "$cpu_off" "$on" "$cpu_on" "$total" "$counted" "$dropped"
	done
	# The ratio of the means, and the median of the per-round ratios (robust to a round
	# that a noisy neighbour spoiled); server CPU per request as medians.
	awk -v name="$name" -v offs="${offs[*]}" -v ons="${ons[*]}" -v coffs="${cpu_offs[*]}" \
		-v cons="${cpu_ons[*]}" "$AWK_MEDIAN"'
	BEGIN {
		n = split(offs, a, " "); split(ons, b, " "); split(coffs, c, " "); split(cons, d, " ")
		for (i = 1; i <= n; i++) { so += a[i]; sn += b[i]; r[i] = b[i] / a[i] }
		printf "RESULT %-10s mean off %9.1f req/s, mean on %9.1f req/s, ratio on/off %.3f, median round ratio %.3f; server CPU per request: median off %.1f µs, on %.1f µs\n", name, so / n, sn / n, sn / so, median(r, n), median(c, n), median(d, n)
	}'
}
