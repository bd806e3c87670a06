# SPDX-License-Identifier: GPL-2.0
#
# make bench: mapdrv-bench in a QEMU guest (scripts/bench.sh), every mapping
# mode next to anonymous and shmem mappings, in one boot. build/bench/ gets
# the table (bench.txt), bench.json and the chart bench.svg.
#   make bench KERNEL=6.12
#   make bench MAPDRV_BENCH_REPS=21

.PHONY: bench

bench:
	scripts/bench.sh $(KERNEL)
