#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of mapdrv's test guest (scripts/vm/run.sh writes its settings to
# /etc/mapdrv-vm.conf): mount the basics, load the module, run the command
# with its output on the second console ($MAPDRV_OUT: ttyS1 on x86), write
# the files asked for (run.sh -O) to the files disk as a tar archive, check
# the taint flags, print the status line on the output console, power off.
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

# insmod_extra NAME...: the kernel package's modules run.sh copied, in order.
insmod_extra() {
	for m in "$@"; do
		insmod "/lib/modules/extra/$m.ko" || echo "guest: insmod $m failed"
	done
}

# The output console's driver, where it is a module (virtio_console on
# s390x). The port becomes a console from a work item, some time after
# insmod, and /dev/hvc0 opens a little before the driver can send through it:
# what is written in between is dropped. Wait until its debugfs file says
# the port is a console and connected (both are set after that window).
if [ -n "$MAPDRV_CONSOLE_MODULES" ]; then
	# shellcheck disable=SC2086 # a list of module names, one a word
	insmod_extra $MAPDRV_CONSOLE_MODULES
	tries=0
	until cat /sys/kernel/debug/virtio-ports/* 2>/dev/null |
		grep -q 'guest_connected: 1' || [ "$tries" -ge 200 ]; do
		sleep 0.05
		tries=$((tries + 1))
	done
	cat /sys/kernel/debug/virtio-ports/* 2>/dev/null | grep -q 'is_console: yes' ||
		echo "guest: the virtio console port is not ready after $tries tries"
fi
# A failed redirection of a special built-in such as ':' would end this
# shell, and the guest with it: test in a subshell.
if ! (: >"$MAPDRV_OUT") 2>/dev/null; then
	echo "guest: cannot write to $MAPDRV_OUT: no status for the host"
	poweroff -f
fi
exec >"$MAPDRV_OUT" 2>&1
stty -F "$MAPDRV_OUT" -onlcr 2>/dev/null

status=0
if [ "$MAPDRV_LOAD" = 1 ] && ! eval insmod "$MAPDRV_KO" "$MAPDRV_PARAMS"; then
	echo "guest: insmod $MAPDRV_KO $MAPDRV_PARAMS failed"
	status=125
fi
if [ "$status" = 0 ]; then
	cd /root && sh -c "$MAPDRV_CMD"
	status=$?
fi

# The files out: symbolic links to them in one folder, archived with tar -h
# onto the files disk (the only disk), which run.sh unpacks on the host.
if [ -n "$MAPDRV_OUT_FILES" ]; then
	# shellcheck disable=SC2086 # module names and absolute paths, one a word
	insmod_extra $MAPDRV_DISK_MODULES
	mkdir -p /tmp/.mapdrv-out
	for f in $MAPDRV_OUT_FILES; do
		f=${f%/}
		[ -e "$f" ] && ln -s "$f" "/tmp/.mapdrv-out/${f##*/}"
	done
	tries=0
	until [ -b /dev/vda ] || [ "$tries" -ge 100 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	if [ ! -b /dev/vda ]; then
		echo "guest: no files disk (/dev/vda): the files stay in the guest"
		[ "$status" = 0 ] && status=122
	elif [ -n "$(ls -A /tmp/.mapdrv-out)" ] && ! tar -chf /dev/vda -C /tmp/.mapdrv-out .; then
		echo "guest: writing the files to /dev/vda failed"
		[ "$status" = 0 ] && status=122
	fi
	sync
fi

# Taint bits other than 12 (out-of-tree) and 13 (unsigned) are failures:
# W (warning), D (oops), B (bad page) and the like.
taint=$(cat /proc/sys/kernel/tainted)
if [ $((taint & ~12288)) -ne 0 ]; then
	echo "MAPDRV-VM-TAINT: kernel tainted $taint"
	[ "$status" = 0 ] && status=120
fi
# The last line through a descriptor of its own, after the others are
# closed: closing a serial port waits until its output is sent.
exec >/dev/console 2>&1
# On a line of its own even if the command's last line had no newline.
printf '\nMAPDRV-VM-EXIT %s\n' "$status" >"$MAPDRV_OUT"
sync
# QEMU ends under -no-reboot.
poweroff -f
