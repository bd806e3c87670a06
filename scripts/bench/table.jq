# SPDX-License-Identifier: GPL-2.0
#
# table.jq: bench.json as text tables, then the targets (bench.txt).
#   jq -r -L scripts/bench -f scripts/bench/table.jq bench.json
include "bench";

. as $r | per_page as $u | (.clock != "instructions") as $wall |
subject("fault") as $fault | subject("anon") as $anon | subject("shmem") as $shmem |
subject("remap") as $remap |
# The ratio of a subject's figure to a baseline subject's, or "-".
def to($base; f): if $base then ratio(f; $base | f) | times else "-" end;
# A refault set's cells: per pattern the cost, its ratio to fault mode's
# first touch, the vm_insert_pages() calls per fault; the faults of "all".
def refault_cells:
	. as $set | [refault_patterns[] | .[0] as $p | $set[$p] as $x |
		($x.cost | cell), (if $fault then ratio($x.cost; $fault.first_touch.touch) | times else "-" end),
		(select($p == "all") | $x.faults | cell(fixed(4))), ($x.insert_calls | cell(fixed(2)))];
# GB/s from a cost in ns per page (wall clock only).
def gbps: if measured then $r.page_size / median | fixed(2) else "n/a" end;

# The run
title,
(select(.environment.description != "") | "machine: \(.environment.description)"),
"CPU: \(.environment.cpu_model) [\(.environment.cpu_flags)]",
"clock: \(if $wall then "wall clock (CLOCK_MONOTONIC)"
	else "instructions (QEMU -icount shift=0: one guest ns is one instruction)" end)",
"buffer: \(.size) bytes (\(.size / 1048576 | floor) MiB) = \(.pages) pages of \(.page_size) bytes, seed \(.seed)",
"\(.repetitions) repetitions after one discarded warm-up round, interleaved; each on a fresh mapping.",
"Figures: median ±spread (half the interquartile range, in % of the median;",
"samples are in the JSON); ratios: median of per-repetition ratios.",
"*** \(timing_note) ***",
(.notes[] | "note: \(.)"),

# 1. First touch
"", "1. First touch: one 8-byte read per page of a fresh mapping",
([["subject", "touch \($u)", "/fault", "/anon", "/shmem", "mmap \($u)", "mmap+touch \($u)", "/fault",
   "/remap", "faults/page"]] +
 [.subjects[] | [caption($r), (.first_touch.touch | cell), to($fault; .first_touch.touch),
	to($anon; .first_touch.touch), to($shmem; .first_touch.touch), (.first_touch.mmap | cell),
	(total | cell), to($fault; total), to($remap; total), (.first_touch.faults | cell(fixed(4)))]] |
 table),
"  anon: MAP_PRIVATE|MAP_ANONYMOUS, PROT_READ, THP off: a read fault maps the shared zero page",
"  (no page allocated or cleared). shmem: a memfd written first (its pages in the page",
"  cache), MAP_SHARED: the kernel maps fault_around_bytes=\(.environment.fault_around_bytes // "(unknown)") per read fault.",
"  remap: the same vmalloc buffer in the benchmark-only module mapdrv_remap, mapped",
"  by remap_vmalloc_range() at mmap time.",
"  faults/page: minor faults (getrusage); fault mode takes 1 per page.",

# 2. Populate
"", "2. Populate: mmap(MAP_POPULATE), or mmap + madvise(MADV_POPULATE_READ), then the same touch",
([["subject", "MAP_POPULATE \($u)", "/fault", "/touch", "faults/page", "POPULATE_READ \($u)", "/fault",
   "/touch", "faults/page"]] +
 [.subjects[] | [caption($r), (.map_populate.cost | cell), to($fault; .map_populate.cost),
	(ratio(.map_populate.cost; total) | times), (.map_populate.faults | cell(fixed(4))),
	(.madv_populate_read.cost | cell), to($fault; .madv_populate_read.cost),
	(ratio(.madv_populate_read.cost; total) | times), (.madv_populate_read.faults | cell(fixed(4)))]] |
 table),
"  \($u) include the mmap (and madvise) call and the touch after it. /fault: the same",
"  method in fault mode; /touch: this subject's mmap+touch of table 1.",
# Why a figure is missing, once per reason.
([.subjects[] | .name as $n | (.map_populate.cost, .madv_populate_read.cost) | strings | {why: ., name: $n}] |
 group_by(.why)[] | "  n/a for \(map(.name) | join(", ")): \(.[0].why)"),

# 3. Warm read
"", "3. Warm streaming read: every 8-byte word, second pass over the mapping",
([["subject", $u, "/anon"] + if $wall then ["GB/s"] else [] end] +
 [.subjects[] | [if .kind == "anon" then "anon (written, real pages)" else caption($r) end,
	(.warm_read.cost | cell), to($anon; .warm_read.cost)] +
	if $wall then [.warm_read.cost | gbps] else [] end] |
 table),

# 4. Copies
"", "4. Copy the whole buffer into a faulted-in user buffer, 1 MiB at a time",
(.copy as $c |
 [["method", $u, "speed /loop", "speed /memcpy"] + if $wall then ["GB/s"] else [] end,
  ["read() of \(.device)", ($c.read | cell), (ratio($c.loop; $c.read) | times), (ratio($c.memcpy; $c.read) | times)] +
	if $wall then [$c.read | gbps] else [] end,
  ["copy_to_user()'s loop: \(.copy_loop)", ($c.loop | cell), "-", (ratio($c.memcpy; $c.loop) | times)] +
	if $wall then [$c.loop | gbps] else [] end,
  ["memcpy (glibc)", ($c.memcpy | cell), "-", "-"] + if $wall then [$c.memcpy | gbps] else [] end] |
 table),
"  loop: the copy loop x86-64 copy_to_user() runs on this CPU and kernel, in user space",
"  (CPU flags: \(if .environment.cpu_flags == "" then "none" else .environment.cpu_flags end)). speed /X: X's cost over this row's.",

# 5. Threads
"",
(if $wall | not then
	"5. Threads: not measured with an instruction clock (one vCPU at a time); see the",
	"   wall-clock mode (make bench-wallclock)."
 else
	(.compute_threads | ratio(.one; .two)) as $compute |
	"5. First touch by 1 thread vs 2 threads on disjoint halves (\(.environment.cpus) CPUs)",
	([["subject", "1 thread ns/page", "2 threads ns/page", "speedup", "/compute"]] +
	 [.subjects[] | select(.threads) | ratio(.threads.one; .threads.two) as $speedup |
		[caption($r), (.threads.one | cell), (.threads.two | cell), ($speedup | cell(fixed(2) + "x")),
		 (ratio($speedup; $compute) | times)]] +
	 [["compute, no memory", (.compute_threads.one | cell), (.compute_threads.two | cell),
	   ($compute | cell(fixed(2) + "x")), "-"]] |
	 table),
	"  ns/page: wall time over all pages; speedup: 1-thread time / 2-thread time, per repetition.",
	"  compute: the same split of pure computation, what two vCPUs give at all; below 2x",
	"  the host did not run both at once (load from elsewhere). /compute: speedup / that."
 end),

# 6. Cost curves
(select(.curve_sizes | length > 0) |
	[.subjects[] | select(.curve)] as $subjects |
	def curve(f): [["size"] + [$subjects[].name]] +
		[range($r.curve_sizes | length) as $i |
		 [$r.curve_sizes[$i] | size_text] + [$subjects[] | .curve | f | .[$i] | cell]] | table;
	"", "6. Cost curves: fresh mappings of each size, as many as make \(.size / 1048576 | floor) MiB (at least one),",
	"   median of \(.curve_repetitions) repetitions",
	"   first touch, \($u)", curve(.touch),
	"   mmap, \($u)", curve(.mmap)),

# 7. Refaults
"", "7. Refaults: a mapping touched in full, MADV_DONTNEED of some pages, one read of each dropped page",
([["subject", "1 page", "/fault", "calls", "every 16th", "/fault", "calls", "all pages", "/fault",
   "faults", "calls"]] +
 [.subjects[] | select(.refault | type == "object") | . as $s |
	[caption($r)] + ($s.refault | refault_cells)] |
 table),
"  1 page: 64 single pages, each dropped and read again before the next, one past the middle",
"  of each 64th of the mapping; every 16th: pages 0, 16, 32, ... dropped, then read in order;",
"  both repeated until they cover 64 MiB (\([1, 67108864 / .size | floor] | max) times here), each read timed",
"  on its own less an empty timed read (\(.clock_overhead | num) \(.unit)), those above twice the median (an",
"  interrupt in them) left out. all pages: the whole mapping dropped, then read, once.",
"  \($u) per refaulted page; /fault: over fault mode's first touch (table 1); faults: minor",
"  faults per refaulted page (1 in the other patterns); calls: vm_insert_pages() calls per",
"  fault, a kprobe's hits, counted in a pass of their own after the timed ones.",
([.subjects[] | select(.refault | type == "string") | "  n/a for \(.name): \(.refault)"] | unique[]),
(if any(.subjects[]; .refault_wp | type == "object") then
	"", "   over userfaultfd-wp markers (UFFD_FEATURE_WP_ASYNC, the mapping write-protected first)",
	([["subject", "1 page", "/fault", "calls", "every 16th", "/fault", "calls", "all pages", "/fault",
   "faults", "calls"]] +
	 [.subjects[] | select(.refault_wp | type == "object") | . as $s |
		[caption($r)] + ($s.refault_wp | refault_cells)] |
	 table)
 else empty end),
([.subjects[] | select(.kind == "mapdrv" and (.refault_wp | type == "string")) | .refault_wp] | unique[] |
	"  over userfaultfd-wp markers: not measured: \(.)"),

# 8. Floors
"", "8. Floors: each mode's first touch against the floor modules (mapdrv_floor)",
(floor_rows as $rows |
 if $rows == null then "  not measured: mapdrv_floor is not loaded"
 else
	([["subject", "touch \($u)", "/floor-array", "/floor-none"]] +
	 [$rows[] | [.name, (.touch | cell), (.array | times), (.none | times)]] +
	 [subject("floor-array", "floor-none") | [.name, (.first_touch.touch | cell), "-", "-"]] | table),
	"  floor-array: a .fault that takes its page from an array built at load (no page-table",
	"  walk), get_page(), vmf->page; floor-none: get_page() and vmf->page of one fixed page.",
	(floor_notes | "  \(.)")
 end),

# Targets
"", "Targets (ratios within this run; information, not a verdict):",
(targets | target_line),
"", "*** \(timing_note) ***",
if $wall then "run time \(.seconds | fixed(0)) s" else "run: \(.seconds * 1e9 | fixed(0)) instructions in the guest" end
