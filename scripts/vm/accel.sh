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
	rm -f "$probe"
	# In a shell of its own whose stderr goes nowhere: a QEMU that aborts
	# (-cpu host where KVM cannot set an MSR) is that shell's news to
	# report (the "; exit 0" keeps bash from exec-ing it), and it is expected.
	# shellcheck disable=SC2016 # the inner shell expands its own arguments
	bash -c 'timeout -k 2 15 $1 -accel kvm -cpu host -m 256 -nodefaults -display none \
		-no-reboot -kernel "$2" -append "console=ttyS0 panic=-1" -serial "file:$3"; exit 0' \
		probe "${MAPDRV_QEMU:-qemu-system-x86_64}" "$1" "$probe" </dev/null >/dev/null 2>&1 || true
	if grep -q 'Linux version' "$probe" 2>/dev/null; then
		accel=kvm
	else
		log "KVM does not boot a guest here: using TCG (cached in $cache)"
	fi
fi
echo "$accel" >"$cache"
echo "$accel"
