# SPDX-License-Identifier: GPL-2.0
#
# make run_tests: the kselftest suite on this machine, against the module
# loaded here (not in a VM), the kselftest way (tests/Makefile: TAP 13 on
# stdout, tests/settings for the timeout, tests/config for what the kernel
# needs, exit 4 = skip without /dev/mapdrv). For a bug report from your own
# kernel (CONTRIBUTING.md says what to attach):
#   sudo modprobe mapdrv && sudo make run_tests 2>&1 | tee mapdrv-tap.txt
#   sudo make run_tests MAPDRV_KO=$(modinfo -n mapdrv)   also the load/unload tests
# The harness comes from Debian's linux-source-6.1 (build/linux-source-6.1).

KSFT_RUNNER := $(HARNESS_DIR)/kselftest/runner.sh

.PHONY: run_tests kselftest

## kselftest (build): the suite built the kselftest way, in build/kselftest/
kselftest: $(KSFT_RUNNER)
	$(MAKE) -C tests all KSFT_DIR='$(HARNESS_DIR)' OUTPUT='$(BUILD)/kselftest'

## run_tests (test): the suite on this machine, against the module loaded here (root; no VM)
run_tests: $(KSFT_RUNNER)
	$(if $(MAPDRV_KO),MAPDRV_KO='$(MAPDRV_KO)') $(MAKE) -C tests run_tests \
		KSFT_DIR='$(HARNESS_DIR)' OUTPUT='$(BUILD)/kselftest'

$(KSFT_RUNNER):
	scripts/kernel/fetch-harness.sh

.PHONY: clean-kselftest
clean: clean-kselftest
clean-kselftest:
	rm -rf $(BUILD)/kselftest
