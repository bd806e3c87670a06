// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the clock, the fault counter and the loops being timed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mapdrv::bench {

/* CLOCK_MONOTONIC in ns. */
std::int64_t now_ns();

/* Minor faults of the whole process (every thread). */
std::uint64_t minor_faults();

/*
 * One 8-byte read at the start of each page in [first, first + n); count the
 * pages whose word is not key ^ (offset & mask): the pattern for key =
 * magic ^ seed and mask = ~0, the zero page for key = mask = 0.
 */
std::uint64_t touch_pages(const std::byte *base, std::size_t first, std::size_t n,
			  std::size_t page, std::uint64_t key, std::uint64_t mask);

/*
 * Computation standing for @n pages of work: a few hundred dependent
 * xorshift steps a page, no memory access.
 */
std::uint64_t compute_pages(std::size_t first, std::size_t n);

/* Read every 8-byte word; 4 independent sums so that loads dominate. */
std::uint64_t stream_read(const std::byte *p, std::size_t bytes);

#if defined(__x86_64__) || defined(__i386__)
#define MAPDRV_HAVE_MOVSB 1
/* A copy with the instruction x86-64 copy_to_user() uses on ERMS CPUs. */
void copy_movsb(void *dst, const void *src, std::size_t n);
#endif

/* Where results of timed loops go, so that the compiler keeps the loops. */
extern volatile std::uint64_t sink;

inline void cpu_relax()
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

} // namespace mapdrv::bench
