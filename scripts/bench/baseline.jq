# SPDX-License-Identifier: GPL-2.0
#
# baseline.jq: a figures.json (docs/bench-baseline.json) as the Markdown
# table docs/bench.md shows of it: a row per subject, a column per figure.
# scripts/bench/docs.sh writes it into docs/bench.md, and make lint
# (scripts/lint/bench-doc.sh) renders it again from the committed baseline
# and fails if docs/bench.md's differs.
#   jq -r -f scripts/bench/baseline.jq docs/bench-baseline.json
def row: "| " + join(" | ") + " |";
.figures as $f |
# "SUBJECT FIGURE": the subject is the first word; read() has none.
[$f | keys_unsorted[] | select(. != "read()") | {s: (split(" ")[0]), k: (split(" ")[1:] | join(" "))}] as $e |
($e | map(.s) | reduce .[] as $x ([]; if index([$x]) then . else . + [$x] end)) as $subjects |
($e | map(.k) | reduce .[] as $x ([]; if index([$x]) then . else . + [$x] end)) as $kinds |
"The gate's baseline, `docs/bench-baseline.json`: the gate pass of the same run (\(.config)), " +
"\(.unit), medians; measured on commit `\(.sources.commit[:12])`" +
(if .sources.module_changed or .sources.bench_changed then " with changes" else "" end) +
", module sources `\(.sources.module[:12])`, bench sources `\(.sources.bench[:12])`" +
"; `read()` of the whole device: \($f["read()"] // "-").",
"",
(["subject"] + $kinds | row),
([$kinds[], "-"] | map("---") | row),
($subjects[] as $s | [$s] + [$kinds[] as $k | $f["\($s) \($k)"] // "-" | tostring] | row)
