// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv-bench: what mapping /dev/mapdrv costs, in each mapping mode of the
 * driver, next to the kernel's own anonymous and shmem mappings.
 *
 * Five measurements, each repeated on a fresh mapping and reported as median
 * and spread, every figure also as a ratio to its baseline:
 *   1. first touch (one read per page): ns and minor faults per page
 *   2. populate: MAP_POPULATE and MADV_POPULATE_READ instead of touching
 *   3. warm streaming read of the mapping vs an anonymous buffer, GB/s
 *   4. read() of the whole device vs memcpy of the same size, GB/s
 *   5. first touch by 1 thread vs 2 threads on disjoint halves
 * Output: a table (or --json), and bench.json plus bench.svg in --out.
 *
 * The files: measure.cpp and steps.cpp fill one results structure
 * (results.hpp); targets.cpp judges it; render_text.cpp, render_json.cpp
 * and render_svg.cpp only read it.
 *
 * Exit status: 0 it ran (targets are information, never a failure), 1 a page
 * read back wrong, 2 usage error, 3 device or system error.
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
"Writes DIR/bench.json (everything, with every sample) and DIR/bench.svg (a\n"
"bar chart) and prints the table on standard output; progress goes to\n"
"standard error.\n"
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
"       mapdrv device, a failed mmap, out of memory, cannot write DIR\n",
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

cli::action parse_args(int argc, char **argv, options &opt)
{
	static const char short_opts[] = ":d:s:r:w:o:m:jqhV";
	static const struct option long_opts[] = {
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

	opterr = 0;
	cli::action act = cli::action::run;
	int c;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, nullptr)) != -1) {
		switch (c) {
		case 'd': opt.device = optarg; break;
		case 's': opt.size = cli::parse_size_option("--size", optarg); break;
		case 'r':
			opt.reps = static_cast<unsigned>(
				cli::parse_number_option("--reps", optarg, 1, 1000));
			break;
		case 'w': opt.windows = parse_windows(optarg); break;
		case 'o': opt.out = optarg; break;
		case 'm': opt.machine = optarg; break;
		case 'j': opt.json = true; break;
		case 'q': opt.quiet = true; break;
		case 'h': act = cli::action::help; break;
		case 'V':
			if (act != cli::action::help)
				act = cli::action::version;
			break;
		default:
			cli::getopt_error(c, argv, short_opts);
		}
	}
	cli::no_operands(argc, argv);
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
	check_out_dir(opt.out);
	results res;
	runner(opt, res).run();
	const std::string json = render_json(res);
	const std::string json_path = opt.out + "/bench.json";
	const std::string svg_path = opt.out + "/bench.svg";
	write_file(json_path, json);
	write_file(svg_path, render_svg(res));
	if (opt.json) {
		std::fputs(json.c_str(), stdout);
	} else {
		print_text(res);
		std::printf("wrote %s and %s\n", json_path.c_str(), svg_path.c_str());
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
