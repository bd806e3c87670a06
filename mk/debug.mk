# SPDX-License-Identifier: GPL-2.0
#
# The sanitizer run: the suite, mapdrv-stress and trinity under a KASAN,
# lockdep and kmemleak kernel built from linux-source-6.1 (cached under
# ~/.cache/mapdrv/debug-kernel; the first build takes 10-15 minutes).

.PHONY: check-debug debug-kernel

## check-debug (test): the suite, mapdrv-stress and trinity under a KASAN, lockdep and kmemleak kernel
check-debug:
	scripts/check/check-debug.sh

## debug-kernel (build): the KASAN, lockdep and kmemleak kernel of check-debug, from linux-source-6.1
debug-kernel:
	scripts/kernel/debug/build.sh
