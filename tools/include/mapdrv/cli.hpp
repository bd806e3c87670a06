// SPDX-License-Identifier: GPL-2.0
//
// The command-line frame every mapdrv tool shares: the usage error, the
// checked flush of standard output, and main()'s one place where errors
// become one line on stderr and an exit status.
#pragma once

#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <charconv>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "device.hpp"

/* A string literal: the Makefile passes -DMAPDRV_VERSION='"1.2.3"'. */
#ifndef MAPDRV_VERSION
#error "MAPDRV_VERSION comes from ./VERSION through the Makefile"
#endif

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

constexpr std::string_view version()
{
	return MAPDRV_VERSION;
}

// "--version": "PROG VERSION".
inline void print_version(const char *prog)
{
	const std::string_view v = version();
	std::printf("%s %.*s\n", prog, static_cast<int>(v.size()), v.data());
}

// A size option's value (see parse_size()), or a usage error naming @name.
inline std::uint64_t parse_size_option(const char *name, const char *arg)
{
	try {
		return parse_size(arg);
	} catch (const std::invalid_argument &e) {
		throw usage_error(std::string(name) + ": " + e.what());
	}
}

// A count option's value: decimal or 0x-prefixed hexadecimal, no suffix,
// from @min to @max; otherwise a usage error naming @name.
inline std::uint64_t parse_number_option(const char *name, const char *arg,
					 std::uint64_t min = 0,
					 std::uint64_t max = UINT64_MAX)
{
	std::string_view text(arg);
	int base = 10;
	if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text.remove_prefix(2);
	}
	std::uint64_t value = 0;
	const char *const end = text.data() + text.size();
	const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
	if (text.empty() || ec != std::errc() || ptr != end)
		throw usage_error(std::string(name) + ": invalid number '" + arg + "' (try --help)");
	if (value < min || value > max)
		throw usage_error(std::string(name) + ": " + arg + " is not between " +
				  std::to_string(min) + " and " + std::to_string(max));
	return value;
}

// A comma-separated option value ("16,64,256"): each item through @item,
// which may throw usage_error; an empty item is an error.
template <class T>
std::vector<T> parse_list_option(const char *name, const char *arg,
				 const std::function<T(const std::string &)> &item)
{
	std::vector<T> out;
	std::string_view rest = arg;
	while (true) {
		const std::size_t comma = rest.find(',');
		const std::string one(rest.substr(0, comma));
		if (one.empty())
			throw usage_error(std::string(name) + ": empty item in '" + arg + "'");
		out.push_back(item(one));
		if (comma == std::string_view::npos)
			break;
		rest.remove_prefix(comma + 1);
	}
	return out;
}

namespace detail {
inline const char *sigbus_prog = "mapdrv";

/* Async-signal-safe only: one line on stderr, then exit status 3. */
inline void on_sigbus(int, siginfo_t *si, void *)
{
	char msg[160];
	std::size_t len = 0;
	const auto put = [&](const char *s) {
		while (*s && len < sizeof(msg))
			msg[len++] = *s++;
	};
	put(sigbus_prog);
	put(": SIGBUS reading a mapping at address 0x");
	const auto addr = reinterpret_cast<std::uintptr_t>(si->si_addr);
	for (int shift = static_cast<int>(sizeof(addr) * 8) - 4; shift >= 0 && len < sizeof(msg); shift -= 4)
		msg[len++] = "0123456789abcdef"[(addr >> shift) & 0xf];
	put(" (the driver failed a page fault)\n");
	ssize_t ignored = write(STDERR_FILENO, msg, len);
	(void)ignored;
	_exit(3);
}
} // namespace detail

// A driver that fails a fault sends SIGBUS: turn it into one line naming
// @prog and exit status 3 instead of a bare "Bus error".
inline void install_sigbus_handler(const char *prog)
{
	detail::sigbus_prog = prog;
	struct sigaction sa {};
	sa.sa_sigaction = detail::on_sigbus;
	sa.sa_flags = static_cast<int>(SA_SIGINFO | SA_RESETHAND);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, nullptr) < 0)
		throw std::system_error(errno, std::generic_category(), "sigaction SIGBUS");
}

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

// The getopt loop of every tool: -h/--help and -V/--version (which every
// @long_opts table must have, as 'h' and 'V'), errors as usage_error, no
// operands. @on_option(c, optarg) handles the tool's own options and returns
// false for one it does not know.
inline action parse_options(int argc, char **argv, const char *short_opts,
			    const struct option *long_opts,
			    const std::function<bool(int, const char *)> &on_option)
{
	opterr = 0;	/* we print our own one-line messages */
	action act = action::run;
	int c;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, nullptr)) != -1) {
		if (c == 'h')
			act = action::help;
		else if (c == 'V')
			act = act == action::help ? act : action::version;
		else if (c == ':' || c == '?' || !on_option(c, optarg))
			getopt_error(c, argv, short_opts);
	}
	no_operands(argc, argv);
	return act;
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
template <class Options, class Parse, class Help, class Run>
int run_main(const char *prog, int argc, char **argv, Parse parse, Help help,
	     Run run)
{
	try {
		Options opt;
		switch (parse(argc, argv, opt)) {
		case action::help:
			help();
			flush_stdout();
			return exit_ok;
		case action::version:
			print_version(prog);
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
