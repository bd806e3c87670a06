#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [GROUP...]: install the Debian packages mapdrv's build and VM loop
# need, only those missing. Idempotent; runs apt-get update at most once.
# Groups: base (default: compilers, QEMU, busybox), lint (make lint), docs
# (man pages for make install), bench (jq and gnuplot, which render make
# bench's figures on the host), dkms (make dkms-check; the kernel headers it
# builds against are installed by scripts/check/dkms-check.sh), deb (make deb's
# Build-Depends, lintian, and mkfs.ext4 for make check-install), autopkgtest
# (make autopkgtest: autopkgtest, autodep8, debootstrap), matrix (the
# chroots some kernels are built in, and debootstrap), cross-ARCH (arm64,
# ppc64el, s390x: the cross compilers and static libc for the module, tools
# and tests, and Debian 12's emulator, whose libraries the bookworm-backports
# one runs on) and cross (all of them).
#
# Debian 12's gcc-multilib conflicts with every gcc-12-<triplet> cross
# compiler, only for its /usr/include/asm link: -m32 builds get gcc-12-multilib
# (no conflict) and add the multiarch include directory themselves
# (scripts/lint/lint.sh).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

# command:package pairs, by group.
base="g++:g++ gcc-12:gcc-12 make:make qemu-system-x86_64:qemu-system-x86
cpio:cpio xz:xz-utils timeout:coreutils dpkg-deb:dpkg pahole:dwarves /sbin/modinfo:kmod
/usr/lib/gcc/x86_64-linux-gnu/12/32/crtbegin.o:gcc-12-multilib"
lint="sparse:sparse shellcheck:shellcheck cppcheck:cppcheck perl:perl
clang-tidy:clang-tidy help2man:help2man groff:groff-base /sbin/modinfo:kmod
/usr/lib/gcc/x86_64-linux-gnu/12/32/crtbegin.o:gcc-12-multilib"
docs="help2man:help2man"
bench="jq:jq gnuplot:gnuplot-nox"
dkms="dkms:dkms /sbin/modinfo:kmod"
deb="dpkg-buildpackage:dpkg-dev dh:debhelper dh_dkms:dh-dkms help2man:help2man lintian:lintian
g++:g++ /usr/share/build-essential/list:build-essential mkfs.ext4:e2fsprogs"
matrix="debootstrap:debootstrap unshare:util-linux"
autopkgtest="autopkgtest:autopkgtest autodep8:autodep8 debootstrap:debootstrap"
debug="bc:bc flex:flex bison:bison /usr/include/libelf.h:libelf-dev /usr/include/openssl/ssl.h:libssl-dev"
cross_pairs() {
	arch_vars "$1" || die "unknown architecture '$1' (known: $ARCH_ALL)"
	local t=$ARCH_TRIPLET sys=$ARCH_QEMU_PKG
	[ "$1" = s390x ] && sys=qemu-system-misc # Debian 12's name
	echo "$t-gcc-12:gcc-12-$t $t-g++-12:g++-12-$t $t-gcc:gcc-$t $t-g++:g++-$t"
	echo "/usr/$t/lib/libc.a:libc6-dev-$1-cross $ARCH_QEMU:$sys"
}
files="/bin/busybox:busybox-static /usr/share/keyrings/debian-archive-keyring.gpg:debian-archive-keyring"

want=()
for group in "${@:-base}"; do
	case "$group" in
	base) pairs="$base $files" ;;
	lint) pairs=$lint ;;
	docs) pairs=$docs ;;
	bench) pairs=$bench ;;
	dkms) pairs=$dkms ;;
	deb) pairs=$deb ;;
	matrix) pairs=$matrix ;;
	autopkgtest) pairs=$autopkgtest ;;
	debug) pairs=$debug ;;
	fuzz) pairs="trinity:trinity" ;;
	cross) pairs=$(for a in $ARCH_ALL; do [ "$a" = "$MAPDRV_HOST_ARCH" ] || cross_pairs "$a"; done) ;;
	cross-*) pairs=$(cross_pairs "${group#cross-}") ;;
	*) die "unknown dependency group '$group'" ;;
	esac
	for pair in $pairs; do
		what=${pair%%:*} pkg=${pair#*:}
		case "$what" in
		/*) [ -e "$what" ] && continue ;;
		*) command -v "$what" >/dev/null 2>&1 && continue ;;
		esac
		# busybox from another package is dynamic: we need the static one.
		want+=("$pkg")
	done
done
# The guest needs a static busybox; a dynamic one at /bin/busybox won't do.
if [ -e /bin/busybox ] && ! dpkg -s busybox-static >/dev/null 2>&1; then
	want+=(busybox-static)
fi
[ ${#want[@]} -eq 0 ] && exit 0

# This installs into the running system: an APT_CONFIG that points dpkg at
# another database (make check-foreign-arch's simulation) would unpack the
# packages here and record them there, where nothing can remove them.
if apt-config dump 2>/dev/null | grep -q -- '--admindir'; then
	die "APT_CONFIG=${APT_CONFIG:-} gives dpkg another --admindir: not installing ${want[*]} into this system with it"
fi
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
log "installing: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt run (another checkout's deps.sh) rather than fail.
lock=(-o DPkg::Lock::Timeout=600)
$sudo apt-get -q "${lock[@]}" update >/dev/null
$sudo apt-get -q "${lock[@]}" install -y --no-install-recommends "${want[@]}" >/dev/null
