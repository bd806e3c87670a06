// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: a series of repeated measurements, its median and spread,
// and the ratio of two series.
#pragma once

#include <string>
#include <vector>

namespace mapdrv::bench {

struct series {
	std::vector<double> samples;
	std::string unsupported;	/* non-empty: not measured, and why */

	void add(double v) { samples.push_back(v); }
	[[nodiscard]] bool ok() const { return unsupported.empty() && !samples.empty(); }

	/* The @q quantile, 0 <= q <= 1, interpolated between samples. */
	[[nodiscard]] double quantile(double q) const;
	[[nodiscard]] double median() const { return quantile(0.5); }
	[[nodiscard]] double min() const;
	[[nodiscard]] double max() const;
	/*
	 * Half the interquartile range, relative to the median: robust to the
	 * odd repetition a busy host preempts (min and max are in the JSON).
	 */
	[[nodiscard]] double spread() const;
};

/*
 * The ratio a/b as a series: per repetition when both have one sample per
 * repetition (repetitions are interleaved, so this cancels slow drifts of
 * the host), else the ratio of the medians.
 */
series ratio(const series &a, const series &b);

} // namespace mapdrv::bench
