# SPDX-License-Identifier: GPL-2.0
#
# mapdrv. The module itself is built by kbuild from ./Kbuild:
#   make modules KDIR=/lib/modules/<release>/build
# (or make -C <kernel build dir> M=$PWD, as DKMS does). Everything else:
#   make demo    build, boot a Debian kernel in QEMU, load, read, show dmesg
#   make check   the kselftest suite in the VM (KERNEL=6.1 by default)
#   make check-all  the suite on 5.10, 6.1, 6.12 and sid's newest kernel
#   make tools   the C++ tools in build/bin;  make tests  the tests in build/tests

VERSION := 0.1.0
KERNEL ?= 6.1
KDIR ?= /lib/modules/$(shell uname -r)/build
BUILD := $(CURDIR)/build
HARNESS_DIR := $(BUILD)/linux-source-6.1/tools/testing/selftests
HARNESS := $(HARNESS_DIR)/kselftest_harness.h

CXX := g++
CXXFLAGS := -std=c++20 -O2 -g -Wall -Wextra -Werror -static -pthread \
	-Iinclude/uapi -Itools/include -DMAPDRV_VERSION='"$(VERSION)"'
TEST_CC := gcc
# -Wno-unused-parameter: the 6.1 harness has unused parameters of its own.
TEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -static -pthread \
	-I$(HARNESS_DIR) -Iinclude/uapi

# The programs users install: this list, nothing else. A tool's sources are
# tools/<name>.cpp, or every .cpp in tools/<name>/ (with its own headers).
TOOL_NAMES := mapdrv-read mapdrv-stress mapdrv-bench
TOOLS := $(patsubst %,$(BUILD)/bin/%,$(TOOL_NAMES))
TOOL_HEADERS := $(wildcard tools/include/mapdrv/*.hpp) include/uapi/linux/mapdrv.h
tool_srcs = $(wildcard tools/$(1).cpp tools/$(1)/*.cpp)
TEST_SRCS := $(wildcard tests/*_test.c)
TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
TEST_HEADERS := $(wildcard tests/*.h) include/uapi/linux/mapdrv.h

.PHONY: all modules modules_install clean distclean tools tests demo check \
	check-all deps

all: tools tests

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

tools: $(TOOLS)

# The one rule for every C++ program, installed or not.
.SECONDEXPANSION:
$(BUILD)/bin/%: $$(call tool_srcs,$$*) $$(wildcard tools/$$*/*.hpp) $(TOOL_HEADERS)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(if $(wildcard tools/$*/),-Itools/$*) -o $@ $(filter %.cpp,$^)

tests: $(TESTS)

$(HARNESS):
	tools/fetch-harness.sh

$(BUILD)/tests/%: tests/%.c $(TEST_HEADERS) | $(HARNESS)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -o $@ $<

deps:
	tools/deps.sh

demo:
	tools/demo.sh $(KERNEL)

check:
	tools/check.sh $(KERNEL)

# The suite on every supported Debian kernel; KERNELS="6.1 sid" for a subset.
KERNELS ?= 5.10 6.1 6.12 sid
check-all:
	tools/check-all.sh $(KERNELS)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		rm -rf *.o *.ko *.mod *.mod.c .*.cmd src/*.o src/.*.cmd \
			modules.order Module.symvers .tmp_versions
	rm -rf $(BUILD)/bin $(BUILD)/tests $(BUILD)/mod $(BUILD)/vm $(BUILD)/check

# Further targets, one concern a file (install, lint, bench, debug kernel).
include $(wildcard mk/*.mk)

# Also forgets the downloaded kernels, harness and apt state.
distclean: clean
	rm -rf $(BUILD)
