#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The reader of scripts/kernel/kernels.tsv, the one list of the kernels (see
# its header for the columns), and the reader and writer of
# scripts/kernel/kernels-tested.tsv, what the last make check-all that passed
# a kernel fetched for it (see its header). Source it after common.sh and
# call the functions, or run it:
#   kernels.sh names [--every]   the names make check-all runs by default, in
#                                the table's order (--every: all of them)
#   kernels.sh get KERNEL FIELD  one field of KERNEL's row (a name or an
#                                alias; "-" prints as nothing)
#   kernels.sh rows [FILTER...] COLUMN...   Markdown table rows, one per
#                                kernel
#   kernels.sh table [FILTER...] COLUMN...  the same under a header
# A FILTER is FIELD=VALUE or FIELD!=VALUE (check-all=yes, arch!=amd64). A
# COLUMN renders the row for a doc: name (with its aliases), arch, suite (of
# several, the one the last passing check-all took and among which),
# flavour, package (linux-image-FLAVOUR), build (on the host, or in which
# chroot), pages (16 KiB), hook (->mmap, or ->mmap_prepare +
# vm_ops->mapped), release (the kernel release that check-all passed), or
# "-", a cell the doc writes by hand (left empty here;
# scripts/lint/kernel-tables.sh keeps the doc's).

KERNELS_TSV=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kernels.tsv
KERNELS_FIELDS=(name arch suites flavour chroot pages hook check-all aliases)
KERNELS_COLUMNS=(name arch suite flavour package build pages hook release -)
KERNELS_TESTED_TSV=${KERNELS_TSV%.tsv}-tested.tsv
KERNELS_TESTED_FIELDS=(name suite version release chroot)

# kernels_load: read the table into kt_names (in order) and kt_row[NAME,FIELD]
# once, checking every row; a bad table is an error, whoever reads it. The
# functions below call it; a script that takes many fields with $(...) calls
# it first, so that the subshells do not read the file again. It reads
# kernels-tested.tsv too (kernels_tested_load).
kt_names=()
declare -A kt_row=() kt_alias=() kt_tested=()
kernels_load() {
	[ ${#kt_names[@]} -eq 0 ] || return 0
	local line n=0 f v i
	local -a cells
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		if [ "${line:0:5}" = '#name' ]; then
			[ "${line:1}" = "$(printf '%s\t' "${KERNELS_FIELDS[@]}" | sed 's/\t$//')" ] ||
				die "$KERNELS_TSV:$n: the columns are not ${KERNELS_FIELDS[*]} (update scripts/kernel/kernels.sh with them)"
			continue
		fi
		case "$line" in '#'* | '') continue ;; esac
		IFS=$'\t' read -r -a cells <<<"$line"
		[ ${#cells[@]} -eq ${#KERNELS_FIELDS[@]} ] ||
			die "$KERNELS_TSV:$n: ${#cells[@]} fields, not ${#KERNELS_FIELDS[@]} separated by tabs"
		f=${cells[0]}
		if [ -n "${kt_row[$f,name]:-}" ] || [ -n "${kt_alias[$f]:-}" ]; then
			die "$KERNELS_TSV:$n: $f is there twice"
		fi
		for i in "${!KERNELS_FIELDS[@]}"; do
			v=${cells[$i]}
			[ -n "$v" ] || die "$KERNELS_TSV:$n: an empty ${KERNELS_FIELDS[$i]} (\"-\" is none)"
			kt_row[$f,${KERNELS_FIELDS[$i]}]=$v
		done
		arch_vars "${cells[1]}" || die "$KERNELS_TSV:$n: $f: unknown architecture '${cells[1]}' (scripts/lib/arch.sh: $ARCH_ALL)"
		[[ ${cells[5]} =~ ^(4|16|64)K$ ]] || die "$KERNELS_TSV:$n: $f: pages is 4K, 16K or 64K, not '${cells[5]}'"
		[[ ${cells[6]} =~ ^(mmap|mmap_prepare)$ ]] || die "$KERNELS_TSV:$n: $f: hook is mmap or mmap_prepare, not '${cells[6]}'"
		[[ ${cells[7]} =~ ^(yes|no)$ ]] || die "$KERNELS_TSV:$n: $f: check-all is yes or no, not '${cells[7]}'"
		[ "${cells[3]}" != - ] || [ "$f" = debug ] || die "$KERNELS_TSV:$n: $f: no flavour (only debug has none)"
		if [ "${cells[8]}" != - ]; then
			for v in ${cells[8]//,/ }; do
				if [ -n "${kt_row[$v,name]:-}" ] || [ -n "${kt_alias[$v]:-}" ]; then
					die "$KERNELS_TSV:$n: the alias $v is taken"
				fi
				kt_alias[$v]=$f
			done
		fi
		kt_names+=("$f")
	done <"$KERNELS_TSV"
	[ ${#kt_names[@]} -gt 0 ] || die "$KERNELS_TSV: no kernels"
	for f in "${kt_names[@]}"; do
		[ -z "${kt_alias[$f]:-}" ] || die "$KERNELS_TSV: $f is a name and an alias of ${kt_alias[$f]}"
	done
	kernels_tested_load
}

# kernels_tested_load: kernels-tested.tsv into kt_tested[NAME,FIELD]. A line
# of a kernel the table no longer has, or from a suite its row no longer
# names, is not the row's any more: left out (and dropped by the next
# kernels_tested_write).
kernels_tested_load() {
	local line n=0 i
	local -a cells
	[ -f "$KERNELS_TESTED_TSV" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		if [ "${line:0:5}" = '#name' ]; then
			[ "${line:1}" = "$(printf '%s\t' "${KERNELS_TESTED_FIELDS[@]}" | sed 's/\t$//')" ] ||
				die "$KERNELS_TESTED_TSV:$n: the columns are not ${KERNELS_TESTED_FIELDS[*]}"
			continue
		fi
		case "$line" in '#'* | '') continue ;; esac
		IFS=$'\t' read -r -a cells <<<"$line"
		[ ${#cells[@]} -eq ${#KERNELS_TESTED_FIELDS[@]} ] ||
			die "$KERNELS_TESTED_TSV:$n: ${#cells[@]} fields, not ${#KERNELS_TESTED_FIELDS[@]} separated by tabs"
		[ -n "${kt_row[${cells[0]},name]:-}" ] || continue
		[[ ,${kt_row[${cells[0]},suites]}, == *,${cells[1]},* ]] || continue
		for i in "${!KERNELS_TESTED_FIELDS[@]}"; do
			kt_tested[${cells[0]},${KERNELS_TESTED_FIELDS[$i]}]=${cells[$i]}
		done
	done <"$KERNELS_TESTED_TSV"
}

# kernel_tested_set KERNEL SUITE VERSION RELEASE CHROOT: what a passing run
# of KERNEL fetched, for kernels_tested_write (an empty field is "-").
kernel_tested_set() {
	local k=$1 i v
	shift
	for i in 1 2 3 4; do
		v=${!i}
		kt_tested[$k,${KERNELS_TESTED_FIELDS[$i]}]=${v:--}
	done
	kt_tested[$k,name]=$k
}

# kernels_tested_write: kernels-tested.tsv from kt_tested, in the table's
# order under the file's own header (replaced whole, or not at all); 0 if it
# changed, 1 if it is the same.
kernels_tested_write() {
	local k f tmp=$KERNELS_TESTED_TSV.tmp
	local -a cells
	{
		sed -n '/^#name/q;p' "$KERNELS_TESTED_TSV"
		printf '#%s\n' "$(printf '%s\t' "${KERNELS_TESTED_FIELDS[@]}" | sed 's/\t$//')"
		for k in "${kt_names[@]}"; do
			[ -n "${kt_tested[$k,name]:-}" ] || continue
			cells=()
			for f in "${KERNELS_TESTED_FIELDS[@]}"; do cells+=("${kt_tested[$k,$f]}"); done
			printf '%s\n' "$(printf '%s\t' "${cells[@]}" | sed 's/\t$//')"
		done
	} >"$tmp"
	if cmp -s "$tmp" "$KERNELS_TESTED_TSV"; then
		rm -f "$tmp"
		return 1
	fi
	mv "$tmp" "$KERNELS_TESTED_TSV"
}

# kernel_name KERNEL: the row's name for a name or an alias; 1 if there is
# none.
kernel_name() {
	kernels_load
	if [ -n "${kt_row[$1,name]:-}" ]; then
		printf '%s\n' "$1"
	elif [ -n "${kt_alias[$1]:-}" ]; then
		printf '%s\n' "${kt_alias[$1]}"
	else
		return 1
	fi
}

# kernel_field KERNEL FIELD: one field of KERNEL's row, "-" as nothing; 1 if
# there is no such kernel.
kernel_field() {
	local k v
	kernels_load
	k=$(kernel_name "$1") || return 1
	[[ " ${KERNELS_FIELDS[*]} " == *" $2 "* ]] || die "kernels.tsv has no field '$2' (${KERNELS_FIELDS[*]})"
	v=${kt_row[$k,$2]}
	[ "$v" = - ] && v=
	printf '%s\n' "$v"
}

# kernel_names [--every]: the names check-all runs by default (--every: all).
kernel_names() {
	kernels_load
	local k
	for k in "${kt_names[@]}"; do
		[ "${1:-}" = --every ] || [ "${kt_row[$k,check-all]}" = yes ] || continue
		printf '%s\n' "$k"
	done
}

# kernel_cell KERNEL COLUMN: one cell of a doc's table (see the header).
kernel_cell() {
	local k=$1 v a out
	case "$2" in
	name)
		out="\`$k\`"
		if [ "${kt_row[$k,aliases]}" != - ]; then
			a=${kt_row[$k,aliases]}
			out+=" (or \`${a//,/\`, \`}\`)"
		fi
		;;
	arch) out=${kt_row[$k,arch]} ;;
	suite)
		v=${kt_row[$k,suites]}
		if [[ $v != *,* ]]; then
			out=$v
		elif [ -n "${kt_tested[$k,suite]:-}" ]; then
			a="the newest of"
			[[ $v == *,*,* ]] || a="the newer of"
			out=${v%,*} out="${kt_tested[$k,suite]} ($a ${out//,/, } and ${v##*,})"
		else
			out=${v%,*} out="${out//,/, } or ${v##*,}"
		fi
		;;
	flavour | package)
		v=${kt_row[$k,flavour]}
		if [ "$v" = - ]; then
			out="built from \`linux-source\`"
		elif [ "$2" = flavour ]; then
			out="\`$v\`"
		else
			out="\`linux-image-$v\`"
		fi
		;;
	build)
		v=${kt_row[$k,chroot]}
		if [ "$v" = - ]; then
			out="on the host"
		elif [ "$v" != release ]; then
			out="in a $v chroot"
		elif [ -n "${kt_tested[$k,chroot]:-}" ]; then
			out="in a ${kt_tested[$k,chroot]} chroot (the release of ${kt_tested[$k,suite]})"
		else
			out="in a chroot of the suite's release"
		fi
		;;
	pages) out="${kt_row[$k,pages]%K} KiB" ;;
	hook)
		case "${kt_row[$k,hook]}" in
		mmap) out="\`->mmap\`" ;;
		mmap_prepare) out="\`->mmap_prepare\` + \`vm_ops->mapped\`" ;;
		esac
		;;
	release)
		v=${kt_tested[$k,release]:-}
		out="not run yet"
		[ -z "$v" ] || out=${v%-"${kt_row[$k,flavour]}"}
		;;
	-) out= ;;
	*) die "unknown kernel table column '$2' (${KERNELS_COLUMNS[*]})" ;;
	esac
	printf '%s\n' "$out"
}

# kernel_column_title COLUMN: the header a new table gets for COLUMN.
kernel_column_title() {
	case "$1" in
	name) echo "\`KERNEL=\`" ;;
	package) echo "Debian package" ;;
	build) echo "module built" ;;
	hook) echo "mmap hook" ;;
	release) echo "release tested" ;;
	-) echo "" ;;
	*) echo "$1" ;;
	esac
}

# kernel_spec_error [FILTER...] COLUMN...: what is wrong with a table's
# filters and columns, or nothing.
kernel_spec_error() {
	local arg field n=0
	for arg in "$@"; do
		case "$arg" in
		*=*)
			field=${arg%%=*}
			field=${field%!}
			if [[ " ${KERNELS_FIELDS[*]} " != *" $field "* ]]; then
				echo "filter '$arg': kernels.tsv has no field '$field' (${KERNELS_FIELDS[*]})"
				return 0
			fi
			;;
		*)
			if [[ " ${KERNELS_COLUMNS[*]} " != *" $arg "* ]]; then
				echo "unknown column '$arg' (${KERNELS_COLUMNS[*]})"
				return 0
			fi
			if [ "$n" = 0 ] && [ "$arg" != name ]; then
				echo "the first column is name, not '$arg'"
				return 0
			fi
			n=$((n + 1))
			;;
		esac
	done
	[ "$n" -gt 0 ] || echo "no columns (${KERNELS_COLUMNS[*]})"
}

# kernel_select [FILTER...] [COLUMN...]: the names the filters select, in the
# table's order (the columns are ignored).
kernel_select() {
	kernels_load
	local arg k field want ok
	for k in "${kt_names[@]}"; do
		ok=1
		for arg in "$@"; do
			case "$arg" in
			*!=*) field=${arg%%!=*} want=${arg#*!=}; [ "${kt_row[$k,$field]}" != "$want" ] || ok=0 ;;
			*=*) field=${arg%%=*} want=${arg#*=}; [ "${kt_row[$k,$field]}" = "$want" ] || ok=0 ;;
			esac
		done
		[ "$ok" = 0 ] || printf '%s\n' "$k"
	done
}

# kernel_md_row CELL...: one Markdown table row.
kernel_md_row() {
	local c row='|'
	for c in "$@"; do
		if [ -n "$c" ]; then row+=" $c |"; else row+=' |'; fi
	done
	printf '%s\n' "$row"
}

# kernel_rows [FILTER...] COLUMN...: the Markdown rows of a doc's table.
kernel_rows() {
	kernels_load
	local err k c
	local -a cells
	err=$(kernel_spec_error "$@")
	[ -z "$err" ] || die "kernel table: $err"
	while read -r k; do
		cells=()
		for c in "$@"; do
			case "$c" in *=*) continue ;; esac
			cells+=("$(kernel_cell "$k" "$c")")
		done
		kernel_md_row "${cells[@]}"
	done < <(kernel_select "$@")
}

# kernel_table [FILTER...] COLUMN...: kernel_rows under a header.
kernel_table() {
	local arg sep='|'
	local -a head=()
	for arg in "$@"; do
		case "$arg" in *=*) continue ;; esac
		head+=("$(kernel_column_title "$arg")") sep+='---|'
	done
	kernel_md_row "${head[@]}"
	printf '%s\n' "$sep"
	kernel_rows "$@"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	# shellcheck source=scripts/lib/common.sh
	. "$(dirname "$0")/../lib/common.sh"
	case "${1:-}" in -h | --help)
		sed -n '4,/^$/s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	esac
	cmd=${1:-}
	[ $# -gt 0 ] && shift
	case "$cmd" in
	names) kernel_names "$@" ;;
	get)
		[ $# -eq 2 ] || die "usage: $0 get KERNEL FIELD"
		kernel_field "$1" "$2" || die "unknown KERNEL '$1' (kernels.tsv: $(kernel_names --every | paste -sd ' '))"
		;;
	rows) kernel_rows "$@" ;;
	table) kernel_table "$@" ;;
	*) die "usage: $0 names [--every] | get KERNEL FIELD | rows|table [FILTER...] COLUMN... (see --help)" ;;
	esac
fi
