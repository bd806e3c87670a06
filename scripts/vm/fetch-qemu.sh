#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-qemu.sh: print the QEMU command to boot guests with.
#
# Debian 12's QEMU 7.2 has a multi-threaded TCG bug: with -smp 2, 6.12 guests
# intermittently take a spurious #DB with DR_STEP set and WARN in
# exc_debug_kernel() (1 boot in 4 to 6 here; none with -smp 1). QEMU 10 from
# bookworm-backports does not (0 in 8), so use it: extracted under
# build/qemu with a private apt state, running on the libraries that Debian
# 12's qemu-system-x86 (installed by deps.sh) brings. If it cannot be had,
# fall back to the system QEMU. MAPDRV_QEMU overrides all this.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

if [ -n "${MAPDRV_QEMU:-}" ]; then
	echo "$MAPDRV_QEMU"
	exit 0
fi
dir=$MAPDRV_BUILD/qemu
bin=$dir/root/usr/bin/qemu-system-x86_64
if [ ! -x "$bin" ]; then
	(
		apt_priv_init bookworm-backports
		rm -rf "$dir"
		apt_priv_fetch bookworm-backports "$dir/debs" \
			qemu-system-x86 qemu-system-common qemu-system-data
		for deb in "$dir"/debs/*.deb; do
			dpkg-deb -x "$deb" "$dir/root"
		done
	) >&2 || rm -rf "$dir"
fi
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
	echo "$bin -L $dir/root/usr/share/qemu"
else
	log "warning: QEMU from bookworm-backports unusable, using the system's"
	echo qemu-system-x86_64
fi
