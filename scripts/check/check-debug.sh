#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check-debug.sh: the sanitizer run. In one boot of the debug kernel (KASAN
# with KASAN_VMALLOC, lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP, DEBUG_VM,
# kmemleak, DEBUG_LIST; see scripts/kernel/debug/), run the kselftest suite,
# mapdrv-stress, then Debian's trinity aimed at /dev/mapdrv as an
# unprivileged user, unload the module, and ask kmemleak to scan. Print the
# figures, then "N passed, N failed, N skipped" where the suite's cases
# count one each and the stress run, the fuzz run, kmemleak and the console
# one each. Any splat, bad taint, panic or hang fails the run.
#
# Lengths: MAPDRV_STRESS_OPS (default 1000000) and MAPDRV_TRINITY_SECONDS
# (default 300); with CI=true, 200000 and 60 unless set.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

if [ "${CI:-}" = true ]; then
	stress_ops=${MAPDRV_STRESS_OPS:-200000}
	trinity_s=${MAPDRV_TRINITY_SECONDS:-60}
else
	stress_ops=${MAPDRV_STRESS_OPS:-1000000}
	trinity_s=${MAPDRV_TRINITY_SECONDS:-300}
fi
out=$MAPDRV_BUILD/check/debug
mkdir -p "$out"

"$MAPDRV_TOP/scripts/deps.sh" base debug fuzz
make -s -C "$MAPDRV_TOP" tools tests

# trinity is dynamically linked: its libraries go into the guest at their
# own paths.
files=(-f "$MAPDRV_BUILD/tests:/root/tests" -f "$MAPDRV_TOP/tests/settings:/root/tests/settings"
	-f "$MAPDRV_BUILD/bin:/root/bin"
	-f "$MAPDRV_TOP/scripts/vm/guest/tests.sh:/root/guest-tests.sh"
	-f "$(command -v trinity):/bin/trinity")
while read -r lib; do
	# /lib64/ld-linux-x86-64.so.2 is a symlink: copy what it points to.
	files+=(-f "$(readlink -f "$lib"):$lib")
done < <(ldd "$(command -v trinity)" | grep -o '/[^ ]*' | sort -u)

set +e
"$MAPDRV_TOP/scripts/vm/run.sh" -k debug -m 2048 -o "$out" -t "${MAPDRV_DEBUG_TIMEOUT:-4800}" \
	-a "kmemleak=on" "${files[@]}" \
	-f "$MAPDRV_TOP/scripts/vm/guest/debug.sh:/root/debug.sh" \
	-- sh /root/debug.sh "$stress_ops" "$trinity_s"
rc=$?
set -e

log_=$out/output.log
fig() { sed -n "s/^MAPDRV-FIG $1 //p" "$log_" | tail -n 1; }
json() { grep -o "\"$1\": *[0-9]*" "$log_" | head -n 1 | grep -o '[0-9]*$'; }
read -r passed failed skipped < <(tap_counts "$log_")
tests_passed=$passed

stress_ops_done=$(json ops)
stress_div=$(json divergences)
trinity_calls=$(grep -Eo 'Ran [0-9]+ syscalls' "$log_" | tail -n 1 | grep -Eo '[0-9]+')
leaks=$(fig kmemleak_reports)
splats=0
[ "$rc" -eq 120 ] && splats=1

check() { # name ok?
	if [ "$2" = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); log "FAIL: $1"; fi
}
check "mapdrv-stress: exit $(fig stress_exit), ${stress_ops_done:-?} ops, ${stress_div:-?} divergences" \
	"$([ "$(fig stress_exit)" = 0 ] && [ "${stress_div:-1}" = 0 ] && [ "${stress_ops_done:-0}" -ge "$stress_ops" ] && echo 1)"
check "trinity: ${trinity_calls:-no} syscalls" "$([ "${trinity_calls:-0}" -gt 0 ] && echo 1)"
check "final rmmod" "$([ "$(fig rmmod_exit)" = 0 ] && echo 1)"
check "kmemleak: ${leaks:-?} reports" "$([ "${leaks:-1}" = 0 ] && echo 1)"
check "console: the VM run ended with status $rc" "$([ "$rc" -eq 0 ] && echo 1)"
# The suite must have run its cases: tests/manifest, as for the debug target.
check "the kselftest suite as tests/manifest says" \
	"$("$MAPDRV_TOP/scripts/check/manifest.sh" debug "$log_" >&2 && echo 1)"

krel=$(sed -n 's/^KREL=//p' "$MAPDRV_BUILD/kernels/debug/kernel.env")
cat <<EOT

debug kernel $krel (KASAN+KASAN_VMALLOC, lockdep, PROVE_RCU, DEBUG_VM, kmemleak):
  kselftest cases passed    $tests_passed
  stress operations         ${stress_ops_done:-?} (divergences: ${stress_div:-?})
  trinity syscalls          ${trinity_calls:-?} in ${trinity_s}s against /dev/mapdrv, as nobody
  kmemleak reports          ${leaks:-?}
  splats                    $splats
  console and output        $out/console.log, $out/output.log
EOT
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
