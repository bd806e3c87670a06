#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh LOAD_SIZE FULL_SIZE PROFILE_SIZE GATE_OPTIONS [MAPDRV-BENCH OPTION...]:
# runs in the bench guest (busybox sh), copied in by scripts/bench.sh with
# mapdrv-bench, /lib/modules/mapdrv_remap.ko and /lib/modules/mapdrv_floor.ko.
# Loads those modules (the remap_vmalloc_range() baseline and the floors)
# with buffers of LOAD_SIZE bytes, the size run.sh gave mapdrv, then runs
# mapdrv-bench up to three times, each a pass of its own:
#   the gate pass, unless GATE_OPTIONS is "-": mapdrv-bench GATE_OPTIONS (one
#     word of single-quoted options, as the host's sh quoting makes it), its
#     JSON into /tmp/gate-bench.json; first, so that make bench-gate, which
#     runs this pass alone, measures it on a guest in the same state;
#   the full pass, if OPTIONs are given, after all three modules are loaded
#     again with FULL_SIZE bytes if that differs: mapdrv-bench OPTION..., its
#     JSON into /tmp/bench.json;
#   the profile, unless PROFILE_SIZE is 0: mapdrv-bench --profile of that
#     size into /tmp/profile.txt.
# The host takes the files out (run.sh -O). Progress goes to the output
# console. Exit status: the first failing pass's; 125 if a module does not
# load.
load_size=${1:?size of the modules loaded}
full_size=${2:?size of the modules for the full pass}
profile_size=${3:?profile size, or 0}
gate=${4:?gate pass options, or -}
shift 4
# load SIZE: the two benchmark-only modules, with buffers of SIZE bytes.
load() {
	insmod /lib/modules/mapdrv_remap.ko size="$1" && insmod /lib/modules/mapdrv_floor.ko size="$1"
}
load "$load_size" || exit 125
rc=0
if [ "$gate" != - ]; then
	eval "mapdrv-bench --out /tmp/gate-bench.json $gate" || rc=$?
fi
if [ $# -gt 0 ]; then
	if [ "$full_size" != "$load_size" ]; then
		rmmod mapdrv_floor mapdrv_remap mapdrv &&
			insmod "$MAPDRV_KO" size="$full_size" && load "$full_size" || exit 125
	fi
	mapdrv-bench --out /tmp/bench.json "$@" || { r=$? && [ "$rc" -eq 0 ] && rc=$r; }
fi
if [ "$profile_size" != 0 ]; then
	mapdrv-bench --profile --profile-depth 0 -s "$profile_size" --out /tmp/profile.txt ||
		{ r=$? && [ "$rc" -eq 0 ] && rc=$r; }
fi
exit "$rc"
