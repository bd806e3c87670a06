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
#   PAGE_SIZE=<bytes>  OUT_MODULE=<a .ko the guest loads for its output
#     console, or empty>  KROOT=<the extracted packages' root>
#   BUILD_CHROOT=<suite of the chroot to build in, or empty for the host>
#   HEADERS_PKG=<the headers package, for that chroot, or empty>
#   CHROOT_PKGS=<what else the chroot needs: a cross compiler>
#   QEMU_CPU=<QEMU -cpu for this kernel under TCG, or empty for the
#     architecture's ARCH_CPU>
# fetch-kernel.sh --arch KERNEL prints KERNEL's Debian architecture only.
#
# KERNEL is one of:
#   KERNEL       arch     suite               flavour      module built
#   5.10         amd64    bullseye            cloud-amd64  in a bullseye chroot (gcc-10)
#   6.1          amd64    bookworm (default)  cloud-amd64  on the host (gcc-12)
#   6.12         amd64    bookworm-backports  cloud-amd64  on the host (gcc-12)
#   sid, newest  amd64    sid                 cloud-amd64  in a sid chroot (gcc-16, glibc)
#   arm64        arm64    bookworm            cloud-arm64  on the host, cross gcc-12
#   arm64-16k    arm64    bookworm-backports  arm64-16k    on the host, cross gcc-12
#   arm64-sid    arm64    sid                 cloud-arm64  in a sid chroot, cross gcc-16
#   ppc64el      ppc64el  bookworm            powerpc64le  on the host, cross gcc-12
#   s390x        s390x    bookworm            s390x        on the host, cross gcc-12
#   debug        amd64    the sanitizer kernel built from linux-source-6.1
#                (see scripts/kernel/debug/build.sh), on the host
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
arch=amd64 flavour=cloud-amd64 chroot=
case "$kernel" in
5.10) suite=bullseye chroot=bullseye ;;
6.1) suite=bookworm ;;
6.12) suite=bookworm-backports ;;
sid | newest) kernel=sid suite=sid chroot=sid ;;
arm64) arch=arm64 suite=bookworm flavour=cloud-arm64 ;;
arm64-16k) arch=arm64 suite=bookworm-backports flavour=arm64-16k ;;
arm64-sid) arch=arm64 suite=sid flavour=cloud-arm64 chroot=sid ;;
ppc64el) arch=ppc64el suite=bookworm flavour=powerpc64le ;;
s390x) arch=s390x suite=bookworm flavour=s390x ;;
debug) suite=bookworm ;;
*) die "unknown KERNEL '$kernel' (supported: 5.10 6.1 6.12 sid arm64 arm64-16k arm64-sid ppc64el s390x debug)" ;;
esac
if [ "$only_arch" = 1 ]; then
	echo "$arch"
	exit 0
fi
arch_vars "$arch"
cross=
[ "$arch" = "$MAPDRV_HOST_ARCH" ] || cross=$ARCH_TRIPLET-

if [ "$kernel" = debug ]; then
	tree=$("$MAPDRV_TOP/scripts/kernel/debug/build.sh")
	dest=$MAPDRV_BUILD/kernels/debug
	mkdir -p "$dest"
	# No 5-level paging for the KASAN kernel: with LA57, 6.1's
	# KASAN_SHADOW_START follows pgtable_l5_enabled(), which reads the boot
	# CPU's capabilities; identify_cpu() zeroes them for a moment, and an
	# interrupt in that window reports "wild-memory-access" on a good
	# irq_desc (seen once in CI, before the module loaded; upstream:
	# "kasan: Fix false-positive wild-memory-access on x86 under 5-level
	# paging", 2026). The other x86 kernels keep LA57.
	cat >"$dest/kernel.env" <<EOT
KERNEL=debug
SUITE=bookworm
DEB_ARCH=amd64
KBUILD_ARCH=x86
CROSS_COMPILE=
PAGE_SIZE=4096
KREL=$(make -s -C "$tree" kernelrelease)
VMLINUZ=$tree/arch/x86/boot/bzImage
KDIR=$tree
KROOT=
OUT_MODULE=
BUILD_CHROOT=
HEADERS_PKG=
CHROOT_PKGS=
QEMU_CPU=max,la57=off
EOT
	echo "$dest/kernel.env"
	exit 0
fi

dest=$MAPDRV_BUILD/kernels/$kernel
env_file=$dest/kernel.env
if [ -f "$env_file" ]; then
	echo "$env_file"
	exit 0
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
page_size=4096
if [ -z "$config" ]; then
	:
elif grep -Eq '^CONFIG_(PAGE_SIZE_16KB|ARM64_16K_PAGES|PPC_16K_PAGES)=y' "$config"; then
	page_size=16384
elif grep -Eq '^CONFIG_(PAGE_SIZE_64KB|ARM64_64K_PAGES|PPC_64K_PAGES)=y' "$config"; then
	page_size=65536
fi

# The driver of the guest's output console, where Debian builds it as a
# module (virtio_console on s390x): copied out, uncompressed, for run.sh.
out_module=
if [ -n "$ARCH_OUT_MODULE" ]; then
	name=$(basename "$ARCH_OUT_MODULE" .ko)
	opt=CONFIG_$(echo "$name" | tr '[:lower:]' '[:upper:]')
	if ! grep -q "^$opt=y" "$config"; then
		ko=$(find "$dest/root/lib/modules/$krel" "$dest/root/usr/lib/modules/$krel" \
			-path "*/kernel/$ARCH_OUT_MODULE*" 2>/dev/null | head -n 1 || true)
		[ -n "$ko" ] || die "$krel has no $ARCH_OUT_MODULE, which the guest's output console needs"
		out_module=$dest/$name.ko
		case "$ko" in
		*.xz) xz -dc "$ko" >"$out_module" ;;
		*.zst) zstd -qdc "$ko" >"$out_module" ;;
		*) cp "$ko" "$out_module" ;;
		esac
	fi
fi

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

cat >"$env_file.tmp" <<EOT
KERNEL=$kernel
SUITE=$suite
DEB_ARCH=$arch
KBUILD_ARCH=$ARCH_KBUILD
CROSS_COMPILE=$cross
PAGE_SIZE=$page_size
KREL=$krel
VMLINUZ=$vmlinuz
KDIR=$kdir
KROOT=$dest/root
OUT_MODULE=$out_module
BUILD_CHROOT=$chroot
HEADERS_PKG=$headers_pkg
CHROOT_PKGS=$chroot_pkgs
EOT
mv "$env_file.tmp" "$env_file"
echo "$env_file"
