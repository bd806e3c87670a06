// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv-bench: what mapping /dev/mapdrv costs, in each mapping mode of the
 * driver, next to the kernel's own anonymous and shmem mappings.
 *
 * Five measurements, each repeated on a fresh mapping and reported as median
 * and spread, every figure also as a ratio to its baseline:
 *   1. first touch (one read per page): ns and minor faults per page
 *   2. populate: MAP_POPULATE and MADV_POPULATE_READ instead of touching
 *   3. warm streaming read of the mapping vs an anonymous buffer
 *   4. read() of the whole device vs the same copy in user space
 *   5. first touch by 1 thread vs 2 threads on disjoint halves (wall clock)
 *   6. cost curves: mmap and first touch against the mapping size
 * Costs are per page, in ns or, in a guest under QEMU -icount, instructions
 * (--clock). Output: a table (or --json), and bench.json, bench.svg and
 * gate.json in --out; --gate compares with a committed baseline, --profile
 * traces one fault of each subject instead.
 *
 * The files: measure.cpp, steps.cpp and curves.cpp fill one results
 * structure (results.hpp); targets.cpp and gate.cpp judge it;
 * render_text.cpp, render_json.cpp and render_svg.cpp only read it;
 * profile.cpp is the ftrace profile.
 *
 * Exit status: 0 it ran (targets are information, never a failure), 1 a page
 * read back wrong, 2 usage error, 3 device or system error, 4 --gate found
 * a cost above its baseline.
 */
#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <string>

#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mapdrv/cli.hpp>
#include <mapdrv/fd.hpp>

#include "bench.hpp"
#include "gate.hpp"
#include "measure.hpp"
#include "render.hpp"

namespace mapdrv::bench {
namespace {

using cli::usage_error;

void print_help()
{
	std::printf(
"%s - measure what mapping the mapdrv buffer costs, mode by mode\n"
"\n"
"Usage: %s [OPTION]...\n"
"\n"
"Measure what mapping the mapdrv buffer costs, in each mapping mode of the\n"
"driver (fault; around, with each window; eager), next to two baselines of\n"
"the same size: anonymous memory (MAP_PRIVATE, read faults, THP off) and a\n"
"memfd (shmem) MAP_SHARED mapping, which the kernel maps with fault-around.\n"
"\n"
"First touch: one read per page of a fresh mapping, in ns and minor faults\n"
"per page. Populate: the same after MAP_POPULATE, and after\n"
"MADV_POPULATE_READ. Warm read: a second streaming pass over the mapping vs\n"
"an anonymous buffer, in GB/s. read(): the whole device through the file\n"
"operations vs memcpy() of the same size, in GB/s (and a user-space 'rep\n"
"movsb' copy, the instruction copy_to_user() uses). Threads: first touch by\n"
"1 thread vs 2 threads on disjoint halves, next to the same split of pure\n"
"computation (what two CPUs give at all).\n"
"\n"
"Every measurement is repeated on a fresh mapping (after one discarded\n"
"warm-up round), the repetitions interleaved across subjects; the report\n"
"gives median and spread, and every figure as a ratio to its baseline.\n"
"Then the targets of the mapping modes, each met or missed (information\n"
"only). Modes the module does not support are reported and skipped.\n"
"\n"
"Under emulation (QEMU TCG) absolute times do not represent hardware: only\n"
"the ratios within one run are meaningful. The report says so.\n"
"\n"
"Writes DIR/bench.json (everything, with every sample), DIR/bench.svg (a\n"
"bar chart) and DIR/gate.json (the costs a gate compares) and prints the\n"
"table on standard output; progress goes to standard error.\n"
"\n"
"Options:\n"
"  -d, --device=PATH     the mapdrv device node (default: %s)\n"
"  -s, --size=BYTES      bytes of the buffer to map, from its start, a\n"
"                        multiple of the page size (default: the whole\n"
"                        buffer; at least 64 MiB is recommended)\n"
"  -r, --reps=N          repetitions of each measurement, 1 to 1000\n"
"                        (default: 7; at least 5 is recommended)\n"
"  -w, --windows=LIST    comma-separated windows (pages) of the around mode,\n"
"                        powers of two from 1 to %u (default: 1,4,16,64,512)\n"
"  -o, --out=DIR         where bench.json and bench.svg go (default: .)\n"
"  -m, --machine=TEXT    describe the machine in the report, e.g. how the VM\n"
"                        was started and on what host (the kernel, CPU model\n"
"                        and CPU count are found without it)\n"
"  -c, --clock=CLOCK     what the clock counts, for the labels: 'wall' (the\n"
"                        default) or 'instructions' (a guest under QEMU\n"
"                        -icount shift=0, where one ns is one instruction;\n"
"                        the thread test is then left out)\n"
"  -R, --remap-device=PATH  the remap_vmalloc_range() baseline's device\n"
"                        (default: /dev/mapdrv_remap; not measured if absent)\n"
"  -C, --curve-sizes=LIST  comma-separated BYTES: also measure mmap and first\n"
"                        touch per page at each of these mapping sizes\n"
"      --curve-reps=N    repetitions of the cost curves, 1 to 1000 (default 1)\n"
"  -g, --gate=FILE       compare the costs per page with a baseline written\n"
"                        before (DIR/gate.json, e.g. docs/bench-baseline.json);\n"
"                        exit status 4 if any is higher by more than the\n"
"                        tolerance, or missing (a baseline made with another\n"
"                        kernel, QEMU or size is compared all the same, with\n"
"                        a note)\n"
"      --gate-tolerance=PERCENT  (default: 3)\n"
"  -p, --profile         instead of the benchmark: ftrace function_graph of\n"
"                        one small mmap and one first touch of each subject\n"
"                        (needs tracefs; with an instruction clock the\n"
"                        durations are instruction counts)\n"
"      --profile-depth=N  max_graph_depth of that trace (default 3; 0: all)\n"
"  -j, --json            print the JSON on standard output instead of the\n"
"                        table\n"
"  -q, --quiet           no progress on standard error\n"
"  -h, --help            display this help and exit\n"
"  -V, --version         output version information and exit\n"
"\n"
"BYTES is a decimal or 0x-prefixed hexadecimal number, optionally followed\n"
"by K, M or G (times 1024, 1024^2 or 1024^3).\n"
"\n"
"Exit status:\n"
"  0    the benchmark ran (whether targets were met or not)\n"
"  1    a page read back wrong (a driver bug; the message says where)\n"
"  2    usage error\n"
"  3    device or system error: no device node, permission denied, not a\n"
"       mapdrv device, a failed mmap, out of memory, cannot write DIR\n"
"  4    --gate: a cost above its baseline by more than the tolerance\n",
		prog, prog, mapdrv::default_device_path, static_cast<unsigned>(MAPDRV_WINDOW_MAX));
}

/* --windows: powers of two from 1 to MAPDRV_WINDOW_MAX, sorted, once each. */
std::vector<std::uint32_t> parse_windows(const char *arg)
{
	std::vector<std::uint32_t> out = cli::parse_list_option<std::uint32_t>(
		"--windows", arg, [](const std::string &item) {
			const std::uint64_t v = cli::parse_number_option("--windows", item.c_str(), 1,
									 MAPDRV_WINDOW_MAX);
			if (!std::has_single_bit(v))
				throw usage_error("--windows: " + item + " is not a power of two "
					          "from 1 to " + std::to_string(MAPDRV_WINDOW_MAX));
			return static_cast<std::uint32_t>(v);
		});
	std::sort(out.begin(), out.end());
	out.erase(std::unique(out.begin(), out.end()), out.end());
	return out;
}

clock_kind parse_clock(const char *arg)
{
	const std::string v = arg;
	if (v == "wall")
		return clock_kind::wall;
	if (v == "instructions")
		return clock_kind::instructions;
	throw usage_error("--clock: '" + v + "' is neither 'wall' nor 'instructions'");
}

std::vector<std::uint64_t> parse_sizes(const char *arg)
{
	return cli::parse_list_option<std::uint64_t>(
		"--curve-sizes", arg, [](const std::string &item) {
			const std::uint64_t v = cli::parse_size_option("--curve-sizes", item.c_str());
			if (v == 0 || v % static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) != 0)
				throw usage_error("--curve-sizes: " + item + " is not a non-zero "
						  "multiple of the page size");
			return v;
		});
}

enum long_only : int {
	opt_curve_reps = 256,
	opt_gate_tolerance,
	opt_profile_depth,
};

/* The options with a value that is a number or a list. */
void parse_value(int c, const char *arg, options &opt)
{
	switch (c) {
	case 's': opt.size = cli::parse_size_option("--size", arg); break;
	case 'r':
		opt.reps = static_cast<unsigned>(cli::parse_number_option("--reps", arg, 1, 1000));
		break;
	case 'w': opt.windows = parse_windows(arg); break;
	case 'C': opt.curve_sizes = parse_sizes(arg); break;
	case opt_curve_reps:
		opt.curve_reps = static_cast<unsigned>(
			cli::parse_number_option("--curve-reps", arg, 1, 1000));
		break;
	case opt_gate_tolerance:
		opt.gate_tolerance =
			static_cast<double>(cli::parse_number_option("--gate-tolerance", arg, 0, 100)) /
			100;
		break;
	case opt_profile_depth:
		opt.profile_depth = static_cast<unsigned>(
			cli::parse_number_option("--profile-depth", arg, 0, 100));
		break;
	}
}

cli::action parse_args(int argc, char **argv, options &opt)
{
	static const char short_opts[] = ":d:s:r:w:o:m:c:R:C:g:pjqhV";
	static const struct option long_opts[] = {
		{ "clock",          required_argument, nullptr, 'c' },
		{ "remap-device",   required_argument, nullptr, 'R' },
		{ "curve-sizes",    required_argument, nullptr, 'C' },
		{ "curve-reps",     required_argument, nullptr, opt_curve_reps },
		{ "gate",           required_argument, nullptr, 'g' },
		{ "gate-tolerance", required_argument, nullptr, opt_gate_tolerance },
		{ "profile",        no_argument,       nullptr, 'p' },
		{ "profile-depth",  required_argument, nullptr, opt_profile_depth },
		{ "device",  required_argument, nullptr, 'd' },
		{ "size",    required_argument, nullptr, 's' },
		{ "reps",    required_argument, nullptr, 'r' },
		{ "windows", required_argument, nullptr, 'w' },
		{ "out",     required_argument, nullptr, 'o' },
		{ "machine", required_argument, nullptr, 'm' },
		{ "json",    no_argument,       nullptr, 'j' },
		{ "quiet",   no_argument,       nullptr, 'q' },
		{ "help",    no_argument,       nullptr, 'h' },
		{ "version", no_argument,       nullptr, 'V' },
		{ nullptr,   0,                 nullptr, 0 },
	};

	const cli::action act = cli::parse_options(argc, argv, short_opts, long_opts,
						   [&opt](int c, const char *arg) {
		switch (c) {
		case 'd': opt.device = arg; break;
		case 's':
		case 'r':
		case 'w':
		case 'C':
		case opt_curve_reps:
		case opt_gate_tolerance:
		case opt_profile_depth:
			parse_value(c, arg, opt);
			break;
		case 'c': opt.clock = parse_clock(arg); break;
		case 'R': opt.remap_device = arg; break;
		case 'g': opt.gate = arg; break;
		case 'p': opt.profile = true; break;
		case 'o': opt.out = arg; break;
		case 'm': opt.machine = arg; break;
		case 'j': opt.json = true; break;
		case 'q': opt.quiet = true; break;
		default: return false;
		}
		return true;
	});
	if (opt.device.empty())
		throw usage_error("--device: empty path");
	if (opt.out.empty())
		throw usage_error("--out: empty path");
	return act;
}

void write_file(const std::string &path, const std::string &text)
{
	mapdrv::unique_fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	if (!fd)
		throw_errno("open " + path);
	std::size_t done = 0;
	while (done < text.size()) {
		const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			throw_errno("write " + path);
		}
		done += static_cast<std::size_t>(n);
	}
	if (::close(fd.release()) < 0)
		throw_errno("close " + path);
}

/* Fail on an unwritable --out before minutes of measuring, not after. */
void check_out_dir(const std::string &out)
{
	struct stat st {};
	if (::stat(out.c_str(), &st) < 0)
		throw_errno("--out " + out);
	if (!S_ISDIR(st.st_mode))
		throw usage_error("--out " + out + ": not a directory");
	if (::access(out.c_str(), W_OK) < 0)
		throw_errno("--out " + out);
}

int run(const options &opt)
{
	results res;
	res.gate_tolerance = opt.gate_tolerance;
	if (opt.profile) {
		runner(opt, res).profile();
		cli::flush_stdout();
		return exit_ok;
	}
	check_out_dir(opt.out);
	runner(opt, res).run();
	if (!opt.gate.empty())
		check_gate(res, opt.gate, opt.gate_tolerance);
	const std::string json = render_json(res);
	const std::string json_path = opt.out + "/bench.json";
	const std::string svg_path = opt.out + "/bench.svg";
	write_file(json_path, json);
	write_file(svg_path, render_svg(res));
	write_file(opt.out + "/gate.json", render_gate_file(res, opt.gate_tolerance));
	if (opt.json) {
		std::fputs(json.c_str(), stdout);
	} else {
		print_text(res);
		std::printf("wrote %s, %s and gate.json\n", json_path.c_str(), svg_path.c_str());
	}
	cli::flush_stdout();
	return res.gate.failed() ? exit_regression : exit_ok;
}

} // namespace
} // namespace mapdrv::bench

int main(int argc, char **argv)
{
	using namespace mapdrv::bench;
	return mapdrv::cli::run_main<options>(
		prog, argc, argv, parse_args, print_help,
		[](const options &opt) {
			try {
				return run(opt);
			} catch (const data_error &e) {
				std::fprintf(stderr, "%s: %s\n", prog, e.what());
				return int{exit_data};
			}
		});
}
