# guest-lib.sh — sourced by run.sh and bench.sh (x86-64 guest) and run-arm64.sh (arm64 guest).

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
# qemu timeout or a stall, or its test failed) with the console's tail, and returns 1.
guest_result() {
	local log=$1 qemu_status=$2 who=$3 guest_status
	tr -d '\r' <"$log" | grep -a '^KTEST' || true
	guest_status=$(tr -d '\r' <"$log" | sed -n 's/^KTEST-EXIT=\([0-9]*\)$/\1/p' | tail -n 1)
	if [ -z "$guest_status" ]; then
		echo "$who: the guest did not finish (qemu exit $qemu_status; 124 = the timeout, or a stall: no KTEST line for QEMU_STALL s). Console:" >&2
		tr -d '\r' <"$log" | tail -n 40 >&2
		guest_kernel_trouble "$log" >&2
		return 1
	fi
	if [ "$guest_status" != 0 ]; then
		echo "$who: the guest's test failed (exit $guest_status). Console:" >&2
		tr -d '\r' <"$log" | tail -n 60 >&2
		return 1
	fi
}

# guest_kernel_trouble LOG: the guest kernel's first complaint (soft lockup, hung task,
# oops, warning, panic) with the 80 lines after it, then, last (where a CI summary that
# keeps only the end of the output still shows it), that complaint and its first call
# trace in one line each. Prints nothing when the kernel did not complain.
guest_kernel_trouble() {
	local first
	first=$(tr -d '\r' <"$1" | grep -an -m1 -E 'BUG:|INFO: task .* blocked|Oops|WARNING:|Kernel panic' | cut -d: -f1)
	[ -n "$first" ] || return 0
	echo "== the guest kernel's first complaint (console line $first):"
	tr -d '\r' <"$1" | tail -n "+$first" | head -n 80
	echo "== in short:"
	tr -d '\r' <"$1" | sed -n "${first}p"
	tr -d '\r' <"$1" | tail -n "+$first" | awk '
		/Call Trace:/ { on = 1; next }
		on && /<\/TASK>|^\[ *[0-9.]+\] *---|Kernel panic/ { exit }
		on && $0 ~ /\+0x/ && $0 !~ / \? / { sub(/^\[ *[0-9.]+\] */, ""); sub(/\+0x.*/, ""); printf "%s%s", sep, $NF; sep = " < " }
		END { if (sep) print "" }'
}

# guest_root BUSYBOX: the initramfs tree at $ROOT with its directories and the static busybox.
guest_root() {
	mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,root}
	cp "$1" "$ROOT/bin/busybox"
}

# copy_with_libs FILE DEST: a host file into the initramfs ($ROOT) at DEST, with the shared
# libraries it needs (at their host paths, where the dynamic loader looks).
copy_with_libs() {
	local f=$1 dest=$2 lib
	mkdir -p "$ROOT$(dirname "$dest")"
	cp -L "$f" "$ROOT$dest"
	for lib in $(ldd "$f" 2>/dev/null | awk '/=>/ && $3 ~ /^\// { print $3 } /^\t\/[^ ]*ld-linux/ { print $1 }'); do
		[ -e "$ROOT$lib" ] && continue
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done
}

# The guests' kernel command line after the console. A kernel that stops making progress
# ends the run within seconds instead of at the qemu timeout, and says where: a CPU stuck
# in the kernel (soft lockup, 20 s) or a task blocked (hung task, 120 s) panics, after every
# CPU's backtrace; panic=-1 with qemu's -no-reboot then stops qemu. loglevel=5 instead of
# quiet lets the backtraces (printed at the default level, 4) reach the console.
GUEST_KERNEL_ARGS="loglevel=5 panic=-1 oops=panic softlockup_panic=1 softlockup_all_cpu_backtrace=1 hung_task_panic=1"

# guest_watched LOG TIMEOUT STALL CMD...: runs CMD (a qemu) with its output in LOG and
# returns its status; stops it with 124 after TIMEOUT s in all or, when STALL is not 0, once
# LOG has gained no KTEST line for STALL s. A guest whose test stopped making progress
# (without its kernel noticing, or while its kernel fills the console) ends then, not at
# TIMEOUT; so TIMEOUT can leave room for a guest that is only slow.
guest_watched() {
	local log=$1 timeout=$2 stall=$3 pid lines progressed_at status=0 last=-1
	shift 3
	if [ "$stall" = 0 ]; then # nothing to watch (bench.sh): qemu alone, as ever
		timeout "$timeout" "$@" </dev/null >"$log" 2>&1 || status=$?
		return "$status"
	fi
	timeout "$timeout" "$@" </dev/null >"$log" 2>&1 &
	pid=$!
	progressed_at=$SECONDS
	while kill -0 "$pid" 2>/dev/null; do
		lines=$(grep -ac KTEST "$log" || true)
		if [ "$lines" != "$last" ]; then
			last=$lines
			progressed_at=$SECONDS
		elif [ $((SECONDS - progressed_at)) -ge "$stall" ]; then
			echo "guest: no KTEST line for $stall s: stopping it" >&2
			kill "$pid" 2>/dev/null # timeout passes the TERM on to qemu
			wait "$pid" 2>/dev/null
			return 124
		fi
		sleep 1
	done
	wait "$pid" || status=$?
	return "$status"
}

# guest_boot_amd64 VMLINUX WORK TIMEOUT [STALL]: packs $ROOT into WORK/initramfs.cpio.gz
# and boots it on VMLINUX under qemu-system-x86_64 (TCG: KVM is not usable on the
# development and CI machines), the console in WORK/console.log; returns qemu's status
# (124: TIMEOUT s passed, or STALL s without a KTEST line: guest_watched).
# GUEST_VCPUS (default 2) and GUEST_QEMU_OPTIONS (more qemu options, split on spaces; say
# bench.sh's -icount) shape the machine.
guest_boot_amd64() {
	local vmlinux=$1 work=$2 timeout=$3 stall=${4:-0}
	local -a more
	read -ra more <<<"${GUEST_QEMU_OPTIONS:-}"
	(cd "$ROOT" && find . | "$ROOT/bin/busybox" cpio -o -H newc -R 0:0 2>/dev/null | gzip -1 >"$work/initramfs.cpio.gz")
	guest_watched "$work/console.log" "$timeout" "$stall" \
		qemu-system-x86_64 -nodefaults -no-user-config -accel tcg -cpu max "${more[@]}" \
		-smp "${GUEST_VCPUS:-2}" -m 1024 -kernel "$vmlinux" -initrd "$work/initramfs.cpio.gz" \
		-append "console=ttyS0 $GUEST_KERNEL_ARGS" \
		-display none -serial stdio -no-reboot
}
