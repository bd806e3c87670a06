# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages (debian/), built with dpkg-buildpackage -b
# -us -uc in a copy of the tree, collected in build/deb/ with lintian's
# report (build/deb/lintian.log; any error fails). It installs nothing: a
# missing Build-Depends fails with dpkg-checkbuilddeps's list
# (scripts/deps.sh deb installs them, and lintian).
#   mapdrv-dkms   the module's source under /usr/src/mapdrv-$(VERSION) for DKMS
#   mapdrv-tools  the tools, man pages, completions, udev rule, sysusers.d
#                 entry and the examples
#   mapdrv-dev    <linux/mapdrv.h> and mapdrv.pc
# make check-install tests them in a booted Debian 12 (DIST=trixie: 13) under
# QEMU; make check-install-all in both, one after the other.

.PHONY: deb check-install

## deb (package): the Debian packages in build/deb/ (DIST=trixie: in a trixie chroot, build/deb-trixie/), with lintian's report
deb:
	MAPDRV_VERSION='$(VERSION)' scripts/deb.sh $(DIST)

## check-install (test): the packages installed and checked in a booted Debian 12, or DIST=trixie's 13 (QEMU, root)
check-install:
	scripts/check/check-install.sh $(DIST)

.PHONY: check-install-all
## check-install-all (test): make check-install on Debian 12 and 13, one summary line (QEMU, root)
check-install-all:
	scripts/check/check-install.sh bookworm trixie

.PHONY: autopkgtest
## autopkgtest (test): Debian's autopkgtest on the packages in a chroot testbed of Debian 12, or DIST=trixie's 13 (root)
autopkgtest:
	scripts/check/autopkgtest.sh $(DIST)

.PHONY: clean-deb
clean: clean-deb
clean-deb:
	rm -rf $(BUILD)/deb $(BUILD)/deb-* $(BUILD)/autopkgtest
