# SPDX-License-Identifier: GPL-2.0
#
# gate.jq: this run's figures.json against a baseline of the same form
# (docs/bench-baseline.json): gate.json, whose "failed" is true when a
# figure is more than 3% above its baseline or missing now. A baseline made
# in another configuration or on other sources is compared all the same:
# bench.jq's gate_text warns about it.
#   jq -L scripts/bench --slurpfile baseline FILE --arg file FILE \
#      -f scripts/bench/gate.jq figures.json
include "bench";
0.03 as $tolerance | $baseline[0] as $b | .figures as $now |
if ($b.figures | type) != "object" then error("\($file): no \"figures\": not a mapdrv-bench figures file")
elif ($b.figures | length) == 0 then error("\($file): no figures: a gate against nothing cannot fail")
elif any($b.figures[]; type != "number" or . <= 0) then error("\($file): a figure that is not a positive number")
else . end |
{baseline_file: $file, tolerance: $tolerance, unit,
 checks: [$b.figures | to_entries[] | select($now[.key] != null) |
	{figure: .key, baseline: .value, now: $now[.key], change: ($now[.key] / .value - 1),
	 regressed: ($now[.key] > .value * (1 + $tolerance))}],
 missing: [$b.figures | keys_unsorted[] | select($now[.] == null)],
 config: {baseline: $b.config, now: .config},
 sources: {baseline: ($b.sources // {}), now: .sources}} |
.failed = ((.missing | length) > 0 or any(.checks[]; .regressed))
