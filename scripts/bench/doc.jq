# SPDX-License-Identifier: GPL-2.0
#
# doc.jq: the figures docs/bench.md quotes, as Markdown tables, from the
# bench.json of a full make bench (scripts/bench/docs.sh puts them between
# the markers in docs/bench.md).
#   jq -r -L scripts/bench -f scripts/bench/doc.jq build/bench/bench.json
include "bench";

. as $r | per_page as $u |
subject("anon") as $anon | subject("shmem") as $shmem | subject("remap") as $remap |
def to($base; f): if $base then ratio(f; $base | f) | times else "" end;
def row: "| " + join(" | ") + " |";
def head: row, ([.[] | "---"] | row);
def name:
	if .kind == "mapdrv" then "`\(.name)`"
	elif .kind == "remap" then "`remap_vmalloc_range()` (baseline)"
	elif .kind == "floor-array" or .kind == "floor-none" then "`\(.name)` (floor)"
	else (caption($r) | sub(" \\((?<x>.*)\\)$"; ", \(.x)")) + " (baseline)" end;
# Minor faults per page: "1", "1/16", "0".
def per_fault: median | if . == 0 then "0" elif . >= 0.5 then . * 100 | round / 100 | tostring else "1/\(1 / . | round)" end;

"Linux \(.environment.kernel), \(.environment.machine), \(.size / 1048576 | floor) MiB mapped " +
"(\(.pages) pages), \(.repetitions) repetitions after a warm-up, \(.unit) per page; medians " +
"(`make bench`, \(.environment.description | sub(";.*"; ""))).",
"",
(["first touch, one read per page", "touch", "vs anon", "vs shmem", "mmap", "mmap+touch", "vs remap",
  "faults/page"] | head),
(.subjects[] | [name, (.first_touch.touch | median | num), to($anon; .first_touch.touch),
	to($shmem; .first_touch.touch), (.first_touch.mmap | median | num), (total | median | num),
	to($remap; total), (.first_touch.faults | per_fault)] | row),
"",
(["populate and read", "MAP_POPULATE + touch", "MADV_POPULATE_READ + touch", "warm read", "vs anon"] | head),
(.subjects[] | [name, (.map_populate.cost | median | num), (.madv_populate_read.cost | median | num),
	(.warm_read.cost | median | num), to($anon; .warm_read.cost)] | row),
"",
(["copy of the whole buffer, 1 MiB a call", $u, "read()'s speed against it"] | head),
(.copy as $c |
 ["`read()` of \(.device)", ($c.read | median | num), ""],
 ["\(.copy_loop), copy_to_user()'s loop, in user space", ($c.loop | median | num), (ratio($c.loop; $c.read) | times)],
 ["glibc memcpy", ($c.memcpy | median | num), (ratio($c.memcpy; $c.read) | times)] | row),
"",
(subject("fault") as $fault |
 def rcells: . as $set | [refault_patterns[] | .[0] as $p | $set[$p] as $x |
	($x.cost | median | num), (if $fault then ratio($x.cost; $fault.first_touch.touch) | times else "" end),
	($x.insert_calls | if measured then median | fixed(2) else why("-") end)];
 (["refault, per refaulted page", "1 page", "vs fault first touch", "vip calls", "every 16th", "vs fault first touch",
   "vip calls", "all pages", "vs fault first touch", "vip calls"] | head),
 (.subjects[] | select(.refault | type == "object") | [name] + (.refault | rcells) | row),
 (.subjects[] | select(.refault_wp | type == "object") | ["\(name) over uffd-wp markers"] + (.refault_wp | rcells) | row),
 "",
 ([.subjects[] | select(.refault | type == "string") | "\(name): \(.refault)"] +
  [.subjects[] | select(.kind == "mapdrv" and (.refault_wp | type == "string")) |
	"over uffd-wp markers: \(.refault_wp)"] | unique | map("Not measured: \(.).") | join(" "))),
"",
(floor_rows as $rows | select($rows != null) |
 (["first touch against the floors", "touch", "vs floor-array", "vs floor-none"] | head),
 ($rows[] | ["`\(.name)`", (.touch | median | num), (.array | times), (.none | times)] | row),
 (subject("floor-array", "floor-none") | [name, (.first_touch.touch | median | num), "", ""] | row),
 "", ([floor_notes | (.[:1] | ascii_upcase) + .[1:] + "."] | join(" ")), ""),
(["target", "measured", ""] | head),
(targets | [.name, .value, (if .met == null then "not measured" elif .met then "met" else "**missed**" end)] | row),
(select(.curve_sizes | length > 0) |
	[.subjects[] | select(.curve)] as $s |
	def curve($what; f): "",
		([$what] + [$r.curve_sizes[] | size_text] | head),
		($s[] | [name] + [.curve | f | .[] | median | num] | row);
	"",
	"Cost curves, \(.curve_repetitions) repetitions, each sample mapping a size as many times as it " +
	"takes to cover \(.size / 1048576 | floor) MiB; \(.unit) per page:",
	curve("first touch"; .touch), curve("mmap"; .mmap))
