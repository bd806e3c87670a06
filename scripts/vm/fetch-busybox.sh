#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-busybox.sh [ARCH]: print the path of a static busybox for guests of
# ARCH (a Debian architecture, default the host's): the host's own
# /bin/busybox (busybox-static, installed by deps.sh), or Debian 12's
# busybox-static of ARCH, downloaded with a private apt state and extracted
# under build/busybox/ARCH. Never `dpkg --add-architecture` on the host.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

arch=${1:-$MAPDRV_HOST_ARCH}
if [ "$arch" = "$MAPDRV_HOST_ARCH" ]; then
	echo /bin/busybox
	exit 0
fi
arch_vars "$arch" || die "unknown architecture '$arch' (known: $ARCH_ALL)"
dir=$MAPDRV_BUILD/busybox/$arch
bin=$dir/root/bin/busybox
if [ ! -x "$bin" ]; then
	apt_priv_init "bookworm:$arch"
	rm -rf "$dir"
	apt_priv_fetch "bookworm:$arch" "$dir/debs" "busybox-static:$arch"
	dpkg-deb -x "$dir"/debs/busybox-static_*.deb "$dir/root"
	[ -x "$bin" ] || die "no busybox in Debian 12's busybox-static for $arch"
fi
echo "$bin"
