#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh REMAP_SIZE PROFILE_SIZE [MAPDRV-BENCH OPTION...]: runs in the
# bench guest (busybox sh), copied in by scripts/bench.sh with mapdrv-bench
# and /lib/modules/mapdrv_remap.ko. Loads that module (the
# remap_vmalloc_range() baseline) with a buffer of REMAP_SIZE bytes, runs
# mapdrv-bench with the options, its JSON into /tmp/bench.json, then, unless
# PROFILE_SIZE is 0, mapdrv-bench --profile with that size into
# /tmp/profile.txt. The host takes both out (run.sh -O). Progress goes to
# the output console. Exit status: mapdrv-bench's (the benchmark's, else the
# profile's); 125 if the module does not load.
remap_size=${1:?remap module size}
profile_size=${2:?profile size, or 0}
shift 2
insmod /lib/modules/mapdrv_remap.ko size="$remap_size" || exit 125
mapdrv-bench --out /tmp/bench.json "$@"
rc=$?
if [ "$profile_size" != 0 ]; then
	mapdrv-bench --profile --profile-depth 0 -s "$profile_size" --out /tmp/profile.txt ||
		{ r=$? && [ "$rc" -eq 0 ] && rc=$r; }
fi
exit "$rc"
