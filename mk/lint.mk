# SPDX-License-Identifier: GPL-2.0
#
# make lint: every lint gate (scripts/lint/lint.sh: checkpatch --strict, sparse with
# W=1, the VM loop's W=1 build, shellcheck, clang-tidy and cppcheck on the
# C++ tools, the uapi header as C and C++ with static_asserts on its layout,
# modinfo and the docs). It installs what it needs first (scripts/deps.sh base
# lint), builds the tools, man pages and completions, and fails on any
# finding not waived in scripts/lint/waivers.txt (each waiver with its reason).
#   make lint LINT_CHECKS="checkpatch sparse"   a subset

LINT_CHECKS ?=

.PHONY: lint

lint:
	scripts/deps.sh base lint
	$(MAKE) tools man completion
	MAPDRV_VERSION='$(VERSION)' MAPDRV_LINT_TOOLS='$(MAPDRV_TOOLS)' scripts/lint/lint.sh $(LINT_CHECKS)

.PHONY: clean-lint
clean: clean-lint
clean-lint:
	rm -rf $(BUILD)/lint
