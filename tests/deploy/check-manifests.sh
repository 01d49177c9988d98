#!/usr/bin/env bash
# check-manifests.sh [EXPORTER] — make test-deploy's Kubernetes half, offline:
#  1. `kubectl kustomize` renders deploy/kubernetes (with the PodMonitor),
#     deploy/kubernetes/base (without) and deploy/kubernetes/api-metadata (base plus read
#     access to pods for `kubernetes.api`);
#  2. every rendered object validates against the Kubernetes API schemas, unknown fields
#     rejected (validate-manifests.mjs, npm kubernetes-models installed into
#     build/deploy-check from package-lock.json);
#  3. the validator itself refuses each object of invalid-objects.yaml;
#  4. the image tag is VERSION, and the ConfigMap's exporter.yaml passes the exporter's own
#     --check-config.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
FEE=${1:-$REPO/build/flask_ebpf_exporter}
OUT=$REPO/build/deploy-check
mkdir -p "$OUT"
passed=0
failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

command -v kubectl >/dev/null || { echo "kubectl is missing: scripts/install-deps.sh" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm is missing: scripts/install-deps.sh" >&2; exit 1; }

# The validator's packages, pinned by the lock file; reinstalled when the lock changes or an
# earlier install did not finish (the lock it installed is kept only once npm ci succeeded:
# a half-filled node_modules is never taken for an install). npm retries a failed fetch
# (4 times here, 10-60 s apart): the registry is the only network this tier uses.
INSTALLED_LOCK=$OUT/installed-package-lock.json
if ! cmp -s "$HERE/package-lock.json" "$INSTALLED_LOCK"; then
	rm -f "$INSTALLED_LOCK"
	cp "$HERE/package.json" "$HERE/package-lock.json" "$OUT/"
	(cd "$OUT" && npm ci --no-audit --no-fund --loglevel=error --fetch-retries=4 >/dev/null)
	cp "$HERE/package-lock.json" "$INSTALLED_LOCK"
fi
cp "$HERE/validate-manifests.mjs" "$OUT/"

for dir in deploy/kubernetes deploy/kubernetes/base deploy/kubernetes/api-metadata; do
	rendered=$OUT/$(echo "$dir" | tr / -).yaml
	if kubectl kustomize "$REPO/$dir" >"$rendered" 2>"$OUT/kustomize.err"; then
		pass "kubectl kustomize $dir renders $(grep -c '^kind:' "$rendered") objects"
	else
		fail "kubectl kustomize $dir: $(cat "$OUT/kustomize.err")"
		continue
	fi
	if node "$OUT/validate-manifests.mjs" "$rendered" >"$OUT/validate.log" 2>&1; then
		pass "$dir: $(tail -n 1 "$OUT/validate.log")"
	else
		fail "$dir: schema check"
		cat "$OUT/validate.log"
	fi
done

# The check must be able to fail: each invalid object is refused, for its own reason.
node "$OUT/validate-manifests.mjs" "$HERE/invalid-objects.yaml" >"$OUT/invalid.log" 2>&1 && fail "invalid-objects.yaml was accepted"
for expect in "DaemonSet/typo-in-security-context" "unknown field spec.template.spec.containers\[0\].securityContext.readOnlyRootFilesytem" \
	"DaemonSet/wrong-type" "hostPID must be boolean" \
	"PodMonitor/unknown-endpoint-field" "unknown field spec.podMetricsEndpoints\[0\].scrapePath" \
	"no schema for apiVersion apps/v1beta9" "4 objects, 4 invalid"; do
	if grep -q -- "$expect" "$OUT/invalid.log"; then
		pass "invalid objects: refused: $expect"
	else
		fail "invalid objects: expected '$expect' in:"
		cat "$OUT/invalid.log"
	fi
done

version=$(cat "$REPO/VERSION")
tag=$(sed -n 's/^ *newTag: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$REPO/deploy/kubernetes/base/kustomization.yaml")
if [ "$tag" = "$version" ]; then pass "image tag $tag is VERSION"; else fail "image tag '$tag' is not VERSION $version"; fi

if [ -x "$FEE" ]; then
	for config in base/exporter.yaml api-metadata/exporter.yaml; do
		if "$FEE" --config "$REPO/deploy/kubernetes/$config" --check-config >"$OUT/check-config.log" 2>&1; then
			pass "$config passes --check-config"
		else
			fail "$config: $(cat "$OUT/check-config.log")"
		fi
	done
else
	fail "$FEE is missing: run make first"
fi

echo "check-manifests: $passed passed, $failed failed"
[ "$failed" = 0 ]
