#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check-install.sh [DIST...]: make check-install. The Debian packages of a
# release installed with apt into a booted system of that release, and
# checked there. DIST is bookworm (Debian 12, the default: make deb's
# packages, build/deb/) or trixie (Debian 13: make deb DIST=trixie's,
# build/deb-trixie/); MAPDRV_CHECK_INSTALL_DEBS=DIR tests the .debs in DIR
# instead of building them. With several DISTs (make check-install-all)
# each runs in turn, one VM at a time, and the last line adds them up.
#   1. the root filesystem: debootstrap of DIST plus systemd, udev, kmod,
#      dkms, the cloud kernel and its headers, gcc, pkg-config, man-db,
#      bpftrace and linux-perf (scripts/vm/debian-rootfs.sh, cached per
#      release under ~/.cache/mapdrv/rootfs);
#   2. a copy of it gets the test: two users (one in group mapdrv), the
#      guest script (scripts/vm/guest/check-install.sh) and its systemd
#      unit, docs/examples/maptest.c, the kselftest suite as make run_tests
#      builds it (make kselftest: build/kselftest), and the list
#      of every file; then `apt-get install ./mapdrv-*.deb` in a chroot: DKMS
#      builds the module for the image's kernel (not the host's);
#      modules-load.d is enabled for the test (the package's example);
#   3. a disk image of it (mkfs.ext4 -d: no loop device), booted by
#      scripts/vm/run.sh --disk with systemd as init, the kernel and initrd
#      from its /boot. The guest
#      script reports TAP on ttyS1: see its header for the checks; the
#      first boot ends with apt purge, the second checks that the system
#      still boots and that nothing of mapdrv is left.
# Prints the guest's TAP and "N passed, N failed"; exit 0 if all passed,
# else 1, or as scripts/vm/run.sh: 120 kernel splat, 121 the guest died
# without a status, 122 setup failure, 124 hang (with several DISTs: the
# first of theirs that is not 0). Needs root. Logs in
# build/check-install/DIST/, each boot's consoles in
# build/check-install/DIST/boot-N/.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
help_from_header "$0" "${1:-}"
[ "$(id -u)" -eq 0 ] || die "check-install needs root (debootstrap, chroot, mkfs.ext4 -d with owners)"

[ $# -gt 0 ] || set -- bookworm
# Several releases: each through this script, its summary line summed.
if [ $# -gt 1 ]; then
	mkdir -p "$MAPDRV_BUILD/check-install"
	total_p=0 total_f=0 rc=0
	for dist in "$@"; do
		dlog=$MAPDRV_BUILD/check-install/$dist.log
		set +e
		"$0" "$dist" 2>&1 | tee "$dlog"
		drc=${PIPESTATUS[0]}
		set -e
		read -r p f _ < <(summary_counts "$dlog")
		[ "$drc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
		echo "== check-install $dist: exit $drc, $p passed, $f failed"
		total_p=$((total_p + p)) total_f=$((total_f + f))
		[ "$rc" -ne 0 ] || rc=$drc
	done
	echo "$total_p passed, $total_f failed"
	exit "$rc"
fi
dist=$1
# What differs by release: where make deb puts its packages, and how it is
# asked for them.
case "$dist" in
bookworm) release="Debian 12" deb_out=$MAPDRV_BUILD/deb deb_make=(deb) ;;
trixie) release="Debian 13" deb_out=$MAPDRV_BUILD/deb-trixie deb_make=(deb DIST=trixie) ;;
*) die "check-install: no such release '$dist' (bookworm or trixie)" ;;
esac

out=$MAPDRV_BUILD/check-install/$dist
timeout_s=${MAPDRV_CHECK_INSTALL_TIMEOUT:-1500}
fail_setup() { log "error: $*"; exit 122; }
start=$(date +%s)
elapsed() { echo "$(($(date +%s) - start)) s"; }

"$MAPDRV_TOP/scripts/deps.sh" base deb matrix
if [ -n "${MAPDRV_CHECK_INSTALL_DEBS:-}" ]; then
	deb_out=$MAPDRV_CHECK_INSTALL_DEBS
else
	make -s --no-print-directory -C "$MAPDRV_TOP" "${deb_make[@]}" >/dev/null ||
		fail_setup "make ${deb_make[*]} failed"
fi
make -s --no-print-directory -C "$MAPDRV_TOP" kselftest >/dev/null || fail_setup "the kselftest build failed"
debs=()
for f in "$deb_out"/mapdrv-*.deb; do
	case "$f" in *-dbgsym_*) ;; *) [ -f "$f" ] && debs+=("$f") ;; esac
done
[ ${#debs[@]} -eq 3 ] || fail_setup "want 3 packages in $deb_out, found ${#debs[@]}"
log "$release: packages of $deb_out ($(elapsed))"

base=$("$MAPDRV_TOP/scripts/vm/debian-rootfs.sh" "$dist") || fail_setup "no root filesystem"
log "root filesystem: $base ($(elapsed))"

# 2. The test's copy.
rm -rf "$out"
mkdir -p "$out"
root=$out/root
trap 'chroot_umount "$root"; rm -rf "$root"' EXIT
cp -a "$base" "$root"
rm -f "$root/.complete"
state=$root/var/lib/mapdrv-check
mkdir -p "$state"
echo 1 >"$state/phase"
install -m 0755 "$MAPDRV_TOP/scripts/vm/guest/check-install.sh" "$root/usr/local/sbin/mapdrv-check-install"
install -m 0755 "$MAPDRV_TOP/scripts/vm/guest/file-list.sh" "$state/file-list.sh"
install -m 0644 "$MAPDRV_TOP/docs/examples/maptest.c" "$state/maptest.c"
install -m 0644 "$MAPDRV_TOP/scripts/vm/guest/mapdrv-check-install.service" "$root/etc/systemd/system/"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf ../mapdrv-check-install.service "$root/etc/systemd/system/multi-user.target.wants/"
cp -a "$MAPDRV_BUILD/kselftest" "$state/kselftest"
# No login needed, no network to wait for.
in_chroot "$root" systemctl mask -q systemd-networkd-wait-online.service >/dev/null 2>&1 || true
in_chroot "$root" useradd -m -s /bin/bash mapdrv-member
in_chroot "$root" useradd -m -s /bin/bash mapdrv-outsider
"$MAPDRV_TOP/scripts/vm/guest/file-list.sh" "$root" >"$state/before.list"

mkdir -p "$root/tmp/debs"
cp "${debs[@]}" "$root/tmp/debs/"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
chroot_mount "$root"
log "apt-get install ${debs[*]##*/} in the image"
in_image=()
for f in "${debs[@]}"; do in_image+=("/tmp/debs/${f##*/}"); done
if ! in_chroot "$root" apt-get install -y -q --no-install-recommends "${in_image[@]}" \
	>"$out/apt-install.log" 2>&1; then
	cat "$out/apt-install.log" >&2
	fail_setup "apt-get install of the packages failed"
fi
krel=$(find "$root/usr/lib/modules" -mindepth 1 -maxdepth 1 -name '*-cloud-amd64' -printf '%f\n' | head -n 1)
in_chroot "$root" dkms status >"$out/dkms-status.txt"
grep -q "mapdrv/.*, $krel, .*: installed" "$out/dkms-status.txt" ||
	{ cat "$out/apt-install.log" "$out/dkms-status.txt" >&2; fail_setup "dkms did not install mapdrv for $krel"; }
log "installed; $(cat "$out/dkms-status.txt") ($(elapsed))"
in_chroot "$root" usermod -aG mapdrv mapdrv-member
# Enabled for the test: the package's modules-load.d example.
cp "$root/usr/share/doc/mapdrv-tools/examples/modules-load.d/mapdrv.conf" "$root/etc/modules-load.d/"
chroot_umount "$root"
rm -rf "$root/tmp/debs" "$root/usr/sbin/policy-rc.d"

# 3. The disk image, and the kernel and initrd to boot it with.
cp "$root/boot/vmlinuz-$krel" "$out/vmlinuz"
cp "$root/boot/initrd.img-$krel" "$out/initrd.img"
size_mb=$(($(du -sm "$root" | cut -f1) + 1024))
mkfs.ext4 -q -F -L mapdrv-root -d "$root" "$out/disk.img" "${size_mb}M" ||
	fail_setup "mkfs.ext4 -d failed"
rm -rf "$root"
log "disk image: $out/disk.img (${size_mb} MiB; $(elapsed))"

# boot N: one boot of the image through scripts/vm/run.sh, its status as
# run.sh's; the consoles in $out/boot-N/.
boot() {
	local n=$1 rc
	set +e
	"$MAPDRV_TOP/scripts/vm/run.sh" -D "$out/disk.img" --vmlinuz "$out/vmlinuz" \
		--initrd "$out/initrd.img" -o "$out/boot-$n" -t "$timeout_s" -s 2 -m 2048 \
		-a "root=/dev/vda rw net.ifnames=0"
	rc=$?
	set -e
	log "boot $n: exit $rc ($(elapsed))"
	# The guest's own status is its number of failed checks.
	case "$rc" in 0 | 120 | 121 | 122 | 124) ;; *) rc=1 ;; esac
	return "$rc"
}

rc=0
boot 1 || rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then
	boot 2 || { r=$?; [ "$rc" -eq 0 ] && rc=$r; }
fi
cat "$out"/boot-*/output.log >"$out/report.tap" 2>/dev/null || true
passed=$(grep -c '^ok ' "$out/report.tap" || true)
failed=$(grep -c '^not ok ' "$out/report.tap" || true)
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
[ "$failed" -gt 0 ] && [ "$rc" -eq 0 ] && rc=1
[ "$passed" -gt 0 ] || { failed=$((failed + 1)); [ "$rc" -eq 0 ] && rc=1; }
echo "check-install: $release ($dist), $krel, two boots in $(elapsed); consoles and report in $out"
echo "$passed passed, $failed failed"
exit "$rc"
