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

void add_mapping_panel(bars &chart, const results &r)
{
	auto &p = chart.add_panel("1-2. Mapping plus first touch of every page: ns per page "
				  "(shorter is better)",
				  {"mmap + first touch", "MAP_POPULATE + touch",
				   "MADV_POPULATE_READ + touch"});
	for (const subject &s : r.subjects) {
		const subject_ratios &q = s.ratios;
		bars::row row;
		row.label = row_label(s);
		row.baseline = s.k != kind::mapdrv;
		row.bars.push_back(make_bar(s.total_ns, num(s.total_ns.median()) + " ns" +
							       rtext(q.total_to_fault, "fault") +
							       rtext(q.total_to_shmem, "shmem") +
							       fmt(" · %.3g faults/page",
								   s.faults.median())));
		row.bars.push_back(make_bar(s.mpop_ns, num(s.mpop_ns.median()) + " ns" +
							       rtext(q.mpop_to_fault, "fault")));
		row.bars.push_back(make_bar(s.madv_ns, num(s.madv_ns.median()) + " ns" +
							       rtext(q.madv_to_fault, "fault")));
		p.rows.push_back(std::move(row));
	}
	for (const char *name : {"fault", "shmem"})
		if (const subject *s = r.find(name); s && s->total_ns.ok())
			p.refs.push_back({s->total_ns.median(), name});
	p.note = "anon: MAP_PRIVATE anonymous memory, THP off: its read faults map the shared zero "
		 "page.\nshmem: a memfd MAP_SHARED, its pages already in the page cache: the kernel "
		 "maps fault_around_bytes per fault.";
}

void add_warm_panel(bars &chart, const results &r)
{
	auto &p = chart.add_panel("3. Warm streaming read of the whole mapping: GB/s (longer is "
				  "better)", {"GB/s"});
	for (const subject &s : r.subjects)
		p.rows.push_back(one_bar_row(
			s.k == kind::anon ? std::string("anon, written (baseline)") : row_label(s),
			s.k == kind::anon,
			make_bar(s.warm_gbps, num(s.warm_gbps.median()) + " GB/s" +
						      rtext(s.ratios.warm_to_anon, "anon"))));
	if (const subject *anon = r.find("anon"); anon && anon->warm_gbps.ok())
		p.refs.push_back({anon->warm_gbps.median(), "anon"});
}

void add_copy_panel(bars &chart, const results &r)
{
	auto &p = chart.add_panel("4. The whole buffer copied into a user buffer: GB/s (longer "
				  "is better)", {"GB/s"});
	const auto row = [&p](std::string label, const series &s, const series &to_memcpy,
			      bool baseline) {
		p.rows.push_back(one_bar_row(std::move(label), baseline,
					     make_bar(s, num(s.median()) + " GB/s" +
								 rtext(to_memcpy, "memcpy"))));
	};
	row("read() of /dev/mapdrv", r.copy.read_gbps, r.copy.read_to_memcpy, false);
	row("memcpy (baseline)", r.copy.memcpy_gbps, r.copy.memcpy_to_memcpy, true);
	row("rep movsb (diagnostic)", r.copy.movsb_gbps, r.copy.movsb_to_memcpy, false);
	p.note = "rep movsb: the instruction copy_to_user() uses on CPUs with ERMS/FSRM, "
		 "timed in user space.";
}

void add_threads_panel(bars &chart, const results &r)
{
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
							num(s.t1_ns.median()).c_str(),
							num(s.t2_ns.median()).c_str()))));
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

} // namespace

std::string render_svg(const results &r)
{
	const bool tcg = r.env.accel == "tcg";
	bars chart(fmt("mapdrv mapping modes, Linux %s, %s%s", r.env.kernel.c_str(),
		       tcg ? "QEMU TCG" : r.env.accel.c_str(), tcg ? " - TCG: only ratios matter" : ""),
		   subtitle(r));
	chart.set_warning(r.timing_note());
	add_mapping_panel(chart, r);
	add_warm_panel(chart, r);
	add_copy_panel(chart, r);
	add_threads_panel(chart, r);

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
