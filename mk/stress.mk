# SPDX-License-Identifier: GPL-2.0
#
# mapdrv-stress: random operations from several processes and threads against
# an oracle (tools/mapdrv-stress/). `make tools` builds it; `make stress`
# runs it in a QEMU guest with the module loaded, ending with an unload:
#   make stress KERNEL=6.12
#   make stress STRESS_ARGS='--seconds 300 --procs 2 --threads 2 --seed 0x1234'
# The guest's status is the tool's (0 no divergence, 1 divergence or failed
# unload), or run.sh's own (120 kernel splat, 121 panic, 124 hang).

STRESS_BIN := $(OUT)/bin/mapdrv-stress
STRESS_ARGS ?= --seconds 60
STRESS_OUT ?= $(BUILD)/vm/stress

.PHONY: stress

## stress (run): mapdrv-stress in a QEMU guest of KERNEL, ending with an unload
stress: $(STRESS_BIN)
	scripts/vm/run.sh -k $(KERNEL) -o $(STRESS_OUT) -f $(STRESS_BIN):/root/bin/mapdrv-stress \
		-- 'mapdrv-stress --unload $(STRESS_ARGS)'
