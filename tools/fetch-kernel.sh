#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh [KERNEL]: download a Debian cloud kernel image and its
# headers with a private apt state, extract them under build/kernels/KERNEL
# and print the path of the kernel.env file describing them:
#   KREL=<uname -r>  VMLINUZ=<bzImage>  KDIR=<kbuild dir>  SUITE=<suite>
# KERNEL is 6.1 (Debian 12, default) or 6.12 (bookworm-backports).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

kernel=${1:-${KERNEL:-6.1}}
case "$kernel" in
6.1) suite=bookworm flavour=cloud-amd64 ;;
6.12) suite=bookworm-backports flavour=cloud-amd64 ;;
*) die "unknown KERNEL '$kernel' (supported: 6.1 6.12)" ;;
esac

dest=$MAPDRV_BUILD/kernels/$kernel
env_file=$dest/kernel.env
if [ -f "$env_file" ]; then
	echo "$env_file"
	exit 0
fi

apt_priv_init "$suite"
# The meta packages name the current ABI; follow their dependencies to the
# image, the headers, the common headers and the kbuild tools.
pkgs=$(apt_cache_priv "$suite" depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances \
	"linux-image-$flavour" "linux-headers-$flavour" |
	sed -n 's/^[[:space:]]*\(Depends: \)\{0,1\}\(linux-\(image\|headers\|kbuild\)-[^ <>]*\).*/\2/p' |
	grep -v -e "^linux-image-$flavour\$" -e "^linux-headers-$flavour\$" |
	grep -v -e '-dbg$' -e '-unsigned$' | sort -u)
[ -n "$pkgs" ] || die "no kernel packages found for $flavour in $suite"
log "fetching for $kernel ($suite): $(echo "$pkgs" | tr '\n' ' ')"

rm -rf "$dest"
mkdir -p "$dest/debs" "$dest/root"
# shellcheck disable=SC2086 # one package name a word
apt_priv_fetch "$suite" "$dest/debs" $pkgs
for deb in "$dest"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dest/root"
done

vmlinuz=$(find "$dest/root/boot" -name "vmlinuz-*-$flavour" | head -n 1)
[ -n "$vmlinuz" ] || die "no vmlinuz in the $kernel image package"
krel=${vmlinuz##*/vmlinuz-}
kdir=$dest/root/usr/src/linux-headers-$krel
[ -f "$kdir/Makefile" ] || die "no headers for $krel"
# The flavour's Makefile includes the common headers by absolute path: point
# it into our private root instead.
sed -i "s|^include /usr/src/|include $dest/root/usr/src/|" "$kdir/Makefile"
# The flavour dir links scripts/ and tools/ to ../../lib/linux-kbuild-*, which
# resolves inside the private root; check it does.
[ -e "$kdir/scripts/basic/fixdep" ] || die "kbuild tools missing for $krel"

cat >"$env_file.tmp" <<EOT
KERNEL=$kernel
SUITE=$suite
KREL=$krel
VMLINUZ=$vmlinuz
KDIR=$kdir
EOT
mv "$env_file.tmp" "$env_file"
echo "$env_file"
