#!/usr/bin/env bash
# bench.sh EXPORTER [BEFORE_EXPORTER] — make bench-kernels: what each hook mode costs nginx
# on Debian's current 6.1 kernel under qemu (TCG). nginx (`return 200`, one worker) and
# wrk both run inside the guest (bench-guest.sh), copied with their shared libraries into
# the initramfs like the exporter; BENCH_ROUNDS (default 5) alternating rounds of
# BENCH_SECONDS s without the exporter and with EXPORTER in each of BENCH_MODES (default
# all five), and BEFORE_EXPORTER, when given (say main's build), in each of
# BENCH_BEFORE_MODES (default "fentry kprobe"). Prints, per setting, the median over the
# rounds of its requests/s divided by the same round's without the exporter: under
# emulation the absolute numbers mean nothing, the ratio is the figure.
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
guest_root "$BUSYBOX"
copy_with_libs "$NGINX" /usr/sbin/nginx
copy_with_libs "$WRK" /usr/bin/wrk
copy_with_libs "$HERE/bench-guest.sh" /opt/fee/bench-guest.sh
echo "root:x:0:0:root:/root:/bin/sh" >"$ROOT/etc/passwd" # nginx's `user root;`
echo "root:x:0:" >"$ROOT/etc/group"
SETTINGS=""
copy_with_libs "$FEE" /opt/fee/after/flask_ebpf_exporter
for m in $MODES; do SETTINGS="$SETTINGS after:$m:/opt/fee/after/flask_ebpf_exporter"; done
if [ -n "$BEFORE" ]; then
	copy_with_libs "$BEFORE" /opt/fee/before/flask_ebpf_exporter
	for m in $BEFORE_MODES; do SETTINGS="$SETTINGS before:$m:/opt/fee/before/flask_ebpf_exporter"; done
fi

guest_init_head >"$ROOT/init"
cat >>"$ROOT/init" <<INIT
BENCH_ROUNDS=${BENCH_ROUNDS:-5} BENCH_SECONDS=${BENCH_SECONDS:-5} BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-8} \\
	sh /opt/fee/bench-guest.sh $SETTINGS
echo "KTEST-EXIT=\$?"
poweroff -f
INIT
chmod +x "$ROOT/init"
qemu_status=0
guest_boot_amd64 "$VMLINUX" "$WORK" "$QEMU_TIMEOUT" || qemu_status=$?
status=0
guest_result "$WORK/console.log" "$qemu_status" bench-kernels || status=1

# The median over the rounds of each setting's requests/s over the same round's without.
tr -d '\r' <"$WORK/console.log" | awk '
	$1 == "KTEST" && $2 == "bench" && $3 ~ /^[0-9]+$/ { rps[$3, $4] = $5; rounds[$3] = 1; if ($4 != "none") settings[$4] = 1 }
	END {
		for (s in settings) {
			n = 0
			for (r in rounds) if (rps[r, "none"] > 0 && (r, s) in rps) ratio[++n] = rps[r, s] / rps[r, "none"]
			for (i = 2; i <= n; i++) for (j = i; j > 1 && ratio[j - 1] > ratio[j]; j--) { t = ratio[j]; ratio[j] = ratio[j - 1]; ratio[j - 1] = t }
			med = n % 2 ? ratio[(n + 1) / 2] : (ratio[n / 2] + ratio[n / 2 + 1]) / 2
			printf "bench-kernels: %-22s median ratio %.3f over %d rounds (per-round ratios, sorted:", s, med, n
			for (i = 1; i <= n; i++) printf " %.3f", ratio[i]
			printf ")\n"
		}
		for (r in rounds) base += rps[r, "none"]
		printf "bench-kernels: no exporter: %.0f requests/s on average (emulated)\n", base / length(rounds)
	}' | sort
exit "$status"
