// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv-bench: what mapping /dev/mapdrv costs, in each mapping mode of the
 * driver, next to the kernel's own anonymous and shmem mappings and the
 * remap_vmalloc_range() baseline module.
 *
 * The measurements, each repeated on a fresh mapping:
 *   1. first touch (one read per page): cost and minor faults per page
 *   2. populate: MAP_POPULATE and MADV_POPULATE_READ instead of touching
 *   3. warm streaming read of the mapping vs an anonymous buffer
 *   4. read() of the whole device vs the same copy in user space
 *   5. first touch by 1 thread vs 2 threads on disjoint halves (wall clock)
 *   6. cost curves: mmap and first touch against the mapping size
 *   7. refaults: MADV_DONTNEED of one page, of every 16th, of all, then a
 *      read of each (and over userfaultfd-wp markers where the kernel
 *      allows), with the vm_insert_pages() calls per refault
 * Costs are per page, in ns or, in a guest under QEMU -icount, instructions
 * (--clock). The output is one JSON document of every sample (--out);
 * medians, ratios, targets, tables, charts and the regression gate are made
 * from it by scripts/bench/ on the host. --profile traces one fault of each
 * subject instead.
 *
 * The files: measure.cpp, steps.cpp, refault.cpp and curves.cpp fill one results
 * structure (results.hpp); bench_json.cpp writes it; profile.cpp and
 * trace_tree.cpp are the ftrace profile.
 *
 * Exit status: 0 it ran, 1 a page read back wrong, 2 usage error, 3 device
 * or system error.
 */
#include <algorithm>
#include <bit>
#include <cstdio>
#include <string>

#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>

#include <mapdrv/cli.hpp>
#include <mapdrv/fd.hpp>

#include "bench.hpp"
#include "measure.hpp"

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
"driver (fault; around, with each window; eager), next to baselines of the\n"
"same size: anonymous memory (MAP_PRIVATE, read faults, THP off), a memfd\n"
"(shmem) MAP_SHARED mapping, which the kernel maps with fault-around, and,\n"
"where the module mapdrv_remap is loaded, remap_vmalloc_range() at mmap,\n"
"and where mapdrv_floor is loaded, the floors of a page-backed fault: a\n"
".fault that takes its page from an array, and one that does no work.\n"
"\n"
"First touch: one read per page of a fresh mapping, its cost and minor\n"
"faults per page. Populate: the same after MAP_POPULATE, and after\n"
"MADV_POPULATE_READ. Warm read: a second streaming pass over the mapping vs\n"
"an anonymous buffer. read(): the whole device through the file operations\n"
"vs memcpy() of the same size and the copy loop copy_to_user() runs on this\n"
"CPU, in user space. Threads (wall clock only): first touch by 1 thread vs\n"
"2 threads on disjoint halves, next to the same split of pure computation.\n"
"Cost curves (--curve-sizes): mmap and first touch at other mapping sizes.\n"
"Refaults: a mapping touched in full, then MADV_DONTNEED of one page (64\n"
"times, one after the other), of every 16th page and of every page, and a\n"
"read of each dropped page; the same over userfaultfd-wp markers where\n"
"the kernel registers the mapping for UFFD_FEATURE_WP_ASYNC; then, in a\n"
"pass of its own, vm_insert_pages() calls per refault, counted by a kprobe.\n"
"\n"
"Every measurement is repeated on a fresh mapping (after one discarded\n"
"warm-up round in which every byte is checked), the repetitions interleaved\n"
"across subjects. Modes the module does not support are noted and skipped.\n"
"\n"
"The output is one JSON document: the run, its machine and every sample\n"
"(one per repetition, per page, in ns or instructions). It holds no\n"
"medians, ratios or verdicts: make bench renders it (scripts/bench/).\n"
"Progress goes to standard error.\n"
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
"  -o, --out=FILE        write the JSON (or the profile) to FILE instead of\n"
"                        standard output\n"
"  -m, --machine=TEXT    describe the machine in the JSON, e.g. how the VM\n"
"                        was started and on what host (the kernel, CPU model\n"
"                        and CPU count are found without it)\n"
"  -c, --clock=CLOCK     what the clock counts: 'wall' (the default) or\n"
"                        'instructions' (a guest under QEMU -icount shift=0,\n"
"                        where one ns is one instruction; the thread test is\n"
"                        then left out)\n"
"  -R, --remap-device=PATH  the remap_vmalloc_range() baseline's device\n"
"                        (default: /dev/mapdrv_remap; not measured if absent)\n"
"      --floor-array-device=PATH  the array floor's device\n"
"                        (default: /dev/mapdrv_floor_array; likewise)\n"
"      --floor-none-device=PATH  the empty floor's device\n"
"                        (default: /dev/mapdrv_floor_none; likewise)\n"
"  -C, --curve-sizes=LIST  comma-separated BYTES: also measure mmap and first\n"
"                        touch per page at each of these mapping sizes\n"
"      --curve-reps=N    repetitions of the cost curves, 1 to 1000 (default 1)\n"
"  -p, --profile         instead of the benchmark: ftrace function_graph of\n"
"                        one small mmap and one first touch of each subject\n"
"                        as text (needs tracefs; under QEMU -icount the\n"
"                        durations are instruction counts)\n"
"      --profile-depth=N  max_graph_depth of that trace (default 3; 0: all)\n"
"  -q, --quiet           no progress on standard error\n"
"  -h, --help            display this help and exit\n"
"  -V, --version         output version information and exit\n"
"\n"
"BYTES is a decimal or 0x-prefixed hexadecimal number, optionally followed\n"
"by K, M or G (times 1024, 1024^2 or 1024^3).\n"
"\n"
"Exit status:\n"
"  0    the benchmark ran\n"
"  1    a page read back wrong (a driver bug; the message says where)\n"
"  2    usage error\n"
"  3    device or system error: no device node, permission denied, not a\n"
"       mapdrv device, a failed mmap, out of memory, cannot write FILE\n",
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
	opt_profile_depth,
	opt_floor_array_device,
	opt_floor_none_device,
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
	case opt_profile_depth:
		opt.profile_depth = static_cast<unsigned>(
			cli::parse_number_option("--profile-depth", arg, 0, 100));
		break;
	}
}

cli::action parse_args(int argc, char **argv, options &opt)
{
	static const char short_opts[] = ":d:s:r:w:o:m:c:R:C:pqhV";
	static const struct option long_opts[] = {
		{ "clock",          required_argument, nullptr, 'c' },
		{ "remap-device",   required_argument, nullptr, 'R' },
		{ "curve-sizes",    required_argument, nullptr, 'C' },
		{ "curve-reps",     required_argument, nullptr, opt_curve_reps },
		{ "profile",        no_argument,       nullptr, 'p' },
		{ "profile-depth",  required_argument, nullptr, opt_profile_depth },
		{ "floor-array-device", required_argument, nullptr, opt_floor_array_device },
		{ "floor-none-device",  required_argument, nullptr, opt_floor_none_device },
		{ "device",  required_argument, nullptr, 'd' },
		{ "size",    required_argument, nullptr, 's' },
		{ "reps",    required_argument, nullptr, 'r' },
		{ "windows", required_argument, nullptr, 'w' },
		{ "out",     required_argument, nullptr, 'o' },
		{ "machine", required_argument, nullptr, 'm' },
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
		case opt_profile_depth:
			parse_value(c, arg, opt);
			break;
		case 'c': opt.clock = parse_clock(arg); break;
		case 'R': opt.remap_device = arg; break;
		case opt_floor_array_device: opt.floor_array_device = arg; break;
		case opt_floor_none_device: opt.floor_none_device = arg; break;
		case 'p': opt.profile = true; break;
		case 'o': opt.out = arg; break;
		case 'm': opt.machine = arg; break;
		case 'q': opt.quiet = true; break;
		default: return false;
		}
		return true;
	});
	if (opt.device.empty())
		throw usage_error("--device: empty path");
	return act;
}

int run(const options &opt)
{
	/* Standard output becomes --out, opened before minutes of measuring. */
	if (!opt.out.empty()) {
		const mapdrv::unique_fd f(::open(opt.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
		if (!f || ::dup2(f.get(), STDOUT_FILENO) < 0)
			throw_errno("--out " + opt.out);
	}
	results res;
	if (opt.profile) {
		runner(opt, res).profile();
	} else {
		runner(opt, res).run();
		std::fputs(render_json(res).c_str(), stdout);
	}
	cli::flush_stdout();
	return exit_ok;
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
