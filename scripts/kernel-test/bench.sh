#!/usr/bin/env bash
# bench.sh EXPORTER [BEFORE_EXPORTER] — make bench-kernels: what each hook mode costs nginx
# on Debian's current 6.1 kernel under qemu (TCG). nginx (`return 200`, one worker) and
# wrk both run inside the guest (bench-guest.sh), copied with their shared libraries into
# the initramfs like the exporter; BENCH_ROUNDS (default 5) alternating rounds of
# BENCH_SECONDS s without the exporter and with EXPORTER in each of BENCH_MODES (default
# all five), and BEFORE_EXPORTER, when given (say main's build), in each of
# BENCH_BEFORE_MODES (default "fentry kprobe"). Prints, per setting, the median over the
# rounds of its requests/s divided by the same round's without the exporter, and of
# nginx's CPU time per request without the exporter divided by the setting's (under
# emulation the absolute numbers mean nothing, the ratios are the figures), and what the
# exporter counted of the requests wrk completed, with its own CPU time per request.
#
# BENCH_ICOUNT=SHIFT (say 0) measures instructions instead of TCG's time: qemu's
# `-icount shift=SHIFT,sleep=off,align=off` advances the guest's clock (and its TSC, its
# clocksource) by 2^SHIFT ns per instruction executed, so nginx's "CPU time" per request
# becomes its instructions per request (times 2^SHIFT), whatever TCG makes of each
# instruction and however loaded the host is; and the guest gets one vCPU, because under
# icount all vCPUs advance one shared instruction counter (a second vCPU's work would count
# in nginx's time) and two vCPUs with sleep=off did not boot. Instructions, not time: no
# cache misses, no pipeline, no cost per kind of instruction (scripts/bench/README.md).
# Without it (the default) the guest has two vCPUs, nginx alone on the second.
#
# BENCH_BOUND=1 adds a setting `bound` beside the exporter's: the least exact design's
# programs on the syscall tracepoints and their consumer (scripts/bench/bound/, issue 13,
# built here with build_bound; the same code scripts/bench/bpf_cost.sh runs as `bound`).
# Its consumer checks, each round, one record per request nginx logged (by request line and
# status); a round whose check is not EXACT fails the run. The check reads nginx's access
# log, so with BENCH_BOUND=1 nginx writes one (combined format, to the guest's tmpfs) in
# every setting of the run, `none` included: every setting's nginx does that work alike.
#
# Env: BENCH_CONNECTIONS (wrk -c, default 8), QEMU_TIMEOUT (s, default 3600), KEEP=1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
FEE=$(realpath "${1:-$REPO/build/flask_ebpf_exporter}")
BEFORE=${2:+$(realpath "$2")}
CACHE=$REPO/build/kernel-test
mkdir -p "$CACHE"
QEMU_TIMEOUT=${QEMU_TIMEOUT:-3600}
MODES=${BENCH_MODES:-fentry kprobe fentry-syscall kprobe-syscall tracepoint}
BEFORE_MODES=${BENCH_BEFORE_MODES:-fentry kprobe}

die() { echo "bench-kernels: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
[ -x "$FEE" ] || die "$FEE is missing: run make first"
[ -z "$BEFORE" ] || [ -x "$BEFORE" ] || die "$BEFORE is missing"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing: scripts/install-deps.sh"
NGINX=$(command -v nginx) || die "nginx is missing: scripts/install-deps.sh"
WRK=$(command -v wrk) || die "wrk is missing: scripts/install-deps.sh"
BUSYBOX=$(command -v busybox) || die "busybox is missing: scripts/install-deps.sh (busybox-static)"
if ldd "$BUSYBOX" >/dev/null 2>&1; then die "$BUSYBOX is not statically linked (install busybox-static)"; fi

VMLINUX=$("$HERE/guest-kernel.sh" "$CACHE/kernels") || die "cannot fetch the guest kernel"
WORK=$(mktemp -d "$CACHE/bench.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/initramfs
# shellcheck source=guest-lib.sh
. "$HERE/guest-lib.sh"
# Under TCG the guest's TSC looks unstable and Linux falls back to the HPET, whose every
# read (each bpf_ktime_get_ns(), each of nginx's clock_gettime()) is an emulated MMIO access
# costing far more than on hardware, where the TSC is the clocksource. The benchmark wants
# the hardware's proportions, so the guest is told to trust its TSC.
GUEST_KERNEL_ARGS="$GUEST_KERNEL_ARGS clocksource=tsc tsc=reliable"
if [ -n "${BENCH_ICOUNT:-}" ]; then
	[[ $BENCH_ICOUNT =~ ^[0-9]+$ ]] || die "BENCH_ICOUNT is qemu's icount shift, a number (say 0), not '$BENCH_ICOUNT'"
	GUEST_VCPUS=1
	GUEST_QEMU_OPTIONS="-icount shift=$BENCH_ICOUNT,sleep=off,align=off"
	echo "bench-kernels: qemu -icount shift=$BENCH_ICOUNT (one vCPU): nginx's CPU per request is its instructions per request times $((1 << BENCH_ICOUNT)) ns"
fi
guest_root "$BUSYBOX"
copy_with_libs "$NGINX" /usr/sbin/nginx
copy_with_libs "$WRK" /usr/bin/wrk
copy_with_libs "$HERE/bench-guest.sh" /opt/fee/bench-guest.sh
echo "root:x:0:0:root:/root:/bin/sh" >"$ROOT/etc/passwd" # nginx's `user root;`
echo "root:x:0:" >"$ROOT/etc/group"
SETTINGS=""
ACCESS_LOG=0
if [ "${BENCH_BOUND:-0}" = 1 ]; then
	# shellcheck source=../lib/common.sh
	. "$REPO/scripts/lib/common.sh"
	mkdir -p "$WORK/bound"
	build_bound "$WORK/bound" || die "cannot build the least exact design (scripts/bench/bound/)"
	copy_with_libs "$WORK/bound/bound_consumer" /opt/fee/bound/bound_consumer
	SETTINGS="bound:/opt/fee/bound/bound_consumer"
	ACCESS_LOG=1
fi
copy_with_libs "$FEE" /opt/fee/after/flask_ebpf_exporter
for m in $MODES; do SETTINGS="$SETTINGS after:$m:/opt/fee/after/flask_ebpf_exporter"; done
if [ -n "$BEFORE" ]; then
	copy_with_libs "$BEFORE" /opt/fee/before/flask_ebpf_exporter
	for m in $BEFORE_MODES; do SETTINGS="$SETTINGS before:$m:/opt/fee/before/flask_ebpf_exporter"; done
fi

guest_init_head >"$ROOT/init"
cat >>"$ROOT/init" <<INIT
BENCH_ROUNDS=${BENCH_ROUNDS:-5} BENCH_SECONDS=${BENCH_SECONDS:-5} BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-8} BENCH_ACCESS_LOG=$ACCESS_LOG \\
	sh /opt/fee/bench-guest.sh $SETTINGS
echo "KTEST-EXIT=\$?"
poweroff -f
INIT
chmod +x "$ROOT/init"
qemu_status=0
guest_boot_amd64 "$VMLINUX" "$WORK" "$QEMU_TIMEOUT" || qemu_status=$?
status=0
guest_result "$WORK/console.log" "$qemu_status" bench-kernels || status=1

# Per setting, the median over the rounds of two ratios to the same round without the
# exporter: requests/s (setting / none) and nginx's CPU time per request (none / setting;
# like throughput, 1 is free). Under TCG the guest's throughput swings with the host; CPU
# per request much less. And what the exporter counted: a setting whose exporter was not
# attached while wrk ran would look free.
tr -d '\r' <"$WORK/console.log" | awk -v icount="${BENCH_ICOUNT:-}" '
	function median_of(v, n,    i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	function report(label, s, v, n,    i) {
		printf "bench-kernels: %-22s %-10s median ratio %.3f over %d rounds (per-round ratios, sorted:", s, label, median_of(v, n), n
		for (i = 1; i <= n; i++) printf " %.3f", v[i]
		printf ")\n"
	}
	$1 == "KTEST" && $2 == "bench" && $3 ~ /^[0-9]+$/ {
		rps[$3, $4] = $5; ns[$3, $4] = $6; fee[$3, $4] = $8; rounds[$3] = 1
		if ($4 == "none") next
		settings[$4] = 1
		split($9, c, "/"); counted[$4] += c[1]; completed[$4] += c[2]
	}
	END {
		for (s in settings) {
			n = m = k = 0
			delete tput; delete cpu; delete daemon
			for (r in rounds) {
				if (rps[r, "none"] > 0 && (r, s) in rps) tput[++n] = rps[r, s] / rps[r, "none"]
				if (ns[r, "none"] > 0 && ns[r, s] > 0) cpu[++m] = ns[r, "none"] / ns[r, s]
				if ((r, s) in fee) daemon[++k] = fee[r, s]
			}
			report("throughput", s, tput, n)
			report("CPU/req", s, cpu, m)
			# The exporter must have been at work: what it counted of what wrk completed
			# (a few more where wrk cut connections at its end), and its own CPU.
			# (`bound`: its consumer, whose check against the access log passed, or the run fails.)
			printf "bench-kernels: %-22s %-10s counted %d of the %d requests wrk completed; its own CPU %.0f ns per request (median)\n", s, s == "bound" ? "consumer" : "exporter", counted[s], completed[s], median_of(daemon, k)
		}
		for (r in rounds) { base += rps[r, "none"]; base_ns += ns[r, "none"] }
		printf "bench-kernels: no exporter: %.0f requests/s, %.0f ns of nginx CPU per request on average", base / length(rounds), base_ns / length(rounds)
		if (icount == "") print " (emulated)"
		else printf " (%.0f instructions: icount shift %d)\n", base_ns / length(rounds) / 2 ^ icount, icount
	}' | sort
exit "$status"
