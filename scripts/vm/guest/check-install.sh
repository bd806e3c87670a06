#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-install.sh: runs in the booted Debian guest (12 or 13) of make
# check-install (scripts/check/check-install.sh), started by
# mapdrv-check-install.service
# after multi-user.target. It checks the installed packages the way a user
# meets them and reports TAP lines ("ok N - ...", "not ok N - ...") on
# ttyS1, then "MAPDRV-VM-EXIT <failures>", then powers the guest off.
#   First boot: the module loaded at boot (modules-load.d), /dev/mapdrv
#   root:mapdrv 0660 (udev), mapdrv-read as a member of the group and as a
#   non-member (EACCES and the hint), modprobe -r and modprobe with a size
#   from modprobe.d, man 4 mapdrv, the C example built with pkg-config,
#   bpftrace and perf counting mapdrv:mapdrv_fault, then apt purge: no file
#   and no DKMS entry left (against the file list taken before the install).
#   Second boot: the system still boots, and nothing of mapdrv is there.
# /var/lib/mapdrv-check/ holds its state (phase, the file list, maptest.c).
# The predicates below are called through check(), by name:
# shellcheck disable=SC2317 # called by name through check(), which shellcheck cannot follow
set -uo pipefail
state=/var/lib/mapdrv-check
member=mapdrv-member
outsider=mapdrv-outsider
# The size set through modprobe.d (256 pages), the read tests' expectation.
check_size=1048576
# The kernel's modules dir, as kmod names it (/lib/modules) and as it is on
# a usr-merged system (/usr/lib/modules): paths are compared resolved.
modules_dir=$(readlink -f /lib/modules)

exec >/dev/ttyS1 2>&1
stty -F /dev/ttyS1 -onlcr 2>/dev/null
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
cd /tmp || exit 1

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# check DESCRIPTION COMMAND...: ok if COMMAND succeeds; its output is shown
# on failure.
check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$what"
	else
		not_ok "$what"
		printf '%s\n' "$out" | sed 's/^/# /' | head -n 30
	fi
}
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }
# ko_plain FILE: the module FILE uncompressed on stdout (dkms compresses it
# as the kernel's own modules are, if they are).
ko_plain() {
	case "$1" in
	*.ko.xz) xz -dc "$1" ;;
	*.ko.zst) zstd -dcq "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}
# What the checks test (called through check, by name).
pid1_is_systemd() { [ "$(cat /proc/1/comm)" = systemd ]; }
dkms_status_empty() { [ -z "$(dkms status)" ]; }
module_signed() {
	local ko serial
	ko=$(modinfo -n mapdrv) || return 1
	[ "$(modinfo -F sig_id mapdrv)" = "PKCS#7" ] || return 1
	[ "$(modinfo -F signer mapdrv)" = "DKMS module signing key" ] || return 1
	# modinfo's sig_key of a PKCS#7 signature is the signer's certificate
	# serial number, as colon-separated hex: DKMS's own certificate.
	serial=$(openssl x509 -inform DER -in /var/lib/dkms/mok.pub -noout -serial |
		sed -n 's/^serial=//p' | sed 's/../&:/g; s/:$//')
	[ -n "$serial" ] && [ "$(modinfo -F sig_key mapdrv)" = "$serial" ] || return 1
	ko_plain "$ko" | tail -c 28 | grep -q '~Module signature appended~'
}
node_is_root_mapdrv_0660() { [ "$(stat -c '%U:%G %a' /dev/mapdrv)" = "root:mapdrv 660" ]; }
man_page_clean() { [ -z "$(MANWIDTH=80 man --warnings -P cat "$@" 2>&1 >/dev/null)" ]; }
no_module_file() { [ -z "$(find "$modules_dir" -name 'mapdrv.ko*')" ]; }
finish() {
	local taint
	# Taint bits other than 12 (out-of-tree) and 13 (unsigned, or signed by
	# a key the kernel does not trust, as DKMS's own MOK here) are failures.
	taint=$(cat /proc/sys/kernel/tainted)
	if [ $((taint & ~12288)) -ne 0 ]; then
		echo "MAPDRV-VM-TAINT: kernel tainted $taint"
		failed=$((failed + 1))
	fi
	echo "1..$n"
	echo "MAPDRV-VM-EXIT $failed"
	sync
	systemctl poweroff --no-block
	exit 0
}

phase=$(cat "$state/phase" 2>/dev/null || echo 1)
echo "# mapdrv check-install, boot $phase: $(uname -r)"
check "boot $phase: systemd is PID 1" pid1_is_systemd
# Every unit came up (a failed one is listed).
failed_units=$(systemctl list-units --state=failed --no-legend --plain 2>/dev/null)
check "boot $phase: no failed systemd unit" test -z "$failed_units"
[ -z "$failed_units" ] || diag "$failed_units"

if [ "$phase" = 2 ]; then
	# After apt purge and a reboot: the system boots, and mapdrv is gone.
	check "boot 2: mapdrv is not loaded" sh -c '! grep -q "^mapdrv " /proc/modules'
	check "boot 2: no /dev/mapdrv" test ! -e /dev/mapdrv
	check "boot 2: systemd-modules-load succeeded" systemctl is-active -q systemd-modules-load.service
	check "boot 2: dkms status is empty" dkms_status_empty
	check "boot 2: modinfo finds no mapdrv" sh -c '! modinfo mapdrv >/dev/null 2>&1'
	finish
fi

krel=$(uname -r)
# 1. Loaded at boot by systemd-modules-load, from the modules-load.d file.
check "module loaded at boot" grep -q '^mapdrv ' /proc/modules
# mapdrv has no alias, so nothing but modules-load.d loads it at boot;
# systemd-modules-load says so itself ("Inserted module 'mapdrv'"), under
# its own identifier (which the sender sets: it holds even when the process
# is gone before journald looks it up). The order of PID 1's "Starting" line
# and the kernel's load line in the journal is journald's, not the boot's:
# no proof.
modules_load_said=$(journalctl -b -o cat --no-pager SYSLOG_IDENTIFIER=systemd-modules-load)
check "loaded by systemd-modules-load (modules-load.d)" \
	grep -qx "Inserted module 'mapdrv'" <<<"$modules_load_said"
grep -qx "Inserted module 'mapdrv'" <<<"$modules_load_said" ||
	diag "systemd-modules-load said:" "$modules_load_said"
check "dkms status: installed for $krel" sh -c "dkms status mapdrv -k '$krel' | grep -q ': installed'"
modinfo_file=$(readlink -f "$(modinfo -n mapdrv 2>/dev/null)")
check "the module is DKMS's, under updates/dkms" sh -c "case '$modinfo_file' in $modules_dir/$krel/updates/dkms/mapdrv.ko*) ;; *) exit 1 ;; esac"
diag "module: $modinfo_file"
# Debian's dkms signs with its MOK (/var/lib/dkms/mok.key, made with
# openssl at its first build): the module carries that signature.
if [ -f /var/lib/dkms/mok.key ]; then
	check "DKMS signed the module with its MOK (modinfo signer, sig_id, sig_key)" module_signed
else
	ok "DKMS signed the module # SKIP no /var/lib/dkms/mok.key: this dkms does not sign"
fi
diag "signer: $(modinfo -F signer mapdrv 2>/dev/null), sig_key $(modinfo -F sig_key mapdrv 2>/dev/null)"

# 2. The node, through the udev rule and the sysusers.d group.
udevadm settle
check "group mapdrv exists (sysusers.d)" getent group mapdrv
check "/dev/mapdrv is root:mapdrv 0660" node_is_root_mapdrv_0660
diag "$(ls -l /dev/mapdrv 2>&1)"

# 3. A member of the group reads; someone else gets EACCES and the hint.
check "$member (in group mapdrv) runs mapdrv-read" runuser -u "$member" -- mapdrv-read
out=$(runuser -u "$outsider" -- mapdrv-read 2>&1)
rc=$?
diag "$outsider: mapdrv-read exit $rc: $out"
check "$outsider (not in the group): exit 3, EACCES and the hint" \
	sh -c "[ $rc = 3 ] && printf '%s' \"\$1\" | grep -q 'Permission denied' &&
		printf '%s' \"\$1\" | grep -q 'group mapdrv'" sh "$out"

# 4. modprobe -r, then modprobe with a size from a modprobe.d file.
check "modprobe -r mapdrv" modprobe -r mapdrv
check "unloaded" sh -c '! grep -q "^mapdrv " /proc/modules'
echo "options mapdrv size=$check_size" >/etc/modprobe.d/mapdrv-check.conf
check "modprobe mapdrv (size=$check_size from modprobe.d)" modprobe mapdrv
udevadm settle
check "sysfs: parameters/size is $check_size" \
	sh -c "[ \"\$(cat /sys/module/mapdrv/parameters/size)\" = $check_size ]"
check "sysfs: the device's size is $check_size" \
	sh -c "[ \"\$(cat /sys/class/misc/mapdrv/size)\" = $check_size ]"
check "/dev/mapdrv is root:mapdrv 0660 after the reload" \
	node_is_root_mapdrv_0660

# 5. The manual pages render, without groff warnings.
check "man 4 mapdrv renders" sh -c 'man -P cat 4 mapdrv | grep -q "MODULE PARAMETERS"'
check "man 4 mapdrv: no groff warning" man_page_clean 4 mapdrv
check "man 1 mapdrv-read renders" sh -c 'man -P cat 1 mapdrv-read | grep -q mapdrv-read'

# 6. A C program against the installed header, with pkg-config.
check "pkg-config knows mapdrv" pkg-config --exists mapdrv
check "maptest.c builds with pkg-config --cflags mapdrv" \
	sh -c "gcc -std=c11 -Wall -Wextra -Werror \$(pkg-config --cflags mapdrv) -o /tmp/maptest $state/maptest.c"
check "maptest maps the device (as $member)" runuser -u "$member" -- /tmp/maptest

# 7. Tracing clients: the fault count equals the pages read (fault mode).
pages=$((check_size / $(getconf PAGESIZE)))
examples=/usr/share/doc/mapdrv-tools/examples
bt=$(bpftrace "$examples/mapdrv-faults.bt" -c '/usr/bin/mapdrv-read --json' 2>&1)
bt_pages=$(printf '%s\n' "$bt" | sed -n 's/.*"pages":\([0-9]*\).*/\1/p' | head -n 1)
bt_faults=$(printf '%s\n' "$bt" | sed -n 's/^@faults: \([0-9]*\)$/\1/p' | tail -n 1)
diag "bpftrace: mapdrv-read checked ${bt_pages:-?} pages; @faults ${bt_faults:-none}"
check "bpftrace: tracepoint:mapdrv:mapdrv_fault counts $pages faults, the pages read" \
	sh -c "[ '${bt_pages:-x}' = $pages ] && [ '${bt_faults:-y}' = $pages ]"
[ "${bt_faults:-}" = "$pages" ] || diag "$bt"
# The perf line of mapdrv(4) and examples/mapdrv-perf-stat.sh.
perf stat -x, -o /tmp/perf.csv -e 'mapdrv:*' -- mapdrv-read >/tmp/perf.out 2>&1
prc=$?
perf_faults=$(sed -n 's/^\([0-9]*\),[^,]*,mapdrv:mapdrv_fault,.*/\1/p' /tmp/perf.csv)
diag "perf stat -e 'mapdrv:*': exit $prc, mapdrv:mapdrv_fault ${perf_faults:-none}"
check "perf stat -e 'mapdrv:*' counts $pages mapdrv:mapdrv_fault" \
	sh -c "[ $prc = 0 ] && [ '${perf_faults:-x}' = $pages ]"
[ "${perf_faults:-}" = "$pages" ] || diag "$(cat /tmp/perf.csv /tmp/perf.out)"
check "the perf example script runs" sh "$examples/mapdrv-perf-stat.sh"

# 8. The kselftest suite as make run_tests runs it on a user's machine
# (tests/Makefile's layout and kselftest's runner.sh), on this kernel,
# against the DKMS-built module, as root. The module tests load and unload
# it themselves, from MAPDRV_KO.
if [ -d "$state/kselftest/mapdrv" ]; then
	# finit_module without MODULE_INIT_COMPRESSED_FILE wants the plain
	# module: the installed one, uncompressed if dkms compressed it.
	MAPDRV_KO=$(modinfo -n mapdrv)
	case "$MAPDRV_KO" in
	*.ko) ;;
	*) ko_plain "$MAPDRV_KO" >/tmp/mapdrv.ko && MAPDRV_KO=/tmp/mapdrv.ko ;;
	esac
	export MAPDRV_KO
	# (runner.sh is written for sh without set -u.) It writes each test's
	# output through its own open of /dev/stdout (logfile): appended, as
	# its result lines are, or they overwrite each other in the file.
	: >/tmp/kselftest.tap
	# shellcheck source=/dev/null # kselftest's, copied in by the host
	(set +u && cd "$state/kselftest/mapdrv" && BASE_DIR=$state/kselftest && export BASE_DIR &&
		. ../kselftest/runner.sh && run_many ./*_test) >>/tmp/kselftest.tap 2>&1
	while read -r line; do
		name=${line##*selftests: mapdrv: }
		case "$line" in
		"ok "*"# SKIP"*) ok "kselftest $name # SKIP" ;;
		"ok "*) ok "kselftest $name (make run_tests's runner, installed module)" ;;
		*)
			not_ok "kselftest $name (make run_tests's runner, installed module)"
			# This binary's failures: its part of the runner's output.
			sed -n "/^# selftests: mapdrv: ${name%% *}\$/,/^\(not \)\{0,1\}ok [0-9]* selftests: mapdrv: ${name%% *}/p" \
				/tmp/kselftest.tap | grep -E -B6 '^# (# )?not ok ' | head -n 60 | sed 's/^/# /'
			;;
		esac
	done < <(grep -E '^(not )?ok [0-9]+ selftests: mapdrv: ' /tmp/kselftest.tap)
	grep -qE '^(not )?ok [0-9]+ selftests: mapdrv: ' /tmp/kselftest.tap ||
		{ not_ok "kselftest: the runner ran no test"; head -n 20 /tmp/kselftest.tap | sed 's/^/# /'; }
	rm -rf "$state/kselftest"
	grep -q '^mapdrv ' /proc/modules || modprobe mapdrv
fi

# 9. apt purge: every file of the packages and the DKMS entry go.
rm -f /etc/modprobe.d/mapdrv-check.conf /etc/modules-load.d/mapdrv.conf /tmp/maptest /tmp/mapdrv.ko
check "modprobe -r mapdrv before the purge" modprobe -r mapdrv
check "apt-get purge mapdrv-dkms mapdrv-tools mapdrv-dev" \
	env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q mapdrv-dkms mapdrv-tools mapdrv-dev
check "dkms status is empty" dkms_status_empty
check "no package named mapdrv-* is left (dpkg -l)" sh -c '! dpkg -l "mapdrv-*" 2>/dev/null | grep -q "^[a-z][a-z] "'
check "no mapdrv.ko under $modules_dir" no_module_file
# Every path now against the list taken before the install (in the image
# build); the places that change on any running system are left out.
"$state/file-list.sh" >/tmp/after.list
left=$(LC_ALL=C comm -13 "$state/before.list" /tmp/after.list)
gone=$(LC_ALL=C comm -23 "$state/before.list" /tmp/after.list)
check "apt purge left no file behind (file list diff)" test -z "$left"
[ -z "$left" ] || diag "left behind:" "$left"
check "apt purge removed no file that was there before" test -z "$gone"
[ -z "$gone" ] || diag "removed:" "$gone"

echo 2 >"$state/phase"
finish
