#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [KERNEL]: make bench. Build mapdrv-bench and the benchmark-only
# modules mapdrv_remap.ko (scripts/bench/remap-baseline/) and
# mapdrv_floor.ko (scripts/bench/floor/), boot a Debian kernel (default
# $KERNEL or 6.1) in QEMU with all three and mapdrv loaded, run the
# benchmark's passes in that one boot (scripts/vm/guest/bench.sh), take
# their files out, and make the rest here from them with jq and gnuplot
# (scripts/bench/). The passes (MAPDRV_BENCH_PASSES):
#   gate  16 MiB, 3 repetitions, no curves: the figures a gate compares;
#         run first, with the modules loaded at 16 MiB, so that a gate that
#         runs it alone measures it on a guest in the same state (the same
#         kernel command line, guest memory, which the full pass's sizes
#         set in both, and module sizes)
#   full  MAPDRV_BENCH_SIZE, MAPDRV_BENCH_REPS, the curves, the profile;
#         the guest loads the modules again, at the size the curves need
# In the output folder (default build/bench/):
#   bench.json    the full pass's: the run, its machine and every sample
#   gate-bench.json  the gate pass's, of the same form
#   profile.txt   ftrace of one fault per subject (MAPDRV_BENCH_PROFILE=1)
#   bench.txt     the tables and the targets (table.jq) of the full pass,
#                 else of the gate pass; also printed
#   bench.svg, bench.png  the full pass's charts (chart.jq's data,
#                 chart-data.gp, drawn by gnuplot: chart.gp)
#   figures.json  the gate pass's costs, with its configuration, the
#                 sources measured and the full pass's bench.json digest
#                 (the form of docs/bench-baseline.json; figures.jq)
#   gate.json     with MAPDRV_BENCH_GATE: figures.json against that
#                 baseline (gate.jq); its verdict ends bench.txt
# Exit status: 0 it ran (missed targets are information); 4 the gate found
# a cost more than 3% above its baseline, or one missing; run.sh's for a VM
# failure; 1 for any other failure (a build, the renderers).
#
# Environment:
#   MAPDRV_BENCH_PASSES gate,full (default with the instruction clock),
#                       full (the wall clock's only one), or gate
#   MAPDRV_BENCH_CLOCK  instructions (default): QEMU counts instructions
#                       (-icount shift=0, one vCPU, -cpu max,-erms,-fsrm), so
#                       figures repeat from run to run; wall: the wall clock,
#                       two vCPUs, the thread-scaling table too
#   MAPDRV_BENCH_SIZE   bytes mapped by the full pass (default 67108864)
#   MAPDRV_BENCH_REPS   its repetitions (default 5 instructions, 11 wall)
#   MAPDRV_BENCH_CURVES its cost-curve sizes, e.g. 1M,4M,16M,64M,256M,1G
#                       (default none); MAPDRV_BENCH_CURVE_REPS (default 1).
#                       With SIZE they set the module and guest memory
#                       sizes, for every pass
#   MAPDRV_BENCH_GATE   a baseline file (docs/bench-baseline.json): compare
#   MAPDRV_BENCH_PROFILE=1  also trace one fault per subject (profile.txt)
#   MAPDRV_BENCH_OUT    the output folder
#   MAPDRV_BENCH_ARGS   more mapdrv-bench options for every pass, e.g.
#                       "--windows 16,64"
#   MAPDRV_CPU          QEMU -cpu (see run.sh)
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
help_from_header "$0" "${1:-}"

kernel=${1:-${KERNEL:-6.1}}
clock=${MAPDRV_BENCH_CLOCK:-instructions}
size=${MAPDRV_BENCH_SIZE:-67108864}
curves=${MAPDRV_BENCH_CURVES:-}
# The gate pass: what docs/bench-baseline.json holds and make bench-gate runs.
gate_size=16777216 gate_reps=3
case "$clock" in
instructions)
	passes=${MAPDRV_BENCH_PASSES:-gate,full}
	reps=${MAPDRV_BENCH_REPS:-5} smp=1 out=${MAPDRV_BENCH_OUT:-$MAPDRV_BUILD/bench}
	export MAPDRV_ACCEL=tcg MAPDRV_CPU=${MAPDRV_CPU:-max,-erms,-fsrm}
	export MAPDRV_QEMU_ACCEL="-accel tcg,thread=single -icount shift=0,sleep=off"
	;;
wall)
	passes=${MAPDRV_BENCH_PASSES:-full}
	reps=${MAPDRV_BENCH_REPS:-11} smp=2 out=${MAPDRV_BENCH_OUT:-$MAPDRV_BUILD/bench-wallclock}
	;;
*) die "MAPDRV_BENCH_CLOCK: '$clock' is neither instructions nor wall" ;;
esac
run_gate=n run_full=n
for p in ${passes//,/ }; do
	case "$p" in
	gate) run_gate=y ;;
	full) run_full=y ;;
	*) die "MAPDRV_BENCH_PASSES: '$p' is neither gate nor full" ;;
	esac
done
[ "$run_gate$run_full" != nn ] || die "MAPDRV_BENCH_PASSES: no pass"
[ -z "${MAPDRV_BENCH_GATE:-}" ] || [ "$run_gate" = y ] || die "MAPDRV_BENCH_GATE needs the gate pass"
[ -z "${MAPDRV_BENCH_GATE:-}" ] || [ -f "$MAPDRV_BENCH_GATE" ] ||
	die "no baseline $MAPDRV_BENCH_GATE (make bench-baseline)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
vm_out=$out/vm
render=$MAPDRV_TOP/scripts/bench

# 'a b' -> a single-quoted word for the guest's sh.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# The biggest mapping the full pass wants, whether it runs or not: the
# modules' buffers, and guest memory for the three of them, a memfd of that
# size and the main tables' buffers.
module_size=$size
for s in ${curves//,/ }; do
	b=$(numfmt --from=iec "$s") || die "MAPDRV_BENCH_CURVES: bad size '$s'"
	[ "$b" -gt "$module_size" ] && module_size=$b
done
mem=$((2048 + 4 * (module_size >> 20)))

"$MAPDRV_TOP/scripts/deps.sh" bench
bin=$(guest_tools "$kernel" tools)/bin/mapdrv-bench
[ -x "$bin" ] || die "$bin was not built"

# The benchmark-only modules, built like mapdrv.ko against the guest kernel,
# under the build lock, and copied out before it is released: several
# benches may run at once.
env_file=$(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" "$kernel")
# shellcheck source=/dev/null
. "$env_file"
# build_bench_module DIR NAME: scripts/bench/DIR's NAME.ko into $out.
build_bench_module() {
	(
		flock 9 &&
			ko=$(MAPDRV_MODULE_SRC=$MAPDRV_TOP/scripts/bench/$1 \
				MAPDRV_MOD_DIR=$MAPDRV_BUILD/mod/$KREL-$1 \
				"$MAPDRV_TOP/scripts/kernel/build-module.sh" "$env_file") &&
			cp "$ko" "$out/$2.ko"
	) 9>"$MAPDRV_BUILD/.build.lock" || die "$2.ko: build failed"
}
build_bench_module remap-baseline mapdrv_remap
build_bench_module floor mapdrv_floor

# What the guest cannot see for itself: the emulator and the host.
# The QEMU command may carry options: split it into words, on purpose.
qemu_cmd=$(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/vm/fetch-qemu.sh" "$DEB_ARCH") ||
	die "no QEMU for $DEB_ARCH"
read -r -a qemu <<<"$qemu_cmd"
qemu_version=$("${qemu[@]}" --version 2>/dev/null | sed -n '1s/^QEMU emulator version //p')
host_cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
machine="QEMU ${qemu_version:-?}, -cpu ${MAPDRV_CPU:-max}, $smp vCPUs, $mem MiB"
[ "$clock" = instructions ] && machine+=", -icount shift=0"
machine+="; host ${host_cpu:-?}, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg) at start"

# What the figures were measured on, each as a hash of the files' contents,
# committed or not: the module's sources (MAPDRV_MODULE_SRC, see
# build-module.sh, or the tree's: Kbuild, src/, include/) and the bench's
# (the tool, the guest program, scripts/bench.sh and scripts/bench/, which
# holds the baseline and floor modules); "module_changed", "bench_changed":
# they are not the commit's.
tree_hash() {
	(cd "$1" && shift && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha1sum | sha1sum | cut -c1-40)
}
bench_paths=(tools/mapdrv-bench tools/include scripts/bench scripts/bench.sh scripts/vm/guest/bench.sh)
tree_module_hash=$(tree_hash "$MAPDRV_TOP" Kbuild src include)
module_hash=$tree_module_hash
[ -z "${MAPDRV_MODULE_SRC:-}" ] || module_hash=$(tree_hash "$MAPDRV_MODULE_SRC" Kbuild src include)
# Outside a git checkout (a source package) there is no commit to differ from.
changed=$(git -C "$MAPDRV_TOP" status --porcelain -- Kbuild src include 2>/dev/null || true)
changed=${changed:0:1}
[ "$module_hash" = "$tree_module_hash" ] || changed=y
bench_changed=$(git -C "$MAPDRV_TOP" status --porcelain -- "${bench_paths[@]}" 2>/dev/null || true)
sources=$(jq -n --arg commit "$(git -C "$MAPDRV_TOP" rev-parse HEAD 2>/dev/null || echo unknown)" \
	--arg changed "$changed" --arg module_hash "$module_hash" \
	--arg bench_hash "$(tree_hash "$MAPDRV_TOP" "${bench_paths[@]}")" --arg bench_changed "${bench_changed:0:1}" \
	'{commit: $commit, module_changed: ($changed != ""), module: $module_hash, bench: $bench_hash,
	  bench_changed: ($bench_changed != "")}')

common=(--clock "$clock" --machine "$machine")
read -r -a more <<<"${MAPDRV_BENCH_ARGS:-}"
gate_word=-
if [ "$run_gate" = y ]; then
	gate_word=
	for a in "${common[@]}" --reps "$gate_reps" --size "$gate_size" "${more[@]}"; do
		gate_word+=" $(sq "$a")"
	done
fi
profile_size=0
[ "$run_full" = y ] && [ "${MAPDRV_BENCH_PROFILE:-0}" = 1 ] && profile_size=$size
# The size of the modules run.sh loads: the gate pass's, if it runs.
load_size=$module_size
[ "$run_gate" = y ] && load_size=$gate_size
command="sh /root/bench.sh $load_size $module_size $profile_size $(sq "$gate_word")"
if [ "$run_full" = y ]; then
	args=("${common[@]}" --reps "$reps" --size "$size")
	[ -n "$curves" ] && args+=(--curve-sizes "$curves" --curve-reps "${MAPDRV_BENCH_CURVE_REPS:-1}")
	for a in "${args[@]}" "${more[@]}"; do command+=" $(sq "$a")"; done
fi

rm -f "$out"/{bench.json,gate-bench.json,profile.txt,bench.txt,bench.svg,bench.png,chart-data.gp,figures.json,gate.json}
what=
[ "$run_gate" = y ] && what="gate pass $((gate_size >> 20)) MiB, $gate_reps repetitions"
[ "$run_full" = y ] && what+="${what:+; }full pass $((size >> 20)) MiB, $reps repetitions${curves:+, curves $curves}"
log "mapdrv-bench: $what; $clock clock, kernel $kernel"
set +e
# norandmaps: the same addresses on every boot, so that where a small
# mapping falls against a page-table boundary does not change its cost.
"$MAPDRV_TOP/scripts/vm/run.sh" -q -k "$kernel" -p "size=$load_size" -m "$mem" -s "$smp" -t 2400 \
	-a norandmaps -o "$vm_out" \
	-f "$MAPDRV_TOP/scripts/vm/guest/bench.sh:/root/bench.sh" -f "$bin:/root/bin/mapdrv-bench" \
	-f "$out/mapdrv_remap.ko:/lib/modules/mapdrv_remap.ko" -f "$out/mapdrv_floor.ko:/lib/modules/mapdrv_floor.ko" \
	-O /tmp/bench.json -O /tmp/gate-bench.json -O /tmp/profile.txt \
	-- "$command"
rc=$?
set -e
for f in bench.json gate-bench.json profile.txt; do
	[ -f "$vm_out/files/$f" ] && mv "$vm_out/files/$f" "$out/$f"
done
missing=
[ "$run_full" = y ] && [ ! -s "$out/bench.json" ] && missing=bench.json
[ "$run_gate" = y ] && [ ! -s "$out/gate-bench.json" ] && missing+=" gate-bench.json"
if [ "$rc" -ne 0 ] || [ -n "$missing" ]; then
	grep -v '^MAPDRV-VM-' "$vm_out/output.log" >&2 || true
	log "error: mapdrv-bench failed (exit $rc${missing:+; no$missing}); console: $vm_out/console.log"
	[ "$rc" -ne 0 ] || rc=1
	exit "$rc"
fi

# Everything else, from the passes' JSON.
jqb() { jq -L "$render" "$@"; }
main=$out/bench.json
[ "$run_full" = y ] || main=$out/gate-bench.json
jqb -r -f "$render/table.jq" "$main" >"$out/bench.txt" || die "table.jq failed"
if [ "$run_full" = y ]; then
	jqb -r -f "$render/chart.jq" "$out/bench.json" >"$out/chart-data.gp" || die "chart.jq failed"
	for f in bench.svg bench.png; do
		gnuplot -c "$render/chart.gp" "$out/chart-data.gp" "$out/$f" || die "gnuplot: $f failed"
	done
fi
if [ "$run_gate" = y ]; then
	# The full pass of the same boot, by digest: what docs/bench.md quotes.
	full_digest=null
	[ "$run_full" = y ] && full_digest=$(sha256sum "$out/bench.json" | cut -c1-64 | jq -R .)
	jqb --argjson sources "$sources" --argjson full "$full_digest" -f "$render/figures.jq" \
		"$out/gate-bench.json" >"$out/figures.json" || die "figures.jq failed"
fi
if [ -n "${MAPDRV_BENCH_GATE:-}" ]; then
	jqb --slurpfile baseline "$MAPDRV_BENCH_GATE" --arg file "$MAPDRV_BENCH_GATE" \
		-f "$render/gate.jq" "$out/figures.json" >"$out/gate.json" || die "gate.jq failed"
	jqb -r 'include "bench"; gate_text' "$out/gate.json" >>"$out/bench.txt"
fi
cat "$out/bench.txt"
charts=
[ "$run_full" = y ] && charts=", charts: $out/bench.{svg,png}"
log "table: $out/bench.txt, data: $main$charts"
if [ -n "${MAPDRV_BENCH_GATE:-}" ] && ! jq -e '.failed | not' "$out/gate.json" >/dev/null; then
	log "error: the gate failed against $MAPDRV_BENCH_GATE (above)"
	exit 4
fi
