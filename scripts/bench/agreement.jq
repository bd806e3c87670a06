# SPDX-License-Identifier: GPL-2.0
#
# agreement.jq: how far two runs of make bench agree. Every series of
# samples in the first bench.json ($a) and the same series in the second
# ($b), median against median: the largest relative differences first, as
# TSV lines "series, first median, second median, difference in %".
#   jq -n -r -L scripts/bench --slurpfile a A/bench.json --slurpfile b B/bench.json \
#      -f scripts/bench/agreement.jq
# scripts/bench/agreement.sh A B runs it. A series is an array of numbers;
# a curve point is one array of a curve's list. Series whose median is 0
# (mmap of eager-free subjects, say) have no relative difference: left out.
include "bench";
def series_name($doc; $p):
	[range(0; $p | length) as $i | $p[$i] as $k |
	 if $i == 0 and $k == "subjects" then empty
	 elif $i == 1 and $p[0] == "subjects" then $doc.subjects[$k].name
	 elif ($k | type) == "number" and $i >= 2 and $p[$i - 2] == "curve" then
		"\($doc.curve_sizes[$k] / 1048576) MiB"
	 else $k | tostring end] | join(" ");
$a[0] as $x | $b[0] as $y |
# The run's settings are arrays of numbers too: not samples.
[$x | paths(type == "array" and length > 0 and all(.[]; type == "number"))] |
map(select(.[0] != "curve_sizes")) |
map(. as $p | ($x | getpath($p) | median) as $m1 |
	($y | getpath($p)) as $s2 |
	select($m1 != 0 and ($s2 | type) == "array" and ($s2 | length) > 0) |
	($s2 | median) as $m2 |
	{name: series_name($x; $p), m1: $m1, m2: $m2,
	 d: ((($m2 - $m1) / $m1 * 100) | if . < 0 then -. else . end)}) |
sort_by(-.d) | .[] |
"\(.name)\t\(.m1 * 10 | round / 10)\t\(.m2 * 10 | round / 10)\t\(.d * 1000 | round / 1000)"
