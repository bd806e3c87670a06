#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# manifest.sh TARGET OUTPUT_LOG: hold a run of the suite (the guest's
# output, as scripts/vm/guest/tests.sh prints it) to tests/manifest, the
# binaries and case counts that TARGET (a kernel of scripts/check/check.sh:
# 5.10, 6.1, 6.12, sid, debug, or another architecture's) must show. Fails,
# with one line per difference, when a binary is missing or not in the
# manifest, plans or reports another number of cases, skips other than the
# manifest says, or skips a case after one of its expectations failed (the
# harness's "file:line:test:Expected ..." diagnostic before an "ok ... #
# SKIP": the 6.1 harness reports such a test as skipped). Prints
# "manifest: TARGET: N binaries, N cases as expected" when all is well.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

target=${1:?usage: manifest.sh TARGET OUTPUT_LOG}
log=${2:?usage: manifest.sh TARGET OUTPUT_LOG}
manifest=${MAPDRV_MANIFEST:-$MAPDRV_TOP/tests/manifest}
[ -r "$manifest" ] || die "no manifest $manifest"
[ -r "$log" ] || die "no output log $log"

# What the manifest wants for TARGET: "BINARY CASES SKIPS" lines.
wanted() {
	awk -v target="$target" '
		/^[[:space:]]*(#|$)/ { next }
		$1 == "like" { like[$2] = $3; next }
		{ cases[$1, $2] = $3; skips[$1, $2] = $4; bins[$2] = 1 }
		END {
			# the chain: TARGET, what it is like, ..., default
			n = 0; t = target
			while (t != "" && !(t in seen)) { seen[t] = 1; chain[n++] = t; t = like[t] }
			chain[n++] = "default"
			for (b in bins)
				for (i = 0; i < n; i++)
					if ((chain[i], b) in cases) {
						if (cases[chain[i], b] != "-")
							print b, cases[chain[i], b], skips[chain[i], b]
						break
					}
		}' "$manifest" | sort
}

# What ran: "BINARY PLANNED PASSED FAILED SKIPPED BAD_SKIPS EXIT" lines.
ran() {
	awk '
		/^# ---- / { name = $3; planned = -1; ok = 0; nok = 0; skip = 0; bad = 0; failing = 0; next }
		/^1\.\.[0-9]+/ { planned = substr($1, 4) + 0; next }
		/^#  RUN / { failing = 0; next }
		/^# [^ ]*:[0-9]+:[^:]*:Expected / { failing = 1; next }
		/^ok [0-9]+ .*# SKIP/ { skip++; bad += failing; failing = 0; next }
		/^ok [0-9]+/ { ok++; failing = 0; next }
		/^not ok [0-9]+/ { nok++; failing = 0; next }
		/^MAPDRV-TEST / {
			sub(/^exit=/, "", $3)
			print $2, planned, ok, nok, skip, bad, $3
		}' "$log" | sort
}

bad=0 binaries=0 cases=0
complain() {
	log "manifest: $target: $*"
	bad=$((bad + 1))
}

declare -A want_cases=() want_skips=()
while read -r bin c s; do
	want_cases[$bin]=$c want_skips[$bin]=$s
done < <(wanted)
[ ${#want_cases[@]} -gt 0 ] || complain "no binary in $manifest for this target"

declare -A seen=()
while read -r bin planned ok nok skip badskip rc; do
	seen[$bin]=1
	if [ -z "${want_cases[$bin]:-}" ]; then
		complain "$bin ran but is not in tests/manifest for this target"
		continue
	fi
	binaries=$((binaries + 1)) cases=$((cases + ok + nok + skip))
	c=${want_cases[$bin]} s=${want_skips[$bin]}
	[ "$planned" = "$c" ] || complain "$bin planned $planned cases, the manifest says $c"
	[ $((ok + nok + skip)) -eq "$c" ] ||
		complain "$bin reported $((ok + nok + skip)) cases, the manifest says $c"
	[ "$skip" = "$s" ] || complain "$bin skipped $skip cases, the manifest says $s"
	[ "$badskip" -eq 0 ] || complain "$bin skipped $badskip cases after a failed expectation"
	[ "$rc" = 0 ] || [ "$nok" -gt 0 ] || complain "$bin exited $rc without a failed case"
done < <(ran)
for bin in "${!want_cases[@]}"; do
	[ -n "${seen[$bin]:-}" ] || complain "$bin did not run"
done

if [ "$bad" -gt 0 ]; then
	echo "manifest: $target: $bad difference(s) from tests/manifest"
	exit 1
fi
echo "manifest: $target: $binaries binaries, $cases cases as expected"
