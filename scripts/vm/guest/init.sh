#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of mapdrv's test guest: mount the basics, load the module, run the
# command with its output on ttyS1, check the taint flags, then end the VM
# through the isa-debug-exit device with the command's status.
# shellcheck shell=dash # busybox ash; shellcheck checks it as dash
/bin/busybox --install -s /bin
export PATH=/root/bin:/bin:/sbin HOME=/root MAPDRV_KO=/lib/modules/mapdrv.ko
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# shellcheck source=/dev/null # written by run.sh into the initramfs
. /etc/mapdrv-vm.conf
# Users for tools that drop privileges by name (trinity -X).
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >/etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' >/etc/group

exec >/dev/ttyS1 2>&1
stty -F /dev/ttyS1 -onlcr 2>/dev/null

status=0
if [ "$MAPDRV_LOAD" = 1 ] && ! eval insmod "$MAPDRV_KO" "$MAPDRV_PARAMS"; then
	echo "guest: insmod $MAPDRV_KO $MAPDRV_PARAMS failed"
	status=125
fi
if [ "$status" = 0 ]; then
	cd /root && sh -c "$MAPDRV_CMD"
	status=$?
fi

# Taint bits other than 12 (out-of-tree) and 13 (unsigned) are failures:
# W (warning), D (oops), B (bad page) and the like.
taint=$(cat /proc/sys/kernel/tainted)
if [ $((taint & ~12288)) -ne 0 ]; then
	echo "MAPDRV-VM-TAINT: kernel tainted $taint"
	[ "$status" = 0 ] && status=120
fi
echo "MAPDRV-VM-EXIT $status"
sync
guest-exit "$status"
# Only if the debug-exit device is missing.
poweroff -f
