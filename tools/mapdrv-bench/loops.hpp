// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the clock, the fault counter and the loops being timed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

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

/* The same, one read at each @step-th page: first, first + step, ... (n reads). */
std::uint64_t touch_every(const std::byte *base, std::size_t first, std::size_t n,
			  std::size_t step, std::size_t page, std::uint64_t key,
			  std::uint64_t mask);

/*
 * Computation standing for @n pages of work: a few hundred dependent
 * xorshift steps a page, no memory access.
 */
std::uint64_t compute_pages(std::size_t first, std::size_t n);

/* Read every 8-byte word; 4 independent sums so that loads dominate. */
std::uint64_t stream_read(const std::byte *p, std::size_t bytes);

/* A copy of @n bytes, one of the loops below. */
using copy_fn = void (*)(void *dst, const void *src, std::size_t n);

struct copy_loop {
	const char *name;	/* "rep movsb", "rep movsq", "unrolled movq", "memcpy" */
	copy_fn copy;
};

/*
 * The loop x86-64 copy_to_user() runs for large copies on this CPU and
 * kernel (from the CPU flags and the kernel release), as a user-space copy:
 * "rep movsb" with ERMS; else "rep movsq" from 6.4 on or with REP_GOOD;
 * else 6.1's copy_user_generic_unrolled ("unrolled movq"). Elsewhere memcpy.
 */
copy_loop kernel_copy_loop(const std::string &kernel, const std::string &cpu_flags);

/* Where results of timed loops go, so that the compiler keeps the loops. */
extern volatile std::uint64_t sink;

inline void cpu_relax()
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

} // namespace mapdrv::bench
