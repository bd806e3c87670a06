#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# autopkgtest.sh [DIST]: make autopkgtest [DIST=bookworm|trixie]. Debian's
# autopkgtest program (this system's) runs the packages' tests against
# the built .debs in a testbed of release DIST (default: this system's),
# as Debian's CI does:
#   - the tests of debian/tests/control (tools, dev-header, device: a skip,
#     the module is never loaded here), and dkms's own dkms-autopkgtest,
#     which autodep8 appends for debian/control's
#     "Testsuite: autopkgtest-pkg-dkms": it installs mapdrv-dkms and builds
#     and installs mapdrv.ko with dkms for every kernel whose headers the
#     testbed has;
#   - the packages: make deb's (build/deb/) for this system's release, else
#     make deb DIST=DIST's (build/deb-DIST/);
#   - the testbed: autopkgtest-virt-chroot in a throwaway copy of a
#     debootstrap of DIST (minbase plus linux-headers-cloud-amd64, the
#     cloud kernel's headers; cached under ~/.cache/mapdrv/autopkgtest/DIST,
#     its package lists refreshed once a day), with /proc, /sys and /dev.
#     The chroot backend cannot revert a testbed, so autopkgtest would skip
#     dkms-autopkgtest (breaks-testbed); the copy is thrown away after the
#     run, and that test runs last, so --ignore-restrictions=breaks-testbed.
# Logs and autopkgtest's output in build/autopkgtest/DIST/. Prints
# autopkgtest's summary and "N passed, N failed, N skipped"; exit 0 if no
# test failed (the skip of device is expected), else 1. Needs root.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
help_from_header "$0" "${1:-}"
[ "$(id -u)" -eq 0 ] || die "autopkgtest needs root (debootstrap, chroot)"
cd "$MAPDRV_TOP"

host_dist=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
dist=${1:-$host_dist}
[ -n "$dist" ] || die "cannot tell this system's release: give DIST"
version=$(cat VERSION)
out=$MAPDRV_BUILD/autopkgtest/$dist
base=$MAPDRV_CACHE/autopkgtest/$dist
start=$(date +%s)
elapsed() { echo "$(($(date +%s) - start)) s"; }

"$MAPDRV_TOP/scripts/deps.sh" deb autopkgtest
if [ "$dist" = "$host_dist" ]; then
	debdir=$MAPDRV_BUILD/deb deb_make=(deb)
else
	debdir=$MAPDRV_BUILD/deb-$dist deb_make=(deb "DIST=$dist")
fi
make -s -C "$MAPDRV_TOP" "${deb_make[@]}" >/dev/null || die "make ${deb_make[*]} failed"
debs=()
for f in "$debdir"/mapdrv-*.deb; do
	case "$f" in *-dbgsym_*) ;; *) [ -f "$f" ] && debs+=("$f") ;; esac
done
[ ${#debs[@]} -eq 3 ] || die "want 3 packages in $debdir, found ${#debs[@]}"
log "packages: ${debs[*]##*/} ($(elapsed))"

# The testbed's base, once.
if [ ! -f "$base/.complete" ]; then
	log "debootstrap $dist into $base (once; a few minutes)"
	rm -rf "$base"
	mkdir -p "$base"
	debootstrap --variant=minbase "$dist" "$base" "$DEBIAN_MIRROR" >"$base.log" 2>&1 ||
		{ tail -n 20 "$base.log" >&2; die "debootstrap $dist failed"; }
	echo 'Acquire::Check-Valid-Until "false";' >"$base/etc/apt/apt.conf.d/99mapdrv"
	trap 'chroot_umount "$base"' EXIT
	chroot_mount "$base"
	if ! { in_chroot "$base" apt-get -q update &&
		in_chroot "$base" apt-get -q install -y --no-install-recommends linux-headers-cloud-amd64; } \
		>>"$base.log" 2>&1; then
		tail -n 20 "$base.log" >&2
		die "cannot install linux-headers-cloud-amd64 in $base"
	fi
	in_chroot "$base" apt-get clean
	chroot_umount "$base"
	touch "$base/.complete"
fi
if [ -z "$(find "$base/var/lib/apt/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null)" ]; then
	in_chroot "$base" apt-get -q update >"$base.update.log" 2>&1 ||
		{ cat "$base.update.log" >&2; die "apt-get update in $base failed"; }
fi
headers=$(in_chroot "$base" dpkg-query -W -f "\${Package} \${Version}\n" 'linux-headers-*-cloud-amd64')
log "testbed base: $base, $headers ($(elapsed))"

# This run's copies: the testbed and the source tree (less build/ and .git).
rm -rf "$out"
mkdir -p "$out/src/mapdrv-$version"
tb=$out/testbed
trap 'chroot_umount "$tb"; rm -rf "$tb"' EXIT
cp -a "$base" "$tb"
tar -c --exclude=./build --exclude=./.git . | tar -x -C "$out/src/mapdrv-$version"
chroot_mount "$tb"
log "autopkgtest: ${debs[*]##*/} and src/mapdrv-$version in a $dist chroot"
set +e
autopkgtest --ignore-restrictions=breaks-testbed --output-dir="$out/output" \
	--log-file="$out/autopkgtest.log" "${debs[@]}" "$out/src/mapdrv-$version/" \
	-- chroot "$tb" >"$out/stdout.log" 2>&1
rc=$?
set -e
summary=$out/output/summary
[ -f "$summary" ] || { tail -n 40 "$out/autopkgtest.log" >&2; die "autopkgtest left no summary (exit $rc)"; }
cat "$summary"
passed=$(grep -c ' PASS' "$summary" || true)
failed=$(grep -Ec ' (FAIL|FLAKY)' "$summary" || true)
skipped=$(grep -c ' SKIP' "$summary" || true)
# dkms-autopkgtest passes when it had no kernel to build for: require a build.
grep -q '^I: PASS ' "$out/autopkgtest.log" ||
	{ log "dkms-autopkgtest built mapdrv for no kernel"; failed=$((failed + 1)); }
grep '^I: \(PASS\|FAIL\|SKIP\) ' "$out/autopkgtest.log" | sed 's/^/dkms-autopkgtest: /' || true
# autopkgtest: 0 all passed, 2 some skipped, anything else a failure.
case "$rc" in 0 | 2) ;; *) [ "$failed" -gt 0 ] || failed=1 ;; esac
echo "autopkgtest ($dist, $headers): exit $rc in $(elapsed); logs in $out"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
