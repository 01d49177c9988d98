# guest-lib.sh — sourced by run.sh (x86-64 guest) and run-arm64.sh (arm64 guest).

# guest_init_head: the start of a guest's /init (busybox, the kernel filesystems, loopback,
# the KTEST-BOOTED line); each script appends its tests, KTEST-EXIT and poweroff. /init must
# never fail to parse: a dying init is a kernel panic (qemu then exits at once thanks to
# panic=-1 and -no-reboot, and the missing KTEST-EXIT line fails the run).
guest_init_head() {
	cat <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing
mount -t bpf bpf /sys/fs/bpf
ip link set lo up
echo "KTEST-BOOTED $(uname -r) $(uname -m) after $(cut -d' ' -f1 /proc/uptime) s"
INIT
}

# guest_result LOG QEMU_STATUS WHO: prints the guest's KTEST lines, then returns 0 when the
# guest finished with KTEST-EXIT=0; otherwise says why on stderr (did not finish, e.g. the
# qemu timeout, or its test failed) with the console's tail, and returns 1.
guest_result() {
	local log=$1 qemu_status=$2 who=$3 guest_status
	tr -d '\r' <"$log" | grep -a '^KTEST' || true
	guest_status=$(tr -d '\r' <"$log" | sed -n 's/^KTEST-EXIT=\([0-9]*\)$/\1/p' | tail -n 1)
	if [ -z "$guest_status" ]; then
		echo "$who: the guest did not finish (qemu exit $qemu_status; 124 = timeout). Console:" >&2
		tail -n 40 "$log" >&2
		return 1
	fi
	if [ "$guest_status" != 0 ]; then
		echo "$who: the guest's test failed (exit $guest_status). Console:" >&2
		tr -d '\r' <"$log" | tail -n 60 >&2
		return 1
	fi
}
