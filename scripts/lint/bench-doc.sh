#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-doc.sh [DOC [BASELINE]]: check that the figures of docs/bench.md
# (DOC) are those of docs/bench-baseline.json (BASELINE), as make
# bench-baseline writes them from one run (scripts/bench/docs.sh):
#   - DOC has one bench-figures region with its digest line
#     (scripts/bench/doc-region.sh);
#   - the region is unedited: the sha256 of its figures is the digest line's;
#   - it is of the baseline's run: the digest line's bench.json sha256 is
#     the baseline's "full_run";
#   - its baseline table is the baseline's: scripts/bench/baseline.jq on
#     BASELINE gives the very lines the region holds.
# Findings print as "bench-doc: FILE: message"; exit status 1 if there is
# any, else 0 with "bench-doc: clean".
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
help_from_header "$0" "${1:-}"
cd "$MAPDRV_TOP"

doc=${1:-docs/bench.md}
baseline=${2:-docs/bench-baseline.json}
region=scripts/bench/doc-region.sh
bad=0
finding() {
	printf 'bench-doc: %s: %s\n' "$1" "$2"
	bad=1
}

if ! digests=$("$region" digests "$doc"); then
	finding "$doc" "no bench-figures region with its digest line (make bench-baseline writes it)"
	exit 1
fi
read -r run sum <<<"$digests"
body=$("$region" body "$doc")
now=$(printf '%s\n' "$body" | sha256sum | cut -c1-64)
[ "$now" = "$sum" ] ||
	finding "$doc" "the figures between the bench-figures markers were edited (sha256 $now, written as $sum): make bench-baseline writes them"
full=$(jq -r '.full_run // "none"' "$baseline" 2>/dev/null) || full="unreadable"
[ "$full" = "$run" ] ||
	finding "$doc" "its figures are of the run whose bench.json has sha256 $run; $baseline is of $full: make bench-baseline writes both from one run"
table=$(jq -r -f scripts/bench/baseline.jq "$baseline" 2>/dev/null) ||
	finding "$baseline" "scripts/bench/baseline.jq cannot render it"
if [ -n "${table:-}" ]; then
	# The table's lines, in order, as one block of the region.
	case "$body" in
	*"$table"*) ;;
	*) finding "$doc" "its baseline table is not $baseline's (scripts/bench/baseline.jq renders it)" ;;
	esac
fi
[ "$bad" -eq 0 ] || exit 1
echo "bench-doc: clean"
