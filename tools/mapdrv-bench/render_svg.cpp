// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the report as an SVG chart (bench.svg).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mapdrv/cli.hpp>
#include <mapdrv/text.hpp>
#include <mapdrv/svg_bars.hpp>

#include "render.hpp"

namespace mapdrv::bench {
namespace {

using bars = mapdrv::svg_bars;

/* " · 0.27x fault", or nothing without the ratio. */
std::string rtext(const series &r, const char *name)
{
	return r.ok() ? fmt(" · %.2fx %s", r.median(), name) : std::string();
}

/* "anon, zero page (baseline)", "shmem, fault-around 16 (baseline)" */
std::string baseline_label(const subject &s)
{
	const std::string &l = s.label;
	const std::size_t paren = l.find(" (");
	if (paren == std::string::npos || l.back() != ')')
		return l + " (baseline)";
	return l.substr(0, paren) + ", " + l.substr(paren + 2, l.size() - paren - 3) + " (baseline)";
}

std::string row_label(const subject &s)
{
	return s.k == kind::mapdrv ? "mapdrv " + s.label : baseline_label(s);
}

bars::bar make_bar(const series &s, std::string label)
{
	bars::bar b;
	if (!s.ok()) {
		b.label = s.unsupported.empty() ? "n/a" : "n/a: " + s.unsupported;
		return b;
	}
	b.valid = true;
	b.value = s.median();
	b.lo = s.quantile(0.25);
	b.hi = s.quantile(0.75);
	b.label = std::move(label);
	return b;
}

bars::row one_bar_row(std::string label, bool baseline, bars::bar b)
{
	bars::row r;
	r.label = std::move(label);
	r.baseline = baseline;
	r.bars.push_back(std::move(b));
	return r;
}

/* The description in lines of a reasonable width: split at "; ". */
std::vector<std::string> subtitle(const results &r)
{
	std::vector<std::string> lines{
		fmt("%zu MiB buffer (%zu pages), %ld CPUs; median of %u repetitions, each on a fresh "
		    "mapping; whiskers: interquartile range.", r.bytes >> 20, r.pages, r.env.cpus,
		    r.reps)};
	const std::string_view v = cli::version();
	std::string first = fmt("%s %.*s; ", prog, static_cast<int>(v.size()), v.data());
	if (r.machine.empty()) {
		lines.push_back(first + r.env.cpu_model);
		return lines;
	}
	std::string_view rest = r.machine;
	while (!rest.empty()) {
		const std::size_t semi = rest.find("; ");
		lines.push_back(first + std::string(rest.substr(0, semi)));
		first.clear();
		rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 2);
	}
	return lines;
}

/* "1873 instructions", "4183 ns" */
std::string cost_text(const results &r, const series &s)
{
	return num(s.median()) + " " + (r.instructions() ? "instr" : "ns");
}

void add_refs(bars::panel &p, const results &r, series subject::*m,
	      std::initializer_list<const char *> names)
{
	for (const char *name : names)
		if (const subject *s = r.find(name); s && (s->*m).ok())
			p.refs.push_back({(s->*m).median(), name});
}

void add_mapping_panel(bars &chart, const results &r)
{
	auto &p = chart.add_panel("1-2. Mapping plus first touch of every page: " +
					  std::string(r.unit()) + " per page (shorter is better)",
				  {"mmap + first touch", "MAP_POPULATE + touch",
				   "MADV_POPULATE_READ + touch"});
	for (const subject &s : r.subjects) {
		const subject_ratios &q = s.ratios;
		bars::row row;
		row.label = row_label(s);
		row.baseline = s.k != kind::mapdrv;
		row.bars.push_back(make_bar(s.total, cost_text(r, s.total) +
							     rtext(q.total_to_fault, "fault") +
							     rtext(q.total_to_shmem, "shmem") +
							     rtext(q.total_to_remap, "remap") +
							     fmt(" · %.3g faults/page", s.faults.median())));
		row.bars.push_back(make_bar(s.mpop, cost_text(r, s.mpop) +
							    rtext(q.mpop_to_fault, "fault")));
		row.bars.push_back(make_bar(s.madv, cost_text(r, s.madv) +
							    rtext(q.madv_to_fault, "fault")));
		p.rows.push_back(std::move(row));
	}
	add_refs(p, r, &subject::total, {"fault", "shmem"});
	p.note = "anon: MAP_PRIVATE anonymous memory, THP off: its read faults map the shared zero "
		 "page.\nshmem: a memfd MAP_SHARED, its pages already in the page cache: the kernel "
		 "maps fault_around_bytes per fault.\nremap: the same vmalloc buffer mapped by "
		 "remap_vmalloc_range() at mmap time (benchmark-only module).";
}

void add_warm_panel(bars &chart, const results &r)
{
	auto &p = chart.add_panel("3. Warm streaming read of the whole mapping: " +
					  std::string(r.unit()) + " per page (shorter is better)",
				  {r.per_page()});
	for (const subject &s : r.subjects)
		p.rows.push_back(one_bar_row(
			s.k == kind::anon ? std::string("anon, written (baseline)") : row_label(s),
			s.k == kind::anon,
			make_bar(s.warm, cost_text(r, s.warm) + rtext(s.ratios.warm_to_anon, "anon"))));
	add_refs(p, r, &subject::warm, {"anon"});
}

void add_copy_panel(bars &chart, const results &r)
{
	const copy_results &c = r.copy;
	auto &p = chart.add_panel("4. The whole buffer copied into a user buffer: " +
					  std::string(r.unit()) + " per page (shorter is better)",
				  {r.per_page()});
	p.rows.push_back(one_bar_row("read() of /dev/mapdrv", false,
				     make_bar(c.read, cost_text(r, c.read) + " · speed " +
							      ratio_text(c.read_speed_to_loop) +
							      " loop, " +
							      ratio_text(c.read_speed_to_memcpy) +
							      " memcpy")));
	p.rows.push_back(one_bar_row("copy_to_user()'s loop (baseline)", true,
				     make_bar(c.loop, cost_text(r, c.loop) + " · " + c.loop_name)));
	p.rows.push_back(one_bar_row("glibc memcpy", true,
				     make_bar(c.memcpy_, cost_text(r, c.memcpy_))));
	p.note = "loop: the copy loop x86-64 copy_to_user() runs on this CPU and kernel, run in "
		 "user space: the fair comparison for read().";
}

void add_threads_panel(bars &chart, const results &r)
{
	if (r.instructions())
		return;
	auto &p = chart.add_panel("5. First touch, 2 threads on disjoint halves: speedup over 1 "
				  "thread (longer is better)", {"speedup"});
	for (const subject &s : r.subjects) {
		if (!s.threads)
			continue;
		p.rows.push_back(one_bar_row(
			row_label(s), s.k != kind::mapdrv,
			make_bar(s.speedup, fmt("%.2fx", s.speedup.median()) +
						    rtext(s.ratios.speedup_to_compute, "compute") +
						    fmt(" · %s → %s ns/page",
							num(s.t1.median()).c_str(),
							num(s.t2.median()).c_str()))));
	}
	p.rows.push_back(one_bar_row("compute, no memory (baseline)", true,
				     make_bar(r.compute.speedup,
					      fmt("%.2fx: what the two vCPUs gave at all",
						  r.compute.speedup.median()))));
	p.note = "compute: the same split of pure computation; below 2x, the host did not run "
		 "both vCPUs at once.";
	p.refs.push_back({1.0, "1x"});
	p.refs.push_back({2.0, "2x"});
}

/* A cost curve: a row per subject, a bar per mapping size. */
void add_curve_panel(bars &chart, const results &r, const std::string &title,
		     std::vector<series> subject::*curve)
{
	std::vector<std::string> sizes;
	for (const std::uint64_t b : r.curve_sizes)
		sizes.push_back(size_text(b));
	auto &p = chart.add_panel(title, sizes);
	for (const subject &s : r.subjects) {
		if (!s.curve || (s.*curve).empty())
			continue;
		bars::row row;
		row.label = row_label(s);
		row.baseline = s.k != kind::mapdrv;
		for (std::size_t i = 0; i < (s.*curve).size(); ++i) {
			const series &pt = (s.*curve)[i];
			row.bars.push_back(make_bar(pt, sizes[i] + ": " + num(pt.median())));
		}
		p.rows.push_back(std::move(row));
	}
}

void add_curve_panels(bars &chart, const results &r)
{
	if (r.curve_sizes.empty())
		return;
	const std::string u = r.unit();
	add_curve_panel(chart, r, "6a. First touch by mapping size: " + u + " per page "
				  "(flat: no cost grows with the size)", &subject::curve_touch);
	add_curve_panel(chart, r, "6b. mmap() by mapping size: " + u + " per page (flat: the call "
				  "grows with the size; falling: a fixed cost)", &subject::curve_mmap);
}

/* First touch against the window of the around mode: fault is a window of 1. */
void add_window_panel(bars &chart, const results &r)
{
	auto &p = chart.add_panel("1c. First touch by around window: " + std::string(r.unit()) +
					  " per page (shorter is better)", {r.per_page()});
	for (const subject &s : r.subjects)
		if (s.k == kind::mapdrv && s.mode != MAPDRV_MODE_EAGER)
			p.rows.push_back(one_bar_row(row_label(s), false,
						     make_bar(s.touch, cost_text(r, s.touch) +
								       rtext(s.ratios.touch_to_shmem,
									     "shmem"))));
	add_refs(p, r, &subject::touch, {"anon", "shmem"});
	p.note = "Reference lines: the zero-page read fault (anon) and shmem's fault-around.";
}

} // namespace

std::string render_svg(const results &r)
{
	const bool tcg = r.env.accel == "tcg";
	const char *how = r.instructions() ? ", instruction counts"
			  : tcg		   ? ", wall clock: only ratios matter"
					   : ", wall clock";
	bars chart(fmt("mapdrv mapping modes, Linux %s, %s%s", r.env.kernel.c_str(),
		       tcg ? "QEMU TCG" : r.env.accel.c_str(), how),
		   subtitle(r));
	chart.set_warning(r.timing_note());
	add_mapping_panel(chart, r);
	add_window_panel(chart, r);
	add_warm_panel(chart, r);
	add_copy_panel(chart, r);
	add_threads_panel(chart, r);
	add_curve_panels(chart, r);

	std::vector<std::string> footer;
	for (const target &t : r.targets)
		footer.push_back(fmt("%s %s: %s", !t.met ? "[n/a]" : *t.met ? "[met]" : "![MISSED]",
				     t.name.c_str(), t.value.c_str()));
	for (const std::string &n : r.notes)
		footer.push_back("note: " + n);
	chart.set_footer(std::move(footer));
	return chart.render();
}

} // namespace mapdrv::bench
