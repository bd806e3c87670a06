#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Count mapdrv's trace events (mapdrv:mapdrv_fault and the others) for one
# run of a command, default mapdrv-read, with perf (Debian: linux-perf):
#   sh mapdrv-perf-stat.sh [COMMAND [ARG...]]
# In the default mode (fault) mapdrv:mapdrv_fault equals the pages read.
# Needs root (or kernel.perf_event_paranoid=-1) and the module loaded.
[ $# -gt 0 ] || set -- mapdrv-read
exec perf stat -e 'mapdrv:*' -- "$@"
