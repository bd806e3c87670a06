#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# debug.sh STRESS_OPS TRINITY_SECONDS: runs in the sanitizer guest (busybox
# sh), copied in by scripts/check/check-debug.sh: the kselftest suite,
# mapdrv-stress, trinity against /dev/mapdrv as nobody, the unload and a
# kmemleak scan. Figures go out as "MAPDRV-FIG name value" lines.
stress_ops=${1:?stress operations}
trinity_s=${2:?trinity seconds}

kml=/sys/kernel/debug/kmemleak
echo clear > $kml			# forget what boot left behind
echo "### kselftest suite"
sh /root/guest-tests.sh /root/tests

echo "### mapdrv-stress"
lsmod | grep -q "^mapdrv" || insmod "$MAPDRV_KO"
mapdrv-stress --ops "$stress_ops" --seconds 3000 --procs 2 --threads 2 \
	--unload --json > /tmp/stress.json
echo "MAPDRV-FIG stress_exit $?"
cat /tmp/stress.json; echo

echo "### trinity"
lsmod | grep -q "^mapdrv" || insmod "$MAPDRV_KO"
chmod 0666 /dev/mapdrv			# trinity runs as nobody
mkdir -p /tmp/fuzz && chmod 0777 /tmp/fuzz && cd /tmp/fuzz || exit 1
timeout -s INT "$trinity_s" trinity -q -X -l off -V /dev/mapdrv \
	--disable-fds=sockets,pipes,perf,epoll,eventfd,pseudo,timerfd,testfile,memfd,drm \
	-c mmap -c munmap -c mremap -c mprotect -c madvise -c msync -c mincore \
	-c read -c write -c pread64 -c pwrite64 -c readv -c writev -c lseek \
	-c ioctl -c close -c dup -c fcntl -c mlock -c munlock \
	> /tmp/trinity.log 2>&1
echo "MAPDRV-FIG trinity_exit $?"
tail -n 15 /tmp/trinity.log
cd / || exit 1
sleep 2
echo "### unload"
rmmod mapdrv
echo "MAPDRV-FIG rmmod_exit $?"

echo "### kmemleak"
echo scan > $kml; sleep 6; echo scan > $kml
echo "MAPDRV-FIG kmemleak_reports $(grep -c "^unreferenced object" $kml)"
head -n 40 $kml
exit 0
