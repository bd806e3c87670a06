#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [GROUP...]: install the Debian packages mapdrv's build and VM loop
# need, only those missing. Idempotent; runs apt-get update at most once.
# Groups: base (default: compilers, QEMU, busybox), lint (make lint), docs
# (man pages for make install), dkms (make dkms-check; the kernel headers it
# builds against are installed by scripts/check/dkms-check.sh), matrix (the chroots
# some kernels are built in).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

# command:package pairs, by group.
base="g++:g++ gcc-12:gcc-12 make:make qemu-system-x86_64:qemu-system-x86
cpio:cpio xz:xz-utils timeout:coreutils dpkg-deb:dpkg pahole:dwarves
/usr/lib/gcc/x86_64-linux-gnu/12/32/crtbegin.o:gcc-12-multilib"
lint="sparse:sparse shellcheck:shellcheck cppcheck:cppcheck perl:perl
clang-tidy:clang-tidy help2man:help2man groff:groff-base /sbin/modinfo:kmod
/usr/include/asm:gcc-multilib"
docs="help2man:help2man"
dkms="dkms:dkms /sbin/modinfo:kmod"
matrix="debootstrap:debootstrap unshare:util-linux"
debug="bc:bc flex:flex bison:bison /usr/include/libelf.h:libelf-dev /usr/include/openssl/ssl.h:libssl-dev"
files="/bin/busybox:busybox-static /usr/share/keyrings/debian-archive-keyring.gpg:debian-archive-keyring"

want=()
for group in "${@:-base}"; do
	case "$group" in
	base) pairs="$base $files" ;;
	lint) pairs=$lint ;;
	docs) pairs=$docs ;;
	dkms) pairs=$dkms ;;
	matrix) pairs=$matrix ;;
	debug) pairs=$debug ;;
	fuzz) pairs="trinity:trinity" ;;
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

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
log "installing: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -q update >/dev/null
$sudo apt-get -q install -y --no-install-recommends "${want[@]}" >/dev/null
