# SPDX-License-Identifier: GPL-2.0
#
# figures.jq: from the gate pass's bench.json, the costs per page a gate
# compares (the median of each, to 0.1), with the run's configuration, the
# sources it measured and the digest of the full pass's bench.json of the
# same boot: figures.json, the form of docs/bench-baseline.json.
#   jq -L scripts/bench --argjson sources JSON --argjson full DIGEST \
#      -f scripts/bench/figures.jq gate-bench.json
# $sources: {commit, module_changed, module, bench, bench_changed}, from
# scripts/bench.sh; $full: the sha256 of the full pass's bench.json, or null
# (a gate run, which has no full pass).
include "bench";
{tool, version, config: config, unit: per_page, sources: $sources, full_run: $full,
 figures: (figures | map_values(. * 10 | round / 10))}
