// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the targets of the mapping modes, each met or missed, from
// the ratios already in the results.
#include <string>
#include <utility>

#include <mapdrv/text.hpp>

#include "render.hpp"
#include "results.hpp"

namespace mapdrv::bench {
namespace {

const series none{{}, "mode unsupported by this module"};

target ratio_target(std::string name, const series &r, double limit, bool at_most,
		    std::string detail)
{
	target t{std::move(name), "-", std::nullopt, std::move(detail)};
	if (r.ok()) {
		const double v = r.median();
		t.value = fmt("%.2fx", v);
		t.met = at_most ? v <= limit : v >= limit;
	} else {
		t.value = "not measured";
		t.detail = r.unsupported;
	}
	return t;
}

target faults_target(const subject *around)
{
	target t{"around-16 faults per page about 1/16 (0.0625)", "-", std::nullopt,
		 "minor faults (getrusage) per page; met within 0.75/16 .. 1.25/16"};
	if (around && around->faults.ok()) {
		const double v = around->faults.median();
		t.value = fmt("%.4f (1/%.1f)", v, v > 0 ? 1 / v : 0.0);
		t.met = v >= 0.75 / 16 && v <= 1.25 / 16;
	} else {
		t.value = "not measured";
		t.detail = none.unsupported;
	}
	return t;
}

/*
 * The modes differ only in how the PTEs get there: once the first pass is
 * over, every mode reads the same pages through the same 4 KiB PTEs. So
 * the per-repetition ratios of all modes are pooled; the per-mode medians
 * are in the detail (and the table).
 */
target warm_target(const results &res)
{
	target t{"warm streaming read >= 0.95x anonymous buffer (speed)", "not measured",
		 std::nullopt, ""};
	if (!res.find("anon"))
		return t;
	series pooled;
	std::string lo_name, hi_name;
	double lo = 0, hi = 0;
	unsigned n = 0;
	for (const subject &s : res.subjects) {
		if (s.k != kind::mapdrv || !s.ratios.warm_to_anon.ok())
			continue;
		series r;	/* speed ratios: the inverse of the cost ratios */
		for (const double v : s.ratios.warm_to_anon.samples)
			r.add(1 / v);
		++n;
		pooled.samples.insert(pooled.samples.end(), r.samples.begin(), r.samples.end());
		if (lo_name.empty() || r.median() < lo) {
			lo_name = s.name;
			lo = r.median();
		}
		if (hi_name.empty() || r.median() > hi) {
			hi_name = s.name;
			hi = r.median();
		}
	}
	if (pooled.ok()) {
		t.value = fmt("%.2fx", pooled.median());
		t.met = pooled.median() >= 0.95;
		t.detail = fmt("median of the per-repetition ratios of all %u modes; "
			       "by mode %.2fx (%s) to %.2fx (%s)", n, lo, lo_name.c_str(), hi,
			       hi_name.c_str());
	}
	return t;
}

} // namespace

void evaluate_targets(results &r)
{
	const subject *fault = r.find("fault");
	const subject *around = r.find("around-16");
	const subject *eager = r.find("eager");
	const bool have_fault = fault != nullptr;
	const bool have_shmem = r.find("shmem") != nullptr;
	const bool have_anon = r.find("anon") != nullptr;
	const bool have_remap = r.find("remap") != nullptr;
	const std::string touch = std::string("touch ") + r.unit() + " per page, median of "
				  "per-repetition ratios";
	const std::string total = std::string("(mmap + touch) ") + r.unit() + " per page";

	r.targets.push_back(ratio_target("fault first touch <= 1.15x anon (zero-page read fault)",
					 fault && have_anon ? fault->ratios.touch_to_anon : none,
					 1.15, true, touch));
	r.targets.push_back(ratio_target("around-16 first touch <= 0.6x shmem (its fault-around)",
					 around && have_shmem ? around->ratios.touch_to_shmem : none,
					 0.6, true, touch));
	r.targets.push_back(ratio_target("eager mmap + first touch <= 0.8x remap_vmalloc_range()",
					 eager && have_remap ? eager->ratios.total_to_remap
							     : series{{}, "no remap baseline"},
					 0.8, true, total));
	r.targets.push_back(ratio_target(
		"read() >= 0.9x memcpy with copy_to_user()'s loop (" + r.copy.loop_name + ")",
		r.copy.read_speed_to_loop, 0.9, false,
		"speed, the whole buffer in 1 MiB pread() calls; against glibc memcpy: " +
			ratio_text(r.copy.read_speed_to_memcpy)));
	r.targets.push_back(ratio_target("around-16 first touch <= 0.5x fault",
					 around && have_fault ? around->ratios.touch_to_fault : none,
					 0.5, true, touch));
	r.targets.push_back(faults_target(around));
	r.targets.push_back(ratio_target("eager mmap + first touch <= 0.5x fault",
					 eager && have_fault ? eager->ratios.total_to_fault : none,
					 0.5, true, total));
	r.targets.push_back(warm_target(r));
}

} // namespace mapdrv::bench
