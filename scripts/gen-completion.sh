#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# gen-completion.sh TOOL: print a bash completion script for a mapdrv tool,
# made from the options its --help lists ("  -d, --device=PATH  ..."). The
# long and short options complete by name; the argument of an option whose
# placeholder is PATH, FILE or DIR completes as a file name, other arguments
# (numbers) do not complete. `make completion` writes one per tool in
# build/completion/, `make install` installs them.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
help_from_header "$0" "${1:-}"

tool=$1
name=$(basename "$tool")
help=$("$tool" --help)
join() { local IFS='|'; printf '%s' "$*"; }

# The options: lines of --help that start with a few spaces and an option,
# "-d, --device=PATH", "--json", "--mode=fault|around|eager", "--seed U64".
re='^ {1,8}(-([A-Za-z0-9]), )?--([A-Za-z0-9][A-Za-z0-9-]*)(\[?=([^] ]+)\]?| ([A-Z][A-Z0-9_]*))?( .*)?$'
words=() file_opts=() arg_opts=() value_cases=()
while IFS= read -r line; do
	[[ $line =~ $re ]] || continue
	short=${BASH_REMATCH[2]} long=${BASH_REMATCH[3]}
	arg=${BASH_REMATCH[5]:-${BASH_REMATCH[6]}}
	names=("--$long")
	[ -z "$short" ] || names+=("-$short")
	if [ -z "$arg" ]; then
		words+=("${names[@]}")
		continue
	fi
	words+=("--$long=")
	[ -z "$short" ] || words+=("-$short")
	case "$arg" in
	*'|'*) value_cases+=("$(join "${names[@]}")) mapfile -t COMPREPLY < <(compgen -W '${arg//|/ }' -- \"\$cur\"); return ;;") ;;
	*PATH* | *FILE* | *DIR*) file_opts+=("${names[@]}") ;;
	*) arg_opts+=("${names[@]}") ;;
	esac
done <<<"$help"
[ ${#words[@]} -gt 0 ] || { echo "gen-completion: no options found in $name --help" >&2; exit 1; }

fn=_$(printf '%s' "$name" | tr -c 'A-Za-z0-9_\n' _)
cat <<EOF
# bash completion for $name, generated from its --help by
# scripts/gen-completion.sh. Do not edit.
# shellcheck shell=bash
$fn() {
	local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} opt=
	COMPREPLY=()
	# "--opt=value": bash splits it into --opt, = and value.
	if [ "\$cur" = = ]; then
		opt=\$prev cur=
	elif [ "\$prev" = = ] && [ "\$COMP_CWORD" -ge 2 ]; then
		opt=\${COMP_WORDS[COMP_CWORD-2]}
	elif [[ \$prev == -* ]]; then
		opt=\$prev
	fi
	case "\$opt" in
EOF
[ ${#file_opts[@]} -eq 0 ] || cat <<EOF
	$(join "${file_opts[@]}"))
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "\$cur")
		return
		;;
EOF
for c in "${value_cases[@]}"; do
	printf '\t%s\n' "$c"
done
[ ${#arg_opts[@]} -eq 0 ] || cat <<EOF
	$(join "${arg_opts[@]}"))
		return
		;;
EOF
cat <<EOF
	esac
	if [[ \$cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W '${words[*]}' -- "\$cur")
		[[ \${COMPREPLY[0]-} == *= ]] && compopt -o nospace 2>/dev/null
	fi
	return 0
}
complete -F $fn $name
EOF
