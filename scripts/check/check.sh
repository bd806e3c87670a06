#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [KERNEL]: run the kselftest suite in a QEMU guest booting a Debian
# kernel (default $KERNEL or 6.1; arm64, ppc64el, s390x... boot another
# architecture, with the tests cross-built for it) and print the TAP output,
# then one line
# "N passed, N failed, N skipped". Exit 0 only if nothing failed, something
# passed, the guest console stayed clean (no splat, panic or hang) and the
# run matches tests/manifest (scripts/check/manifest.sh).
# MAPDRV_KO_FILE: test this mapdrv.ko instead of one built from the tree;
# MAPDRV_CHECK_OUT: where the logs go (default build/check/KERNEL).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

kernel=${1:-${KERNEL:-6.1}}
out=${MAPDRV_CHECK_OUT:-$MAPDRV_BUILD/check/$kernel}
mkdir -p "$out"

bin=$(guest_tools "$kernel" tools tests) || die "cannot build the tools and tests for $kernel"
arch=$("$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" --arch "$kernel")

set +e
# 2 GiB: the module test loads a buffer of 1 GiB. The whole boot's limit
# leaves room for one binary that runs into its own (tests/settings).
"$MAPDRV_TOP/scripts/vm/run.sh" -k "$kernel" -o "$out" -t "${MAPDRV_CHECK_TIMEOUT:-2400}" \
	-m "${MAPDRV_CHECK_MEM:-2048}" -p "${MAPDRV_PARAMS:-}" \
	${MAPDRV_KO_FILE:+-K "$MAPDRV_KO_FILE"} \
	-f "$bin/tests:/root/tests" -f "$MAPDRV_TOP/tests/settings:/root/tests/settings" \
	-f "$bin/bin:/root/bin" \
	-f "$MAPDRV_TOP/scripts/vm/guest/tests.sh:/root/guest-tests.sh" \
	-- 'sh /root/guest-tests.sh /root/tests'
rc=$?
set -e

read -r passed failed skipped < <(tap_counts "$out/output.log")
# The binaries, cases and skips tests/manifest says this kernel must show.
"$MAPDRV_TOP/scripts/check/manifest.sh" "$kernel" "$out/output.log" || failed=$((failed + 1))

binaries=$(grep -c '^MAPDRV-TEST ' "$out/output.log" || true)
case "$rc" in
0 | 1) ;;
*)
	log "the VM run failed with status $rc (see $out/console.log)"
	failed=$((failed + 1))
	;;
esac
if [ "$binaries" -eq 0 ]; then
	log "no test binary ran"
	failed=$((failed + 1))
fi
[ "$rc" -eq 1 ] && [ "$failed" -eq 0 ] && failed=1
echo "kernel $kernel ($arch): $binaries test binaries; console: $out/console.log"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
