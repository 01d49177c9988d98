# Shared shell helpers for the demo and the benchmarks. Source it; it defines functions only.

# The Debian interpreter that sees python3-flask & co. (a pyenv python3 may come first).
PY=/usr/bin/python3
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FEE_BIN=${FEE_BIN:-$REPO_ROOT/build/flask_ebpf_exporter}

# wait_http URL SECONDS: until URL answers 2xx, or fail.
wait_http() {
	local url=$1 deadline=$((SECONDS + $2))
	until curl -fs -o /dev/null --max-time 1 "$url"; do
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

# start_gunicorn PORT WORKERS: the sample app under gunicorn; prints the master's PID.
start_gunicorn() {
	gunicorn --chdir "$REPO_ROOT/tests/apps" -w "$2" --worker-class sync \
		-b "127.0.0.1:$1" --log-level warning sample_app:app >/dev/null 2>&1 &
	echo $!
}

# start_nginx PORT DIR: nginx answering `return 200` on PORT, config and logs in DIR;
# prints the master's PID.
start_nginx() {
	local port=$1 dir=$2
	mkdir -p "$dir"
	cat >"$dir/nginx.conf" <<NGINX
user root;
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	server {
		listen 127.0.0.1:$port;
		location / { return 200 "ok\n"; }
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
