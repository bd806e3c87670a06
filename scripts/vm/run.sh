#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: build mapdrv.ko for a Debian kernel, boot that kernel in QEMU with a
# busybox initramfs carrying the module and the given files, load the module,
# run a command in the guest and return its exit status.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

usage() {
	cat <<EOT
usage: scripts/vm/run.sh [options] [--] [COMMAND...]

Boot a Debian kernel under QEMU, insmod mapdrv.ko and run COMMAND (a shell
command line, default: true) in the guest as root, in /root. The guest's
stdout and stderr are printed on stdout; the kernel console is checked for
splats. Like 'vng --exec'.

options:
  -k, --kernel KERNEL   Debian kernel to boot (default \$KERNEL or 6.1)
  -p, --params PARAMS   module parameters for insmod, e.g. 'size=8192 dyndbg=+p'
  -n, --no-load         do not load the module before COMMAND
  -K, --ko FILE         use this mapdrv.ko (built for KERNEL) instead of
                        building one from the tree
  -f, --file SRC[:DST]  copy a host file or directory into the guest (default
                        DST: /root/<name>); may be repeated
  -t, --timeout SECS    hard limit for the whole boot (default 900)
  -a, --append ARGS     extra kernel command line
  -m, --mem MiB         guest memory (default 1024)
  -s, --smp N           vCPUs (default 2)
  -o, --out DIR         keep console.log and output.log there (default
                        build/vm/last; give each of several runs at once
                        its own)
  -q, --quiet           do not echo the guest's output (it is still in
                        DIR/output.log)
  -h, --help            this text

The kernel boots with panic_on_warn=1 oops=panic panic=-1.
exit status: COMMAND's status if the guest ended cleanly; otherwise
  120  a kernel splat (BUG, WARNING, Oops, KASAN, lockdep, kmemleak, Bad page)
       or a bad taint in the guest
  121  the guest died without reporting a status (panic, crash)
  122  build or setup failure
  124  the hard timeout expired (hang)
EOT
}

kernel=${KERNEL:-6.1}
params=
load=1
timeout_s=900
append=
mem=1024
smp=2
out=$MAPDRV_BUILD/vm/last
quiet=0
ko=
files=()
while [ $# -gt 0 ]; do
	case "$1" in
	-k | --kernel) kernel=$2; shift 2 ;;
	-p | --params) params=$2; shift 2 ;;
	-n | --no-load) load=0; shift ;;
	-K | --ko) ko=$2; shift 2 ;;
	-f | --file) files+=("$2"); shift 2 ;;
	-t | --timeout) timeout_s=$2; shift 2 ;;
	-a | --append) append=$2; shift 2 ;;
	-m | --mem) mem=$2; shift 2 ;;
	-s | --smp) smp=$2; shift 2 ;;
	-o | --out) out=$2; shift 2 ;;
	-q | --quiet) quiet=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) usage >&2; exit 2 ;;
	*) break ;;
	esac
done
command_line=${*:-true}

fail_setup() { log "error: $*"; exit 122; }

# 1. The kernel and its headers, then the module built against them.
mkdir -p "$MAPDRV_BUILD"
env_file=$(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" "$kernel") ||
	fail_setup "cannot fetch kernel $kernel"
# shellcheck source=/dev/null
. "$env_file"
if [ -z "$ko" ]; then
	ko=$(flock "$MAPDRV_BUILD/.build.lock" "$MAPDRV_TOP/scripts/kernel/build-module.sh" "$env_file") ||
		fail_setup "module build failed for $KREL"
fi
[ -f "$ko" ] || fail_setup "no module at $ko"

# 2. The initramfs: busybox, the module, the exit helper, the files.
# Private to this run, so that several runs can go on at once.
mkdir -p "$MAPDRV_BUILD/vm"
work=$(mktemp -d "$MAPDRV_BUILD/vm/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root,lib/modules}
cp /bin/busybox "$root/bin/busybox"
cp "$ko" "$root/lib/modules/mapdrv.ko"
exit_helper=$MAPDRV_BUILD/bin/guest-exit
flock "$MAPDRV_BUILD/.build.lock" make -s -C "$MAPDRV_TOP" "$exit_helper" >&2 ||
	fail_setup "guest-exit build failed"
cp "$exit_helper" "$root/bin/guest-exit"
cp "$MAPDRV_TOP/scripts/vm/guest/init.sh" "$root/init"
chmod 755 "$root/init"
for spec in "${files[@]}"; do
	src=${spec%%:*}
	dst=/root/$(basename "$src")
	[ "$spec" != "$src" ] && dst=${spec#*:}
	[ -e "$src" ] || fail_setup "no such file: $src"
	mkdir -p "$root$(dirname "$dst")"
	cp -a "$src" "$root$dst"
done
{
	printf 'MAPDRV_LOAD=%q\n' "$load"
	printf 'MAPDRV_PARAMS=%q\n' "$params"
	printf 'MAPDRV_CMD=%q\n' "$command_line"
	printf 'MAPDRV_KREL=%q\n' "$KREL"
} >"$root/etc/mapdrv-vm.conf"
initrd=$work/initramfs.cpio
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$initrd"

# 3. Boot. KVM only where a probe boot showed it works; TCG otherwise.
qemu=$(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/vm/fetch-qemu.sh")
accel=$(MAPDRV_QEMU=$qemu "$MAPDRV_TOP/scripts/vm/accel.sh" "$VMLINUZ")
mkdir -p "$out"
console=$out/console.log
output=$out/output.log
rm -f "$console" "$output"
cpu=${MAPDRV_CPU:-max}
[ "$accel" = kvm ] && cpu=host
summary=${command_line%%$'\n'*}
[ "$summary" = "$command_line" ] || summary="$summary ..."
log "booting $KREL ($accel, ${smp} vCPUs, ${mem} MiB): $summary"
set +e
# shellcheck disable=SC2086 # QEMU may be a command with options
timeout --foreground -k 10 "$timeout_s" $qemu \
	-accel "$accel" -cpu "$cpu" -smp "$smp" -m "$mem" \
	-nodefaults -display none -no-reboot \
	-kernel "$VMLINUZ" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 panic_on_warn=1 oops=panic $append" \
	-serial "file:$console" -serial "file:$output" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	</dev/null >"$out/qemu.log" 2>&1
qemu_rc=$?
set -e
sed -i 's/\r$//' "$console" "$output" 2>/dev/null || true
[ "$quiet" = 1 ] || grep -v '^MAPDRV-VM-' "$output" || true

# 4. Verdict: hang, splat, missing status, then the command's own status.
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	log "FAIL: the guest hung: no exit within ${timeout_s}s (console: $console)"
	tail -n 20 "$console" >&2
	exit 124
fi
# Kernel reports start a message: "[ t] WARNING: CPU: ...", "BUG: KASAN: ...",
# lockdep's "WARNING: possible circular locking ...". Informational lines
# that merely contain the word (RETBleed: WARNING: ...) do not count.
at='(^|\] )'
splat_re="${at}(WARNING:|BUG:|kernel BUG at|Oops|general protection fault|Kernel panic|"
splat_re+="INFO: task .* blocked|watchdog: BUG: soft lockup|Watchdog detected hard LOCKUP)|"
splat_re+="KASAN|kmemleak: [0-9]+ new suspected|Bad page|Call Trace:|MAPDRV-VM-TAINT"
if grep -Eq "$splat_re" "$console" "$output"; then
	log "FAIL: kernel splat in the guest console ($console):"
	grep -Eh -B2 -A20 "$splat_re" "$console" "$output" | head -n 60 >&2
	exit 120
fi
status=$(sed -n 's/^MAPDRV-VM-EXIT \([0-9]*\)$/\1/p' "$output" | tail -n 1)
if [ -z "$status" ] || [ $(((qemu_rc - 1) / 2 - 16)) -ne "$((status > 111 ? 111 : status))" ]; then
	log "FAIL: the guest ended without a status (QEMU exit $qemu_rc; console: $console)"
	tail -n 20 "$console" >&2
	exit 121
fi
exit "$status"
