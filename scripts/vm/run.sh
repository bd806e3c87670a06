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
splats. Like 'vng --exec'. This is the one place that builds a QEMU command
line: every target that boots a guest comes here.

options:
  -k, --kernel KERNEL   Debian kernel to boot (default \$KERNEL or 6.1; any
                        name of scripts/kernel/fetch-kernel.sh)
  -p, --params PARAMS   module parameters for insmod, e.g. 'size=8192 dyndbg=+p'
  -n, --no-load         do not load the module before COMMAND
  -K, --ko FILE         use this mapdrv.ko (built for KERNEL) instead of
                        building one from the tree
  -f, --file SRC[:DST]  copy a host file or directory into the guest (default
                        DST: /root/<name>); may be repeated
  -O, --out-file PATH   after COMMAND, copy the guest's file or directory
                        PATH out of the guest, as a file: it arrives as
                        DIR/files/<name of PATH> (DIR: see -o); may be
                        repeated. A PATH the guest does not have does not
                        arrive.
  -D, --disk IMAGE      boot the root filesystem on this raw disk image
                        (virtio-blk, /dev/vda) with --vmlinuz and --initrd,
                        instead of a busybox initramfs with the module: the
                        system's own init runs, COMMAND is not used, and it
                        reports on the output console itself
      --vmlinuz FILE    the kernel to boot with --disk
      --initrd FILE     the initrd to boot with --disk
  -t, --timeout SECS    hard limit for the whole boot (default 900)
  -a, --append ARGS     extra kernel command line
  -m, --mem MiB         guest memory (default 1024)
  -s, --smp N           vCPUs (default 2)
  -o, --out DIR         keep console.log, output.log and files/ there
                        (default build/vm/last; give each of several runs at
                        once its own)
  -q, --quiet           do not echo the guest's output (it is still in
                        DIR/output.log)
  -h, --help            this text

The kernel boots with panic_on_warn=1 oops=panic panic=-1. The command's
output goes to a second console (ttyS1 on x86, ttyAMA1 on arm64, hvc1 on
ppc64el, a virtio console on s390x), the kernel's to the first. On every
architecture the guest ends the same way: a line "MAPDRV-VM-EXIT <status>"
on the output console, then poweroff, which ends QEMU under -no-reboot (a
panic does too, without the line). Files come out on a raw disk image of
their own (a tar archive written to the guest's virtio-blk disk), never
through a console.
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
disk='' disk_vmlinuz='' disk_initrd=''
files=()
out_files=()
while [ $# -gt 0 ]; do
	case "$1" in
	-k | --kernel) kernel=$2; shift 2 ;;
	-p | --params) params=$2; shift 2 ;;
	-n | --no-load) load=0; shift ;;
	-K | --ko) ko=$2; shift 2 ;;
	-f | --file) files+=("$2"); shift 2 ;;
	-O | --out-file) out_files+=("$2"); shift 2 ;;
	-D | --disk) disk=$2; shift 2 ;;
	--vmlinuz) disk_vmlinuz=$2; shift 2 ;;
	--initrd) disk_initrd=$2; shift 2 ;;
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
declare -A out_names=()
for p in "${out_files[@]}"; do
	case "$p" in
	*[[:space:]]*) echo "run.sh: -O: no blanks in a guest path ('$p')" >&2; exit 2 ;;
	/?*) ;;
	*) echo "run.sh: -O wants an absolute guest path, not '$p'" >&2; exit 2 ;;
	esac
	p=${p%/}
	[ -z "${out_names[${p##*/}]:-}" ] ||
		{ echo "run.sh: -O: two paths named '${p##*/}' would land on one DIR/files/${p##*/}" >&2; exit 2; }
	out_names[${p##*/}]=1
done

fail_setup() { log "error: $*"; exit 122; }
# Until the boot, whatever fails is a setup failure, whoever reports it.
trap 'exit 122' ERR

mkdir -p "$MAPDRV_BUILD/vm"
work=$(mktemp -d "$MAPDRV_BUILD/vm/run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The modules a guest needs from its kernel package beyond mapdrv (a virtio
# transport and driver, where Debian builds them as modules): guest_modules
# DIR NAME... copies each, dependencies first, uncompressed, into DIR
# ($root/lib/modules/extra) and appends its name to mod_order, the load
# order. A module the kernel builds in is left out; one it has neither way
# fails the setup. It runs in this shell, so that fail_setup ends the run
# and a module two lists share is copied and loaded once.
declare -A mod_done=()
mod_dir='' mod_builtin=''
mod_order=()
guest_modules() {
	local dir=$1 name ko dep deps plain
	shift
	for name in "$@"; do
		name=${name//-/_}
		[ -z "${mod_done[$name]:-}" ] || continue
		mod_done[$name]=1
		if [ -n "$mod_builtin" ] && grep -q "/$name\.ko\$" <<<"$mod_builtin"; then
			continue
		fi
		ko=
		[ -z "$mod_dir" ] || ko=$(find "$mod_dir/kernel" \( -name "$name.ko*" -o \
			-name "${name//_/-}.ko*" \) -print -quit 2>/dev/null)
		[ -n "$ko" ] || fail_setup "$KREL neither builds in nor ships the module $name"
		mkdir -p "$dir"
		plain=$dir/$name.ko
		case "$ko" in
		*.xz) xz -dc "$ko" >"$plain" ;;
		*.zst) zstd -qdc "$ko" >"$plain" ;;
		*) cp "$ko" "$plain" ;;
		esac || fail_setup "cannot copy $ko"
		deps=$(/sbin/modinfo -F depends "$plain") || fail_setup "modinfo $plain failed"
		for dep in ${deps//,/ }; do
			guest_modules "$dir" "$dep"
		done
		mod_order+=("$name")
	done
}

if [ -z "$disk" ]; then
	# 1. The kernel and its headers, then the module built against them.
	env_file=$(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/kernel/fetch-kernel.sh" "$kernel") ||
		fail_setup "cannot fetch kernel $kernel"
	# shellcheck source=/dev/null
	. "$env_file"
	arch_vars "$DEB_ARCH" || fail_setup "kernel $kernel: unknown architecture '$DEB_ARCH'"
	if [ -z "$ko" ]; then
		ko=$(flock "$MAPDRV_BUILD/.build.lock" "$MAPDRV_TOP/scripts/kernel/build-module.sh" "$env_file") ||
			fail_setup "module build failed for $KREL"
	fi
	[ -f "$ko" ] || fail_setup "no module at $ko"

	# 2. The initramfs: busybox, the modules, the files. Private to this
	# run, so that several runs can go on at once.
	root=$work/root
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root,lib/modules}
	busybox=$(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/vm/fetch-busybox.sh" "$DEB_ARCH") ||
		fail_setup "no static busybox for $DEB_ARCH"
	cp "$busybox" "$root/bin/busybox"
	cp "$ko" "$root/lib/modules/mapdrv.ko"
	# The kernel package's modules (KROOT: none for the debug kernel,
	# which builds in what its guest needs) and what it builds in.
	for d in "${KROOT:+$KROOT/lib/modules/$KREL}" "${KROOT:+$KROOT/usr/lib/modules/$KREL}"; do
		[ -n "$d" ] && [ -d "$d/kernel" ] && mod_dir=$d
	done
	mod_builtin=$(cat "${mod_dir:-/nonexistent}/modules.builtin" "$KDIR/modules.builtin" 2>/dev/null |
		sed 's/-/_/g' || true)
	read -r -a want <<<"$ARCH_OUT_MODULES"
	guest_modules "$root/lib/modules/extra" "${want[@]}"
	console_mods=${mod_order[*]}
	mod_order=()
	if [ ${#out_files[@]} -gt 0 ]; then
		read -r -a want <<<"$ARCH_DISK_MODULES"
		guest_modules "$root/lib/modules/extra" "${want[@]}"
	fi
	disk_mods=${mod_order[*]}
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
		printf 'MAPDRV_CONSOLE_MODULES=%q\n' "$console_mods"
		printf 'MAPDRV_DISK_MODULES=%q\n' "$disk_mods"
		printf 'MAPDRV_OUT_FILES=%q\n' "${out_files[*]}"
	} >"$root/etc/mapdrv-vm.conf"
	initrd=$work/initramfs.cpio
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$initrd"
	boot=(-kernel "$VMLINUZ" -initrd "$initrd")
	what="$KREL ($DEB_ARCH"
	summary=${command_line%%$'\n'*}
	[ "$summary" = "$command_line" ] || summary="$summary ..."
else
	# A system on its own disk: its kernel, its initrd, its init.
	[ ${#out_files[@]} -eq 0 ] || fail_setup "--out-file needs the initramfs guest, not --disk"
	for f in "$disk" "$disk_vmlinuz" "$disk_initrd"; do
		[ -f "$f" ] || fail_setup "--disk needs an image, --vmlinuz and --initrd (missing: '$f')"
	done
	DEB_ARCH=$MAPDRV_HOST_ARCH VMLINUZ=$disk_vmlinuz QEMU_CPU=
	arch_vars "$DEB_ARCH" || fail_setup "unknown architecture '$DEB_ARCH'"
	boot=(-kernel "$disk_vmlinuz" -initrd "$disk_initrd"
		-drive "file=$disk,if=none,id=root,format=raw" -device "$ARCH_DISK_DEV,drive=root")
	what="$(basename "$disk") ($DEB_ARCH, its own init"
	summary="the system on $disk"
fi

# 3. Boot. KVM only where a probe boot showed it works; TCG otherwise.
qemu=$(flock "$MAPDRV_BUILD/.fetch.lock" "$MAPDRV_TOP/scripts/vm/fetch-qemu.sh" "$DEB_ARCH")
accel=tcg
if [ "$DEB_ARCH" = "$MAPDRV_HOST_ARCH" ]; then
	accel=$(MAPDRV_QEMU=$qemu "$MAPDRV_TOP/scripts/vm/accel.sh" "$VMLINUZ")
fi
mkdir -p "$out"
console=$out/console.log
output=$out/output.log
rm -rf "$console" "$output" "$out/files"
accel_opts=(-accel "$accel")
if [ -n "${MAPDRV_QEMU_ACCEL:-}" ]; then
	read -r -a accel_opts <<<"$MAPDRV_QEMU_ACCEL"
	accel=$MAPDRV_QEMU_ACCEL
fi
cpu=${MAPDRV_CPU:-${QEMU_CPU:-$ARCH_CPU}}
[ "$accel" = kvm ] && cpu=host
# The machine, the output console and the disk for files out.
machine=()
[ -z "$ARCH_MACHINE" ] || machine=(-M "$ARCH_MACHINE")
case "$ARCH_OUT_QEMU" in
serial) out_dev=(-serial "file:$output") ;;
virtconsole)
	out_dev=(-device "$ARCH_OUT_BUS" -chardev "file,id=out,path=$output"
		-device "virtconsole,chardev=out")
	;;
esac
files_dev=()
if [ ${#out_files[@]} -gt 0 ]; then
	# Sparse: only what the guest writes takes room.
	truncate -s 4G "$work/files.img"
	files_dev=(-drive "file=$work/files.img,if=none,id=files,format=raw"
		-device "$ARCH_DISK_DEV,drive=files")
fi
trap - ERR
log "booting $what, $accel, ${smp} vCPUs, ${mem} MiB): $summary"
set +e
# shellcheck disable=SC2086 # QEMU may be a command with options
timeout --foreground -k 10 "$timeout_s" $qemu "${machine[@]}" \
	"${accel_opts[@]}" -cpu "$cpu" -smp "$smp" -m "$mem" \
	-nodefaults -display none -no-reboot "${boot[@]}" \
	-append "console=$ARCH_CONSOLE panic=-1 panic_on_warn=1 oops=panic $append" \
	-serial "file:$console" "${out_dev[@]}" "${files_dev[@]}" \
	</dev/null >"$out/qemu.log" 2>&1
qemu_rc=$?
set -e
sed -i 's/\r$//' "$console" "$output" 2>/dev/null || true
[ "$quiet" = 1 ] || grep -v '^MAPDRV-VM-' "$output" || true

# The files: a tar archive at the start of the disk, if the guest wrote one.
if [ ${#out_files[@]} -gt 0 ] && [ -n "$(head -c 512 "$work/files.img" | tr -d '\0')" ]; then
	mkdir -p "$out/files"
	if ! tar -xf "$work/files.img" -C "$out/files"; then
		log "error: the guest's files did not come out whole (see $out/files)"
		files_broken=1
	fi
fi

# 4. Verdict: hang, splat, missing status, then the command's own status.
status=$(vm_verdict "$qemu_rc" "$timeout_s" "$console" "$output") || exit $?
[ "${files_broken:-0}" = 1 ] && [ "$status" = 0 ] && exit 122
exit "$status"
