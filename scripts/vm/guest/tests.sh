#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest: every kselftest binary in the given directory (default
# /root/tests), in name order, with its TAP output as is, each followed by a
# line "MAPDRV-TEST <name> exit=<status>" that scripts/check/check.sh reads.
# Then the plain-C example maptest. The module tests unload and reload the
# module, so they run last.
dir=${1:-/root/tests}
status=0
for t in "$dir"/*_test; do
	case "$t" in *module_test) continue ;; esac
	[ -x "$t" ] && set -- "$@" "$t"
done
[ -x "$dir/mapdrv_module_test" ] && set -- "$@" "$dir/mapdrv_module_test"
shift # the directory
# The plain-C example from docs/examples/, as one TAP case.
if [ -x "$dir/maptest" ]; then
	echo "# ---- maptest"
	echo "1..1"
	"$dir/maptest"
	rc=$?
	if [ "$rc" -eq 0 ]; then echo "ok 1 maptest"; else echo "not ok 1 maptest # exit $rc"; fi
	echo "MAPDRV-TEST maptest exit=$rc"
	[ "$rc" -ne 0 ] && status=1
fi
for t in "$@"; do
	echo "# ---- $(basename "$t")"
	"$t"
	rc=$?
	echo "MAPDRV-TEST $(basename "$t") exit=$rc"
	[ "$rc" -ne 0 ] && status=1
done
exit "$status"
