// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: refaults. A mapping is touched in full, then three patterns
// in turn drop pages with MADV_DONTNEED and read each dropped page again:
// one page at a time (64 of them, each refaulted before the next is
// dropped), every 16th page, every page; the first two repeated on a
// mapping smaller than 64 MiB until they cover that much. Per refaulted page: the cost of
// the read and the minor faults. Then the same over userfaultfd-wp markers
// where the kernel registers a mapdrv VMA for UFFD_FEATURE_WP_ASYNC. In a
// pass of its own after the timed ones, a kprobe on vm_insert_pages()
// counts the calls per refault, so that the probe is in no timed figure.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mapdrv/text.hpp>

#include "loops.hpp"
#include "measure.hpp"

/* Linux 6.7's; the build host's headers may be older than the guest. */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif

namespace mapdrv::bench {
namespace {

/* Single-page refaults per sample, spread over the mapping. */
constexpr std::size_t one_page_refaults = 64;
constexpr std::size_t sixteenth = 16;

const std::string kprobe_dir = "/sys/kernel/tracing/";
const std::string kprobe_group = "mapdrv_bench", kprobe_event = "vip";

/* Append @line to tracefs file @file; "" or why not. */
std::string tracefs_append(const std::string &file, const std::string &line)
{
	const int fd = ::open((kprobe_dir + file).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return kprobe_dir + file + ": " + std::strerror(errno);
	const mapdrv::unique_fd f(fd);
	const std::string text = line + "\n";
	if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
		return "'" + line + "' into " + kprobe_dir + file + ": " + std::strerror(errno);
	return "";
}

/* A userfaultfd registered for asynchronous write-protection of @m. */
struct wp_registration {
	mapdrv::unique_fd uffd;
	std::string why;	/* non-empty: not registered, and why */
};

wp_registration register_wp_async(const mapdrv::mapping &m)
{
	wp_registration r;
	const long fd = ::syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		r.why = "userfaultfd: " + errno_name(errno) + " (" + std::strerror(errno) + ")";
		return r;
	}
	r.uffd.reset(static_cast<int>(fd));
	uffdio_api api{};
	api.api = UFFD_API;
	api.features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED;
	if (::ioctl(r.uffd.get(), UFFDIO_API, &api) < 0) {
		r.why = "UFFDIO_API with UFFD_FEATURE_WP_ASYNC: " + errno_name(errno) +
			" (not offered: a kernel before 6.7)";
		return r;
	}
	uffdio_register reg{};
	reg.range.start = reinterpret_cast<std::uintptr_t>(m.data());
	reg.range.len = m.size();
	reg.mode = UFFDIO_REGISTER_MODE_WP;
	if (::ioctl(r.uffd.get(), UFFDIO_REGISTER, &reg) < 0) {
		r.why = "UFFDIO_REGISTER_MODE_WP of a mapdrv VMA: " + errno_name(errno) +
			" (this kernel refuses special VMAs)";
		return r;
	}
	uffdio_writeprotect wp{};
	wp.range = reg.range;
	wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
	if (::ioctl(r.uffd.get(), UFFDIO_WRITEPROTECT, &wp) < 0)
		throw_errno("UFFDIO_WRITEPROTECT");
	return r;
}

} // namespace

/*
 * The hits of a kprobe on vm_insert_pages(), made and enabled for the
 * calls pass and removed after it. "why" says why there is none.
 */
class kprobe_counter {
public:
	kprobe_counter()
		: why_(tracefs_append("kprobe_events",
				      "p:" + kprobe_group + "/" + kprobe_event + " vm_insert_pages"))
	{
		if (why_.empty()) {
			made_ = true;
			why_ = tracefs_append("events/" + kprobe_group + "/" + kprobe_event + "/enable",
					      "1");
		}
		if (!why_.empty())
			why_ = "no kprobe on vm_insert_pages(): " + why_;
	}

	kprobe_counter(const kprobe_counter &) = delete;
	kprobe_counter &operator=(const kprobe_counter &) = delete;

	~kprobe_counter()
	{
		if (!made_)
			return;
		tracefs_append("events/" + kprobe_group + "/" + kprobe_event + "/enable", "0");
		tracefs_append("kprobe_events", "-:" + kprobe_group + "/" + kprobe_event);
	}

	[[nodiscard]] const std::string &why() const { return why_; }

	/* kprobe_profile's line "  vip  HITS  MISSES". */
	[[nodiscard]] std::uint64_t hits() const
	{
		std::ifstream in(kprobe_dir + "kprobe_profile");
		std::string line;
		while (std::getline(in, line)) {
			std::istringstream words(line);
			std::string name;
			std::uint64_t n = 0;
			if (words >> name >> n && name == kprobe_event)
				return n;
		}
		throw std::runtime_error("no " + kprobe_event + " in " + kprobe_dir +
					 "kprobe_profile");
	}

private:
	std::string why_;
	bool made_ = false;
};

/* An empty timed touch (no page): what a one-page refault's figure is less. */
void runner::measure_clock_overhead()
{
	std::vector<double> v;
	for (int i = 0; i < 33; ++i) {
		const std::int64_t t0 = now_ns();
		sink = touch_pages(anon_src_.data(), 0, 0, page_, 0, 0);
		v.push_back(static_cast<double>(now_ns() - t0));
	}
	std::sort(v.begin(), v.end());
	res_.clock_overhead = v[v.size() / 2];
}

/*
 * The three patterns on one fresh mapping of @s, touched in full first;
 * over write-protected markers if @wp. With @calls, the kprobe's hits per
 * fault instead of the costs.
 */
void runner::refault_set_of(subject &s, refault_set &set, bool wp, bool record,
			    kprobe_counter *calls)
{
	double ignored;
	/* UFFDIO_REGISTER wants VM_MAYWRITE: a file open for writing. */
	mapdrv::mapping m = map(s, bytes_, 0, ignored, wp);
	check_pages(s, touch_pages(m.data(), 0, pages_, page_, key_of(s), mask_of(s)),
		    "refault, first touch");
	wp_registration reg;
	if (wp) {
		reg = register_wp_async(m);
		if (!reg.why.empty()) {
			set.set_unsupported(reg.why);
			return;
		}
	}
	const std::uint64_t key = key_of(s), mask = mask_of(s);
	const auto drop = [&](std::size_t first, std::size_t n) {
		if (madvise(m.data() + first * page_, n * page_, MADV_DONTNEED) < 0)
			throw_errno("madvise MADV_DONTNEED");
	};
	/* The small patterns as many times as it takes to cover 64 MiB (the curves' rule). */
	const std::size_t cycles = std::max<std::size_t>(1, recommended_size / bytes_);
	for (std::size_t p = 0; p < refault_patterns; ++p) {
		double cost = 0;
		std::size_t n = 0, refaulted = 0;	/* timed in the cost; refaulted */
		std::uint64_t bad = 0, f0 = 0, f1 = 0, h0 = 0, h1 = 0;
		if (p == refault_all) {
			n = refaulted = pages_;
			drop(0, pages_);
			f0 = minor_faults();
			h0 = calls ? calls->hits() : 0;
			const std::int64_t t0 = now_ns();
			bad += touch_pages(m.data(), 0, pages_, page_, key, mask);
			const std::int64_t t1 = now_ns();
			h1 = calls ? calls->hits() : 0;
			f1 = minor_faults();
			cost = static_cast<double>(t1 - t0);
		} else {
			/* Each refault timed on its own, less an empty timed read. */
			std::vector<double> each;
			const auto refault_page = [&](std::size_t page) {
				const std::int64_t t0 = now_ns();
				bad += touch_pages(m.data(), page, 1, page_, key, mask);
				const std::int64_t t1 = now_ns();
				each.push_back(static_cast<double>(t1 - t0) - res_.clock_overhead);
			};
			/* MADV_DONTNEED takes no fault and inserts nothing: count around all. */
			f0 = minor_faults();
			h0 = calls ? calls->hits() : 0;
			for (std::size_t c = 0; c < cycles; ++c) {
				if (p == refault_one) {
					/* One page past the middle of each slice: off every window's edge. */
					const std::size_t stride = pages_ / one_page_refaults;
					for (std::size_t k = 0; k < one_page_refaults; ++k) {
						drop(k * stride + stride / 2 + 1, 1);
						refault_page(k * stride + stride / 2 + 1);
					}
				} else {
					for (std::size_t k = 0; k < pages_; k += sixteenth)
						drop(k, 1);
					for (std::size_t k = 0; k < pages_; k += sixteenth)
						refault_page(k);
				}
			}
			/*
			 * A refault that an interrupt landed in costs thousands more:
			 * those above twice the median are left out, so that the figure
			 * is the refaults' and not the host's timing of the guest's
			 * interrupts (which moved it by 1.4% between two boots).
			 */
			h1 = calls ? calls->hits() : 0;
			f1 = minor_faults();
			refaulted = each.size();
			std::vector<double> sorted = each;
			std::sort(sorted.begin(), sorted.end());
			const double limit = 2 * sorted[sorted.size() / 2];
			for (const double v : each) {
				if (v <= limit) {
					cost += v;
					++n;
				}
			}
		}
		check_pages(s, bad, wp ? "refault over uffd-wp markers" : "refault");
		refault_results &r = set.pattern[p];
		const std::uint64_t nfaults = f1 - f0;
		if (calls) {
			if (nfaults)
				r.insert_calls.add(static_cast<double>(h1 - h0) /
						   static_cast<double>(nfaults));
		} else if (record) {
			r.cost.add(cost / static_cast<double>(n));
			r.faults.add(static_cast<double>(nfaults) / static_cast<double>(refaulted));
		}
	}
}

/* Which subjects refault: every one with a .fault (remap has none). */
void runner::refault(subject &s, bool record)
{
	if (s.k == kind::remap) {
		s.refault.set_unsupported("remap_vmalloc_range() maps at mmap and has no .fault: "
					  "a refault is SIGBUS");
		s.refault_wp.set_unsupported(s.refault.unsupported);
		return;
	}
	refault_set_of(s, s.refault, false, record, nullptr);
	if (s.k != kind::mapdrv)
		s.refault_wp.set_unsupported("measured for mapdrv's modes only");
	else if (s.refault_wp.unsupported.empty())
		refault_set_of(s, s.refault_wp, true, record, nullptr);
}

/* The calls pass: once, after every timed measurement. */
void runner::refault_calls()
{
	progress("vm_insert_pages() calls per refault (a kprobe)");
	kprobe_counter calls;
	if (!calls.why().empty()) {
		for (subject &s : res_.subjects)
			for (refault_set *set : {&s.refault, &s.refault_wp})
				for (refault_results &r : set->pattern)
					r.insert_calls = series{{}, calls.why()};
		return;
	}
	for (subject &s : res_.subjects) {
		if (s.k == kind::remap)
			continue;
		refault_set_of(s, s.refault, false, false, &calls);
		if (s.k == kind::mapdrv && s.refault_wp.unsupported.empty())
			refault_set_of(s, s.refault_wp, true, false, &calls);
	}
}

} // namespace mapdrv::bench
