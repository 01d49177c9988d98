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
# With PROG_CHECK=1 (needs bpftool and kernel.bpf_stats_enabled), the socket-level modes
# (fentry, kprobe) must also prove what they attach: their socket programs and none of the
# syscall-level read/write programs, and a watched process's pipe reads and writes must
# run none of the socket programs (their run_cnt unchanged) while its write(2) hook, which
# scans log writes for the exception log, did run for them (so the traffic was seen).
# The syscall-level modes (fentry-syscall, kprobe-syscall, tracepoint) must load each read
# syscall's exit program and no entry program for any read: a read's exit takes the
# arguments from the thread's saved user registers.
#
# Env: REQUESTS (default 30 of each status), BB (busybox, default "busybox"). (The
# benchmark per mode is bench.sh's, with nginx and wrk.)
# Prints "KTEST ..." lines; exits 0 when every mode did what it must.
set -u
FEE=$1
REQUIRED=" $2 "
N=${REQUESTS:-30}
BB=${BB:-busybox}
MODES="fentry kprobe fentry-syscall kprobe-syscall tracepoint"
WORK=$(mktemp -d /tmp/modes-test.XXXXXX)
HTTPD_PID=
FEE_PID=
PIPER_PID=
failures=0

cleanup() {
	[ -n "$FEE_PID" ] && kill "$FEE_PID" 2>/dev/null
	[ -n "$PIPER_PID" ] && kill "$PIPER_PID" 2>/dev/null
	[ -n "$HTTPD_PID" ] && kill "$HTTPD_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

say() { echo "KTEST $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# Seconds since uptime $1, one decimal (what the waits below took, for their bounds).
seconds_since() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }'; }
fail() {
	say "$@"
	failures=$((failures + 1))
}

# ---- the server: busybox httpd on a free port (it exits at once if the port is taken) ----
mkdir -p "$WORK/www"
echo "hello from the hook-mode test" >"$WORK/www/index.html"

# 0 once busybox httpd (PID $1) listens on 127.0.0.1:$2 on a socket of its own (the
# listener's inode in /proc/net/tcp is one of its descriptors: another program may hold
# the port); 1 when it exited first, the port taken. At most 60 s (a start takes well
# under 1 s in the guest).
httpd_listens() {
	hex=$(printf '%04X' "$2")
	tries=0
	while kill -0 "$1" 2>/dev/null && [ "$tries" -lt 600 ]; do
		inode=$(awk -v a="0100007F:$hex" '$2 == a && $4 == "0A" { print $10 }' /proc/net/tcp)
		for fd in /proc/"$1"/fd/*; do
			[ -n "$inode" ] && [ "$(readlink "$fd")" = "socket:[$inode]" ] && return 0
		done
		sleep 0.1
		tries=$((tries + 1))
	done
	return 1
}

for try in 1 2 3 4 5 6 7 8 9 10; do
	HTTP_PORT=$((20000 + RANDOM % 40000))
	$BB httpd -f -p "127.0.0.1:$HTTP_PORT" -h "$WORK/www" &
	HTTPD_PID=$!
	httpd_listens "$HTTPD_PID" "$HTTP_PORT" && break
	kill "$HTTPD_PID" 2>/dev/null
	wait "$HTTPD_PID" 2>/dev/null
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

# Starts the exporter with --hooks $1 (and more arguments after it); sets FEE_PID and
# METRICS (its URL), or returns 1 after it exited (its log is $WORK/$1.log, its status in
# $exit_status).
start_exporter() {
	log=$WORK/$1.log
	: >"$log"
	"$FEE" --pid "$HTTPD_PID" --listen 127.0.0.1:0 --hooks "$@" >"$log" 2>&1 &
	FEE_PID=$!
	# Loading the programs takes a while under an emulated CPU (≈ 15 s).
	started_at=$(uptime_s)
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
	start_s=$(seconds_since "$started_at")
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

# "name run_cnt" of every BPF program loaded (bpftool cuts names to 15 characters).
prog_counts() {
	bpftool prog show | awk '/ name / { for (i = 1; i < NF; i++) { if ($i == "name") n = $(i + 1); if ($i == "run_cnt") c = $(i + 1) } print n, c + 0; n = ""; c = 0 }'
}
run_cnt() { awk -v n="$1" '$1 == n { print $2; exit }' "$2"; }

# PROG_CHECK for socket-level mode $1 (fentry: programs sfe_*, kprobe: skp_*): a watched
# process (the piper, a second --pid) writes and reads a pipe; 0 when it all holds.
check_socket_programs() {
	mode=$1
	family=$2
	before=$WORK/$mode.progs.before
	after=$WORK/$mode.progs.after
	prog_counts >"$before"
	for p in ${family}_recv_exit ${family}_send_enter ${family}_send_exit ${family}_exit_write; do
		[ -n "$(run_cnt "$p" "$before")" ] || { fail "$mode FAIL: program $p is not loaded: $(cut -d' ' -f1 "$before" | tr '\n' ' ')"; return 1; }
	done
	if grep -qE '^(fe|ks|tp)_(enter|exit)_(read|write|recvfrom|writev)' "$before"; then
		fail "$mode FAIL: syscall-level read/write programs are loaded: $(cut -d' ' -f1 "$before" | tr '\n' ' ')"
		return 1
	fi
	touch "$WORK/pipe.go"
	piper_at=$(uptime_s)
	waited=0
	while [ ! -e "$WORK/pipe.done" ] && [ "$waited" -lt 600 ]; do sleep 0.1; waited=$((waited + 1)); done
	prog_counts >"$after"
	[ -e "$WORK/pipe.done" ] || { fail "$mode FAIL: the piper did not finish"; return 1; }
	for p in ${family}_recv_exit ${family}_send_enter ${family}_send_exit; do
		if [ "$(run_cnt "$p" "$before")" != "$(run_cnt "$p" "$after")" ]; then
			fail "$mode FAIL: $p ran for pipe I/O: run_cnt $(run_cnt "$p" "$before") -> $(run_cnt "$p" "$after")"
			return 1
		fi
	done
	writes=$(($(run_cnt ${family}_exit_write "$after") - $(run_cnt ${family}_exit_write "$before")))
	if [ "$writes" -lt "$PIPE_LINES" ]; then
		fail "$mode FAIL: the piper's $PIPE_LINES pipe writes ran ${family}_exit_write $writes times"
		return 1
	fi
	say "$mode PASS on $kernel: attached ${family}_recv_exit/send_enter/send_exit, no syscall-level read/write program; $PIPE_LINES pipe writes and reads of a watched process ran none of them (write(2) hook: $writes runs; the piper took $(seconds_since "$piper_at") s)"
	return 0
}

# PROG_CHECK for syscall-level mode $1 (program prefix $2: fe, ks, tp): the reads' exit
# programs are loaded, their entry programs are not; 0 when it holds.
check_read_programs() {
	mode=$1
	family=$2
	progs=$WORK/$mode.progs
	prog_counts >"$progs"
	# bpftool may cut names to 15 characters: fe_exit_recvfro.
	for p in read readv 'recvfrom?' recvmsg; do
		grep -qE "^${family}_exit_$p " "$progs" || { fail "$mode FAIL: program ${family}_exit_$p is not loaded: $(cut -d' ' -f1 "$progs" | tr '\n' ' ')"; return 1; }
	done
	if grep -qE "^${family}_enter_(read|recv)" "$progs"; then
		fail "$mode FAIL: read entry programs are loaded: $(cut -d' ' -f1 "$progs" | tr '\n' ' ')"
		return 1
	fi
	say "$mode PASS on $kernel: the 4 reads' exit programs loaded, no read entry program"
	return 0
}

[ "${PROG_CHECK:-0}" = 1 ] && echo 1 >/proc/sys/kernel/bpf_stats_enabled

# The piper: once told, writes PIPE_LINES lines into a pipe that cat reads, then idles.
PIPE_LINES=300
start_piper() {
	rm -f "$WORK/pipe.go" "$WORK/pipe.done"
	sh -c "while [ ! -e $WORK/pipe.go ]; do sleep 0.1; done
		i=0; while [ \$i -lt $PIPE_LINES ]; do echo line \$i; i=\$((i + 1)); done | cat >/dev/null
		touch $WORK/pipe.done; exec sleep 1000" &
	PIPER_PID=$!
}

# Stops the piper, if one runs (each mode that checks its socket programs starts its own).
stop_piper() {
	[ -n "$PIPER_PID" ] || return 0
	kill "$PIPER_PID" 2>/dev/null
	wait "$PIPER_PID" 2>/dev/null
	PIPER_PID=
}

kernel=$(uname -r)
working=""
for mode in $MODES; do
	family=
	syscall_family=
	case $mode in
	fentry) family=sfe ;; kprobe) family=skp ;;
	fentry-syscall) syscall_family=fe ;; kprobe-syscall) syscall_family=ks ;; tracepoint) syscall_family=tp ;;
	esac
	extra=
	if [ "${PROG_CHECK:-0}" = 1 ] && [ -n "$family" ]; then
		start_piper
		extra="--pid $PIPER_PID"
	fi
	if ! start_exporter "$mode" $extra; then
		stop_piper
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
	prog_rc=0
	if [ -n "$extra" ]; then
		check_socket_programs "$mode" "$family" || prog_rc=2
		stop_piper
	fi
	if [ "${PROG_CHECK:-0}" = 1 ] && [ -n "$syscall_family" ]; then
		check_read_programs "$mode" "$syscall_family" || prog_rc=2
	fi
	check_counts "$mode"
	rc=$?
	[ "$rc" = 1 ] && fail "$mode FAIL: a request or the scrape failed"
	[ "$rc" = 0 ] && rc=$prog_rc
	if ! stop_exporter; then
		fail "$mode FAIL: exporter exited $stop_status on SIGINT"
		rc=1
	fi
	if [ "$rc" = 0 ]; then
		say "$mode PASS on $kernel: counted $N x 200 and $N x 404 exactly (started in $start_s s; uptime $(uptime_s) s)"
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
	chosen=$(sed -n 's/.*hooking socket I\/O with \([a-z-]*\) programs.*/\1/p' "$WORK/auto.log")
	stop_exporter
	if [ "$chosen" = "$expected" ]; then
		say "auto PASS on $kernel: chose $chosen"
	else
		fail "auto FAIL on $kernel: chose '$chosen', expected $expected"
	fi
fi

say "RESULT on $kernel: $failures failure(s); working modes:${working:- none}"
[ "$failures" = 0 ]
