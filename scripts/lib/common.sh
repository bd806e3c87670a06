# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for mapdrv's scripts. Source it; do not run it.
# shellcheck shell=bash

MAPDRV_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAPDRV_BUILD=${MAPDRV_BUILD:-$MAPDRV_TOP/build}
MAPDRV_CACHE=${MAPDRV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mapdrv}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The security suites (bookworm-security, trixie-security) are an archive of
# their own, beside the main one on Debian's mirrors.
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-$DEBIAN_MIRROR-security}

# help_from_header SCRIPT [ARG]: if ARG is -h or --help, print SCRIPT's
# header comment (from its fourth line to `set -e`) and exit 0.
help_from_header() {
	case "${2:-}" in -h | --help)
		sed -n '4,/^set -e/{/^#/s/^# \{0,1\}//p}' "$1"
		exit 0
		;;
	esac
}

log() { printf '[mapdrv] %s\n' "$*" >&2; }
die() { printf '[mapdrv] error: %s\n' "$*" >&2; exit 1; }

# The architecture of this machine's packages (and of the tools that run here).
MAPDRV_HOST_ARCH=${MAPDRV_HOST_ARCH:-$(dpkg --print-architecture 2>/dev/null || echo amd64)}
# shellcheck source=scripts/lib/arch.sh
. "$MAPDRV_TOP/scripts/lib/arch.sh"

# apt_priv SPEC ARGS...: run apt-get against a private apt state for one
# Debian suite and one architecture, SPEC = SUITE or SUITE:ARCH (default: the
# host's), kept under $MAPDRV_BUILD/apt/ARCH/SUITE. The system's sources and
# package state are never read or changed, and the host's dpkg architectures
# do not leak in: APT::Architectures would otherwise default to every
# architecture `dpkg --add-architecture` enabled, and a package asked for by
# name would come in each of them (linux-kbuild of i386 unpacked over the
# amd64 one: "fixdep: Exec format error"; scripts/check/foreign-arch.sh
# tests it).
apt_priv_suite() { printf '%s' "${1%%:*}"; }
apt_priv_arch() {
	case "$1" in
	*:*) printf '%s' "${1#*:}" ;;
	*) printf '%s' "$MAPDRV_HOST_ARCH" ;;
	esac
}
apt_priv_dir() { printf '%s/apt/%s/%s' "$MAPDRV_BUILD" "$(apt_priv_arch "$1")" "$(apt_priv_suite "$1")"; }

apt_priv_opts() {
	local dir arch
	dir=$(apt_priv_dir "$1")
	arch=$(apt_priv_arch "$1")
	printf '%s\n' \
		-o "Dir::Etc::SourceList=$dir/sources.list" \
		-o "Dir::Etc::SourceParts=/dev/null" \
		-o "Dir::Etc::Preferences=/dev/null" \
		-o "Dir::Etc::PreferencesParts=/dev/null" \
		-o "Dir::State=$dir/state" \
		-o "Dir::State::Lists=$dir/lists" \
		-o "Dir::State::status=$dir/state/status" \
		-o "Dir::Cache=$dir/cache" \
		-o "APT::Sandbox::User=root" \
		-o "APT::Architecture=$arch" \
		-o "APT::Architectures=$arch" \
		-o "Acquire::Languages=none" \
		-o "Acquire::Check-Valid-Until=false" \
		-o "Debug::NoLocking=1"
}

apt_priv_init() {
	local spec=$1 dir
	dir=$(apt_priv_dir "$spec")
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/state"
	: >"$dir/state/status.tmp"
	[ -f "$dir/state/status" ] || mv "$dir/state/status.tmp" "$dir/state/status"
	rm -f "$dir/state/status.tmp"
	local comp="main" mirror=$DEBIAN_MIRROR
	case "$(apt_priv_suite "$spec")" in *-security) mirror=$DEBIAN_SECURITY_MIRROR ;; esac
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s %s\n' \
		"$mirror" "$(apt_priv_suite "$spec")" "$comp" >"$dir/sources.list"
	# Refresh the lists at most once a day.
	if [ -z "$(find "$dir/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null)" ]; then
		log "apt update ($spec, private state in $dir)"
		local opts
		mapfile -t opts < <(apt_priv_opts "$spec")
		apt-get -q "${opts[@]}" update >"$dir/update.log" 2>&1 ||
			{ cat "$dir/update.log" >&2; die "apt-get update failed for $spec"; }
	fi
}

apt_priv() {
	local spec=$1 opts
	shift
	mapfile -t opts < <(apt_priv_opts "$spec")
	apt-get -q "${opts[@]}" "$@"
}

apt_cache_priv() {
	local spec=$1 opts
	shift
	mapfile -t opts < <(apt_priv_opts "$spec")
	apt-cache "${opts[@]}" "$@"
}

# apt_priv_fetch SPEC DESTDIR PKG...: download packages into DESTDIR.
apt_priv_fetch() {
	local spec=$1 dest=$2
	shift 2
	mkdir -p "$dest"
	(cd "$dest" && apt_priv "$spec" download "$@" >/dev/null) ||
		die "could not download from $spec: $*"
}

# elf_machine FILE: the e_machine field of an ELF file (62 for x86-64), or
# nothing: tells whether a program was built for this machine.
elf_machine() {
	local m
	m=$(od -An -t u2 -j 18 -N 2 "$1" 2>/dev/null | tr -d ' ')
	[ -n "$m" ] && printf '%s\n' "$m"
}

# arch_deps ARCH: the scripts/deps.sh groups a guest of ARCH needs.
arch_deps() {
	if [ "$1" = "$MAPDRV_HOST_ARCH" ]; then
		echo base
	else
		echo "base cross-$1"
	fi
}

# guest_tools KERNEL TARGET...: what a guest of KERNEL needs on the host:
# the packages of its architecture (scripts/deps.sh), then make TARGET...
# (tools, tests) built for it; prints the folder holding their bin/ and
# tests/ (arch_out_dir).
guest_tools() {
	local kernel=$1 arch groups
	shift
	arch=$("$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" --arch "$kernel") || return 1
	read -r -a groups <<<"$(arch_deps "$arch")"
	"$MAPDRV_TOP/scripts/deps.sh" "${groups[@]}" >&2 || return 1
	make -s -C "$MAPDRV_TOP" "$@" MAPDRV_ARCH="$arch" >&2 || return 1
	arch_out_dir "$arch"
}

# arch_out_dir ARCH: where `make tools tests MAPDRV_ARCH=ARCH` puts its bin/
# and tests/: $MAPDRV_BUILD itself for the host's architecture.
arch_out_dir() {
	if [ "$1" = "$MAPDRV_HOST_ARCH" ]; then
		printf '%s\n' "$MAPDRV_BUILD"
	else
		printf '%s/%s\n' "$MAPDRV_BUILD" "$1"
	fi
}

# tap_counts FILE: "passed failed skipped" over the kselftest TAP in FILE,
# binary by binary (scripts/vm/guest/tests.sh ends each with a line
# "MAPDRV-TEST <name> exit=<status>"): a binary that died or lost test
# cases counts as failed even if it printed no "not ok".
tap_counts() {
	awk '
		/^1\.\.[0-9]+$/ { planned = substr($0, 4) + 0; seen = 0; next }
		/^ok [0-9]+ .*# SKIP/ { skipped++; seen++; next }
		/^ok [0-9]+ / { passed++; seen++; next }
		/^not ok [0-9]+ / { failed++; seen++; next }
		/^MAPDRV-TEST / {
			if (seen < planned) failed += planned - seen
			if ($3 != "exit=0" && bad_before == failed) failed++
			bad_before = failed; planned = 0; seen = 0
		}
		END { printf "%d %d %d\n", passed, failed, skipped }
	' "$1"
}

# summary_counts FILE: "passed failed skipped" from the last summary line
# "N passed, N failed[, N skipped]" in FILE; "0 1 0" when there is none (a
# run that printed no summary failed).
summary_counts() {
	local line
	# || true: under pipefail a log without the line (a build that failed
	# before the run) ended the caller here, before it could count it.
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" 2>/dev/null | tail -n 1 || true)
	[ -n "$line" ] || { echo "0 1 0"; return 0; }
	echo "$line" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/' |
		awk '{ print $1, $2, ($3 == "" ? 0 : $3) }'
}

# chroot_mount DIR / chroot_umount DIR: /proc, /sys and /dev for package
# scripts in a chroot (update-initramfs, dkms); chroot_umount is safe to call
# twice and when nothing is mounted.
chroot_mount() {
	local d=$1
	mountpoint -q "$d/proc" || mount -t proc proc "$d/proc"
	mountpoint -q "$d/sys" || mount -t sysfs sysfs "$d/sys"
	mountpoint -q "$d/dev" || mount --bind /dev "$d/dev"
	mountpoint -q "$d/dev/pts" || mount --bind /dev/pts "$d/dev/pts"
}
chroot_umount() {
	local d=$1 m
	for m in dev/pts dev sys proc; do
		if mountpoint -q "$d/$m" 2>/dev/null; then umount "$d/$m" 2>/dev/null || umount -l "$d/$m"; fi
	done
}

# in_chroot DIR CMD...: CMD in the chroot DIR with a clean environment.
in_chroot() {
	local d=$1
	shift
	chroot "$d" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive "$@"
}

# find_splat FILE...: 0 (and the splat, with context, on stderr) if a guest
# console or output log in FILE holds a kernel splat or a bad taint report
# (MAPDRV-VM-TAINT); 1 if they are clean. Kernel reports start a message:
# "[ t] WARNING: CPU: ...", "BUG: KASAN: ...", lockdep's "WARNING: possible
# circular locking ...". Informational lines that merely contain the word
# (RETBleed: WARNING: ...) do not count. The VM runners' exit status for a
# splat is 120.
# SPLAT_RE: find_splat's pattern (grep -E), for whoever looks for a splat.
SPLAT_RE='(^|\] )(WARNING:|BUG:|kernel BUG at|Oops|general protection fault|Kernel panic|'
SPLAT_RE+='INFO: task .* blocked|watchdog: BUG: soft lockup|Watchdog detected hard LOCKUP)|'
SPLAT_RE+='KASAN|kmemleak: [0-9]+ new suspected|Bad page|Call Trace:|MAPDRV-VM-TAINT'
find_splat() {
	grep -Eqs "$SPLAT_RE" "$@" || return 1
	grep -Ehs -B2 -A20 "$SPLAT_RE" "$@" | head -n 60 >&2
	return 0
}

# vm_verdict QEMU_RC TIMEOUT CONSOLE OUTPUT: the VM runner's verdict on one
# boot, in this order: a hang (QEMU killed by timeout after TIMEOUT s: return
# 124), a splat in CONSOLE or OUTPUT (120), no "MAPDRV-VM-EXIT N" line in
# OUTPUT or a QEMU that did not end by the guest's poweroff (121: QEMU exits
# 0 then, and after a panic too, so only the line tells). Otherwise print the
# guest's N and return 0.
vm_verdict() {
	local qemu_rc=$1 timeout_s=$2 console=$3 output=$4 status
	if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
		log "FAIL: the guest hung: no exit within ${timeout_s}s (console: $console)"
		tail -n 20 "$console" >&2
		return 124
	fi
	if find_splat "$console" "$output"; then
		log "FAIL: kernel splat in the guest console ($console)"
		return 120
	fi
	status=$(sed -n 's/^MAPDRV-VM-EXIT \([0-9]*\)$/\1/p' "$output" | tail -n 1)
	if [ -z "$status" ] || [ "$qemu_rc" -ne 0 ]; then
		log "FAIL: the guest ended without a status (QEMU exit $qemu_rc; console: $console)"
		tail -n 20 "$console" >&2
		return 121
	fi
	echo "$status"
}
