#!/usr/bin/env bash
# image.sh BINARY VERSION [OCI_ARCHIVE] — make image / make image-archive: an OCI image built
# offline with buildah from scratch. It holds the binary `make static` linked and the
# shared objects that stay dynamic (glibc's loader and libc, GnuTLS's p11-kit with its
# libffi, libcurl's closure: Debian ships no static archives of them; docs/deploy.md), each
# at its host path, and nothing else:
# no shell, no package manager. Default user 65534 (nobody); the DaemonSet runs it as uid 0
# with a fixed capability set (deploy/kubernetes/base/daemonset.yaml explains why).
# Tagged localhost/flask-ebpf-exporter:VERSION; with OCI_ARCHIVE also written there as an OCI
# archive (`podman load -i FILE`, `ctr images import FILE`, `skopeo copy oci-archive:FILE ...`).
# BUILDAH_STORE="--root DIR --runroot DIR" builds into a private store (the tests do).
set -euo pipefail
BIN=$1
VERSION=$2
ARCHIVE=${3:-}
IMAGE=${IMAGE_NAME:-localhost/flask-ebpf-exporter}:$VERSION
# shellcheck disable=SC2086 # BUILDAH_STORE is a list of options
buildah() { command buildah ${BUILDAH_STORE:-} "$@"; }

command -v buildah >/dev/null || { echo "image: buildah is missing: scripts/install-deps.sh" >&2; exit 1; }
ctr=$(buildah from --quiet scratch)
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT

buildah copy --quiet --chmod 0755 "$ctr" "$BIN" /usr/bin/flask_ebpf_exporter >/dev/null
# The shared objects the binary still needs, resolved to files, at the paths ld.so looks in.
for lib in $(ldd "$BIN" | awk '/=>/ && $3 ~ /^\// { print $3 } /^\t\/[^ ]*ld-linux/ { print $1 }'); do
	buildah copy --quiet "$ctr" "$(readlink -f "$lib")" "$lib" >/dev/null
done
buildah config \
	--user 65534:65534 \
	--entrypoint '["/usr/bin/flask_ebpf_exporter"]' \
	--cmd '' \
	--port 9969/tcp \
	--env PATH=/usr/bin \
	--label org.opencontainers.image.title=flask_ebpf_exporter \
	--label org.opencontainers.image.version="$VERSION" \
	--label org.opencontainers.image.description="Prometheus metrics of unmodified Flask and HTTP/1.x servers, from eBPF" \
	"$ctr"
buildah commit --quiet --rm "$ctr" "$IMAGE" >/dev/null
trap - EXIT
size=$(buildah images --format '{{.Size}}' "$IMAGE" 2>/dev/null || echo '?')
echo "image: $IMAGE ($size)"
if [ -n "$ARCHIVE" ]; then
	rm -f "$ARCHIVE"
	buildah push --quiet "$IMAGE" "oci-archive:$ARCHIVE:$IMAGE" >/dev/null
	echo "image: $ARCHIVE ($(stat -c %s "$ARCHIVE") bytes)"
fi
