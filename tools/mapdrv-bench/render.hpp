// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the three renderings of one results structure. Each only
// reads it; the formatting helpers they share are here too.
#pragma once

#include <cstdint>
#include <string>

#include "bench.hpp"
#include "results.hpp"

namespace mapdrv::bench {

/* The table on standard output. */
void print_text(const results &r);
/* bench.json: everything, every sample. */
std::string render_json(const results &r);
/* bench.svg: the chart. */
std::string render_svg(const results &r);

/* "mapdrv-bench 0.1.0: Linux 6.1.0-..., tcg (QEMU ...), 2 CPUs" */
std::string title(const results &r);
/* A number with 2 to 3 significant digits; "-" when not finite. */
std::string num(double v);
/* "1 MiB", "1 GiB" */
std::string size_text(std::uint64_t bytes);
/* A ratio series' median as "0.27x", or @none. */
std::string ratio_text(const series &r, const char *none = "-");

} // namespace mapdrv::bench
