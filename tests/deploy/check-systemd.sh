#!/usr/bin/env bash
# check-systemd.sh [EXPORTER] — make test-deploy's systemd half, offline (no systemd as PID 1
# needed): deploy/systemd/flask-ebpf-exporter.service must pass `systemd-analyze verify`
# without a single message, and `systemd-analyze security --offline=yes` must rate its
# exposure at most 3.0. verify runs in a scratch root holding the system's units and the
# built exporter at the unit's ExecStart path, so the unit is checked as written.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
FEE=${1:-$REPO/build/flask_ebpf_exporter}
UNIT=$REPO/deploy/systemd/flask-ebpf-exporter.service
MAX_EXPOSURE=3.0
passed=0
failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

command -v systemd-analyze >/dev/null || { echo "systemd-analyze is missing: scripts/install-deps.sh" >&2; exit 1; }
[ -x "$FEE" ] || { echo "$FEE is missing: run make first" >&2; exit 1; }
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT

exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNIT")
mkdir -p "$ROOT/usr/lib/systemd" "$ROOT/etc/systemd/system" "$ROOT$(dirname "$exec_path")"
cp -a /usr/lib/systemd/system "$ROOT/usr/lib/systemd/"
cp "$FEE" "$ROOT$exec_path"
cp "$UNIT" "$ROOT/etc/systemd/system/"
if out=$(systemd-analyze verify --root="$ROOT" "$(basename "$UNIT")" 2>&1) && [ -z "$out" ]; then
	pass "systemd-analyze verify: clean"
else
	fail "systemd-analyze verify: $out"
fi
# The check must be able to fail: a misspelt key is reported.
sed 's/^NoNewPrivileges=/NoNewPrivilege=/' "$UNIT" >"$ROOT/etc/systemd/system/misspelt.service"
if systemd-analyze verify --root="$ROOT" misspelt.service 2>&1 | grep -q "Unknown key 'NoNewPrivilege'"; then
	pass "systemd-analyze verify: reports a misspelt key"
else
	fail "systemd-analyze verify: a misspelt key went unnoticed"
fi

exposure=$(systemd-analyze security --offline=yes "$UNIT" 2>&1 |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -n "$exposure" ] && awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e <= m) }'; then
	pass "systemd-analyze security: exposure $exposure (at most $MAX_EXPOSURE)"
else
	fail "systemd-analyze security: exposure '${exposure:-?}' above $MAX_EXPOSURE"
	systemd-analyze security --offline=yes "$UNIT" | grep -v '✓' || true
fi

# The unit's capabilities are the README's table (what the exporter checks at start).
bounding=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
ambient=$(sed -n 's/^AmbientCapabilities=//p' "$UNIT")
if [ -n "$bounding" ] && [ "$bounding" = "$ambient" ]; then
	pass "capabilities: bounding set = ambient set = $bounding"
else
	fail "capabilities: bounding '$bounding' and ambient '$ambient' differ"
fi

echo "check-systemd: $passed passed, $failed failed"
[ "$failed" = 0 ]
