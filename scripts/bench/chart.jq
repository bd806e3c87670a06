# SPDX-License-Identifier: GPL-2.0
#
# chart.jq: what chart.gp draws, from bench.json, as a gnuplot script of
# variables and datablocks (medians with their interquartile ranges; NaN
# where there is no figure), loaded by chart.gp.
#   jq -r -L scripts/bench -f scripts/bench/chart.jq bench.json >chart-data.gp
include "bench";

. as $r | (.clock == "instructions") as $icount |
def q: if type == "string" then @json else tostring end;
# A measurement as "median p25 p75".
def mqq: if measured then "\(median) \(quantile(0.25)) \(quantile(0.75))" else "NaN NaN NaN" end;
def block($name; $rows): "$\($name) << EOD", $rows[], "EOD";
def var($name; $v): "\($name) = \($v | if . == null then "NaN" else q end)";
def touch_of($name): subject($name) | if . then .first_touch.touch | median else null end;

var("title_text"; "mapdrv mapping modes, Linux \(.environment.kernel), " +
	(if .environment.accel == "tcg" then "QEMU TCG" else .environment.accel end) +
	(if $icount then ", instruction counts" elif .environment.accel == "tcg" then ", wall clock: only ratios matter"
	 else ", wall clock" end) +
	"\n\(.size / 1048576 | floor) MiB mapped (\(.pages) pages), \(.environment.cpus) CPUs; median of " +
	"\(.repetitions) repetitions, each on a fresh mapping; error bars: interquartile range" +
	"\n\(.tool) \(.version); \(if .environment.description != "" then .environment.description else .environment.cpu_model end)" +
	"\n\(timing_note)"),
var("unit"; per_page),
var("curves"; if (.curve_sizes | length) > 0 then 1 else 0 end),
var("threads"; if .compute_threads then 1 else 0 end),
var("fault_touch"; touch_of("fault")),
var("anon_touch"; touch_of("anon")),
var("shmem_touch"; touch_of("shmem")),
var("anon_warm"; subject("anon") | if . then .warm_read.cost | median else null end),
var("compute_speedup"; if .compute_threads then .compute_threads | ratio(.one; .two) | median else null end),
([(targets | "\(if .met == null then "[n/a]" elif .met then "[met]" else "[MISSED]" end) \(.name): \(.value)"),
  (.notes[] | "note: \(.)")] as $lines |
 var("footer"; $lines | join("\n")), var("footer_lines"; $lines | length)),

# name, then median p25 p75 of: mmap+touch, MAP_POPULATE+touch,
# MADV_POPULATE_READ+touch, first touch, warm read
block("subjects"; [.subjects[] | "\(caption($r) | q) \(total | mqq) \(.map_populate.cost | mqq) " +
	"\(.madv_populate_read.cost | mqq) \(.first_touch.touch | mqq) \(.warm_read.cost | mqq)"]),
# around window, first touch
block("windows"; [.subjects[] | select(.mode == "around") | "\(.window) \(.first_touch.touch | mqq)"]),
block("copy"; [("read()" | q) + " \(.copy.read | mqq)",
	("copy_to_user()'s loop (\(.copy_loop))" | q) + " \(.copy.loop | mqq)",
	("glibc memcpy" | q) + " \(.copy.memcpy | mqq)"]),
# speedup of 2 threads over 1
block("threads"; [.subjects[] | select(.threads) | "\(caption($r) | q) \(ratio(.threads.one; .threads.two) | mqq)"]),
# size, MiB, then the median of each subject of the curves
([.subjects[] | select(.curve)] as $s |
 def curve(f): [(["size", "MiB"] + [$s[].name] | map(q) | join(" "))] +
	[range($r.curve_sizes | length) as $i | $r.curve_sizes[$i] as $b |
	 ([($b | size_text | q), ($b / 1048576 | tostring)] +
	  [$s[] | .curve | f | .[$i] | median // "NaN" | tostring]) | join(" ")];
 block("curve_touch"; curve(.touch)), block("curve_mmap"; curve(.mmap)))
