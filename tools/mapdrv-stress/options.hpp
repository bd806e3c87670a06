// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-stress's command line: the options, --help, and their parsing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <mapdrv/cli.hpp>
#include <mapdrv/device.hpp>

namespace mapdrv::stress {

struct options {
	std::string device = mapdrv::default_device_path;
	std::optional<double> seconds;
	std::optional<std::uint64_t> ops;
	unsigned procs = 2;
	unsigned threads = 2;
	std::optional<std::uint64_t> seed;
	bool unload = false;
	bool json = false;
	bool verbose = false;
	bool keep_going = false;
	std::vector<std::string> exclude;
	std::string trace_ops;	/* --trace-ops FILE; empty: none */
};

void print_help();
cli::action parse_args(int argc, char **argv, options &opt);

} // namespace mapdrv::stress
