// SPDX-License-Identifier: GPL-2.0
//
// The supervisor: everything but the workers' operations, in phases. It
// checks the device and what the kernel offers, stamps the pattern back,
// forks the worker processes (each runs its threads, one worker each),
// waits for them (killing them if they hang), checks the driver's counters
// and the whole buffer, unloads the module if asked to, and reports.
#pragma once

#include "options.hpp"

namespace mapdrv::stress {

// The whole run; its exit status (0 or exit_divergence; errors throw).
int run(const options &opt);

} // namespace mapdrv::stress
