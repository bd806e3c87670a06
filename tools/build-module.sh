#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh KERNEL_ENV: build mapdrv.ko for the kernel described by a
# kernel.env file (see fetch-kernel.sh) with W=1, in a copy of the sources
# under build/mod/<KREL>, and print the path of the .ko. Any compiler
# warning fails the build.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

# shellcheck source=/dev/null
. "$1"
mod=$MAPDRV_BUILD/mod/$KREL
mkdir -p "$mod"
# Copy only what changed, so that kbuild rebuilds only what it must.
for f in Kbuild src include; do
	cp -a -u "$MAPDRV_TOP/$f" "$mod/"
done
blog=$mod/build.log
if ! make -C "$KDIR" M="$mod" W=1 modules >"$blog" 2>&1; then
	cat "$blog" >&2
	die "module build failed for $KREL"
fi
if grep -E 'warning:|error:' "$blog" >&2; then
	die "module build for $KREL is not warning-free (W=1)"
fi
echo "$mod/mapdrv.ko"
