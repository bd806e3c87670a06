// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: names, look-ups and the derived figures of the results.
#include <cerrno>
#include <system_error>

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

std::string results::timing_note() const
{
	if (env.accel == "tcg")
		return "Under TCG (QEMU's CPU emulator) absolute times do not represent hardware: "
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
	const auto of = [](const subject *s, series subject::*m) -> const series & {
		return s ? s->*m : none;
	};

	for (subject &s : r.subjects) {
		subject_ratios &q = s.ratios;
		q.touch_to_fault = ratio(s.touch_ns, of(fault, &subject::touch_ns));
		q.touch_to_shmem = ratio(s.touch_ns, of(shmem, &subject::touch_ns));
		q.total_to_fault = ratio(s.total_ns, of(fault, &subject::total_ns));
		q.total_to_shmem = ratio(s.total_ns, of(shmem, &subject::total_ns));
		q.mpop_to_fault = ratio(s.mpop_ns, of(fault, &subject::mpop_ns));
		q.mpop_to_touch = ratio(s.mpop_ns, s.total_ns);
		q.madv_to_fault = ratio(s.madv_ns, of(fault, &subject::madv_ns));
		q.madv_to_touch = ratio(s.madv_ns, s.total_ns);
		q.warm_to_anon = ratio(s.warm_gbps, of(anon, &subject::warm_gbps));
		q.speedup_to_compute = ratio(s.speedup, r.compute.speedup);
	}
	copy_results &c = r.copy;
	c.read_to_memcpy = ratio(c.read_gbps, c.memcpy_gbps);
	c.memcpy_to_memcpy = ratio(c.memcpy_gbps, c.memcpy_gbps);
	c.movsb_to_memcpy = ratio(c.movsb_gbps, c.memcpy_gbps);
	r.compute.speedup_to_compute = ratio(r.compute.speedup, r.compute.speedup);
}

} // namespace mapdrv::bench
