// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench --profile: where the instructions of one mapping and one
// fault go, subject by subject, from ftrace's function_graph tracer. Under
// QEMU's icount a trace duration of 1 us is 1000 instructions, so the
// tracer is a profiler without a PMU. Durations include the tracer's own
// cost for every traced call below them: compare shapes and shares, and
// take totals from the benchmark itself.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

#include <mapdrv/text.hpp>

#include "loops.hpp"
#include "measure.hpp"
#include "trace_tree.hpp"

namespace mapdrv::bench {
namespace {

const std::string tracefs = "/sys/kernel/tracing/";

void trace_write(const std::string &file, const std::string &value)
{
	std::ofstream out(tracefs + file);
	out << value << '\n';
	out.flush();
	if (!out)
		throw std::runtime_error("cannot write '" + value + "' to " + tracefs + file +
					 " (is tracefs mounted, with function_graph?)");
}

std::string trace_read()
{
	std::ifstream in(tracefs + "trace");
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

/* The mappings profiled: small, so that an eager mmap's trace stays short. */
constexpr std::size_t profile_pages = 16;

} // namespace

void runner::profile_subject(const subject &s)
{
	const std::size_t bytes = profile_pages * page_;
	trace_write("trace", "");
	trace_write("tracing_on", "1");
	trace_write("trace_marker", "mapdrv-bench: mmap " + s.name);
	double mmap_ns = 0;
	const mapdrv::mapping m = map(s, bytes, 0, mmap_ns);
	trace_write("trace_marker", "mapdrv-bench: first touch " + s.name);
	const std::uint64_t bad = touch_pages(m.data(), 0, 1, page_, key_of(s), mask_of(s));
	trace_write("tracing_on", "0");
	check_pages(s, bad, "profile");
	const std::string trace = trace_read();
	std::printf("==== %s: mmap of %zu pages, then one read of its first page\n", s.name.c_str(),
		    profile_pages);
	std::fputs(summarize(parse_trace(trace), 0.02).c_str(), stdout);
	std::printf("---- the trace\n");
	std::fputs(trace.c_str(), stdout);
}

void runner::profile()
{
	setup();
	const std::string depth = std::to_string(opt_.profile_depth);
	trace_write("tracing_on", "0");
	trace_write("current_tracer", "nop");
	trace_write("set_graph_function", "vm_mmap_pgoff handle_mm_fault");
	trace_write("set_ftrace_pid", std::to_string(::getpid()));
	trace_write("max_graph_depth", depth);
	trace_write("current_tracer", "function_graph");
	trace_write("options/funcgraph-tail", "1");
	trace_write("options/funcgraph-irqs", "0");
	std::printf("mapdrv-bench --profile: function_graph of vm_mmap_pgoff and handle_mm_fault, "
		    "depth %s (0: all);\n%s\nDurations: 1 us = 1000 instructions under icount; "
		    "they include the tracer's cost for each traced call below.\n"
		    "Per subject: the calls as a tree, 'estimate' without the tracer's cost, calls "
		    "under 2%% of\ntheir root left out; then the trace itself.\n\n",
		    depth.c_str(),
		    fmt("Linux %s, %s, %ld CPUs", res_.env.kernel.c_str(), res_.env.accel.c_str(),
			res_.env.cpus).c_str());
	for (const char *name : {"fault", "around-16", "eager", "remap", "anon", "shmem", "floor-array",
				 "floor-none"})
		if (const subject *s = res_.find(name))
			profile_subject(*s);
	trace_write("current_tracer", "nop");
	trace_write("set_graph_function", "");
	trace_write("set_ftrace_pid", "");
	trace_write("max_graph_depth", "0");
}

} // namespace mapdrv::bench
