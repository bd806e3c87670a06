#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [KERNEL]: make bench. Build mapdrv-bench, boot a Debian kernel
# (default $KERNEL or 6.1) in QEMU with the module loaded on a 64 MiB buffer,
# run the benchmark once (every measurement in one boot), and bring back into
# build/bench/: bench.txt (the table, also printed), bench.json and bench.svg
# (the chart). Exit status: mapdrv-bench's (0: it ran; missed targets are
# information), or run.sh's for a VM failure.
#
# Environment: MAPDRV_BENCH_SIZE (bytes, default 67108864), MAPDRV_BENCH_REPS
# (default 11), MAPDRV_BENCH_ARGS (more mapdrv-bench options, e.g.
# "--windows 16,64"), MAPDRV_CPU (QEMU -cpu, default max; see run.sh).
#
# run.sh copies files into the guest, never out of it: the guest prints
# bench.json and bench.svg between marker lines, with their MD5, and this
# script cuts them out of the guest's output.log and checks them.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

kernel=${1:-${KERNEL:-6.1}}
size=${MAPDRV_BENCH_SIZE:-67108864}
reps=${MAPDRV_BENCH_REPS:-11}
mem=2048
out=$MAPDRV_BUILD/bench
vm_out=$out/vm

# 'a b' -> a single-quoted word for the guest's sh.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

arch=$("$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" --arch "$kernel")
read -r -a groups <<<"$(arch_deps "$arch")"
"$MAPDRV_TOP/scripts/deps.sh" "${groups[@]}"
make -s -C "$MAPDRV_TOP" tools MAPDRV_ARCH="$arch"
bin=$(arch_out_dir "$arch")/bin/mapdrv-bench
[ -x "$bin" ] || die "$bin was not built"

# What the guest cannot see for itself: the emulator and the host.
# The QEMU command may carry options: split it into words, on purpose.
read -r -a qemu < <(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/vm/fetch-qemu.sh" "$arch")
qemu_version=$("${qemu[@]}" --version 2>/dev/null | sed -n '1s/^QEMU emulator version //p')
host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
machine="QEMU ${qemu_version:-?}, -cpu ${MAPDRV_CPU:-max}, 2 vCPUs, $mem MiB;"
machine+=" host ${host_cpu:-?}, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg) at start"

mkdir -p "$out"
rm -f "$out/bench.txt" "$out/bench.json" "$out/bench.svg"

# Runs in the guest (busybox sh). Progress is off (-q): output.log is only
# shown once the guest has ended anyway.
guest_script="mapdrv-bench -q --reps $reps --out /tmp --machine $(sq "$machine") \
${MAPDRV_BENCH_ARGS:-}
rc=\$?
for f in bench.json bench.svg; do
	[ -f /tmp/\$f ] || continue
	echo \"MAPDRV-BENCH-FILE \$f \$(md5sum < /tmp/\$f | cut -d' ' -f1)\"
	cat /tmp/\$f
	echo MAPDRV-BENCH-END
done
exit \$rc"

log "mapdrv-bench: $((size >> 20)) MiB, $reps repetitions, kernel $kernel (a few minutes under TCG)"
set +e
"$MAPDRV_TOP/scripts/vm/run.sh" -q -k "$kernel" -p "size=$size" -m "$mem" -t 2400 \
	-o "$vm_out" -f "$bin:/root/bin/mapdrv-bench" -- "$guest_script"
rc=$?
set -e
log=$vm_out/output.log
[ -f "$log" ] || die "no guest output (run.sh exit $rc)"

# The files, each between its marker lines, checked against its MD5.
for f in bench.json bench.svg; do
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
' "$log" | sed "s|^wrote /tmp/bench.json and /tmp/bench.svg\$|wrote $out/bench.json and $out/bench.svg|" \
	>"$out/bench.txt"
cat "$out/bench.txt"

if [ "$rc" -ne 0 ]; then
	log "mapdrv-bench failed (exit $rc); console: $vm_out/console.log"
	exit "$rc"
fi
for f in bench.json bench.svg; do
	[ -s "$out/$f" ] || die "the guest did not produce $f"
done
log "table: $out/bench.txt, data: $out/bench.json, chart: $out/bench.svg"
