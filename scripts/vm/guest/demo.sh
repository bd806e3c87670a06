#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the demo guest (busybox sh), with mapdrv loaded with dyndbg=+p:
# mapdrv-read over the whole buffer with the trace events on, then the
# per-fault dmesg lines, the events, the sysfs figures and the unload.
# scripts/demo.sh copies it in; its status is the reader's.
t=/sys/kernel/tracing
echo 1 > $t/events/mapdrv/enable
# The kernel stack of the first fault: from the CPU exception to .fault.
echo 'stacktrace:1' > $t/events/mapdrv/mapdrv_fault/trigger
echo "=== mapdrv-read (the whole buffer, every word checked) ==="
mapdrv-read
rc=$?
echo 0 > $t/events/mapdrv/enable
# Remove the trigger before rmmod: a module unloaded with a trigger still on
# one of its events makes 6.1 WARN in tracepoint_module_notify().
echo '!stacktrace:1' > $t/events/mapdrv/mapdrv_fault/trigger
echo
echo "=== dmesg: per-fault trace from dev_dbg (insmod ... dyndbg=+p) ==="
dmesg | grep "mapdrv" | grep -v "mapdrv: fault:"
dmesg | grep "mapdrv: fault:" | head -n 5
echo "   ..."
dmesg | grep "mapdrv: fault:" | tail -n 3
echo "($(dmesg | grep -c "mapdrv: fault:") fault lines in dmesg)"
echo
echo "=== tracefs: the kernel stack of the first fault (stacktrace trigger) ==="
awk '/<stack trace>/ { on = 1 } on && /^ =>/ { print } on && !/^ =>/ && !/<stack trace>/ { exit }' $t/trace
echo
echo "=== tracefs: events/mapdrv (first and last events) ==="
grep -v "^#" $t/trace | grep -v "^ =>" | grep -v "<stack trace>" | head -n 4
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
