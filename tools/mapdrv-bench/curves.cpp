// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: cost curves. mmap and first touch, per page, of the
// subjects that matter (fault, around-16, eager and the baselines) at each
// size of --curve-sizes: what grows with the size and what does not.
#include <cinttypes>

#include <mapdrv/text.hpp>

#include "loops.hpp"
#include "measure.hpp"

namespace mapdrv::bench {

void runner::curve_point(subject &s, std::size_t i, std::size_t bytes)
{
	if (bytes > limit_of(s)) {
		s.curve_mmap[i].unsupported = s.curve_touch[i].unsupported =
			fmt("its buffer is %zu bytes", limit_of(s));
		return;
	}
	double mmap_ns = 0;
	const mapdrv::mapping m = map(s, bytes, 0, mmap_ns);
	const std::size_t pages = bytes / page_;
	const double touch = timed_touch(s, m, pages, "cost curve");
	s.curve_mmap[i].add(mmap_ns / static_cast<double>(pages));
	s.curve_touch[i].add(touch / static_cast<double>(pages));
}

void runner::curves()
{
	const std::vector<std::uint64_t> &sizes = opt_.curve_sizes;
	if (sizes.empty())
		return;
	for (subject &s : res_.subjects) {
		if (!s.curve)
			continue;
		s.curve_mmap.assign(sizes.size(), series{});
		s.curve_touch.assign(sizes.size(), series{});
	}
	for (unsigned rep = 0; rep < opt_.curve_reps; ++rep) {
		for (std::size_t i = 0; i < sizes.size(); ++i) {
			progress(fmt("cost curves: repetition %u of %u, %" PRIu64 " MiB", rep + 1,
				     opt_.curve_reps, sizes[i] >> 20));
			for (subject &s : res_.subjects)
				if (s.curve && s.curve_touch[i].unsupported.empty())
					curve_point(s, i, static_cast<std::size_t>(sizes[i]));
		}
	}
}

} // namespace mapdrv::bench
