#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh [KERNEL]: the main job. Build the module and mapdrv-read, boot a
# Debian kernel (default 6.1; any KERNEL of scripts/kernel/fetch-kernel.sh,
# arm64, ppc64el, s390x included) in QEMU, insmod with dyndbg=+p and the trace
# events on, run mapdrv-read over the whole buffer, show its summary, the
# per-fault dmesg trace and the trace events, unload, and exit with the
# reader's status.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

kernel=${1:-${KERNEL:-6.1}}
bin=$(guest_tools "$kernel" tools) || die "cannot build the tools for $kernel"

"$MAPDRV_TOP/scripts/vm/run.sh" -k "$kernel" -p "dyndbg=+p" -a "log_buf_len=4M" \
	-o "$MAPDRV_BUILD/demo" -f "$bin/bin/mapdrv-read:/root/bin/mapdrv-read" \
	-f "$MAPDRV_TOP/scripts/vm/guest/demo.sh:/root/demo.sh" -- sh /root/demo.sh
