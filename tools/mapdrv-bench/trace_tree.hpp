// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: ftrace function_graph output as a tree of calls, with the
// tracer's own cost taken out. Each traced call costs the tracer about the
// same: e inside the call's own duration (the shortest leaf is almost all
// e) and about as much again around it, in its parent's. So a call's own
// cost is estimated as its duration - e - 2e per traced call below it.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace mapdrv::bench {

struct trace_call {
	std::string name;
	double duration = 0;	/* as traced: instructions under icount */
	double estimate = 0;	/* without the tracer's cost */
	std::size_t below = 0;	/* traced calls below this one */
	std::vector<std::unique_ptr<trace_call>> children;
};

struct trace_tree {
	std::vector<std::unique_ptr<trace_call>> roots;
	double per_call = 0;	/* e: the tracer's cost inside a traced call */
};

/* The calls of a function_graph trace (funcgraph-tail on, one CPU). */
trace_tree parse_trace(const std::string &text);

/*
 * The tree as indented lines "estimate  (traced)  name", calls whose
 * estimate is under @min_share of their root's left out.
 */
std::string summarize(const trace_tree &t, double min_share);

} // namespace mapdrv::bench
