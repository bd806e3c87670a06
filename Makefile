# SPDX-License-Identifier: GPL-2.0
#
# mapdrv. The module itself is built by kbuild from ./Kbuild:
#   make modules KDIR=/lib/modules/<release>/build
# (or make -C <kernel build dir> M=$PWD, as DKMS does). Everything else:
#   make help    every target, one line each, by group (mk/help.mk)
#   make demo    build, boot a Debian kernel in QEMU, load, read, show dmesg
#   make check   the kselftest suite in the VM (KERNEL=6.1 by default)
#   make check-all  the suite on each kernel scripts/kernel/kernels.tsv marks
#                check-all (x86-64 and the other architectures), one table
#   make tools   the C++ tools in build/bin;  make tests  the tests in build/tests
#   make tools tests MAPDRV_ARCH=arm64   the same cross-built, in build/arm64/
#                (arm64, ppc64el, s390x: scripts/lib/arch.sh)

# Scripts capture what some of the makes they start print (build-module.sh:
# the module's path). With make -C DIR, make would add "Entering directory"
# lines to that in every make below this one; none of them prints it.
MAKEFLAGS += --no-print-directory

# The version's one home is ./VERSION: Kbuild reads it for MODULE_VERSION,
# the tools get it from here; make lint checks dkms.conf against it.
VERSION := $(shell cat $(CURDIR)/VERSION)
KERNEL ?= 6.1
KDIR ?= /lib/modules/$(shell uname -r)/build
BUILD := $(CURDIR)/build
HARNESS_DIR := $(BUILD)/linux-source-6.1/tools/testing/selftests
HARNESS := $(HARNESS_DIR)/kselftest_harness.h

# Tools and tests for another architecture's guests: cross-built (static,
# like the native ones) into build/<arch>/{bin,tests}, so that the host's own
# build/bin and build/tests stay as they are.
# The architecture is KERNEL's (make tests KERNEL=s390x), or MAPDRV_ARCH.
HOST_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
MAPDRV_ARCH ?= $(or $(shell scripts/kernel/fetch-kernel.sh --arch '$(KERNEL)' 2>/dev/null),$(HOST_ARCH))
ifeq ($(MAPDRV_ARCH),$(HOST_ARCH))
OUT := $(BUILD)
CROSS :=
else
OUT := $(BUILD)/$(MAPDRV_ARCH)
CROSS := $(shell scripts/lib/arch.sh $(MAPDRV_ARCH) ARCH_TRIPLET)-
ifeq ($(CROSS),-)
$(error unknown MAPDRV_ARCH '$(MAPDRV_ARCH)')
endif
endif

CXX := $(CROSS)g++
# Two builds of the same C++ programs, by the same rule. By default (make
# tools) $(OUT)/bin/: static, for the test guests. With TOOLS_FOR=install
# (make install-tools, the Debian package) build/install-bin/: linked
# dynamically with the build flags of the environment, CPPFLAGS, CXXFLAGS
# and LDFLAGS as dpkg-buildflags gives them (the hardening flags), or -O2 -g.
TOOLS_FOR ?= guest
TOOL_CXXFLAGS := -std=c++20 -Wall -Wextra -Werror -pthread \
	-Iinclude/uapi -Itools/include -DMAPDRV_VERSION='"$(VERSION)"'
ifeq ($(TOOLS_FOR),install)
CXXFLAGS ?= -O2 -g
TOOL_DIR := $(BUILD)/install-bin
TOOL_FLAGS = $(CPPFLAGS) $(CXXFLAGS) $(TOOL_CXXFLAGS) $(LDFLAGS)
else ifeq ($(TOOLS_FOR),guest)
TOOL_DIR := $(OUT)/bin
TOOL_FLAGS = -O2 -g $(TOOL_CXXFLAGS) -static
else
$(error TOOLS_FOR is guest or install, not '$(TOOLS_FOR)')
endif
TEST_CC := $(CROSS)gcc
# -Wno-unused-parameter: the 6.1 harness has unused parameters of its own.
TEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -static -pthread \
	-I$(HARNESS_DIR) -Iinclude/uapi

# The programs users install: this list, nothing else. A tool's sources are
# tools/<name>.cpp, or every .cpp in tools/<name>/ (with its own headers).
TOOL_NAMES := mapdrv-read mapdrv-stress mapdrv-bench
TOOLS := $(patsubst %,$(TOOL_DIR)/%,$(TOOL_NAMES))
TOOL_HEADERS := $(wildcard tools/include/mapdrv/*.hpp) include/uapi/linux/mapdrv.h
tool_srcs = $(wildcard tools/$(1).cpp tools/$(1)/*.cpp)
# The compat test is built for 32 bits, below; every other one as is.
COMPAT_TEST_SRC := tests/mapdrv_compat32_test.c
TEST_SRCS := $(filter-out $(COMPAT_TEST_SRC),$(wildcard tests/*_test.c))
TESTS := $(patsubst tests/%.c,$(OUT)/tests/%,$(TEST_SRCS))
TEST_HEADERS := $(wildcard tests/*.h) include/uapi/linux/mapdrv.h
# Linked into every test binary, as selftests/mm/vm_util.c is. Objects stay
# out of build/tests, which is copied into the guest as it is.
TEST_UTIL := $(OUT)/test-obj/mapdrv_test_util.o

# What kbuild needs to build mapdrv.ko; `make module-src DEST=dir` copies it
# (the VM builds, the sparse lint, DKMS and make install all take it from
# here). The object list itself is in Kbuild.
MODULE_SOURCES := Kbuild VERSION LICENSE $(wildcard src/*.c src/*.h) include/uapi/linux/mapdrv.h

.PHONY: mutants all modules module-src modules_install clean distclean tools tests demo check \
	check-all deps

## all (build): make tools and make tests
all: tools tests

## modules (build): mapdrv.ko for KDIR (default: the running kernel's), by kbuild
modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

## modules_install (package): kbuild's modules_install of mapdrv.ko for KDIR
modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

## tools (build): the C++ tools in build/bin (MAPDRV_ARCH=arm64: build/arm64/bin)
tools: $(TOOLS)

## module-src (build): what kbuild needs for mapdrv.ko, copied into DEST
module-src:
	@[ -n '$(DEST)' ] || { echo 'module-src: set DEST' >&2; exit 1; }
	@for f in $(MODULE_SOURCES); do \
		install -D -m 0644 "$$f" '$(DEST)'/"$$f" || exit 1; \
	done

# The one rule for every C++ program, installed or not, in either build.
.SECONDEXPANSION:
$(TOOL_DIR)/%: $$(call tool_srcs,$$*) $$(wildcard tools/$$*/*.hpp) $(TOOL_HEADERS)
	@mkdir -p $(@D)
	$(CXX) $(TOOL_FLAGS) $(if $(wildcard tools/$*/),-Itools/$*) -o $@ $(filter %.cpp,$^)

# The plain-C example (docs/examples/), built as a user would and run in the
# guest by make check with the suite.
EXAMPLES := $(OUT)/tests/maptest

## tests (build): the kselftest binaries and the C example in build/tests
tests: $(TESTS) $(EXAMPLES)

$(OUT)/tests/%: docs/examples/%.c include/uapi/linux/mapdrv.h
	@mkdir -p $(@D)
	$(TEST_CC) -std=c11 -O2 -Wall -Wextra -Werror -pedantic -static -Iinclude/uapi -o $@ $<

$(HARNESS):
	scripts/kernel/fetch-harness.sh

$(TEST_UTIL): tests/mapdrv_test_util.c $(TEST_HEADERS)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -c -o $@ $<

$(OUT)/tests/%: tests/%.c $(TEST_UTIL) $(TEST_HEADERS) | $(HARNESS)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -o $@ $< $(TEST_UTIL)

# The ioctls through compat_ptr_ioctl(): the compat test as a 32-bit (-m32)
# binary, where the tests are built for x86-64 (gcc-12-multilib; <asm/*>
# from the multiarch directory, which Debian's gcc-multilib would link).
# -Wno-pointer-to-int-cast: the 6.1 harness prints the pointers an ASSERT
# compares through a cast to uintmax_t.
ifneq ($(filter x86_64-%,$(shell $(TEST_CC) -dumpmachine)),)
COMPAT_TEST := $(BUILD)/tests/mapdrv_compat32_test
COMPAT_CFLAGS := $(TEST_CFLAGS) -m32 -D_FILE_OFFSET_BITS=64 \
	-Wno-pointer-to-int-cast -idirafter /usr/include/x86_64-linux-gnu
TEST_UTIL_32 := $(BUILD)/test-obj/mapdrv_test_util.m32.o

tests: $(COMPAT_TEST)

$(TEST_UTIL_32): tests/mapdrv_test_util.c $(TEST_HEADERS)
	@mkdir -p $(@D)
	$(TEST_CC) $(COMPAT_CFLAGS) -c -o $@ $<

$(COMPAT_TEST): $(COMPAT_TEST_SRC) $(TEST_UTIL_32) $(TEST_HEADERS) | $(HARNESS)
	@mkdir -p $(@D)
	$(TEST_CC) $(COMPAT_CFLAGS) -o $@ $< $(TEST_UTIL_32)
endif

## deps (maintenance): the Debian packages the build and the VM loop need (scripts/deps.sh)
deps:
	scripts/deps.sh

## demo (run): boot KERNEL in QEMU, load the module, read it, show dmesg
demo:
	scripts/demo.sh $(KERNEL)

## check (test): the kselftest suite in a QEMU guest of KERNEL (default 6.1)
check:
	scripts/check/check.sh $(KERNEL)

# The suite on every kernel scripts/kernel/kernels.tsv marks check-all, x86-64
# and the other architectures; KERNELS="6.1 sid" for a subset.
KERNELS ?= $(shell scripts/kernel/kernels.sh names)
## check-all (test): the suite on every kernel of KERNELS, one table
check-all:
	scripts/check/check-all.sh $(KERNELS)

# Mutation testing: every mutant of tests/mutants.txt must be killed by the
# suite (MUTANTS="id ..." for some). Not part of CI: CONTRIBUTING says how long it takes.
## mutants (test): every mutant of tests/mutants.txt must be killed by the suite
mutants:
	scripts/check/mutants.sh $(MUTANTS)

## clean (maintenance): remove what the builds made; the downloads stay
clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		rm -rf *.o *.ko *.mod *.mod.c .*.cmd src/*.o src/.*.cmd \
			modules.order Module.symvers .tmp_versions
	rm -rf $(BUILD)/bin $(BUILD)/install-bin $(BUILD)/tests $(BUILD)/test-obj $(BUILD)/mod \
		$(BUILD)/vm $(BUILD)/check \
		$(foreach a,arm64 ppc64el s390x,$(BUILD)/$(a)/bin $(BUILD)/$(a)/tests $(BUILD)/$(a)/test-obj)

# Further targets, one concern a file (install, lint, bench, debug kernel).
include $(wildcard mk/*.mk)

# Also forgets the downloaded kernels, harness and apt state.
## distclean (maintenance): clean, and all of build/ (kernels, harness, apt state)
distclean: clean
	rm -rf $(BUILD)
