#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-qemu.sh [ARCH]: print the QEMU command to boot guests of ARCH (a
# Debian architecture, default the host's) with.
#
# Debian 12's QEMU 7.2 has a multi-threaded TCG bug: with -smp 2, 6.12 guests
# intermittently take a spurious #DB with DR_STEP set and WARN in
# exc_debug_kernel() (1 boot in 4 to 6 here; none with -smp 1). QEMU 10 from
# bookworm-backports does not (0 in 8), so use it: extracted under
# build/qemu with a private apt state, running on the libraries that Debian
# 12's qemu-system-* packages (installed by deps.sh) bring. Other
# architectures use it too: its arm64 virt board has the second UART the
# guests' output goes to (from QEMU 9.2). If it cannot be had, fall back to
# the system QEMU. MAPDRV_QEMU overrides all this (for the host's
# architecture; MAPDRV_QEMU_<ARCH>, e.g. MAPDRV_QEMU_ARM64, for another).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

arch=${1:-$MAPDRV_HOST_ARCH}
arch_vars "$arch" || die "unknown architecture '$arch' (known: $ARCH_ALL)"
override=MAPDRV_QEMU
[ "$arch" = "$MAPDRV_HOST_ARCH" ] || override=MAPDRV_QEMU_$(echo "$arch" | tr '[:lower:]' '[:upper:]')
if [ -n "${!override:-}" ]; then
	echo "${!override}"
	exit 0
fi
dir=$MAPDRV_BUILD/qemu
bin=$dir/root/usr/bin/$ARCH_QEMU
if [ ! -x "$bin" ]; then
	(
		apt_priv_init bookworm-backports
		rm -rf "$dir/debs.$arch"
		apt_priv_fetch bookworm-backports "$dir/debs.$arch" \
			"$ARCH_QEMU_PKG" qemu-system-common qemu-system-data
		for deb in "$dir/debs.$arch"/*.deb; do
			dpkg-deb -x "$deb" "$dir/root"
		done
		rm -rf "$dir/debs.$arch"
	) >&2 || rm -f "$bin"
fi
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
	echo "$bin -L $dir/root/usr/share/qemu"
else
	log "warning: $ARCH_QEMU from bookworm-backports unusable, using the system's"
	echo "$ARCH_QEMU"
fi
