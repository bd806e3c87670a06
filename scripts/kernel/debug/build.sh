#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh: build (once) the sanitizer kernel from Debian 12's
# linux-source-6.1 with x86_64_defconfig + debug.config, and print the path
# of its build tree, ready for out-of-tree modules (bzImage in
# arch/x86/boot/). Cached under $MAPDRV_CACHE/debug-kernel/<key>, the key
# being the source package version and a hash of debug.config; rebuilt when
# missing. About 10 to 15 minutes on 2 cores.
set -euo pipefail
. "$(dirname "$0")/../../lib/common.sh"

fragment=$MAPDRV_TOP/scripts/kernel/debug/debug.config
apt_priv_init bookworm
debs=$MAPDRV_BUILD/debs/bookworm
if ! ls "$debs"/linux-source-6.1_*.deb >/dev/null 2>&1; then
	apt_priv_fetch bookworm "$debs" linux-source-6.1
fi
found=("$debs"/linux-source-6.1_*.deb)
deb=${found[-1]}
version=$(dpkg-deb -f "$deb" Version)
key=$version-$(sha256sum "$fragment" | cut -c1-12)
dir=$MAPDRV_CACHE/debug-kernel/$key
tree=$dir/linux-source-6.1
if [ -f "$dir/.done" ]; then
	echo "$tree"
	exit 0
fi

"$MAPDRV_TOP/scripts/deps.sh" base debug
log "building the debug kernel $key in $dir (once; 10-15 minutes)"
rm -rf "$dir"
mkdir -p "$dir"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz | tar -xJ -C "$dir"
blog=$dir/build.log
(
	cd "$tree"
	make x86_64_defconfig
	scripts/kconfig/merge_config.sh -m .config "$fragment"
	make olddefconfig
	# Every line of the fragment must have survived olddefconfig.
	missing=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=n) opt=${line%=n}
			grep -q "^$opt=" .config && { echo "not off: $opt"; missing=1; } ;;
		CONFIG_*) grep -qxF "$line" .config || { echo "not set: $line"; missing=1; } ;;
		esac
	done <"$fragment"
	[ "$missing" -eq 0 ]
	make -j"$(nproc)" bzImage modules
	make modules_prepare
) >"$blog" 2>&1 || { tail -n 40 "$blog" >&2; die "debug kernel build failed (log: $blog)"; }
touch "$dir/.done"
echo "$tree"
