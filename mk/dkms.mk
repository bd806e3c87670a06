# SPDX-License-Identifier: GPL-2.0
#
# DKMS (dkms.conf at the top):
#   make dkms-src [DESTDIR=...]   the sources DKMS builds from, laid out in
#                                 $(DESTDIR)/usr/src/mapdrv-$(VERSION)
#   make dkms-install [KERNELRELEASE=...]   dkms-src, then dkms add, build and
#                                 install for that kernel (default: the running
#                                 one); later kernels get it by AUTOINSTALL
#   make dkms-uninstall           dkms remove --all, and the sources
#   make dkms-check               the whole cycle against Debian 12's kernel
#                                 headers and dkms 3.0.10, then again in a
#                                 trixie chroot (dkms 3.2, 6.12 headers),
#                                 loading nothing (CI runs it)
# dkms-install and dkms-uninstall change the system: run them as root.

DKMS ?= dkms
DKMS_SRCDIR := /usr/src/mapdrv-$(VERSION)
# What kbuild needs: Kbuild, the module's sources and the uapi header.
DKMS_FILES = dkms.conf $(MODULE_SOURCES)

.PHONY: dkms-src dkms-install dkms-uninstall dkms-check

## dkms-src (package): the sources DKMS builds from, in DESTDIR/usr/src/mapdrv-VERSION
dkms-src:
	@grep -qx 'PACKAGE_VERSION="$(VERSION)"' dkms.conf || \
		{ echo "dkms.conf: PACKAGE_VERSION is not $(VERSION)" >&2; exit 1; }
	rm -rf '$(DESTDIR)$(DKMS_SRCDIR)'
	for f in $(DKMS_FILES); do \
		install -D -m 0644 "$$f" "$(DESTDIR)$(DKMS_SRCDIR)/$$f" || exit 1; \
	done

## dkms-install (package): dkms add, build and install for KERNELRELEASE (root)
dkms-install:
	@[ -z '$(DESTDIR)' ] || { echo 'dkms-install acts on this system: use dkms-src for DESTDIR' >&2; exit 1; }
	$(MAKE) dkms-src DESTDIR=
	$(DKMS) status -m mapdrv -v $(VERSION) | grep -q . || $(DKMS) add mapdrv/$(VERSION)
	$(DKMS) install mapdrv/$(VERSION) $(if $(KERNELRELEASE),-k $(KERNELRELEASE))

## dkms-uninstall (package): dkms remove --all, and the sources (root)
dkms-uninstall:
	@[ -z '$(DESTDIR)' ] || { echo 'dkms-uninstall acts on this system' >&2; exit 1; }
	if $(DKMS) status -m mapdrv -v $(VERSION) | grep -q .; then \
		$(DKMS) remove mapdrv/$(VERSION) --all; fi
	rm -rf '$(DKMS_SRCDIR)'

DKMS_CHECK_SUITES ?= trixie
## dkms-check (test): the DKMS cycle against Debian 12's and trixie's headers, loading nothing
dkms-check:
	MAPDRV_VERSION=$(VERSION) scripts/check/dkms-check.sh
	for s in $(DKMS_CHECK_SUITES); do \
		MAPDRV_VERSION=$(VERSION) scripts/check/dkms-check.sh --chroot $$s || exit 1; done

.PHONY: clean-dkms
clean: clean-dkms
clean-dkms:
	rm -rf $(BUILD)/dkms-check $(BUILD)/dkms-check-*
