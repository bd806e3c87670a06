#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh [KERNEL]: download a Debian cloud kernel image and its
# headers with a private apt state, extract them under build/kernels/KERNEL
# and print the path of the kernel.env file describing them:
#   KREL=<uname -r>  VMLINUZ=<bzImage>  KDIR=<kbuild dir>  SUITE=<suite>
#   BUILD_CHROOT=<suite of the chroot to build in, or empty for the host>
#   HEADERS_PKG=<the headers package, for that chroot>
# KERNEL is one of:
#   5.10  bullseye            built with gcc-10: in a bullseye chroot
#   6.1   bookworm (default)  built with gcc-12: on the host
#   6.12  bookworm-backports  built with gcc-12: on the host
#   sid   sid (also "newest") built with sid's gcc and glibc: in a sid chroot
#   debug the sanitizer kernel built from linux-source-6.1 (see
#         scripts/kernel/debug/build.sh): on the host
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

kernel=${1:-${KERNEL:-6.1}}
flavour=cloud-amd64
case "$kernel" in
5.10) suite=bullseye chroot=bullseye ;;
6.1) suite=bookworm chroot= ;;
6.12) suite=bookworm-backports chroot= ;;
sid | newest) kernel=sid suite=sid chroot=sid ;;
debug)
	tree=$("$MAPDRV_TOP/scripts/kernel/debug/build.sh")
	dest=$MAPDRV_BUILD/kernels/debug
	mkdir -p "$dest"
	cat >"$dest/kernel.env" <<EOT
KERNEL=debug
SUITE=bookworm
KREL=$(make -s -C "$tree" kernelrelease)
VMLINUZ=$tree/arch/x86/boot/bzImage
KDIR=$tree
BUILD_CHROOT=
HEADERS_PKG=
EOT
	echo "$dest/kernel.env"
	exit 0
	;;
*) die "unknown KERNEL '$kernel' (supported: 5.10 6.1 6.12 sid debug)" ;;
esac

dest=$MAPDRV_BUILD/kernels/$kernel
env_file=$dest/kernel.env
if [ -f "$env_file" ]; then
	echo "$env_file"
	exit 0
fi

apt_priv_init "$suite"
# The meta packages name the current ABI; follow their dependencies to the
# image (since 7.x split into linux-image-* and linux-binary-*, which holds
# vmlinuz) and, for a kernel built on the host, the headers, the common
# headers and the kbuild tools. A chroot build installs its headers with apt.
metas="linux-image-$flavour"
[ -z "$chroot" ] && metas="$metas linux-headers-$flavour"
# shellcheck disable=SC2086 # one package name a word
pkgs=$(apt_cache_priv "$suite" depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances $metas |
	sed -n 's/^[[:space:]]*\(Depends: \)\{0,1\}\(linux-\(image\|binary\|headers\|kbuild\)-[^ <>]*\).*/\2/p' |
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

# /boot/vmlinuz-<krel> until 7.x, then /usr/lib/modules/<krel>/vmlinuz.
vmlinuz=$(find "$dest/root/boot" "$dest/root/usr/lib/modules" -maxdepth 2 \
	\( -name "vmlinuz-*-$flavour" -o -path "*-$flavour/vmlinuz" \) 2>/dev/null | head -n 1 || true)
[ -n "$vmlinuz" ] || die "no vmlinuz in the $kernel image packages"
case "$vmlinuz" in
*/vmlinuz) krel=$(basename "$(dirname "$vmlinuz")") ;;
*) krel=${vmlinuz##*/vmlinuz-} ;;
esac
headers_pkg=linux-headers-$krel
kdir=/usr/src/linux-headers-$krel
if [ -z "$chroot" ]; then
	kdir=$dest/root$kdir
	[ -f "$kdir/Makefile" ] || die "no headers for $krel"
	# The flavour's Makefile includes the common headers by absolute path:
	# point it into our private root instead.
	sed -i "s|^include /usr/src/|include $dest/root/usr/src/|" "$kdir/Makefile"
	# scripts/ and tools/ link to ../../lib/linux-kbuild-*, which resolves
	# inside the private root; check it does.
	[ -e "$kdir/scripts/basic/fixdep" ] || die "kbuild tools missing for $krel"
fi

cat >"$env_file.tmp" <<EOT
KERNEL=$kernel
SUITE=$suite
KREL=$krel
VMLINUZ=$vmlinuz
KDIR=$kdir
BUILD_CHROOT=$chroot
HEADERS_PKG=$headers_pkg
EOT
mv "$env_file.tmp" "$env_file"
echo "$env_file"
