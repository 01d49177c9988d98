#!/usr/bin/env bash
# run.sh EXPORTER [BPF_TEST ...] — make test-kernels: the hook-mode test (modes-test.sh)
# on two kernels, and the BPF tier's tests (every read/write syscall style) once per hook
# mode: tracepoint on the host, all five modes in the guest (each load of the programs
# takes ~15 s on the emulated CPU).
#
#  1. This machine's kernel, directly: tracepoint mode must count exactly; kprobe and
#     fentry must count exactly where the kernel has them, or be reported unavailable
#     with the exporter's reason.
#  2. Debian's current 6.1 kernel (guest-kernel.sh) under qemu-system-x86_64 with TCG (KVM
#     is not usable on the development and CI machines), booted from a busybox-static
#     initramfs holding the exporter and its shared libraries: all five modes must count
#     exactly, auto must pick fentry (on the socket functions), and bpftool must show that
#     the socket-level modes attach their socket programs, which a pipe does not run, and
#     that the syscall-level modes load no entry program for a read.
#
# Env: QEMU_TIMEOUT (s, default 2400, CI's whole budget: the guest's test ended at 422 s
#      of uptime on the 2-core development VM, at 1051 s with four busy loops beside it);
#      QEMU_STALL (s, default 600: the guest is stopped once it printed no KTEST line for
#      that long; the longest gap in those two runs: 38 s, and 114 s beside the loops);
#      GUEST_BPF_MODES (the guest's BPF tier modes, default all five: "fentry kprobe
#      fentry-syscall kprobe-syscall tracepoint"; the last three add ≈ 4 min to the guest);
#      KEEP=1 keeps the work directory. (make bench-kernels is bench.sh.) Downloads are
#      cached in build/kernel-test. Exits non-zero on any failure, including a missing
#      qemu or a failed download.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
FEE=$(realpath "${1:-$REPO/build/flask_ebpf_exporter}")
shift || true
BPF_TESTS=("$@")
CACHE=$REPO/build/kernel-test
mkdir -p "$CACHE"
QEMU_TIMEOUT=${QEMU_TIMEOUT:-2400}
QEMU_STALL=${QEMU_STALL:-600}

die() { echo "test-kernels: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (loads BPF programs)"
[ -x "$FEE" ] || die "$FEE is missing: run make first"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing: scripts/install-deps.sh"
BUSYBOX=$(command -v busybox) || die "busybox is missing: scripts/install-deps.sh (busybox-static)"
# The guest has no libc: its busybox must be the static one.
if ldd "$BUSYBOX" >/dev/null 2>&1; then die "$BUSYBOX is not statically linked (install busybox-static)"; fi

status=0

echo "== host kernel $(uname -r)"
BB=$BUSYBOX "$BUSYBOX" sh "$HERE/modes-test.sh" "$FEE" "tracepoint" || status=1
# The BPF tier in tracepoint mode here (natively fast); the guest runs it in the other two,
# and must pass as many test cases of each binary as passed here.
declare -A PASSED_HERE
for t in "${BPF_TESTS[@]}"; do
	if FEE_HOOKS=tracepoint "$t" >"$CACHE/bpf-test.log" 2>&1; then
		PASSED_HERE[$t]=$(grep -c '^\[       OK \]' "$CACHE/bpf-test.log" || true)
		echo "KTEST bpf tier tracepoint PASS: $(basename "$t"): ${PASSED_HERE[$t]} tests"
	else
		echo "KTEST bpf tier tracepoint FAIL: $(basename "$t")"
		tail -n 40 "$CACHE/bpf-test.log"
		status=1
	fi
done

echo "== guest kernel"
VMLINUX=$("$HERE/guest-kernel.sh" "$CACHE/kernels") || die "cannot fetch the guest kernel"

WORK=$(mktemp -d "$CACHE/run.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/initramfs
# shellcheck source=guest-lib.sh
. "$HERE/guest-lib.sh"
guest_root "$BUSYBOX"
# Fixed guest paths: the checkout may live anywhere on the host, /tmp included, which the
# guest's /init mounts a tmpfs over.
GUEST_FEE=/opt/fee/flask_ebpf_exporter
GUEST_TEST=/opt/fee/modes-test.sh
copy_with_libs "$FEE" "$GUEST_FEE"
copy_with_libs "$HERE/modes-test.sh" "$GUEST_TEST"
GUEST_BPF_TESTS="" # guest path:test cases passed on the host, for each BPF test
for t in "${BPF_TESTS[@]}"; do
	copy_with_libs "$t" "/opt/fee/bpf-tests/$(basename "$t")"
	GUEST_BPF_TESTS="$GUEST_BPF_TESTS /opt/fee/bpf-tests/$(basename "$t"):${PASSED_HERE[$t]:-0}"
done
# The socket-level modes' program check (modes-test.sh PROG_CHECK).
BPFTOOL=$(command -v bpftool) || die "bpftool is missing: scripts/install-deps.sh"
copy_with_libs "$BPFTOOL" /usr/sbin/bpftool
# The TLS test makes its certificate with the openssl command.
OPENSSL=$(command -v openssl) || die "openssl is missing: scripts/install-deps.sh"
copy_with_libs "$OPENSSL" "$OPENSSL"
mkdir -p "$ROOT/usr/lib/ssl"
cp -L /usr/lib/ssl/openssl.cnf "$ROOT/usr/lib/ssl/openssl.cnf"

# The BPF tier in every mode the guest has: the socket-level modes, and the syscall-level
# ones, which decide at write entry whether a write may matter (write_may_matter()).
GUEST_BPF_MODES=${GUEST_BPF_MODES:-fentry kprobe fentry-syscall kprobe-syscall tracepoint}
read -ra guest_bpf_modes <<<"$GUEST_BPF_MODES"
GUEST_BPF_MODE_COUNT=${#guest_bpf_modes[@]}

guest_init_head >"$ROOT/init"
cat >>"$ROOT/init" <<INIT
rc=0
REQUESTS=${REQUESTS:-30} PROG_CHECK=1 sh $GUEST_TEST $GUEST_FEE "fentry kprobe fentry-syscall kprobe-syscall tracepoint" || rc=1
# Every BPF test named on the host runs in each of GUEST_BPF_MODES (default all five): a
# missing binary is a failure, and so are fewer test cases passed than on the host, or
# fewer runs than tests x modes.
ran=0
for mode in $GUEST_BPF_MODES; do
	for entry in $GUEST_BPF_TESTS; do
		t=\${entry%:*}
		want=\${entry##*:}
		if [ ! -x "\$t" ]; then
			echo "KTEST bpf tier \$mode FAIL: \$t is missing"
			rc=1
			continue
		fi
		ran=\$((ran + 1))
		if FEE_HOOKS=\$mode "\$t" >/tmp/bpf-test.log 2>&1; then
			passed=\$(grep -c '^\[       OK \]' /tmp/bpf-test.log)
			if [ "\$passed" != "\$want" ]; then
				echo "KTEST bpf tier \$mode FAIL: \$(basename \$t): \$passed tests passed, \$want on the host"
				rc=1
				continue
			fi
			echo "KTEST bpf tier \$mode PASS: \$(basename \$t): \$passed tests (uptime \$(cut -d' ' -f1 /proc/uptime) s)"
		else
			echo "KTEST bpf tier \$mode FAIL: \$(basename \$t)"
			tail -n 40 /tmp/bpf-test.log
			rc=1
		fi
	done
done
if [ "\$ran" != $((GUEST_BPF_MODE_COUNT * ${#BPF_TESTS[@]})) ]; then
	echo "KTEST bpf tier FAIL: \$ran test runs, expected $((GUEST_BPF_MODE_COUNT * ${#BPF_TESTS[@]})) (${#BPF_TESTS[@]} tests x $GUEST_BPF_MODE_COUNT modes)"
	rc=1
fi
echo "KTEST-EXIT=\$rc"
poweroff -f
INIT
chmod +x "$ROOT/init"
qemu_status=0
guest_boot_amd64 "$VMLINUX" "$WORK" "$QEMU_TIMEOUT" "$QEMU_STALL" || qemu_status=$?
guest_result "$WORK/console.log" "$qemu_status" test-kernels || status=1
exit "$status"
