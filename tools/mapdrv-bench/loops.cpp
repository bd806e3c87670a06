// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the loops being timed, each out of line (noinline) so that
// every subject runs the very same code.
#include "loops.hpp"

#include <endian.h>

#include <cstdio>
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
		bad += (le64toh(w) != (key ^ (off & mask)));
	}
	return bad;
}

__attribute__((noinline)) std::uint64_t touch_every(const std::byte *base, std::size_t first,
						    std::size_t n, std::size_t step,
						    std::size_t page, std::uint64_t key,
						    std::uint64_t mask)
{
	std::uint64_t bad = 0;
	for (std::size_t i = first; i < first + n * step; i += step) {
		const std::uint64_t off = static_cast<std::uint64_t>(i) * page;
		std::uint64_t w;
		std::memcpy(&w, base + off, sizeof(w));
		bad += (le64toh(w) != (key ^ (off & mask)));
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

namespace {

[[maybe_unused]] void copy_memcpy(void *dst, const void *src, std::size_t n)
{
	std::memcpy(dst, src, n);
}

#if defined(__x86_64__)
void copy_movsb(void *dst, const void *src, std::size_t n)
{
	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

/* copy_user_generic_string: quadwords, then the bytes left. */
void copy_movsq(void *dst, const void *src, std::size_t n)
{
	std::size_t q = n / 8, b = n % 8;
	asm volatile("rep movsq\n\tmovq %[b], %%rcx\n\trep movsb"
		     : "+D"(dst), "+S"(src), "+c"(q) : [b] "r"(b) : "memory");
}

/*
 * copy_user_generic_unrolled (Linux 6.1, arch/x86/lib/copy_user_64.S):
 * 64 bytes an iteration through four registers, then quadwords, then bytes.
 */
void copy_unrolled(void *dst, const void *src, std::size_t n)
{
	std::size_t blocks = n / 64;
	if (blocks)
		asm volatile("1:\n\t"
			     "movq (%%rsi),%%r8\n\tmovq 8(%%rsi),%%r9\n\t"
			     "movq 16(%%rsi),%%r10\n\tmovq 24(%%rsi),%%r11\n\t"
			     "movq %%r8,(%%rdi)\n\tmovq %%r9,8(%%rdi)\n\t"
			     "movq %%r10,16(%%rdi)\n\tmovq %%r11,24(%%rdi)\n\t"
			     "movq 32(%%rsi),%%r8\n\tmovq 40(%%rsi),%%r9\n\t"
			     "movq 48(%%rsi),%%r10\n\tmovq 56(%%rsi),%%r11\n\t"
			     "movq %%r8,32(%%rdi)\n\tmovq %%r9,40(%%rdi)\n\t"
			     "movq %%r10,48(%%rdi)\n\tmovq %%r11,56(%%rdi)\n\t"
			     "leaq 64(%%rsi),%%rsi\n\tleaq 64(%%rdi),%%rdi\n\t"
			     "decl %%ecx\n\tjnz 1b"
			     : "+D"(dst), "+S"(src), "+c"(blocks)
			     :
			     : "r8", "r9", "r10", "r11", "memory", "cc");
	if (n % 64)
		std::memcpy(dst, src, n % 64);
}
#endif

[[maybe_unused]] bool has_flag(const std::string &flags, const char *flag)
{
	return (" " + flags + " ").find(std::string(" ") + flag + " ") != std::string::npos;
}

} // namespace

copy_loop kernel_copy_loop(const std::string &kernel, const std::string &cpu_flags)
{
#if defined(__x86_64__)
	unsigned major = 0, minor = 0;
	if (std::sscanf(kernel.c_str(), "%u.%u", &major, &minor) != 2)
		major = minor = 0;
	if (has_flag(cpu_flags, "erms"))
		return {"rep movsb", copy_movsb};
	if (major > 6 || (major == 6 && minor >= 4) || has_flag(cpu_flags, "rep_good"))
		return {"rep movsq", copy_movsq};
	return {"unrolled movq", copy_unrolled};
#else
	(void)kernel;
	(void)cpu_flags;
	return {"memcpy", copy_memcpy};
#endif
}

} // namespace mapdrv::bench
