#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# chroot.sh SUITE [PKG...]: make sure a Debian SUITE chroot exists under
# $MAPDRV_CACHE/chroots/SUITE (debootstrap, minbase) with PKG installed, and
# print its path. Used to build the module with the toolchain a kernel was
# built with when the host's cannot (gcc-10 for 5.10; gcc-16 and a newer
# glibc for sid's kernel). The chroot's package lists are refreshed at most
# once a day.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

suite=$1
shift
dir=$MAPDRV_CACHE/chroots/$suite
# One make at a time per chroot (make check-all and make dkms-check may
# run side by side): the debootstrap and apt-get below are not re-entrant.
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [ ! -x "$dir/usr/bin/apt-get" ]; then
	command -v debootstrap >/dev/null || "$MAPDRV_TOP/scripts/deps.sh" matrix
	log "debootstrap $suite into $dir (once; about a minute)"
	rm -rf "$dir.tmp"
	mkdir -p "$(dirname "$dir")"
	debootstrap --variant=minbase --include=make "$suite" "$dir.tmp" \
		"$DEBIAN_MIRROR" >"$MAPDRV_CACHE/chroots/$suite.log" 2>&1 ||
		{ tail -n 20 "$MAPDRV_CACHE/chroots/$suite.log" >&2; die "debootstrap $suite failed"; }
	# A mirror snapshot may serve a Release file past its Valid-Until.
	echo 'Acquire::Check-Valid-Until "false";' >"$dir.tmp/etc/apt/apt.conf.d/99mapdrv"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi

missing=()
for pkg in "$@"; do
	in_chroot "$dir" dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ -z "$(find "$dir/var/lib/apt/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null)" ]; then
		in_chroot "$dir" apt-get -q update >/dev/null || die "apt-get update in the $suite chroot failed"
	fi
	log "installing in the $suite chroot: ${missing[*]}"
	in_chroot "$dir" apt-get -q install -y --no-install-recommends "${missing[@]}" \
		>"$dir.install.log" 2>&1 ||
		{ tail -n 20 "$dir.install.log" >&2; die "cannot install ${missing[*]} in the $suite chroot"; }
fi
echo "$dir"
