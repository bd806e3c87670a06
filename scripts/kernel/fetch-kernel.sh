#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh [KERNEL]: download a Debian kernel image and its headers
# with a private apt state pinned to the kernel's architecture, extract them
# under build/kernels/KERNEL and print the path of the kernel.env file
# describing them:
#   KREL=<uname -r>  VMLINUZ=<the image QEMU boots>  KDIR=<kbuild dir>
#   SUITE=<suite>  DEB_ARCH=<Debian architecture>  KBUILD_ARCH=<kbuild ARCH>
#   CROSS_COMPILE=<triplet->, empty when the kernel is the host's architecture
#   PAGE_SIZE=<bytes>  KROOT=<the extracted packages' root, whose modules
#     scripts/vm/run.sh takes what the guest needs from; empty for debug>
#   BUILD_CHROOT=<suite of the chroot to build in, or empty for the host>
#   HEADERS_PKG=<the headers package, for that chroot, or empty>
#   CHROOT_PKGS=<what else the chroot needs: a cross compiler>
#   QEMU_CPU=<QEMU -cpu for this kernel under TCG, or empty for the
#     architecture's ARCH_CPU>
# fetch-kernel.sh --arch KERNEL prints KERNEL's Debian architecture only.
#
# KERNEL is a name (or an alias) of scripts/kernel/kernels.tsv, whose row
# says where the kernel comes from, where the module is built and the page
# size its configuration must have (scripts/kernel/kernels.sh table name
# arch suite package build pages prints them). debug is the sanitizer
# kernel, built from linux-source-6.1 by scripts/kernel/debug/build.sh.
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
DEB_ARCH=$arch
KBUILD_ARCH=$ARCH_KBUILD
CROSS_COMPILE=$cross
PAGE_SIZE=$page_size
KREL=$krel
VMLINUZ=$vmlinuz
KDIR=$kdir
KROOT=$kroot
BUILD_CHROOT=$chroot
HEADERS_PKG=$headers_pkg
CHROOT_PKGS=$chroot_pkgs
QEMU_CPU=$qemu_cpu
EOT
	mv "$1.tmp" "$1"
	echo "$1"
}
qemu_cpu=

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
	suite=$suites krel=$(make -s -C "$tree" kernelrelease)
	vmlinuz=$tree/arch/x86/boot/bzImage kdir=$tree kroot='' chroot='' headers_pkg='' chroot_pkgs=''
	qemu_cpu=max,la57=off
	write_env "$dest/kernel.env"
	exit 0
fi

dest=$MAPDRV_BUILD/kernels/$kernel
env_file=$dest/kernel.env
if [ -f "$env_file" ]; then
	echo "$env_file"
	exit 0
fi

# Of several suites, the one whose image meta package is the newest.
suite=$suites
if [[ $suites == *,* ]]; then
	suite='' best=''
	for s in ${suites//,/ }; do
		apt_priv_init "$s:$arch"
		# A suite without the flavour has no version: not a failure.
		ver=$(apt_cache_priv "$s:$arch" show --no-all-versions "linux-image-$flavour:$arch" 2>/dev/null |
			sed -n 's/^Version: //p' || true)
		ver=${ver%%$'\n'*}
		[ -n "$ver" ] || continue
		if [ -z "$suite" ] || dpkg --compare-versions "$ver" gt "$best"; then
			suite=$s best=$ver
		fi
	done
	[ -n "$suite" ] || die "no linux-image-$flavour in $suites ($arch)"
	log "$kernel: linux-image-$flavour $best, from $suite (the newest of $suites)"
fi
apt_priv_init "$suite:$arch"
# The meta packages name the current ABI; follow their dependencies to the
# image (since 7.x split into linux-image-* and linux-binary-*, which holds
# vmlinuz) and, for a kernel built on the host or for another architecture,
# the headers, the common headers and the kbuild tools. A native chroot build
# installs its headers with apt.
metas="linux-image-$flavour"
if [ -z "$chroot" ] || [ -n "$cross" ]; then
	metas="$metas linux-headers-$flavour"
fi
# shellcheck disable=SC2086 # one package name a word
pkgs=$(apt_cache_priv "$suite:$arch" depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances $metas |
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
# headers always (a native chroot build does not fetch them: x86-64 has 4 KiB
# pages only).
config=$(find "$dest/root/boot" "$dest/root/usr/lib/modules/$krel" "$dest/root/usr/src/linux-headers-$krel" \
	-maxdepth 1 \( -name "config-$krel" -o -name config -o -name .config \) 2>/dev/null | head -n 1 || true)
[ -n "$config" ] || [ "$arch" = amd64 ] || die "no kernel config in the $kernel packages"
page_size=$(page_size "$config")

headers_pkg=linux-headers-$krel
kdir=/usr/src/linux-headers-$krel
chroot_pkgs=
if [ -z "$chroot" ] || [ -n "$cross" ]; then
	kdir=$dest/root$kdir
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
	if [ -n "$chroot" ]; then
		# The chroot builds with the headers extracted here (a chroot
		# cannot install another architecture's headers package) and
		# the cross compiler the headers name.
		headers_pkg=
		gcc=$(sed -n 's/^CC = .*(CROSS_COMPILE)\(gcc-[0-9]*\).*/\1/p' "$kdir/.kernelvariables" | head -n 1)
		[ -n "$gcc" ] || die "cannot tell the compiler of $krel from its .kernelvariables"
		chroot_pkgs="$gcc-$ARCH_TRIPLET"
	fi
fi

kroot=$dest/root
write_env "$env_file"
