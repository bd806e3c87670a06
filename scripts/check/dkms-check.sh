#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-check.sh: prove that mapdrv installs with Debian 12's dkms, the way a
# user installs it, against a real Debian 12 kernel headers package (not the
# running kernel, which need not be Debian's), and loads nothing on the host:
#   1. install dkms and linux-headers-cloud-amd64 with apt-get (once);
#   2. lay the sources out in /usr/src/mapdrv-VERSION (make dkms-src);
#   3. dkms add, dkms build -k KREL, dkms install -k KREL;
#   4. check /lib/modules/KREL/updates/dkms/mapdrv.ko with modinfo (version,
#      license, description, author, every parameter, vermagic) and that
#      depmod indexed it;
#   5. check that dkms refuses a kernel older than 5.10 (exit 77);
#   6. dkms remove --all, and the sources: nothing of mapdrv is left.
# modprobe, insmod and rmmod are shadowed for dkms by stubs that fail and
# log: any call fails the check. Needs root (uses sudo otherwise).
# MAPDRV_DKMS_HEADERS overrides the headers package (e.g. linux-headers-amd64).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
help_from_header "$0" "${1:-}"

if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "dkms-check needs root"
	exec sudo -E "$0" "$@"
fi

version=${MAPDRV_VERSION:-$(sed -n 's/^VERSION := //p' "$MAPDRV_TOP/Makefile")}
mv_=mapdrv/$version
srcdir=/usr/src/mapdrv-$version
marker=$srcdir/.mapdrv-dkms-check
headers_pkg=${MAPDRV_DKMS_HEADERS:-linux-headers-cloud-amd64}
work=$MAPDRV_BUILD/dkms-check
rm -rf "$work"
mkdir -p "$work/stubs"

# shellcheck source=/dev/null
. /etc/os-release
[ "${VERSION_CODENAME:-}" = bookworm ] ||
	log "warning: this is ${PRETTY_NAME:-not Debian}, not Debian 12: the check is meant for Debian 12's dkms and headers"

"$MAPDRV_TOP/scripts/deps.sh" dkms
log "dkms $(dkms --version 2>/dev/null | sed 's/^dkms-//')"

# The headers of a real Debian kernel, from the system's apt sources.
export DEBIAN_FRONTEND=noninteractive
if ! dpkg-query -W -f='${Status}' "$headers_pkg" 2>/dev/null | grep -q 'ok installed'; then
	log "installing $headers_pkg"
	apt-get -q update >/dev/null
	apt-get -q install -y --no-install-recommends "$headers_pkg" >"$work/apt.log" 2>&1 ||
		{ cat "$work/apt.log" >&2; die "could not install $headers_pkg"; }
fi
krel=$(dpkg-query -W -f='${Depends}' "$headers_pkg" |
	tr ',' '\n' | sed -n 's/^ *linux-headers-\([0-9][^ ]*\).*/\1/p' | head -n 1)
[ -n "$krel" ] || die "cannot tell which kernel $headers_pkg is for"
[ -f "/lib/modules/$krel/build/Makefile" ] || die "no kernel headers in /lib/modules/$krel/build"
log "kernel headers: $krel (running kernel: $(uname -r))"

# Stubs: nothing may load or unload a module on this host.
for cmd in modprobe insmod rmmod; do
	cat >"$work/stubs/$cmd" <<EOT
#!/bin/sh
echo "$cmd \$*" >>"$work/loads.log"
echo "dkms-check: refusing to run $cmd \$*" >&2
exit 1
EOT
	chmod +x "$work/stubs/$cmd"
done
: >"$work/loads.log"
dkms_() { PATH="$work/stubs:$PATH" dkms "$@"; }

# A run that died half-way left its tree: clear it. A real installation of
# the same version is left alone.
if [ -d "$srcdir" ] || [ -n "$(dkms status -m mapdrv -v "$version" 2>/dev/null)" ]; then
	[ -f "$marker" ] || die "$srcdir or dkms's $mv_ exists and is not from dkms-check: remove it first (make dkms-uninstall)"
	log "removing what an earlier dkms-check left"
	dkms_ remove "$mv_" --all >/dev/null 2>&1 || true
	rm -rf "$srcdir"
fi
cleanup() {
	if [ -f "$marker" ]; then
		dkms_ remove "$mv_" --all >/dev/null 2>&1 || true
		rm -rf "$srcdir"
	fi
}
trap cleanup EXIT

make -s --no-print-directory -C "$MAPDRV_TOP" dkms-src DESTDIR= >/dev/null
touch "$marker"

step() {
	local name=$1
	shift
	log "dkms $name"
	if ! dkms_ "$@" >"$work/$name.log" 2>&1; then
		cat "$work/$name.log" >&2
		[ -f "/var/lib/dkms/$mv_/build/make.log" ] && cat "/var/lib/dkms/$mv_/build/make.log" >&2
		die "dkms $name failed"
	fi
}
step add add "$mv_"
step build build "$mv_" -k "$krel"
step install install "$mv_" -k "$krel"

# Where Debian's dkms puts it, and what modinfo says of it.
ko=$(find "/lib/modules/$krel/updates/dkms" -name 'mapdrv.ko*' 2>/dev/null | head -n 1)
[ -n "$ko" ] || die "no mapdrv.ko in /lib/modules/$krel/updates/dkms after dkms install"
log "installed: $ko"
modinfo "$ko" >"$work/modinfo.txt"
grep -E '^(filename|version|license|author|description|vermagic|signer|parm):' "$work/modinfo.txt"
bad=0
field() { modinfo -F "$1" "$ko"; }
[ "$(field version)" = "$version" ] || { log "modinfo: version is '$(field version)', not $version"; bad=1; }
[ "$(field license)" = GPL ] || { log "modinfo: license is '$(field license)'"; bad=1; }
for f in description author; do
	[ -n "$(field "$f")" ] || { log "modinfo: no $f"; bad=1; }
done
case "$(field vermagic)" in
"$krel "*) ;;
*) log "modinfo: vermagic '$(field vermagic)' is not for $krel"; bad=1 ;;
esac
# Every parameter has a description with its default.
params=$(field parm)
[ -n "$params" ] || { log "modinfo: no parameters"; bad=1; }
while IFS= read -r p; do
	case "$p" in
	*"(default "*) ;;
	*) log "modinfo: parameter without a default: $p"; bad=1 ;;
	esac
done <<<"$params"
# depmod ran: the module resolves by name for that kernel.
[ "$(modinfo -k "$krel" -n mapdrv 2>/dev/null)" = "$ko" ] ||
	{ log "depmod did not index $ko for $krel"; bad=1; }
dkms_ status -m mapdrv -v "$version" -k "$krel" | tee "$work/status.txt"
grep -q ': installed' "$work/status.txt" || { log "dkms status does not say installed"; bad=1; }

# BUILD_EXCLUSIVE: a 5.4 kernel is refused before anything is built (77).
set +e
dkms_ build "$mv_" -k 5.4.0-99-amd64 >"$work/exclusive.log" 2>&1
rc=$?
set -e
if [ "$rc" -ne 77 ]; then
	cat "$work/exclusive.log" >&2
	log "dkms build for 5.4 exited $rc, not 77 (BUILD_EXCLUSIVE)"
	bad=1
fi
# The bound itself, as dkms 3.0.10 applies it ([[ kernel =~ regex ]]).
exclusive=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$MAPDRV_TOP/dkms.conf")
for k in 5.10.0-32-cloud-amd64 5.15.0 5.99.1 6.1.0-56-cloud-amd64 7.2.13+deb14-cloud-amd64 10.0.0 \
	-5.9.16 -5.4.0-99-amd64 -5.1.0 -4.19.0-27-amd64 -3.16.0; do
	want=yes
	case "$k" in -*) want=no k=${k#-} ;; esac
	got=no
	[[ $k =~ $exclusive ]] && got=yes
	[ "$got" = "$want" ] || { log "BUILD_EXCLUSIVE_KERNEL: $k builds: $got (want $want)"; bad=1; }
done

step remove remove "$mv_" --all
[ -z "$(find "/lib/modules/$krel" -name 'mapdrv.ko*' 2>/dev/null)" ] ||
	{ log "mapdrv.ko is still under /lib/modules/$krel after dkms remove"; bad=1; }
[ ! -e "/var/lib/dkms/mapdrv/$version" ] ||
	{ log "/var/lib/dkms/mapdrv/$version is still there after dkms remove"; bad=1; }
rm -rf "$srcdir"
trap - EXIT

if [ -s "$work/loads.log" ]; then
	log "something tried to load or unload a module:"
	cat "$work/loads.log" >&2
	bad=1
fi
[ "$bad" -eq 0 ] || die "dkms-check failed (logs in $work)"
echo "dkms-check: mapdrv $version added, built, installed for $krel and removed with $(dkms --version); nothing loaded"
