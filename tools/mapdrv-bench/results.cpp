// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: names, look-ups and the derived figures of the results.
#include <cerrno>
#include <algorithm>
#include <system_error>

#include <mapdrv/text.hpp>

#include "bench.hpp"
#include "results.hpp"

namespace mapdrv::bench {

void throw_errno(const std::string &what)
{
	throw std::system_error(errno, std::generic_category(), what);
}

const char *kind_name(kind k)
{
	switch (k) {
	case kind::mapdrv: return "mapdrv";
	case kind::anon: return "anon";
	case kind::shmem: return "shmem";
	case kind::remap: return "remap";
	}
	return "?";
}

const char *mode_name(std::uint32_t mode)
{
	switch (mode) {
	case MAPDRV_MODE_FAULT: return "fault";
	case MAPDRV_MODE_AROUND: return "around";
	case MAPDRV_MODE_EAGER: return "eager";
	default: return "?";
	}
}

const subject *results::find(const std::string &name) const
{
	for (const subject &s : subjects)
		if (s.name == name)
			return &s;
	return nullptr;
}

const char *results::unit() const
{
	return instructions() ? "instructions" : "ns";
}

std::string results::per_page() const
{
	return instructions() ? "instr/page" : "ns/page";
}

std::string results::config() const
{
	return fmt("%s clock, Linux %s, %s, %s [%s], %zu pages of %zu bytes, %u repetitions",
		   instructions() ? "instruction" : "wall", env.kernel.c_str(),
		   env.machine.c_str(), env.cpu_model.c_str(), env.cpu_flags.c_str(), pages, page,
		   reps);
}

bool gate_results::failed() const
{
	return !missing.empty() ||
	       std::any_of(checks.begin(), checks.end(), [](const gate_check &c) { return c.regressed; });
}

std::string results::timing_note() const
{
	if (instructions())
		return "Instructions (QEMU icount: 1 guest ns = 1 instruction): repeatable, "
		       "not times on any hardware.";
	if (env.accel == "tcg")
		return "Under TCG (QEMU's CPU emulator) wall-clock times do not represent hardware: "
		       "only the ratios within this run are meaningful.";
	return "Absolute times depend on this machine and its load: compare the ratios, which "
	       "come from one run.";
}

void derive_ratios(results &r)
{
	static const series none{{}, "no baseline"};
	const subject *fault = r.find("fault");
	const subject *shmem = r.find("shmem");
	const subject *anon = r.find("anon");
	const subject *remap = r.find("remap");
	const auto of = [](const subject *s, series subject::*m) -> const series & {
		return s ? s->*m : none;
	};

	for (subject &s : r.subjects) {
		subject_ratios &q = s.ratios;
		q.touch_to_fault = ratio(s.touch, of(fault, &subject::touch));
		q.touch_to_shmem = ratio(s.touch, of(shmem, &subject::touch));
		q.touch_to_anon = ratio(s.touch, of(anon, &subject::touch));
		q.total_to_fault = ratio(s.total, of(fault, &subject::total));
		q.total_to_shmem = ratio(s.total, of(shmem, &subject::total));
		q.total_to_remap = ratio(s.total, of(remap, &subject::total));
		q.mpop_to_fault = ratio(s.mpop, of(fault, &subject::mpop));
		q.mpop_to_touch = ratio(s.mpop, s.total);
		q.madv_to_fault = ratio(s.madv, of(fault, &subject::madv));
		q.madv_to_touch = ratio(s.madv, s.total);
		q.warm_to_anon = ratio(s.warm, of(anon, &subject::warm));
		q.speedup_to_compute = ratio(s.speedup, r.compute.speedup);
	}
	copy_results &c = r.copy;
	c.read_speed_to_loop = ratio(c.loop, c.read);
	c.read_speed_to_memcpy = ratio(c.memcpy_, c.read);
	c.loop_speed_to_memcpy = ratio(c.memcpy_, c.loop);
	r.compute.speedup_to_compute = ratio(r.compute.speedup, r.compute.speedup);
}

std::vector<std::pair<std::string, double>> gate_figures(const results &r)
{
	std::vector<std::pair<std::string, double>> out;
	const auto add = [&out](const std::string &name, const series &s) {
		if (s.ok())
			out.emplace_back(name, s.median());
	};
	for (const subject &s : r.subjects) {
		add(s.name + " mmap+touch", s.total);
		add(s.name + " MAP_POPULATE+touch", s.mpop);
		add(s.name + " POPULATE_READ+touch", s.madv);
		add(s.name + " warm read", s.warm);
	}
	add("read()", r.copy.read);
	return out;
}

} // namespace mapdrv::bench
