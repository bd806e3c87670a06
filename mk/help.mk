# SPDX-License-Identifier: GPL-2.0
#
# make help: every target meant for users, one line each, by group. The
# lines are the makefiles' own: a comment right above the target's rule,
# in the Makefile or mk/*.mk,
#   ## TARGET (GROUP): what it does, in one line
# with GROUP one of HELP_GROUPS, in which order make help lists them. A
# .PHONY target is either there or in HELP_INTERNAL; make lint's make-help
# check fails one that is neither, and a line that names no .PHONY target.

HELP_GROUPS := build run test bench package lint maintenance
# Steps of other targets, not run by hand: clean's parts.
HELP_INTERNAL := clean-deb clean-dkms clean-install clean-kselftest clean-lint
HELP_MAKEFILES := Makefile $(wildcard mk/*.mk)

.PHONY: help

## help (maintenance): this list
help:
	@for g in $(HELP_GROUPS); do \
		awk -v g="$$g" '$$1 == "##" && $$3 == "(" g "):" { \
			if (!n++) printf "%s%s:\n", toupper(substr(g, 1, 1)), substr(g, 2); \
			t = $$2; $$1 = $$2 = $$3 = ""; sub(/^ +/, ""); \
			printf "  make %-20s %s\n", t, $$0 }' $(HELP_MAKEFILES); \
	done
