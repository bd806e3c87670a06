# SPDX-License-Identifier: GPL-2.0
#
# make bench: mapdrv-bench in a QEMU guest (tools/bench.sh), every mapping
# mode next to anonymous and shmem mappings, in one boot. build/bench/ gets
# the table (bench.txt), bench.json and the chart bench.svg.
#   make bench KERNEL=6.12
#   make bench MAPDRV_BENCH_REPS=21

BENCH_BIN := $(BUILD)/bin/mapdrv-bench

.PHONY: bench

tools: $(BENCH_BIN)

# Its thread-scaling measurement runs two threads.
$(BENCH_BIN): CXXFLAGS += -pthread

bench:
	tools/bench.sh $(KERNEL)
