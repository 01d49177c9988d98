#!/usr/bin/env bash
# Install every Debian package the build, the demo and the tests need.
# Idempotent: when everything is present it only checks and exits 0.
set -euo pipefail

BUILD_PKGS="make gcc clang llvm clang-format pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
	libmicrohttpd-dev libyaml-dev libpcre2-dev libjson-c-dev"
BUILD_PKGS="$BUILD_PKGS libgnutls28-dev libunistring-dev" # issue 15: make static links GnuTLS's archives
BUILD_PKGS="$BUILD_PKGS libcrypt-dev" # issue 16: bcrypt for basic_auth_users (libxcrypt's crypt_r)
BUILD_PKGS="$BUILD_PKGS libcap-dev" # issue 15: capability check and drop (src/capture/privileges.c)
BUILD_PKGS="$BUILD_PKGS libncurses-dev libcurl4-openssl-dev" # issue 17: top's view and its scrapes
# issue 18: the Kubernetes API client: libcurl (above) and libcrypto (kubeconfig base64)
BUILD_PKGS="$BUILD_PKGS libssl-dev"
TEST_PKGS="libcmocka-dev python3 python3-pytest python3-flask python3-requests python3-prometheus-client
	gunicorn prometheus curl wrk nginx-light procps iproute2 bc"
TEST_PKGS="$TEST_PKGS qemu-system-x86 busybox-static" # issue 8: make test-kernels boots 6.1
TEST_PKGS="$TEST_PKGS openssl libssl-dev"  # issue 5: throw-away certificates; the BPF TLS test links libssl
TEST_PKGS="$TEST_PKGS libclang-rt-14-dev" # issue 7: libFuzzer runtime for make fuzz
TEST_PKGS="$TEST_PKGS uwsgi uwsgi-plugin-python3 python3-waitress"  # issue 4: more servers
TEST_PKGS="$TEST_PKGS python3-yaml"  # issue 17: rule and dashboard checks read YAML
TEST_PKGS="$TEST_PKGS buildah podman runc" # issue 15: make image, the image test
TEST_PKGS="$TEST_PKGS chromium tmux"  # issue 17: the landing page in a browser, top in a terminal
TEST_PKGS="$TEST_PKGS systemd" # issue 15: systemd-analyze verify/security for deploy/systemd
# issue 15: kubectl kustomize and the npm schema validator for deploy/kubernetes. A kubectl or
# node already on the machine (from another vendor's package) is used as it is; Debian's
# kubernetes-client (kubectl 1.20) and nodejs/npm otherwise.
command -v kubectl >/dev/null || TEST_PKGS="$TEST_PKGS kubernetes-client"
command -v npm >/dev/null || TEST_PKGS="$TEST_PKGS nodejs npm"
TEST_PKGS="$TEST_PKGS containerd runc podman"  # issue 14: pods of a node (tests/e2e/pods.py)
TEST_PKGS="$TEST_PKGS python3-werkzeug" # issue 12: the request-line table's generator

# issue 15: the aarch64 cross build (make arm64) and its qemu guest (make test-kernels): the
# cross compiler, qemu-system-aarch64, and the arm64 twin (Debian multiarch) of every
# library package the build uses, so a library added to BUILD_PKGS is there for arm64 too.
CROSS_PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm"
for pkg in $BUILD_PKGS; do
	case $pkg in lib*-dev | zlib1g-dev) CROSS_PKGS="$CROSS_PKGS $pkg:arm64" ;; esac
done
add_arm64=0
dpkg --print-foreign-architectures | grep -qx arm64 || add_arm64=1

# "install ok installed" is the only state that means the package is usable. A library
# installed for both architectures answers once per architecture: ask for the native one
# first (an Architecture: all package answers only to its plain name).
NATIVE=$(dpkg --print-architecture)
installed() {
	local status
	status=$(dpkg-query -W -f='${Status}' "$1:$NATIVE" 2>/dev/null ||
		dpkg-query -W -f='${Status}' "$1" 2>/dev/null)
	[ "$status" = "install ok installed" ]
}

missing=""
for pkg in $BUILD_PKGS $TEST_PKGS $CROSS_PKGS; do
	installed "$pkg" || missing="$missing $pkg"
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root (sudo $0)" >&2
	exit 1
fi

echo "install-deps: installing$missing"
# Packages such as nginx and prometheus would start their daemons on install; tests start
# their own instances on private ports, so forbid service starts during this install.
policy=/usr/sbin/policy-rc.d
policy_created=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod +x "$policy"
	policy_created=1
fi
trap '[ "$policy_created" = 1 ] && rm -f "$policy"' EXIT

export DEBIAN_FRONTEND=noninteractive
if [ "$add_arm64" = 1 ]; then
	dpkg --add-architecture arm64
fi
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
