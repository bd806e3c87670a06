// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: what every file of the tool shares: its name, its options,
// its exit statuses and the error that means a page read back wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <mapdrv/device.hpp>

namespace mapdrv::bench {

inline constexpr const char prog[] = "mapdrv-bench";

enum exit_status : int {
	exit_ok = 0,
	exit_data = 1,
	exit_usage = 2,
	exit_device = 3,
};

/* A page that did not hold what it should: exit status 1. */
struct data_error : std::runtime_error {
	using std::runtime_error::runtime_error;
};

inline constexpr std::uint64_t recommended_size = 64ULL << 20;
inline constexpr unsigned recommended_reps = 5;
inline constexpr std::size_t copy_chunk = 1 << 20;

/*
 * What the clock counts. Under QEMU with -icount shift=0 one guest ns is one
 * executed instruction: the same figures, in a unit that does not move.
 */
enum class clock_kind { wall, instructions };

struct options {
	std::string device = mapdrv::default_device_path;
	std::string remap_device = "/dev/mapdrv_remap";	/* absent: not measured */
	std::string floor_array_device = "/dev/mapdrv_floor_array";	/* likewise */
	std::string floor_none_device = "/dev/mapdrv_floor_none";
	clock_kind clock = clock_kind::wall;
	std::vector<std::uint64_t> curve_sizes;	/* --curve-sizes, bytes */
	unsigned curve_reps = 1;
	bool profile = false;			/* --profile instead of the benchmark */
	unsigned profile_depth = 3;
	std::optional<std::uint64_t> size;
	unsigned reps = 7;
	std::vector<std::uint32_t> windows = {1, 4, 16, 64, 512};
	std::string out;	/* --out: bench.json; empty: standard output */
	std::string machine;	/* --machine: what the run cannot see for itself */
	bool quiet = false;
};

/* std::system_error from errno, "what: strerror". */
[[noreturn]] void throw_errno(const std::string &what);

} // namespace mapdrv::bench
