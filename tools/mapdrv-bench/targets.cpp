// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the targets of the mapping modes, each met or missed, from
// the ratios already in the results.
#include <string>
#include <utility>

#include <mapdrv/text.hpp>

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
	target t{"warm streaming read >= 0.95x anonymous buffer", "not measured", std::nullopt, ""};
	if (!res.find("anon"))
		return t;
	series pooled;
	std::string lo_name, hi_name;
	double lo = 0, hi = 0;
	unsigned n = 0;
	for (const subject &s : res.subjects) {
		const series &r = s.ratios.warm_to_anon;
		if (s.k != kind::mapdrv || !r.ok())
			continue;
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
		t.detail = fmt("GB/s; median of the per-repetition ratios of all %u modes; "
			       "by mode %.2fx (%s) to %.2fx (%s)", n, lo, lo_name.c_str(), hi,
			       hi_name.c_str());
	}
	return t;
}

} // namespace

void evaluate_targets(results &r)
{
	const subject *around = r.find("around-16");
	const subject *eager = r.find("eager");
	const bool have_fault = r.find("fault") != nullptr;
	const bool have_shmem = r.find("shmem") != nullptr;

	r.targets.push_back(ratio_target("around-16 first touch <= 0.5x fault",
					 around && have_fault ? around->ratios.touch_to_fault : none,
					 0.5, true, "touch ns/page, median of per-repetition ratios"));
	r.targets.push_back(ratio_target("around-16 first touch <= 1.0x shmem (its fault-around)",
					 around && have_shmem ? around->ratios.touch_to_shmem : none,
					 1.0, true, "touch ns/page, median of per-repetition ratios"));
	r.targets.push_back(faults_target(around));
	r.targets.push_back(ratio_target("eager mmap + first touch <= 0.5x fault",
					 eager && have_fault ? eager->ratios.total_to_fault : none,
					 0.5, true, "(mmap + touch) ns/page"));
	r.targets.push_back(warm_target(r));
	r.targets.push_back(ratio_target("read() >= 0.9x memcpy", r.copy.read_to_memcpy, 0.9,
					 false, "GB/s, the whole buffer in 1 MiB pread() calls"));
}

} // namespace mapdrv::bench
