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
 * Exit status: 0 it ran (targets are information, never a failure), 1 a page
 * read back wrong, 2 usage error, 3 device or system error.
 */
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/mapdrv.h>

#include <mapdrv/cli.hpp>
#include <mapdrv/device.hpp>
#include <mapdrv/fd.hpp>
#include <mapdrv/mapping.hpp>
#include <mapdrv/text.hpp>
#include <mapdrv/svg_bars.hpp>


#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22	/* Linux 5.14 */
#endif

namespace {

using mapdrv::cli::action;
using mapdrv::cli::flush_stdout;
using mapdrv::cli::usage_error;
using mapdrv::fmt;
using mapdrv::json_string;
using mapdrv::cli::parse_size_option;
using mapdrv::cli::version;
using mapdrv::cli::install_sigbus_handler;

constexpr const char prog[] = "mapdrv-bench";

/* A page that did not hold what it should: exit status 1. */
struct data_error : std::runtime_error {
	using std::runtime_error::runtime_error;
};

enum exit_status : int {
	exit_ok = 0,
	exit_data = 1,
	exit_usage = 2,
	exit_device = 3,
};

constexpr std::uint64_t recommended_size = 64ULL << 20;
constexpr unsigned recommended_reps = 5;
constexpr std::size_t copy_chunk = 1 << 20;

struct options {
	std::string device = mapdrv::default_device_path;
	std::optional<std::uint64_t> size;
	unsigned reps = 7;
	std::vector<std::uint32_t> windows = {1, 4, 16, 64, 512};
	std::string out = ".";
	std::string machine;	/* --machine: what the run cannot see for itself */
	bool json = false;
	bool quiet = false;
};

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

unsigned parse_reps(const char *arg)
{
	std::uint64_t v;
	try {
		v = mapdrv::parse_size(arg);
	} catch (const std::invalid_argument &) {
		throw usage_error(std::string("--reps: invalid number '") + arg + "'");
	}
	if (v < 1 || v > 1000)
		throw usage_error(std::string("--reps: ") + arg + " is not between 1 and 1000");
	return static_cast<unsigned>(v);
}

std::vector<std::uint32_t> parse_windows(const char *arg)
{
	std::vector<std::uint32_t> out;
	std::string_view rest = arg;
	while (true) {
		const std::size_t comma = rest.find(',');
		const std::string item(rest.substr(0, comma));
		std::uint64_t v = 0;
		try {
			v = mapdrv::parse_size(item);
		} catch (const std::invalid_argument &) {
			throw usage_error("--windows: invalid window '" + item + "' in '" + arg + "'");
		}
		if (v < 1 || v > MAPDRV_WINDOW_MAX || !std::has_single_bit(v))
			throw usage_error("--windows: " + item + " is not a power of two from 1 to " +
					  std::to_string(MAPDRV_WINDOW_MAX));
		if (std::find(out.begin(), out.end(), v) == out.end())
			out.push_back(static_cast<std::uint32_t>(v));
		if (comma == std::string_view::npos)
			break;
		rest.remove_prefix(comma + 1);
	}
	std::sort(out.begin(), out.end());
	return out;
}

action parse_args(int argc, char **argv, options &opt)
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
	action act = action::run;
	int c;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, nullptr)) != -1) {
		switch (c) {
		case 'd': opt.device = optarg; break;
		case 's': opt.size = parse_size_option("--size", optarg); break;
		case 'r': opt.reps = parse_reps(optarg); break;
		case 'w': opt.windows = parse_windows(optarg); break;
		case 'o': opt.out = optarg; break;
		case 'm': opt.machine = optarg; break;
		case 'j': opt.json = true; break;
		case 'q': opt.quiet = true; break;
		case 'h': act = action::help; break;
		case 'V':
			if (act != action::help)
				act = action::version;
			break;
		default:
			mapdrv::cli::getopt_error(c, argv, short_opts);
		}
	}
	mapdrv::cli::no_operands(argc, argv);
	if (opt.device.empty())
		throw usage_error("--device: empty path");
	if (opt.out.empty())
		throw usage_error("--out: empty path");
	return act;
}

[[noreturn]] void throw_errno(const std::string &what)
{
	throw std::system_error(errno, std::generic_category(), what);
}

std::string errno_name(int err)
{
	switch (err) {
	case ENOTTY: return "ENOTTY";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case ENOMEM: return "ENOMEM";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	default: return "errno " + std::to_string(err);
	}
}

/* ---- time, counters ---------------------------------------------------- */

std::int64_t now_ns()
{
	struct timespec ts {};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/* Minor faults of the whole process (every thread). */
std::uint64_t minor_faults()
{
	struct rusage ru {};
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		throw_errno("getrusage");
	return static_cast<std::uint64_t>(ru.ru_minflt);
}

inline void cpu_relax()
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* ---- the loops being timed ---------------------------------------------- */

/*
 * One 8-byte read at the start of each page in [first, first + n); count the
 * pages whose word is not key ^ (offset & mask): the pattern for key =
 * magic ^ seed and mask = ~0, the zero page for key = mask = 0.
 */
__attribute__((noinline)) std::uint64_t touch_pages(const std::byte *base, std::size_t first,
						    std::size_t n, std::size_t page,
						    std::uint64_t key, std::uint64_t mask)
{
	std::uint64_t bad = 0;
	for (std::size_t i = first; i < first + n; ++i) {
		const std::uint64_t off = static_cast<std::uint64_t>(i) * page;
		std::uint64_t w;
		std::memcpy(&w, base + off, sizeof(w));
		bad += (w != (key ^ (off & mask)));
	}
	return bad;
}

/*
 * Computation standing for @n pages of work: a few hundred dependent
 * xorshift steps a page, no memory access.
 */
__attribute__((noinline)) std::uint64_t compute_pages(std::size_t first, std::size_t n)
{
	std::uint64_t x = 0x9e3779b97f4a7c15ULL ^ first;
	for (std::size_t i = 0; i < n * 256; ++i) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

/* Read every 8-byte word; 4 independent sums so that loads dominate. */
__attribute__((noinline)) std::uint64_t stream_read(const std::byte *p, std::size_t bytes)
{
	std::uint64_t a = 0, b = 0, c = 0, d = 0;
	for (std::size_t i = 0; i + 32 <= bytes; i += 32) {
		std::uint64_t w[4];
		std::memcpy(w, p + i, sizeof(w));
		a += w[0];
		b += w[1];
		c += w[2];
		d += w[3];
	}
	return a ^ b ^ c ^ d;
}

volatile std::uint64_t sink;

#if defined(__x86_64__) || defined(__i386__)
#define MAPDRV_HAVE_MOVSB 1
void copy_movsb(void *dst, const void *src, std::size_t n)
{
	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}
#endif

/* ---- statistics ----------------------------------------------------------- */

struct series {
	std::vector<double> samples;
	std::string unsupported;	/* non-empty: not measured, and why */

	void add(double v) { samples.push_back(v); }
	[[nodiscard]] bool ok() const { return unsupported.empty() && !samples.empty(); }

	[[nodiscard]] std::vector<double> sorted() const
	{
		std::vector<double> s = samples;
		std::sort(s.begin(), s.end());
		return s;
	}
	/* The @q quantile, 0 <= q <= 1, interpolated between samples. */
	[[nodiscard]] double quantile(double q) const
	{
		if (!ok())
			return NAN;
		const std::vector<double> s = sorted();
		const double pos = q * static_cast<double>(s.size() - 1);
		const auto lo = static_cast<std::size_t>(std::floor(pos));
		const std::size_t hi = std::min(lo + 1, s.size() - 1);
		return s[lo] + (s[hi] - s[lo]) * (pos - static_cast<double>(lo));
	}
	[[nodiscard]] double median() const { return quantile(0.5); }
	[[nodiscard]] double min() const
	{
		return ok() ? *std::min_element(samples.begin(), samples.end()) : NAN;
	}
	[[nodiscard]] double max() const
	{
		return ok() ? *std::max_element(samples.begin(), samples.end()) : NAN;
	}
	/*
	 * Half the interquartile range, relative to the median: robust to the
	 * odd repetition a busy host preempts (min and max are in the JSON).
	 */
	[[nodiscard]] double spread() const
	{
		const double m = median();
		if (!ok() || m == 0)
			return NAN;
		return (quantile(0.75) - quantile(0.25)) / 2 / std::fabs(m);
	}
};

/*
 * The ratio a/b as a series: per repetition when both have one sample per
 * repetition (repetitions are interleaved, so this cancels slow drifts of
 * the host), else the ratio of the medians.
 */
series ratio(const series &a, const series &b)
{
	series r;
	if (!a.ok() || !b.ok()) {
		r.unsupported = !a.ok() ? (a.unsupported.empty() ? "no data" : a.unsupported)
					: (b.unsupported.empty() ? "no data" : b.unsupported);
		return r;
	}
	if (a.samples.size() == b.samples.size()) {
		for (std::size_t i = 0; i < a.samples.size(); ++i)
			if (b.samples[i] != 0)
				r.add(a.samples[i] / b.samples[i]);
	} else if (b.median() != 0) {
		r.add(a.median() / b.median());
	}
	if (r.samples.empty())
		r.unsupported = "division by zero";
	return r;
}

/* ---- what is measured ----------------------------------------------------- */

enum class kind { mapdrv, anon, shmem };

struct subject {
	kind k = kind::mapdrv;
	std::uint32_t mode = MAPDRV_MODE_FAULT;
	std::uint32_t window = 0;
	std::string name;	/* "fault", "around-16", "eager", "anon", "shmem" */
	std::string label;	/* for the table and chart */
	bool set_mode = false;	/* MAPDRV_IOC_SET_MODE before each mmap */
	bool threads = false;	/* part of the thread test */

	/* 1. first touch, per page */
	series mmap_ns, touch_ns, total_ns, faults, driver_faults;
	/* 2. populate: mmap (+ madvise) + touch, per page */
	series mpop_ns, mpop_faults, madv_ns, madv_faults;
	/* 3. warm streaming read */
	series warm_gbps;
	/* 5. threads: first touch, per page, and speedup per repetition */
	series t1_ns, t2_ns, speedup;
};

struct environment {
	std::string kernel;
	std::string cpu_model;
	std::string accel;		/* "tcg", "virtualized", "bare metal?" */
	std::string machine;		/* "QEMU pc-i440fx-10.0" or "" */
	std::string thp;		/* transparent_hugepage/enabled */
	std::string cpu_flags;		/* the few that matter here */
	long cpus = 0;
	long fault_around_bytes = -1;	/* -1: unknown */
};

std::string read_line(const char *path)
{
	std::ifstream in(path);
	std::string line;
	if (!in || !std::getline(in, line))
		return {};
	while (!line.empty() && (line.back() == '\n' || line.back() == ' '))
		line.pop_back();
	return line;
}

environment probe_environment()
{
	environment env;
	struct utsname u {};
	if (uname(&u) == 0)
		env.kernel = u.release;
	env.cpus = sysconf(_SC_NPROCESSORS_ONLN);

	std::ifstream cpuinfo("/proc/cpuinfo");
	std::string line, flags;
	while (std::getline(cpuinfo, line)) {
		const auto value = [&line] {
			const std::size_t colon = line.find(':');
			return colon == std::string::npos ? std::string()
							  : line.substr(line.find_first_not_of(" \t", colon + 1));
		};
		if (env.cpu_model.empty() && line.rfind("model name", 0) == 0)
			env.cpu_model = value();
		else if (flags.empty() && line.rfind("flags", 0) == 0)
			flags = " " + value() + " ";
	}
	for (const char *f : {"erms", "fsrm", "avx2", "hypervisor"})
		if (flags.find(std::string(" ") + f + " ") != std::string::npos)
			env.cpu_flags += (env.cpu_flags.empty() ? "" : " ") + std::string(f);

	if (env.cpu_model.find("TCG") != std::string::npos)
		env.accel = "tcg";
	else if (flags.find(" hypervisor ") != std::string::npos)
		env.accel = "virtualized";
	else
		env.accel = "bare metal";

	const std::string vendor = read_line("/sys/class/dmi/id/sys_vendor");
	const std::string pver = read_line("/sys/class/dmi/id/product_version");
	if (!vendor.empty())
		env.machine = vendor + (pver.empty() ? "" : " " + pver);

	const std::string thp = read_line("/sys/kernel/mm/transparent_hugepage/enabled");
	const std::size_t l = thp.find('['), r = thp.find(']');
	env.thp = (l != std::string::npos && r > l) ? thp.substr(l + 1, r - l - 1) : thp;

	const std::string fab = read_line("/sys/kernel/debug/fault_around_bytes");
	if (!fab.empty())
		env.fault_around_bytes = std::strtol(fab.c_str(), nullptr, 10);
	return env;
}

const char *mode_name(std::uint32_t mode)
{
	switch (mode) {
	case MAPDRV_MODE_FAULT: return "fault";
	case MAPDRV_MODE_AROUND: return "around";
	case MAPDRV_MODE_EAGER: return "eager";
	default: return "?";
	}
}

/* MAPDRV_IOC_SET_MODE; 0 or errno. */
int set_mode(int fd, std::uint32_t mode, std::uint32_t window)
{
	mapdrv_mode arg{};
	arg.mode = mode;
	arg.window = window;
	return ::ioctl(fd, MAPDRV_IOC_SET_MODE, &arg) < 0 ? errno : 0;
}

/* ---- the benchmark ---------------------------------------------------- */

struct copy_results {
	series read_gbps, memcpy_gbps, movsb_gbps;
};

struct target {
	std::string name;	/* "around-16 first touch <= 0.5x fault" */
	std::string value;	/* "0.31x" */
	std::optional<bool> met;	/* nullopt: not measured */
	std::string detail;
};

class bench {
public:
	explicit bench(const options &opt) : opt_(opt), dev_(opt.device, O_RDONLY | O_CLOEXEC) {}

	void run();
	void print_text() const;
	[[nodiscard]] std::string json() const;
	[[nodiscard]] std::string svg() const;

private:
	void progress(const std::string &msg) const
	{
		if (!opt_.quiet) {
			std::fprintf(stderr, "%s: %s\n", prog, msg.c_str());
			std::fflush(stderr);
		}
	}

	void probe_modes();
	void setup_baselines();
	mapdrv::mapping map(const subject &s, int extra_flags, double &mmap_ns) const;
	[[nodiscard]] std::uint64_t key_of(const subject &s) const;
	[[nodiscard]] std::uint64_t mask_of(const subject &s) const;
	void check_pages(const subject &s, std::uint64_t bad, const char *what) const;

	void first_touch(subject &s, bool record);
	void populate_map(subject &s, bool record);
	void populate_madvise(subject &s, bool record);
	void warm_read(subject &s, bool record, bool verify);
	void threads(subject &s, bool record);
	template <typename Work>
	double split_run(unsigned nthreads, Work work, std::uint64_t &result) const;
	void compute_threads(bool record);
	void copies(bool record, bool verify);
	void evaluate_targets();

	[[nodiscard]] const subject *find(std::string_view name) const
	{
		for (const subject &s : subjects_)
			if (s.name == name)
				return &s;
		return nullptr;
	}
	[[nodiscard]] std::string title() const;
	[[nodiscard]] std::string tcg_note() const;

	const options &opt_;
	mapdrv::device dev_;
	mapdrv_info info_{};
	environment env_;
	std::size_t page_ = 0, pages_ = 0, bytes_ = 0;
	std::vector<subject> subjects_;
	std::vector<std::string> notes_;	/* unsupported modes and the like */
	mapdrv::unique_fd memfd_;
	mapdrv::mapping anon_src_, dst_;	/* written anonymous buffers */
	bool madv_populate_ok_ = true;
	std::string madv_populate_why_;
	copy_results copy_;
	subject compute_;	/* only its t1_ns, t2_ns and speedup */
	std::vector<target> targets_;
	double seconds_ = 0;
};

std::uint64_t bench::key_of(const subject &s) const
{
	return s.k == kind::anon ? 0 : MAPDRV_PATTERN_MAGIC ^ info_.seed;
}

std::uint64_t bench::mask_of(const subject &s) const
{
	return s.k == kind::anon ? 0 : ~std::uint64_t{0};
}

void bench::check_pages(const subject &s, std::uint64_t bad, const char *what) const
{
	if (bad)
		throw data_error(fmt("%s, %s: %" PRIu64 " of %zu pages read back wrong (first word "
				     "of the page not the %s)",
				     s.name.c_str(), what, bad, pages_,
				     s.k == kind::anon ? "zero page's" : "pattern's"));
}

/* Which modes does the module take? One fresh file per question. */
void bench::probe_modes()
{
	struct want {
		std::uint32_t mode, window;
	};
	std::vector<want> wants{{MAPDRV_MODE_FAULT, 0}};
	for (const std::uint32_t w : opt_.windows)
		wants.push_back({MAPDRV_MODE_AROUND, w});
	wants.push_back({MAPDRV_MODE_EAGER, 0});

	for (const want &w : wants) {
		subject s;
		s.k = kind::mapdrv;
		s.mode = w.mode;
		s.window = w.window;
		s.name = w.mode == MAPDRV_MODE_AROUND ? fmt("around-%u", w.window)
						      : std::string(mode_name(w.mode));
		s.label = s.name;
		/* Eager takes no fault at first touch: nothing to scale. */
		s.threads = w.mode == MAPDRV_MODE_FAULT ||
			    (w.mode == MAPDRV_MODE_AROUND && w.window == MAPDRV_WINDOW_DEFAULT);

		const mapdrv::device probe(opt_.device, O_RDONLY | O_CLOEXEC);
		const int err = set_mode(probe.fd(), w.mode, w.window);
		if (err == 0) {
			s.set_mode = true;
			const mapdrv_info i = probe.info();
			if (i.mode != w.mode ||
			    (w.mode == MAPDRV_MODE_AROUND && i.window != w.window))
				notes_.push_back(fmt("mode %s: MAPDRV_IOC_INFO reports mode %u window "
						     "%u after SET_MODE; measured anyway",
						     s.name.c_str(), i.mode, i.window));
		} else if (err == ENOTTY && w.mode == MAPDRV_MODE_FAULT) {
			/* A module without modes: one fault per page is all it does. */
			notes_.push_back("this module has no MAPDRV_IOC_SET_MODE (ENOTTY): "
					 "its only behaviour is fault");
		} else if (err == ENOTTY || err == EINVAL) {
			notes_.push_back(fmt("mode %s: unsupported by this module (SET_MODE: %s)",
					     s.name.c_str(), errno_name(err).c_str()));
			continue;
		} else {
			throw std::system_error(err, std::generic_category(),
						"MAPDRV_IOC_SET_MODE " + s.name + " on " +
							opt_.device);
		}
		subjects_.push_back(std::move(s));
	}
}

void bench::setup_baselines()
{
	/* anon: read faults of a private anonymous mapping, THP off. */
	subject anon;
	anon.k = kind::anon;
	anon.name = "anon";
	anon.label = "anon (zero page)";
	anon.threads = true;
	subjects_.push_back(std::move(anon));

	/* shmem: a memfd whose pages exist, so that fault-around can map them. */
	const int fd = memfd_create("mapdrv-bench", MFD_CLOEXEC);
	if (fd < 0)
		throw_errno("memfd_create");
	memfd_.reset(fd);
	if (ftruncate(fd, static_cast<off_t>(bytes_)) < 0)
		throw_errno("ftruncate memfd");
	std::vector<std::uint64_t> chunk(copy_chunk / 8);
	for (std::size_t off = 0; off < bytes_; off += copy_chunk) {
		const std::size_t n = std::min(copy_chunk, bytes_ - off);
		for (std::size_t i = 0; i < n / 8; ++i)
			chunk[i] = mapdrv_pattern(info_.seed, off + i * 8);
		if (pwrite(fd, chunk.data(), n, static_cast<off_t>(off)) != static_cast<ssize_t>(n))
			throw_errno("pwrite memfd");
	}
	subject shmem;
	shmem.k = kind::shmem;
	shmem.name = "shmem";
	const long fa = env_.fault_around_bytes;
	shmem.label = fa > 0 ? fmt("shmem (fault-around %ld)", fa / static_cast<long>(page_))
			     : std::string("shmem (fault-around)");
	shmem.threads = true;
	subjects_.push_back(std::move(shmem));

	/*
	 * Written anonymous buffers (real pages, not the zero page): the source
	 * of memcpy and the baseline of the warm read; the destination of
	 * read() and memcpy.
	 */
	const auto make_buffer = [this] {
		mapdrv::mapping m(-1, 0, bytes_, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS);
		if (madvise(m.data(), bytes_, MADV_NOHUGEPAGE) < 0)
			throw_errno("madvise MADV_NOHUGEPAGE");
		return m;
	};
	anon_src_ = make_buffer();
	auto *src = anon_src_.data();
	for (std::size_t off = 0; off < bytes_; off += 8) {
		const std::uint64_t w = mapdrv_pattern(info_.seed, off);
		std::memcpy(src + off, &w, 8);
	}
	dst_ = make_buffer();
	std::memset(dst_.data(), 0x5a, bytes_);
}

/* A fresh mapping of @s, timing the mmap() call alone. */
mapdrv::mapping bench::map(const subject &s, int extra_flags, double &mmap_ns) const
{
	mapdrv::mapping m;
	std::int64_t t0 = 0, t1 = 0;
	switch (s.k) {
	case kind::mapdrv: {
		/* A fresh file: SET_MODE is refused while a file has mappings. */
		const mapdrv::device d(opt_.device, O_RDONLY | O_CLOEXEC);
		if (s.set_mode) {
			const int err = set_mode(d.fd(), s.mode, s.window);
			if (err)
				throw std::system_error(err, std::generic_category(),
							"MAPDRV_IOC_SET_MODE " + s.name);
		}
		t0 = now_ns();
		m = d.map(0, bytes_, PROT_READ, MAP_SHARED | extra_flags);
		t1 = now_ns();
		break;
	}
	case kind::anon:
		t0 = now_ns();
		m = mapdrv::mapping(-1, 0, bytes_, PROT_READ,
				    MAP_PRIVATE | MAP_ANONYMOUS | extra_flags);
		t1 = now_ns();
		/* After MAP_POPULATE this is too late: PR_SET_THP_DISABLE covers it. */
		if (madvise(m.data(), bytes_, MADV_NOHUGEPAGE) < 0)
			throw_errno("madvise MADV_NOHUGEPAGE");
		break;
	case kind::shmem:
		t0 = now_ns();
		m = mapdrv::mapping(memfd_.get(), 0, bytes_, PROT_READ, MAP_SHARED | extra_flags);
		t1 = now_ns();
		break;
	}
	mmap_ns = static_cast<double>(t1 - t0);
	return m;
}

void bench::first_touch(subject &s, bool record)
{
	double mmap_ns = 0;
	const mapdrv::mapping m = map(s, 0, mmap_ns);
	const std::uint64_t drv0 = s.k == kind::mapdrv ? dev_.info().faults : 0;
	const std::uint64_t f0 = minor_faults();
	const std::int64_t t0 = now_ns();
	const std::uint64_t bad = touch_pages(m.data(), 0, pages_, page_, key_of(s), mask_of(s));
	const std::int64_t t1 = now_ns();
	const std::uint64_t f1 = minor_faults();
	const std::uint64_t drv1 = s.k == kind::mapdrv ? dev_.info().faults : 0;
	check_pages(s, bad, "first touch");
	if (!record)
		return;
	const double n = static_cast<double>(pages_);
	const double touch = static_cast<double>(t1 - t0);
	s.mmap_ns.add(mmap_ns / n);
	s.touch_ns.add(touch / n);
	s.total_ns.add((mmap_ns + touch) / n);
	s.faults.add(static_cast<double>(f1 - f0) / n);
	if (s.k == kind::mapdrv)
		s.driver_faults.add(static_cast<double>(drv1 - drv0) / n);
}

void bench::populate_map(subject &s, bool record)
{
	const std::uint64_t f0 = minor_faults();
	double mmap_ns = 0;
	const mapdrv::mapping m = map(s, MAP_POPULATE, mmap_ns);
	const std::int64_t t0 = now_ns();
	const std::uint64_t bad = touch_pages(m.data(), 0, pages_, page_, key_of(s), mask_of(s));
	const std::int64_t t1 = now_ns();
	const std::uint64_t f1 = minor_faults();
	check_pages(s, bad, "MAP_POPULATE");
	if (!record)
		return;
	const double n = static_cast<double>(pages_);
	s.mpop_ns.add((mmap_ns + static_cast<double>(t1 - t0)) / n);
	s.mpop_faults.add(static_cast<double>(f1 - f0) / n);
}

void bench::populate_madvise(subject &s, bool record)
{
	if (!madv_populate_ok_) {
		s.madv_ns.unsupported = s.madv_faults.unsupported = madv_populate_why_;
		return;
	}
	if (!s.madv_ns.unsupported.empty())
		return;
	const std::uint64_t f0 = minor_faults();
	double mmap_ns = 0;
	mapdrv::mapping m = map(s, 0, mmap_ns);
	const std::int64_t t0 = now_ns();
	if (madvise(m.data(), bytes_, MADV_POPULATE_READ) < 0) {
		const int err = errno;
		if (err == EINVAL && s.k == kind::anon) {
			/* The plainest mapping there is: the kernel lacks it (< 5.14). */
			madv_populate_ok_ = false;
			madv_populate_why_ = "MADV_POPULATE_READ: EINVAL (a kernel before 5.14)";
			for (subject &o : subjects_)
				o.madv_ns = o.madv_faults = series{{}, madv_populate_why_};
		} else {
			s.madv_ns = s.madv_faults =
				series{{}, "MADV_POPULATE_READ: " + errno_name(err) + " (" +
						   std::strerror(err) + ")"};
		}
		return;
	}
	const std::uint64_t bad = touch_pages(m.data(), 0, pages_, page_, key_of(s), mask_of(s));
	const std::int64_t t1 = now_ns();
	const std::uint64_t f1 = minor_faults();
	check_pages(s, bad, "MADV_POPULATE_READ");
	if (!record)
		return;
	const double n = static_cast<double>(pages_);
	s.madv_ns.add((mmap_ns + static_cast<double>(t1 - t0)) / n);
	s.madv_faults.add(static_cast<double>(f1 - f0) / n);
}

/*
 * Warm streaming read: a first pass faults everything in (untimed), the
 * second is timed. The anonymous baseline is the written buffer (real pages
 * holding the pattern), given the same untimed first pass.
 */
void bench::warm_read(subject &s, bool record, bool verify)
{
	mapdrv::mapping fresh;
	const std::byte *p;
	if (s.k == kind::anon) {
		p = anon_src_.data();
	} else {
		double ignored;
		fresh = map(s, 0, ignored);
		p = fresh.data();
	}
	sink = stream_read(p, bytes_);
	const std::int64_t t0 = now_ns();
	sink = stream_read(p, bytes_);
	const std::int64_t t1 = now_ns();
	if (verify) {
		/* Every word of every mapping, once, untimed. */
		const mapdrv::verify_result r = mapdrv::verify({p, bytes_}, 0, info_.seed);
		if (const auto &mm = r.first_mismatch)
			throw data_error(fmt("%s: %" PRIu64 " words wrong, the first at offset 0x%" PRIx64
					     ": expected 0x%016" PRIx64 ", found 0x%016" PRIx64,
					     s.name.c_str(), r.mismatched_words, mm->offset,
					     mm->expected, mm->found));
	}
	if (record)
		s.warm_gbps.add(static_cast<double>(bytes_) / static_cast<double>(t1 - t0));
}

/*
 * @work(first, n) over the pages [0, pages_) by @nthreads threads (1 or 2),
 * each on its own half; the calling thread takes the first half. Returns
 * the wall time in ns and adds up what @work returned in @result.
 */
template <typename Work>
double bench::split_run(unsigned nthreads, Work work, std::uint64_t &result) const
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

void bench::threads(subject &s, bool record)
{
	double t[2] = {0, 0};
	for (const unsigned n : {1U, 2U}) {
		double ignored;
		const mapdrv::mapping m = map(s, 0, ignored);
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
	s.t1_ns.add(t[0] / n);
	s.t2_ns.add(t[1] / n);
	s.speedup.add(t[0] / t[1]);
}

/*
 * The thread baseline: the same split of pure computation (no memory, no
 * fault, no lock). Its speedup is what the two CPUs can give at all: on a
 * loaded host, where two vCPUs do not get two CPUs, it falls below 2x.
 */
void bench::compute_threads(bool record)
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
	compute_.t1_ns.add(t[0] / n);
	compute_.t2_ns.add(t[1] / n);
	compute_.speedup.add(t[0] / t[1]);
}

/* read() of the whole device vs memcpy (and rep movsb) of the same size. */
void bench::copies(bool record, bool verify)
{
	std::byte *dst = dst_.data();
	const std::byte *src = anon_src_.data();
	const double gb = static_cast<double>(bytes_);

	std::int64_t t0 = now_ns();
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
	std::int64_t t1 = now_ns();
	if (verify) {
		const mapdrv::verify_result r = mapdrv::verify({dst, bytes_}, 0, info_.seed);
		if (!r.ok())
			throw data_error(fmt("read(): %" PRIu64 " words wrong, the first at offset "
					     "0x%" PRIx64, r.mismatched_words, r.first_mismatch->offset));
	}
	if (record)
		copy_.read_gbps.add(gb / static_cast<double>(t1 - t0));

	t0 = now_ns();
	for (std::size_t off = 0; off < bytes_; off += copy_chunk)
		std::memcpy(dst + off, src + off, std::min(copy_chunk, bytes_ - off));
	t1 = now_ns();
	sink = dst[bytes_ - 1] == std::byte{0};
	if (record)
		copy_.memcpy_gbps.add(gb / static_cast<double>(t1 - t0));

#ifdef MAPDRV_HAVE_MOVSB
	t0 = now_ns();
	for (std::size_t off = 0; off < bytes_; off += copy_chunk)
		copy_movsb(dst + off, src + off, std::min(copy_chunk, bytes_ - off));
	t1 = now_ns();
	if (record)
		copy_.movsb_gbps.add(gb / static_cast<double>(t1 - t0));
#else
	copy_.movsb_gbps.unsupported = "not an x86 CPU";
#endif
}

void bench::run()
{
	const std::int64_t start = now_ns();
	install_sigbus_handler(prog);
	/* THP off for every mapping of this process, MAP_POPULATE ones too. */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) < 0)
		throw_errno("prctl PR_SET_THP_DISABLE");

	info_ = dev_.checked_info();
	env_ = probe_environment();
	page_ = info_.page_size;
	if (static_cast<long>(page_) != sysconf(_SC_PAGESIZE))
		throw std::runtime_error(fmt("the driver's page size %zu is not the process's %ld",
					     page_, sysconf(_SC_PAGESIZE)));
	const std::uint64_t size = opt_.size.value_or(info_.size);
	if (size == 0 || size % page_ != 0)
		throw usage_error(fmt("--size %" PRIu64 " is not a non-zero multiple of the page "
				      "size (%zu)", size, page_));
	if (size > info_.size)
		throw usage_error(fmt("--size %" PRIu64 " is larger than the buffer (%" PRIu64
				      " bytes; load the module with size=...)",
				      size, static_cast<std::uint64_t>(info_.size)));
	if (size / page_ < 2)
		throw usage_error("--size: at least two pages are needed (two threads, two halves)");
	bytes_ = static_cast<std::size_t>(size);
	pages_ = bytes_ / page_;
	if (size < recommended_size)
		notes_.push_back(fmt("the buffer measured is %" PRIu64 " KiB; at least 64 MiB is "
				     "recommended (insmod mapdrv.ko size=67108864)", size >> 10));
	if (opt_.reps < recommended_reps)
		notes_.push_back(fmt("%u repetitions; at least %u are recommended", opt_.reps,
				     recommended_reps));

	probe_modes();
	setup_baselines();

	/* Rotate the order from round to round: no subject always goes first. */
	std::size_t rotation = 0;
	const auto round = [this, &rotation](bool record, bool verify) {
		const std::size_t n = subjects_.size();
		for (std::size_t j = 0; j < n; ++j) {
			subject &s = subjects_[(j + rotation) % n];
			first_touch(s, record);
			populate_map(s, record);
			populate_madvise(s, record);
			warm_read(s, record, verify);
			if (s.threads)
				threads(s, record);
		}
		copies(record, verify);
		compute_threads(record);
		++rotation;
	};
	progress(fmt("%zu pages of %zu bytes, %zu subjects, %u repetitions after a warm-up round",
		     pages_, page_, subjects_.size(), opt_.reps));
	round(false, true);	/* warm-up: discarded; every byte verified once */
	for (unsigned rep = 0; rep < opt_.reps; ++rep) {
		progress(fmt("repetition %u of %u", rep + 1, opt_.reps));
		round(true, false);
	}
	evaluate_targets();
	seconds_ = static_cast<double>(now_ns() - start) / 1e9;
}

/* ---- targets ---------------------------------------------------------------- */

void bench::evaluate_targets()
{
	const subject *fault = find("fault");
	const subject *around = find("around-16");
	const subject *eager = find("eager");
	const subject *shmem = find("shmem");
	const subject *anon = find("anon");

	const auto ratio_target = [](std::string name, const series &r, double limit,
				     bool at_most, std::string detail) {
		target t{std::move(name), "-", std::nullopt, std::move(detail)};
		if (r.ok()) {
			const double v = r.median();
			t.value = fmt("%.2fx", v);
			t.met = at_most ? v <= limit : v >= limit;
		} else {
			t.value = "not measured";
			t.detail = r.unsupported;
		}
		return t;
	};
	const series none{{}, "mode unsupported by this module"};

	targets_.push_back(ratio_target("around-16 first touch <= 0.5x fault",
					around && fault ? ratio(around->touch_ns, fault->touch_ns)
							: none,
					0.5, true, "touch ns/page, median of per-repetition ratios"));
	targets_.push_back(ratio_target("around-16 first touch <= 1.0x shmem (its fault-around)",
					around && shmem ? ratio(around->touch_ns, shmem->touch_ns)
							: none,
					1.0, true, "touch ns/page, median of per-repetition ratios"));
	{
		target t{"around-16 faults per page about 1/16 (0.0625)", "-", std::nullopt,
			 "minor faults (getrusage) per page; met within 0.75/16 .. 1.25/16"};
		if (around && around->faults.ok()) {
			const double v = around->faults.median();
			t.value = fmt("%.4f (1/%.1f)", v, v > 0 ? 1 / v : 0.0);
			t.met = v >= 0.75 / 16 && v <= 1.25 / 16;
		} else {
			t.value = "not measured";
			t.detail = none.unsupported;
		}
		targets_.push_back(std::move(t));
	}
	targets_.push_back(ratio_target("eager mmap + first touch <= 0.5x fault",
					eager && fault ? ratio(eager->total_ns, fault->total_ns)
						       : none,
					0.5, true, "(mmap + touch) ns/page"));
	{
		/*
		 * The modes differ only in how the PTEs get there: once the first
		 * pass is over, every mode reads the same pages through the same
		 * 4 KiB PTEs. So the per-repetition ratios of all modes are pooled;
		 * the per-mode medians are in the detail (and the table).
		 */
		target t{"warm streaming read >= 0.95x anonymous buffer", "not measured",
			 std::nullopt, ""};
		series pooled;
		std::string lo_name, hi_name;
		double lo = 0, hi = 0;
		unsigned n = 0;
		for (const subject &s : subjects_) {
			if (s.k != kind::mapdrv || !anon)
				continue;
			const series r = ratio(s.warm_gbps, anon->warm_gbps);
			if (!r.ok())
				continue;
			++n;
			pooled.samples.insert(pooled.samples.end(), r.samples.begin(), r.samples.end());
			if (lo_name.empty() || r.median() < lo) {
				lo_name = s.name;
				lo = r.median();
			}
			if (hi_name.empty() || r.median() > hi) {
				hi_name = s.name;
				hi = r.median();
			}
		}
		if (pooled.ok()) {
			t.value = fmt("%.2fx", pooled.median());
			t.met = pooled.median() >= 0.95;
			t.detail = fmt("GB/s; median of the per-repetition ratios of all %u modes; "
				       "by mode %.2fx (%s) to %.2fx (%s)", n, lo, lo_name.c_str(), hi,
				       hi_name.c_str());
		}
		targets_.push_back(std::move(t));
	}
	targets_.push_back(ratio_target("read() >= 0.9x memcpy",
					ratio(copy_.read_gbps, copy_.memcpy_gbps), 0.9, false,
					"GB/s, the whole buffer in 1 MiB pread() calls"));
}

/* ---- output ----------------------------------------------------------------- */

std::string num(double v)
{
	if (!std::isfinite(v))
		return "-";
	const double a = std::fabs(v);
	if (a >= 100)
		return fmt("%.0f", v);
	if (a >= 10)
		return fmt("%.1f", v);
	return fmt("%.2f", v);
}

std::string cell(const series &s, const char *format = nullptr)
{
	if (!s.ok())
		return "n/a";
	std::string m = format ? fmt(format, s.median()) : num(s.median());
	const double sp = s.spread();
	if (s.samples.size() < 2 || !std::isfinite(sp) || sp < 0.005)
		return m;
	return m + fmt(" ±%.0f%%", sp * 100);
}

std::string ratio_cell(const series &a, const series &b)
{
	const series r = ratio(a, b);
	return r.ok() ? fmt("%.2fx", r.median()) : "-";
}

class table {
public:
	explicit table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
	void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

	void print() const
	{
		std::vector<std::size_t> w;
		for (const auto &r : rows_)
			for (std::size_t i = 0; i < r.size(); ++i) {
				if (w.size() <= i)
					w.push_back(0);
				w[i] = std::max(w[i], width(r[i]));
			}
		for (std::size_t k = 0; k < rows_.size(); ++k) {
			std::string line = " ";
			for (std::size_t i = 0; i < rows_[k].size(); ++i) {
				const std::string &c = rows_[k][i];
				const std::string pad(w[i] - width(c), ' ');
				line += "  ";
				line += i == 0 ? c + pad : pad + c;
			}
			while (!line.empty() && line.back() == ' ')
				line.pop_back();
			std::printf("%s\n", line.c_str());
			if (k == 0) {
				std::size_t total = 1;
				for (const std::size_t x : w)
					total += x + 2;
				std::printf(" %s\n", std::string(total - 1, '-').c_str());
			}
		}
	}

private:
	/* Display width: UTF-8 continuation bytes take no column. */
	static std::size_t width(const std::string &s)
	{
		std::size_t n = 0;
		for (const char c : s)
			n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
		return n;
	}
	std::vector<std::vector<std::string>> rows_;
};

std::string bench::title() const
{
	std::string t = fmt("%s %.*s: Linux %s, %s", prog, static_cast<int>(version().size()),
			    version().data(), env_.kernel.c_str(), env_.accel.c_str());
	if (!env_.machine.empty())
		t += " (" + env_.machine + ")";
	t += fmt(", %ld CPUs", env_.cpus);
	return t;
}

std::string bench::tcg_note() const
{
	if (env_.accel == "tcg")
		return "Under TCG (QEMU's CPU emulator) absolute times do not represent hardware: "
		       "only the ratios within this run are meaningful.";
	return "Absolute times depend on this machine and its load: compare the ratios, which "
	       "come from one run.";
}

void bench::print_text() const
{
	const subject *fault = find("fault");
	const subject *shmem = find("shmem");
	const subject *anon = find("anon");
	static const series none{{}, "no baseline"};
	const series &fault_touch = fault ? fault->touch_ns : none;
	const series &fault_total = fault ? fault->total_ns : none;

	std::printf("%s\n", title().c_str());
	if (!opt_.machine.empty())
		std::printf("machine: %s\n", opt_.machine.c_str());
	std::printf("CPU: %s [%s]\n", env_.cpu_model.c_str(), env_.cpu_flags.c_str());
	std::printf("buffer: %zu bytes (%zu MiB) = %zu pages of %zu bytes, seed 0x%" PRIx64 "\n",
		    bytes_, bytes_ >> 20, pages_, page_, static_cast<std::uint64_t>(info_.seed));
	std::printf("%u repetitions after one discarded warm-up round, interleaved; each on a "
		    "fresh mapping.\nFigures: median ±spread (half the interquartile range, in %% of "
		    "the median;\nmin and max are in the JSON); ratios: median of per-repetition "
		    "ratios.\n", opt_.reps);
	std::printf("*** %s ***\n", tcg_note().c_str());
	for (const std::string &n : notes_)
		std::printf("note: %s\n", n.c_str());

	std::printf("\n1. First touch: one 8-byte read per page of a fresh mapping\n");
	table t1({"subject", "touch ns/page", "/fault", "/shmem", "mmap+touch ns/page", "/fault",
		  "faults/page"});
	for (const subject &s : subjects_)
		t1.add({s.label, cell(s.touch_ns), ratio_cell(s.touch_ns, fault_touch),
			ratio_cell(s.touch_ns, shmem ? shmem->touch_ns : none), cell(s.total_ns),
			ratio_cell(s.total_ns, fault_total), cell(s.faults, "%.4f")});
	t1.print();
	std::printf("  anon: MAP_PRIVATE|MAP_ANONYMOUS, PROT_READ, THP off: a read fault maps "
		    "the shared zero page\n  (no page allocated or cleared). shmem: a memfd "
		    "written first (its pages in the page\n  cache), MAP_SHARED: the kernel maps "
		    "fault_around_bytes=%s per read fault.\n  faults/page: minor faults "
		    "(getrusage); fault mode takes 1 per page, so it is its own ratio.\n",
		    env_.fault_around_bytes > 0 ? std::to_string(env_.fault_around_bytes).c_str()
						: "(unknown)");

	std::printf("\n2. Populate: mmap(MAP_POPULATE), or mmap + madvise(MADV_POPULATE_READ), "
		    "then the same touch\n");
	table t2({"subject", "MAP_POPULATE ns/page", "/fault", "/touch", "faults/page",
		  "POPULATE_READ ns/page", "/fault", "/touch", "faults/page"});
	for (const subject &s : subjects_)
		t2.add({s.label, cell(s.mpop_ns), ratio_cell(s.mpop_ns, fault ? fault->mpop_ns : none),
			ratio_cell(s.mpop_ns, s.total_ns), cell(s.mpop_faults, "%.4f"),
			cell(s.madv_ns), ratio_cell(s.madv_ns, fault ? fault->madv_ns : none),
			ratio_cell(s.madv_ns, s.total_ns), cell(s.madv_faults, "%.4f")});
	t2.print();
	std::printf("  ns/page include the mmap (and madvise) call and the touch after it. "
		    "/fault: the same\n  method in fault mode; /touch: this subject's "
		    "mmap+touch of table 1.\n");
	/* Why a figure is missing, once per reason: "fault, anon: MADV_POPULATE_READ: ..." */
	std::vector<std::pair<std::string, std::string>> why;	/* reason, subjects */
	for (const subject &s : subjects_) {
		for (const series *m : {&s.mpop_ns, &s.madv_ns}) {
			if (m->unsupported.empty())
				continue;
			auto it = std::find_if(why.begin(), why.end(),
					       [m](const auto &w) { return w.first == m->unsupported; });
			if (it == why.end())
				why.emplace_back(m->unsupported, s.name);
			else
				it->second += ", " + s.name;
		}
	}
	for (const auto &[reason, names] : why)
		std::printf("  n/a for %s: %s\n", names.c_str(), reason.c_str());

	std::printf("\n3. Warm streaming read: every 8-byte word, second pass over the mapping\n");
	table t3({"subject", "GB/s", "/anon"});
	for (const subject &s : subjects_)
		t3.add({s.k == kind::anon ? std::string("anon (written, real pages)") : s.label,
			cell(s.warm_gbps), ratio_cell(s.warm_gbps, anon ? anon->warm_gbps : none)});
	t3.print();

	std::printf("\n4. Copy the whole buffer into a faulted-in user buffer, 1 MiB at a time\n");
	table t4({"method", "GB/s", "/memcpy"});
	t4.add({"read() of " + opt_.device, cell(copy_.read_gbps),
		ratio_cell(copy_.read_gbps, copy_.memcpy_gbps)});
	t4.add({"memcpy from anon memory", cell(copy_.memcpy_gbps),
		ratio_cell(copy_.memcpy_gbps, copy_.memcpy_gbps)});
	t4.add({"rep movsb from anon memory", cell(copy_.movsb_gbps),
		ratio_cell(copy_.movsb_gbps, copy_.memcpy_gbps)});
	t4.print();
	std::printf("  rep movsb: the instruction x86-64 copy_to_user() uses on CPUs with "
		    "ERMS/FSRM (here: %s);\n  a diagnostic, not a target.\n",
		    env_.cpu_flags.empty() ? "none" : env_.cpu_flags.c_str());

	std::printf("\n5. First touch by 1 thread vs 2 threads on disjoint halves (%ld CPUs)\n",
		    env_.cpus);
	table t5({"subject", "1 thread ns/page", "2 threads ns/page", "speedup", "/compute"});
	for (const subject &s : subjects_)
		if (s.threads)
			t5.add({s.label, cell(s.t1_ns), cell(s.t2_ns), cell(s.speedup, "%.2fx"),
				ratio_cell(s.speedup, compute_.speedup)});
	t5.add({"compute, no memory", cell(compute_.t1_ns), cell(compute_.t2_ns),
		cell(compute_.speedup, "%.2fx"), ratio_cell(compute_.speedup, compute_.speedup)});
	t5.print();
	std::printf("  ns/page: wall time over all pages; speedup: 1-thread time / 2-thread "
		    "time, per repetition.\n  compute: the same split of pure computation, what "
		    "two vCPUs give at all; below 2x\n  the host did not run both at once (load "
		    "from elsewhere). /compute: speedup / that.\n");

	std::printf("\nTargets (ratios within this run; information, not a verdict):\n");
	for (const target &t : targets_) {
		const char *tag = !t.met ? "[n/a]   " : *t.met ? "[met]   " : "[MISSED]";
		std::printf("  %s %s: %s", tag, t.name.c_str(), t.value.c_str());
		if (!t.detail.empty())
			std::printf("  (%s)", t.detail.c_str());
		std::printf("\n");
	}
	std::printf("\n*** %s ***\n", tcg_note().c_str());
	std::printf("run time %.0f s\n", seconds_);
}

/* A JSON writer that places the commas. */
class json_writer {
public:
	json_writer &begin_object() { value_prefix(); out_ += '{'; first_.push_back(true); return *this; }
	json_writer &end_object() { out_ += '}'; first_.pop_back(); return *this; }
	json_writer &begin_array() { value_prefix(); out_ += '['; first_.push_back(true); return *this; }
	json_writer &end_array() { out_ += ']'; first_.pop_back(); return *this; }
	json_writer &key(std::string_view k)
	{
		value_prefix();
		out_ += json_string(k);
		out_ += ':';
		after_key_ = true;
		return *this;
	}
	json_writer &str(std::string_view v) { value_prefix(); out_ += json_string(v); return *this; }
	json_writer &number(double v)
	{
		value_prefix();
		out_ += std::isfinite(v) ? fmt("%.6g", v) : std::string("null");
		return *this;
	}
	json_writer &integer(std::uint64_t v) { value_prefix(); out_ += std::to_string(v); return *this; }
	json_writer &boolean(bool v) { value_prefix(); out_ += v ? "true" : "false"; return *this; }
	json_writer &null() { value_prefix(); out_ += "null"; return *this; }

	json_writer &series_value(const series &s)
	{
		begin_object();
		if (!s.ok()) {
			key("unsupported").str(s.unsupported.empty() ? "no data" : s.unsupported);
			return end_object();
		}
		key("median").number(s.median());
		key("min").number(s.min());
		key("max").number(s.max());
		key("p25").number(s.quantile(0.25));
		key("p75").number(s.quantile(0.75));
		key("spread").number(s.spread());
		key("samples").begin_array();
		for (const double v : s.samples)
			number(v);
		end_array();
		return end_object();
	}
	json_writer &ratio_value(const series &a, const series &b)
	{
		const series r = ratio(a, b);
		return r.ok() ? number(r.median()) : null();
	}

	[[nodiscard]] const std::string &text() const { return out_; }

private:
	void value_prefix()
	{
		if (after_key_) {
			after_key_ = false;
			return;
		}
		if (!first_.empty()) {
			if (!first_.back())
				out_ += ',';
			first_.back() = false;
		}
	}
	std::string out_;
	std::vector<bool> first_;
	bool after_key_ = false;
};

std::string bench::json() const
{
	const subject *fault = find("fault");
	const subject *shmem = find("shmem");
	const subject *anon = find("anon");
	static const series none{{}, "no baseline"};

	json_writer j;
	j.begin_object();
	j.key("tool").str(prog);
	j.key("version").str(version());
	j.key("note").str(tcg_note());
	j.key("environment").begin_object();
	j.key("kernel").str(env_.kernel);
	j.key("description").str(opt_.machine);
	j.key("accel").str(env_.accel);
	j.key("machine").str(env_.machine);
	j.key("cpu_model").str(env_.cpu_model);
	j.key("cpu_flags").str(env_.cpu_flags);
	j.key("cpus").integer(static_cast<std::uint64_t>(std::max(env_.cpus, 0L)));
	j.key("thp_enabled").str(env_.thp);
	if (env_.fault_around_bytes > 0)
		j.key("fault_around_bytes").integer(static_cast<std::uint64_t>(env_.fault_around_bytes));
	else
		j.key("fault_around_bytes").null();
	j.end_object();
	j.key("device").str(opt_.device);
	j.key("buffer_size").integer(info_.size);
	j.key("size").integer(bytes_);
	j.key("page_size").integer(page_);
	j.key("pages").integer(pages_);
	j.key("seed").str(fmt("0x%016" PRIx64, static_cast<std::uint64_t>(info_.seed)));
	j.key("repetitions").integer(opt_.reps);
	j.key("warmup_rounds").integer(1);
	j.key("seconds").number(seconds_);
	j.key("notes").begin_array();
	for (const std::string &n : notes_)
		j.str(n);
	j.end_array();
	j.key("units").begin_object();
	j.key("ns").str("nanoseconds per page");
	j.key("faults").str("minor faults (getrusage) per page");
	j.key("gbps").str("10^9 bytes per second");
	j.key("ratio").str("median of per-repetition ratios to the baseline");
	j.key("spread").str("(p75 - p25) / 2 / median");
	j.end_object();

	j.key("subjects").begin_array();
	for (const subject &s : subjects_) {
		j.begin_object();
		j.key("name").str(s.name);
		j.key("label").str(s.label);
		j.key("kind").str(s.k == kind::mapdrv ? "mapdrv" : s.k == kind::anon ? "anon" : "shmem");
		if (s.k == kind::mapdrv) {
			j.key("mode").str(mode_name(s.mode));
			if (s.mode == MAPDRV_MODE_AROUND)
				j.key("window").integer(s.window);
			else
				j.key("window").null();
		}
		j.key("first_touch").begin_object();
		j.key("mmap_ns").series_value(s.mmap_ns);
		j.key("touch_ns").series_value(s.touch_ns);
		j.key("mmap_touch_ns").series_value(s.total_ns);
		j.key("faults").series_value(s.faults);
		if (s.k == kind::mapdrv)
			j.key("driver_faults").series_value(s.driver_faults);
		j.key("touch_ratio_to_fault").ratio_value(s.touch_ns, fault ? fault->touch_ns : none);
		j.key("touch_ratio_to_shmem").ratio_value(s.touch_ns, shmem ? shmem->touch_ns : none);
		j.key("mmap_touch_ratio_to_fault")
			.ratio_value(s.total_ns, fault ? fault->total_ns : none);
		j.end_object();
		j.key("map_populate").begin_object();
		j.key("ns").series_value(s.mpop_ns);
		j.key("faults").series_value(s.mpop_faults);
		j.key("ratio_to_fault").ratio_value(s.mpop_ns, fault ? fault->mpop_ns : none);
		j.key("ratio_to_touch").ratio_value(s.mpop_ns, s.total_ns);
		j.end_object();
		j.key("madv_populate_read").begin_object();
		j.key("ns").series_value(s.madv_ns);
		j.key("faults").series_value(s.madv_faults);
		j.key("ratio_to_fault").ratio_value(s.madv_ns, fault ? fault->madv_ns : none);
		j.key("ratio_to_touch").ratio_value(s.madv_ns, s.total_ns);
		j.end_object();
		j.key("warm_read").begin_object();
		j.key("gbps").series_value(s.warm_gbps);
		j.key("ratio_to_anon").ratio_value(s.warm_gbps, anon ? anon->warm_gbps : none);
		j.end_object();
		if (s.threads) {
			j.key("threads").begin_object();
			j.key("one_ns").series_value(s.t1_ns);
			j.key("two_ns").series_value(s.t2_ns);
			j.key("speedup").series_value(s.speedup);
			j.key("speedup_ratio_to_compute").ratio_value(s.speedup, compute_.speedup);
			j.end_object();
		} else {
			j.key("threads").null();
		}
		j.end_object();
	}
	j.end_array();

	j.key("compute_threads").begin_object();
	j.key("one_ns").series_value(compute_.t1_ns);
	j.key("two_ns").series_value(compute_.t2_ns);
	j.key("speedup").series_value(compute_.speedup);
	j.end_object();
	j.key("copy").begin_object();
	j.key("chunk").integer(copy_chunk);
	j.key("read_gbps").series_value(copy_.read_gbps);
	j.key("memcpy_gbps").series_value(copy_.memcpy_gbps);
	j.key("movsb_gbps").series_value(copy_.movsb_gbps);
	j.key("read_ratio_to_memcpy").ratio_value(copy_.read_gbps, copy_.memcpy_gbps);
	j.key("movsb_ratio_to_memcpy").ratio_value(copy_.movsb_gbps, copy_.memcpy_gbps);
	j.end_object();

	j.key("targets").begin_array();
	for (const target &t : targets_) {
		j.begin_object();
		j.key("name").str(t.name);
		j.key("value").str(t.value);
		if (t.met)
			j.key("met").boolean(*t.met);
		else
			j.key("met").null();
		j.key("detail").str(t.detail);
		j.end_object();
	}
	j.end_array();
	j.end_object();
	return j.text() + "\n";
}

/* ---- SVG -------------------------------------------------------------------- */

/* "anon, zero page (baseline)", "shmem, fault-around 16 (baseline)" */
std::string baseline_label(const subject &s)
{
	const std::string &l = s.label;
	const std::size_t paren = l.find(" (");
	if (paren == std::string::npos || l.back() != ')')
		return l + " (baseline)";
	return l.substr(0, paren) + ", " + l.substr(paren + 2, l.size() - paren - 3) + " (baseline)";
}

mapdrv::svg_bars::bar make_bar(const series &s, std::string label)
{
	mapdrv::svg_bars::bar b;
	if (!s.ok()) {
		b.label = s.unsupported.empty() ? "n/a" : "n/a: " + s.unsupported;
		return b;
	}
	b.valid = true;
	b.value = s.median();
	b.lo = s.quantile(0.25);
	b.hi = s.quantile(0.75);
	b.label = std::move(label);
	return b;
}

std::string bench::svg() const
{
	const subject *fault = find("fault");
	const subject *shmem = find("shmem");
	const subject *anon = find("anon");
	static const series none{{}, "no baseline"};
	const auto rtext = [](const series &a, const series &b, const char *name) {
		const series r = ratio(a, b);
		return r.ok() ? fmt(" · %.2fx %s", r.median(), name) : std::string();
	};

	/* The description in lines of a reasonable width: split at "; ". */
	std::vector<std::string> subtitle{
		fmt("%zu MiB buffer (%zu pages), %ld CPUs; median of %u repetitions, each on a fresh "
		    "mapping; whiskers: interquartile range.", bytes_ >> 20, pages_, env_.cpus,
		    opt_.reps)};
	std::string first = fmt("%s %.*s; ", prog, static_cast<int>(version().size()),
				version().data());
	if (opt_.machine.empty()) {
		subtitle.push_back(first + env_.cpu_model);
	} else {
		std::string_view rest = opt_.machine;
		while (!rest.empty()) {
			const std::size_t semi = rest.find("; ");
			subtitle.push_back(first + std::string(rest.substr(0, semi)));
			first.clear();
			rest = semi == std::string_view::npos ? std::string_view()
							      : rest.substr(semi + 2);
		}
	}
	mapdrv::svg_bars chart(
		fmt("mapdrv mapping modes, Linux %s, %s%s", env_.kernel.c_str(),
		    env_.accel == "tcg" ? "QEMU TCG" : env_.accel.c_str(),
		    env_.accel == "tcg" ? " - TCG: only ratios matter" : ""),
		std::move(subtitle));
	chart.set_warning(tcg_note());

	auto &p1 = chart.add_panel("1-2. Mapping plus first touch of every page: ns per page "
				   "(shorter is better)",
				   {"mmap + first touch", "MAP_POPULATE + touch",
				    "MADV_POPULATE_READ + touch"});
	for (const subject &s : subjects_) {
		mapdrv::svg_bars::row r;
		r.label = s.k == kind::mapdrv ? "mapdrv " + s.label : baseline_label(s);
		r.baseline = s.k != kind::mapdrv;
		r.bars.push_back(make_bar(
			s.total_ns, num(s.total_ns.median()) + " ns" +
					    rtext(s.total_ns, fault ? fault->total_ns : none, "fault") +
					    rtext(s.total_ns, shmem ? shmem->total_ns : none, "shmem") +
					    fmt(" · %.3g faults/page", s.faults.median())));
		r.bars.push_back(make_bar(s.mpop_ns, num(s.mpop_ns.median()) + " ns" +
							     rtext(s.mpop_ns, fault ? fault->mpop_ns : none,
								   "fault")));
		r.bars.push_back(make_bar(s.madv_ns, num(s.madv_ns.median()) + " ns" +
							     rtext(s.madv_ns, fault ? fault->madv_ns : none,
								   "fault")));
		p1.rows.push_back(std::move(r));
	}
	if (fault && fault->total_ns.ok())
		p1.refs.push_back({fault->total_ns.median(), "fault"});
	if (shmem && shmem->total_ns.ok())
		p1.refs.push_back({shmem->total_ns.median(), "shmem"});
	p1.note = "anon: MAP_PRIVATE anonymous memory, THP off: its read faults map the shared zero "
		  "page.\nshmem: a memfd MAP_SHARED, its pages already in the page cache: the kernel "
		  "maps fault_around_bytes per fault.";

	auto &p3 = chart.add_panel("3. Warm streaming read of the whole mapping: GB/s (longer is "
				   "better)", {"GB/s"});
	for (const subject &s : subjects_) {
		mapdrv::svg_bars::row r;
		r.label = s.k == kind::mapdrv ? "mapdrv " + s.label
			  : s.k == kind::anon ? std::string("anon, written (baseline)")
					      : baseline_label(s);
		r.baseline = s.k == kind::anon;
		r.bars.push_back(make_bar(s.warm_gbps,
					  num(s.warm_gbps.median()) + " GB/s" +
						  rtext(s.warm_gbps, anon ? anon->warm_gbps : none,
							"anon")));
		p3.rows.push_back(std::move(r));
	}
	if (anon && anon->warm_gbps.ok())
		p3.refs.push_back({anon->warm_gbps.median(), "anon"});

	auto &p4 = chart.add_panel("4. The whole buffer copied into a user buffer: GB/s (longer "
				   "is better)", {"GB/s"});
	const auto copy_row = [&](std::string label, const series &s, bool baseline) {
		mapdrv::svg_bars::row r;
		r.label = std::move(label);
		r.baseline = baseline;
		r.bars.push_back(make_bar(s, num(s.median()) + " GB/s" +
						     rtext(s, copy_.memcpy_gbps, "memcpy")));
		p4.rows.push_back(std::move(r));
	};
	copy_row("read() of /dev/mapdrv", copy_.read_gbps, false);
	copy_row("memcpy (baseline)", copy_.memcpy_gbps, true);
	copy_row("rep movsb (diagnostic)", copy_.movsb_gbps, false);
	p4.note = "rep movsb: the instruction copy_to_user() uses on CPUs with ERMS/FSRM, "
		  "timed in user space.";

	auto &p5 = chart.add_panel("5. First touch, 2 threads on disjoint halves: speedup over 1 "
				   "thread (longer is better)", {"speedup"});
	for (const subject &s : subjects_) {
		if (!s.threads)
			continue;
		mapdrv::svg_bars::row r;
		r.label = s.k == kind::mapdrv ? "mapdrv " + s.label : baseline_label(s);
		r.baseline = s.k != kind::mapdrv;
		r.bars.push_back(make_bar(s.speedup,
					  fmt("%.2fx", s.speedup.median()) +
						  rtext(s.speedup, compute_.speedup, "compute") +
						  fmt(" · %s → %s ns/page", num(s.t1_ns.median()).c_str(),
						      num(s.t2_ns.median()).c_str())));
		p5.rows.push_back(std::move(r));
	}
	{
		mapdrv::svg_bars::row r;
		r.label = "compute, no memory (baseline)";
		r.baseline = true;
		r.bars.push_back(make_bar(compute_.speedup,
					  fmt("%.2fx: what the two vCPUs gave at all",
					      compute_.speedup.median())));
		p5.rows.push_back(std::move(r));
	}
	p5.note = "compute: the same split of pure computation; below 2x, the host did not run "
		  "both vCPUs at once.";
	p5.refs.push_back({1.0, "1x"});
	p5.refs.push_back({2.0, "2x"});

	std::vector<std::string> footer;
	for (const target &t : targets_)
		footer.push_back(fmt("%s %s: %s", !t.met ? "[n/a]" : *t.met ? "[met]" : "![MISSED]",
				     t.name.c_str(), t.value.c_str()));
	for (const std::string &n : notes_)
		footer.push_back("note: " + n);
	chart.set_footer(std::move(footer));
	return chart.render();
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

int run(const options &opt)
{
	/* Fail on an unwritable --out before minutes of measuring, not after. */
	struct stat st {};
	if (::stat(opt.out.c_str(), &st) < 0)
		throw_errno("--out " + opt.out);
	if (!S_ISDIR(st.st_mode))
		throw usage_error("--out " + opt.out + ": not a directory");
	if (::access(opt.out.c_str(), W_OK) < 0)
		throw_errno("--out " + opt.out);

	bench b(opt);
	b.run();
	const std::string json = b.json();
	const std::string json_path = opt.out + "/bench.json";
	const std::string svg_path = opt.out + "/bench.svg";
	write_file(json_path, json);
	write_file(svg_path, b.svg());
	if (opt.json) {
		std::fputs(json.c_str(), stdout);
	} else {
		b.print_text();
		std::printf("wrote %s and %s\n", json_path.c_str(), svg_path.c_str());
	}
	flush_stdout();
	return exit_ok;
}

} // namespace

int main(int argc, char **argv)
{
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
