# SPDX-License-Identifier: GPL-2.0
#
# Installation, like any other out-of-tree driver:
#   make install [DESTDIR=...] [PREFIX=/usr/local] [KDIR=... | KERNELRELEASE=...]
#                [MODSIGN_KEY=key.pem MODSIGN_CERT=cert.der]
#   make uninstall (same variables)
# install = install-module install-tools install-data install-dev:
#   install-module  mapdrv.ko with kbuild's modules_install into
#                   $(DESTDIR)/lib/modules/<release>/$(INSTALL_MOD_DIR), then
#                   depmod -a <release> (not under a DESTDIR: its index would
#                   hold mapdrv alone; run depmod where the files land).
#                   MODSIGN_KEY and MODSIGN_CERT: sign it with that key
#                   (a PEM file or a pkcs11: URI) and certificate (DER or
#                   PEM) through the kernel's scripts/sign-file, for Secure
#                   Boot (docs/secure-boot.md); else kbuild signs it if the
#                   kernel tree has its own key (a self-built kernel)
#   install-tools   the tools (TOOL_NAMES in the Makefile) in $(BINDIR), built in
#                   build/install-bin with CPPFLAGS, CXXFLAGS and LDFLAGS
#                   (TOOLS_FOR=install), their man pages (help2man, from
#                   --help) in man1, their bash completions
#   install-data    mapdrv(4), the udev rule (/dev/mapdrv 0660 for group
#                   mapdrv), the sysusers.d entry for that group, the
#                   commented modprobe.d example, and in $(EXAMPLESDIR) a
#                   modules-load.d example and the tracing examples; with an
#                   empty DESTDIR also the group itself (systemd-sysusers, or
#                   groupadd -r)
#   install-dev     the uapi header as $(INCLUDEDIR)/linux/mapdrv.h and
#                   mapdrv.pc in $(PKGCONFIGDIR) (pkg-config --cflags mapdrv)
# With DKMS (mk/dkms.mk) the module comes from `make dkms-install` instead:
#   make dkms-install install-tools install-data install-dev
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
# systemd-sysusers reads /usr/lib/sysusers.d; under /usr/local, make install
# names the file to it.
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DOCDIR ?= $(PREFIX)/share/doc/mapdrv
EXAMPLESDIR ?= $(DOCDIR)/examples
INCLUDEDIR ?= $(PREFIX)/include
# The header is the same on every architecture: share/, not lib/.
PKGCONFIGDIR ?= $(PREFIX)/share/pkgconfig
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

# Module signing (install-module): the key and certificate, and sign-file.
MODSIGN_KEY ?=
MODSIGN_CERT ?=
MODSIGN_HASH = $(or $(shell sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$$/\1/p' \
	'$(KDIR)/include/config/auto.conf' 2>/dev/null),sha256)
SIGN_FILE ?= $(KDIR)/scripts/sign-file

EXAMPLES_INSTALLED := packaging/modules-load.d/mapdrv.conf $(wildcard packaging/examples/*)

.PHONY: install uninstall install-module install-tools install-data install-dev \
	uninstall-module uninstall-tools uninstall-data uninstall-dev man completion

## install (package): install-module, install-tools, install-data and install-dev
install: install-module install-tools install-data install-dev

## uninstall (package): what install installed
uninstall: uninstall-module uninstall-tools uninstall-data uninstall-dev

## man (build): the man pages in build/man/
man: $(MAN1) $(MAN4)

## completion (build): the bash completions in build/completion/
completion: $(COMPLETIONS)

# A SEE ALSO line per tool but $(1), into $(2).
mapdrv_comma := ,
mapdrv_see_also = $(if $(filter-out $(1),$(TOOL_NAMES)),printf '.BR %s (1)$(mapdrv_comma)\n' \
	$(subst -,\\-,$(filter-out $(1),$(TOOL_NAMES))) >$(2),: >$(2))

# A build installs nothing: without help2man, say what is missing.
$(BUILD)/man/%.1: $(TOOL_DIR)/% packaging/man/tools.h2m
	@command -v help2man >/dev/null 2>&1 || { echo "help2man is needed for the man pages:" \
		"apt-get install help2man (or scripts/deps.sh docs)" >&2; exit 1; }
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
		-e 's|@INSTALL_MOD_DIR@|$(INSTALL_MOD_DIR)|g' -e 's|@SYSUSERSDIR@|$(SYSUSERSDIR)|g' \
		-e 's|@EXAMPLESDIR@|$(EXAMPLESDIR)|g' \
		-e '/^@TOOLS@$$/{r $@.see' -e 'd;}' $< >$@.tmp
	rm -f $@.see
	mv $@.tmp $@

$(BUILD)/completion/%: $(TOOL_DIR)/% scripts/gen-completion.sh
	@mkdir -p $(@D)
	scripts/gen-completion.sh $< >$@.tmp
	mv $@.tmp $@

# The module is built in a copy of the sources (as scripts/kernel/build-module.sh
# does), so that the tree stays clean. The kernel's signing key is used if
# it is there (a self-built kernel); distribution headers do not have it.
## install-module (package): mapdrv.ko for KDIR or KERNELRELEASE, signed with MODSIGN_KEY if set
install-module:
	@[ -f '$(KDIR)/Makefile' ] || { echo "no kernel build tree at $(KDIR): set KDIR or KERNELRELEASE" >&2; exit 1; }
	@[ -n '$(MOD_RELEASE)' ] || { echo "cannot tell the release of $(KDIR)" >&2; exit 1; }
	@mkdir -p '$(MOD_BUILD)'
	$(MAKE) module-src DEST='$(MOD_BUILD)'
	$(MAKE) -C '$(KDIR)' M='$(MOD_BUILD)' modules
ifneq ($(MODSIGN_KEY)$(MODSIGN_CERT),)
	@[ -n '$(MODSIGN_KEY)' ] && [ -n '$(MODSIGN_CERT)' ] || \
		{ echo "set both MODSIGN_KEY and MODSIGN_CERT" >&2; exit 1; }
	@[ -x '$(SIGN_FILE)' ] || { echo "no sign-file at $(SIGN_FILE): set SIGN_FILE" >&2; exit 1; }
	'$(SIGN_FILE)' '$(MODSIGN_HASH)' '$(MODSIGN_KEY)' '$(MODSIGN_CERT)' '$(MOD_BUILD)/mapdrv.ko'
	@tail -c 28 '$(MOD_BUILD)/mapdrv.ko' | grep -q '~Module signature appended~' || \
		{ echo "mapdrv.ko carries no signature after sign-file" >&2; exit 1; }
endif
	key=$$(sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$$/\1/p' '$(KDIR)/include/config/auto.conf' 2>/dev/null); \
	case "$$key" in /* | pkcs11:*) ;; *) key='$(KDIR)'/$$key ;; esac; \
	nosign=; case "$$key" in pkcs11:*) ;; *) [ -f "$$key" ] || nosign=CONFIG_MODULE_SIG_ALL= ;; esac; \
	[ -z '$(MODSIGN_KEY)' ] || nosign=CONFIG_MODULE_SIG_ALL=; \
	$(MAKE) -C '$(KDIR)' M='$(MOD_BUILD)' INSTALL_MOD_PATH='$(DESTDIR)' \
		INSTALL_MOD_DIR='$(INSTALL_MOD_DIR)' KERNELRELEASE='$(MOD_RELEASE)' \
		DEPMOD=true $$nosign modules_install
	@[ -f '$(MOD_DEST)/mapdrv.ko' ] || { echo "modules_install did not install $(MOD_DEST)/mapdrv.ko" >&2; exit 1; }
ifeq ($(DESTDIR),)
	$(DEPMOD) -a '$(MOD_RELEASE)'
else
	@echo "mapdrv: DESTDIR set, depmod not run: run 'depmod -a $(MOD_RELEASE)' where the files are installed"
endif

## uninstall-module (package): what install-module installed
uninstall-module:
	@[ -n '$(MOD_RELEASE)' ] || { echo "cannot tell the kernel release: set KDIR or KERNELRELEASE" >&2; exit 1; }
	rm -f '$(MOD_DEST)'/mapdrv.ko '$(MOD_DEST)'/mapdrv.ko.gz '$(MOD_DEST)'/mapdrv.ko.xz '$(MOD_DEST)'/mapdrv.ko.zst
	rmdir '$(MOD_DEST)' 2>/dev/null || true
ifeq ($(DESTDIR),)
	if [ -d '/lib/modules/$(MOD_RELEASE)' ]; then $(DEPMOD) -a '$(MOD_RELEASE)'; fi
endif
	$(call mapdrv_rmdirs,/lib/modules/$(MOD_RELEASE)/$(INSTALL_MOD_DIR))

# The installed build of the tools is build/install-bin (TOOLS_FOR=install).
## install-tools (package): the tools in BINDIR, with their man pages and completions
ifeq ($(TOOLS_FOR),install)
install-tools: $(MAPDRV_TOOLS) $(MAN1) $(COMPLETIONS)
	$(INSTALL) -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(MANDIR)/man1' '$(DESTDIR)$(BASHCOMPDIR)'
	$(INSTALL) -m 0755 $(MAPDRV_TOOLS) '$(DESTDIR)$(BINDIR)/'
	$(INSTALL) -m 0644 $(MAN1) '$(DESTDIR)$(MANDIR)/man1/'
	$(INSTALL) -m 0644 $(COMPLETIONS) '$(DESTDIR)$(BASHCOMPDIR)/'
else
install-tools:
	$(MAKE) TOOLS_FOR=install install-tools
endif

## uninstall-tools (package): what install-tools installed
uninstall-tools:
	rm -f $(foreach t,$(TOOL_NAMES),'$(DESTDIR)$(BINDIR)/$(t)' \
		'$(DESTDIR)$(MANDIR)/man1/$(t).1' '$(DESTDIR)$(BASHCOMPDIR)/$(t)')
	$(call mapdrv_rmdirs,$(BINDIR) $(MANDIR)/man1 $(BASHCOMPDIR))

## install-data (package): mapdrv(4), the udev rule, the sysusers.d and modprobe.d files, the examples
install-data: $(MAN4)
	$(INSTALL) -D -m 0644 $(MAN4) '$(DESTDIR)$(MANDIR)/man4/mapdrv.4'
	$(INSTALL) -D -m 0644 packaging/udev/60-mapdrv.rules '$(DESTDIR)$(UDEVRULESDIR)/60-mapdrv.rules'
	$(INSTALL) -D -m 0644 packaging/modprobe.d/mapdrv.conf '$(DESTDIR)$(MODPROBEDIR)/mapdrv.conf'
	$(INSTALL) -D -m 0644 packaging/sysusers.d/mapdrv.conf '$(DESTDIR)$(SYSUSERSDIR)/mapdrv.conf'
	$(INSTALL) -d '$(DESTDIR)$(EXAMPLESDIR)/modules-load.d'
	$(INSTALL) -m 0644 packaging/modules-load.d/mapdrv.conf '$(DESTDIR)$(EXAMPLESDIR)/modules-load.d/'
	$(INSTALL) -m 0644 $(wildcard packaging/examples/*) '$(DESTDIR)$(EXAMPLESDIR)/'
ifeq ($(DESTDIR),)
	if command -v systemd-sysusers >/dev/null 2>&1; then \
		systemd-sysusers '$(SYSUSERSDIR)/mapdrv.conf'; \
	else getent group $(MAPDRV_GROUP) >/dev/null || groupadd -r $(MAPDRV_GROUP); fi
	udevadm control --reload-rules 2>/dev/null || true
endif

# The group stays: files may belong to it (as Debian does for system groups).
## uninstall-data (package): what install-data installed (the group stays)
uninstall-data:
	rm -f '$(DESTDIR)$(MANDIR)/man4/mapdrv.4' '$(DESTDIR)$(UDEVRULESDIR)/60-mapdrv.rules' \
		'$(DESTDIR)$(MODPROBEDIR)/mapdrv.conf' '$(DESTDIR)$(SYSUSERSDIR)/mapdrv.conf'
	rm -f '$(DESTDIR)$(EXAMPLESDIR)/modules-load.d/mapdrv.conf' \
		$(patsubst packaging/examples/%,'$(DESTDIR)$(EXAMPLESDIR)/%',$(wildcard packaging/examples/*))
	$(call mapdrv_rmdirs,$(MANDIR)/man4 $(UDEVRULESDIR) $(MODPROBEDIR) $(SYSUSERSDIR) \
		$(EXAMPLESDIR)/modules-load.d)
ifeq ($(DESTDIR),)
	udevadm control --reload-rules 2>/dev/null || true
endif

# The header and its pkg-config file (the C example builds with
# `cc $(pkg-config --cflags mapdrv) maptest.c`).
$(BUILD)/install/mapdrv.pc: packaging/pkgconfig/mapdrv.pc.in VERSION Makefile $(wildcard mk/*.mk)
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
		-e 's|@VERSION@|$(VERSION)|g' $< >$@.tmp
	mv $@.tmp $@

## install-dev (package): <linux/mapdrv.h> and mapdrv.pc
install-dev: $(BUILD)/install/mapdrv.pc
	$(INSTALL) -D -m 0644 include/uapi/linux/mapdrv.h '$(DESTDIR)$(INCLUDEDIR)/linux/mapdrv.h'
	$(INSTALL) -D -m 0644 $(BUILD)/install/mapdrv.pc '$(DESTDIR)$(PKGCONFIGDIR)/mapdrv.pc'

## uninstall-dev (package): what install-dev installed
uninstall-dev:
	rm -f '$(DESTDIR)$(INCLUDEDIR)/linux/mapdrv.h' '$(DESTDIR)$(PKGCONFIGDIR)/mapdrv.pc'
	$(call mapdrv_rmdirs,$(INCLUDEDIR)/linux $(PKGCONFIGDIR))

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
