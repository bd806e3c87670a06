# SPDX-License-Identifier: GPL-2.0
#
# figures.jq: from bench.json, the costs per page a gate compares (the
# median of each, to 0.1), with the run's configuration and the sources it
# measured: figures.json, the form of docs/bench-baseline.json.
#   jq -L scripts/bench --argjson sources JSON -f scripts/bench/figures.jq bench.json
# $sources: {commit, module_changed, module, bench}, from scripts/bench.sh.
include "bench";
{tool, version, config: config, unit: per_page, sources: $sources,
 figures: (figures | map_values(. * 10 | round / 10))}
