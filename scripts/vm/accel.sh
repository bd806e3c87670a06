#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# accel.sh VMLINUZ: print the QEMU accelerator to use, "kvm" or "tcg".
# /dev/kvm may exist and still not work (a guest that hangs after "Booting
# from ROM"), so KVM is used only if a probe boot of VMLINUZ with it reaches
# the kernel's own messages; the answer is cached in build/vm/accel.
# MAPDRV_ACCEL=tcg|kvm overrides the probe.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

if [ -n "${MAPDRV_ACCEL:-}" ]; then
	echo "$MAPDRV_ACCEL"
	exit 0
fi
cache=$MAPDRV_BUILD/vm/accel
if [ -f "$cache" ]; then
	cat "$cache"
	exit 0
fi
mkdir -p "$(dirname "$cache")"
accel=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	probe=$MAPDRV_BUILD/vm/accel-probe.log
	# shellcheck disable=SC2086 # a command with options
	(timeout -k 2 15 ${MAPDRV_QEMU:-qemu-system-x86_64} -accel kvm -cpu host -m 256 \
		-nodefaults -display none -no-reboot -kernel "$1" \
		-append "console=ttyS0 panic=-1" -serial "file:$probe" \
		</dev/null >/dev/null 2>&1) 2>/dev/null || true
	grep -q 'Linux version' "$probe" 2>/dev/null && accel=kvm
fi
echo "$accel" >"$cache"
echo "$accel"
