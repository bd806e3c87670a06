#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh [KERNEL]: download a Debian kernel image and its headers
# with a private apt state pinned to the kernel's architecture, extract them
# under build/kernels/KERNEL and print the path of the kernel.env file
# describing them:
#   KREL=<uname -r>  VMLINUZ=<the image QEMU boots>  KDIR=<kbuild dir>
#   SUITE=<the suite the packages came from>  IMAGE_VERSION=<the version of
#     its linux-image-FLAVOUR; empty for debug>
#   DEB_ARCH=<Debian architecture>  KBUILD_ARCH=<kbuild ARCH>
#   CROSS_COMPILE=<triplet->, empty when the kernel is the host's architecture
#   PAGE_SIZE=<bytes>  KROOT=<the extracted packages' root, whose modules
#     scripts/vm/run.sh takes what the guest needs from; empty for debug>
#   BUILD_CHROOT=<suite of the chroot to build in, or empty for the host>
#   CHROOT_PKGS=<what the chroot needs: the compiler the headers name>
#   QEMU_CPU=<QEMU -cpu for this kernel under TCG, or empty for the
#     architecture's ARCH_CPU>
#   ROW=<the kernels.tsv fields it was fetched for>
# fetch-kernel.sh --arch KERNEL prints KERNEL's Debian architecture only.
#
# KERNEL is a name (or an alias) of scripts/kernel/kernels.tsv, whose row
# says where the kernel comes from, where the module is built and the page
# size its configuration must have (scripts/kernel/kernels.sh table name
# arch suite package build pages prints them). debug is the sanitizer
# kernel, built from linux-source-6.1 by scripts/kernel/debug/build.sh.
# A row of several suites takes the one whose linux-image-FLAVOUR has the
# highest version now (dpkg --compare-versions), and a chroot of "release"
# is that suite's release (suite_release below). A kernel is fetched once:
# kernel.env is kept while the row stays the same (rm -rf
# build/kernels/KERNEL fetches it anew, resolving the suites again).
#
# A cross build takes the kernel's headers of its architecture and the kbuild
# tools (fixdep, modpost) of the host's, at the same version.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

only_arch=0
if [ "${1:-}" = --arch ]; then
	only_arch=1
	shift
fi
kernel=${1:-${KERNEL:-6.1}}
# shellcheck source=scripts/kernel/kernels.sh
. "$MAPDRV_TOP/scripts/kernel/kernels.sh"
kernels_load
name=$(kernel_name "$kernel") ||
	die "unknown KERNEL '$kernel' (scripts/kernel/kernels.tsv: $(kernel_names --every | paste -sd ' '))"
kernel=$name
arch=$(kernel_field "$kernel" arch)
suites=$(kernel_field "$kernel" suites)
flavour=$(kernel_field "$kernel" flavour)
chroot=$(kernel_field "$kernel" chroot)
want_pages=$(kernel_field "$kernel" pages)
want_page_size=$((${want_pages%K} * 1024))
if [ "$only_arch" = 1 ]; then
	echo "$arch"
	exit 0
fi
arch_vars "$arch"
cross=
[ "$arch" = "$MAPDRV_HOST_ARCH" ] || cross=$ARCH_TRIPLET-

# page_size CONFIG: the page size, in bytes, the kernel configuration CONFIG
# gives (4096 without one: a native chroot build fetches no headers, and
# x86-64 has 4 KiB pages only), held against the table's.
page_size() {
	local size=4096
	if [ -z "$1" ]; then
		:
	elif grep -Eq '^CONFIG_(PAGE_SIZE_16KB|ARM64_16K_PAGES|PPC_16K_PAGES)=y' "$1"; then
		size=16384
	elif grep -Eq '^CONFIG_(PAGE_SIZE_64KB|ARM64_64K_PAGES|PPC_64K_PAGES)=y' "$1"; then
		size=65536
	fi
	[ "$size" = "$want_page_size" ] ||
		die "$kernel has $((size / 1024)) KiB pages (${1:-no config}), scripts/kernel/kernels.tsv says $want_pages"
	echo "$size"
}

# write_env FILE: the kernel.env of this kernel from the variables below,
# written whole or not at all; prints FILE.
write_env() {
	cat >"$1.tmp" <<EOT
KERNEL=$kernel
SUITE=$suite
IMAGE_VERSION=$image_version
DEB_ARCH=$arch
KBUILD_ARCH=$ARCH_KBUILD
CROSS_COMPILE=$cross
PAGE_SIZE=$page_size
KREL=$krel
VMLINUZ=$vmlinuz
KDIR=$kdir
KROOT=$kroot
BUILD_CHROOT=$chroot
CHROOT_PKGS=$chroot_pkgs
QEMU_CPU=$qemu_cpu
ROW=$row
EOT
	mv "$1.tmp" "$1"
	echo "$1"
}
qemu_cpu=
row="$arch/$suites/$flavour/$chroot/$want_pages"

if [ "$kernel" = debug ]; then
	tree=$("$MAPDRV_TOP/scripts/kernel/debug/build.sh")
	dest=$MAPDRV_BUILD/kernels/debug
	mkdir -p "$dest"
	page_size=$(page_size "$tree/.config")
	# No 5-level paging for the KASAN kernel: with LA57, 6.1's
	# KASAN_SHADOW_START follows pgtable_l5_enabled(), which reads the boot
	# CPU's capabilities; identify_cpu() zeroes them for a moment, and an
	# interrupt in that window reports "wild-memory-access" on a good
	# irq_desc (seen once in CI, before the module loaded; upstream:
	# "kasan: Fix false-positive wild-memory-access on x86 under 5-level
	# paging", 2026). The other x86 kernels keep LA57.
	suite=$suites image_version='' krel=$(make -s -C "$tree" kernelrelease)
	vmlinuz=$tree/arch/x86/boot/bzImage kdir=$tree kroot='' chroot='' chroot_pkgs=''
	qemu_cpu=max,la57=off
	write_env "$dest/kernel.env"
	exit 0
fi

dest=$MAPDRV_BUILD/kernels/$kernel
env_file=$dest/kernel.env
if [ -f "$env_file" ] && [ "$(sed -n 's/^ROW=//p' "$env_file")" = "$row" ]; then
	echo "$env_file"
	exit 0
fi

# suite_image_version SUITE: the version of linux-image-FLAVOUR in SUITE, or
# nothing when SUITE has no such package.
suite_image_version() {
	apt_priv_init "$1:$arch"
	apt_cache_priv "$1:$arch" show --no-all-versions "linux-image-$flavour:$arch" 2>/dev/null |
		sed -n 's/^Version: //p' | head -n 1 || true
}

# suite_release SUITE: the release whose toolchain built SUITE's packages:
# unstable for experimental, unstable and testing (the archive's own name
# for the suite, from its Release file: testing's packages are built in
# unstable and migrate), else the codename without -backports, -security,
# -updates (trixie for trixie-backports).
suite_release() {
	local rel lists
	lists=$(apt_priv_dir "$1:$arch")/lists
	rel=$(sed -n 's/^Suite: //p' "$lists"/*_InRelease "$lists"/*_Release 2>/dev/null | head -n 1 || true)
	case "$rel" in
	experimental | unstable | testing) echo sid ;;
	*) echo "${1%%-*}" ;;
	esac
}

# Of several suites, the one whose image meta package is the newest.
suite='' image_version=''
for s in ${suites//,/ }; do
	# A suite without the flavour has no version: not a failure.
	ver=$(suite_image_version "$s")
	[ -n "$ver" ] || continue
	if [ -z "$suite" ] || dpkg --compare-versions "$ver" gt "$image_version"; then
		suite=$s image_version=$ver
	fi
done
[ -n "$suite" ] || die "no linux-image-$flavour in $suites ($arch)"
[[ $suites != *,* ]] ||
	log "$kernel: linux-image-$flavour $image_version, from $suite (the newest of $suites)"
[ "$chroot" != release ] || chroot=$(suite_release "$suite")

# The meta packages name the current ABI; follow their dependencies to the
# image (since 7.x split into linux-image-* and linux-binary-*, which holds
# vmlinuz), the headers, the common headers and the kbuild tools, all from
# the one suite (a chroot of the suite's release may not have that suite in
# its sources: trixie's has no trixie-backports).
pkgs=$(apt_cache_priv "$suite:$arch" depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances "linux-image-$flavour" "linux-headers-$flavour" |
	sed -n 's/^[[:space:]]*\(Depends: \)\{0,1\}\(linux-\(image\|binary\|headers\|kbuild\)-[^ <>:]*\).*/\2/p' |
	grep -v -e "^linux-image-$flavour\$" -e "^linux-headers-$flavour\$" |
	grep -v -e '-dbg$' -e '-unsigned$' | sort -u)
[ -n "$pkgs" ] || die "no kernel packages found for $flavour in $suite ($arch)"
# kbuild's programs run here: take them from the host's architecture, at
# the version the kernel's headers ask for.
kbuild=$(echo "$pkgs" | grep '^linux-kbuild-' || true)
pkgs=$(echo "$pkgs" | grep -v '^linux-kbuild-' || true)
log "fetching for $kernel ($suite, $arch): $(echo "$pkgs" "$kbuild" | tr '\n' ' ')"

rm -rf "$dest"
mkdir -p "$dest/debs" "$dest/root"
mapfile -t pkg_list <<<"$pkgs"
apt_priv_fetch "$suite:$arch" "$dest/debs" "${pkg_list[@]/%/:$arch}"
if [ -n "$kbuild" ]; then
	[ -z "$cross" ] || apt_priv_init "$suite"
	want=()
	for k in $kbuild; do
		ver=$(apt_cache_priv "$suite:$arch" show --no-all-versions "$k:$arch" |
			sed -n 's/^Version: //p' | head -n 1)
		[ -n "$ver" ] || die "no version of $k in $suite ($arch)"
		want+=("$k:$MAPDRV_HOST_ARCH=$ver")
	done
	apt_priv_fetch "$suite:$MAPDRV_HOST_ARCH" "$dest/debs" "${want[@]}"
fi
for deb in "$dest"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dest/root"
done

# /boot/vmlinuz-<krel> until 7.x, then /usr/lib/modules/<krel>/vmlinuz;
# ppc64el's is an ELF vmlinux, which QEMU's pseries boots as it is.
vmlinuz=$(find "$dest/root/boot" "$dest/root/usr/lib/modules" -maxdepth 2 \
	\( -name "vmlinu[xz]-*-$flavour" -o -path "*-$flavour/vmlinu[xz]" \) 2>/dev/null | head -n 1 || true)
[ -n "$vmlinuz" ] || die "no kernel image in the $kernel image packages"
case "$vmlinuz" in
*/vmlinu[xz]) krel=$(basename "$(dirname "$vmlinuz")") ;;
*) krel=${vmlinuz##*/vmlinu[xz]-} ;;
esac
# The kernel's configuration: in the image package until 7.x, in the
# headers always.
config=$(find "$dest/root/boot" "$dest/root/usr/lib/modules/$krel" "$dest/root/usr/src/linux-headers-$krel" \
	-maxdepth 1 \( -name "config-$krel" -o -name config -o -name .config \) 2>/dev/null | head -n 1 || true)
[ -n "$config" ] || die "no kernel config in the $kernel packages"
page_size=$(page_size "$config")

kdir=$dest/root/usr/src/linux-headers-$krel
[ -f "$kdir/Makefile" ] || die "no headers for $krel"
# The flavour's Makefile names the common headers (and, from 7.x, its
# own directory) by absolute path: point them into our private root.
sed -i -e "s|^include /usr/src/|include $dest/root/usr/src/|" \
	-e "s|^KBUILD_OUTPUT=/usr/src/|KBUILD_OUTPUT=$dest/root/usr/src/|" "$kdir/Makefile"
# scripts/ and tools/ link to ../../lib/linux-kbuild-*, which resolves
# inside the private root; check it does, and that its programs are
# this machine's (a chroot of another suite runs them, same machine).
fixdep=$kdir/scripts/basic/fixdep
[ -e "$fixdep" ] || die "kbuild tools missing for $krel"
[ "$(elf_machine "$fixdep")" = "$(elf_machine /bin/sh)" ] ||
	die "$fixdep is not a program for this machine ($MAPDRV_HOST_ARCH)"
chroot_pkgs=
if [ -n "$chroot" ]; then
	# The chroot builds with the headers extracted here, seen at the same
	# path inside (it cannot install another architecture's headers
	# package, nor one of a suite its sources lack), and the compiler
	# the headers name: the release's own, or its cross compiler.
	gcc=$(sed -n 's/^CC = .*(CROSS_COMPILE)\(gcc-[0-9]*\).*/\1/p' "$kdir/.kernelvariables" | head -n 1)
	[ -n "$gcc" ] || die "cannot tell the compiler of $krel from its .kernelvariables"
	chroot_pkgs=$gcc${cross:+-$ARCH_TRIPLET}
fi

kroot=$dest/root
write_env "$env_file"
