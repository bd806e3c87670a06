#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check-all.sh [KERNEL...]: run the whole kselftest suite on each Debian
# kernel (default: $KERNELS, or the kernels scripts/kernel/kernels.tsv marks
# check-all, in its order), then print one table (kernel, architecture,
# page size, the suite the kernel came from and its linux-image version,
# release, which mmap hook the module uses there, build result, passed,
# failed, skipped, seconds) and the plain "N passed, N failed, N skipped"
# line over all of them. Exit 0 only if every kernel built and passed: a
# kernel whose check.sh failed, or that ran nothing, or whose module uses
# another mmap hook than the table says, counts as failed.
# Each kernel that passed gets its line in scripts/kernel/kernels-tested.tsv
# (suite, version, release, chroot), which the docs' kernel tables render
# (scripts/lint/kernel-tables.sh --write).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

# shellcheck source=scripts/kernel/kernels.sh
. "$MAPDRV_TOP/scripts/kernel/kernels.sh"
kernels_load
kernels=("$@")
if [ ${#kernels[@]} -eq 0 ] && [ -n "${KERNELS:-}" ]; then
	read -r -a kernels <<<"$KERNELS"
elif [ ${#kernels[@]} -eq 0 ]; then
	mapfile -t kernels < <(kernel_names)
fi

groups=(base matrix)
for k in "${kernels[@]}"; do
	a=$(kernel_field "$k" arch) || continue
	[ "$a" = "$MAPDRV_HOST_ARCH" ] || [[ " ${groups[*]} " == *" cross-$a "* ]] || groups+=("cross-$a")
done
"$MAPDRV_TOP/scripts/deps.sh" "${groups[@]}"
mkdir -p "$MAPDRV_BUILD/check"
row() { printf '%-12s %-7s %-4s %-17s %-16s %-26s %-12s %-5s %6s %6s %7s %5s\n' "$@"; }
rows=()
total_p=0 total_f=0 total_s=0
for k in "${kernels[@]}"; do
	log "==== kernel $k"
	start=$SECONDS
	arch='?' page='?' suite='?' version='?' krel='?' hook='?' build=FAIL p=0 f=1 s=0
	if env_file=$("$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" "$k") &&
		ko=$("$MAPDRV_TOP/scripts/kernel/build-module.sh" "$env_file"); then
		build=ok
		krel=$(sed -n 's/^KREL=//p' "$env_file")
		arch=$(sed -n 's/^DEB_ARCH=//p' "$env_file")
		suite=$(sed -n 's/^SUITE=//p' "$env_file")
		version=$(sed -n 's/^IMAGE_VERSION=//p' "$env_file")
		version=${version:--}
		page=$(sed -n 's/^PAGE_SIZE=//p' "$env_file")
		page=$((${page:-4096} / 1024))K
		hook=mmap
		grep -q mapdrv_mmap_prepare "$ko" && hook=mmap_prepare
		want_hook=$(kernel_field "$k" hook)
		out=$MAPDRV_BUILD/check/$k.log
		set +e
		"$MAPDRV_TOP/scripts/check/check.sh" "$k" >"$out" 2>&1
		rc=$?
		set -e
		read -r p f s < <(summary_counts "$out")
		# a failed run fails, whatever its summary; so does an empty one
		[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
		[ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
		grep -E '^not ok|FAIL' "$out" >&2 || true
		if [ "$hook" != "$want_hook" ]; then
			log "FAIL: on $k the module uses ->$hook, scripts/kernel/kernels.tsv says ->$want_hook"
			hook="$hook!" f=$((f + 1))
		fi
		[ "$f" -ne 0 ] || kernel_tested_set "$(kernel_name "$k")" "$suite" "$version" "$krel" \
			"$(sed -n 's/^BUILD_CHROOT=//p' "$env_file")"
	fi
	rows+=("$(row "$k" "$arch" "$page" "$suite" "$version" "$krel" "$hook" "$build" "$p" "$f" "$s" $((SECONDS - start)))")
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
done

echo
row kernel arch page suite version release hook build passed failed skipped secs
printf '%s\n' "${rows[@]}"
echo "(per-kernel logs: $MAPDRV_BUILD/check/<kernel>.log)"
if kernels_tested_write; then
	echo "(scripts/kernel/kernels-tested.tsv changed: scripts/lint/kernel-tables.sh --write renders it into the docs)"
fi
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ] && [ "$total_p" -gt 0 ]
