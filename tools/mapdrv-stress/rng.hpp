// SPDX-License-Identifier: GPL-2.0
//
// The random source of mapdrv-stress, and how it picks among named cases.
//
// Replay depends on this file: a seed must draw the same numbers, in the
// same order, for as long as old runs are worth replaying. A weighted table
// is picked with one draw, rng::below(sum of the weights), walked along the
// cumulative weights: a case of weight w takes w consecutive values of the
// draw, in table order. So {a, 6}, {b, 3}, {c, 91} is exactly the old
// "u = below(100); u < 6 ? a : u < 9 ? b : c".
#pragma once

#include <cstddef>
#include <cstdint>

namespace mapdrv::stress {

// xoshiro256**, seeded through splitmix64.
class rng {
public:
	explicit rng(std::uint64_t seed)
	{
		std::uint64_t x = seed;
		for (std::uint64_t &w : s_)
			w = splitmix(x);
	}

	std::uint64_t next()
	{
		++draws_;
		const std::uint64_t r = rotl(s_[1] * 5, 7) * 9;
		const std::uint64_t t = s_[1] << 17;
		s_[2] ^= s_[0];
		s_[3] ^= s_[1];
		s_[1] ^= s_[2];
		s_[0] ^= s_[3];
		s_[2] ^= t;
		s_[3] = rotl(s_[3], 45);
		return r;
	}

	// Uniform in [0, n); 0, without a draw, if n == 0.
	std::uint64_t below(std::uint64_t n)
	{
		return n ? static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64) : 0;
	}

	// Uniform in [lo, hi].
	std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }

	bool chance(unsigned permille) { return below(1000) < permille; }

	// How many numbers were drawn so far (for --trace-ops).
	[[nodiscard]] std::uint64_t draws() const { return draws_; }

	static std::uint64_t splitmix(std::uint64_t &x)
	{
		std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		return z ^ (z >> 31);
	}

private:
	static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
	std::uint64_t s_[4] = {};
	std::uint64_t draws_ = 0;
};

// A case of a table: its name, its weight, and what it does or sets.
template <class T> struct weighted_case {
	const char *name;
	unsigned weight;
	T value;
};

// The sum of the weights of a table of cases (structs with a .weight).
template <class Case, std::size_t N>
constexpr std::uint64_t total_weight(const Case (&table)[N])
{
	std::uint64_t total = 0;
	for (const Case &c : table)
		total += c.weight;
	return total;
}

// A case of @table drawn with the weights @weight(case) gives; nullptr,
// without a draw, if they are all 0.
template <class Case, std::size_t N, class Weight>
const Case *pick(rng &r, const Case (&table)[N], Weight weight)
{
	std::uint64_t total = 0;
	for (const Case &c : table)
		total += weight(c);
	std::uint64_t k = r.below(total);
	for (const Case &c : table) {
		const std::uint64_t w = weight(c);
		if (k < w)
			return &c;
		k -= w;
	}
	return nullptr;
}

// A case of @table drawn with its own weights (which must not all be 0).
template <class Case, std::size_t N>
const Case &pick(rng &r, const Case (&table)[N])
{
	return *pick(r, table, [](const Case &c) -> std::uint64_t { return c.weight; });
}

} // namespace mapdrv::stress
