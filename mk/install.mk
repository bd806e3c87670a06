# SPDX-License-Identifier: GPL-2.0
#
# Installation, like any other out-of-tree driver:
#   make install [DESTDIR=...] [PREFIX=/usr/local] [KDIR=... | KERNELRELEASE=...]
#   make uninstall (same variables)
# install = install-module install-tools install-data:
#   install-module  mapdrv.ko with kbuild's modules_install into
#                   $(DESTDIR)/lib/modules/<release>/$(INSTALL_MOD_DIR), then
#                   depmod -a <release> (not under a DESTDIR: its index would
#                   hold mapdrv alone; run depmod where the files land)
#   install-tools   the tools (TOOL_NAMES in the Makefile) in $(BINDIR), their man pages
#                   (help2man, from --help) in man1, their bash completions
#   install-data    mapdrv(4), the udev rule (/dev/mapdrv 0660 for group
#                   mapdrv), the commented modprobe.d example; with an empty
#                   DESTDIR also the system group "mapdrv" (groupadd -r, once)
# With DKMS (mk/dkms.mk) the module comes from `make dkms-install` instead:
#   make dkms-install install-tools install-data
# Nothing is written outside $(DESTDIR) but the group (DESTDIR empty only).
# make man / make completion build the generated files in build/.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# systemd-udevd reads /usr/lib/udev/rules.d and /usr/local/lib/udev/rules.d,
# kmod /lib/modprobe.d and /usr/local/lib/modprobe.d.
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
MODPROBEDIR ?= $(PREFIX)/lib/modprobe.d
# kbuild's own default for external modules.
INSTALL_MOD_DIR ?= extra
# DEPMOD=: skips depmod.
DEPMOD ?= /sbin/depmod
MAPDRV_GROUP := mapdrv
INSTALL ?= install

# The kernel: KDIR, or KERNELRELEASE alone for /lib/modules/KERNELRELEASE/build.
ifneq ($(KERNELRELEASE),)
ifneq ($(origin KDIR),command line)
KDIR := /lib/modules/$(KERNELRELEASE)/build
endif
endif
# Its release as `uname -r` prints it. Debian's headers have the upstream
# version in include/config/kernel.release: ask utsrelease.h instead.
MOD_RELEASE = $(or $(KERNELRELEASE),$(shell sed -n \
	's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null))
MOD_BUILD = $(BUILD)/install/mod-$(MOD_RELEASE)
MOD_DEST = $(DESTDIR)/lib/modules/$(MOD_RELEASE)/$(INSTALL_MOD_DIR)

# Every installed tool: the Makefile's TOOL_NAMES.
MAPDRV_TOOLS = $(TOOLS)
MAN1 = $(patsubst %,$(BUILD)/man/%.1,$(TOOL_NAMES))
MAN4 = $(BUILD)/man/mapdrv.4
COMPLETIONS = $(patsubst %,$(BUILD)/completion/%,$(TOOL_NAMES))
# The date in the man pages: the last commit's, so that they are reproducible.
MAN_EPOCH = $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),0)

.PHONY: install uninstall install-module install-tools install-data \
	uninstall-module uninstall-tools uninstall-data man completion

install: install-module install-tools install-data

uninstall: uninstall-module uninstall-tools uninstall-data

man: $(MAN1) $(MAN4)

completion: $(COMPLETIONS)

# A SEE ALSO line per tool but $(1), into $(2).
mapdrv_comma := ,
mapdrv_see_also = $(if $(filter-out $(1),$(TOOL_NAMES)),printf '.BR %s (1)$(mapdrv_comma)\n' \
	$(subst -,\\-,$(filter-out $(1),$(TOOL_NAMES))) >$(2),: >$(2))

$(BUILD)/man/%.1: $(BUILD)/bin/% packaging/man/tools.h2m
	@command -v help2man >/dev/null 2>&1 || scripts/deps.sh docs
	@mkdir -p $(@D)
	$(call mapdrv_see_also,$*,$@.see)
	sed -e '/^@TOOLS@$$/{r $@.see' -e 'd;}' packaging/man/tools.h2m >$@.h2m
	name=$$($< --help | sed -n '1s/^$* - //p'); \
	SOURCE_DATE_EPOCH=$(MAN_EPOCH) help2man --no-info --section=1 --include=$@.h2m \
		--name="$${name:-a mapdrv tool}" --output=$@.tmp $<
	rm -f $@.see $@.h2m
	mv $@.tmp $@

$(MAN4): packaging/man/mapdrv.4 Makefile $(wildcard mk/*.mk)
	@mkdir -p $(@D)
	$(call mapdrv_see_also,,$@.see)
	sed -e 's|@VERSION@|$(VERSION)|g' \
		-e "s|@DATE@|$$(date -u -d @$(MAN_EPOCH) +%Y-%m-%d)|g" \
		-e 's|@UDEVRULESDIR@|$(UDEVRULESDIR)|g' -e 's|@MODPROBEDIR@|$(MODPROBEDIR)|g' \
		-e 's|@INSTALL_MOD_DIR@|$(INSTALL_MOD_DIR)|g' \
		-e '/^@TOOLS@$$/{r $@.see' -e 'd;}' $< >$@.tmp
	rm -f $@.see
	mv $@.tmp $@

$(BUILD)/completion/%: $(BUILD)/bin/% scripts/gen-completion.sh
	@mkdir -p $(@D)
	scripts/gen-completion.sh $< >$@.tmp
	mv $@.tmp $@

# The module is built in a copy of the sources (as scripts/kernel/build-module.sh
# does), so that the tree stays clean. The kernel's signing key is used if
# it is there (a self-built kernel); distribution headers do not have it.
install-module:
	@[ -f '$(KDIR)/Makefile' ] || { echo "no kernel build tree at $(KDIR): set KDIR or KERNELRELEASE" >&2; exit 1; }
	@[ -n '$(MOD_RELEASE)' ] || { echo "cannot tell the release of $(KDIR)" >&2; exit 1; }
	@mkdir -p '$(MOD_BUILD)'
	$(MAKE) --no-print-directory module-src DEST='$(MOD_BUILD)'
	$(MAKE) -C '$(KDIR)' M='$(MOD_BUILD)' modules
	key=$$(sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$$/\1/p' '$(KDIR)/include/config/auto.conf' 2>/dev/null); \
	case "$$key" in /* | pkcs11:*) ;; *) key='$(KDIR)'/$$key ;; esac; \
	nosign=; case "$$key" in pkcs11:*) ;; *) [ -f "$$key" ] || nosign=CONFIG_MODULE_SIG_ALL= ;; esac; \
	$(MAKE) -C '$(KDIR)' M='$(MOD_BUILD)' INSTALL_MOD_PATH='$(DESTDIR)' \
		INSTALL_MOD_DIR='$(INSTALL_MOD_DIR)' KERNELRELEASE='$(MOD_RELEASE)' \
		DEPMOD=true $$nosign modules_install
	@[ -f '$(MOD_DEST)/mapdrv.ko' ] || { echo "modules_install did not install $(MOD_DEST)/mapdrv.ko" >&2; exit 1; }
ifeq ($(DESTDIR),)
	$(DEPMOD) -a '$(MOD_RELEASE)'
else
	@echo "mapdrv: DESTDIR set, depmod not run: run 'depmod -a $(MOD_RELEASE)' where the files are installed"
endif

uninstall-module:
	@[ -n '$(MOD_RELEASE)' ] || { echo "cannot tell the kernel release: set KDIR or KERNELRELEASE" >&2; exit 1; }
	rm -f '$(MOD_DEST)'/mapdrv.ko '$(MOD_DEST)'/mapdrv.ko.gz '$(MOD_DEST)'/mapdrv.ko.xz '$(MOD_DEST)'/mapdrv.ko.zst
	rmdir '$(MOD_DEST)' 2>/dev/null || true
ifeq ($(DESTDIR),)
	if [ -d '/lib/modules/$(MOD_RELEASE)' ]; then $(DEPMOD) -a '$(MOD_RELEASE)'; fi
endif
	$(call mapdrv_rmdirs,/lib/modules/$(MOD_RELEASE)/$(INSTALL_MOD_DIR))

install-tools: $(MAPDRV_TOOLS) $(MAN1) $(COMPLETIONS)
	$(INSTALL) -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(MANDIR)/man1' '$(DESTDIR)$(BASHCOMPDIR)'
	$(INSTALL) -m 0755 $(MAPDRV_TOOLS) '$(DESTDIR)$(BINDIR)/'
	$(INSTALL) -m 0644 $(MAN1) '$(DESTDIR)$(MANDIR)/man1/'
	$(INSTALL) -m 0644 $(COMPLETIONS) '$(DESTDIR)$(BASHCOMPDIR)/'

uninstall-tools:
	rm -f $(foreach t,$(TOOL_NAMES),'$(DESTDIR)$(BINDIR)/$(t)' \
		'$(DESTDIR)$(MANDIR)/man1/$(t).1' '$(DESTDIR)$(BASHCOMPDIR)/$(t)')
	$(call mapdrv_rmdirs,$(BINDIR) $(MANDIR)/man1 $(BASHCOMPDIR))

install-data: $(MAN4)
	$(INSTALL) -D -m 0644 $(MAN4) '$(DESTDIR)$(MANDIR)/man4/mapdrv.4'
	$(INSTALL) -D -m 0644 packaging/udev/60-mapdrv.rules '$(DESTDIR)$(UDEVRULESDIR)/60-mapdrv.rules'
	$(INSTALL) -D -m 0644 packaging/modprobe.d/mapdrv.conf '$(DESTDIR)$(MODPROBEDIR)/mapdrv.conf'
ifeq ($(DESTDIR),)
	getent group $(MAPDRV_GROUP) >/dev/null || groupadd -r $(MAPDRV_GROUP)
	udevadm control --reload-rules 2>/dev/null || true
endif

# The group stays: files may belong to it (as Debian does for system groups).
uninstall-data:
	rm -f '$(DESTDIR)$(MANDIR)/man4/mapdrv.4' '$(DESTDIR)$(UDEVRULESDIR)/60-mapdrv.rules' \
		'$(DESTDIR)$(MODPROBEDIR)/mapdrv.conf'
	$(call mapdrv_rmdirs,$(MANDIR)/man4 $(UDEVRULESDIR) $(MODPROBEDIR))
ifeq ($(DESTDIR),)
	udevadm control --reload-rules 2>/dev/null || true
endif

# Under a DESTDIR only: remove the given directories and their parents up
# to DESTDIR while they are empty, so that uninstall leaves DESTDIR as it was.
mapdrv_destdir = $(patsubst %/,%,$(DESTDIR))
mapdrv_rmdirs = $(if $(mapdrv_destdir),@for d in $(1); do d='$(mapdrv_destdir)'$$d; \
	while [ "$$d" != '$(mapdrv_destdir)' ] && [ "$$d" != / ] && [ "$$d" != . ]; do \
		if [ -d "$$d" ]; then rmdir "$$d" 2>/dev/null || break; fi; d=$$(dirname "$$d"); \
	done; done)

.PHONY: clean-install
clean: clean-install
clean-install:
	rm -rf $(BUILD)/man $(BUILD)/completion $(BUILD)/install
