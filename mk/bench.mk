# SPDX-License-Identifier: GPL-2.0
#
# The benchmark: mapdrv-bench in a QEMU guest (scripts/bench.sh), every mapping
# mode next to anonymous memory, shmem, remap_vmalloc_range() and the floors
# of a page-backed fault (the benchmark-only modules in scripts/bench/), in
# one boot; the tables, charts and gate made on the host from its JSON by jq
# and gnuplot (scripts/bench/).
#   make bench           instruction counts (QEMU -icount: the figures repeat
#                        from run to run): the gate pass (16 MiB, what the
#                        gate compares), then the full pass, cost curves and
#                        the ftrace profile; build/bench/
#   make bench-wallclock the wall clock, two vCPUs, with the thread scaling
#                        table; build/bench-wallclock/
#   make bench-gate      the gate pass alone, on a guest set up as make
#                        bench's, against docs/bench-baseline.json: fails
#                        when a cost per page is more than 3% above it, or
#                        missing (build/bench-gate/)
#   make bench-baseline  make bench, then from that one run
#                        docs/bench-baseline.json (its gate pass), the
#                        figures of docs/bench.md and docs/bench.{svg,png}
#                        (its full pass)
#   make bench KERNEL=6.12 BENCH_REPS=7

BENCH_REPS ?=
BENCH_CURVES ?= 1M,4M,16M,64M,256M,1G
BENCH_BASELINE := docs/bench-baseline.json
# Every instruction-count run: the gate boots a guest the same size as
# make bench's (the curves set it), then runs only the gate pass.
BENCH_ENV := MAPDRV_BENCH_CLOCK=instructions MAPDRV_BENCH_CURVES=$(BENCH_CURVES) \
	MAPDRV_BENCH_CURVE_REPS=3 $(if $(BENCH_REPS),MAPDRV_BENCH_REPS=$(BENCH_REPS))

.PHONY: bench bench-wallclock bench-gate bench-baseline

## bench (bench): the gate pass, then instruction counts, cost curves and the ftrace profile, in build/bench/
bench:
	$(BENCH_ENV) MAPDRV_BENCH_PROFILE=1 scripts/bench.sh $(KERNEL)

## bench-wallclock (bench): the wall clock on two vCPUs, with thread scaling, in build/bench-wallclock/
bench-wallclock:
	MAPDRV_BENCH_CLOCK=wall $(if $(BENCH_REPS),MAPDRV_BENCH_REPS=$(BENCH_REPS)) \
		scripts/bench.sh $(KERNEL)

## bench-gate (bench): the gate pass alone, failed when a cost per page rises above docs/bench-baseline.json
bench-gate:
	$(BENCH_ENV) MAPDRV_BENCH_PASSES=gate MAPDRV_BENCH_OUT=$(BUILD)/bench-gate \
		MAPDRV_BENCH_GATE=$(BENCH_BASELINE) scripts/bench.sh $(KERNEL)

## bench-baseline (bench): make bench, then docs/bench-baseline.json, docs/bench.md's figures and charts from it
bench-baseline:
	$(BENCH_ENV) MAPDRV_BENCH_PROFILE=1 MAPDRV_BENCH_OUT=$(BUILD)/bench scripts/bench.sh $(KERNEL)
	scripts/bench/docs.sh $(BUILD)/bench
