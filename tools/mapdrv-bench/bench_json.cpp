// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: bench.json, the run and every sample. A measurement is an
// array of samples, one per repetition, in the unit of the run per page,
// or a string: why it was not measured. A cost curve is an array of those,
// one per size of "curve_sizes". docs/bench.md describes every member.
#include <algorithm>
#include <cinttypes>
#include <initializer_list>
#include <utility>

#include <mapdrv/cli.hpp>
#include <mapdrv/json.hpp>
#include <mapdrv/text.hpp>

#include "results.hpp"

namespace mapdrv::bench {
namespace {

void series_value(json_writer &j, const series &s)
{
	if (!s.unsupported.empty() || s.samples.empty()) {
		j.str(s.unsupported.empty() ? "not measured" : s.unsupported);
		return;
	}
	j.begin_array();
	for (const double v : s.samples)
		j.raw(fmt("%.10g", v));	/* json_writer::number keeps 6 digits */
	j.end_array();
}

/* "key": series, for each pair, in an object of its own. */
void series_object(json_writer &j, const char *key,
		   std::initializer_list<std::pair<const char *, const series *>> members)
{
	j.key(key).begin_object();
	for (const auto &[name, s] : members) {
		j.key(name);
		series_value(j, *s);
	}
	j.end_object();
}

void environment_value(json_writer &j, const results &r)
{
	const environment &e = r.env;
	j.key("environment").begin_object();
	j.key("kernel").str(e.kernel);
	j.key("description").str(r.machine);
	j.key("accel").str(e.accel);
	j.key("machine").str(e.machine);
	j.key("cpu_model").str(e.cpu_model);
	j.key("cpu_flags").str(e.cpu_flags);
	j.key("cpus").integer(static_cast<std::uint64_t>(std::max(e.cpus, 0L)));
	j.key("thp_enabled").str(e.thp);
	if (e.fault_around_bytes > 0)
		j.key("fault_around_bytes").integer(static_cast<std::uint64_t>(e.fault_around_bytes));
	else
		j.key("fault_around_bytes").null();
	j.end_object();
}

void run_members(json_writer &j, const results &r)
{
	j.key("device").str(r.device);
	j.key("buffer_size").integer(r.info.size);
	j.key("size").integer(r.bytes);
	j.key("page_size").integer(r.page);
	j.key("pages").integer(r.pages);
	j.key("seed").str(fmt("0x%016" PRIx64, static_cast<std::uint64_t>(r.info.seed)));
	j.key("clock").str(r.instructions() ? "instructions" : "wall");
	j.key("unit").str(r.instructions() ? "instructions" : "ns");
	j.key("repetitions").integer(r.reps);
	j.key("warmup_rounds").integer(1);
	j.key("seconds").raw(fmt("%.10g", r.seconds));
	j.key("clock_overhead").raw(fmt("%.10g", r.clock_overhead));
	j.key("notes").begin_array();
	for (const std::string &n : r.notes)
		j.str(n);
	j.end_array();
	j.key("curve_sizes").begin_array();
	for (const std::uint64_t b : r.curve_sizes)
		j.integer(b);
	j.end_array();
	j.key("curve_repetitions").integer(r.curve_reps);
}

void curve_value(json_writer &j, const std::vector<series> &curve)
{
	j.begin_array();
	for (const series &p : curve)
		series_value(j, p);
	j.end_array();
}

/* "key": {"one": {...}, "every_16th": {...}, "all": {...}}, or why not. */
void refault_value(json_writer &j, const char *key, const refault_set &set)
{
	j.key(key);
	if (!set.unsupported.empty()) {
		j.str(set.unsupported);
		return;
	}
	j.begin_object();
	for (std::size_t p = 0; p < refault_patterns; ++p) {
		const refault_results &r = set.pattern[p];
		series_object(j, refault_name(p), {{"cost", &r.cost}, {"faults", &r.faults},
						   {"insert_calls", &r.insert_calls}});
	}
	j.end_object();
}

void subject_value(json_writer &j, const subject &s)
{
	j.begin_object();
	j.key("name").str(s.name);
	j.key("kind").str(kind_name(s.k));
	if (s.k == kind::mapdrv) {
		j.key("mode").str(mode_name(s.mode));
		if (s.mode == MAPDRV_MODE_AROUND)
			j.key("window").integer(s.window);
		else
			j.key("window").null();
	}
	/* driver_faults: MAPDRV_IOC_INFO's count, "not measured" for a baseline */
	series_object(j, "first_touch", {{"mmap", &s.mmap}, {"touch", &s.touch},
					 {"faults", &s.faults}, {"driver_faults", &s.driver_faults}});
	series_object(j, "map_populate", {{"cost", &s.mpop}, {"faults", &s.mpop_faults}});
	series_object(j, "madv_populate_read", {{"cost", &s.madv}, {"faults", &s.madv_faults}});
	series_object(j, "warm_read", {{"cost", &s.warm}});
	refault_value(j, "refault", s.refault);
	refault_value(j, "refault_wp", s.refault_wp);
	if (!s.t1.samples.empty())
		series_object(j, "threads", {{"one", &s.t1}, {"two", &s.t2}});
	if (!s.curve_touch.empty()) {
		j.key("curve").begin_object();
		j.key("mmap");
		curve_value(j, s.curve_mmap);
		j.key("touch");
		curve_value(j, s.curve_touch);
		j.end_object();
	}
	j.end_object();
}

} // namespace

std::string render_json(const results &r)
{
	json_writer j;
	j.begin_object();
	j.key("tool").str(prog);
	j.key("version").str(cli::version());
	environment_value(j, r);
	run_members(j, r);
	j.key("subjects").begin_array();
	for (const subject &s : r.subjects)
		subject_value(j, s);
	j.end_array();
	if (!r.compute.t1.samples.empty())
		series_object(j, "compute_threads", {{"one", &r.compute.t1}, {"two", &r.compute.t2}});
	j.key("copy_chunk").integer(copy_chunk);
	j.key("copy_loop").str(r.copy.loop_name);
	series_object(j, "copy", {{"read", &r.copy.read}, {"loop", &r.copy.loop},
				  {"memcpy", &r.copy.memcpy_}});
	j.end_object();
	return j.text() + "\n";
}

} // namespace mapdrv::bench
