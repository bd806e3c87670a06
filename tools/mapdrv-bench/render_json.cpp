// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the report as JSON (bench.json), every sample included.
#include <algorithm>
#include <vector>
#include <cinttypes>

#include <mapdrv/cli.hpp>
#include <mapdrv/json.hpp>
#include <mapdrv/text.hpp>

#include "render.hpp"

namespace mapdrv::bench {
namespace {

/* A series: median, quartiles, min, max, spread and every sample. */
void series_value(json_writer &j, const series &s)
{
	j.begin_object();
	if (!s.ok()) {
		j.key("unsupported").str(s.unsupported.empty() ? "no data" : s.unsupported);
		j.end_object();
		return;
	}
	j.key("median").number(s.median());
	j.key("min").number(s.min());
	j.key("max").number(s.max());
	j.key("p25").number(s.quantile(0.25));
	j.key("p75").number(s.quantile(0.75));
	j.key("spread").number(s.spread());
	j.key("samples").begin_array();
	for (const double v : s.samples)
		j.number(v);
	j.end_array();
	j.end_object();
}

/* A ratio series as its median, or null. */
void ratio_value(json_writer &j, const series &r)
{
	if (r.ok())
		j.number(r.median());
	else
		j.null();
}

/* "key": series, for each pair. */
void series_members(json_writer &j,
		    std::initializer_list<std::pair<const char *, const series *>> members)
{
	for (const auto &[name, s] : members) {
		j.key(name);
		series_value(j, *s);
	}
}

void ratio_members(json_writer &j,
		   std::initializer_list<std::pair<const char *, const series *>> members)
{
	for (const auto &[name, s] : members) {
		j.key(name);
		ratio_value(j, *s);
	}
}

void environment_value(json_writer &j, const results &r)
{
	const environment &e = r.env;
	j.begin_object();
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
	j.key("unit").str(r.unit());
	j.key("repetitions").integer(r.reps);
	j.key("warmup_rounds").integer(1);
	j.key("seconds").number(r.seconds);
	j.key("notes").begin_array();
	for (const std::string &n : r.notes)
		j.str(n);
	j.end_array();
	j.key("units").begin_object();
	j.key("cost").str(std::string(r.unit()) + " per page" +
			  (r.instructions() ? " (QEMU icount: one guest ns is one instruction)"
					    : " (CLOCK_MONOTONIC)"));
	j.key("faults").str("minor faults (getrusage) per page");
	j.key("ratio").str("median of per-repetition ratios of costs to the baseline's");
	j.key("speed").str("median of per-repetition ratios of the baseline's cost to this one's");
	j.key("spread").str("(p75 - p25) / 2 / median");
	j.end_object();
}

void curve_value(json_writer &j, const std::vector<series> &curve)
{
	j.begin_array();
	for (const series &p : curve)
		series_value(j, p);
	j.end_array();
}

void subject_value(json_writer &j, const subject &s)
{
	const subject_ratios &q = s.ratios;
	j.begin_object();
	j.key("name").str(s.name);
	j.key("label").str(s.label);
	j.key("kind").str(kind_name(s.k));
	if (s.k == kind::mapdrv) {
		j.key("mode").str(mode_name(s.mode));
		if (s.mode == MAPDRV_MODE_AROUND)
			j.key("window").integer(s.window);
		else
			j.key("window").null();
	}
	j.key("first_touch").begin_object();
	series_members(j, {{"mmap", &s.mmap}, {"touch", &s.touch}, {"mmap_touch", &s.total},
			   {"faults", &s.faults}});
	if (s.k == kind::mapdrv)
		series_members(j, {{"driver_faults", &s.driver_faults}});
	ratio_members(j, {{"touch_ratio_to_fault", &q.touch_to_fault},
			  {"touch_ratio_to_anon", &q.touch_to_anon},
			  {"touch_ratio_to_shmem", &q.touch_to_shmem},
			  {"mmap_touch_ratio_to_fault", &q.total_to_fault},
			  {"mmap_touch_ratio_to_remap", &q.total_to_remap}});
	j.end_object();
	j.key("map_populate").begin_object();
	series_members(j, {{"cost", &s.mpop}, {"faults", &s.mpop_faults}});
	ratio_members(j, {{"ratio_to_fault", &q.mpop_to_fault}, {"ratio_to_touch", &q.mpop_to_touch}});
	j.end_object();
	j.key("madv_populate_read").begin_object();
	series_members(j, {{"cost", &s.madv}, {"faults", &s.madv_faults}});
	ratio_members(j, {{"ratio_to_fault", &q.madv_to_fault}, {"ratio_to_touch", &q.madv_to_touch}});
	j.end_object();
	j.key("warm_read").begin_object();
	series_members(j, {{"cost", &s.warm}});
	ratio_members(j, {{"ratio_to_anon", &q.warm_to_anon}});
	j.end_object();
	if (s.threads && s.speedup.ok()) {
		j.key("threads").begin_object();
		series_members(j, {{"one", &s.t1}, {"two", &s.t2}, {"speedup", &s.speedup}});
		ratio_members(j, {{"speedup_ratio_to_compute", &q.speedup_to_compute}});
		j.end_object();
	} else {
		j.key("threads").null();
	}
	if (s.curve && !s.curve_touch.empty()) {
		j.key("curve").begin_object();
		j.key("mmap");
		curve_value(j, s.curve_mmap);
		j.key("touch");
		curve_value(j, s.curve_touch);
		j.end_object();
	}
	j.end_object();
}

void target_value(json_writer &j, const target &t)
{
	j.begin_object();
	j.key("name").str(t.name);
	j.key("value").str(t.value);
	if (t.met)
		j.key("met").boolean(*t.met);
	else
		j.key("met").null();
	j.key("detail").str(t.detail);
	j.end_object();
}

void gate_value(json_writer &j, const results &r)
{
	const gate_results &g = r.gate;
	j.key("gate");
	if (!g.ran) {
		j.null();
		return;
	}
	j.begin_object();
	j.key("baseline_file").str(g.baseline_file);
	j.key("baseline_config").str(g.baseline_config);
	j.key("tolerance").number(r.gate_tolerance);
	j.key("failed").boolean(g.failed());
	j.key("config_differs").boolean(g.config_differs);
	j.key("checks").begin_array();
	for (const gate_check &c : g.checks) {
		j.begin_object();
		j.key("figure").str(c.figure);
		j.key("baseline").number(c.baseline);
		j.key("now").number(c.now);
		j.key("regressed").boolean(c.regressed);
		j.end_object();
	}
	j.end_array();
	j.key("missing").begin_array();
	for (const std::string &m : g.missing)
		j.str(m);
	j.end_array();
	j.end_object();
}

} // namespace

std::string render_json(const results &r)
{
	json_writer j;
	j.begin_object();
	j.key("tool").str(prog);
	j.key("version").str(cli::version());
	j.key("note").str(r.timing_note());
	j.key("environment");
	environment_value(j, r);
	run_members(j, r);

	j.key("subjects").begin_array();
	for (const subject &s : r.subjects)
		subject_value(j, s);
	j.end_array();

	const compute_results &c = r.compute;
	j.key("compute_threads").begin_object();
	series_members(j, {{"one", &c.t1}, {"two", &c.t2}, {"speedup", &c.speedup}});
	j.end_object();
	j.key("copy").begin_object();
	j.key("chunk").integer(copy_chunk);
	j.key("loop").str(r.copy.loop_name);
	series_members(j, {{"read", &r.copy.read}, {"loop", &r.copy.loop},
			   {"memcpy", &r.copy.memcpy_}});
	ratio_members(j, {{"read_speed_to_loop", &r.copy.read_speed_to_loop},
			  {"read_speed_to_memcpy", &r.copy.read_speed_to_memcpy},
			  {"loop_speed_to_memcpy", &r.copy.loop_speed_to_memcpy}});
	j.end_object();
	j.key("curve_sizes").begin_array();
	for (const std::uint64_t b : r.curve_sizes)
		j.integer(b);
	j.end_array();
	j.key("curve_repetitions").integer(r.curve_reps);

	j.key("targets").begin_array();
	for (const target &t : r.targets)
		target_value(j, t);
	j.end_array();
	gate_value(j, r);
	j.end_object();
	return j.text() + "\n";
}

} // namespace mapdrv::bench
