#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh [CHECK...]: mapdrv's lint gates; `make lint` runs them all (after
# installing what they need and building the tools, man pages and
# completions) and fails if any finding is left. The checks:
#   - checkpatch: checkpatch.pl --strict (from Debian's linux-source-6.1) on
#     the kernel code: Kbuild, src/, the uapi header, and the benchmark's
#     baseline and floor modules (scripts/bench/remap-baseline/,
#     scripts/bench/floor/)
#   - sparse: a fresh copy of the sources of each of the three modules built
#     for Debian 12's 6.1 kernel with C=2 (sparse on every file) and W=1;
#     any warning fails
#   - w1: scripts/kernel/build-module.sh, the VM loop's W=1 build (6.1), of
#     the three modules
#   - shellcheck: every shell script, and the generated bash completions
#   - clang-tidy: the C++ programs (tools/, scripts/), with the
#     checks of tools/.clang-tidy
#   - cppcheck: the same, classes warning, performance and portability
#   - abi: tests/abi_check.c, the uapi header as C11, 32-bit C11 and C++20
#     (-Wall -Wextra -Werror -pedantic) with static_asserts on every struct
#     size, field offset and ioctl number
#   - modinfo: the module's description, author, license, version and a
#     default for every parameter; each parameter documented in mapdrv(4)
#     and the modprobe.d example; the versions agree (VERSION, the module,
#     dkms.conf, debian/changelog)
#   - cli: each tool's --help and --version; its man page and completion
#   - man: groff -ww on every man page
#   - kernels: scripts/lint/kernel-tables.sh, every kernel table of the docs
#     against scripts/kernel/kernels.tsv
#   - docs: scripts/lint/docs.sh, the links, anchors, make targets and paths
#     that the Markdown and mapdrv(4) name
#   - bench-doc: scripts/lint/bench-doc.sh, docs/bench.md's figures against
#     docs/bench-baseline.json (one run of make bench-baseline wrote both)
#   - make-help: every .PHONY target of the Makefile and mk/*.mk has its
#     "## TARGET (GROUP): TEXT" line for make help (mk/help.mk) or is in
#     HELP_INTERNAL; every such line is well formed and names a .PHONY target
#   - waivers: every inline suppression (shellcheck disable=, NOLINT,
#     cppcheck-suppress) gives its reason on its own line, and every entry
#     of scripts/lint/waivers.txt still waives something
# Findings print as "CHECK: FILE:LINE: ID: message". A waiver is an inline
# suppression with its reason on the same line, or, where no comment can
# go, an entry of scripts/lint/waivers.txt (see its header).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
help_from_header "$0" "${1:-}"
cd "$MAPDRV_TOP"

# Run through make, which knows the version and the tools.
if [ -z "${MAPDRV_LINT_TOOLS+x}" ]; then
	exec make -s --no-print-directory lint LINT_CHECKS="$*"
fi
version=$MAPDRV_VERSION
read -r -a tools <<<"$MAPDRV_LINT_TOOLS"
all_checks=(checkpatch sparse w1 shellcheck clang-tidy cppcheck abi modinfo cli man kernels docs bench-doc make-help waivers)
checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=("${all_checks[@]}")
for c in "${checks[@]}"; do
	[[ " ${all_checks[*]} " == *" $c "* ]] || die "unknown check '$c' (${all_checks[*]})"
done

out=$MAPDRV_BUILD/lint
mkdir -p "$out"
# The flags the tools are built with (Makefile CXXFLAGS, less code generation).
cxx_defs=(-Iinclude/uapi -Itools/include "-DMAPDRV_VERSION=\"$version\"")
cxx_flags=(-std=c++20 "${cxx_defs[@]}")
mapfile -t cxx_files < <(find tools scripts -name '*.cpp' | sort)
# A tool in its own folder includes its own headers.
mapfile -t cxx_dirs < <(find tools -mindepth 1 -maxdepth 1 -type d ! -name include | sort | sed 's/^/-I/')
# The benchmark's baseline and floor modules are kernel code too, held to the same gates.
remap_dir=scripts/bench/remap-baseline floor_dir=scripts/bench/floor
kernel_files=(Kbuild src/*.c src/*.h include/uapi/linux/mapdrv.h "$remap_dir"/Kbuild "$remap_dir"/*.c
	"$floor_dir"/Kbuild "$floor_dir"/*.c)

# ---- waivers
waiver_file=scripts/lint/waivers.txt
w_tool=() w_file=() w_id=() w_match=() w_line=()
declare -A w_used=()
n=0
while IFS= read -r line || [ -n "$line" ]; do
	n=$((n + 1))
	case "$line" in '' | '#'*) continue ;; esac
	read -r tool file id match reason <<<"$line"
	[ -n "${reason:-}" ] || die "$waiver_file:$n: want TOOL FILE ID MATCH REASON"
	[ "$match" != inline ] ||
		die "$waiver_file:$n: no MATCH \"inline\": an inline suppression carries its reason on its own line"
	w_tool+=("$tool") w_file+=("$file") w_id+=("$id") w_match+=("$match") w_line+=("$n")
done <"$waiver_file"

# waived TOOL FILE LINE ID: 0 if an entry of the waiver file excuses it.
waived() {
	local tool=$1 file=$2 line=$3 id=$4 text i
	text=$(sed -n "${line}p" "$file" 2>/dev/null)
	text=${text#"${text%%[![:space:]]*}"}
	text=${text%"${text##*[![:space:]]}"}
	for i in "${!w_tool[@]}"; do
		if [ "${w_tool[$i]}" != "$tool" ] || [ "${w_file[$i]}" != "$file" ] ||
			[ "${w_id[$i]}" != "$id" ]; then
			continue
		fi
		# shellcheck disable=SC2053 # MATCH is a glob
		if [[ $text == ${w_match[$i]} ]]; then
			w_used[$i]=1
			return 0
		fi
	done
	return 1
}

# report TOOL FINDINGS: FINDINGS has lines "FILE<TAB>LINE<TAB>ID<TAB>MESSAGE".
# Prints those not waived; fails if there is one. (Not in a pipeline: it
# marks the waivers it uses.)
report() {
	local tool=$1 file line id msg bad=0 waived_n=0
	while IFS=$'\t' read -r file line id msg; do
		file=${file#"$MAPDRV_TOP"/}
		file=${file#./}
		if waived "$tool" "$file" "$line" "$id"; then
			waived_n=$((waived_n + 1))
			continue
		fi
		printf '%s: %s:%s: %s: %s\n' "$tool" "$file" "$line" "$id" "$msg"
		bad=$((bad + 1))
	done <"$2"
	[ "$waived_n" -eq 0 ] || log "$tool: $waived_n finding(s) waived in $waiver_file"
	[ "$bad" -eq 0 ]
}

# ---- the checks; each returns non-zero on a finding

check_checkpatch() {
	local cp=$MAPDRV_BUILD/linux-source-6.1/scripts/checkpatch.pl rc=0
	[ -f "$cp" ] || flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/kernel/fetch-harness.sh"
	perl "$cp" --no-tree --strict --terse --show-types --no-summary --color=never \
		-f "${kernel_files[@]}" >"$out/checkpatch.log" 2>&1 || rc=$?
	# "file:line: LEVEL:TYPE: message"; anything else is a finding too.
	sed -E -e 's/^([^:]+):([0-9]+): (ERROR|WARNING|CHECK):([A-Z0-9_]+): (.*)$/\1\t\2\t\4\t\3: \5/' \
		-e t -e 's/^(.+)$/checkpatch\t0\tUNPARSED\t\1/' "$out/checkpatch.log" >"$out/checkpatch.tsv"
	report checkpatch "$out/checkpatch.tsv" || return 1
	# A checkpatch that failed without a finding has crashed.
	[ "$rc" -eq 0 ] || [ -s "$out/checkpatch.log" ] || { echo "checkpatch: exited $rc"; return 1; }
}

# Under the VM loop's locks, so that lint and VM runs can overlap.
kernel_env() {
	mkdir -p "$MAPDRV_BUILD"
	flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" 6.1
}

# sparse_module KDIR NAME SRC FILE: a fresh copy of a module's sources
# (the tree's mapdrv when SRC is empty, else the folder SRC) built for KDIR
# with C=2 (sparse on every file) and W=1 in $out/sparse[-NAME]; its findings
# appended to $out/sparse.tsv, with paths as in the tree. Fails if the build
# fails, makes no NAME.ko, or sparse did not check FILE.
sparse_module() {
	local kdir=$1 name=$2 src=$3 file=$4 dir=$out/sparse rc=0
	[ -z "$src" ] || dir=$out/sparse-$name
	# A fresh copy every time: kbuild would not recompile (nor warn about)
	# an unchanged file.
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ -z "$src" ]; then
		make -s -C "$MAPDRV_TOP" module-src DEST="$dir"
	else
		cp -a "$src"/. "$dir"/
	fi
	# Not silent even under make -s: the CHECK lines show that sparse ran.
	MAKEFLAGS='' MFLAGS='' make -C "$kdir" M="$dir" C=2 W=1 modules >"$dir.log" 2>&1 || rc=$?
	{ grep -E 'warning:|error:|WARNING:' "$dir.log" || true; } |
		sed -E -e 's/^([^:]+):([0-9]+):([0-9]+:)? (warning|error): (.*)$/\1\t\2\t\4\t\5/' \
			-e t -e 's/^(.*)$/-\t0\tbuild\t\1/' |
		sed "s|^$dir/|${src:+$src/}|" >>"$out/sparse.tsv"
	[ "$rc" -eq 0 ] || { cat "$dir.log"; echo "sparse: the C=2 W=1 build of $name failed ($rc)"; return 1; }
	[ -f "$dir/$name.ko" ] || { echo "sparse: no $name.ko built"; return 1; }
	grep -qE "^ *CHECK .*/${file//./\\.}\$" "$dir.log" || { echo "sparse: sparse did not check $file"; return 1; }
}

check_sparse() {
	local env bad=0
	env=$(kernel_env)
	# shellcheck source=/dev/null
	KDIR=$(. "$env" && echo "$KDIR")
	: >"$out/sparse.tsv"
	sparse_module "$KDIR" mapdrv "" src/mapdrv_main.c || bad=1
	sparse_module "$KDIR" mapdrv_remap "$remap_dir" mapdrv_remap.c || bad=1
	sparse_module "$KDIR" mapdrv_floor "$floor_dir" mapdrv_floor.c || bad=1
	report sparse "$out/sparse.tsv" || return 1
	return "$bad"
}

# The W=1 build of the VM loop, for mapdrv and for the baseline and floor modules.
check_w1() {
	local env
	env=$(kernel_env)
	flock "$MAPDRV_BUILD/.build.lock" "$MAPDRV_TOP/scripts/kernel/build-module.sh" "$env" >"$out/w1.log" 2>&1 ||
		{ cat "$out/w1.log"; return 1; }
	MAPDRV_MODULE_SRC=$MAPDRV_TOP/$remap_dir MAPDRV_MOD_DIR=$out/w1-remap \
		flock "$MAPDRV_BUILD/.build.lock" "$MAPDRV_TOP/scripts/kernel/build-module.sh" "$env" >"$out/w1-remap.log" 2>&1 ||
		{ cat "$out/w1-remap.log"; return 1; }
	MAPDRV_MODULE_SRC=$MAPDRV_TOP/$floor_dir MAPDRV_MOD_DIR=$out/w1-floor \
		flock "$MAPDRV_BUILD/.build.lock" "$MAPDRV_TOP/scripts/kernel/build-module.sh" "$env" >"$out/w1-floor.log" 2>&1 ||
		{ cat "$out/w1-floor.log"; return 1; }
}

shell_scripts() {
	# *.sh, and any file with a shell #! line, outside build/ and .git/.
	find . \( -path ./build -o -path ./.git \) -prune -o -type f -print | sort |
		while read -r f; do
			case "$f" in
			*.sh) echo "${f#./}" ;;
			*) head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*[/ ](ba|da|k)?sh( |$)' && echo "${f#./}" ;;
			esac
		done
	return 0
}

check_shellcheck() {
	local scripts=() rc=0
	mapfile -t scripts < <(shell_scripts)
	for f in "${tools[@]}"; do
		scripts+=("build/completion/$(basename "$f")")
	done
	shellcheck -x -P SCRIPTDIR -f gcc "${scripts[@]}" >"$out/shellcheck.log" 2>&1 || rc=$?
	sed -E -e 's/^([^:]+):([0-9]+):[0-9]+: [a-z]+: (.*) \[(SC[0-9]+)\]$/\1\t\2\t\4\t\3/' \
		-e t -e 's/^(.+)$/shellcheck\t0\tUNPARSED\t\1/' "$out/shellcheck.log" >"$out/shellcheck.tsv"
	report shellcheck "$out/shellcheck.tsv" || return 1
	[ "$rc" -eq 0 ] || [ -s "$out/shellcheck.log" ] || { echo "shellcheck: exited $rc"; return 1; }
	log "shellcheck: ${#scripts[@]} scripts"
}

check_clang_tidy() {
	local rc=0 i pids=()
	# One file a run (clang-tidy 14's analyzer carries va_list state from
	# one translation unit into the next: a false valist.Uninitialized),
	# all at once.
	for i in "${!cxx_files[@]}"; do
		clang-tidy --quiet "${cxx_files[$i]}" -- "${cxx_flags[@]}" "-I$(dirname "${cxx_files[$i]}")" >"$out/clang-tidy.$i.log" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || rc=$?
	done
	for i in "${!cxx_files[@]}"; do
		cat "$out/clang-tidy.$i.log"
		rm -f "$out/clang-tidy.$i.log"
	done >"$out/clang-tidy.log"
	{ grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error): ' "$out/clang-tidy.log" || true; } |
		sed -E 's/^([^:]+):([0-9]+):[0-9]+: (warning|error): (.*) \[([^],]+)[^]]*\]$/\1\t\2\t\5\t\4/' \
		>"$out/clang-tidy.tsv"
	report clang-tidy "$out/clang-tidy.tsv" || return 1
	# A finding (even a waived one) makes it exit 1; a crash is a failure.
	if grep -q '^Stack dump:' "$out/clang-tidy.log" || { [ "$rc" -ne 0 ] && [ ! -s "$out/clang-tidy.tsv" ]; }; then
		grep -A3 '^Stack dump:' "$out/clang-tidy.log" || tail -n 20 "$out/clang-tidy.log"
		echo "clang-tidy: failed ($rc)"
		return 1
	fi
	log "clang-tidy: ${cxx_files[*]}"
}

check_cppcheck() {
	local rc=0
	cppcheck --std=c++20 --language=c++ --enable=warning,performance,portability \
		--inline-suppr --quiet --error-exitcode=1 \
		--template=$'{file}\t{line}\t{id}\t{severity}: {message}' \
		"${cxx_defs[@]}" "${cxx_dirs[@]}" "${cxx_files[@]}" >"$out/cppcheck.log" 2>&1 || rc=$?
	report cppcheck "$out/cppcheck.log" || return 1
	[ "$rc" -eq 0 ] || [ -s "$out/cppcheck.log" ] || { echo "cppcheck: exited $rc"; return 1; }
}

# abi_compile COMPILER [OPTION...]: tests/abi_check.c with it, warnings fatal.
abi_compile() {
	"$@" -Wall -Wextra -Werror -pedantic -Iinclude/uapi -fsyntax-only \
		tests/abi_check.c >"$out/abi.log" 2>&1 && return 0
	sed "s/^/abi ($*): /" "$out/abi.log"
	return 1
}

check_abi() {
	local bad=0
	abi_compile gcc -std=c11 || bad=1
	abi_compile gcc -std=c11 -m32 -idirafter "/usr/include/$(gcc -print-multiarch)" || bad=1
	abi_compile g++ -std=c++20 -x c++ || bad=1
	return "$bad"
}

check_modinfo() {
	local ko=$out/sparse/mapdrv.ko bad=0 f p name params names=() documented=()
	# The module of the sparse check (fresh, W=1); build it if that did not run.
	[[ " ${checks[*]} " == *" sparse "* ]] || check_sparse >/dev/null || true
	[ -f "$ko" ] || { echo "modinfo: no module built (see the sparse check)"; return 1; }
	for f in description author license version; do
		[ -n "$(modinfo -F "$f" "$ko")" ] || { echo "modinfo: no $f"; bad=1; }
	done
	[ "$(modinfo -F license "$ko")" = GPL ] || { echo "modinfo: license is not GPL"; bad=1; }
	[ "$(modinfo -F version "$ko")" = "$version" ] ||
		{ echo "modinfo: version $(modinfo -F version "$ko") is not $version (VERSION)"; bad=1; }
	grep -qx "PACKAGE_VERSION=\"$version\"" dkms.conf ||
		{ echo "dkms.conf: PACKAGE_VERSION is not $version (VERSION)"; bad=1; }
	# debian/changelog: the upstream part of its latest version (no epoch,
	# no Debian revision) is VERSION.
	f=$(sed -n '1s/^mapdrv (\([^)]*\)).*/\1/p' debian/changelog)
	f=${f#*:}
	[ "${f%-*}" = "$version" ] ||
		{ echo "debian/changelog: version ${f:-?} is not $version (VERSION)"; bad=1; }
	params=$(modinfo -F parm "$ko")
	[ -n "$params" ] || { echo "modinfo: no parameters"; bad=1; }
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		name=${p%%:*}
		names+=("$name")
		case "$p" in
		*"(default "*) ;;
		*) echo "modinfo: parameter $name: no \"(default ...)\" in its MODULE_PARM_DESC"; bad=1 ;;
		esac
		grep -qE "^#?options mapdrv .*\b$name=" packaging/modprobe.d/mapdrv.conf ||
			{ echo "packaging/modprobe.d/mapdrv.conf: parameter $name missing from the options line"; bad=1; }
		grep -qE "^# $name=" packaging/modprobe.d/mapdrv.conf ||
			{ echo "packaging/modprobe.d/mapdrv.conf: parameter $name not described"; bad=1; }
		grep -qE "^\.BI $name= " packaging/man/mapdrv.4 ||
			{ echo "packaging/man/mapdrv.4: parameter $name not described (.BI $name= ...)"; bad=1; }
	done <<<"$params"
	# And nothing documented that the module does not have.
	read -r -a documented <<<"$(sed -n 's/^#\{0,1\}options mapdrv //p' packaging/modprobe.d/mapdrv.conf)"
	for p in "${documented[@]}"; do
		[[ " ${names[*]} " == *" ${p%%=*} "* ]] ||
			{ echo "packaging/modprobe.d/mapdrv.conf: ${p%%=*} is not a parameter of the module"; bad=1; }
	done
	return "$bad"
}

check_cli() {
	local t name bad=0 v
	[ ${#tools[@]} -gt 0 ] || { echo "cli: no tools"; return 1; }
	for t in "${tools[@]}"; do
		name=$(basename "$t")
		if ! "$t" --help >"$out/help.txt" 2>&1; then
			echo "cli: $name --help exits non-zero"
			bad=1
		elif ! grep -qi '^usage:' "$out/help.txt"; then
			echo "cli: $name --help has no \"Usage:\" line"
			bad=1
		fi
		v=$("$t" --version 2>&1 | head -n 1) || { echo "cli: $name --version exits non-zero"; bad=1; }
		[ "$v" = "$name $version" ] || { echo "cli: $name --version says '$v', not '$name $version'"; bad=1; }
		[ -s "build/man/$name.1" ] || { echo "cli: no man page build/man/$name.1"; bad=1; }
		[ -s "build/completion/$name" ] || { echo "cli: no completion build/completion/$name"; bad=1; }
	done
	return "$bad"
}

check_man() {
	local m bad=0
	for m in build/man/*.[1-9]; do
		LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$m" >"$out/groff.log" 2>&1 || true
		if [ -s "$out/groff.log" ]; then
			sed "s|^|man: $m: |" "$out/groff.log"
			bad=1
		fi
	done
	[ -s build/man/mapdrv.4 ] || { echo "man: no build/man/mapdrv.4"; bad=1; }
	return "$bad"
}

# lint_script NAME: scripts/lint/NAME, which prints its findings and exits
# non-zero if it has any; its output is in build/lint/NAME.log.
lint_script() {
	local script=scripts/lint/$1 log=$out/${1%.sh}.log rc=0
	[ -x "$script" ] || { echo "lint: missing $script"; return 1; }
	"$script" >"$log" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || { cat "$log"; echo "lint: $script exited $rc"; }
	return "$rc"
}

check_kernels() { lint_script kernel-tables.sh; }
check_docs() { lint_script docs.sh; }
check_bench_doc() { lint_script bench-doc.sh; }

check_make_help() {
	local db f n line t g bad=0 phony=() groups=() internal=()
	declare -A helped=() is_phony=()
	# make's own view of the makefiles (-q exits non-zero: nothing is made).
	db=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -pRrq -f Makefile : 2>/dev/null || true)
	read -r -a phony <<<"$(sed -n 's/^\.PHONY: //p' <<<"$db")"
	read -r -a groups <<<"$(sed -n 's/^HELP_GROUPS := //p' <<<"$db")"
	read -r -a internal <<<"$(sed -n 's/^HELP_INTERNAL := //p' <<<"$db")"
	if [ ${#phony[@]} -eq 0 ] || [ ${#groups[@]} -eq 0 ]; then
		echo "make-help: make -pRrq shows no .PHONY targets or no HELP_GROUPS (mk/help.mk)"
		return 1
	fi
	for t in "${phony[@]}"; do is_phony[$t]=1; done
	for f in Makefile mk/*.mk; do
		n=0
		while IFS= read -r line; do
			n=$((n + 1))
			[[ $line == '##'* ]] || continue
			if ! [[ $line =~ ^'## '([A-Za-z0-9_.-]+)' ('([a-z]+)'): '[^[:space:]] ]]; then
				echo "make-help: $f:$n: not a help line: want \"## TARGET (GROUP): TEXT\" (mk/help.mk)"
				bad=1
				continue
			fi
			t=${BASH_REMATCH[1]} g=${BASH_REMATCH[2]}
			[[ " ${groups[*]} " == *" $g "* ]] ||
				{ echo "make-help: $f:$n: group '$g' is none of HELP_GROUPS (${groups[*]})"; bad=1; }
			[ -n "${is_phony[$t]:-}" ] || { echo "make-help: $f:$n: '$t' is not a .PHONY target"; bad=1; }
			[ -z "${helped[$t]:-}" ] || { echo "make-help: $f:$n: '$t' has a help line already (${helped[$t]})"; bad=1; }
			helped[$t]=$f:$n
		done <"$f"
	done
	for t in "${phony[@]}"; do
		[ -n "${helped[$t]:-}" ] || [[ " ${internal[*]} " == *" $t "* ]] ||
			{ echo "make-help: '$t' is .PHONY, with no \"## $t (GROUP): TEXT\" line above its rule, nor in HELP_INTERNAL"; bad=1; }
	done
	for t in "${internal[@]}"; do
		[ -n "${is_phony[$t]:-}" ] || { echo "make-help: HELP_INTERNAL: '$t' is not a .PHONY target"; bad=1; }
		[ -z "${helped[$t]:-}" ] || { echo "make-help: HELP_INTERNAL: '$t' has a help line (${helped[$t]})"; bad=1; }
	done
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s help >"$out/help.log" 2>&1 ||
		{ cat "$out/help.log"; echo "make-help: make help fails"; bad=1; }
	return "$bad"
}

# Inline suppressions, as "FILE<TAB>LINE<TAB>TOOL<TAB>ID<TAB>REASON" (REASON
# empty if the comment gives none). The forms, each with its reason:
#   # shellcheck disable=SC2086 # REASON
#   // NOLINT(check): REASON, // NOLINTNEXTLINE(check): REASON
#   // cppcheck-suppress id ; REASON  (or // REASON)
inline_suppressions() {
	local f n text ids rest id
	for f in $(shell_scripts); do
		{ grep -nE '^[[:space:]]*#[[:space:]]*shellcheck[[:space:]]+disable=' "$f" || true; } |
			while IFS=: read -r n text; do
				[[ $text =~ disable=([A-Za-z0-9,]+)(.*)$ ]] || continue
				ids=${BASH_REMATCH[1]} rest=${BASH_REMATCH[2]}
				rest=$(reason_after "$rest" '#')
				for id in ${ids//,/ }; do printf '%s\t%s\tshellcheck\t%s\t%s\n' "$f" "$n" "$id" "$rest"; done
			done
	done
	{ grep -rnE 'NOLINT|cppcheck-suppress' tools scripts --include='*.cpp' --include='*.hpp' --include='*.h' || true; } |
		while IFS=: read -r f n text; do
			if [[ $text =~ NOLINT(NEXTLINE|BEGIN)?(\(([^\)]*)\))?(.*)$ ]]; then
				printf '%s\t%s\tclang-tidy\t%s\t%s\n' "$f" "$n" "${BASH_REMATCH[3]}" \
					"$(reason_after "${BASH_REMATCH[4]}" ':')"
			elif [[ $text =~ cppcheck-suppress[[:space:]]+([A-Za-z0-9_]+)(.*)$ ]]; then
				printf '%s\t%s\tcppcheck\t%s\t%s\n' "$f" "$n" "${BASH_REMATCH[1]}" \
					"$(reason_after "${BASH_REMATCH[2]}" ';' '//')"
			fi
		done
}

# reason_after TEXT SEPARATOR...: what follows the first SEPARATOR that TEXT
# starts with (after blanks), trimmed; empty if none does.
reason_after() {
	local text=$1 sep
	shift
	text=${text#"${text%%[![:space:]]*}"}
	for sep in "$@"; do
		if [[ $text == "$sep"* ]]; then
			text=${text#"$sep"}
			text=${text#"${text%%[![:space:]]*}"}
			printf '%s' "${text%"${text##*[![:space:]]}"}"
			return 0
		fi
	done
}

# An inline suppression says why on its own line; waivers.txt names files
# that are there, and (for a tool that ran) waives something still.
check_waivers() {
	local bad=0 file line tool id reason i
	while IFS=$'\t' read -r file line tool id reason; do
		[ -n "$reason" ] ||
			{ echo "waivers: $file:$line: inline $tool suppression of '${id:-everything}' gives no reason on its line"; bad=1; }
	done < <(inline_suppressions)
	for i in "${!w_tool[@]}"; do
		[ -e "${w_file[$i]}" ] || { echo "waivers: $waiver_file:${w_line[$i]}: no file ${w_file[$i]}"; bad=1; continue; }
		if [[ " ${checks[*]} " == *" ${w_tool[$i]} "* ]]; then
			# Only known when that tool ran in this invocation.
			[ -n "${w_used[$i]:-}" ] ||
				{ echo "waivers: $waiver_file:${w_line[$i]}: stale: waives no ${w_tool[$i]} finding any more"; bad=1; }
		fi
	done
	return "$bad"
}

# ---- run them
failed=() passed=()
for c in "${checks[@]}"; do
	log "lint: $c"
	if "check_${c//-/_}"; then
		passed+=("$c")
	else
		failed+=("$c")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "lint: ${#failed[@]} of ${#checks[@]} checks failed: ${failed[*]} (logs in build/lint/)"
	exit 1
fi
echo "lint: ${#passed[@]} checks clean: ${passed[*]}"
