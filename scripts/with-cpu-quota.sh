#!/bin/sh
# with-cpu-quota.sh PERCENT COMMAND...: runs COMMAND in a cgroup of its own limited to
# PERCENT % of one CPU, as a slower machine would run it (make test-e2e E2E_CPU_QUOTA=N;
# docs/testing.md). cgroup v1's cpu controller (hybrid hosts such as this project's VMs)
# or, on a cgroup2-only host, cpu.max. Root. The cgroup is removed afterwards; COMMAND's
# exit code is the script's.
set -eu
percent=${1:-}
case $percent in
'' | *[!0-9]* | 0)
	echo "with-cpu-quota.sh: PERCENT must be a whole number above 0, got '$percent'" >&2
	exit 2
	;;
esac
shift
if [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
	parent=/sys/fs/cgroup/cpu
	cg=$parent/fee-cpu-quota-$$
	mkdir "$cg"
	echo 100000 >"$cg/cpu.cfs_period_us"
	echo $((percent * 1000)) >"$cg/cpu.cfs_quota_us"
elif grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
	parent=/sys/fs/cgroup
	cg=$parent/fee-cpu-quota-$$
	mkdir "$cg"
	echo "$((percent * 1000)) 100000" >"$cg/cpu.max"
else
	echo "with-cpu-quota.sh: no cpu controller (cgroup v1 cpu, or cpu in cgroup2's subtree_control)" >&2
	exit 1
fi
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	# Whatever COMMAND left behind goes back to the parent, so the cgroup can go.
	while read -r pid; do echo "$pid" >"$parent/cgroup.procs" 2>/dev/null || true; done <"$cg/cgroup.procs"
	rmdir "$cg"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
status=0
sh -c 'echo $$ >"$1/cgroup.procs"; shift; exec "$@"' sh "$cg" "$@" || status=$?
exit $status
