#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# docs.sh [FILE...]: check that what the documentation names exists. Run
# from anywhere; it works on the tree it is part of, and each FILE is a path
# from the top of that tree. By default it reads README.md, CONTRIBUTING.md,
# docs/*.md and the man page packaging/man/mapdrv.4, and checks:
#   - every relative Markdown link [text](path#anchor) (and reference-style
#     [label]: path) leads to a file or directory, relative to the file it
#     is in; for a .md target (or a bare #anchor, the same file) the anchor
#     is a heading there, by GitHub's rule: lowercase, spaces to '-', every
#     character but letters, digits, '-' and '_' dropped, "-1", "-2" for
#     repeated headings; so must a section named in prose as README.md
#     ("Title") or CONTRIBUTING, "Title";
#   - every `make TARGET ...` in a code span or code block (in the man page,
#     a .B/.BR/.I line that starts with "make") names targets the Makefile
#     has, with mk/*.mk (asked of make itself: make -pRrq); a command with
#     -C or -f is another makefile's, and is not checked;
#   - every repository path in a code span or code block (in the man page,
#     anywhere) exists: a word that starts with a top-level directory of the
#     tree (src/, tools/, scripts/, ...), or a bare NAME.md. Paths under
#     build/ are outputs and are not checked; <placeholder> and * match
#     anything (a glob that must match something).
# Findings print as "docs: FILE:LINE: message"; the exit status is 1 if
# there is any, else 0 with "docs: N files clean".
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
help_from_header "$0" "${1:-}"
cd "$MAPDRV_TOP"
export LC_ALL=C

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
	files=(README.md CONTRIBUTING.md docs/*.md packaging/man/mapdrv.4)
fi

findings=0
finding() {
	printf 'docs: %s:%s: %s\n' "$1" "$2" "$3"
	findings=$((findings + 1))
}

# The top-level entries of the tree, as a regular expression for the start
# of a repository path ("src/", ".ci/", ...); build/ is left out.
if git rev-parse --show-toplevel >/dev/null 2>&1; then
	mapfile -t top_dirs < <(git ls-files | sed -n 's|^\([^/]*\)/.*|\1|p' | sort -u)
else
	mapfile -t top_dirs < <(find . -mindepth 1 -maxdepth 1 -type d ! -name build ! -name .git |
		sed 's|^\./||' | sort)
fi
top_re=$(printf '%s|' "${top_dirs[@]}" | sed 's/\./\\./g; s/|$//')

# Every target make knows, with mk/*.mk: its database, less the files it
# only considered ("# Not a target:").
declare -A targets=()
while IFS= read -r t; do
	targets[$t]=1
done < <(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -pRrq -f Makefile : 2>/dev/null |
	awk '/^# Not a target:/ { skip = 1; next }
		/^[^#\t%][^=:%]*:([^=]|$)/ && !skip { sub(/:.*/, ""); n = split($0, t, " ")
			for (i = 1; i <= n; i++) print t[i] }
		{ skip = 0 }')
[ ${#targets[@]} -gt 0 ] || die "make -pRrq listed no targets: is make installed?"

# extract FILE: what FILE names, one "LINE<TAB>KIND<TAB>VALUE" line each:
# KIND link (a relative link target), make (the words after "make", up to
# the end of the command), path (a repository path), anchor (an anchor of
# one of FILE's headings, the LINE of the heading).
extract() {
	awk -v top_re="^(\\./)?($top_re)/" -v man="$([[ $1 == *.[1-9] ]] && echo 1)" '
	function out(kind, val, line) { printf "%d\t%s\t%s\n", line, kind, val }

	# The words of S that name repository paths.
	function paths(s, line,   n, w, i, p) {
		n = split(s, w, /[^A-Za-z0-9_.*<>+@~\/-]+/)
		for (i = 1; i <= n; i++) {
			p = w[i]
			sub(/[.]+$/, "", p)
			if (p ~ top_re || (p ~ /^[A-Za-z0-9_-]+\.md$/))
				out("path", p, line)
		}
	}

	# The make commands in S, a shell command line or a code span.
	function makes(s, line,   rest) {
		# $(...) and quoted words are one word each, never a separator.
		while (gsub(/\$\([^()]*\)/, "X", s)) ;
		gsub(/"[^"]*"/, "Q", s)
		gsub(/\047[^\047]*\047/, "Q", s)
		while (match(s, /(^|[;&|(][ \t]*)(sudo[ \t]+)?make([ \t]+|$)/)) {
			rest = substr(s, RSTART + RLENGTH)
			s = rest
			if (match(rest, /[0-9]*[<>;&|)#`]/))
				rest = substr(rest, 1, RSTART - 1)
			out("make", rest, line)
		}
	}

	# GitHub anchor of heading text T.
	function slug(t,   s, i, c) {
		gsub(/`/, "", t)
		while (match(t, /\[[^]]*\]\([^)]*\)/)) {
			s = substr(t, RSTART + 1, RLENGTH)
			sub(/\]\(.*/, "", s)
			t = substr(t, 1, RSTART - 1) s substr(t, RSTART + RLENGTH)
		}
		gsub(/\*/, "", t)
		t = tolower(t)
		s = ""
		for (i = 1; i <= length(t); i++) {
			c = substr(t, i, 1)
			if (c == " ")
				s = s "-"
			else if (c ~ /[a-z0-9_-]/ || c > "\177")
				s = s c
		}
		return s
	}

	# One line of Markdown outside code blocks: code spans (which may go on
	# over the next lines of the paragraph), links, reference definitions.
	function prose(s, line,   rest, span, i, t, f) {
		rest = ""
		while (s != "") {
			i = index(s, "`")
			if (open) {
				if (!i) { span_text = span_text s " "; s = ""; break }
				span_text = span_text substr(s, 1, i - 1)
				s = substr(s, i + 1)
				open = 0
				paths(span_text, span_line)
				makes(span_text, span_line)
				rest = rest " CODE "
				continue
			}
			if (!i) { rest = rest s; break }
			rest = rest substr(s, 1, i - 1)
			s = substr(s, i + 1)
			open = 1; span_text = ""; span_line = line
		}
		s = rest
		while (match(s, /\]\([^) \t]+/)) {
			t = substr(s, RSTART + 2, RLENGTH - 2)
			s = substr(s, RSTART + RLENGTH)
			if (t !~ /^[a-z]+:/)
				out("link", t, line)
		}
		# A section named in prose: README.md ("Lint"), CONTRIBUTING, "Tests".
		s = rest
		while (match(s, /(README|CONTRIBUTING)(\.md)?,?[ \t]+\(?"[^"]+"/)) {
			t = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			f = t
			sub(/[.,( \t"].*/, "", f)
			sub(/^[^"]*"/, "", t)
			sub(/"$/, "", t)
			out("section", f ".md#" slug(t), line)
		}
		if (match(rest, /^ ? ? ?\[[^]]+\]:[ \t]+[^ \t]+/)) {
			t = rest
			sub(/^ ? ? ?\[[^]]+\]:[ \t]+/, "", t)
			sub(/[ \t].*/, "", t)
			if (t !~ /^[a-z]+:/)
				out("link", t, line)
		}
	}

	man {
		if ($0 ~ /^\.\\"/) next
		s = $0
		gsub(/\\f[BIRP]|\\&|\\c/, "", s)
		gsub(/\\-/, "-", s)
		gsub(/\\\(../, " ", s)
		paths(s, NR)
		if (match(s, /^\.(B|I|BR|BI|IR|RB|RI|IB)[ \t]+"?make[ \t]/)) {
			s = substr(s, RSTART + RLENGTH)
			sub(/".*/, "", s)
			out("make", s, NR)
		}
		next
	}
	/^ ? ? ?(```|~~~)/ {
		if (!fence) { fence = 1; lang = $0; sub(/^ *(```|~~~)[ \t]*/, "", lang) }
		else fence = 0
		open = 0
		next
	}
	fence {
		paths($0, NR)
		# A shell comment is prose: "(make deb installs nothing)".
		s = $0
		sub(/(^|[ \t])#.*/, "", s)
		if (lang != "c")
			makes(s, NR)
		next
	}
	/^[ \t]*$/ { open = 0; next }
	/^ ? ? ?#+[ \t]/ {
		open = 0
		t = $0
		sub(/^ *#+[ \t]+/, "", t)
		sub(/[ \t]+#+[ \t]*$/, "", t)
		a = slug(t)
		if (a in seen) a = a "-" seen[a]++
		else seen[a] = 1
		out("anchor", a, NR)
		prose(t, NR)
		next
	}
	/^<!--/ { next }
	{ prose($0, NR) }
	' "$1"
}

# The anchors of a Markdown file, cached: anchors[FILE] = " a b c ".
declare -A anchors=()
anchors_of() {
	if [ -z "${anchors[$1]+x}" ]; then
		anchors[$1]=" $(extract "$1" | awk -F '\t' '$2 == "anchor" { printf "%s ", $3 }')"
	fi
}

# check_make FILE LINE WORDS: each target among WORDS exists.
check_make() {
	local file=$1 line=$2 w skip_next=
	local -a words
	read -r -a words <<<"$3"
	for w in "${words[@]}"; do
		if [ -n "$skip_next" ]; then
			skip_next=
			continue
		fi
		case "$w" in
		-C* | -f* | --directory* | --file* | --makefile*) return 0 ;;
		-I | -o | -W | --include-dir | --old-file | --what-if) skip_next=1 ;;
		-*) ;;
		*=*) ;;
		*'$'* | *'<'* | *'*'* | *...* | Q | X) ;;
		*)
			[ -n "${targets[$w]+x}" ] ||
				finding "$file" "$line" "\`make $w\`: the Makefile has no target '$w'"
			;;
		esac
	done
}

# check_path FILE LINE PATH: PATH exists in the tree (a glob matches).
check_path() {
	local file=$1 line=$2 p=${3#./} g
	case "$p" in build/*) return 0 ;; esac
	if [[ $p != */* ]]; then
		# A bare NAME.md: beside the file, or at the top.
		[ -e "$(dirname "$file")/$p" ] || [ -e "$p" ] ||
			finding "$file" "$line" "'$p': no such file"
		return 0
	fi
	# <placeholder> is a glob's *.
	g=$p
	while [[ $g =~ ^(.*)\<[^\>]*\>(.*)$ ]]; do
		g=${BASH_REMATCH[1]}'*'${BASH_REMATCH[2]}
	done
	if [[ $g == *'*'* ]]; then
		compgen -G "$g" >/dev/null || finding "$file" "$line" "'$p': nothing in the tree matches"
	else
		[ -e "$g" ] || finding "$file" "$line" "'$p': no such file or directory"
	fi
}

# check_link FILE LINE TARGET [WHAT]: the link's file exists, and its
# anchor. WHAT names it in a finding (default: "link to").
check_link() {
	local file=$1 line=$2 t=$3 what=${4:-link to} path anchor=
	case "$t" in *'#'*) anchor=${t#*#} path=${t%%#*} ;; *) path=$t ;; esac
	if [ -z "$path" ]; then
		path=$file
	else
		path=$(dirname "$file")/$path
		path=$(realpath -m --relative-to=. "$path")
		if [ ! -e "$path" ]; then
			finding "$file" "$line" "$what '$t': no such file '$path'"
			return 0
		fi
	fi
	[ -n "$anchor" ] || return 0
	[[ $path == *.md ]] || return 0
	anchors_of "$path"
	[[ ${anchors[$path]} == *" $anchor "* ]] ||
		finding "$file" "$line" "$what '$t': no heading in $path has the anchor '#$anchor'"
}

items=$(mktemp)
trap 'rm -f "$items"' EXIT
for f in "${files[@]}"; do
	[ -f "$f" ] || die "no such file: $f"
	# The extraction's own failure fails the gate: a loop over its output
	# alone would pass on nothing.
	extract "$f" >"$items" || { echo "docs: $f: extracting its links, targets and paths failed"; exit 1; }
	while IFS=$'\t' read -r line kind value; do
		case "$kind" in
		link) check_link "$f" "$line" "$value" ;;
		section)
			check_link "$f" "$line" \
				"$(realpath -m --relative-to="$(dirname "$f")" "${value%%#*}")#${value#*#}" "section named"
			;;
		make) check_make "$f" "$line" "$value" ;;
		path) check_path "$f" "$line" "$value" ;;
		esac
	done <"$items"
done

if [ "$findings" -gt 0 ]; then
	echo "docs: $findings findings in ${#files[@]} files"
	exit 1
fi
echo "docs: ${#files[@]} files clean"
