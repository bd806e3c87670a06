# SPDX-License-Identifier: GPL-2.0
#
# make check-foreign-arch: fetching kernels and building the module must not
# depend on the host's dpkg foreign architectures (scripts/check/foreign-arch.sh
# simulates `dpkg --add-architecture i386 arm64` without touching the host,
# then fetches and builds for 6.1 and arm64 in a scratch build directory).
#   make check-foreign-arch FOREIGN_ARCH_KERNELS="6.1 arm64 s390x"

FOREIGN_ARCH_KERNELS ?= 6.1 arm64

.PHONY: check-foreign-arch

## check-foreign-arch (test): kernel fetch and module build with foreign dpkg architectures simulated
check-foreign-arch:
	scripts/check/foreign-arch.sh $(FOREIGN_ARCH_KERNELS)
