// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the regression gate against a committed baseline.
#pragma once

#include <string>

#include "results.hpp"

namespace mapdrv::bench {

/* gate.json: this run's figures, the form of docs/bench-baseline.json. */
std::string render_gate_file(const results &r, double tolerance);

/*
 * Compare this run with the baseline @file: r.gate gets one check per
 * figure, regressed when more than @tolerance (0.03: 3%) above it.
 */
void check_gate(results &r, const std::string &file, double tolerance);

} // namespace mapdrv::bench
