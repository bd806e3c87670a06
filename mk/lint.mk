# SPDX-License-Identifier: GPL-2.0
#
# make lint: every lint gate (scripts/lint/lint.sh's header lists them). It
# installs what they need first (scripts/deps.sh base lint), builds the
# tools, man pages and completions, and fails on any finding not waived
# (an inline suppression with its reason, or scripts/lint/waivers.txt).
#   make lint LINT_CHECKS="checkpatch sparse"   a subset

LINT_CHECKS ?=

.PHONY: lint

## lint (lint): every lint gate (LINT_CHECKS="checkpatch sparse" for some)
lint:
	scripts/deps.sh base lint
	$(MAKE) tools man completion
	MAPDRV_VERSION='$(VERSION)' MAPDRV_LINT_TOOLS='$(MAPDRV_TOOLS)' scripts/lint/lint.sh $(LINT_CHECKS)

.PHONY: clean-lint
clean: clean-lint
clean-lint:
	rm -rf $(BUILD)/lint
