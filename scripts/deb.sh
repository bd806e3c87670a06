#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh: build mapdrv's Debian packages (make deb). The tree (less build/
# and .git) is copied to build/deb/src/mapdrv-VERSION, dpkg-buildpackage
# -b -us -uc runs there, and the .debs, .buildinfo and .changes land in
# build/deb/ (older ones removed). Then lintian on the .changes, with the
# overrides in debian/*.lintian-overrides: its report is
# build/deb/lintian.log, and an error fails. Installs nothing: run
# scripts/deps.sh deb first on a fresh machine.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
help_from_header "$0" "${1:-}"
cd "$MAPDRV_TOP"

version=${MAPDRV_VERSION:-$(cat VERSION)}
changelog_version=$(dpkg-parsechangelog -S Version)
[ "${changelog_version%%-*}" = "$version" ] ||
	die "debian/changelog's version $changelog_version is not VERSION's $version"
mkdir -p "$MAPDRV_BUILD"
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
