#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [KERNEL]: make bench. Build mapdrv-bench and the baseline module
# mapdrv_remap.ko (scripts/bench/remap-baseline/), boot a Debian kernel
# (default $KERNEL or 6.1) in QEMU with both modules loaded, run the
# benchmark once (scripts/vm/guest/bench.sh: every measurement in one boot),
# take its files out, and make the rest here from them with jq and gnuplot
# (scripts/bench/). In the output folder (default build/bench/):
#   bench.json    the guest's: the run, its machine and every sample
#   profile.txt   ftrace of one fault per subject (MAPDRV_BENCH_PROFILE=1)
#   bench.txt     the tables and the targets, also printed (table.jq)
#   bench.svg, bench.png  the charts (chart.jq's data, chart-data.gp, drawn
#                 by gnuplot: chart.gp)
#   figures.json  the costs a gate compares, with the run's configuration
#                 and the sources it measured (the form of
#                 docs/bench-baseline.json; figures.jq)
#   gate.json     with MAPDRV_BENCH_GATE: figures.json against that
#                 baseline (gate.jq); its verdict ends bench.txt
# Exit status: 0 it ran (missed targets are information); 4 the gate found
# a cost more than 3% above its baseline, or one missing; run.sh's for a VM
# failure; 1 for any other failure (a build, the renderers).
#
# Environment:
#   MAPDRV_BENCH_CLOCK  instructions (default): QEMU counts instructions
#                       (-icount shift=0, one vCPU, -cpu max,-erms,-fsrm), so
#                       figures repeat from run to run; wall: the wall clock,
#                       two vCPUs, the thread-scaling table too
#   MAPDRV_BENCH_SIZE   bytes mapped by the main tables (default 67108864)
#   MAPDRV_BENCH_REPS   repetitions (default 5 instructions, 11 wall)
#   MAPDRV_BENCH_CURVES cost-curve sizes, e.g. 1M,4M,16M,64M,256M,1G
#                       (default none); MAPDRV_BENCH_CURVE_REPS (default 1)
#   MAPDRV_BENCH_GATE   a baseline file (docs/bench-baseline.json): compare
#   MAPDRV_BENCH_PROFILE=1  also trace one fault per subject (profile.txt)
#   MAPDRV_BENCH_OUT    the output folder
#   MAPDRV_BENCH_ARGS   more mapdrv-bench options, e.g. "--windows 16,64"
#   MAPDRV_CPU          QEMU -cpu (see run.sh)
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
help_from_header "$0" "${1:-}"

kernel=${1:-${KERNEL:-6.1}}
clock=${MAPDRV_BENCH_CLOCK:-instructions}
size=${MAPDRV_BENCH_SIZE:-67108864}
curves=${MAPDRV_BENCH_CURVES:-}
case "$clock" in
instructions)
	reps=${MAPDRV_BENCH_REPS:-5} smp=1 out=${MAPDRV_BENCH_OUT:-$MAPDRV_BUILD/bench}
	export MAPDRV_ACCEL=tcg MAPDRV_CPU=${MAPDRV_CPU:-max,-erms,-fsrm}
	export MAPDRV_QEMU_ACCEL="-accel tcg,thread=single -icount shift=0,sleep=off"
	;;
wall) reps=${MAPDRV_BENCH_REPS:-11} smp=2 out=${MAPDRV_BENCH_OUT:-$MAPDRV_BUILD/bench-wallclock} ;;
*) die "MAPDRV_BENCH_CLOCK: '$clock' is neither instructions nor wall" ;;
esac
[ -z "${MAPDRV_BENCH_GATE:-}" ] || [ -f "$MAPDRV_BENCH_GATE" ] ||
	die "no baseline $MAPDRV_BENCH_GATE (make bench-baseline)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
vm_out=$out/vm
render=$MAPDRV_TOP/scripts/bench

# 'a b' -> a single-quoted word for the guest's sh.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# The biggest mapping wanted: both modules' buffers, and guest memory for
# them, a memfd of that size and the main tables' buffers.
module_size=$size
for s in ${curves//,/ }; do
	b=$(numfmt --from=iec "$s") || die "MAPDRV_BENCH_CURVES: bad size '$s'"
	[ "$b" -gt "$module_size" ] && module_size=$b
done
mem=$((2048 + 3 * (module_size >> 20)))

"$MAPDRV_TOP/scripts/deps.sh" bench
bin=$(guest_tools "$kernel" tools)/bin/mapdrv-bench
[ -x "$bin" ] || die "$bin was not built"

# The baseline module, built like mapdrv.ko against the guest kernel, under
# the build lock, and copied out before it is released: several benches may
# run at once.
env_file=$(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" "$kernel")
# shellcheck source=/dev/null
. "$env_file"
remap_ko=$out/mapdrv_remap.ko
(
	flock 9 &&
		ko=$(MAPDRV_MODULE_SRC=$MAPDRV_TOP/scripts/bench/remap-baseline \
			MAPDRV_MOD_DIR=$MAPDRV_BUILD/mod/$KREL-remap \
			"$MAPDRV_TOP/scripts/kernel/build-module.sh" "$env_file") &&
		cp "$ko" "$remap_ko"
) 9>"$MAPDRV_BUILD/.build.lock" || die "mapdrv_remap.ko: build failed"

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

# What the figures were measured on: the module's sources (MAPDRV_MODULE_SRC,
# see build-module.sh, or the tree's) and the bench's (the tool, the
# baseline module, the guest program), each as a hash of the files'
# contents, committed or not; "module_changed": they are not the commit's.
tree_hash() {
	(cd "$1" && shift && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha1sum | sha1sum | cut -c1-40)
}
tree_module_hash=$(tree_hash "$MAPDRV_TOP" Kbuild src include)
module_hash=$tree_module_hash
[ -z "${MAPDRV_MODULE_SRC:-}" ] || module_hash=$(tree_hash "$MAPDRV_MODULE_SRC" Kbuild src include)
# Outside a git checkout (a source package) there is no commit to differ from.
changed=$(git -C "$MAPDRV_TOP" status --porcelain -- Kbuild src include 2>/dev/null || true)
changed=${changed:0:1}
[ "$module_hash" = "$tree_module_hash" ] || changed=y
sources=$(jq -n --arg commit "$(git -C "$MAPDRV_TOP" rev-parse HEAD 2>/dev/null || echo unknown)" \
	--arg changed "$changed" --arg module_hash "$module_hash" \
	--arg bench_hash "$(tree_hash "$MAPDRV_TOP" tools/mapdrv-bench tools/include scripts/bench/remap-baseline \
		scripts/vm/guest/bench.sh)" \
	'{commit: $commit, module_changed: ($changed != ""), module: $module_hash, bench: $bench_hash}')

args=(--clock "$clock" --reps "$reps" --size "$size" --machine "$machine")
[ -n "$curves" ] && args+=(--curve-sizes "$curves" --curve-reps "${MAPDRV_BENCH_CURVE_REPS:-1}")
read -r -a more <<<"${MAPDRV_BENCH_ARGS:-}"
profile_size=0
[ "${MAPDRV_BENCH_PROFILE:-0}" = 1 ] && profile_size=$size
command="sh /root/bench.sh $module_size $profile_size"
for a in "${args[@]}" "${more[@]}"; do command+=" $(sq "$a")"; done

rm -f "$out"/{bench.json,profile.txt,bench.txt,bench.svg,bench.png,chart-data.gp,figures.json,gate.json}
log "mapdrv-bench: $((size >> 20)) MiB, $reps repetitions, $clock clock, kernel $kernel${curves:+, curves $curves}"
set +e
# norandmaps: the same addresses on every boot, so that where a small
# mapping falls against a page-table boundary does not change its cost.
"$MAPDRV_TOP/scripts/vm/run.sh" -q -k "$kernel" -p "size=$module_size" -m "$mem" -s "$smp" -t 2400 \
	-a norandmaps -o "$vm_out" \
	-f "$MAPDRV_TOP/scripts/vm/guest/bench.sh:/root/bench.sh" -f "$bin:/root/bin/mapdrv-bench" \
	-f "$remap_ko:/lib/modules/mapdrv_remap.ko" -O /tmp/bench.json -O /tmp/profile.txt \
	-- "$command"
rc=$?
set -e
for f in bench.json profile.txt; do
	[ -f "$vm_out/files/$f" ] && mv "$vm_out/files/$f" "$out/$f"
done
if [ "$rc" -ne 0 ] || [ ! -s "$out/bench.json" ]; then
	grep -v '^MAPDRV-VM-' "$vm_out/output.log" >&2 || true
	log "error: mapdrv-bench failed (exit $rc); console: $vm_out/console.log"
	[ "$rc" -ne 0 ] || rc=1
	exit "$rc"
fi

# Everything else, from bench.json.
jqb() { jq -L "$render" "$@"; }
jqb -r -f "$render/table.jq" "$out/bench.json" >"$out/bench.txt" || die "table.jq failed"
jqb --argjson sources "$sources" -f "$render/figures.jq" "$out/bench.json" >"$out/figures.json" ||
	die "figures.jq failed"
jqb -r -f "$render/chart.jq" "$out/bench.json" >"$out/chart-data.gp" || die "chart.jq failed"
for f in bench.svg bench.png; do
	gnuplot -c "$render/chart.gp" "$out/chart-data.gp" "$out/$f" || die "gnuplot: $f failed"
done
if [ -n "${MAPDRV_BENCH_GATE:-}" ]; then
	jqb --slurpfile baseline "$MAPDRV_BENCH_GATE" --arg file "$MAPDRV_BENCH_GATE" \
		-f "$render/gate.jq" "$out/figures.json" >"$out/gate.json" || die "gate.jq failed"
	jqb -r 'include "bench"; gate_text' "$out/gate.json" >>"$out/bench.txt"
fi
cat "$out/bench.txt"
log "table: $out/bench.txt, data: $out/bench.json, charts: $out/bench.{svg,png}"
if [ -n "${MAPDRV_BENCH_GATE:-}" ] && ! jq -e '.failed | not' "$out/gate.json" >/dev/null; then
	log "error: the gate failed against $MAPDRV_BENCH_GATE (above)"
	exit 4
fi
