#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# debian-rootfs.sh [SUITE]: make sure the root filesystem of a booted Debian
# system of SUITE (bookworm, Debian 12, the default; trixie, Debian 13)
# exists under $MAPDRV_CACHE/rootfs/SUITE-<key>, and print its path. It is
# debootstrap's minbase plus systemd, udev, kmod, dkms, the cloud kernel
# and its headers, and what make check-install runs in the guest (gcc,
# pkg-config, man-db, bpftrace, linux-perf), and openssl, with which
# Debian's dkms makes its signing key (it signs every module it builds, if
# it can). The key is a hash of the package list and of RECIPE: a change of
# either makes a new one (bump RECIPE when the steps below change); older
# ones of the same suite are removed, each suite keeps its own.
# The first build of a suite takes some minutes (debootstrap, then apt);
# later calls return at once. Needs root.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

help_from_header "$0" "${1:-}"
[ "$(id -u)" -eq 0 ] || die "debian-rootfs.sh needs root (debootstrap, chroot)"

suite=${1:-bookworm}
case "$suite" in
bookworm | trixie) ;;
*) die "debian-rootfs.sh: no such suite '$suite' (bookworm or trixie)" ;;
esac
# What a user of the packages has (systemd, udev, kmod, dkms and headers for
# the kernel that boots), and what the guest's checks run.
packages=(
	systemd-sysv udev kmod dbus initramfs-tools
	linux-image-cloud-amd64 linux-headers-cloud-amd64 dkms
	man-db gcc libc6-dev pkg-config bpftrace linux-perf
	openssl
)
RECIPE=2
key=$(echo "$RECIPE ${packages[*]}" | sha256sum | cut -c1-12)
base=$MAPDRV_CACHE/rootfs
dir=$base/$suite-$key
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi

command -v debootstrap >/dev/null || die "debootstrap is missing: run scripts/deps.sh matrix"
mkdir -p "$base"
exec 9>"$base/.lock"
flock 9
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi
for old in "$base/$suite"-*; do
	[ -d "$old" ] && [ "$old" != "$dir" ] && rm -rf "$old"
done

tmp=$dir.tmp
logf=$base/$suite-$key.log
: >"$logf"
cleanup() { chroot_umount "$tmp"; }
trap cleanup EXIT
rm -rf "$tmp"
log "debootstrap $suite into $dir (once; several minutes)"
debootstrap --variant=minbase "$suite" "$tmp" "$DEBIAN_MIRROR" >>"$logf" 2>&1 ||
	{ tail -n 20 "$logf" >&2; die "debootstrap failed (log: $logf)"; }
echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99mapdrv"
printf 'deb %s %s main\n' "$DEBIAN_MIRROR" "$suite" >"$tmp/etc/apt/sources.list"
printf 'deb %s %s-updates main\n' "$DEBIAN_MIRROR" "$suite" >>"$tmp/etc/apt/sources.list"
# As an installed Debian has it: the security updates (the newest kernel).
printf 'deb %s %s-security main\n' "${DEBIAN_SECURITY_MIRROR:-$DEBIAN_MIRROR-security}" "$suite" \
	>>"$tmp/etc/apt/sources.list"
# No service starts in the chroot.
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod 755 "$tmp/usr/sbin/policy-rc.d"
# virtio-blk and virtio-pci are modules in the cloud kernel: the initrd
# must have them to find the root disk.
mkdir -p "$tmp/etc/initramfs-tools"
printf 'virtio_pci\nvirtio_blk\n' >"$tmp/etc/initramfs-tools/modules.mapdrv"

chroot_mount "$tmp"
in_chroot "$tmp" apt-get -q update >>"$logf" 2>&1 || { tail -n 20 "$logf" >&2; die "apt-get update failed"; }
log "installing in the rootfs: ${packages[*]}"
in_chroot "$tmp" apt-get -q install -y --no-install-recommends "${packages[@]}" >>"$logf" 2>&1 ||
	{ tail -n 30 "$logf" >&2; die "apt-get install failed (log: $logf)"; }
cat "$tmp/etc/initramfs-tools/modules.mapdrv" >>"$tmp/etc/initramfs-tools/modules"
rm "$tmp/etc/initramfs-tools/modules.mapdrv"
in_chroot "$tmp" update-initramfs -u -k all >>"$logf" 2>&1 || die "update-initramfs failed (log: $logf)"
in_chroot "$tmp" apt-get clean
chroot_umount "$tmp"
rm -f "$tmp/usr/sbin/policy-rc.d"
# A console on ttyS0 with no password, the root account locked, a hostname.
echo mapdrv-guest >"$tmp/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$tmp/etc/fstab"
# No network in the guest: nothing waits for it.
touch "$tmp/.complete"
mv "$tmp" "$dir"
trap - EXIT
log "rootfs ready: $dir ($(du -sh "$dir" | cut -f1))"
echo "$dir"
