# guest-result.sh — sourced by run.sh and run-arm64.sh: what a guest's console log says.
#
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
