#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The architectures mapdrv's guests run, and everything that differs between
# them, in one table. Source it (common.sh does) and call arch_vars ARCH (a
# Debian architecture name), or run it: scripts/lib/arch.sh ARCH VAR prints
# one value (the Makefile asks it for the cross compilers' triplet).
#
#   ARCH_TRIPLET   GNU triplet of the cross tools: <triplet>-gcc, -g++
#   ARCH_KBUILD    kbuild's ARCH=
#   ARCH_QEMU      the QEMU system emulator, and ARCH_QEMU_PKG its Debian
#                  package (bookworm-backports, and Debian 12 as a fallback)
#   ARCH_MACHINE   QEMU -M with its options (empty: the default machine)
#   ARCH_CPU       QEMU -cpu under TCG
#   ARCH_CONSOLE   the kernel console (console=)
#   ARCH_OUT       the guest's device for the command's output, a second
#                  console kept free of kernel messages; ARCH_OUT_QEMU says
#                  how QEMU makes it: "serial" (a second -serial) or
#                  "virtconsole" (virtio-serial on ARCH_OUT_BUS)
#   ARCH_OUT_MODULES  the kernel modules that console needs, where Debian
#                  builds them as modules (scripts/vm/run.sh copies them,
#                  with their dependencies, and /init loads them first)
#   ARCH_DISK_DEV  QEMU's virtio-blk device on this machine's bus, and
#   ARCH_DISK_MODULES  the modules for it: the disk that carries files out
#                  of the guest (run.sh -O) or a system's root (run.sh -D)
# Every guest ends the same way: a status line, then poweroff -f, which
# ends QEMU under -no-reboot (so does a panic).
# shellcheck shell=bash

# shellcheck disable=SC2034 # the ARCH_* variables are the output, for the caller
arch_vars() {
	ARCH_MACHINE='' ARCH_CPU=max ARCH_OUT_QEMU=serial ARCH_OUT_BUS='' ARCH_OUT_MODULES=''
	ARCH_DISK_DEV=virtio-blk-pci ARCH_DISK_MODULES='virtio_pci virtio_blk'
	case "$1" in
	amd64)
		ARCH_TRIPLET=x86_64-linux-gnu ARCH_KBUILD=x86
		ARCH_QEMU=qemu-system-x86_64 ARCH_QEMU_PKG=qemu-system-x86
		ARCH_CONSOLE=ttyS0 ARCH_OUT=/dev/ttyS1
		;;
	arm64)
		# The virt board has a second PL011 (ttyAMA1) for a second
		# -serial from QEMU 9.2 on.
		ARCH_TRIPLET=aarch64-linux-gnu ARCH_KBUILD=arm64
		ARCH_QEMU=qemu-system-aarch64 ARCH_QEMU_PKG=qemu-system-arm
		ARCH_MACHINE=virt ARCH_CONSOLE=ttyAMA0 ARCH_OUT=/dev/ttyAMA1
		;;
	ppc64el)
		# Each -serial is a spapr-vty: hvc0, hvc1. The cap-* options
		# only silence QEMU's warnings that TCG cannot emulate the
		# Spectre workarounds the pseries default asks for.
		ARCH_TRIPLET=powerpc64le-linux-gnu ARCH_KBUILD=powerpc
		ARCH_QEMU=qemu-system-ppc64 ARCH_QEMU_PKG=qemu-system-ppc
		ARCH_MACHINE=pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off
		ARCH_CPU=power9 ARCH_CONSOLE=hvc0 ARCH_OUT=/dev/hvc1
		;;
	s390x)
		# The SCLP line-mode console (the only second native one) also
		# gets the boot loader's messages and must be waited for: use
		# virtio-console on the CCW bus instead.
		ARCH_TRIPLET=s390x-linux-gnu ARCH_KBUILD=s390
		ARCH_QEMU=qemu-system-s390x ARCH_QEMU_PKG=qemu-system-s390x
		ARCH_MACHINE=s390-ccw-virtio ARCH_CONSOLE=ttysclp0 ARCH_OUT=/dev/hvc0
		ARCH_OUT_QEMU=virtconsole ARCH_OUT_BUS=virtio-serial-ccw
		ARCH_OUT_MODULES=virtio_console
		ARCH_DISK_DEV=virtio-blk-ccw ARCH_DISK_MODULES=virtio_blk
		;;
	*) return 1 ;;
	esac
}

# The architectures of the table, for messages.
ARCH_ALL="amd64 arm64 ppc64el s390x"

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	[ $# -eq 2 ] || { echo "usage: $0 ARCH VAR (e.g. arm64 ARCH_TRIPLET)" >&2; exit 2; }
	arch_vars "$1" || { echo "$0: unknown architecture '$1' (known: $ARCH_ALL)" >&2; exit 1; }
	printf '%s\n' "${!2}"
fi
