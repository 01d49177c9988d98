#!/bin/sh
# modes-test.sh EXPORTER "REQUIRED MODES" — the hook-mode test, run unchanged on the host
# and inside the guest kernel (busybox sh, busybox httpd and wget only).
#
# busybox httpd serves a known number of requests (200s and 404s) while the exporter,
# started once per hook mode, watches it; each mode must count them exactly and name
# itself in build_info. A mode the kernel lacks must fail to start with the exporter's
# "--hooks MODE is unavailable on this kernel: <reason>"; that is a failure only for the
# REQUIRED modes. Then --hooks auto must pick the cheapest mode that worked.
#
# Env: REQUESTS (default 30 of each status), BENCH_ROUNDS (default 0: no benchmark; else
# rounds of BENCH_REQUESTS requests without the exporter and with each working mode, in
# alternation, reported as time ratios), BB (busybox, default "busybox").
# Prints "KTEST ..." lines; exits 0 when every mode did what it must.
set -u
FEE=$1
REQUIRED=" $2 "
N=${REQUESTS:-30}
BB=${BB:-busybox}
MODES="fentry kprobe tracepoint"
WORK=$(mktemp -d /tmp/modes-test.XXXXXX)
HTTPD_PID=
FEE_PID=
failures=0

cleanup() {
	[ -n "$FEE_PID" ] && kill "$FEE_PID" 2>/dev/null
	[ -n "$HTTPD_PID" ] && kill "$HTTPD_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

say() { echo "KTEST $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
fail() {
	say "$@"
	failures=$((failures + 1))
}
# Seconds since boot, in centiseconds: busybox date has no %N.
now_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }

# ---- the server: busybox httpd on a free port (it exits at once if the port is taken) ----
mkdir -p "$WORK/www"
echo "hello from the hook-mode test" >"$WORK/www/index.html"
for try in 1 2 3 4 5 6 7 8 9 10; do
	HTTP_PORT=$((20000 + RANDOM % 40000))
	$BB httpd -f -p "127.0.0.1:$HTTP_PORT" -h "$WORK/www" &
	HTTPD_PID=$!
	sleep 0.3
	kill -0 "$HTTPD_PID" 2>/dev/null && break
	HTTPD_PID=
done
[ -n "$HTTPD_PID" ] || { fail "SETUP FAIL: busybox httpd would not start"; exit 1; }
URL=http://127.0.0.1:$HTTP_PORT

# n copies of a URL, for one wget that fetches them one connection after the other.
urls() {
	i=0
	while [ "$i" -lt "$1" ]; do
		printf '%s ' "$2"
		i=$((i + 1))
	done
}

# Starts the exporter with --hooks $1; sets FEE_PID and METRICS (its URL), or returns 1
# after it exited (its log is $WORK/$1.log, its status in $exit_status).
start_exporter() {
	log=$WORK/$1.log
	: >"$log"
	"$FEE" --pid "$HTTPD_PID" --listen 127.0.0.1:0 --hooks "$1" >"$log" 2>&1 &
	FEE_PID=$!
	# Loading the programs takes a while under an emulated CPU.
	waited=0
	while ! grep -q "serving metrics on" "$log"; do
		if ! kill -0 "$FEE_PID" 2>/dev/null; then
			wait "$FEE_PID"
			exit_status=$?
			FEE_PID=
			return 1
		fi
		sleep 0.2
		waited=$((waited + 1))
		[ "$waited" -lt 1500 ] || { exit_status=timeout; return 1; }
	done
	METRICS=$(sed -n 's|.*serving metrics on \(http://[^ ]*\).*|\1|p' "$log")
	return 0
}

stop_exporter() {
	kill -INT "$FEE_PID"
	wait "$FEE_PID"
	stop_status=$?
	FEE_PID=
	return "$stop_status"
}

# Sum of flask_http_request_total samples with status $2 in scrape file $1.
count_status() {
	awk -v want="status=\"$2\"" \
		'/^flask_http_request_total\{/ && index($0, want) { n += $NF } END { print n + 0 }' "$1"
}

# Runs the request mix against the exporter in mode $1; 0 when counted exactly.
check_counts() {
	mode=$1
	scrape=$WORK/$mode.prom
	$BB wget -q -O /dev/null $(urls "$N" "$URL/index.html") || return 1
	i=0
	while [ "$i" -lt "$N" ]; do # busybox wget stops at the first error: one 404 each
		$BB wget -q -O /dev/null "$URL/missing" 2>/dev/null && return 1
		i=$((i + 1))
	done
	# Every response was written before its connection closed, so before wget returned;
	# the exporter drains the ring buffer before each scrape.
	$BB wget -q -O "$scrape" "$METRICS" || return 1
	ok=$(count_status "$scrape" 200)
	missing=$(count_status "$scrape" 404)
	if [ "$ok" != "$N" ] || [ "$missing" != "$N" ]; then
		fail "$mode FAIL: counted 200=$ok 404=$missing, sent $N of each"
		return 2
	fi
	if ! grep -q "^flask_ebpf_exporter_build_info{hook_mode=\"$mode\"" "$scrape"; then
		fail "$mode FAIL: build_info does not name $mode: $(grep '^flask_ebpf_exporter_build_info' "$scrape")"
		return 2
	fi
	return 0
}

kernel=$(uname -r)
working=""
for mode in $MODES; do
	if ! start_exporter "$mode"; then
		reason=$(grep "is unavailable on this kernel" "$WORK/$mode.log")
		if [ "$exit_status" = 1 ] && [ -n "$reason" ]; then
			case $REQUIRED in
			*" $mode "*) fail "$mode FAIL on $kernel: required but ${reason#*error: }" ;;
			*) say "$mode UNAVAILABLE on $kernel: ${reason#*error: }" ;;
			esac
		else
			fail "$mode FAIL on $kernel: exporter exited ($exit_status): $(tail -n 3 "$WORK/$mode.log")"
		fi
		continue
	fi
	check_counts "$mode"
	rc=$?
	[ "$rc" = 1 ] && fail "$mode FAIL: a request or the scrape failed"
	if ! stop_exporter; then
		fail "$mode FAIL: exporter exited $stop_status on SIGINT"
		rc=1
	fi
	if [ "$rc" = 0 ]; then
		say "$mode PASS on $kernel: counted $N x 200 and $N x 404 exactly (uptime $(uptime_s) s)"
		working="$working $mode"
	fi
done

# auto: the cheapest mode that worked above.
expected=${working# }
expected=${expected%% *}
if [ -z "$expected" ]; then
	fail "auto FAIL: no mode works on $kernel"
elif ! start_exporter auto; then
	fail "auto FAIL: exporter exited ($exit_status): $(tail -n 3 "$WORK/auto.log")"
else
	chosen=$(sed -n 's/.*hooking socket I\/O with \([a-z]*\) programs.*/\1/p' "$WORK/auto.log")
	stop_exporter
	if [ "$chosen" = "$expected" ]; then
		say "auto PASS on $kernel: chose $chosen"
	else
		fail "auto FAIL on $kernel: chose '$chosen', expected $expected"
	fi
fi

# ---- optional benchmark: time per request without the exporter and with each mode ----
if [ "${BENCH_ROUNDS:-0}" -gt 0 ] && [ -n "$working" ]; then
	n=${BENCH_REQUESTS:-200}
	list=$(urls "$n" "$URL/index.html")
	round=1
	while [ "$round" -le "$BENCH_ROUNDS" ]; do
		for mode in none $working; do # alternate: every round measures all of them
			if [ "$mode" != none ] && ! start_exporter "$mode"; then
				fail "bench FAIL: $mode did not start"
				continue
			fi
			t0=$(now_cs)
			$BB wget -q -O /dev/null $list
			t1=$(now_cs)
			[ "$mode" != none ] && stop_exporter
			echo "$mode $((t1 - t0))" >>"$WORK/bench"
		done
		round=$((round + 1))
	done
	awk -v n="$n" -v rounds="$BENCH_ROUNDS" '
		{ total[$1] += $2 }
		END {
			base = total["none"]
			printf "KTEST bench on %s: %d rounds x %d requests, time ratio to no exporter:", \
				kernel, rounds, n
			for (m in total) if (m != "none") printf " %s=%.3f", m, total[m] / base
			printf " (no exporter: %.2f ms/request)\n", base * 10 / (rounds * n)
		}' kernel="$kernel" "$WORK/bench"
fi

say "RESULT on $kernel: $failures failure(s); working modes:${working:- none}"
[ "$failures" = 0 ]
