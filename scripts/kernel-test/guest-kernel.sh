#!/usr/bin/env bash
# guest-kernel.sh CACHE_DIR [ARCH] — fetch Debian's current kernel for the guest and print
# the path of its uncompressed image: for amd64 (the default) the vmlinux ELF (for qemu's
# PVH direct boot, which skips the BIOS and the decompressor: about 2 s faster under TCG),
# for arm64 the boot Image (Debian ships it uncompressed).
#
# The package is the one the linux-image-ARCH metapackage depends on today (never a
# hard-coded version), downloaded with apt-get download and unpacked under CACHE_DIR;
# nothing is installed. Reruns reuse the cache. Fails loudly when anything is missing.
set -euo pipefail
CACHE=$1
ARCH=${2:-amd64}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

current_kernel_package() {
	apt-cache depends "linux-image-$ARCH:$ARCH" 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { sub(/:.*/, "", $2); print $2; exit }'
}

KPKG=$(current_kernel_package)
if [ -z "$KPKG" ]; then # no package lists yet (a fresh machine)
	apt-get update -qq >&2
	KPKG=$(current_kernel_package)
fi
[ -n "$KPKG" ] || { echo "guest-kernel: cannot resolve linux-image-$ARCH's kernel package" >&2; exit 1; }

DIR=$CACHE/$KPKG
# An older kernel's unpacked image (63 MB) is of no use once Debian moved on (the other
# architecture's stays).
for old in "$CACHE"/linux-image-*-"$ARCH"; do
	[ "$old" = "$DIR" ] || [ ! -d "$old" ] || rm -rf "$old"
done
if [ ! -s "$DIR/vmlinux" ]; then
	mkdir -p "$DIR"
	# Downloaded afresh into a directory of its own, removed on exit: a .deb an interrupted
	# run left behind is never taken for a whole one.
	DL=$(mktemp -d "$CACHE/download.XXXXXX")
	trap 'rm -rf "$DL"' EXIT
	echo "guest-kernel: downloading $KPKG" >&2
	# "Download is performed unsandboxed as root" is apt's harmless note. apt retries a
	# failed fetch itself (Acquire::Retries, 3 by default since apt 2.3).
	(cd "$DL" && apt-get download "$KPKG:$ARCH" 2>&1 | grep -v 'unsandboxed' >&2) || true
	DEB=$(ls "$DL/${KPKG}"_*.deb 2>/dev/null | tail -n 1)
	[ -n "$DEB" ] || { echo "guest-kernel: apt-get download $KPKG failed" >&2; exit 1; }
	dpkg-deb --fsys-tarfile "$DEB" | tar -xf - -C "$DIR" --wildcards './boot/vmlinuz-*' './boot/config-*'
	if [ "$ARCH" = arm64 ]; then # the Image itself, uncompressed
		mv "$DIR"/boot/vmlinuz-* "$DIR/vmlinux"
		echo "$DIR/vmlinux"
		exit 0
	fi
	# The bzImage's payload is one xz stream: decompress it from its magic on.
	/usr/bin/python3 - "$DIR"/boot/vmlinuz-* "$DIR/vmlinux.tmp" <<'PY'
import lzma, sys
data = open(sys.argv[1], "rb").read()
start = data.find(b"\xfd7zXZ\x00")
if start < 0:
    sys.exit("guest-kernel: no xz payload in " + sys.argv[1])
out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
open(sys.argv[2], "wb").write(out)
PY
	mv "$DIR/vmlinux.tmp" "$DIR/vmlinux" # all reruns need; the .deb (70 MB) goes with $DL
fi
echo "$DIR/vmlinux"
