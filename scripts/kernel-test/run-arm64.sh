#!/usr/bin/env bash
# run-arm64.sh EXPORTER_ARM64 — make test-kernels' aarch64 part: the exporter cross-built for
# aarch64 (`make arm64`) on Debian's current arm64 kernel (linux-image-arm64), booted under
# qemu-system-aarch64 with TCG from a busybox-static (arm64) initramfs holding the exporter
# and its shared libraries (found through their DT_NEEDED entries in Debian's arm64
# multiarch directories). The hook-mode test (modes-test.sh) must count its request mix
# exactly in every hook mode this kernel has: kprobe and tracepoint (Debian's arm64 6.1 has
# no BPF trampolines: CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is not set in its config, so
# fentry must be reported unavailable), and auto must pick kprobe.
#
# The emulated CPU is a Cortex-A57: qemu's `-cpu max` adds pointer authentication, whose
# emulation made the same run 20 times slower (boot 30 s instead of 5 s, 6 minutes per BPF
# load instead of 15 s). About 100 s in all on the 2-core development machine.
# Env: QEMU_TIMEOUT (s, default 600); KEEP=1 keeps the work directory.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
FEE=$(realpath "${1:-$REPO/build/arm64/flask_ebpf_exporter}")
CACHE=$REPO/build/kernel-test
QEMU_TIMEOUT=${QEMU_TIMEOUT:-600}
MULTIARCH=aarch64-linux-gnu
mkdir -p "$CACHE"

die() { echo "test-kernels (arm64): $*" >&2; exit 1; }
[ -x "$FEE" ] || die "$FEE is missing: run make arm64 first"
command -v qemu-system-aarch64 >/dev/null || die "qemu-system-aarch64 is missing: scripts/install-deps.sh"
command -v ${MULTIARCH}-readelf >/dev/null || die "${MULTIARCH}-readelf is missing: scripts/install-deps.sh"

echo "== guest kernel (arm64)"
IMAGE=$("$HERE/guest-kernel.sh" "$CACHE/kernels" arm64) || die "cannot fetch the arm64 kernel"
BUSYBOX=$CACHE/busybox-arm64
if [ ! -x "$BUSYBOX" ]; then
	dl=$(mktemp -d "$CACHE/busybox.XXXXXX")
	(cd "$dl" && apt-get download busybox-static:arm64 2>&1 | grep -v unsandboxed >&2) || true
	deb=$(ls "$dl"/busybox-static_*_arm64.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || die "apt-get download busybox-static:arm64 failed"
	dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./bin/busybox >"$BUSYBOX.tmp"
	chmod +x "$BUSYBOX.tmp" && mv "$BUSYBOX.tmp" "$BUSYBOX"
	rm -rf "$dl"
fi

WORK=$(mktemp -d "$CACHE/run-arm64.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/initramfs
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,root,lib,opt/fee}
cp "$BUSYBOX" "$ROOT/bin/busybox"
cp "$FEE" "$ROOT/opt/fee/flask_ebpf_exporter"
cp "$HERE/modes-test.sh" "$ROOT/opt/fee/modes-test.sh"

# The exporter's shared libraries, transitively, at the paths the arm64 loader searches.
declare -A copied=()
queue=("$FEE")
while [ ${#queue[@]} -gt 0 ]; do
	file=${queue[0]}
	queue=("${queue[@]:1}")
	for lib in $(${MULTIARCH}-readelf -d "$file" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
		[ -n "${copied[$lib]:-}" ] && continue
		copied[$lib]=1
		found=
		for dir in /lib/$MULTIARCH /usr/lib/$MULTIARCH; do
			[ -e "$dir/$lib" ] || continue
			mkdir -p "$ROOT$dir"
			cp -L "$dir/$lib" "$ROOT$dir/$lib"
			queue+=("$dir/$lib")
			found=1
			break
		done
		[ -n "$found" ] || die "$lib (needed by $(basename "$file")) is not installed for arm64"
	done
done
cp -L /lib/$MULTIARCH/ld-linux-aarch64.so.1 "$ROOT/lib/ld-linux-aarch64.so.1"

# shellcheck source=guest-lib.sh
. "$HERE/guest-lib.sh"
guest_init_head >"$ROOT/init"
cat >>"$ROOT/init" <<INIT
rc=0
REQUESTS=${REQUESTS:-30} sh /opt/fee/modes-test.sh /opt/fee/flask_ebpf_exporter "kprobe-syscall tracepoint" || rc=1
echo "KTEST-EXIT=\$rc"
poweroff -f
INIT
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null | gzip -1 >"$WORK/initramfs.cpio.gz")

LOG=$WORK/console.log
set +e
timeout "$QEMU_TIMEOUT" qemu-system-aarch64 -nodefaults -no-user-config -M virt -accel tcg \
	-cpu cortex-a57 -smp 2 -m 1024 -kernel "$IMAGE" -initrd "$WORK/initramfs.cpio.gz" \
	-append "console=ttyAMA0 $GUEST_KERNEL_ARGS" \
	-display none -serial stdio -no-reboot </dev/null >"$LOG" 2>&1
qemu_status=$?
set -e
guest_result "$LOG" "$qemu_status" "test-kernels (arm64)"
