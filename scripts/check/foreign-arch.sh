#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# foreign-arch.sh [KERNEL...]: make check-foreign-arch. Fetching and building
# must not depend on the host's dpkg architectures. On a host where
# `dpkg --add-architecture i386` (or arm64) was run, apt's private state used
# to download linux-kbuild for each of them and unpack them over each other:
# "fixdep: Exec format error".
#
# That host is simulated without touching this one: apt asks
# `dpkg --print-foreign-architectures` which architectures are enabled, dpkg
# reads them from <admindir>/arch, and an APT_CONFIG file passes
# DPkg::Options::=--admindir=<a scratch directory> whose arch file lists
# i386 and arm64. The script first checks the simulation works (plain apt
# then wants i386 and arm64 indexes), then fetches each KERNEL (default: 6.1,
# the host's architecture, and arm64, a cross build) into a scratch build
# directory and builds the module for it (W=1). Exit 0 only if all built.
# Only the probe and the fetch see that APT_CONFIG: the build installs what
# it lacks (a cross compiler) into this system, with this system's dpkg
# database. Under the simulation dpkg would unpack them here and record them
# in the scratch database, so scripts/deps.sh refuses to install under an
# APT_CONFIG that gives dpkg another --admindir.
# MAPDRV_FOREIGN_ARCHS: the architectures to simulate (default "i386 arm64").
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(6.1 arm64)
read -r -a foreign <<<"${MAPDRV_FOREIGN_ARCHS:-i386 arm64}"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/mapdrv-foreign-arch.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/dpkg"
printf '%s\n' "$MAPDRV_HOST_ARCH" "${foreign[@]}" >"$scratch/dpkg/arch"
: >"$scratch/dpkg/status"
printf 'DPkg::Options:: "--admindir=%s";\n' "$scratch/dpkg" >"$scratch/apt.conf"
simulated() { APT_CONFIG=$scratch/apt.conf "$@"; }
seen=$(dpkg --admindir="$scratch/dpkg" --print-foreign-architectures | tr '\n' ' ')
log "simulated foreign architectures: $seen(the host's: $(dpkg --print-foreign-architectures | tr '\n' ' '))"

# The simulation must bite: apt without a pinned architecture list asks for
# the foreign architectures' indexes.
probe=$scratch/probe
mkdir -p "$probe/lists/partial" "$probe/state" "$probe/cache"
: >"$probe/state/status"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR bookworm main" \
	>"$probe/sources.list"
uris=$(simulated apt-get -o "Dir::Etc::SourceList=$probe/sources.list" -o Dir::Etc::SourceParts=/dev/null \
	-o "Dir::State=$probe/state" -o "Dir::State::Lists=$probe/lists" \
	-o "Dir::State::status=$probe/state/status" -o "Dir::Cache=$probe/cache" \
	-o Debug::NoLocking=1 --print-uris update)
for a in "${foreign[@]}"; do
	grep -q "binary-$a/" <<<"$uris" ||
		die "the simulation does not work: apt does not ask for binary-$a"
done

export MAPDRV_BUILD=$scratch/build
fails=0
for k in "${kernels[@]}"; do
	if env_file=$(simulated "$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" "$k") &&
		ko=$("$MAPDRV_TOP/scripts/kernel/build-module.sh" "$env_file"); then
		log "kernel $k: fetched and built with foreign architectures $seen-> $ko"
		echo "ok kernel $k"
	else
		log "FAIL: kernel $k with foreign architectures $seen"
		echo "not ok kernel $k"
		fails=$((fails + 1))
	fi
done
echo "$((${#kernels[@]} - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
