# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for mapdrv's scripts. Source it; do not run it.
# shellcheck shell=bash

MAPDRV_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAPDRV_BUILD=${MAPDRV_BUILD:-$MAPDRV_TOP/build}
MAPDRV_CACHE=${MAPDRV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mapdrv}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

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

# apt_priv SUITE ARGS...: run apt-get against a private apt state for one
# Debian suite, kept under $MAPDRV_BUILD/apt/SUITE. The system's sources and
# package state are never read or changed.
apt_priv_dir() { printf '%s/apt/%s' "$MAPDRV_BUILD" "$1"; }

apt_priv_opts() {
	local dir
	dir=$(apt_priv_dir "$1")
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
		-o "APT::Architecture=amd64" \
		-o "Acquire::Languages=none" \
		-o "Acquire::Check-Valid-Until=false" \
		-o "Debug::NoLocking=1"
}

apt_priv_init() {
	local suite=$1 dir
	dir=$(apt_priv_dir "$suite")
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/state"
	: >"$dir/state/status.tmp"
	[ -f "$dir/state/status" ] || mv "$dir/state/status.tmp" "$dir/state/status"
	rm -f "$dir/state/status.tmp"
	local comp="main"
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s %s\n' \
		"$DEBIAN_MIRROR" "$suite" "$comp" >"$dir/sources.list"
	# Refresh the lists at most once a day.
	if [ -z "$(find "$dir/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null)" ]; then
		log "apt update ($suite, private state in $dir)"
		local opts
		mapfile -t opts < <(apt_priv_opts "$suite")
		apt-get -q "${opts[@]}" update >"$dir/update.log" 2>&1 ||
			{ cat "$dir/update.log" >&2; die "apt-get update failed for $suite"; }
	fi
}

apt_priv() {
	local suite=$1 opts
	shift
	mapfile -t opts < <(apt_priv_opts "$suite")
	apt-get -q "${opts[@]}" "$@"
}

apt_cache_priv() {
	local suite=$1 opts
	shift
	mapfile -t opts < <(apt_priv_opts "$suite")
	apt-cache "${opts[@]}" "$@"
}

# apt_priv_fetch SUITE DESTDIR PKG...: download packages into DESTDIR.
apt_priv_fetch() {
	local suite=$1 dest=$2
	shift 2
	mkdir -p "$dest"
	(cd "$dest" && apt_priv "$suite" download "$@" >/dev/null) ||
		die "could not download from $suite: $*"
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
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" 2>/dev/null | tail -n 1)
	[ -n "$line" ] || { echo "0 1 0"; return 0; }
	echo "$line" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/' |
		awk '{ print $1, $2, ($3 == "" ? 0 : $3) }'
}
