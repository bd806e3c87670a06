// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the report as text tables.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include <mapdrv/cli.hpp>
#include <mapdrv/text.hpp>

#include "render.hpp"

namespace mapdrv::bench {

std::string title(const results &r)
{
	const std::string_view v = cli::version();
	std::string t = fmt("%s %.*s: Linux %s, %s", prog, static_cast<int>(v.size()),
			    v.data(), r.env.kernel.c_str(), r.env.accel.c_str());
	if (!r.env.machine.empty())
		t += " (" + r.env.machine + ")";
	t += fmt(", %ld CPUs", r.env.cpus);
	return t;
}

std::string num(double v)
{
	if (!std::isfinite(v))
		return "-";
	const double a = std::fabs(v);
	if (a >= 100)
		return fmt("%.0f", v);
	if (a >= 10)
		return fmt("%.1f", v);
	return fmt("%.2f", v);
}

std::string ratio_text(const series &r, const char *none)
{
	return r.ok() ? fmt("%.2fx", r.median()) : std::string(none);
}

std::string size_text(std::uint64_t bytes)
{
	if (bytes >= (1ULL << 30) && bytes % (1ULL << 30) == 0)
		return fmt("%" PRIu64 " GiB", bytes >> 30);
	if (bytes >= (1ULL << 20) && bytes % (1ULL << 20) == 0)
		return fmt("%" PRIu64 " MiB", bytes >> 20);
	return fmt("%" PRIu64 " KiB", bytes >> 10);
}

namespace {

std::string cell(const series &s, const char *format = nullptr)
{
	if (!s.ok())
		return "n/a";
	std::string m = format ? fmt(format, s.median()) : num(s.median());
	const double sp = s.spread();
	if (s.samples.size() < 2 || !std::isfinite(sp) || sp < 0.005)
		return m;
	return m + fmt(" ±%.0f%%", sp * 100);
}

class table {
public:
	explicit table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
	void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

	void print() const
	{
		std::vector<std::size_t> w;
		for (const auto &r : rows_)
			for (std::size_t i = 0; i < r.size(); ++i) {
				if (w.size() <= i)
					w.push_back(0);
				w[i] = std::max(w[i], width(r[i]));
			}
		for (std::size_t k = 0; k < rows_.size(); ++k) {
			std::string line = " ";
			for (std::size_t i = 0; i < rows_[k].size(); ++i) {
				const std::string &c = rows_[k][i];
				const std::string pad(w[i] - width(c), ' ');
				line += "  ";
				line += i == 0 ? c + pad : pad + c;
			}
			while (!line.empty() && line.back() == ' ')
				line.pop_back();
			std::printf("%s\n", line.c_str());
			if (k == 0) {
				std::size_t total = 1;
				for (const std::size_t x : w)
					total += x + 2;
				std::printf(" %s\n", std::string(total - 1, '-').c_str());
			}
		}
	}

private:
	/* Display width: UTF-8 continuation bytes take no column. */
	static std::size_t width(const std::string &s)
	{
		std::size_t n = 0;
		for (const char c : s)
			n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
		return n;
	}
	std::vector<std::vector<std::string>> rows_;
};

void print_header(const results &r)
{
	std::printf("%s\n", title(r).c_str());
	if (!r.machine.empty())
		std::printf("machine: %s\n", r.machine.c_str());
	std::printf("CPU: %s [%s]\n", r.env.cpu_model.c_str(), r.env.cpu_flags.c_str());
	std::printf("clock: %s\n", r.instructions()
		    ? "instructions (QEMU -icount shift=0: one guest ns is one instruction)"
		    : "wall clock (CLOCK_MONOTONIC)");
	std::printf("buffer: %zu bytes (%zu MiB) = %zu pages of %zu bytes, seed 0x%" PRIx64 "\n",
		    r.bytes, r.bytes >> 20, r.pages, r.page, static_cast<std::uint64_t>(r.info.seed));
	std::printf("%u repetitions after one discarded warm-up round, interleaved; each on a "
		    "fresh mapping.\nFigures: median ±spread (half the interquartile range, in %% of "
		    "the median;\nmin and max are in the JSON); ratios: median of per-repetition "
		    "ratios.\n", r.reps);
	std::printf("*** %s ***\n", r.timing_note().c_str());
	for (const std::string &n : r.notes)
		std::printf("note: %s\n", n.c_str());
}

void print_first_touch(const results &r)
{
	const std::string u = r.per_page();
	std::printf("\n1. First touch: one 8-byte read per page of a fresh mapping\n");
	table t({"subject", "touch " + u, "/fault", "/anon", "/shmem", "mmap " + u,
		 "mmap+touch " + u, "/fault", "/remap", "faults/page"});
	for (const subject &s : r.subjects) {
		const subject_ratios &q = s.ratios;
		t.add({s.label, cell(s.touch), ratio_text(q.touch_to_fault),
		       ratio_text(q.touch_to_anon), ratio_text(q.touch_to_shmem), cell(s.mmap),
		       cell(s.total), ratio_text(q.total_to_fault), ratio_text(q.total_to_remap),
		       cell(s.faults, "%.4f")});
	}
	t.print();
	std::printf("  anon: MAP_PRIVATE|MAP_ANONYMOUS, PROT_READ, THP off: a read fault maps "
		    "the shared zero page\n  (no page allocated or cleared). shmem: a memfd "
		    "written first (its pages in the page\n  cache), MAP_SHARED: the kernel maps "
		    "fault_around_bytes=%s per read fault.\n  remap: the same vmalloc buffer in "
		    "the benchmark-only module mapdrv_remap, mapped\n  by remap_vmalloc_range() at "
		    "mmap time.\n  faults/page: minor faults (getrusage); fault mode takes 1 per "
		    "page, so it is its own ratio.\n",
		    r.env.fault_around_bytes > 0 ? std::to_string(r.env.fault_around_bytes).c_str()
						 : "(unknown)");
}

/* Why a figure is missing, once per reason: "fault, anon: MADV_POPULATE_READ: ..." */
void print_missing(const results &r)
{
	std::vector<std::pair<std::string, std::string>> why;	/* reason, subjects */
	for (const subject &s : r.subjects) {
		for (const series *m : {&s.mpop, &s.madv}) {
			if (m->unsupported.empty())
				continue;
			auto it = std::find_if(why.begin(), why.end(),
					       [m](const auto &w) { return w.first == m->unsupported; });
			if (it == why.end())
				why.emplace_back(m->unsupported, s.name);
			else
				it->second += ", " + s.name;
		}
	}
	for (const auto &[reason, names] : why)
		std::printf("  n/a for %s: %s\n", names.c_str(), reason.c_str());
}

void print_populate(const results &r)
{
	const std::string u = r.per_page();
	std::printf("\n2. Populate: mmap(MAP_POPULATE), or mmap + madvise(MADV_POPULATE_READ), "
		    "then the same touch\n");
	table t({"subject", "MAP_POPULATE " + u, "/fault", "/touch", "faults/page",
		 "POPULATE_READ " + u, "/fault", "/touch", "faults/page"});
	for (const subject &s : r.subjects)
		t.add({s.label, cell(s.mpop), ratio_text(s.ratios.mpop_to_fault),
		       ratio_text(s.ratios.mpop_to_touch), cell(s.mpop_faults, "%.4f"),
		       cell(s.madv), ratio_text(s.ratios.madv_to_fault),
		       ratio_text(s.ratios.madv_to_touch), cell(s.madv_faults, "%.4f")});
	t.print();
	std::printf("  %s include the mmap (and madvise) call and the touch after it. "
		    "/fault: the same\n  method in fault mode; /touch: this subject's "
		    "mmap+touch of table 1.\n", u.c_str());
	print_missing(r);
}

/* "1.26" GB/s from a cost in ns per page; wall clock only. */
std::string gbps(const results &r, const series &cost)
{
	return cost.ok() ? fmt("%.2f", static_cast<double>(r.page) / cost.median()) : "n/a";
}

void print_warm_and_copy(const results &r)
{
	const std::string u = r.per_page();
	const bool wall = !r.instructions();
	std::printf("\n3. Warm streaming read: every 8-byte word, second pass over the mapping\n");
	std::vector<std::string> head{"subject", u, "/anon"};
	if (wall)
		head.emplace_back("GB/s");
	table t3(head);
	for (const subject &s : r.subjects) {
		std::vector<std::string> row{
			s.k == kind::anon ? std::string("anon (written, real pages)") : s.label,
			cell(s.warm), ratio_text(s.ratios.warm_to_anon)};
		if (wall)
			row.push_back(gbps(r, s.warm));
		t3.add(row);
	}
	t3.print();

	const copy_results &c = r.copy;
	std::printf("\n4. Copy the whole buffer into a faulted-in user buffer, 1 MiB at a time\n");
	head = {"method", u, "speed /loop", "speed /memcpy"};
	if (wall)
		head.emplace_back("GB/s");
	table t4(head);
	const auto row = [&](std::string name, const series &cost, std::string to_loop,
			     std::string to_memcpy) {
		std::vector<std::string> cells{std::move(name), cell(cost), std::move(to_loop),
					       std::move(to_memcpy)};
		if (wall)
			cells.push_back(gbps(r, cost));
		t4.add(cells);
	};
	row("read() of " + r.device, c.read, ratio_text(c.read_speed_to_loop),
	    ratio_text(c.read_speed_to_memcpy));
	row("copy_to_user()'s loop: " + c.loop_name, c.loop, c.loop.ok() ? "1.00x" : "-",
	    ratio_text(c.loop_speed_to_memcpy));
	row("memcpy (glibc)", c.memcpy_, "-", c.memcpy_.ok() ? "1.00x" : "-");
	t4.print();
	std::printf("  loop: the copy loop x86-64 copy_to_user() runs on this CPU and kernel, in "
		    "user space\n  (CPU flags: %s). speed /X: X's cost over this row's.\n",
		    r.env.cpu_flags.empty() ? "none" : r.env.cpu_flags.c_str());
}

void print_threads(const results &r)
{
	if (r.instructions()) {
		std::printf("\n5. Threads: not measured with an instruction clock (one vCPU at a "
			    "time); see the\n   wall-clock mode (make bench-wallclock).\n");
		return;
	}
	std::printf("\n5. First touch by 1 thread vs 2 threads on disjoint halves (%ld CPUs)\n",
		    r.env.cpus);
	table t({"subject", "1 thread ns/page", "2 threads ns/page", "speedup", "/compute"});
	for (const subject &s : r.subjects)
		if (s.threads)
			t.add({s.label, cell(s.t1), cell(s.t2), cell(s.speedup, "%.2fx"),
			       ratio_text(s.ratios.speedup_to_compute)});
	const compute_results &c = r.compute;
	t.add({"compute, no memory", cell(c.t1), cell(c.t2), cell(c.speedup, "%.2fx"),
	       ratio_text(c.speedup_to_compute)});
	t.print();
	std::printf("  ns/page: wall time over all pages; speedup: 1-thread time / 2-thread "
		    "time, per repetition.\n  compute: the same split of pure computation, what "
		    "two vCPUs give at all; below 2x\n  the host did not run both at once (load "
		    "from elsewhere). /compute: speedup / that.\n");
}

/* One table of a cost curve: a row per size, a column per subject. */
void print_curve(const results &r, const char *what, std::vector<series> subject::*curve)
{
	std::vector<std::string> head{"size"};
	for (const subject &s : r.subjects)
		if (s.curve)
			head.push_back(s.name);
	table t(head);
	for (std::size_t i = 0; i < r.curve_sizes.size(); ++i) {
		std::vector<std::string> row{size_text(r.curve_sizes[i])};
		for (const subject &s : r.subjects)
			if (s.curve)
				row.push_back(i < (s.*curve).size() ? cell((s.*curve)[i]) : "n/a");
		t.add(row);
	}
	std::printf("   %s, %s\n", what, r.per_page().c_str());
	t.print();
}

void print_curves(const results &r)
{
	if (r.curve_sizes.empty())
		return;
	std::printf("\n6. Cost curves: fresh mappings of each size, as many as make %zu MiB (at "
		    "least one),\n   median of %u repetitions\n", r.bytes >> 20, r.curve_reps);
	print_curve(r, "first touch", &subject::curve_touch);
	print_curve(r, "mmap", &subject::curve_mmap);
}

void print_targets(const results &r)
{
	std::printf("\nTargets (ratios within this run; information, not a verdict):\n");
	for (const target &t : r.targets) {
		const char *tag = !t.met ? "[n/a]   " : *t.met ? "[met]   " : "[MISSED]";
		std::printf("  %s %s: %s", tag, t.name.c_str(), t.value.c_str());
		if (!t.detail.empty())
			std::printf("  (%s)", t.detail.c_str());
		std::printf("\n");
	}
}

void print_gate(const results &r)
{
	const gate_results &g = r.gate;
	if (!g.ran)
		return;
	std::printf("\nGate: every figure against %s, at most +%.0f%%:\n", g.baseline_file.c_str(),
		    r.gate_tolerance * 100);
	for (const gate_check &c : g.checks)
		std::printf("  %s %s: baseline %.1f, now %.1f %s (%+.2f%%)\n",
			    c.regressed ? "[REGRESSED]" : "[ok]       ", c.figure.c_str(), c.baseline,
			    c.now, r.per_page().c_str(), (c.now / c.baseline - 1) * 100);
	for (const std::string &m : g.missing)
		std::printf("  [MISSING]   %s\n", m.c_str());
	if (g.config_differs)
		std::printf("  [NOTE]      the baseline was made with \"%s\",\n"
			    "              this run is \"%s\": a difference may come from there "
			    "(make bench-baseline)\n", g.baseline_config.c_str(), r.config().c_str());
	std::printf("gate: %s\n", g.failed() ? "FAILED" : "passed");
}

} // namespace

void print_text(const results &r)
{
	print_header(r);
	print_first_touch(r);
	print_populate(r);
	print_warm_and_copy(r);
	print_threads(r);
	print_curves(r);
	print_targets(r);
	print_gate(r);
	std::printf("\n*** %s ***\n", r.timing_note().c_str());
	if (r.instructions())
		std::printf("run: %.3g instructions in the guest\n", r.seconds * 1e9);
	else
		std::printf("run time %.0f s\n", r.seconds);
}

} // namespace mapdrv::bench
