#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tests.sh [DIR]: runs in the guest: every kselftest binary in DIR (default
# /root/tests), in name order, with its TAP output as is, each followed by a
# line "MAPDRV-TEST <name> exit=<status>" that scripts/check/check.sh reads.
# Then the plain-C example maptest. The module tests unload and reload the
# module, so they run last.
# Each binary runs under the limit of DIR/settings (tests/settings, as
# kselftest's runner.sh reads it: "timeout=SECONDS"; 45 s without one) in a
# session of its own: past it, the binary and every process it forked are
# killed, it prints "not ok ... # TIMEOUT" and exits 124, and the next
# binary runs.
# shellcheck shell=dash # busybox ash; shellcheck checks it as dash
dir=${1:-/root/tests}
limit=45
if [ -f "$dir/settings" ]; then
	limit=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' "$dir/settings" | tail -n 1)
	[ -n "$limit" ] || { echo "not ok 1 $dir/settings has no timeout=SECONDS"; exit 1; }
fi
status=0

# run NAME PROGRAM: PROGRAM under the limit; sets rc.
run() {
	setsid "$2" &
	pid=$!
	mark=/tmp/.mapdrv-timeout.$pid
	# The watchdog takes its sleep with it when it is stopped, so that
	# no sleep outlives its binary and fires during the next one.
	(
		trap 'kill "$nap" 2>/dev/null; exit 0' TERM
		sleep "$limit" &
		nap=$!
		wait "$nap"
		: >"$mark"
		kill -KILL "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
	) &
	watchdog=$!
	wait "$pid"
	rc=$?
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
	if [ -e "$mark" ]; then
		rm -f "$mark"
		echo "not ok 1 selftests: mapdrv: $1 # TIMEOUT $limit seconds"
		rc=124
	fi
}

set -- # from here, the binaries to run
for t in "$dir"/*_test; do
	case "$t" in *module_test) continue ;; esac
	[ -x "$t" ] && set -- "$@" "$t"
done
[ -x "$dir/mapdrv_module_test" ] && set -- "$@" "$dir/mapdrv_module_test"
# The plain-C example from docs/examples/, as one TAP case.
if [ -x "$dir/maptest" ]; then
	echo "# ---- maptest"
	echo "1..1"
	run maptest "$dir/maptest"
	# (a timeout has printed its own "not ok")
	if [ "$rc" -eq 0 ]; then
		echo "ok 1 maptest"
	elif [ "$rc" -ne 124 ]; then
		echo "not ok 1 maptest # exit $rc"
	fi
	echo "MAPDRV-TEST maptest exit=$rc"
	[ "$rc" -ne 0 ] && status=1
fi
for t in "$@"; do
	name=$(basename "$t")
	echo "# ---- $name"
	run "$name" "$t"
	echo "MAPDRV-TEST $name exit=$rc"
	[ "$rc" -ne 0 ] && status=1
done
exit "$status"
