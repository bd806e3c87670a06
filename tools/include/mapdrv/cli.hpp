// SPDX-License-Identifier: GPL-2.0
//
// The command-line frame every mapdrv tool shares: the usage error, the
// checked flush of standard output, and main()'s one place where errors
// become one line on stderr and an exit status.
#pragma once

#include <getopt.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "device.hpp"

namespace mapdrv::cli {

// Exit statuses common to the tools; 1 is each tool's own "check failed".
inline constexpr int exit_ok = 0;
inline constexpr int exit_usage = 2;
inline constexpr int exit_device = 3;

// A bad command line or range: exit status 2.
struct usage_error : std::runtime_error {
	using std::runtime_error::runtime_error;
};

enum class action { run, help, version };

// getopt_long() returned ':' or '?' (@short_opts starts with ':'): say why.
[[noreturn]] inline void getopt_error(int c, char **argv, const char *short_opts)
{
	if (c == ':')
		throw usage_error(std::string("option '") + argv[optind - 1] +
				  "' requires an argument (try --help)");
	if (optopt != 0 && std::strchr(short_opts + 1, optopt) == nullptr)
		throw usage_error(std::string("invalid option -- '") +
				  static_cast<char>(optopt) + "' (try --help)");
	throw usage_error(std::string("invalid option '") + argv[optind - 1] +
			  "' (try --help)");
}

// The tools take options only.
inline void no_operands(int argc, char **argv)
{
	if (optind < argc)
		throw usage_error(std::string("unexpected argument '") + argv[optind] +
				  "' (try --help)");
}

// Output that could not be written is an error, not a silent success.
inline void flush_stdout()
{
	if (std::fflush(stdout) != 0 || std::ferror(stdout))
		throw std::system_error(errno ? errno : EIO, std::generic_category(),
					"writing to standard output");
}

// main() of a tool: parse(argc, argv, opt) says what to do; --help and
// --version print and exit 0; run(opt) gives the exit status. Errors are
// caught here once: usage (2), device and system errors (3).
template <class Options, class Parse, class Help, class Version, class Run>
int run_main(const char *prog, int argc, char **argv, Parse parse, Help help,
	     Version version, Run run)
{
	try {
		Options opt;
		switch (parse(argc, argv, opt)) {
		case action::help:
			help();
			flush_stdout();
			return exit_ok;
		case action::version:
			version();
			flush_stdout();
			return exit_ok;
		case action::run:
			break;
		}
		return run(opt);
	} catch (const usage_error &e) {
		std::fprintf(stderr, "%s: %s\n", prog, e.what());
		return exit_usage;
	} catch (const device_error &e) {
		std::fprintf(stderr, "%s: %s\n", prog, e.explain().c_str());
		return exit_device;
	} catch (const std::exception &e) {
		// std::system_error from mmap, ABI mismatch, out of memory, ...
		std::fprintf(stderr, "%s: %s\n", prog, e.what());
		return exit_device;
	}
}

} // namespace mapdrv::cli
