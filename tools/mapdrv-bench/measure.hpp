// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the measurements. A runner maps each subject again and
// again, times what it does and fills a results structure; it prints
// nothing but progress.
#pragma once

#include <cstdint>
#include <string>

#include <mapdrv/device.hpp>
#include <mapdrv/fd.hpp>
#include <mapdrv/mapping.hpp>

#include "bench.hpp"
#include "results.hpp"

namespace mapdrv::bench {

class kprobe_counter;

class runner {
public:
	runner(const options &opt, results &res);

	/* Every measurement, every sample into the results. */
	void run();
	/* --profile: where the instructions of one fault go, from ftrace. */
	void profile();

private:
	void progress(const std::string &msg) const;
	void check_size();
	void probe_modes();
	void setup();
	void setup_baselines();
	void setup_remap();
	void setup_floors();
	mapdrv::unique_fd open_baseline(const std::string &path, const char *module,
					std::size_t &bytes);
	void fill_memfd(std::size_t bytes);
	void round(bool record, bool verify);

	mapdrv::mapping map(const subject &s, std::size_t bytes, int extra_flags,
			    double &mmap_ns, bool writable_file = false) const;
	[[nodiscard]] std::size_t limit_of(const subject &s) const;
	[[nodiscard]] std::uint64_t seed_of(const subject &s) const;
	[[nodiscard]] std::uint64_t key_of(const subject &s) const;
	[[nodiscard]] std::uint64_t mask_of(const subject &s) const;
	void check_pages(const subject &s, std::uint64_t bad, const char *what) const;
	double timed_touch(const subject &s, const mapdrv::mapping &m, std::size_t pages,
			   const char *what) const;

	void first_touch(subject &s, bool record);
	void populate_map(subject &s, bool record);
	void populate_madvise(subject &s, bool record);
	void warm_read(subject &s, bool record, bool verify);
	void threads(subject &s, bool record);
	template <typename Work>
	double split_run(unsigned nthreads, Work work, std::uint64_t &result) const;
	void compute_threads(bool record);
	void copies(bool record, bool verify);
	double time_read(bool verify);
	template <typename Copy>
	double time_copy(Copy copy);
	void refault(subject &s, bool record);
	void refault_set_of(subject &s, refault_set &set, bool wp, bool record,
			    kprobe_counter *calls);
	void refault_calls();
	void measure_clock_overhead();
	void curves();
	void curve_point(subject &s, std::size_t i, std::size_t bytes);
	void profile_subject(const subject &s);

	const options &opt_;
	results &res_;
	mapdrv::device dev_;
	std::size_t page_ = 0, pages_ = 0, bytes_ = 0;
	std::size_t rotation_ = 0;	/* no subject always goes first */
	mapdrv::unique_fd memfd_, remap_fd_, floor_array_fd_, floor_none_fd_;
	std::size_t memfd_bytes_ = 0, remap_bytes_ = 0, floor_bytes_ = 0;
	mapdrv::mapping anon_src_, dst_;	/* written anonymous buffers */
	bool madv_populate_ok_ = true;
	std::string madv_populate_why_;
};

} // namespace mapdrv::bench
