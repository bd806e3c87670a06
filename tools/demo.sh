#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh [KERNEL]: the main job. Build the module and mapdrv-read, boot a
# Debian kernel (default 6.1) in QEMU, insmod with dyndbg=+p and the trace
# events on, run mapdrv-read over the whole buffer, show its summary, the
# per-fault dmesg trace and the trace events, unload, and exit with the
# reader's status.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

kernel=${1:-${KERNEL:-6.1}}
"$MAPDRV_TOP/tools/deps.sh"
make -s -C "$MAPDRV_TOP" tools

# Runs in the guest (busybox sh).
# shellcheck disable=SC2016 # the guest's shell expands it
guest_script='t=/sys/kernel/tracing
echo 1 > $t/events/mapdrv/enable
echo "=== mapdrv-read (the whole buffer, every word checked) ==="
mapdrv-read
rc=$?
echo 0 > $t/events/mapdrv/enable
echo
echo "=== dmesg: per-fault trace from dev_dbg (insmod ... dyndbg=+p) ==="
dmesg | grep "mapdrv" | grep -v "mapdrv: fault:"
dmesg | grep "mapdrv: fault:" | head -n 5
echo "   ..."
dmesg | grep "mapdrv: fault:" | tail -n 3
echo "($(dmesg | grep -c "mapdrv: fault:") fault lines in dmesg)"
echo
echo "=== tracefs: events/mapdrv (first and last events) ==="
grep -v "^#" $t/trace | head -n 4
echo "   ..."
grep -v "^#" $t/trace | tail -n 3
echo
echo "=== sysfs: /sys/class/misc/mapdrv ==="
for f in size seed faults mappings; do
	printf "%-9s %s\n" "$f" "$(cat /sys/class/misc/mapdrv/$f)"
done
echo
echo "=== rmmod mapdrv ==="
rmmod mapdrv || rc=1
dmesg | tail -n 1
exit $rc
'
"$MAPDRV_TOP/tools/vm/run.sh" -k "$kernel" -p "dyndbg=+p" -a "log_buf_len=4M" \
	-o "$MAPDRV_BUILD/demo" -f "$MAPDRV_BUILD/bin/mapdrv-read:/root/bin/mapdrv-read" \
	-- "$guest_script"
