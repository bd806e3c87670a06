#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh [DIST]: build mapdrv's Debian packages (make deb [DIST=...]). The
# tree (less build/ and .git) is copied to OUT/src/mapdrv-VERSION,
# dpkg-buildpackage -b -us -uc runs there, and the .debs, .buildinfo and
# .changes land in OUT (older ones removed). Then lintian on the .changes,
# with the overrides in debian/*.lintian-overrides: its report is
# OUT/lintian.log, and an error fails.
# Without DIST: on this system, with its debhelper and lintian, OUT is
# build/deb/; installs nothing (scripts/deps.sh deb first on a fresh
# machine). With DIST (a Debian suite: trixie): in a chroot of that suite
# (scripts/kernel/chroot.sh, cached under ~/.cache/mapdrv/chroots, the
# Build-Depends and lintian installed there), with that release's debhelper
# and lintian; OUT is build/deb-DIST/. Needs root then.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
help_from_header "$0" "${1:-}"
cd "$MAPDRV_TOP"

version=${MAPDRV_VERSION:-$(cat VERSION)}
changelog_version=$(dpkg-parsechangelog -S Version)
[ "${changelog_version%%-*}" = "$version" ] ||
	die "debian/changelog's version $changelog_version is not VERSION's $version"
dist=${1:-}
mkdir -p "$MAPDRV_BUILD"
if [ -n "$dist" ]; then
	[ "$(id -u)" -eq 0 ] || die "make deb DIST=$dist needs root (a chroot)"
	out=$MAPDRV_BUILD/deb-$dist
	root=$("$MAPDRV_TOP/scripts/kernel/chroot.sh" "$dist" build-essential dpkg-dev lintian) ||
		die "no $dist chroot"
	cdir=$(mktemp -d "$root/tmp/mapdrv-deb.XXXXXX")
	trap 'rm -rf "$cdir"' EXIT
	src=$cdir/mapdrv-$version
	in=${src#"$root"}
	mkdir -p "$src"
	tar -c --exclude=./build --exclude=./.git . | tar -x -C "$src"
	if ! in_chroot "$root" sh -c "cd '$in' && dpkg-checkbuilddeps" >/dev/null 2>&1; then
		log "installing the Build-Depends in the $dist chroot"
		in_chroot "$root" sh -c "apt-get -q update && apt-get -q install -y --no-install-recommends \
			build-essential && cd '$in' && apt-get -q build-dep -y ./" >"$cdir.build-dep.log" 2>&1 ||
			{ tail -n 20 "$cdir.build-dep.log" >&2; die "cannot install the Build-Depends in the $dist chroot"; }
		rm -f "$cdir.build-dep.log"
	fi
	rm -rf "$out"
	mkdir -p "$out"
	log "dpkg-buildpackage -b -us -uc in the $dist chroot ($in)"
	if ! in_chroot "$root" sh -c "cd '$in' && dpkg-buildpackage -b -us -uc" >"$out/build.log" 2>&1; then
		tail -n 40 "$out/build.log" >&2
		die "dpkg-buildpackage failed in the $dist chroot (log: $out/build.log)"
	fi
	mv "$cdir"/*.deb "$cdir"/*.buildinfo "$cdir"/*.changes "$out/"
	changes=$(ls "$out"/*.changes)
	cp "$changes" "$out"/*.deb "$out"/*.buildinfo "$cdir/"
	set +e
	in_chroot "$root" lintian --fail-on error --display-info "${cdir#"$root"}/${changes##*/}" >"$out/lintian.log" 2>&1
	lrc=$?
	set -e
	cat "$out/lintian.log"
	[ "$lrc" -eq 0 ] || die "lintian ($dist) found errors (log: $out/lintian.log)"
	debs=("$out"/*.deb)
	ls -1 "${debs[@]}"
	echo "deb ($dist): ${#debs[@]} packages in $out; lintian $(in_chroot "$root" lintian --version | awk '{print $2}'):" \
		"$(grep -c '^E: ' "$out/lintian.log") errors, $(grep -c '^W: ' "$out/lintian.log") warnings, $(grep -c '^I: ' "$out/lintian.log") info"
	exit 0
fi
dpkg-checkbuilddeps >/dev/null 2>"$MAPDRV_BUILD/.deb-deps.log" || {
	cat "$MAPDRV_BUILD/.deb-deps.log" >&2
	die "missing build dependencies (above): scripts/deps.sh deb installs them"
}
rm -f "$MAPDRV_BUILD/.deb-deps.log"
command -v lintian >/dev/null || die "lintian is missing: scripts/deps.sh deb installs it"

out=$MAPDRV_BUILD/deb
src=$out/src/mapdrv-$version
rm -rf "$out"
mkdir -p "$src"
tar -c --exclude=./build --exclude=./.git . | tar -x -C "$src"
log "dpkg-buildpackage -b -us -uc in $src"
if ! (cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	die "dpkg-buildpackage failed (log: $out/build.log)"
fi
mv "$out/src"/*.deb "$out/src"/*.buildinfo "$out/src"/*.changes "$out/"
rm -rf "$out/src"
changes=$(ls "$out"/*.changes)

# Errors fail; warnings are listed (each one kept has an override with its
# reason in debian/, so this list is empty when all is well).
set +e
lintian --fail-on error --display-info "$changes" >"$out/lintian.log" 2>&1
lrc=$?
set -e
cat "$out/lintian.log"
[ "$lrc" -eq 0 ] || die "lintian found errors (log: $out/lintian.log)"
ls -1 "$out"/*.deb
debs=("$out"/*.deb)
echo "deb: ${#debs[@]} packages in $out; lintian: $(grep -c '^E: ' "$out/lintian.log") errors, $(grep -c '^W: ' "$out/lintian.log") warnings, $(grep -c '^I: ' "$out/lintian.log") info"
