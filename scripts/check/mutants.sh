#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mutants.sh [ID...]: make mutants. Each mutant of tests/mutants.txt (a file
# of src/, one exact piece of text in it, what replaces it) is applied to a
# copy of the module's sources, built with W=1 for its kernel, and the whole
# suite runs against it in the guest (scripts/check/check.sh with that
# module). A mutant is killed when the run fails (a test, a splat, a hang);
# it survives when the suite passes. Prints a table (mutant, kernel, result,
# the first failing tests), then "N killed, N survived, N equivalent".
# Exit 0 only if every mutant not marked equivalent was killed. A mutant
# whose text is not in its file exactly once, or that does not build, is an
# error in the list and fails the run.
# Logs: build/mutants/<id>/. MAPDRV_MUTANT_TIMEOUT (default 1200 s) bounds
# one suite run: a mutant that hangs the guest is killed by that bound.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
help_from_header "$0" "${1:-}"

list=$MAPDRV_TOP/tests/mutants.txt
out=$MAPDRV_BUILD/mutants
mkdir -p "$out"

# The list as records: id, kernel, file, old, new, equivalent (may be empty),
# one a line, fields separated by the ASCII unit separator.
records() {
	awk -v US=$'\x1f' '
		function flush() {
			if (id != "") print id US kernel US file US old US new US eq
			id = ""; kernel = "6.1"; file = old = new = eq = ""
		}
		BEGIN { flush() }
		/^[[:space:]]*$/ { flush(); next }
		/^#/ { next }
		/^id: / { id = substr($0, 5); next }
		/^kernel: / { kernel = substr($0, 9); next }
		/^file: / { file = substr($0, 7); next }
		/^old: / { old = substr($0, 6); next }
		/^new: / { new = substr($0, 6); next }
		/^equivalent: / { eq = substr($0, 13); next }
		{ printf "%s:%d: unknown line: %s\n", FILENAME, NR, $0 > "/dev/stderr"; bad = 1 }
		END { flush(); exit bad }
	' "$list"
}

# apply FILE OLD NEW: replace the one occurrence of OLD in FILE by NEW.
apply() {
	OLD=$2 NEW=$3 perl -0777 -i -pe '
		my $n = () = /\Q$ENV{OLD}\E/g;
		die "found $n times, not once\n" if $n != 1;
		s/\Q$ENV{OLD}\E/$ENV{NEW}/;
	' "$1"
}

"$MAPDRV_TOP/scripts/deps.sh"
make -s -C "$MAPDRV_TOP" tools tests
mapfile -t recs < <(records)
[ ${#recs[@]} -gt 0 ] || die "no mutants in $list"
declare -A seen=()
rows=() killed=0 survived=0 equivalent=0 errors=0
for rec in "${recs[@]}"; do
	IFS=$'\x1f' read -r id kernel file old new eq <<<"$rec"
	[ -z "${seen[$id]:-}" ] || die "mutant $id is listed twice"
	seen[$id]=1
	if [ $# -gt 0 ] && [[ " $* " != *" $id "* ]]; then
		continue
	fi
	dir=$out/$id
	rm -rf "$dir"
	mkdir -p "$dir"
	make -s -C "$MAPDRV_TOP" module-src DEST="$dir/src"
	result='' detail=''
	if ! msg=$(apply "$dir/src/$file" "$old" "$new" 2>&1); then
		result=ERROR detail="$file: '$old' $msg"
	else
		diff -u "$MAPDRV_TOP/$file" "$dir/src/$file" >"$dir/mutant.diff" || true
		env_file=$("$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" "$kernel")
		if ! ko=$(MAPDRV_MODULE_SRC=$dir/src MAPDRV_MOD_DIR=$dir/mod \
			"$MAPDRV_TOP/scripts/kernel/build-module.sh" "$env_file" 2>"$dir/build.err"); then
			result=ERROR detail="does not build (W=1): $(grep -m1 -E 'error|warning' "$dir/build.err" || true)"
		fi
	fi
	if [ -z "$result" ]; then
		log "mutant $id ($kernel): $file: '$old' -> '$new'"
		set +e
		MAPDRV_KO_FILE=$ko MAPDRV_CHECK_OUT=$dir/check \
			MAPDRV_CHECK_TIMEOUT=${MAPDRV_MUTANT_TIMEOUT:-1200} \
			"$MAPDRV_TOP/scripts/check/check.sh" "$kernel" >"$dir/check.log" 2>&1
		rc=$?
		set -e
		failing=$(awk '/^not ok [0-9]+ / { sub(/^not ok [0-9]+ /, ""); printf "%s%s", (n ? ";" : ""), $0; if (++n == 3) exit }' "$dir/check.log")
		if [ "$rc" -ne 0 ]; then
			result=killed detail=${failing:-$(grep -m1 -E 'FAIL|error' "$dir/check.log" || echo "exit $rc")}
			# Killed, so not equivalent: the list's reason is wrong.
			[ -z "$eq" ] || detail="marked equivalent, yet killed: $detail"
		elif [ -n "$eq" ]; then
			result=equivalent detail=$eq
		else
			result=SURVIVED
		fi
	fi
	case "$result" in
	killed) killed=$((killed + 1)) ;;
	equivalent) equivalent=$((equivalent + 1)) ;;
	SURVIVED) survived=$((survived + 1)) ;;
	*) errors=$((errors + 1)) ;;
	esac
	rows+=("$(printf '%-28s %-9s %-10s %s' "$id" "$kernel" "$result" "${detail:0:110}")")
	log "mutant $id: $result"
done

echo
printf '%-28s %-9s %-10s %s\n' mutant kernel result "first failing tests, or why"
printf '%s\n' "${rows[@]}"
echo "(logs and each mutant's diff: $out/<mutant>/)"
summary="$killed killed, $survived survived, $equivalent equivalent"
[ "$errors" -eq 0 ] || summary+=", $errors errors in the list"
echo "$summary"
[ "$survived" -eq 0 ] && [ "$errors" -eq 0 ]
