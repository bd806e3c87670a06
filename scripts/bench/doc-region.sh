#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# doc-region.sh: the region of docs/bench.md that make bench-baseline
# writes, between its marker lines; the one home of its form, for the
# writer (scripts/bench/docs.sh) and the check (scripts/lint/bench-doc.sh).
#   doc-region.sh write DOC RUN_DIGEST BODY   replace DOC's region with BODY
#   doc-region.sh body DOC                    print the region's BODY
#   doc-region.sh digests DOC                 print "RUN_DIGEST BODY_DIGEST"
#                                             as its digest line has them
# The region: the begin marker, a blank line, the digest line (the sha256
# of the run's bench.json and of BODY), a blank line, BODY, a blank line,
# the end marker. Exit status 1 if DOC has no such region.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
help_from_header "$0" "${1:-}"

begin='<!-- bench-figures: make bench-baseline writes what follows, from one run: edit nothing up to the end marker -->'
end='<!-- bench-figures end -->'
digest_re='^<!-- bench\.json sha256 ([0-9a-f]{64}), these figures sha256 ([0-9a-f]{64}) -->$'

region() {
	awk -v begin="$begin" -v end="$end" '
		$0 == begin { inside = 1; n++; next }
		$0 == end { inside = 0; e++; next }
		inside { print }
		END { if (n != 1 || e != 1) exit 1 }
	' "$1"
}

cmd=${1:?usage: doc-region.sh write|body|digests DOC ...}
doc=${2:?usage: doc-region.sh $cmd DOC ...}
case "$cmd" in
write)
	run=${3:?run digest} body=${4?body}
	region "$doc" >/dev/null || die "$doc: no bench-figures marker lines (one of each)"
	sum=$(printf '%s\n' "$body" | sha256sum | cut -c1-64)
	# BODY through the environment: awk -v would expand backslashes.
	line="<!-- bench.json sha256 $run, these figures sha256 $sum -->" body=$body \
		awk -v begin="$begin" -v end="$end" '
		$0 == begin { print; print ""; print ENVIRON["line"]; print ""; print ENVIRON["body"]; print ""; skip = 1; next }
		$0 == end { skip = 0 }
		!skip { print }
	' "$doc" >"$doc.tmp"
	mv "$doc.tmp" "$doc"
	;;
body)
	# Lines 4 to the one before last: after the digest line, before the blank.
	# Not through $(...), which would drop the region's last, blank line.
	region "$doc" | sed -n '4,$p' | sed '$d'
	;;
digests)
	r=$(region "$doc") || exit 1
	line=$(printf '%s\n' "$r" | sed -n 2p)
	[[ $line =~ $digest_re ]] || exit 1
	echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
	;;
*) die "doc-region.sh: no command '$cmd' (write, body, digests)" ;;
esac
