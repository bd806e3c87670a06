#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh KERNEL_ENV: build mapdrv.ko for the kernel described by a
# kernel.env file (see fetch-kernel.sh) with W=1, in a copy of the sources
# under build/mod/<KREL> (or in the chroot kernel.env names, see chroot.sh,
# with the headers fetch-kernel.sh extracted bind-mounted into it), and
# print the path of the .ko. Any compiler warning fails the build. A
# kernel of another architecture is cross-built: ARCH= and CROSS_COMPILE=
# from its kernel.env.
# MAPDRV_MODULE_SRC: build from this copy of the module's sources instead
# (make module-src lays one out; make mutants uses it), in MAPDRV_MOD_DIR;
# or from another module's folder, whose Kbuild names it on its obj-m line
# (make bench's scripts/bench/remap-baseline/: mapdrv_remap.ko).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

# shellcheck source=/dev/null
. "$1"
mod=${MAPDRV_MOD_DIR:-$MAPDRV_BUILD/mod/$KREL}
# copy_sources DEST: the module's sources, from the tree or MAPDRV_MODULE_SRC.
copy_sources() {
	if [ -n "${MAPDRV_MODULE_SRC:-}" ]; then
		mkdir -p "$1" && cp -a "$MAPDRV_MODULE_SRC"/. "$1"/
	else
		make -s -C "$MAPDRV_TOP" module-src DEST="$1"
	fi
}
mkdir -p "$mod"
copy_sources "$mod"
name=$(sed -n 's/^obj-m[[:space:]]*:*=[[:space:]]*\([A-Za-z0-9_-]*\)\.o.*/\1/p' "$mod/Kbuild")
[ -n "$name" ] || die "$mod/Kbuild: no obj-m line"
blog=$mod/build.log
# Always compile every file: an incremental build would not repeat a W=1
# warning of a file it does not recompile, and the check would pass.
rm -f "$mod"/*.o "$mod"/src/*.o "$mod/$name.ko"
kbuild_args=(W=1)
if [ -n "${CROSS_COMPILE:-}" ]; then
	kbuild_args+=(ARCH="$KBUILD_ARCH" CROSS_COMPILE="$CROSS_COMPILE")
	[ -n "${BUILD_CHROOT:-}" ] || "$MAPDRV_TOP/scripts/deps.sh" "cross-$DEB_ARCH"
fi
if [ -z "${BUILD_CHROOT:-}" ]; then
	make -C "$KDIR" M="$mod" "${kbuild_args[@]}" modules >"$blog" 2>&1 || build_rc=$?
else
	# The kernel's headers stay where fetch-kernel.sh extracted them, seen
	# at the same path inside (a chroot cannot install another
	# architecture's headers package, nor one of a suite its sources lack:
	# trixie-backports in a trixie chroot); the chroot brings the compiler
	# (the suite release's own, or its cross compiler) and runs kbuild's
	# programs (built against its own glibc), with what they run: pahole
	# (dwarves) for BTF, perl for W=1's kernel-doc. The sources are copied in
	# and the module out; objtool reads /proc: mount it in a private namespace.
	read -r -a chroot_pkgs <<<"${CHROOT_PKGS:-}"
	root=$("$MAPDRV_TOP/scripts/kernel/chroot.sh" "$BUILD_CHROOT" "${chroot_pkgs[@]}" dwarves perl)
	# One directory per build directory: several trees (worktrees, make
	# mutants) build in the same chroot.
	inside=/build/mapdrv-$KREL-$(printf %s "$mod" | md5sum | cut -c1-12)
	mkdir -p "$root$inside" "$root$KROOT"
	rm -f "$root$inside"/*.o "$root$inside"/src/*.o "$root$inside/$name.ko"
	copy_sources "$root$inside"
	# shellcheck disable=SC2016 # the inner sh expands $1..$4
	unshare -m sh -c 'mount -t proc proc "$1/proc" && mount --bind "$2" "$1$2" &&
		root=$1 kdir=$3 m=$4 && shift 4 && exec chroot "$root" env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin make -C "$kdir" M="$m" "$@" modules' \
		sh "$root" "$KROOT" "$KDIR" "$inside" "${kbuild_args[@]}" >"$blog" 2>&1 || build_rc=$?
	cp "$root$inside/$name.ko" "$mod/$name.ko" 2>/dev/null || true
fi
if [ "${build_rc:-0}" -ne 0 ]; then
	cat "$blog" >&2
	die "module build failed for $KREL"
fi
if grep -E 'warning:|error:' "$blog" >&2; then
	die "module build for $KREL is not warning-free (W=1)"
fi
echo "$mod/$name.ko"
