#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the kselftest harness, its runner (make run_tests) and checkpatch
# from Debian 12's linux-source-6.1 package into build/linux-source-6.1,
# without installing it. Again when the list of files changes.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

out=$MAPDRV_BUILD/linux-source-6.1
stamp=$out/.done
ksft=linux-source-6.1/tools/testing/selftests
files=(
	"$ksft/kselftest_harness.h" "$ksft/kselftest.h"
	"$ksft/kselftest/runner.sh" "$ksft/kselftest/prefix.pl"
	linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt
	linux-source-6.1/scripts/const_structs.checkpatch
)
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "${files[*]}" ] && exit 0

apt_priv_init bookworm
debs=$MAPDRV_BUILD/debs/bookworm
rm -f "$debs"/linux-source-6.1_*.deb
apt_priv_fetch bookworm "$debs" linux-source-6.1
deb=$(ls "$debs"/linux-source-6.1_*.deb)
log "extracting the kselftest harness and checkpatch from $(basename "$deb")"
rm -rf "$out"
mkdir -p "$out"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
	tar -xJ -C "$out" --strip-components=1 "${files[@]}"
echo "${files[*]}" >"$stamp"
