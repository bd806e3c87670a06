// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: cost curves. mmap and first touch, per page, of the
// subjects that matter (fault, around-16, eager and the baselines) at each
// size of --curve-sizes: what grows with the size and what does not.
#include <algorithm>
#include <cinttypes>

#include <mapdrv/text.hpp>

#include "loops.hpp"
#include "measure.hpp"

namespace mapdrv::bench {

/*
 * One sample: fresh mappings of @bytes until they add up to the main
 * tables' size at least, so that a small size is not at the mercy of one
 * timer interrupt more or less (with an instruction clock, a tick is a few
 * thousand instructions in a few hundred thousand).
 */
void runner::curve_point(subject &s, std::size_t i, std::size_t bytes)
{
	if (bytes > limit_of(s)) {
		s.curve_mmap[i].unsupported = s.curve_touch[i].unsupported =
			fmt("its buffer is %zu bytes", limit_of(s));
		return;
	}
	const std::size_t pages = bytes / page_;
	const std::size_t times = std::max<std::size_t>(1, bytes_ / bytes);
	double mmap_sum = 0, touch_sum = 0;
	for (std::size_t k = 0; k < times; ++k) {
		double mmap_ns = 0;
		const mapdrv::mapping m = map(s, bytes, 0, mmap_ns);
		touch_sum += timed_touch(s, m, pages, "cost curve");
		mmap_sum += mmap_ns;
	}
	const double n = static_cast<double>(pages * times);
	s.curve_mmap[i].add(mmap_sum / n);
	s.curve_touch[i].add(touch_sum / n);
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
