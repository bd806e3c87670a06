#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# file-list.sh [ROOT]: every path of the system at ROOT (default /), one a
# line, sorted, as "/path": what make check-install compares before the
# packages are installed (on the host, ROOT the image's tree) and after
# apt purge (in the guest). Left out: what changes on any running system
# whatever is installed (logs, caches, apt's and dpkg's state, systemd's
# state, /tmp; /etc/.updated and /var/.updated, systemd-update-done's stamps,
# written at a boot after /usr changed), and DKMS's own signing key
# (/var/lib/dkms/mok.*, made by dkms at its first signing and kept, as dkms
# intends, for later modules).
root=${1:-/}
root=${root%/}
cd "$root/" || exit 1
find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o -path ./tmp \
	-o -path ./var/tmp -o -path ./var/log -o -path ./var/cache -o -path ./var/lib/apt \
	-o -path ./var/lib/dpkg -o -path ./var/lib/systemd -o -path ./var/lib/mapdrv-check \
	-o -path ./var/lib/dkms/mok.key -o -path ./var/lib/dkms/mok.pub -o -path ./lost+found \
	-o -path ./var/lib/man-db -o -path ./etc/.updated -o -path ./var/.updated \) -prune -o -print |
	sed 's|^\.||; s|^$|/|' | LC_ALL=C sort
