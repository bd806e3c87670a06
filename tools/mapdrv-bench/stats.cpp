// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: medians, quantiles and ratios of repeated measurements.
#include "stats.hpp"

#include <algorithm>
#include <cmath>

namespace mapdrv::bench {

double series::quantile(double q) const
{
	if (!ok())
		return NAN;
	std::vector<double> s = samples;
	std::sort(s.begin(), s.end());
	const double pos = q * static_cast<double>(s.size() - 1);
	const auto lo = static_cast<std::size_t>(std::floor(pos));
	const std::size_t hi = std::min(lo + 1, s.size() - 1);
	return s[lo] + (s[hi] - s[lo]) * (pos - static_cast<double>(lo));
}

double series::min() const
{
	return ok() ? *std::min_element(samples.begin(), samples.end()) : NAN;
}

double series::max() const
{
	return ok() ? *std::max_element(samples.begin(), samples.end()) : NAN;
}

double series::spread() const
{
	const double m = median();
	if (!ok() || m == 0)
		return NAN;
	return (quantile(0.75) - quantile(0.25)) / 2 / std::fabs(m);
}

series ratio(const series &a, const series &b)
{
	series r;
	if (!a.ok() || !b.ok()) {
		r.unsupported = !a.ok() ? (a.unsupported.empty() ? "no data" : a.unsupported)
					: (b.unsupported.empty() ? "no data" : b.unsupported);
		return r;
	}
	if (a.samples.size() == b.samples.size()) {
		for (std::size_t i = 0; i < a.samples.size(); ++i)
			if (b.samples[i] != 0)
				r.add(a.samples[i] / b.samples[i]);
	} else if (b.median() != 0) {
		r.add(a.median() / b.median());
	}
	if (r.samples.empty())
		r.unsupported = "division by zero";
	return r;
}

} // namespace mapdrv::bench
