// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the loops being timed, each out of line (noinline) so that
// every subject runs the very same code.
#include "loops.hpp"

#include <cstring>
#include <system_error>
#include <cerrno>

#include <sys/resource.h>
#include <time.h>

namespace mapdrv::bench {

volatile std::uint64_t sink;

std::int64_t now_ns()
{
	struct timespec ts {};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::uint64_t minor_faults()
{
	struct rusage ru {};
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		throw std::system_error(errno, std::generic_category(), "getrusage");
	return static_cast<std::uint64_t>(ru.ru_minflt);
}

__attribute__((noinline)) std::uint64_t touch_pages(const std::byte *base, std::size_t first,
						    std::size_t n, std::size_t page,
						    std::uint64_t key, std::uint64_t mask)
{
	std::uint64_t bad = 0;
	for (std::size_t i = first; i < first + n; ++i) {
		const std::uint64_t off = static_cast<std::uint64_t>(i) * page;
		std::uint64_t w;
		std::memcpy(&w, base + off, sizeof(w));
		bad += (w != (key ^ (off & mask)));
	}
	return bad;
}

__attribute__((noinline)) std::uint64_t compute_pages(std::size_t first, std::size_t n)
{
	std::uint64_t x = 0x9e3779b97f4a7c15ULL ^ first;
	for (std::size_t i = 0; i < n * 256; ++i) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

__attribute__((noinline)) std::uint64_t stream_read(const std::byte *p, std::size_t bytes)
{
	std::uint64_t a = 0, b = 0, c = 0, d = 0;
	for (std::size_t i = 0; i + 32 <= bytes; i += 32) {
		std::uint64_t w[4];
		std::memcpy(w, p + i, sizeof(w));
		a += w[0];
		b += w[1];
		c += w[2];
		d += w[3];
	}
	return a ^ b ^ c ^ d;
}

#ifdef MAPDRV_HAVE_MOVSB
void copy_movsb(void *dst, const void *src, std::size_t n)
{
	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}
#endif

} // namespace mapdrv::bench
