// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-stress's command line (see options.hpp).

#include <charconv>
#include <cstdio>
#include <string_view>

#include <getopt.h>

#include "config.hpp"
#include "options.hpp"

namespace mapdrv::stress {

using cli::usage_error;

void print_help()
{
	const int indent = static_cast<int>(sizeof(prog) - 1);
	std::printf(
"%s - stress /dev/mapdrv from several processes and threads against an oracle\n"
"\n"
"Usage: %s [--seconds N] [--ops N] [--procs P] [--threads T] [--seed S]\n"
"       %*s [--device PATH] [--unload] [--exclude NAME,...] [--keep-going]\n"
"       %*s [--json] [--verbose] [--trace-ops FILE]\n"
"\n"
"Start P worker processes of T threads each. Every thread owns one page-aligned\n"
"region of the buffer and runs a random sequence of operations on the device:\n"
"open and close; mmap of random ranges, shared and private, readable and\n"
"writable, in a random mapping mode (MAPDRV_IOC_SET_MODE), with MAP_POPULATE\n"
"or MAP_FIXED, and invalid ones; touching and checking words; storing tagged\n"
"words into its own region through shared mappings; munmap of whole mappings,\n"
"heads, tails and middles; mremap (shrink, move, refused growth); mprotect;\n"
"madvise (DONTNEED, POPULATE_READ/WRITE where the kernel has them, COLD,\n"
"PAGEOUT, refused FREE and REMOVE); mincore; fork, with a child that checks\n"
"and writes through the inherited mappings; read, pread, write, pwrite and\n"
"lseek, valid and at every edge; MAPDRV_IOC_INFO, refused RESTAMPs and\n"
"garbage ioctls; deliberate faults on PROT_NONE and read-only mappings.\n"
"Every successful read of the buffer must show what the oracle expects (the\n"
"pattern, or the tagged words the region's owner wrote), every refused call\n"
"the documented errno. A valid RESTAMP is never issued.\n"
"\n"
"Words that do not hold the pattern at start (left by an earlier run that died)\n"
"are stamped back first, through write(2). The run stops after N seconds or N\n"
"operations, whichever comes first, or at the first divergence. Then every\n"
"worker checks its whole region, the buffer is checked and stamped back to the\n"
"pattern, the driver's live VMA count must be back where it was, and a summary\n"
"is printed: the operations by type (attempted, succeeded, refused as\n"
"documented, diverged), operations per second, and the seed to replay the run.\n"
"\n"
"Options:\n"
"  -s, --seconds=N      stop after N seconds (default: 60, unless --ops is\n"
"                       given alone)\n"
"  -n, --ops=N          stop after N operations in all\n"
"  -p, --procs=P        worker processes (default: 2)\n"
"  -t, --threads=T      worker threads per process (default: 2)\n"
"  -S, --seed=S         seed of the random sequences (default: from the clock;\n"
"                       always printed); worker W runs the stream of S and W\n"
"  -d, --device=PATH    the mapdrv device node (default: %s)\n"
"  -u, --unload         also try delete_module(\"%s\", O_NONBLOCK) while\n"
"                       workers hold the device open or mapped (it must fail\n"
"                       with EWOULDBLOCK or EBUSY), and unload the module at\n"
"                       the end, once everything is closed (it must succeed)\n"
"  -x, --exclude=NAMES  leave out these (comma-separated): operations by name\n"
"                       as in the summary (no longer drawn, though others may\n"
"                       still need open, mmap or close), or efault-write: a\n"
"                       pwrite() from a buffer that faults (NULL, PROT_NONE, or\n"
"                       running into PROT_NONE), which must leave the buffer\n"
"                       untouched beyond what it reports written\n"
"  -k, --keep-going     do not stop at the first divergence\n"
"  -j, --json           print the summary as one JSON object\n"
"  -v, --verbose        print more: every divergence (up to %u), progress\n"
"  -T, --trace-ops=FILE write one line per operation to FILE: worker, operation\n"
"                       number and name, outcome, random numbers drawn, files\n"
"                       and mappings held, and a digest of the worker's state;\n"
"                       a worker writes the same lines for the same seed, so\n"
"                       two builds can be shown to replay a run alike\n"
"  -h, --help           display this help and exit\n"
"  -V, --version        output version information and exit\n"
"\n"
"N, P, T and S are decimal or 0x-prefixed hexadecimal numbers; N for --seconds\n"
"may have a fraction. P x T must be at most %u and at most the number of pages\n"
"of the buffer. Run it as root, alone on the device: the final checks count\n"
"the device's mappings and mmap calls, and it writes the buffer. With the same\n"
"seed every worker draws the same operations, but the interleaving of workers\n"
"is up to the scheduler.\n"
"\n"
"Exit status:\n"
"  0    no divergence, and with --unload the final unload succeeded\n"
"  1    a divergence (the first one is printed at once and in the summary), a\n"
"       worker that died, or a failed final unload\n"
"  2    usage error\n"
"  3    device error: no device, permission denied, not a mapdrv device, ABI\n"
"       version, module not unloadable\n",
		prog, prog, indent, "", indent, "", mapdrv::default_device_path,
		module_name, max_printed, max_workers);
}

namespace {

double parse_seconds(const char *arg)
{
	const std::string_view text(arg);
	double value = 0;
	const char *const end = text.data() + text.size();
	const auto [ptr, ec] = std::from_chars(text.data(), end, value);
	if (text.empty() || ec != std::errc() || ptr != end || !(value > 0) || value > 1e7)
		throw usage_error(std::string("--seconds: invalid duration '") + arg +
				  "' (a positive number of seconds; try --help)");
	return value;
}

// --procs, --threads: 1 to @max.
unsigned parse_count(const char *name, const char *arg, unsigned max)
{
	const std::uint64_t v = cli::parse_number_option(name, arg);
	if (v == 0 || v > max)
		throw usage_error(std::string(name) + ": must be 1 to " + std::to_string(max));
	return static_cast<unsigned>(v);
}

// --exclude: comma-separated names; empty items are skipped.
void add_names(std::vector<std::string> &out, std::string_view list)
{
	while (!list.empty()) {
		const std::size_t comma = list.find(',');
		const std::string_view name = list.substr(0, comma);
		if (!name.empty())
			out.emplace_back(name);
		if (comma == std::string_view::npos)
			break;
		list.remove_prefix(comma + 1);
	}
}

// One option; false if it was not a known one.
bool parse_one(int c, const char *arg, options &opt)
{
	switch (c) {
	case 's': opt.seconds = parse_seconds(arg); break;
	case 'n':
		opt.ops = cli::parse_number_option("--ops", arg);
		if (*opt.ops == 0)
			throw usage_error("--ops: must be at least 1");
		break;
	case 'p': opt.procs = parse_count("--procs", arg, max_procs); break;
	case 't': opt.threads = parse_count("--threads", arg, max_threads); break;
	case 'S': opt.seed = cli::parse_number_option("--seed", arg); break;
	case 'd': opt.device = arg; break;
	case 'u': opt.unload = true; break;
	case 'x': add_names(opt.exclude, arg); break;
	case 'k': opt.keep_going = true; break;
	case 'j': opt.json = true; break;
	case 'v': opt.verbose = true; break;
	case 'T':
		opt.trace_ops = arg;
		if (opt.trace_ops.empty())
			throw usage_error("--trace-ops: empty path");
		break;
	default:
		return false;
	}
	return true;
}

} // namespace

cli::action parse_args(int argc, char **argv, options &opt)
{
	static const char short_opts[] = ":s:n:p:t:S:d:ux:kjvT:hV";
	static const struct option long_opts[] = {
		{ "seconds",    required_argument, nullptr, 's' },
		{ "ops",        required_argument, nullptr, 'n' },
		{ "procs",      required_argument, nullptr, 'p' },
		{ "threads",    required_argument, nullptr, 't' },
		{ "seed",       required_argument, nullptr, 'S' },
		{ "device",     required_argument, nullptr, 'd' },
		{ "unload",     no_argument,       nullptr, 'u' },
		{ "exclude",    required_argument, nullptr, 'x' },
		{ "keep-going", no_argument,       nullptr, 'k' },
		{ "json",       no_argument,       nullptr, 'j' },
		{ "verbose",    no_argument,       nullptr, 'v' },
		{ "trace-ops",  required_argument, nullptr, 'T' },
		{ "help",       no_argument,       nullptr, 'h' },
		{ "version",    no_argument,       nullptr, 'V' },
		{ nullptr,      0,                 nullptr, 0 },
	};

	const cli::action act = cli::parse_options(argc, argv, short_opts, long_opts,
						   [&opt](int c, const char *arg) { return parse_one(c, arg, opt); });
	if (opt.device.empty())
		throw usage_error("--device: empty path");
	if (opt.procs * opt.threads > max_workers)
		throw usage_error("--procs x --threads: " + std::to_string(opt.procs * opt.threads) +
				  " workers, at most " + std::to_string(max_workers));
	if (!opt.seconds && !opt.ops)
		opt.seconds = 60;
	return act;
}

} // namespace mapdrv::stress
