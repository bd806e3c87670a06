#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: build mapdrv.ko for a Debian kernel, boot that kernel in QEMU with a
# busybox initramfs carrying the module and the given files, load the module,
# run a command in the guest and return its exit status. Any architecture of
# scripts/lib/arch.sh: the kernel's (fetch-kernel.sh) picks the emulator,
# machine, consoles and busybox.
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
  -k, --kernel KERNEL   Debian kernel to boot (default \$KERNEL or 6.1; for
                        another architecture: arm64, arm64-16k, arm64-sid,
                        ppc64el, s390x; see scripts/kernel/fetch-kernel.sh)
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

The kernel boots with panic_on_warn=1 oops=panic panic=-1. The command's
output goes to a second console (ttyS1 on x86, ttyAMA1 on arm64, hvc1 on
ppc64el, a virtio console on s390x), the kernel's to the first. The guest
ends with a status line there and, on x86, QEMU's isa-debug-exit device, else
poweroff (with -no-reboot a panic ends QEMU too, without the status line).
Environment: MAPDRV_CPU (QEMU -cpu, default the kernel's QEMU_CPU, else
the architecture's);
MAPDRV_QEMU_ACCEL: QEMU's accelerator options instead of the probed
'-accel kvm|tcg', split into words, e.g. '-accel tcg,thread=single -icount
shift=0,sleep=off' (guest time counts instructions: see scripts/bench.sh).
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
DEB_ARCH=${DEB_ARCH:-amd64} # a kernel.env from before architectures
arch_vars "$DEB_ARCH" || fail_setup "kernel $kernel: unknown architecture '$DEB_ARCH'"
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
busybox=$(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/vm/fetch-busybox.sh" "$DEB_ARCH") ||
	fail_setup "no static busybox for $DEB_ARCH"
cp "$busybox" "$root/bin/busybox"
cp "$ko" "$root/lib/modules/mapdrv.ko"
if [ "$ARCH_EXIT" = debug-exit ]; then
	exit_helper=$MAPDRV_BUILD/bin/guest-exit
	flock "$MAPDRV_BUILD/.build.lock" make -s -C "$MAPDRV_TOP" "$exit_helper" >&2 ||
		fail_setup "guest-exit build failed"
	cp "$exit_helper" "$root/bin/guest-exit"
fi
out_module=
if [ -n "${OUT_MODULE:-}" ]; then
	out_module=/lib/modules/out/$(basename "$OUT_MODULE")
	mkdir -p "$root/lib/modules/out"
	cp "$OUT_MODULE" "$root$out_module"
fi
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
	printf 'MAPDRV_OUT=%q\n' "$ARCH_OUT"
	printf 'MAPDRV_OUT_MODULE=%q\n' "$out_module"
	printf 'MAPDRV_EXIT=%q\n' "$ARCH_EXIT"
} >"$root/etc/mapdrv-vm.conf"
initrd=$work/initramfs.cpio
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$initrd"

# 3. Boot. KVM only where a probe boot showed it works; TCG otherwise.
qemu=$(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/vm/fetch-qemu.sh" "$DEB_ARCH")
accel=tcg
if [ "$DEB_ARCH" = "$MAPDRV_HOST_ARCH" ]; then
	accel=$(MAPDRV_QEMU=$qemu "$MAPDRV_TOP/scripts/vm/accel.sh" "$VMLINUZ")
fi
mkdir -p "$out"
console=$out/console.log
output=$out/output.log
rm -f "$console" "$output"
accel_opts=(-accel "$accel")
if [ -n "${MAPDRV_QEMU_ACCEL:-}" ]; then
	read -r -a accel_opts <<<"$MAPDRV_QEMU_ACCEL"
	accel=$MAPDRV_QEMU_ACCEL
fi
cpu=${MAPDRV_CPU:-${QEMU_CPU:-$ARCH_CPU}}
[ "$accel" = kvm ] && cpu=host
# The machine, the output console and the exit device of the architecture.
machine=()
[ -z "$ARCH_MACHINE" ] || machine=(-M "$ARCH_MACHINE")
case "$ARCH_OUT_QEMU" in
serial) out_dev=(-serial "file:$output") ;;
virtconsole)
	out_dev=(-device "$ARCH_OUT_BUS" -chardev "file,id=out,path=$output"
		-device "virtconsole,chardev=out")
	;;
esac
exit_dev=()
[ "$ARCH_EXIT" = debug-exit ] && exit_dev=(-device "isa-debug-exit,iobase=0xf4,iosize=0x04")
summary=${command_line%%$'\n'*}
[ "$summary" = "$command_line" ] || summary="$summary ..."
log "booting $KREL ($DEB_ARCH, $accel, ${smp} vCPUs, ${mem} MiB): $summary"
set +e
# shellcheck disable=SC2086 # QEMU may be a command with options
timeout --foreground -k 10 "$timeout_s" $qemu "${machine[@]}" \
	"${accel_opts[@]}" -cpu "$cpu" -smp "$smp" -m "$mem" \
	-nodefaults -display none -no-reboot \
	-kernel "$VMLINUZ" -initrd "$initrd" \
	-append "console=$ARCH_CONSOLE panic=-1 panic_on_warn=1 oops=panic $append" \
	-serial "file:$console" "${out_dev[@]}" "${exit_dev[@]}" \
	</dev/null >"$out/qemu.log" 2>&1
qemu_rc=$?
set -e
sed -i 's/\r$//' "$console" "$output" 2>/dev/null || true
[ "$quiet" = 1 ] || grep -v '^MAPDRV-VM-' "$output" || true

# 4. Verdict: hang, splat, missing status, then the command's own status.
status=$(vm_verdict "$qemu_rc" "$ARCH_EXIT" "$timeout_s" "$console" "$output") || exit $?
exit "$status"
