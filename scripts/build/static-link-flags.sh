#!/usr/bin/env bash
# static-link-flags.sh -lA -lB ... — the linker flags that link those libraries (the daemon's
# LIBS) and everything they depend on statically, wherever Debian ships the archive (libX.a).
#
# Each -lX is looked up among the pkg-config modules (the module whose --libs names -lX);
# its `--static` closure gives the dependencies. A dependency without an archive stays
# dynamic, and so does glibc (-lc, -lm, -lpthread, -ldl, -lrt, -lresolv): static glibc cannot
# load NSS or the shared libraries that remain. Today only p11-kit (GnuTLS's PKCS#11 layer,
# and its libffi) has no archive in Debian. The unlinked rest is printed on stderr.
set -euo pipefail
MULTIARCH=${MULTIARCH:-$(gcc -print-multiarch)}
LIBDIRS=("/usr/lib/$MULTIARCH" "/lib/$MULTIARCH" "$(dirname "$(gcc -print-libgcc-file-name)")")
GLIBC=" c m pthread dl rt resolv util "

archive_of() {
	local dir
	for dir in "${LIBDIRS[@]}"; do
		[ -e "$dir/lib$1.a" ] && { echo "$dir/lib$1.a"; return 0; }
	done
	return 1
}

# -lX -> the pkg-config module that provides it (empty when none does).
module_of() {
	local mod
	for mod in $(pkg-config --list-all | awk '{ print $1 }'); do
		if [[ " $(pkg-config --libs "$mod" 2>/dev/null) " == *" -l$1 "* ]]; then
			echo "$mod"
			return 0
		fi
	done
}

libs=()
for flag in "$@"; do
	lib=${flag#-l}
	mod=$(module_of "$lib")
	if [ -n "$mod" ]; then
		for l in $(pkg-config --static --libs-only-l "$mod"); do libs+=("${l#-l}"); done
	else
		libs+=("$lib")
	fi
done

# Keep the last occurrence of each library: a static archive must come after its users.
declare -A seen=()
ordered=()
for ((i = ${#libs[@]} - 1; i >= 0; i--)); do
	[ -n "${seen[${libs[i]}]:-}" ] && continue
	seen[${libs[i]}]=1
	ordered=("${libs[i]}" "${ordered[@]}")
done

static=()
dynamic=()
for lib in "${ordered[@]}"; do
	if [[ "$GLIBC" != *" $lib "* ]] && archive=$(archive_of "$lib"); then
		static+=("$archive")
	else
		dynamic+=("-l$lib")
	fi
done
echo "static-link-flags: dynamic: ${dynamic[*]}" >&2
echo "-Wl,--start-group ${static[*]} -Wl,--end-group ${dynamic[*]}"
