#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel-tables.sh [--write] [FILE...]: hold the kernel tables of the docs
# (default: README.md, CONTRIBUTING.md, docs/*.md) to the one list,
# scripts/kernel/kernels.tsv, and to what the last passing make check-all
# of each kernel fetched, scripts/kernel/kernels-tested.tsv (read from the
# tree: no network). A table sits between two markers:
#   <!-- kernels:begin [FILTER...] COLUMN... -->
#   | header cells, one per COLUMN, as the doc words them |
#   |---|...|
#   | one row per kernel the filters select, in kernels.tsv's order |
#   <!-- kernels:end -->
# Each COLUMN's cells are what scripts/kernel/kernels.sh renders from the
# row (its header lists the filters and columns); a "-" column is the doc's
# own, written by hand and kept as it is. Findings print as
# "kernels: FILE:LINE: message" and the exit status is 1: a row missing, in
# another order or not in the list, a cell that differs from the list, a
# marker without its end, and a Markdown table outside the markers whose
# rows start with kernel names (a copy of the list kept by hand).
# --write rewrites the rows of each marked table from the list, keeping the
# "-" cells of each kernel (empty for a kernel new there); the header lines
# stay as they are.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=scripts/kernel/kernels.sh
. "$MAPDRV_TOP/scripts/kernel/kernels.sh"
help_from_header "$0" "${1:-}"

write=0
if [ "${1:-}" = --write ]; then
	write=1
	shift
fi
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$MAPDRV_TOP/README.md" "$MAPDRV_TOP/CONTRIBUTING.md" "$MAPDRV_TOP"/docs/*.md)
kernels_load

# Every name and alias, and those that are not also an architecture's name
# (a table of architectures may start its rows with arm64, s390x...).
declare -A known=() kernel_only=()
for k in "${kt_names[@]}"; do
	known[$k]=1
	arch_vars "$k" 2>/dev/null || kernel_only[$k]=1
	if [ "${kt_row[$k,aliases]}" != - ]; then
		for a in ${kt_row[$k,aliases]//,/ }; do
			known[$a]=1 kernel_only[$a]=1
		done
	fi
done

findings=0
finding() {
	[ "$write" = 1 ] || printf 'kernels: %s:%s: %s\n' "${1#"$MAPDRV_TOP"/}" "$2" "$3"
	findings=$((findings + 1))
}

# split_row LINE: the cells of a Markdown table row, trimmed, into cells
# (an escaped \| stays in its cell).
cells=()
split_row() {
	local line=${1//\\|/$'\x01'} c
	line=${line#*|}
	line=${line%|*}
	cells=()
	IFS='|' read -r -a cells <<<"$line|"
	for c in "${!cells[@]}"; do
		cells[c]=${cells[c]//$'\x01'/\\|}
		cells[c]=${cells[c]#"${cells[c]%%[![:space:]]*}"}
		cells[c]=${cells[c]%"${cells[c]##*[![:space:]]}"}
	done
}

# row_key CELL: the kernel a row is about: the first `code` in its first
# cell, or the whole cell.
row_key() {
	local c=$1
	if [[ $c =~ \`([^\`]*)\` ]]; then c=${BASH_REMATCH[1]}; fi
	printf '%s\n' "$c"
}

# check_table FILE BEGIN_LINE SPEC...: the marked table whose begin marker
# is line BEGIN_LINE (lines[] holds FILE); sets table_end to the end
# marker's index and, with --write, out_rows to the rows it should have.
out_rows=()
check_table() {
	local file=$1 at=$2 err i j k c n key line want_line
	shift 2
	local -a spec=("$@") columns=() want=() want_order=() have=() have_at=() row
	local -A doc_row=()
	table_end=-1 out_rows=()
	for ((i = at + 1; i < ${#lines[@]}; i++)); do
		if [[ ${lines[i]} == '<!-- kernels:end -->' ]]; then
			table_end=$i
			break
		fi
		[[ ${lines[i]} != '<!-- kernels:begin'* ]] || break
	done
	if [ "$table_end" -lt 0 ]; then
		finding "$file" $((at + 1)) "<!-- kernels:begin --> without its <!-- kernels:end -->"
		return 0
	fi
	err=$(kernel_spec_error "${spec[@]}")
	if [ -n "$err" ]; then
		finding "$file" $((at + 1)) "$err"
		return 0
	fi
	for c in "${spec[@]}"; do
		case "$c" in *=*) ;; *) columns+=("$c") ;; esac
	done
	if [ $((table_end - at)) -lt 3 ] || [[ ${lines[at + 2]} != '|'*'-'*'|' ]]; then
		finding "$file" $((at + 2)) "a kernel table starts with a header row and a |---| line"
		return 0
	fi
	split_row "${lines[at + 1]}"
	[ ${#cells[@]} -eq ${#columns[@]} ] ||
		finding "$file" $((at + 2)) "${#cells[@]} header cells for ${#columns[@]} columns (${columns[*]})"
	for ((i = at + 3; i < table_end; i++)); do
		split_row "${lines[i]}"
		key=$(row_key "${cells[0]:-}")
		have+=("$key") have_at+=("$i")
		doc_row[$key]=${lines[i]}
	done
	mapfile -t want < <(kernel_select "${spec[@]}")

	# The rows: the same kernels, once each, in the same order.
	local -A seen=()
	for i in "${!have[@]}"; do
		k=${have[i]}
		if [[ " ${want[*]} " != *" $k "* ]]; then
			finding "$file" $((have_at[i] + 1)) "\`$k\`: not a kernel of scripts/kernel/kernels.tsv this table selects (${spec[*]})"
		elif [ -n "${seen[$k]:-}" ]; then
			finding "$file" $((have_at[i] + 1)) "\`$k\`: a second row"
		fi
		seen[$k]=1
	done
	for k in "${want[@]}"; do
		[ -n "${doc_row[$k]+x}" ] || finding "$file" $((table_end + 1)) "\`$k\` of scripts/kernel/kernels.tsv has no row"
	done
	local -a order=()
	for k in "${have[@]}"; do
		[[ " ${want[*]} " != *" $k "* ]] || order+=("$k")
	done
	for k in "${want[@]}"; do
		[ -z "${doc_row[$k]+x}" ] || want_order+=("$k")
	done
	[ "${order[*]}" = "${want_order[*]}" ] ||
		finding "$file" $((at + 4)) "the rows are not in scripts/kernel/kernels.tsv's order (${want[*]})"

	# The cells, row by row.
	for k in "${want[@]}"; do
		row=()
		if [ -n "${doc_row[$k]+x}" ]; then
			split_row "${doc_row[$k]}"
		else
			cells=()
		fi
		for j in "${!columns[@]}"; do
			if [ "${columns[j]}" = - ]; then
				row+=("${cells[j]:-}")
			else
				row+=("$(kernel_cell "$k" "${columns[j]}")")
			fi
		done
		want_line=$(kernel_md_row "${row[@]}")
		if [ -z "${doc_row[$k]+x}" ]; then
			out_rows+=("$want_line")
			continue
		fi
		for i in "${!have[@]}"; do [ "${have[i]}" != "$k" ] || line=$((have_at[i] + 1)); done
		# A row of another width stays as it is, even with --write: which
		# of its cells are the doc's own is for a person to say.
		if [ ${#cells[@]} -ne ${#columns[@]} ]; then
			out_rows+=("${doc_row[$k]}")
			finding "$file" "$line" "\`$k\`: ${#cells[@]} cells for ${#columns[@]} columns (${columns[*]})"
			continue
		fi
		out_rows+=("$want_line")
		[ "${doc_row[$k]}" != "$want_line" ] || continue
		n=$findings
		for j in "${!columns[@]}"; do
			[ "${columns[j]}" != - ] || continue
			[ "${cells[j]}" = "${row[j]}" ] ||
				finding "$file" "$line" "\`$k\`: ${columns[j]} is '${cells[j]}', scripts/kernel/kernels.tsv gives '${row[j]}'"
		done
		[ "$n" != "$findings" ] ||
			finding "$file" "$line" "\`$k\`: spaced otherwise than '$want_line' (scripts/lint/kernel-tables.sh --write)"
	done
}

# stray_table FILE FIRST LAST: a table outside the markers (lines[FIRST]
# to lines[LAST]) whose rows start with kernel names.
stray_table() {
	local file=$1 first=$2 last=$3 i key n=0 only=0 head
	local -a names=()
	split_row "${lines[first]}"
	head=${cells[0]:-}
	for ((i = first + 1; i <= last; i++)); do
		split_row "${lines[i]}"
		key=$(row_key "${cells[0]:-}")
		[ -n "${known[$key]:-}" ] || continue
		n=$((n + 1)) names+=("$key")
		[ -z "${kernel_only[$key]:-}" ] || only=$((only + 1))
	done
	if [ "$n" -ge 2 ] && { [ "$only" -ge 2 ] || [[ ${head,,} == *kernel* ]]; }; then
		finding "$file" $((first + 1)) "a table of kernels (${names[*]}) outside <!-- kernels:begin --> <!-- kernels:end -->: mark it, so that it is checked against scripts/kernel/kernels.tsv"
	fi
}

for file in "${files[@]}"; do
	[ -f "$file" ] || die "no $file"
	mapfile -t lines <"$file"
	out=() fence=0 table_first=-1 changed=0
	for ((i = 0; i < ${#lines[@]}; i++)); do
		line=${lines[i]}
		# A table outside the markers ends at the first line not a row.
		if [ "$table_first" -ge 0 ] && [[ $line != '|'* ]]; then
			stray_table "$file" "$table_first" $((i - 1))
			table_first=-1
		fi
		if [[ $line == '```'* ]]; then
			fence=$((1 - fence))
		elif [ "$fence" = 1 ]; then
			:
		elif [[ $line =~ ^\<!--\ kernels:begin(.*)\ --\>$ ]]; then
			read -r -a spec <<<"${BASH_REMATCH[1]}"
			check_table "$file" "$i" "${spec[@]}"
			if [ "$table_end" -ge 0 ]; then
				out+=("${lines[@]:i:3}")
				if [ "$write" = 1 ] && [ "${out_rows[*]}" != "${lines[*]:i+3:table_end-i-3}" ]; then
					out+=("${out_rows[@]}")
					changed=1
				else
					out+=("${lines[@]:i+3:table_end-i-3}")
				fi
				out+=("${lines[table_end]}")
				i=$table_end
				continue
			fi
		elif [[ $line == '<!-- kernels:end -->' ]]; then
			finding "$file" $((i + 1)) "<!-- kernels:end --> without its <!-- kernels:begin -->"
		elif [[ $line == '|'* ]] && [ "$table_first" -lt 0 ]; then
			table_first=$i
		fi
		out+=("$line")
	done
	[ "$table_first" -lt 0 ] || stray_table "$file" "$table_first" $((${#lines[@]} - 1))
	if [ "$changed" = 1 ]; then
		printf '%s\n' "${out[@]}" >"$file.tmp"
		mv "$file.tmp" "$file"
		log "kernels: rewrote the kernel table rows of $file"
	fi
done
# After --write, what is left to fix by hand.
[ "$write" = 0 ] || exec "$MAPDRV_TOP/scripts/lint/kernel-tables.sh" "${files[@]}"
[ "$findings" -eq 0 ] || exit 1
log "kernels: ${#files[@]} docs agree with scripts/kernel/kernels.tsv"
