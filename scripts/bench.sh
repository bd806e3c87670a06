#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [KERNEL]: make bench. Build mapdrv-bench and the baseline module
# mapdrv_remap.ko (scripts/bench/remap-baseline/), boot a Debian kernel
# (default $KERNEL or 6.1) in QEMU with both modules loaded, run the
# benchmark once (every measurement in one boot), and bring back into the
# output folder (default build/bench/): bench.txt (the table, also printed),
# bench.json, bench.svg (the chart), gate.json (the costs a gate compares)
# and, if asked for, profile.txt (ftrace of one fault per subject).
# Exit status: mapdrv-bench's (0: it ran; missed targets are information;
# 4: --gate found a regression), or run.sh's for a VM failure.
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
#
# run.sh copies files into the guest, never out of it: the guest prints
# its files between marker lines, with their MD5, and this script cuts them
# out of the guest's output.log and checks them.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

kernel=${1:-${KERNEL:-6.1}}
clock=${MAPDRV_BENCH_CLOCK:-instructions}
size=${MAPDRV_BENCH_SIZE:-67108864}
curves=${MAPDRV_BENCH_CURVES:-}
files=(bench.json bench.svg gate.json profile.txt)
case "$clock" in
instructions)
	reps=${MAPDRV_BENCH_REPS:-5} smp=1 out=${MAPDRV_BENCH_OUT:-$MAPDRV_BUILD/bench}
	export MAPDRV_ACCEL=tcg MAPDRV_CPU=${MAPDRV_CPU:-max,-erms,-fsrm}
	export MAPDRV_QEMU_ACCEL="-accel tcg,thread=single -icount shift=0,sleep=off"
	;;
wall) reps=${MAPDRV_BENCH_REPS:-11} smp=2 out=${MAPDRV_BENCH_OUT:-$MAPDRV_BUILD/bench-wallclock} ;;
*) die "MAPDRV_BENCH_CLOCK: '$clock' is neither instructions nor wall" ;;
esac
vm_out=$out/vm

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

arch=$("$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" --arch "$kernel")
read -r -a groups <<<"$(arch_deps "$arch")"
"$MAPDRV_TOP/scripts/deps.sh" "${groups[@]}"
make -s -C "$MAPDRV_TOP" tools MAPDRV_ARCH="$arch"
bin=$(arch_out_dir "$arch")/bin/mapdrv-bench
[ -x "$bin" ] || die "$bin was not built"

# The baseline module, built like mapdrv.ko against the guest kernel.
env_file=$(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" "$kernel")
# shellcheck source=/dev/null
. "$env_file"
[ -z "${BUILD_CHROOT:-}" ] || die "kernel $kernel builds in a chroot: the bench supports host-built kernels"
# Built under the build lock, the .ko copied out before it is released:
# several benches may run at once.
remap_dir=$MAPDRV_BUILD/mod/$KREL-remap
remap_ko=$out/mapdrv_remap.ko
mkdir -p "$remap_dir" "$out"
(
	flock 9 &&
		cp "$MAPDRV_TOP"/scripts/bench/remap-baseline/{Kbuild,mapdrv_remap.c} "$remap_dir/" &&
		rm -f "$remap_dir"/*.o "$remap_dir"/*.ko &&
		make -C "$KDIR" M="$remap_dir" W=1 \
			${CROSS_COMPILE:+ARCH="$KBUILD_ARCH" CROSS_COMPILE="$CROSS_COMPILE"} modules >"$remap_dir/build.log" 2>&1 &&
		cp "$remap_dir/mapdrv_remap.ko" "$remap_ko"
) 9>"$MAPDRV_BUILD/.build.lock" || { cat "$remap_dir/build.log" >&2; die "mapdrv_remap.ko: build failed"; }
! grep -E 'warning:|error:' "$remap_dir/build.log" >&2 || die "mapdrv_remap.ko: not warning-free (W=1)"

# What the guest cannot see for itself: the emulator and the host.
# The QEMU command may carry options: split it into words, on purpose.
read -r -a qemu < <(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/vm/fetch-qemu.sh" "$arch")
qemu_version=$("${qemu[@]}" --version 2>/dev/null | sed -n '1s/^QEMU emulator version //p')
host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
machine="QEMU ${qemu_version:-?}, -cpu ${MAPDRV_CPU:-max}, $smp vCPUs, $mem MiB"
[ "$clock" = instructions ] && machine+=", -icount shift=0"
machine+="; host ${host_cpu:-?}, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg) at start"

for f in bench.txt "${files[@]}" vm/output.log; do rm -f "$out/$f"; done
args="-q --clock $clock --reps $reps --size $size --out /tmp --machine $(sq "$machine")"
[ -n "$curves" ] && args+=" --curve-sizes $curves --curve-reps ${MAPDRV_BENCH_CURVE_REPS:-1}"
vm_files=(-f "$bin:/root/bin/mapdrv-bench" -f "$remap_ko:/lib/modules/mapdrv_remap.ko")
if [ -n "${MAPDRV_BENCH_GATE:-}" ]; then
	[ -f "$MAPDRV_BENCH_GATE" ] || die "no baseline $MAPDRV_BENCH_GATE (make bench-baseline)"
	vm_files+=(-f "$MAPDRV_BENCH_GATE:/root/bench-baseline.json")
	args+=" --gate /root/bench-baseline.json"
fi
profile=
[ "${MAPDRV_BENCH_PROFILE:-0}" = 1 ] &&
	profile="mapdrv-bench --profile --profile-depth 0 -s $size >/tmp/profile.txt || rc=\$?"

# Runs in the guest (busybox sh). Progress is off (-q): output.log is only
# shown once the guest has ended anyway.
guest_script="insmod /lib/modules/mapdrv_remap.ko size=$module_size || exit 125
mapdrv-bench $args ${MAPDRV_BENCH_ARGS:-}
rc=\$?
$profile
for f in ${files[*]}; do
	[ -f /tmp/\$f ] || continue
	echo \"MAPDRV-BENCH-FILE \$f \$(md5sum < /tmp/\$f | cut -d' ' -f1)\"
	cat /tmp/\$f
	echo MAPDRV-BENCH-END
done
exit \$rc"

log "mapdrv-bench: $((size >> 20)) MiB, $reps repetitions, $clock clock, kernel $kernel${curves:+, curves $curves}"
set +e
# norandmaps: the same addresses on every boot, so that where a small
# mapping falls against a page-table boundary does not change its cost.
"$MAPDRV_TOP/scripts/vm/run.sh" -q -k "$kernel" -p "size=$module_size" -m "$mem" -s "$smp" -t 2400 \
	-a norandmaps \
	-o "$vm_out" "${vm_files[@]}" -- "$guest_script"
rc=$?
set -e
log=$vm_out/output.log
[ -f "$log" ] || die "no guest output (run.sh exit $rc)"

# The files, each between its marker lines, checked against its MD5.
for f in "${files[@]}"; do
	want=$(sed -n "s/^MAPDRV-BENCH-FILE $f \([0-9a-f]*\)\$/\1/p" "$log" | tail -n 1)
	[ -n "$want" ] || continue
	awk -v f="$f" '
		$0 == "MAPDRV-BENCH-END" { on = 0 }
		on { print }
		$1 == "MAPDRV-BENCH-FILE" && $2 == f { on = 1 }
	' "$log" >"$out/$f"
	got=$(md5sum <"$out/$f" | cut -d' ' -f1)
	if [ "$got" != "$want" ]; then
		rm -f "$out/$f"
		log "error: $f came back damaged from the guest (MD5 $got, expected $want)"
		[ "$rc" -eq 0 ] && rc=1
	fi
done

# The table: everything else the guest printed.
awk '
	/^MAPDRV-BENCH-FILE / { skip = 1; next }
	/^MAPDRV-BENCH-END$/ { skip = 0; next }
	/^MAPDRV-VM-/ || skip { next }
	{ print }
' "$log" | sed "s|^wrote /tmp/bench.json, /tmp/bench.svg and gate.json\$|wrote $out/bench.{json,svg} and gate.json|" \
	>"$out/bench.txt"
cat "$out/bench.txt"

if [ "$rc" -ne 0 ]; then
	log "mapdrv-bench failed (exit $rc); console: $vm_out/console.log"
	exit "$rc"
fi
for f in bench.json bench.svg gate.json; do
	[ -s "$out/$f" ] || die "the guest did not produce $f"
done
log "table: $out/bench.txt, data: $out/bench.json, chart: $out/bench.svg"
