# SPDX-License-Identifier: GPL-2.0
#
# What every renderer of mapdrv-bench's bench.json shares (include "bench";
# with jq -L scripts/bench): statistics of a measurement, the ratios of two,
# the derived figures, the targets, the gate's report, number formatting
# and text tables. A measurement in bench.json is an array of samples, one
# per repetition, or a string that says why there is none.

# --- Measurements

# The samples of a measurement; [] when it was not measured.
def samples: if type == "array" then . else [] end;
def measured: samples | length > 0;
# Why a measurement is missing: its string, or the @default.
def why($default): if type == "string" then . else $default end;

# The @q quantile, 0 <= q <= 1, interpolated between samples; null if none.
def quantile($q):
	samples | sort | length as $n |
	if $n == 0 then null
	else ($q * ($n - 1)) as $pos | ($pos | floor) as $lo | ([$lo + 1, $n - 1] | min) as $hi |
		.[$lo] + (.[$hi] - .[$lo]) * ($pos - $lo)
	end;
def median: quantile(0.5);
# Half the interquartile range, relative to the median: robust to the odd
# repetition a busy host preempts.
def spread: median as $m |
	if $m == null or $m == 0 then null else (quantile(0.75) - quantile(0.25)) / 2 / ($m | fabs) end;

# The ratio $a/$b as a measurement: per repetition when both have one
# sample per repetition (repetitions are interleaved, so this cancels slow
# drifts of the host), else the ratio of the medians.
def ratio($a; $b):
	($a | samples) as $x | ($b | samples) as $y |
	if ($x | length) == 0 or ($y | length) == 0 then "no data"
	elif ($x | length) == ($y | length) then [range($x | length) | select($y[.] != 0) | $x[.] / $y[.]]
	elif ($y | median) != 0 then [($x | median) / ($y | median)]
	else "division by zero" end;
# $a + $b, per repetition.
def plus($a; $b):
	($a | samples) as $x | ($b | samples) as $y |
	if ($x | length) == 0 or ($x | length) != ($y | length) then "no data"
	else [range($x | length) | $x[.] + $y[.]] end;

# --- The run

def subject($name): first(.subjects[] | select(.name == $name)) // null;
# mmap + first touch, per repetition: the cost of a mapping read once.
def total: plus(.first_touch.mmap; .first_touch.touch);
def per_page: if .unit == "instructions" then "instr/page" else "ns/page" end;
# For tables and charts; $r is the run.
def caption($r):
	if .kind == "anon" then "anon (zero page)"
	elif .kind == "shmem" then
		if $r.environment.fault_around_bytes then
			"shmem (fault-around \($r.environment.fault_around_bytes / $r.page_size))"
		else "shmem (fault-around)" end
	elif .kind == "remap" then "remap_vmalloc_range()"
	else .name end;
# What this run's configuration is: a gate compares only like with like.
def config:
	"\(if .clock == "instructions" then "instruction" else "wall" end) clock, " +
	"Linux \(.environment.kernel), \(.environment.machine), \(.environment.cpu_model) " +
	"[\(.environment.cpu_flags)], \(.pages) pages of \(.page_size) bytes, \(.repetitions) repetitions";
# The line about what absolute times mean on this machine.
def timing_note:
	if .clock == "instructions" then
		"Instructions (QEMU icount: 1 guest ns = 1 instruction): repeatable, not times on any hardware."
	elif .environment.accel == "tcg" then
		"Under TCG (QEMU's CPU emulator) wall-clock times do not represent hardware: only the ratios within this run are meaningful."
	else
		"Absolute times depend on this machine and its load: compare the ratios, which come from one run."
	end;
def title:
	"\(.tool) \(.version): Linux \(.environment.kernel), \(.environment.accel)" +
	(if .environment.machine != "" then " (\(.environment.machine))" else "" end) +
	", \(.environment.cpus) CPUs";

# The refault patterns of bench.json, with their names in tables.
def refault_patterns: [["one", "1 page"], ["every_16th", "every 16th"], ["all", "all pages"]];
# A subject's refault @pattern ("one", ...) of "refault" or "refault_wp", or
# the string that says why there is none.
def refault_of($set; $pattern): .[$set] | if type == "object" then .[$pattern] else . end;
def refault_cost($set; $pattern): refault_of($set; $pattern) | if type == "object" then .cost else . end;

# The figures a gate compares: "subject figure": median cost per page.
def figures:
	[(.subjects[] as $s |
		(["mmap+touch", ($s | total)], ["MAP_POPULATE+touch", $s.map_populate.cost],
		 ["POPULATE_READ+touch", $s.madv_populate_read.cost], ["warm read", $s.warm_read.cost],
		 (refault_patterns[] as [$p, $n] |
			["refault \($n)", ($s | refault_cost("refault"; $p))],
			["refault \($n) over uffd-wp", ($s | refault_cost("refault_wp"; $p))])) |
		select(.[1] | measured) | {key: "\($s.name) \(.[0])", value: (.[1] | median)}),
	 (.copy.read | select(measured) | {key: "read()", value: median})] | from_entries;

# --- Formatting

# A number with @d decimals; "-" when there is none.
def fixed($d):
	if type != "number" or isinfinite or isnan then "-"
	else (if . < 0 then "-" else "" end) as $sign | (fabs * pow(10; $d) | round | tostring) as $n |
		if $d == 0 then $sign + $n
		else ("0" * ([$d + 1 - ($n | length), 0] | max) // "") + $n |
			$sign + .[:length - $d] + "." + .[length - $d:]
		end
	end;
# 2 to 3 significant digits, as the tables show costs.
def num: if type != "number" then "-" elif fabs >= 100 then fixed(0) elif fabs >= 10 then fixed(1) else fixed(2) end;
# A ratio's median as "0.27x", or "-".
def times: if measured then (median | fixed(2)) + "x" else "-" end;
# A measurement's median and spread: "1833", "575 ±2%"; "n/a" if none.
def cell(f):
	if measured then
		(median | f) + (spread as $sp |
			if (samples | length) < 2 or $sp == null or $sp < 0.005 then "" else " ±\($sp * 100 | fixed(0))%" end)
	else "n/a" end;
def cell: cell(num);
# "1 MiB", "1 GiB"
def size_text:
	if . >= 1073741824 and . % 1073741824 == 0 then "\(. / 1073741824) GiB"
	elif . >= 1048576 and . % 1048576 == 0 then "\(. / 1048576) MiB"
	else "\(. / 1024 | floor) KiB" end;

# Rows of cells as a text table: the first column left-aligned, the
# others right-aligned, a rule under the first row.
def table:
	. as $rows |
	[range([$rows[] | length] | max) as $i | [$rows[] | .[$i] // "" | length] | max] as $w |
	def pad($n): if $n > 0 then " " * $n else "" end;
	def line($row): " " + ([range($row | length) as $i | $row[$i] as $c |
		"  " + if $i == 0 then $c + pad($w[$i] - ($c | length)) else pad($w[$i] - ($c | length)) + $c end] |
		add) | sub(" +$"; "");
	line($rows[0]), " " + ("-" * ([$w[] + 2] | add)), ($rows[1:][] | line(.));

# --- The targets of the mapping modes (information, never a failure)

def targets:
	. as $r | subject("fault") as $fault | subject("around-16") as $around |
	subject("eager") as $eager | subject("anon") as $anon | subject("shmem") as $shmem |
	subject("remap") as $remap |
	"mode unsupported by this module" as $none |
	"touch \(.unit) per page, median of per-repetition ratios" as $touch |
	"(mmap + touch) \(.unit) per page" as $total |
	def target($name; $ratio; $limit; $at_most; $detail):
		{name: $name, detail: $detail} +
		if $ratio | measured then ($ratio | median) as $v |
			{value: ($v | fixed(2) + "x"), met: (if $at_most then $v <= $limit else $v >= $limit end)}
		else {value: "not measured", met: null, detail: ($ratio | why("no data"))} end;
	def of($s; f): if $s then $s | f else $none end;
	target("fault first touch <= 1.15x anon (zero-page read fault)";
		if $anon then of($fault; ratio(.first_touch.touch; $anon.first_touch.touch)) else $none end;
		1.15; true; $touch),
	target("around-16 first touch <= 0.6x shmem (its fault-around)";
		if $shmem then of($around; ratio(.first_touch.touch; $shmem.first_touch.touch)) else $none end;
		0.6; true; $touch),
	target("eager mmap + first touch <= 0.8x remap_vmalloc_range()";
		if $remap then of($eager; ratio(total; $remap | total)) else "no remap baseline" end;
		0.8; true; $total),
	target("read() >= 0.9x memcpy with copy_to_user()'s loop (\(.copy_loop))";
		ratio(.copy.loop; .copy.read); 0.9; false;
		"speed, the whole buffer in 1 MiB pread() calls; against glibc memcpy: " +
		(ratio($r.copy.memcpy; $r.copy.read) | times)),
	target("around-16 first touch <= 0.5x fault";
		if $fault then of($around; ratio(.first_touch.touch; $fault.first_touch.touch)) else $none end;
		0.5; true; $touch),
	({name: "around-16 faults per page about 1/16 (0.0625)",
	  detail: "minor faults (getrusage) per page; met within 0.75/16 .. 1.25/16"} +
	 if $around and ($around.first_touch.faults | measured) then ($around.first_touch.faults | median) as $v |
		{value: "\($v | fixed(4)) (1/\(if $v > 0 then 1 / $v else 0 end | fixed(1)))",
		 met: ($v >= 0.75 / 16 and $v <= 1.25 / 16)}
	 else {value: "not measured", met: null, detail: $none} end),
	target("eager mmap + first touch <= 0.5x fault";
		if $fault then of($eager; ratio(total; $fault | total)) else $none end; 0.5; true; $total),
	(subject("around-512") as $a512 |
	 ["eager", $eager], ["around-512", $a512] | .[0] as $n | .[1] as $s |
	 target("\($n) one-page refault <= 1.5x fault first touch";
		if $fault then of($s; ratio(refault_cost("refault"; "one"); $fault.first_touch.touch))
		else $none end; 1.5; true;
		"touch \($r.unit) per refaulted page (MADV_DONTNEED of 1 page of a mapping touched in full) " +
		"over fault mode's first touch per page")),
	# The modes differ only in how the PTEs get there: once the first pass
	# is over, every mode reads the same pages through the same PTEs. So
	# the per-repetition speed ratios of all modes are pooled.
	([.subjects[] | select(.kind == "mapdrv" and $anon != null) |
		{name, r: ratio($anon.warm_read.cost; .warm_read.cost)} | select(.r | measured)] as $modes |
	 {name: "warm streaming read >= 0.95x anonymous buffer (speed)", value: "not measured", met: null,
	  detail: ""} +
	 if ($modes | length) > 0 then
		([$modes[].r[]] | median) as $v | ($modes | min_by(.r | median)) as $lo |
		($modes | max_by(.r | median)) as $hi |
		{value: ($v | fixed(2) + "x"), met: ($v >= 0.95),
		 detail: ("median of the per-repetition ratios of all \($modes | length) modes; by mode " +
			"\($lo.r | median | fixed(2))x (\($lo.name)) to \($hi.r | median | fixed(2))x (\($hi.name))")}
	 else {} end);

# --- The floors: each mode's first touch against the floor modules'

# Rows {name, touch, array, none}: a mapdrv subject's first touch and its
# ratios to floor-array's and floor-none's (measurements); null without
# the floor module.
def floor_rows:
	subject("floor-array") as $fa | subject("floor-none") as $fn |
	if $fa == null or $fn == null then null
	else [.subjects[] | select(.kind == "mapdrv") |
		{name, touch: .first_touch.touch, array: ratio(.first_touch.touch; $fa.first_touch.touch),
		 none: ratio(.first_touch.touch; $fn.first_touch.touch)}]
	end;
# What the floors say about fault mode, as lines: the handler's share of a
# fault, vmalloc_to_page()'s (with mapdrv's accounting), and the floor
# against the zero-page fault.
def floor_notes:
	subject("fault") as $f | subject("floor-array") as $fa | subject("floor-none") as $fn |
	subject("anon") as $anon |
	def share($a; $b): ratio(plus($a; $b | map(-.)); $a) | if measured then (median * 100 | fixed(1)) + "%" else "-" end;
	if $f == null or $fa == null or $fn == null then empty
	else
		"fault mode's first touch above floor-none (its handler's work): " +
			share($f.first_touch.touch; $fn.first_touch.touch) + " of it",
		"fault mode's first touch above floor-array (vmalloc_to_page() and mapdrv's bound check, " +
			"accounting and trace point): " + share($f.first_touch.touch; $fa.first_touch.touch) + " of it",
		(select($anon) | "floor-none's first touch against anon's zero-page fault: " +
			(ratio($fn.first_touch.touch; $anon.first_touch.touch) | times) +
			" (a handler of no work, against the 1.15x target of fault mode)")
	end;

def target_line:
	"  \(if .met == null then "[n/a]   " elif .met then "[met]   " else "[MISSED]" end) \(.name): \(.value)" +
	(if .detail != "" then "  (\(.detail))" else "" end);

# --- The gate's report (gate.json, from gate.jq)

def gate_text:
	.unit as $u | .sources.baseline as $b | .sources.now as $now |
	"",
	"Gate: every figure against \(.baseline_file), at most +\(.tolerance * 100 | fixed(0))%:",
	(.checks[] | "  \(if .regressed then "[REGRESSED]" else "[ok]       " end) \(.figure): " +
		"baseline \(.baseline | fixed(1)), now \(.now | fixed(1)) \($u) " +
		"(\(if .change >= 0 then "+" else "" end)\(.change * 100 | fixed(2))%)"),
	(.missing[] | "  [MISSING]   \(.) (in the baseline, not measured now)"),
	"  sources     baseline       now (the tree measured)",
	(["commit", "commit"], ["module (Kbuild, src/, include/)", "module"],
	 ["bench (tools/mapdrv-bench/, scripts/bench/ with the baseline and floor modules, the guest program)",
	  "bench"] | .[1] as $k |
		"    \($k)\(" " * (10 - ($k | length)))\(($b[$k] // "(none)")[:12])   \(($now[$k] // "?")[:12])" +
		"\(if $k == "module" and $now.module_changed then " (not the commit's)"
		    elif $k == "bench" and $now.bench_changed then " (not the commit's)" else "" end)" +
		"\(if $k == "commit" then "" elif $b[$k] == $now[$k] then "  same" else "  DIFFERENT: \(.[0])" end)"),
	(select(.config.baseline != .config.now) |
		"  [WARNING]   the baseline was made with \"\(.config.baseline)\",",
		"              this run is \"\(.config.now)\": a difference may come from there"),
	(select($b.module == null) | "  [WARNING]   the baseline does not say which sources it measured"),
	(select($b.module != null and $b.module != $now.module) |
		"  [WARNING]   the baseline measured other module sources: a difference may come from there"),
	(select($b.module != null and $b.bench != $now.bench) |
		"  [WARNING]   the baseline was measured by another bench: a difference may come from there"),
	(select(.config.baseline != .config.now or $b.module != $now.module or $b.bench != $now.bench) |
		"              (a new baseline: run make bench-baseline, then review and commit it)"),
	"gate: \(if .failed then "FAILED" else "passed" end)";
