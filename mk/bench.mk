# SPDX-License-Identifier: GPL-2.0
#
# The benchmark: mapdrv-bench in a QEMU guest (scripts/bench.sh), every mapping
# mode next to anonymous memory, shmem and remap_vmalloc_range() (the
# benchmark-only module in scripts/bench/remap-baseline/), in one boot; the
# tables, charts and gate made on the host from its bench.json by jq and
# gnuplot (scripts/bench/).
#   make bench           instruction counts (QEMU -icount: the figures repeat
#                        from run to run), cost curves, the ftrace profile;
#                        build/bench/bench.{json,txt,svg,png}, profile.txt
#   make bench-wallclock the wall clock, two vCPUs, with the thread scaling
#                        table; build/bench-wallclock/
#   make bench-gate      a short instruction-count run against
#                        docs/bench-baseline.json: fails when a cost per page
#                        is more than 3% above it, or missing (build/bench-gate/)
#   make bench-baseline  refresh docs/bench-baseline.json on purpose
#   make bench-docs      make bench and make bench-baseline, then the figures
#                        docs/bench.md quotes and docs/bench.{svg,png} from them
#   make bench KERNEL=6.12 BENCH_REPS=7

BENCH_REPS ?=
BENCH_CURVES ?= 1M,4M,16M,64M,256M,1G
BENCH_BASELINE := docs/bench-baseline.json
# The gate's short run: every subject, 16 MiB, three repetitions.
BENCH_GATE_ENV := MAPDRV_BENCH_CLOCK=instructions MAPDRV_BENCH_SIZE=16777216 \
	MAPDRV_BENCH_REPS=3 MAPDRV_BENCH_CURVES= MAPDRV_BENCH_OUT=$(BUILD)/bench-gate

.PHONY: bench bench-wallclock bench-gate bench-baseline bench-docs

## bench (bench): instruction counts, cost curves and the ftrace profile, in build/bench/
bench:
	MAPDRV_BENCH_CLOCK=instructions MAPDRV_BENCH_CURVES=$(BENCH_CURVES) MAPDRV_BENCH_CURVE_REPS=3 \
		MAPDRV_BENCH_PROFILE=1 $(if $(BENCH_REPS),MAPDRV_BENCH_REPS=$(BENCH_REPS)) \
		scripts/bench.sh $(KERNEL)

## bench-wallclock (bench): the wall clock on two vCPUs, with thread scaling, in build/bench-wallclock/
bench-wallclock:
	MAPDRV_BENCH_CLOCK=wall $(if $(BENCH_REPS),MAPDRV_BENCH_REPS=$(BENCH_REPS)) \
		scripts/bench.sh $(KERNEL)

## bench-gate (bench): a short run, failed when a cost per page rises above docs/bench-baseline.json
bench-gate:
	$(BENCH_GATE_ENV) MAPDRV_BENCH_GATE=$(BENCH_BASELINE) scripts/bench.sh $(KERNEL)

## bench-baseline (bench): refresh docs/bench-baseline.json on purpose
bench-baseline:
	$(BENCH_GATE_ENV) scripts/bench.sh $(KERNEL)
	cp $(BUILD)/bench-gate/figures.json $(BENCH_BASELINE)
	@echo "$(BENCH_BASELINE) refreshed: review and commit it"

# One after the other: two benchmark guests at once would slow each other
# (the figures are instruction counts, but the run takes twice as long).
## bench-docs (bench): make bench and bench-baseline, then docs/bench.md's figures and charts
bench-docs:
	MAPDRV_BENCH_OUT=$(BUILD)/bench $(MAKE) bench
	$(MAKE) bench-baseline
	scripts/bench/docs.sh $(BUILD)/bench
