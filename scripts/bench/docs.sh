#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# docs.sh BENCH_DIR: the last step of make bench-docs, after make bench
# wrote BENCH_DIR (build/bench/): copy its charts to docs/bench.svg and
# docs/bench.png, and replace the figures of docs/bench.md, between its
# "bench-figures" marker lines, with doc.jq's tables of BENCH_DIR/bench.json.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
help_from_header "$0" "${1:-}"

dir=${1:?usage: docs.sh BENCH_DIR}
doc=$MAPDRV_TOP/docs/bench.md
begin='<!-- bench-figures: make bench-docs writes what follows, from build/bench/bench.json -->'
end='<!-- bench-figures end -->'
for f in bench.json bench.svg bench.png; do
	[ -s "$dir/$f" ] || die "no $dir/$f: make bench first"
done
if ! grep -qxF "$begin" "$doc" || ! grep -qxF "$end" "$doc"; then
	die "$doc: no bench-figures marker lines"
fi
tables=$(jq -r -L "$MAPDRV_TOP/scripts/bench" -f "$MAPDRV_TOP/scripts/bench/doc.jq" "$dir/bench.json")
# The tables through the environment: awk -v would expand backslashes.
tables=$tables awk -v begin="$begin" -v end="$end" '
	$0 == begin { print; print ""; print ENVIRON["tables"]; print ""; skip = 1; next }
	$0 == end { skip = 0 }
	!skip { print }
' "$doc" >"$doc.tmp"
mv "$doc.tmp" "$doc"
cp "$dir/bench.svg" "$dir/bench.png" "$MAPDRV_TOP/docs/"
log "docs/bench.md, docs/bench.svg and docs/bench.png from $dir: review and commit them"
