#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# agreement.sh DIR_A DIR_B [N]: how far two runs of make bench agree
# (MAPDRV_BENCH_OUT=DIR_A make bench, then DIR_B): for each pass both ran
# (bench.json, the full pass; gate-bench.json, the gate pass), the number of
# series of samples compared and the N (default 15) whose medians differ
# most, in %: what docs/bench.md quotes. scripts/bench/agreement.jq does
# the comparison.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
help_from_header "$0" "${1:-}"
[ $# -ge 2 ] || die "usage: scripts/bench/agreement.sh DIR_A DIR_B [N]"
for d in "$1" "$2"; do [ -s "$d/bench.json" ] || die "no $d/bench.json"; done
for f in bench.json gate-bench.json; do
	if [ ! -s "$1/$f" ] || [ ! -s "$2/$f" ]; then continue; fi
	rows=$(jq -n -r -L "$MAPDRV_TOP/scripts/bench" --slurpfile a "$1/$f" \
		--slurpfile b "$2/$f" -f "$MAPDRV_TOP/scripts/bench/agreement.jq")
	echo "$f: series compared: $(wc -l <<<"$rows")"
	printf 'series\tfirst\tsecond\tdifference %%\n%s\n' "$(head -n "${3:-15}" <<<"$rows")" | column -t -s $'\t'
done
