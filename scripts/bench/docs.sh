#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# docs.sh BENCH_DIR: the last step of make bench-baseline, after one run of
# scripts/bench.sh with both passes wrote BENCH_DIR (build/bench/): from
# that run, copy its figures.json (the gate pass) to
# docs/bench-baseline.json and its charts (the full pass) to docs/bench.svg
# and docs/bench.png, and replace what docs/bench.md has between its
# "bench-figures" marker lines with the full pass's tables (doc.jq), the
# baseline's table (baseline.jq) and a line of digests that make lint
# (scripts/lint/bench-doc.sh) checks: the bench.json the tables came from,
# which the baseline names too ("full_run"), and the tables themselves.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
help_from_header "$0" "${1:-}"

dir=${1:?usage: docs.sh BENCH_DIR}
render=$MAPDRV_TOP/scripts/bench
doc=$MAPDRV_TOP/docs/bench.md
for f in bench.json figures.json bench.svg bench.png; do
	[ -s "$dir/$f" ] || die "no $dir/$f: make bench-baseline runs both passes"
done
digest=$(sha256sum "$dir/bench.json" | cut -c1-64)
[ "$(jq -r .full_run "$dir/figures.json")" = "$digest" ] ||
	die "$dir/figures.json is not of the run of $dir/bench.json (full_run)"
cp "$dir/figures.json" "$MAPDRV_TOP/docs/bench-baseline.json"
body=$(jq -r -L "$render" -f "$render/doc.jq" "$dir/bench.json" && echo &&
	jq -r -f "$render/baseline.jq" "$MAPDRV_TOP/docs/bench-baseline.json") ||
	die "doc.jq or baseline.jq failed"
"$render/doc-region.sh" write "$doc" "$digest" "$body"
cp "$dir/bench.svg" "$dir/bench.png" "$MAPDRV_TOP/docs/"
log "docs/bench-baseline.json, docs/bench.md, docs/bench.svg and docs/bench.png from $dir: review and commit them"
