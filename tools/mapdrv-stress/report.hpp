// SPDX-License-Identifier: GPL-2.0
//
// What mapdrv-stress says: a divergence as it is found (the first one at
// once, more with --verbose), and the summary at the end, as text or as one
// JSON object.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <linux/mapdrv.h>

#include "config.hpp"
#include "options.hpp"

namespace mapdrv::stress {

// What the supervisor found out, for the summary.
struct run_result {
	double seconds = 0;
	std::string set_mode_note;
	std::string populate_note;
	u64 restored_words = 0;
	bool unload_requested = false;
	std::vector<std::string> excluded;
	std::optional<bool> final_unload;
	std::string final_unload_note;
	mapdrv_info info_before{};
	mapdrv_info info_after{};
};

// One line: the operation, worker, seed, what, and the values it has.
std::string describe(const config &cfg, const divergence &d);
// Count @d; keep it if it is the first; print it unless a forked child
// found it (@may_print false: no stdio there); stop the run unless
// --keep-going.
void record_divergence(const config &cfg, shared_state &sh, const divergence &d, bool may_print);
// A first divergence a forked child recorded: print it from the parent.
void print_first_if_pending(const config &cfg, shared_state &sh);

// No divergence, and the final unload (if asked for) worked.
bool run_ok(const shared_state &sh, const run_result &rr);

void print_header(const options &opt, const config &cfg, const run_result &rr);
void print_text(const config &cfg, const shared_state &sh, const run_result &rr);
void print_json(const config &cfg, const shared_state &sh, const run_result &rr);

} // namespace mapdrv::stress
