// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the measurements of one subject (first touch, populate,
// warm read, threads) and the copies, each adding one sample a repetition.
#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <sys/mman.h>
#include <unistd.h>

#include <mapdrv/text.hpp>

#include "loops.hpp"
#include "measure.hpp"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22	/* Linux 5.14 */
#endif

namespace mapdrv::bench {

/* One read per page of @m, timed; a page that reads back wrong throws. */
double runner::timed_touch(const subject &s, const mapdrv::mapping &m, std::size_t pages,
			   const char *what) const
{
	const std::int64_t t0 = now_ns();
	const std::uint64_t bad = touch_pages(m.data(), 0, pages, page_, key_of(s), mask_of(s));
	const std::int64_t t1 = now_ns();
	check_pages(s, bad, what);
	return static_cast<double>(t1 - t0);
}

void runner::first_touch(subject &s, bool record)
{
	double mmap_ns = 0;
	const mapdrv::mapping m = map(s, bytes_, 0, mmap_ns);
	const std::uint64_t drv0 = s.k == kind::mapdrv ? dev_.info().faults : 0;
	const std::uint64_t f0 = minor_faults();
	const double touch = timed_touch(s, m, pages_, "first touch");
	const std::uint64_t f1 = minor_faults();
	const std::uint64_t drv1 = s.k == kind::mapdrv ? dev_.info().faults : 0;
	if (!record)
		return;
	const double n = static_cast<double>(pages_);
	s.mmap.add(mmap_ns / n);
	s.touch.add(touch / n);
	s.faults.add(static_cast<double>(f1 - f0) / n);
	if (s.k == kind::mapdrv)
		s.driver_faults.add(static_cast<double>(drv1 - drv0) / n);
}

void runner::populate_map(subject &s, bool record)
{
	const std::uint64_t f0 = minor_faults();
	double mmap_ns = 0;
	const mapdrv::mapping m = map(s, bytes_, MAP_POPULATE, mmap_ns);
	const double touch = timed_touch(s, m, pages_, "MAP_POPULATE");
	const std::uint64_t f1 = minor_faults();
	if (!record)
		return;
	const double n = static_cast<double>(pages_);
	s.mpop.add((mmap_ns + touch) / n);
	s.mpop_faults.add(static_cast<double>(f1 - f0) / n);
}

void runner::populate_madvise(subject &s, bool record)
{
	if (!madv_populate_ok_) {
		s.madv.unsupported = s.madv_faults.unsupported = madv_populate_why_;
		return;
	}
	if (!s.madv.unsupported.empty())
		return;
	const std::uint64_t f0 = minor_faults();
	double mmap_ns = 0;
	mapdrv::mapping m = map(s, bytes_, 0, mmap_ns);
	const std::int64_t t0 = now_ns();
	if (madvise(m.data(), bytes_, MADV_POPULATE_READ) < 0) {
		const int err = errno;
		if (err == EINVAL && s.k == kind::anon) {
			/* The plainest mapping there is: the kernel lacks it (< 5.14). */
			madv_populate_ok_ = false;
			madv_populate_why_ = "MADV_POPULATE_READ: EINVAL (a kernel before 5.14)";
			for (subject &o : res_.subjects)
				o.madv = o.madv_faults = series{{}, madv_populate_why_};
		} else {
			s.madv = s.madv_faults =
				series{{}, "MADV_POPULATE_READ: " + errno_name(err) + " (" +
						   std::strerror(err) + ")"};
		}
		return;
	}
	const double advise = static_cast<double>(now_ns() - t0);
	const double touch = timed_touch(s, m, pages_, "MADV_POPULATE_READ");
	const std::uint64_t f1 = minor_faults();
	if (!record)
		return;
	const double n = static_cast<double>(pages_);
	s.madv.add((mmap_ns + advise + touch) / n);
	s.madv_faults.add(static_cast<double>(f1 - f0) / n);
}

/*
 * Warm streaming read: a first pass faults everything in (untimed), the
 * second is timed. The anonymous baseline is the written buffer (real pages
 * holding the pattern), given the same untimed first pass.
 */
void runner::warm_read(subject &s, bool record, bool verify)
{
	mapdrv::mapping fresh;
	const std::byte *p;
	if (s.k == kind::anon) {
		p = anon_src_.data();
	} else {
		double ignored;
		fresh = map(s, bytes_, 0, ignored);
		p = fresh.data();
	}
	sink = stream_read(p, bytes_);
	const std::int64_t t0 = now_ns();
	sink = stream_read(p, bytes_);
	const std::int64_t t1 = now_ns();
	if (verify) {
		/* Every word of every mapping, once, untimed; floor-none is page 0 throughout. */
		mapdrv::verify_result r;
		if (s.k != kind::floor_none)
			r = mapdrv::verify({p, bytes_}, 0, seed_of(s));
		for (std::size_t i = 0; s.k == kind::floor_none && r.ok() && i < pages_; ++i)
			r = mapdrv::verify({p + i * page_, page_}, 0, 0);
		if (const auto &mm = r.first_mismatch)
			throw data_error(fmt("%s: %" PRIu64 " words wrong, the first at offset 0x%" PRIx64
					     ": expected 0x%016" PRIx64 ", found 0x%016" PRIx64,
					     s.name.c_str(), r.mismatched_words, mm->offset,
					     mm->expected, mm->found));
	}
	if (record)
		s.warm.add(static_cast<double>(t1 - t0) / static_cast<double>(pages_));
}

/*
 * @work(first, n) over the pages [0, pages_) by @nthreads threads (1 or 2),
 * each on its own half; the calling thread takes the first half. Returns
 * the wall time in ns and adds up what @work returned in @result.
 */
template <typename Work>
double runner::split_run(unsigned nthreads, Work work, std::uint64_t &result) const
{
	if (nthreads == 1) {
		const std::int64_t t0 = now_ns();
		result = work(0, pages_);
		return static_cast<double>(now_ns() - t0);
	}
	const std::size_t half = pages_ / 2;
	std::atomic<bool> ready{false}, go{false};
	std::uint64_t worker_result = 0;
	std::int64_t worker_end = 0;
	std::thread worker([&] {
		ready.store(true, std::memory_order_release);
		while (!go.load(std::memory_order_acquire))
			cpu_relax();
		worker_result = work(half, pages_ - half);
		worker_end = now_ns();
	});
	while (!ready.load(std::memory_order_acquire))
		cpu_relax();
	const std::int64_t t0 = now_ns();
	go.store(true, std::memory_order_release);
	result = work(0, half);
	const std::int64_t main_end = now_ns();
	worker.join();
	result += worker_result;
	return static_cast<double>(std::max(main_end, worker_end) - t0);
}

void runner::threads(subject &s, bool record)
{
	double t[2] = {0, 0};
	for (const unsigned n : {1U, 2U}) {
		double ignored;
		const mapdrv::mapping m = map(s, bytes_, 0, ignored);
		const std::byte *p = m.data();
		const std::uint64_t key = key_of(s), mask = mask_of(s);
		std::uint64_t bad = 0;
		t[n - 1] = split_run(
			n,
			[this, p, key, mask](std::size_t first, std::size_t count) {
				return touch_pages(p, first, count, page_, key, mask);
			},
			bad);
		check_pages(s, bad, n == 1 ? "1 thread" : "2 threads");
	}
	if (!record)
		return;
	const double n = static_cast<double>(pages_);
	s.t1.add(t[0] / n);
	s.t2.add(t[1] / n);
}

/*
 * The thread baseline: the same split of pure computation (no memory, no
 * fault, no lock). Its speedup is what the two CPUs can give at all: on a
 * loaded host, where two vCPUs do not get two CPUs, it falls below 2x.
 */
void runner::compute_threads(bool record)
{
	double t[2] = {0, 0};
	for (const unsigned n : {1U, 2U}) {
		std::uint64_t r = 0;
		t[n - 1] = split_run(n, compute_pages, r);
		sink = r;
	}
	if (!record)
		return;
	const double n = static_cast<double>(pages_);
	res_.compute.t1.add(t[0] / n);
	res_.compute.t2.add(t[1] / n);
}

/* The whole device through pread(), 1 MiB a call, into dst_; ns. */
double runner::time_read(bool verify)
{
	std::byte *dst = dst_.data();
	const std::int64_t t0 = now_ns();
	for (std::size_t off = 0; off < bytes_;) {
		const std::size_t n = std::min(copy_chunk, bytes_ - off);
		const ssize_t got = pread(dev_.fd(), dst + off, n, static_cast<off_t>(off));
		if (got < 0)
			throw_errno("pread " + opt_.device);
		if (got == 0)
			throw std::runtime_error(fmt("pread %s: end of file at %zu of %zu bytes",
						     opt_.device.c_str(), off, bytes_));
		off += static_cast<std::size_t>(got);
	}
	const std::int64_t t1 = now_ns();
	if (verify) {
		const mapdrv::verify_result r = mapdrv::verify({dst, bytes_}, 0, res_.info.seed);
		if (!r.ok())
			throw data_error(fmt("read(): %" PRIu64 " words wrong, the first at offset "
					     "0x%" PRIx64, r.mismatched_words, r.first_mismatch->offset));
	}
	return static_cast<double>(t1 - t0);
}

/* @copy over the whole buffer, 1 MiB a call, from anon_src_ into dst_; ns. */
template <typename Copy>
double runner::time_copy(Copy copy)
{
	std::byte *dst = dst_.data();
	const std::byte *src = anon_src_.data();
	const std::int64_t t0 = now_ns();
	for (std::size_t off = 0; off < bytes_; off += copy_chunk)
		copy(dst + off, src + off, std::min(copy_chunk, bytes_ - off));
	const std::int64_t t1 = now_ns();
	sink = dst[bytes_ - 1] == std::byte{0};
	return static_cast<double>(t1 - t0);
}

/*
 * read() of the whole device against the same copy in user space with the
 * loop copy_to_user() uses on this CPU and kernel, and with glibc's memcpy.
 */
void runner::copies(bool record, bool verify)
{
	const copy_loop loop = kernel_copy_loop(res_.env.kernel, res_.env.cpu_flags);
	res_.copy.loop_name = loop.name;
	const double n = static_cast<double>(pages_);
	const double read_ns = time_read(verify);
	const double loop_ns = time_copy(loop.copy);
	const double memcpy_ns = time_copy([](void *d, const void *s, std::size_t len) {
		std::memcpy(d, s, len);
	});
	if (!record)
		return;
	res_.copy.read.add(read_ns / n);
	res_.copy.loop.add(loop_ns / n);
	res_.copy.memcpy_.add(memcpy_ns / n);
}

} // namespace mapdrv::bench
