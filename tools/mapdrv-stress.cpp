// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv-stress: several processes and threads run random sequences of
 * open, mmap (valid and invalid), touch, store, munmap (whole and partial),
 * mremap, mprotect, madvise, mincore, fork, read/write/pread/pwrite, lseek,
 * ioctl (valid and garbage), delete_module and close against /dev/mapdrv,
 * and check every result against an oracle.
 *
 * The oracle. The buffer is cut into one page-aligned region per worker
 * (a thread of a worker process; the last region runs to the end of the
 * buffer). A worker writes only into its own region, only whole aligned
 * 64-bit "tagged" words:
 *
 *	tag(off) = marker << 56 | worker << 48 | seq << 32 | off / 8
 *
 * where the marker byte differs from the top byte of every pattern word
 * (which is that of MAGIC ^ seed, since off < 2^30), so no tag ever equals
 * a pattern word. The worker keeps an exact shadow of its region (the
 * pattern, or the last tag it wrote there) and checks every read of its own
 * region against it, byte for byte. Any other region may change under it,
 * so a read there is checked loosely: every byte must be that of the pattern
 * word, or that of a tag for that very offset written by that region's
 * owner (bytes 4-5, the sequence number, can be anything: copy_to_user() may
 * tear a word that its owner is rewriting). Each mapping also carries what
 * mincore() must say about each page: resident once touched, and in
 * MAPDRV_MODE_FAULT not resident before (the mapping is lazy).
 *
 * Every refused call must fail with the errno documented in README.md (or
 * the core's, for what the core checks first); every successful call must do
 * what it says. Anything else is a divergence: the first one is printed at
 * once with the seed, the worker, the operation number, the offset, what
 * was expected and what was found.
 *
 * Exit status: 0 no divergence (and, with --unload, the final unload
 * succeeded), 1 a divergence or a failed final unload, 2 usage error,
 * 3 device error.
 */
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mapdrv.h>

#include <mapdrv/cli.hpp>
#include <mapdrv/device.hpp>
#include <mapdrv/text.hpp>

/* Newer than some libc headers. */
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif


namespace {

using mapdrv::cli::action;
using mapdrv::cli::flush_stdout;
using mapdrv::cli::usage_error;
using mapdrv::fmt;
using mapdrv::hex;
using mapdrv::hex16;
using mapdrv::json_string;
using mapdrv::cli::version;

using u64 = std::uint64_t;
using u32 = std::uint32_t;

constexpr const char prog[] = "mapdrv-stress";
constexpr const char module_name[] = MAPDRV_DEVICE_NAME;

/* A device problem found before the workers start: exit status 3. */
struct device_problem : std::runtime_error {
	using std::runtime_error::runtime_error;
};

enum exit_status : int {
	exit_ok = 0,
	exit_divergence = 1,
	exit_usage = 2,
	exit_device = 3,
};

/* Bounds per worker. */
constexpr unsigned max_fds = 16;
constexpr unsigned max_maps = 32;
constexpr unsigned max_slots = max_fds + max_maps; /* open files, and closed ones still mapped */
constexpr unsigned max_workers = 255;			/* the worker id is one byte of a tag */
constexpr unsigned max_procs = 64;
constexpr unsigned max_threads = 64;
constexpr unsigned max_printed = 100;			/* divergence lines with --verbose */

/* ------------------------------------------------------------------ */
/* Options                                                             */

struct options {
	std::string device = mapdrv::default_device_path;
	std::optional<double> seconds;
	std::optional<u64> ops;
	unsigned procs = 2;
	unsigned threads = 2;
	std::optional<u64> seed;
	bool unload = false;
	bool json = false;
	bool verbose = false;
	bool keep_going = false;
	std::vector<std::string> exclude;
};

void print_help()
{
	std::printf(
"%s - stress /dev/mapdrv from several processes and threads against an oracle\n"
"\n"
"Usage: %s [--seconds N] [--ops N] [--procs P] [--threads T] [--seed S]\n"
"       %*s [--device PATH] [--unload] [--exclude NAME,...] [--keep-going]\n"
"       %*s [--json] [--verbose]\n"
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
		prog, prog, static_cast<int>(sizeof(prog) - 1), "", static_cast<int>(sizeof(prog) - 1), "",
		mapdrv::default_device_path,
		module_name, max_printed, max_workers);
}

u64 parse_u64(const char *name, const char *arg)
{
	std::string_view text(arg);
	int base = 10;
	if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text.remove_prefix(2);
	}
	u64 value = 0;
	const char *const end = text.data() + text.size();
	const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
	if (text.empty() || ec != std::errc() || ptr != end)
		throw usage_error(std::string(name) + ": invalid number '" + arg + "' (try --help)");
	return value;
}

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

action parse_args(int argc, char **argv, options &opt)
{
	static const char short_opts[] = ":s:n:p:t:S:d:ux:kjvhV";
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
		{ "help",       no_argument,       nullptr, 'h' },
		{ "version",    no_argument,       nullptr, 'V' },
		{ nullptr,      0,                 nullptr, 0 },
	};

	opterr = 0;
	action act = action::run;
	int c;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, nullptr)) != -1) {
		switch (c) {
		case 's':
			opt.seconds = parse_seconds(optarg);
			break;
		case 'n':
			opt.ops = parse_u64("--ops", optarg);
			if (*opt.ops == 0)
				throw usage_error("--ops: must be at least 1");
			break;
		case 'p': {
			const u64 v = parse_u64("--procs", optarg);
			if (v == 0 || v > max_procs)
				throw usage_error("--procs: must be 1 to " + std::to_string(max_procs));
			opt.procs = static_cast<unsigned>(v);
			break;
		}
		case 't': {
			const u64 v = parse_u64("--threads", optarg);
			if (v == 0 || v > max_threads)
				throw usage_error("--threads: must be 1 to " + std::to_string(max_threads));
			opt.threads = static_cast<unsigned>(v);
			break;
		}
		case 'S':
			opt.seed = parse_u64("--seed", optarg);
			break;
		case 'd':
			opt.device = optarg;
			break;
		case 'u':
			opt.unload = true;
			break;
		case 'x': {
			std::string_view list(optarg);
			while (!list.empty()) {
				const std::size_t comma = list.find(',');
				const std::string_view name = list.substr(0, comma);
				if (!name.empty())
					opt.exclude.emplace_back(name);
				if (comma == std::string_view::npos)
					break;
				list.remove_prefix(comma + 1);
			}
			break;
		}
		case 'k':
			opt.keep_going = true;
			break;
		case 'j':
			opt.json = true;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'h':
			act = action::help;
			break;
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
	if (opt.procs * opt.threads > max_workers)
		throw usage_error("--procs x --threads: " + std::to_string(opt.procs * opt.threads) +
				  " workers, at most " + std::to_string(max_workers));
	if (!opt.seconds && !opt.ops)
		opt.seconds = 60;
	return act;
}

/* ------------------------------------------------------------------ */
/* Formatting                                                          */

std::string errno_name(int err)
{
	if (err == 0)
		return "0";
	if (const char *name = strerrorname_np(err))
		return name;
	return "errno " + std::to_string(err);
}

/* ------------------------------------------------------------------ */
/* Random numbers: xoshiro256**, seeded through splitmix64             */

class rng {
public:
	explicit rng(u64 seed)
	{
		u64 x = seed;
		for (u64 &w : s_)
			w = splitmix(x);
	}

	u64 next()
	{
		const u64 r = rotl(s_[1] * 5, 7) * 9;
		const u64 t = s_[1] << 17;
		s_[2] ^= s_[0];
		s_[3] ^= s_[1];
		s_[1] ^= s_[2];
		s_[0] ^= s_[3];
		s_[2] ^= t;
		s_[3] = rotl(s_[3], 45);
		return r;
	}

	/* Uniform in [0, n); 0 if n == 0. */
	u64 below(u64 n)
	{
		return n ? static_cast<u64>((static_cast<unsigned __int128>(next()) * n) >> 64) : 0;
	}

	/* Uniform in [lo, hi]. */
	u64 between(u64 lo, u64 hi) { return lo + below(hi - lo + 1); }

	bool chance(unsigned permille) { return below(1000) < permille; }

	static u64 splitmix(u64 &x)
	{
		u64 z = (x += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		return z ^ (z >> 31);
	}

private:
	static u64 rotl(u64 x, int k) { return (x << k) | (x >> (64 - k)); }
	u64 s_[4] = {};
};

/* ------------------------------------------------------------------ */
/* Operations, counters, the shared state                              */

enum op_type : unsigned {
	OP_OPEN, OP_CLOSE, OP_MMAP, OP_MUNMAP, OP_MREMAP, OP_MPROTECT, OP_MADVISE,
	OP_MINCORE, OP_TOUCH, OP_STORE, OP_SEGV, OP_FORK, OP_READ, OP_PREAD,
	OP_WRITE, OP_PWRITE, OP_LSEEK, OP_INFO, OP_IOCTL, OP_RESTAMP, OP_SET_MODE,
	OP_UNLOAD, OP_COUNT
};

constexpr const char *op_names[OP_COUNT] = {
	"open", "close", "mmap", "munmap", "mremap", "mprotect", "madvise",
	"mincore", "touch", "store", "segv", "fork", "read", "pread",
	"write", "pwrite", "lseek", "info", "ioctl", "restamp", "set_mode",
	"unload",
};

struct op_counts {
	u64 attempted, ok, refused, diverged, unsupported;
};

struct worker_stats {
	op_counts ops[OP_COUNT];
	u64 mmaps_ok;		/* successful mmap() calls, for the driver's mmap_calls */
	u64 child_writes;	/* tagged words written by forked children */
	int finished;		/* the worker's final region check ran */
};

/* Up to four errnos a call may fail with. */
struct errset {
	int v[4] = {};
	int n = 0;

	constexpr errset() = default;
	constexpr errset(std::initializer_list<int> l)
	{
		for (const int e : l)
			if (n < 4)
				v[n++] = e;
	}
	[[nodiscard]] constexpr bool has(int e) const
	{
		for (int i = 0; i < n; ++i)
			if (v[i] == e)
				return true;
		return false;
	}
};

/* One divergence, as raw values: a forked child fills it without stdio. */
struct divergence {
	const char *op;		/* op_names[], or "setup", "final" */
	const char *what;	/* a string literal */
	int worker;		/* -1: the supervisor */
	int in_child;
	u64 opno;		/* the worker's operation number, from 1 */
	int has_offset, has_values, has_ret, has_addr;
	u64 offset, expected, found;
	long ret;
	u64 addr;
	int err;		/* the errno found, 0 if none */
	errset expected_errs;
	int signo;
};

struct shared_state {
	std::atomic<int> stop;
	std::atomic<u64> ops_claimed;
	std::atomic<u64> divergences;
	std::atomic<int> first_claimed;
	std::atomic<int> first_ready;
	std::atomic<int> first_printed;
	std::atomic<unsigned> printed;
	std::atomic<int> populate_read_unsupported;
	std::atomic<int> populate_write_unsupported;
	std::atomic<u64> unload_attempts;
	std::atomic<u64> unload_refused;
	divergence first;
	worker_stats workers[max_workers];
};

static_assert(std::atomic<u64>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
	      "the shared counters live in memory shared by processes");

/* Set before the workers start; read-only afterwards. */
struct config {
	std::string device;
	u64 size = 0;
	u64 page = 0;
	u64 npages = 0;
	u64 pattern_seed = 0;
	u64 seed = 0;		/* of the random sequences */
	unsigned procs = 0, threads = 0, workers = 0;
	u64 region = 0;		/* bytes per region; the last one runs to the end */
	unsigned marker = 0;	/* top byte of every tag */
	bool set_mode = false;	/* the driver has MAPDRV_IOC_SET_MODE */
	u32 default_mode = MAPDRV_MODE_FAULT, default_window = 0;
	bool unload = false, keep_going = false, verbose = false;
	bool populate = false;	/* MADV_POPULATE_READ/WRITE exist (5.14) */
	bool excluded[OP_COUNT] = {};
	bool no_efault_write = false;
	u64 ops_limit = UINT64_MAX;
	std::optional<std::chrono::steady_clock::time_point> deadline;
	shared_state *sh = nullptr;
};

config cfg;

u64 pattern(u64 off)
{
	return mapdrv_pattern(cfg.pattern_seed, off);
}

unsigned owner_of(u64 off)
{
	return static_cast<unsigned>(std::min<u64>(off / cfg.region, cfg.workers - 1));
}

u64 region_start(unsigned w)
{
	return w * cfg.region;
}

u64 region_end(unsigned w)
{
	return w + 1 == cfg.workers ? cfg.size : (w + 1) * cfg.region;
}

u64 make_tag(u64 off, unsigned w, unsigned seq)
{
	return static_cast<u64>(cfg.marker) << 56 | static_cast<u64>(w & 0xff) << 48 |
	       static_cast<u64>(seq & 0xffff) << 32 | ((off >> 3) & 0xffffffffULL);
}

/* @v is a tag the owner of @off may have written at @off. */
bool is_tag_for(u64 v, u64 off)
{
	return (v >> 56) == cfg.marker && ((v >> 48) & 0xff) == owner_of(off) &&
	       (v & 0xffffffffULL) == ((off >> 3) & 0xffffffffULL);
}

/* Byte @j of a word seen at aligned @wo in a region that is not ours. */
bool foreign_byte_ok(u64 wo, unsigned j, std::uint8_t b)
{
	if (b == static_cast<std::uint8_t>(pattern(wo) >> (8 * j)))
		return true;
	switch (j) {
	case 4: case 5:
		return true;	/* the sequence number of a tag */
	case 6:
		return b == owner_of(wo);
	case 7:
		return b == cfg.marker;
	default:
		return b == static_cast<std::uint8_t>((wo >> 3) >> (8 * j));
	}
}

u64 le64(u64 v)
{
	if constexpr (std::endian::native == std::endian::big)
		return __builtin_bswap64(v);
	return v;
}

std::string describe(const divergence &d)
{
	std::string s = fmt("op %s", d.op);
	if (d.worker >= 0)
		s += fmt(", worker %d%s, op #%" PRIu64, d.worker, d.in_child ? " (forked child)" : "",
			 d.opno);
	s += ", seed " + hex(cfg.seed) + ": " + d.what;
	if (d.has_offset)
		s += ", offset " + hex(d.offset);
	if (d.has_addr)
		s += ", address " + hex(d.addr);
	if (d.has_values)
		s += ", expected " + hex16(d.expected) + " found " + hex16(d.found);
	if (d.signo)
		s += fmt(", signal %s", sigabbrev_np(d.signo) ? sigabbrev_np(d.signo) : "?");
	if (d.err)
		s += ", errno " + errno_name(d.err);
	if (d.has_ret)
		s += fmt(", returned %ld", d.ret);
	if (d.expected_errs.n) {
		s += " (expected ";
		for (int i = 0; i < d.expected_errs.n; ++i)
			s += (i ? " or " : "") + errno_name(d.expected_errs.v[i]);
		s += ")";
	}
	return s;
}

/* Claim the first-divergence record; print it unless a forked child found it. */
void record_divergence(const divergence &d, bool may_print)
{
	shared_state *const sh = cfg.sh;
	const u64 n = sh->divergences.fetch_add(1) + 1;
	int zero = 0;
	bool first = false;
	if (sh->first_claimed.compare_exchange_strong(zero, 1)) {
		sh->first = d;
		sh->first_ready.store(1, std::memory_order_release);
		first = true;
	}
	if (may_print) {
		if (first && sh->first_printed.exchange(1) == 0)
			std::fprintf(stderr, "%s: DIVERGENCE: %s\n", prog, describe(d).c_str());
		else if (cfg.verbose && sh->printed.fetch_add(1) < max_printed)
			std::fprintf(stderr, "%s: divergence %" PRIu64 ": %s\n", prog, n,
				     describe(d).c_str());
	}
	if (!cfg.keep_going)
		sh->stop.store(1);
}

/* A divergence a forked child recorded: print it from the parent. */
void print_first_if_pending()
{
	shared_state *const sh = cfg.sh;
	if (sh->first_ready.load(std::memory_order_acquire) && sh->first_printed.exchange(1) == 0)
		std::fprintf(stderr, "%s: DIVERGENCE: %s\n", prog, describe(sh->first).c_str());
}

/* ------------------------------------------------------------------ */
/* Guarded memory access: SIGSEGV/SIGBUS become a return value          */

struct fault_rec {
	int signo;
	int code;
	std::uintptr_t addr;
};

/* One guarded access at a time per thread: its jump buffer is per thread. */
thread_local sigjmp_buf t_jmp;
thread_local volatile sig_atomic_t t_armed;
thread_local fault_rec t_fault;

void write_str(const char *s)
{
	ssize_t ignored = write(STDERR_FILENO, s, std::strlen(s));
	(void)ignored;
}

extern "C" void on_fault(int sig, siginfo_t *si, void *)
{
	if (t_armed) {
		t_armed = 0;
		t_fault = fault_rec{ sig, si->si_code, reinterpret_cast<std::uintptr_t>(si->si_addr) };
		siglongjmp(t_jmp, 1);
	}
	/* Outside a guarded access: a bug of this tool, or of the driver. */
	char msg[96] = "mapdrv-stress: unexpected SIGSEGV/SIGBUS at address 0x";
	std::size_t len = std::strlen(msg);
	const auto addr = reinterpret_cast<std::uintptr_t>(si->si_addr);
	for (int shift = static_cast<int>(sizeof(addr) * 8) - 4; shift >= 0; shift -= 4)
		msg[len++] = "0123456789abcdef"[(addr >> shift) & 0xf];
	msg[len++] = '\n';
	msg[len] = 0;
	write_str(msg);
	signal(sig, SIG_DFL);	/* the access faults again and kills us */
}

/* Load @n words at @p + idx[i] * 8 (idx null: consecutive words). false on a signal. */
[[gnu::noinline]] bool guarded_load(const std::byte *p, const std::size_t *idx, std::size_t n,
				    u64 *out)
{
	if (sigsetjmp(t_jmp, 0))
		return false;
	t_armed = 1;
	for (std::size_t i = 0; i < n; ++i) {
		const std::size_t k = idx ? idx[i] : i;
		out[i] = *reinterpret_cast<const volatile u64 *>(p + k * 8);
	}
	t_armed = 0;
	return true;
}

[[gnu::noinline]] bool guarded_store(std::byte *p, u64 v)
{
	if (sigsetjmp(t_jmp, 0))
		return false;
	t_armed = 1;
	*reinterpret_cast<volatile u64 *>(p) = v;
	t_armed = 0;
	return true;
}

/* ------------------------------------------------------------------ */
/* A worker                                                            */

/*
 * Forks in flight in this worker process, by thread: a child holds copies
 * of every mapping of the process, sibling threads' too, until it exits, so
 * a sibling's file may be busy for MAPDRV_IOC_SET_MODE although the sibling
 * unmapped everything. Sequence numbers tell whether the child was forked
 * before the file's last mapping went away (then EBUSY is right).
 */
std::atomic<u64> g_fork_seq;
std::atomic<u64> g_fork_live[max_threads];

enum res_state : std::uint8_t { RS_NONRES, RS_RES, RS_UNKNOWN };

struct file_slot {
	int fd = -1;		/* -1 once closed */
	int acc = O_RDONLY;	/* O_RDONLY, O_WRONLY or O_RDWR */
	u32 mode = 0, window = 0;
	unsigned nmaps = 0;	/* live mapping objects made through this file */
	u64 pos = 0;		/* the file position, as far as we know */
	u64 zero_mark = 0;	/* g_fork_seq when nmaps last dropped to 0 */
	bool used = false;

	[[nodiscard]] bool readable() const { return acc != O_WRONLY; }
	[[nodiscard]] bool writable() const { return acc != O_RDONLY; }
};

/*
 * A range of our address space mapping the buffer with one protection. It is
 * inside one VMA: it comes from one mmap(), and we split it wherever the
 * kernel may split its VMA (partial munmap, mprotect).
 */
struct map_obj {
	std::byte *addr = nullptr;
	std::size_t len = 0;	/* a multiple of the page size */
	u64 off = 0;		/* buffer offset of addr */
	int prot = PROT_NONE;
	int maxprot = PROT_READ;/* what mprotect() may give */
	bool shared = false;
	unsigned file = 0;	/* slot */
	u32 mode = MAPDRV_MODE_FAULT;
	std::vector<std::uint8_t> res;	/* res_state per page */

	[[nodiscard]] std::size_t pages() const { return res.size(); }
	[[nodiscard]] u64 end() const { return off + len; }
};

/* What a forked child wrote, for its parent. In a MAP_SHARED anonymous page. */
struct mailbox {
	unsigned nwrites;
	struct {
		u64 off, val;
	} w[16];
};

class worker {
public:
	worker(unsigned id)
		: id_(id), r_(cfg.seed ^ (0xd1b54a32d192ed03ULL * (id + 1))),
		  rs_(region_start(id)), re_(region_end(id)), tix_(id % cfg.threads),
		  st_(&cfg.sh->workers[id])
	{
		shadow_.resize((re_ - rs_) / 8);
		for (std::size_t i = 0; i < shadow_.size(); ++i)
			shadow_[i] = pattern(rs_ + i * 8);
		void *p = mmap(nullptr, cfg.page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			throw std::system_error(errno, std::generic_category(), "mmap mailbox");
		mb_ = static_cast<mailbox *>(p);
		p = mmap(nullptr, cfg.page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			throw std::system_error(errno, std::generic_category(), "mmap read-only page");
		ro_page_ = p;
		p = mmap(nullptr, 2 * cfg.page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || mprotect(static_cast<std::byte *>(p) + cfg.page, cfg.page, PROT_NONE))
			throw std::system_error(errno, std::generic_category(), "mmap edge pages");
		edge_ = static_cast<std::byte *>(p);
		maps_.reserve(max_maps + 4);
	}

	~worker()
	{
		teardown();
		munmap(mb_, cfg.page);
		munmap(ro_page_, cfg.page);
		munmap(edge_, 2 * cfg.page);
	}

	void run();

private:
	/* --- accounting ------------------------------------------------ */
	void begin(op_type op)
	{
		cur_op_ = op;
		cur_div_ = cur_refused_ = cur_unsup_ = false;
		++st_->ops[op].attempted;
	}

	void end()
	{
		op_counts &c = st_->ops[cur_op_];
		if (cur_div_)
			++c.diverged;
		else if (cur_unsup_)
			++c.unsupported;
		else if (cur_refused_)
			++c.refused;
		else
			++c.ok;
	}

	struct dv {
		const char *what;
		std::optional<u64> offset = {};
		std::optional<u64> expected = {}, found = {};
		int err = 0;
		errset errs = {};
		const void *addr = nullptr;
		std::optional<long> ret = {};
		int signo = 0;
	};

	void diverge(const dv &d)
	{
		cur_div_ = true;
		child_div_ = true;
		divergence rec{};
		rec.op = op_names[cur_op_];
		rec.what = d.what;
		rec.worker = static_cast<int>(id_);
		rec.in_child = in_child_;
		rec.opno = opno_;
		if (d.offset) {
			rec.has_offset = 1;
			rec.offset = *d.offset;
		}
		if (d.expected && d.found) {
			rec.has_values = 1;
			rec.expected = *d.expected;
			rec.found = *d.found;
		}
		if (d.ret) {
			rec.has_ret = 1;
			rec.ret = *d.ret;
		}
		if (d.addr) {
			rec.has_addr = 1;
			rec.addr = reinterpret_cast<std::uintptr_t>(d.addr);
		}
		rec.err = d.err;
		rec.expected_errs = d.errs;
		rec.signo = d.signo;
		record_divergence(rec, !in_child_);
	}

	/* A call that must succeed (ret != -1). */
	bool must_work(long ret, const char *what, std::optional<u64> off = {})
	{
		if (ret != -1)
			return true;
		diverge({ .what = what, .offset = off, .err = errno });
		return false;
	}

	/* A call that must fail with one of @errs. true if it did. */
	bool must_fail(long ret, errset errs, const char *what, std::optional<u64> off = {})
	{
		if (ret != -1) {
			diverge({ .what = what, .offset = off, .errs = errs, .ret = ret });
			return false;
		}
		const int e = errno;
		if (!errs.has(e)) {
			diverge({ .what = what, .offset = off, .err = e, .errs = errs });
			return false;
		}
		cur_refused_ = true;
		return true;
	}

	/* --- the oracle -------------------------------------------------- */
	[[nodiscard]] bool own(u64 off) const { return off >= rs_ && off < re_; }
	u64 &shadow(u64 off) { return shadow_[(off - rs_) >> 3]; }

	/* A whole word read at aligned @off (through a mapping). */
	bool check_word(u64 off, u64 v, const char *what, const void *addr = nullptr)
	{
		if (own(off)) {
			u64 &want = shadow(off);
			if (v == want)
				return true;
			diverge({ .what = what, .offset = off, .expected = want, .found = v, .addr = addr });
			want = v;	/* one report per bad word */
			return false;
		}
		if (v == pattern(off) || is_tag_for(v, off))
			return true;
		for (unsigned j = 0; j < 8; ++j)
			if (!foreign_byte_ok(off, j, static_cast<std::uint8_t>(v >> (8 * j)))) {
				diverge({ .what = what, .offset = off, .expected = pattern(off),
					  .found = v, .addr = addr });
				return false;
			}
		return true;
	}

	/* @n bytes read from buffer offset @off (any alignment). */
	bool check_bytes(u64 off, const std::uint8_t *p, std::size_t n, const char *what)
	{
		std::size_t i = 0;
		while (i < n) {
			const u64 o = off + i;
			const u64 wo = o & ~7ULL;
			const unsigned j0 = static_cast<unsigned>(o - wo);
			const std::size_t take = std::min<std::size_t>(8 - j0, n - i);
			if (take == 8) {
				u64 v;
				std::memcpy(&v, p + i, 8);
				if (!check_word(wo, le64(v), what))
					return false;
			} else {
				const u64 want = own(wo) ? shadow(wo) : pattern(wo);
				for (std::size_t k = 0; k < take; ++k) {
					const unsigned j = j0 + static_cast<unsigned>(k);
					const std::uint8_t b = p[i + k];
					const bool ok = own(wo) ? b == static_cast<std::uint8_t>(want >> (8 * j))
								: foreign_byte_ok(wo, j, b);
					if (!ok) {
						u64 found = want;
						for (std::size_t q = 0; q < take; ++q) {
							const unsigned jj = j0 + static_cast<unsigned>(q);
							found &= ~(0xffULL << (8 * jj));
							found |= static_cast<u64>(p[i + q]) << (8 * jj);
						}
						diverge({ .what = what, .offset = wo, .expected = want,
							  .found = found });
						return false;
					}
				}
			}
			i += take;
		}
		return true;
	}

	std::uint8_t shadow_byte(u64 o) { return static_cast<std::uint8_t>(shadow(o & ~7ULL) >> (8 * (o & 7))); }

	void set_shadow_byte(u64 o, std::uint8_t b)
	{
		u64 &w = shadow(o & ~7ULL);
		const unsigned sh = static_cast<unsigned>(8 * (o & 7));
		w = (w & ~(0xffULL << sh)) | static_cast<u64>(b) << sh;
	}

	u64 new_tag(u64 off)
	{
		u64 t = make_tag(off, id_, ++seq_);
		if (t == shadow(off))
			t = make_tag(off, id_, ++seq_);
		return t;
	}

	/* --- residency ---------------------------------------------------- */
	void mark_res(map_obj &m, std::size_t first, std::size_t n)
	{
		for (std::size_t i = first; i < first + n && i < m.pages(); ++i)
			m.res[i] = RS_RES;
	}

	void mark_zapped(map_obj &m, std::size_t first, std::size_t n)
	{
		const std::uint8_t s = m.mode == MAPDRV_MODE_FAULT ? RS_NONRES : RS_UNKNOWN;
		for (std::size_t i = first; i < first + n && i < m.pages(); ++i)
			m.res[i] = s;
	}

	/* --- bookkeeping ---------------------------------------------------- */
	unsigned open_count() const
	{
		unsigned n = 0;
		for (const file_slot &f : files_)
			n += f.fd >= 0;
		return n;
	}

	template <class Pred> int pick_fd(Pred pred)
	{
		unsigned n = 0;
		for (const file_slot &f : files_)
			n += f.fd >= 0 && pred(f);
		if (n == 0)
			return -1;
		u64 k = r_.below(n);
		for (unsigned i = 0; i < max_slots; ++i)
			if (files_[i].fd >= 0 && pred(files_[i]) && k-- == 0)
				return static_cast<int>(i);
		return -1;
	}

	template <class Pred> int pick_map(Pred pred)
	{
		unsigned n = 0;
		for (const map_obj &m : maps_)
			n += pred(m);
		if (n == 0)
			return -1;
		u64 k = r_.below(n);
		for (std::size_t i = 0; i < maps_.size(); ++i)
			if (pred(maps_[i]) && k-- == 0)
				return static_cast<int>(i);
		return -1;
	}

	void release_slot_if_unused(unsigned s)
	{
		file_slot &f = files_[s];
		if (f.fd < 0 && f.nmaps == 0)
			f = file_slot{};
	}

	void drop_map(std::size_t i)
	{
		const unsigned s = maps_[i].file;
		if (--files_[s].nmaps == 0)
			files_[s].zero_mark = g_fork_seq.load();
		maps_.erase(maps_.begin() + static_cast<std::ptrdiff_t>(i));
		release_slot_if_unused(s);
	}

	/* The sub-range [a, b) pages of @m as a new object (not yet inserted). */
	map_obj slice(const map_obj &m, std::size_t a, std::size_t b) const
	{
		map_obj s;
		s.addr = m.addr + a * cfg.page;
		s.len = (b - a) * cfg.page;
		s.off = m.off + a * cfg.page;
		s.prot = m.prot;
		s.maxprot = m.maxprot;
		s.shared = m.shared;
		s.file = m.file;
		s.mode = m.mode;
		s.res.assign(m.res.begin() + static_cast<std::ptrdiff_t>(a),
			     m.res.begin() + static_cast<std::ptrdiff_t>(b));
		return s;
	}

	/* Pick a range [a, b) of pages of @m: the whole (often) or a part. */
	std::pair<std::size_t, std::size_t> pick_range(const map_obj &m, unsigned whole_permille)
	{
		const std::size_t n = m.pages();
		if (n == 1 || r_.chance(whole_permille))
			return { 0, n };
		const std::size_t a = r_.below(n);
		const std::size_t b = r_.between(a + 1, std::min<std::size_t>(n, a + 64));
		return { a, b };
	}

	void *reserve(std::size_t len)
	{
		void *p = mmap(nullptr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		return p == MAP_FAILED ? nullptr : p;
	}

	/* --- operations --------------------------------------------------- */
	void step();
	void op_open(int want_acc = -1);
	void op_close();
	void op_mmap(bool want_own_rw = false);
	void mmap_valid(unsigned s, bool want_own_rw);
	void mmap_invalid();
	void op_munmap();
	void op_mremap();
	void op_mprotect();
	void op_madvise();
	void op_mincore();
	void op_touch();
	void op_store();
	void op_segv();
	void op_fork();
	[[noreturn]] void child_main();
	void op_read();
	void op_pread();
	void op_write();
	void op_pwrite();
	void op_lseek();
	void op_info();
	void op_ioctl();
	void op_restamp();
	void op_set_mode();
	void op_unload();

	void check_info(file_slot &f);
	int need_fd(bool readable, bool writable);
	void verify_words_via_read(const u64 *offs, std::size_t n);
	void verify_own_range(int wfd, u64 off, std::size_t n, const char *what);
	void efault_write(file_slot &f);
	void final_check();
	void teardown();

	unsigned id_;
	rng r_;
	u64 rs_, re_;
	unsigned tix_;		/* thread index in the process */
	worker_stats *st_;
	std::vector<u64> shadow_;
	unsigned seq_ = 0;
	file_slot files_[max_slots];
	std::vector<map_obj> maps_;
	mailbox *mb_ = nullptr;
	void *ro_page_ = nullptr;
	std::byte *edge_ = nullptr;	/* a read-write page, then a PROT_NONE one */
	u64 opno_ = 0;
	op_type cur_op_ = OP_OPEN;
	bool cur_div_ = false, cur_refused_ = false, cur_unsup_ = false;
	bool in_child_ = false, child_div_ = false;
	u64 last_faults_ = 0, last_mmap_calls_ = 0;
};


/* ------------------------------------------------------------------ */
/* The operation mix                                                   */

struct weight {
	op_type op;
	unsigned w;
};

/* Cheap operations dominate, so that a slow emulated guest still does many. */
constexpr weight op_weights[] = {
	{ OP_TOUCH, 220 }, { OP_STORE, 100 }, { OP_PREAD, 80 }, { OP_READ, 30 },
	{ OP_PWRITE, 60 }, { OP_WRITE, 30 }, { OP_MMAP, 70 }, { OP_MUNMAP, 50 },
	{ OP_MREMAP, 35 }, { OP_MPROTECT, 40 }, { OP_MADVISE, 45 }, { OP_MINCORE, 30 },
	{ OP_LSEEK, 25 }, { OP_INFO, 20 }, { OP_IOCTL, 20 }, { OP_RESTAMP, 10 },
	{ OP_SET_MODE, 25 }, { OP_OPEN, 30 }, { OP_CLOSE, 25 }, { OP_SEGV, 6 },
	{ OP_FORK, 3 }, { OP_UNLOAD, 2 },
};

unsigned op_weight(const weight &w)
{
	if (w.op == OP_SET_MODE && !cfg.set_mode)
		return 0;
	if (w.op == OP_UNLOAD && !cfg.unload)
		return 0;
	if (cfg.excluded[w.op])
		return 0;
	return w.w;
}

void worker::run()
{
	shared_state *const sh = cfg.sh;
	while (!sh->stop.load(std::memory_order_relaxed)) {
		if (cfg.deadline && std::chrono::steady_clock::now() >= *cfg.deadline)
			break;
		if (sh->ops_claimed.fetch_add(1, std::memory_order_relaxed) >= cfg.ops_limit)
			break;
		++opno_;
		step();
	}
	teardown();
	final_check();
	st_->finished = 1;
}

void worker::step()
{
	unsigned total = 0;
	for (const weight &w : op_weights)
		total += op_weight(w);
	u64 k = r_.below(total);
	op_type op = OP_TOUCH;
	for (const weight &w : op_weights) {
		const unsigned ww = op_weight(w);
		if (k < ww) {
			op = w.op;
			break;
		}
		k -= ww;
	}
	switch (op) {
	case OP_OPEN: op_open(); break;
	case OP_CLOSE: op_close(); break;
	case OP_MMAP: op_mmap(); break;
	case OP_MUNMAP: op_munmap(); break;
	case OP_MREMAP: op_mremap(); break;
	case OP_MPROTECT: op_mprotect(); break;
	case OP_MADVISE: op_madvise(); break;
	case OP_MINCORE: op_mincore(); break;
	case OP_TOUCH: op_touch(); break;
	case OP_STORE: op_store(); break;
	case OP_SEGV: op_segv(); break;
	case OP_FORK: op_fork(); break;
	case OP_READ: op_read(); break;
	case OP_PREAD: op_pread(); break;
	case OP_WRITE: op_write(); break;
	case OP_PWRITE: op_pwrite(); break;
	case OP_LSEEK: op_lseek(); break;
	case OP_INFO: op_info(); break;
	case OP_IOCTL: op_ioctl(); break;
	case OP_RESTAMP: op_restamp(); break;
	case OP_SET_MODE: op_set_mode(); break;
	case OP_UNLOAD: op_unload(); break;
	case OP_COUNT: break;
	}
}

/*
 * A file open with the access wanted, or -1 after doing something else
 * instead (open one, or close one to make room): the caller returns.
 */
int worker::need_fd(bool readable, bool writable)
{
	const int s = pick_fd([&](const file_slot &f) {
		return (!readable || f.readable()) && (!writable || f.writable());
	});
	if (s >= 0)
		return s;
	if (open_count() < max_fds)
		op_open(writable ? O_RDWR : readable ? (r_.chance(500) ? O_RDONLY : O_RDWR) : -1);
	else
		op_close();
	return -1;
}

/* ---- open, close ---------------------------------------------------- */

void worker::op_open(int want_acc)
{
	if (open_count() >= max_fds)
		return op_close();
	unsigned s = max_slots;
	for (unsigned i = 0; i < max_slots; ++i)
		if (!files_[i].used) {
			s = i;
			break;
		}
	if (s == max_slots)	/* cannot happen: at most 16 open and 32 mapped */
		return op_close();

	begin(OP_OPEN);
	int acc = want_acc;
	if (acc < 0) {
		const u64 u = r_.below(100);
		acc = u < 45 ? O_RDONLY : u < 90 ? O_RDWR : O_WRONLY;
	}
	const int fd = ::open(cfg.device.c_str(), acc | O_CLOEXEC);
	if (must_work(fd, "open")) {
		file_slot &f = files_[s];
		f = file_slot{};
		f.fd = fd;
		f.acc = acc;
		f.mode = cfg.default_mode;
		f.window = cfg.default_window;
		f.used = true;
		if (r_.chance(200))
			check_info(f);
	}
	end();
}

void worker::op_close()
{
	const int s = pick_fd([](const file_slot &) { return true; });
	if (s < 0)
		return op_open();
	begin(OP_CLOSE);
	file_slot &f = files_[s];
	must_work(::close(f.fd), "close");
	f.fd = -1;
	release_slot_if_unused(static_cast<unsigned>(s));
	end();
}

/* ---- mmap --------------------------------------------------------- */

void worker::op_mmap(bool want_own_rw)
{
	if (maps_.size() >= max_maps)
		return op_munmap();
	if (!want_own_rw && r_.chance(250))
		return mmap_invalid();
	const int s = need_fd(true, want_own_rw);
	if (s < 0)
		return;
	mmap_valid(static_cast<unsigned>(s), want_own_rw);
}

void worker::mmap_valid(unsigned s, bool want_own_rw)
{
	begin(OP_MMAP);
	file_slot &f = files_[s];
	const u64 page = cfg.page, np = cfg.npages;

	u64 len_p;
	u64 u = r_.below(100);
	if (u < 60)
		len_p = r_.between(1, 4);
	else if (u < 85)
		len_p = r_.between(1, 32);
	else if (u < 97)
		len_p = r_.between(1, 256);
	else
		len_p = r_.between(1, np);
	len_p = std::min(len_p, np);

	u64 off_p;
	if (want_own_rw || r_.chance(500)) {
		const u64 rs_p = rs_ / page, re_p = re_ / page;
		off_p = r_.between(rs_p, re_p - 1);
		if (want_own_rw)
			len_p = std::min(len_p, re_p - off_p);
	} else {
		off_p = r_.below(np);
	}

	const bool shared = want_own_rw || r_.chance(600);
	int prot;
	if (shared && f.writable()) {
		u = r_.below(100);
		prot = want_own_rw || u < 60 ? PROT_READ | PROT_WRITE : u < 90 ? PROT_READ : PROT_NONE;
	} else {
		prot = r_.chance(900) ? PROT_READ : PROT_NONE;
	}
	int flags = shared ? (r_.chance(150) ? MAP_SHARED_VALIDATE : MAP_SHARED) : MAP_PRIVATE;
	const bool populate = r_.chance(80);
	if (populate)
		flags |= MAP_POPULATE;

	/* Where: anywhere, into a reservation (MAP_FIXED), or over one of ours. */
	void *hint = nullptr, *reservation = nullptr;
	int replace = -1;
	u = r_.below(100);
	if (u < 8 || (u < 12 && (want_own_rw || maps_.empty()))) {
		reservation = reserve(len_p * page);
		if (reservation) {
			hint = reservation;
			flags |= MAP_FIXED;
		}
	} else if (u < 12) {
		replace = static_cast<int>(r_.below(maps_.size()));
		len_p = std::min<u64>(maps_[static_cast<std::size_t>(replace)].pages(), np);
		hint = maps_[static_cast<std::size_t>(replace)].addr;
		flags |= MAP_FIXED;
	}
	off_p = std::min(off_p, np - len_p);

	const std::size_t len = len_p * page;
	std::size_t ask = len;
	if (r_.chance(100))
		ask = len - r_.below(page);	/* the kernel rounds up */
	const u64 off = off_p * page;

	void *p = mmap(hint, ask, prot, flags, f.fd, static_cast<off_t>(off));
	if (p == MAP_FAILED) {
		diverge({ .what = "mmap of a valid range", .offset = off, .err = errno });
		if (reservation)
			munmap(reservation, len);
		if (replace >= 0)	/* MAP_FIXED may have unmapped it: forget it */
			drop_map(static_cast<std::size_t>(replace));
		end();
		return;
	}
	++st_->mmaps_ok;
	if (hint && p != hint) {
		diverge({ .what = "MAP_FIXED mmap returned another address", .offset = off,
			  .addr = p });
		if (reservation)
			munmap(reservation, len);
	}
	if (replace >= 0 && p == hint)
		drop_map(static_cast<std::size_t>(replace));

	map_obj m;
	m.addr = static_cast<std::byte *>(p);
	m.len = len;
	m.off = off;
	m.prot = prot;
	m.maxprot = shared && f.writable() ? PROT_READ | PROT_WRITE : PROT_READ;
	m.shared = shared;
	m.file = s;
	m.mode = cfg.set_mode ? f.mode : MAPDRV_MODE_FAULT;
	std::uint8_t init = RS_NONRES;
	if (m.mode == MAPDRV_MODE_AROUND)
		init = RS_UNKNOWN;
	else if (m.mode == MAPDRV_MODE_EAGER)
		init = RS_RES;
	if (populate && init != RS_RES)
		init = prot != PROT_NONE ? RS_RES : RS_UNKNOWN;
	m.res.assign(len_p, init);
	++f.nmaps;
	maps_.push_back(std::move(m));
	end();
}

void worker::mmap_invalid()
{
	const u64 page = cfg.page, np = cfg.npages, size = cfg.size;
	unsigned v = static_cast<unsigned>(r_.below(14));
	int s = -1;
	if (v == 7)
		s = pick_fd([](const file_slot &f) { return f.acc == O_RDONLY; });
	else if (v == 8)
		s = pick_fd([](const file_slot &f) { return f.acc == O_WRONLY; });
	else if (v == 12 && maps_.empty())
		v = 0;
	if ((v == 7 || v == 8) && s < 0)
		v = 0;
	if (s < 0) {
		s = need_fd(true, false);
		if (s < 0)
			return;
	}
	begin(OP_MMAP);
	const int fd = files_[s].fd;
	std::size_t len = r_.between(1, 4) * page;
	u64 off = r_.below(np) * page;
	int prot = PROT_READ, flags = MAP_SHARED;
	void *addr = nullptr;
	errset errs{ EINVAL };
	const char *what = "";

	switch (v) {
	case 0:
		off = r_.below(np) * page;
		len = static_cast<std::size_t>(size - off + r_.between(1, 4) * page);
		what = "mmap past the end of the buffer";
		break;
	case 1:
		off = size;
		what = "mmap at offset == size";
		break;
	case 2:
		off = size + r_.between(1, 1000) * page;
		what = "mmap beyond the end of the buffer";
		break;
	case 3: {
		/* off + len may wrap 2^64; the core may say EOVERFLOW first. */
		static const u64 huge[] = { 1ULL << 40, 1ULL << 52, (1ULL << 63) - 4096,
					    0ULL - 4096, 0ULL - 8192, 0x7ffffffffffff000ULL };
		off = huge[r_.below(std::size(huge))] & ~(page - 1);
		errs = { EINVAL, EOVERFLOW };
		what = "mmap at a huge offset";
		break;
	}
	case 4:
		off = r_.below(np) * page + r_.between(1, page - 1);
		what = "mmap at an unaligned offset";
		break;
	case 5:
		len = 0;
		what = "mmap of length 0";
		break;
	case 6:
		len = std::min<u64>(len, size - off);
		flags = MAP_PRIVATE;
		prot = PROT_READ | PROT_WRITE;
		errs = { EPERM };
		what = "private writable mmap";
		break;
	case 7:
		len = std::min<u64>(len, size - off);
		prot = PROT_READ | PROT_WRITE;
		errs = { EACCES };
		what = "shared writable mmap of an O_RDONLY file";
		break;
	case 8:
		len = std::min<u64>(len, size - off);
		errs = { EACCES };
		what = "mmap of an O_WRONLY file";
		break;
	case 9:
		len = std::min<u64>(len, size - off);
		flags = MAP_SHARED_VALIDATE | MAP_SYNC;
		errs = { EOPNOTSUPP };
		what = "mmap with MAP_SHARED_VALIDATE | MAP_SYNC";
		break;
	case 10:
		len = std::min<u64>(len, size - off);
		flags = 0;
		what = "mmap with neither MAP_SHARED nor MAP_PRIVATE";
		break;
	case 11:
		len = std::min<u64>(len, size - off);
		flags = MAP_SHARED | MAP_HUGETLB;
		what = "mmap with MAP_HUGETLB";
		break;
	case 12: {
		const map_obj &m = maps_[r_.below(maps_.size())];
		addr = m.addr;
		len = std::min<u64>(page, size - off);
		flags = MAP_SHARED | MAP_FIXED_NOREPLACE;
		errs = { EEXIST };
		what = "MAP_FIXED_NOREPLACE over a mapping";
		break;
	}
	case 13:
	default:
		len = std::min<u64>(len, size - off);
		addr = reinterpret_cast<void *>(0x10000000000ULL + r_.between(1, page - 1));
		flags = MAP_SHARED | MAP_FIXED;
		what = "MAP_FIXED at an unaligned address";
		break;
	}

	void *p = mmap(addr, len, prot, flags, fd, static_cast<off_t>(off));
	if (p != MAP_FAILED) {
		++st_->mmaps_ok;
		diverge({ .what = what, .offset = off, .errs = errs,
			  .ret = static_cast<long>(reinterpret_cast<std::uintptr_t>(p)) });
		if (p != addr)
			munmap(p, len);
	} else {
		must_fail(-1, errs, what, off);
	}
	end();
}

/* ---- munmap, mremap, mprotect, madvise, mincore ------------------------ */

void worker::op_munmap()
{
	const int i = pick_map([](const map_obj &) { return true; });
	if (i < 0)
		return op_mmap();
	begin(OP_MUNMAP);
	const std::size_t idx = static_cast<std::size_t>(i);
	const u64 page = cfg.page;
	map_obj &m = maps_[idx];
	const std::size_t n = m.pages();

	if (r_.chance(30)) {
		must_fail(munmap(m.addr + r_.between(1, page - 1), page), { EINVAL },
			  "munmap at an unaligned address", m.off);
		end();
		return;
	}
	const u64 u = r_.below(100);
	if (n == 1 || u < 40 || (u >= 80 && (n < 3 || maps_.size() >= max_maps))) {
		if (must_work(munmap(m.addr, r_.chance(100) ? m.len - r_.below(page) : m.len),
			      "munmap of a whole mapping", m.off))
			drop_map(idx);
	} else if (u < 60) {
		const std::size_t k = r_.between(1, n - 1);
		if (must_work(munmap(m.addr, k * page - r_.below(page)), "munmap of the head of a mapping",
			      m.off))
			m = slice(m, k, n);
	} else if (u < 80) {
		const std::size_t k = r_.between(1, n - 1);
		if (must_work(munmap(m.addr + k * page, (n - k) * page), "munmap of the tail of a mapping",
			      m.off + k * page))
			m = slice(m, 0, k);
	} else {
		const std::size_t a = r_.between(1, n - 2), b = r_.between(a + 1, n - 1);
		if (must_work(munmap(m.addr + a * page, (b - a) * page),
			      "munmap of the middle of a mapping", m.off + a * page)) {
			map_obj tail = slice(m, b, n);
			m = slice(m, 0, a);
			++files_[tail.file].nmaps;
			maps_.push_back(std::move(tail));
		}
	}
	end();
}

void worker::op_mremap()
{
	const int i = pick_map([](const map_obj &) { return true; });
	if (i < 0)
		return op_mmap();
	begin(OP_MREMAP);
	const u64 page = cfg.page;
	map_obj &m = maps_[static_cast<std::size_t>(i)];
	const std::size_t n = m.pages();
	const u64 u = r_.below(100);

	if (u < 12) {
		const std::size_t grown = m.len + r_.between(1, 4) * page;
		void *p = mremap(m.addr, m.len, grown, r_.chance(500) ? MREMAP_MAYMOVE : 0);
		if (p != MAP_FAILED) {
			diverge({ .what = "mremap growing a mapping", .offset = m.off, .errs = { EFAULT },
				  .addr = p });
			/* Keep the bookkeeping true: it is now the grown mapping. */
			m.addr = static_cast<std::byte *>(p);
			munmap(m.addr + m.len, grown - m.len);
		} else {
			must_fail(-1, { EFAULT }, "mremap growing a mapping", m.off);
		}
	} else if (u < 17) {
		void *p = mremap(m.addr, m.len, m.len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
		if (p != MAP_FAILED) {
			diverge({ .what = "mremap MREMAP_DONTUNMAP of a VM_DONTEXPAND mapping",
				  .offset = m.off, .errs = { EINVAL }, .addr = p });
			munmap(p, m.len);
		} else {
			must_fail(-1, { EINVAL }, "mremap MREMAP_DONTUNMAP of a VM_DONTEXPAND mapping", m.off);
		}
	} else if (u < 20) {
		must_fail(mremap(m.addr, m.len, 0, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 0, { EINVAL },
			  "mremap to length 0", m.off);
	} else if (u < 23) {
		must_fail(mremap(m.addr + r_.between(1, page - 1), page, page, 0) == MAP_FAILED ? -1 : 0,
			  { EINVAL }, "mremap at an unaligned address", m.off);
	} else if (u < 26 && m.shared) {
		/* old_len 0 asks for a duplicate: growth of a VM_DONTEXPAND mapping */
		void *p = mremap(m.addr, 0, page, MREMAP_MAYMOVE);
		if (p != MAP_FAILED) {
			diverge({ .what = "mremap with old_len 0 (duplicate)", .offset = m.off,
				  .errs = { EFAULT }, .addr = p });
			munmap(p, page);
		} else {
			must_fail(-1, { EFAULT }, "mremap with old_len 0 (duplicate)", m.off);
		}
	} else if (u < 50 && n >= 2) {
		const std::size_t k = r_.between(1, n - 1);
		void *p = mremap(m.addr, m.len, k * page, r_.chance(500) ? MREMAP_MAYMOVE : 0);
		if (p == MAP_FAILED) {
			diverge({ .what = "mremap shrinking a mapping", .offset = m.off, .err = errno });
		} else {
			if (p != m.addr)
				diverge({ .what = "mremap shrinking a mapping moved it", .offset = m.off,
					  .addr = p });
			map_obj s = slice(m, 0, k);
			s.addr = static_cast<std::byte *>(p);
			m = std::move(s);
		}
	} else if (u < 55) {
		void *p = mremap(m.addr, m.len, m.len, MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			diverge({ .what = "mremap to the same size", .offset = m.off, .err = errno });
		else if (p != m.addr)
			m.addr = static_cast<std::byte *>(p);	/* allowed, if odd */
	} else {
		const std::size_t k = r_.between(1, n);
		void *res = reserve(k * page);
		if (!res) {
			end();
			return;
		}
		void *p = mremap(m.addr, m.len, k * page, MREMAP_MAYMOVE | MREMAP_FIXED, res);
		if (p == MAP_FAILED) {
			diverge({ .what = "mremap moving a mapping (MREMAP_FIXED)", .offset = m.off,
				  .err = errno });
			munmap(res, k * page);
		} else {
			if (p != res)
				diverge({ .what = "mremap MREMAP_FIXED returned another address",
					  .offset = m.off, .addr = p });
			map_obj s = slice(m, 0, k);
			s.addr = static_cast<std::byte *>(p);
			m = std::move(s);
		}
	}
	end();
}

void worker::op_mprotect()
{
	const int i = pick_map([](const map_obj &) { return true; });
	if (i < 0)
		return op_mmap();
	begin(OP_MPROTECT);
	const std::size_t idx = static_cast<std::size_t>(i);
	const u64 page = cfg.page;
	map_obj &m = maps_[idx];

	if (r_.chance(30)) {
		must_fail(mprotect(m.addr + r_.between(1, page - 1), page, PROT_READ), { EINVAL },
			  "mprotect at an unaligned address", m.off);
		end();
		return;
	}
	auto [a, b] = pick_range(m, 600);
	if (maps_.size() + 2 > max_maps) {
		a = 0;
		b = m.pages();
	}
	const u64 u = r_.below(100);
	const int prot = u < 25 ? PROT_NONE : u < 65 ? PROT_READ : PROT_READ | PROT_WRITE;
	const int ret = mprotect(m.addr + a * page, (b - a) * page, prot);
	if ((prot & PROT_WRITE) && !(m.maxprot & PROT_WRITE)) {
		if (ret == 0) {
			diverge({ .what = m.shared ? "mprotect(PROT_WRITE) of a shared mapping of an O_RDONLY file"
						   : "mprotect(PROT_WRITE) of a private mapping",
				  .offset = m.off, .errs = { EACCES }, .ret = 0 });
			/* it is writable now: say so, so that nothing else diverges */
			m.maxprot |= PROT_WRITE;
		} else {
			must_fail(-1, { EACCES },
				  m.shared ? "mprotect(PROT_WRITE) of a shared mapping of an O_RDONLY file"
					   : "mprotect(PROT_WRITE) of a private mapping", m.off);
			end();
			return;
		}
	} else if (!must_work(ret, "mprotect", m.off + a * page)) {
		end();
		return;
	}
	const std::size_t n = m.pages();
	map_obj mid = slice(m, a, b);
	mid.prot = prot;
	std::vector<map_obj> pieces;
	if (a > 0)
		pieces.push_back(slice(m, 0, a));
	pieces.push_back(std::move(mid));
	if (b < n)
		pieces.push_back(slice(m, b, n));
	files_[m.file].nmaps += static_cast<unsigned>(pieces.size() - 1);
	maps_[idx] = std::move(pieces[0]);
	for (std::size_t k = 1; k < pieces.size(); ++k)
		maps_.push_back(std::move(pieces[k]));
	end();
}

void worker::op_madvise()
{
	const int i = pick_map([](const map_obj &) { return true; });
	if (i < 0)
		return op_mmap();
	begin(OP_MADVISE);
	const u64 page = cfg.page;
	map_obj &m = maps_[static_cast<std::size_t>(i)];
	const auto [a, b] = pick_range(m, 500);
	std::byte *const addr = m.addr + a * page;
	const std::size_t len = (b - a) * page;
	const u64 off = m.off + a * page;
	u64 u = r_.below(100);

	const bool readable = m.prot & PROT_READ;
	const bool writable = m.shared && (m.prot & PROT_WRITE);
	if (u >= 45 && u < 60 && (!cfg.populate || !readable))
		u = 70;		/* COLD instead */
	if (u >= 60 && u < 68 && (!cfg.populate || !writable))
		u = 80;		/* PAGEOUT instead */

	if (u < 3) {
		must_fail(madvise(addr + 8, page, MADV_DONTNEED), { EINVAL },
			  "madvise at an unaligned address", off);
	} else if (u < 45) {
		if (must_work(madvise(addr, len, MADV_DONTNEED), "madvise(MADV_DONTNEED)", off)) {
			mark_zapped(m, a, b - a);
			if (readable) {
				/* the data must survive: it is the device's, not anonymous memory */
				std::size_t idx[4] = {};
				u64 vals[4] = {};
				const std::size_t k = r_.between(1, 4);
				for (std::size_t j = 0; j < k; ++j)
					idx[j] = a * page / 8 + r_.below(len / 8);
				if (!guarded_load(m.addr, idx, k, vals)) {
					diverge({ .what = "signal reading a mapping after MADV_DONTNEED",
						  .offset = off, .addr = reinterpret_cast<void *>(t_fault.addr),
						  .signo = t_fault.signo });
				} else {
					for (std::size_t j = 0; j < k; ++j) {
						check_word(m.off + idx[j] * 8, le64(vals[j]),
							   "word read back after MADV_DONTNEED",
							   m.addr + idx[j] * 8);
						mark_res(m, idx[j] * 8 / page, 1);
					}
				}
			}
		}
	} else if (u < 60) {
		if (must_work(madvise(addr, len, MADV_POPULATE_READ), "madvise(MADV_POPULATE_READ)", off))
			mark_res(m, a, b - a);
	} else if (u < 68) {
		if (must_work(madvise(addr, len, MADV_POPULATE_WRITE), "madvise(MADV_POPULATE_WRITE)", off))
			mark_res(m, a, b - a);
	} else if (u < 88) {
		const bool cold = u < 78;
		if (must_work(madvise(addr, len, cold ? MADV_COLD : MADV_PAGEOUT),
			      cold ? "madvise(MADV_COLD)" : "madvise(MADV_PAGEOUT)", off)) {
			/* driver pages are not on the LRU: nothing should go, but do not insist */
			for (std::size_t k = a; k < b; ++k)
				if (m.res[k] == RS_RES)
					m.res[k] = RS_UNKNOWN;
		}
	} else if (u < 94) {
		must_fail(madvise(addr, len, MADV_FREE), { EINVAL }, "madvise(MADV_FREE) of a file mapping",
			  off);
	} else {
		/* the core wants a shared writable VMA (since 6.x: VM_MAYWRITE), then fallocate() says ENODEV */
		errset errs{ EACCES };
		if (writable)
			errs = { ENODEV, EOPNOTSUPP };
		else if (m.shared && (m.maxprot & PROT_WRITE))
			errs = { EACCES, ENODEV, EOPNOTSUPP };
		must_fail(madvise(addr, len, MADV_REMOVE), errs, "madvise(MADV_REMOVE)", off);
	}
	end();
}

void worker::op_mincore()
{
	const int i = pick_map([](const map_obj &) { return true; });
	if (i < 0)
		return op_mmap();
	begin(OP_MINCORE);
	const u64 page = cfg.page;
	map_obj &m = maps_[static_cast<std::size_t>(i)];
	if (r_.chance(30)) {
		unsigned char vec[2];
		must_fail(mincore(m.addr + 8, page, vec), { EINVAL }, "mincore at an unaligned address",
			  m.off);
		end();
		return;
	}
	auto [a, b] = pick_range(m, 500);
	b = std::min<std::size_t>(b, a + 64);
	unsigned char vec[64];
	if (must_work(mincore(m.addr + a * page, (b - a) * page, vec), "mincore", m.off + a * page)) {
		for (std::size_t k = a; k < b; ++k) {
			const bool resident = vec[k - a] & 1;
			if (m.res[k] == RS_RES && !resident) {
				diverge({ .what = "mincore: a page that must be mapped (touched, populated, EAGER) is not resident",
					  .offset = m.off + k * page, .addr = m.addr + k * page });
				m.res[k] = RS_UNKNOWN;
				break;
			}
			if (m.res[k] == RS_NONRES && resident) {
				diverge({ .what = "mincore: page resident before its first touch "
						  "(MAPDRV_MODE_FAULT maps one page per fault)",
					  .offset = m.off + k * page, .addr = m.addr + k * page });
				m.res[k] = RS_UNKNOWN;
				break;
			}
		}
	}
	end();
}

/* ---- touch, store, deliberate faults ----------------------------------- */

void worker::op_touch()
{
	const int i = pick_map([](const map_obj &m) { return (m.prot & PROT_READ) != 0; });
	if (i < 0) {
		if (!maps_.empty() && r_.chance(500))
			return op_mprotect();
		return op_mmap();
	}
	begin(OP_TOUCH);
	const u64 page = cfg.page;
	map_obj &m = maps_[static_cast<std::size_t>(i)];
	u64 vals[512];
	if (r_.chance(60)) {
		/* a whole page (at most 4 KiB of it) */
		const std::size_t pg = r_.below(m.pages());
		const std::size_t nw = std::min<u64>(page, 4096) / 8;
		if (!guarded_load(m.addr + pg * page, nullptr, nw, vals)) {
			diverge({ .what = "signal reading a readable mapping", .offset = m.off + pg * page,
				  .addr = reinterpret_cast<void *>(t_fault.addr), .signo = t_fault.signo });
		} else {
			for (std::size_t j = 0; j < nw; ++j)
				if (!check_word(m.off + pg * page + j * 8, le64(vals[j]), "word read through a mapping",
						m.addr + pg * page + j * 8))
					break;
			mark_res(m, pg, 1);
		}
	} else {
		std::size_t idx[8];
		const std::size_t k = r_.between(1, 8);
		for (std::size_t j = 0; j < k; ++j)
			idx[j] = r_.below(m.len / 8);
		if (!guarded_load(m.addr, idx, k, vals)) {
			diverge({ .what = "signal reading a readable mapping", .offset = m.off,
				  .addr = reinterpret_cast<void *>(t_fault.addr), .signo = t_fault.signo });
		} else {
			for (std::size_t j = 0; j < k; ++j) {
				check_word(m.off + idx[j] * 8, le64(vals[j]), "word read through a mapping",
					   m.addr + idx[j] * 8);
				mark_res(m, idx[j] * 8 / page, 1);
			}
		}
	}
	end();
}

void worker::op_store()
{
	const auto own_rw = [this](const map_obj &m) {
		return m.shared && (m.prot & PROT_WRITE) && m.off < re_ && m.end() > rs_;
	};
	const int i = pick_map(own_rw);
	if (i < 0) {
		if (maps_.size() >= max_maps)
			return op_munmap();
		return op_mmap(true);
	}
	begin(OP_STORE);
	map_obj &m = maps_[static_cast<std::size_t>(i)];
	const u64 lo = std::max(m.off, rs_), hi = std::min(m.end(), re_);
	const std::size_t k = r_.between(1, 4);
	u64 offs[4];
	std::size_t idx[4];
	std::size_t done = 0;
	for (std::size_t j = 0; j < k; ++j) {
		const u64 off = lo + 8 * r_.below((hi - lo) / 8);
		const u64 t = new_tag(off);
		std::byte *const p = m.addr + (off - m.off);
		if (!guarded_store(p, le64(t))) {
			diverge({ .what = "signal storing into a shared writable mapping", .offset = off,
				  .addr = p, .signo = t_fault.signo });
			break;
		}
		shadow(off) = t;
		offs[done] = off;
		idx[done++] = (off - m.off) / 8;
		mark_res(m, (off - m.off) / cfg.page, 1);
	}
	u64 vals[4];
	if (done && guarded_load(m.addr, idx, done, vals)) {
		for (std::size_t j = 0; j < done; ++j)
			check_word(offs[j], le64(vals[j]), "word read back after a store through the mapping",
				   m.addr + idx[j] * 8);
	} else if (done) {
		diverge({ .what = "signal reading back a store", .offset = offs[0],
			  .addr = reinterpret_cast<void *>(t_fault.addr), .signo = t_fault.signo });
	}
	if (done && r_.chance(250))
		verify_words_via_read(offs, done);
	end();
}

void worker::op_segv()
{
	const int inone = pick_map([](const map_obj &m) { return m.prot == PROT_NONE; });
	const int iro = pick_map([this](const map_obj &m) {
		return m.prot == PROT_READ && m.off < re_ && m.end() > rs_;
	});
	if (inone < 0 && iro < 0)
		return op_mprotect();
	begin(OP_SEGV);
	if (inone >= 0 && (iro < 0 || r_.chance(500))) {
		map_obj &m = maps_[static_cast<std::size_t>(inone)];
		const std::size_t w = r_.below(m.len / 8);
		std::byte *const p = m.addr + w * 8;
		u64 v;
		if (guarded_load(p, nullptr, 1, &v)) {
			diverge({ .what = "reading a PROT_NONE mapping did not fault", .offset = m.off + w * 8,
				  .addr = p });
		} else if (t_fault.signo != SIGSEGV || t_fault.addr != reinterpret_cast<std::uintptr_t>(p) ||
			   t_fault.code != SEGV_ACCERR) {
			diverge({ .what = "reading a PROT_NONE mapping: not SIGSEGV/SEGV_ACCERR at that address",
				  .offset = m.off + w * 8, .addr = reinterpret_cast<void *>(t_fault.addr),
				  .signo = t_fault.signo });
		} else {
			cur_refused_ = true;
		}
	} else {
		map_obj &m = maps_[static_cast<std::size_t>(iro)];
		const u64 lo = std::max(m.off, rs_), hi = std::min(m.end(), re_);
		const u64 off = lo + 8 * r_.below((hi - lo) / 8);
		std::byte *const p = m.addr + (off - m.off);
		const u64 t = new_tag(off);
		if (guarded_store(p, le64(t))) {
			diverge({ .what = "storing into a read-only mapping did not fault", .offset = off,
				  .addr = p });
			shadow(off) = t;
		} else if (t_fault.signo != SIGSEGV || t_fault.addr != reinterpret_cast<std::uintptr_t>(p) ||
			   t_fault.code != SEGV_ACCERR) {
			diverge({ .what = "storing into a read-only mapping: not SIGSEGV/SEGV_ACCERR at that address",
				  .offset = off, .addr = reinterpret_cast<void *>(t_fault.addr),
				  .signo = t_fault.signo });
		} else {
			cur_refused_ = true;
		}
		u64 v;
		if (guarded_load(p, nullptr, 1, &v)) {
			check_word(off, le64(v), "word after a refused store into a read-only mapping", p);
			mark_res(m, (off - m.off) / cfg.page, 1);
		} else {
			diverge({ .what = "signal reading a read-only mapping", .offset = off, .addr = p,
				  .signo = t_fault.signo });
		}
	}
	end();
}

/* ---- fork ----------------------------------------------------------- */

void worker::op_fork()
{
	begin(OP_FORK);
	mb_->nwrites = 0;
	const u64 child_seed = r_.next();
	g_fork_live[tix_].store(g_fork_seq.fetch_add(1) + 1);
	const pid_t pid = fork();
	if (pid < 0) {
		g_fork_live[tix_].store(0);
		diverge({ .what = "fork", .err = errno });
		end();
		return;
	}
	if (pid == 0) {
		r_ = rng(child_seed);
		child_main();
	}
	int status = 0;
	pid_t w;
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
	}
	g_fork_live[tix_].store(0);
	if (w < 0) {
		diverge({ .what = "waitpid for the forked child", .err = errno });
	} else if (WIFSIGNALED(status)) {
		diverge({ .what = "the forked child was killed by a signal", .signo = WTERMSIG(status) });
	} else if (WEXITSTATUS(status) == 1) {
		cur_div_ = true;	/* it recorded what */
		print_first_if_pending();
	} else if (WEXITSTATUS(status) != 0) {
		diverge({ .what = "the forked child exited with an unexpected status",
			  .ret = WEXITSTATUS(status) });
	}

	/* What the child wrote through the shared mappings is ours to see. */
	const unsigned n = std::min<unsigned>(mb_->nwrites, std::size(mb_->w));
	u64 offs[std::size(mb_->w)];
	std::size_t k = 0;
	for (unsigned j = 0; j < n; ++j) {
		const u64 off = mb_->w[j].off;
		if (!own(off) || off % 8) {
			diverge({ .what = "the forked child reported a write outside the region",
				  .offset = off });
			continue;
		}
		shadow(off) = mb_->w[j].val;
		offs[k++] = off;
	}
	st_->child_writes += k;
	for (std::size_t j = 0; j < k; ++j) {
		const u64 off = offs[j];
		const int mi = pick_map([off](const map_obj &m) {
			return (m.prot & PROT_READ) && off >= m.off && off < m.end();
		});
		if (mi < 0)
			continue;
		map_obj &m = maps_[static_cast<std::size_t>(mi)];
		u64 v;
		if (guarded_load(m.addr + (off - m.off), nullptr, 1, &v)) {
			check_word(off, le64(v), "a forked child's store, seen by its parent",
				   m.addr + (off - m.off));
			mark_res(m, (off - m.off) / cfg.page, 1);
		} else {
			diverge({ .what = "signal reading a readable mapping", .offset = off,
				  .addr = reinterpret_cast<void *>(t_fault.addr), .signo = t_fault.signo });
		}
	}
	if (k && r_.chance(500))
		verify_words_via_read(offs, k);
	end();
}

/*
 * The forked child: only this thread exists here, and other threads of the
 * parent may have held locks at fork time, so no stdio and no allocation.
 * It checks the inherited mappings, maybe writes tagged words into its
 * parent's region (the parent waits and takes them over from the mailbox),
 * and maybe unmaps something of its own copy before exiting.
 */
void worker::child_main()
{
	in_child_ = true;
	child_div_ = false;
	const u64 page = cfg.page;

	for (int rep = 0; rep < 4; ++rep) {
		const int i = pick_map([](const map_obj &m) { return (m.prot & PROT_READ) != 0; });
		if (i < 0)
			break;
		const map_obj &m = maps_[static_cast<std::size_t>(i)];
		std::size_t idx[8];
		u64 vals[8];
		const std::size_t k = r_.between(1, 8);
		for (std::size_t j = 0; j < k; ++j)
			idx[j] = r_.below(m.len / 8);
		if (!guarded_load(m.addr, idx, k, vals)) {
			diverge({ .what = "signal reading an inherited mapping", .offset = m.off,
				  .addr = reinterpret_cast<void *>(t_fault.addr), .signo = t_fault.signo });
			continue;
		}
		for (std::size_t j = 0; j < k; ++j)
			check_word(m.off + idx[j] * 8, le64(vals[j]), "word read through an inherited mapping",
				   m.addr + idx[j] * 8);
	}

	if (r_.chance(600)) {
		const int i = pick_map([this](const map_obj &m) {
			return m.shared && (m.prot & PROT_WRITE) && m.off < re_ && m.end() > rs_;
		});
		if (i >= 0) {
			const map_obj &m = maps_[static_cast<std::size_t>(i)];
			const u64 lo = std::max(m.off, rs_), hi = std::min(m.end(), re_);
			const std::size_t k = r_.between(1, 4);
			unsigned n = 0;
			for (std::size_t j = 0; j < k; ++j) {
				const u64 off = lo + 8 * r_.below((hi - lo) / 8);
				const u64 t = new_tag(off);
				std::byte *const p = m.addr + (off - m.off);
				if (!guarded_store(p, le64(t))) {
					diverge({ .what = "signal storing through an inherited mapping",
						  .offset = off, .addr = p, .signo = t_fault.signo });
					break;
				}
				shadow(off) = t;
				mb_->w[n].off = off;
				mb_->w[n].val = t;
				mb_->nwrites = ++n;
				u64 v;
				if (guarded_load(p, nullptr, 1, &v))
					check_word(off, le64(v), "a store read back through an inherited mapping", p);
			}
		}
	}

	if (r_.chance(500)) {
		const int s = pick_fd([](const file_slot &f) { return f.readable(); });
		if (s >= 0) {
			alignas(8) std::uint8_t buf[512];
			const u64 off = r_.chance(500) ? rs_ + r_.below(re_ - rs_) : r_.below(cfg.size);
			const std::size_t n = std::min<u64>(r_.between(1, sizeof(buf)), cfg.size - off);
			const ssize_t ret = pread(files_[s].fd, buf, n, static_cast<off_t>(off));
			if (ret < 0)
				diverge({ .what = "pread on an inherited file", .offset = off, .err = errno });
			else if (static_cast<std::size_t>(ret) != n)
				diverge({ .what = "pread on an inherited file: short", .offset = off,
					  .ret = static_cast<long>(ret) });
			else
				check_bytes(off, buf, n, "bytes read by a forked child");
		}
	}

	if (r_.chance(300) && !maps_.empty()) {
		const map_obj &m = maps_[r_.below(maps_.size())];
		const std::size_t k = r_.below(m.pages());
		if (munmap(m.addr + k * page, page) != 0)
			diverge({ .what = "munmap in a forked child", .offset = m.off, .err = errno });
	}
	_exit(child_div_ ? 1 : 0);
}

/* ---- read, pread, write, pwrite, lseek ------------------------------- */

/* NULL, hidden from the compiler's nonnull checks: the calls must fail with EFAULT. */
void *volatile null_buffer = nullptr;

/* Check words we wrote through a read(2) path: pread on a readable file. */
void worker::verify_words_via_read(const u64 *offs, std::size_t n)
{
	const int s = pick_fd([](const file_slot &f) { return f.readable(); });
	if (s < 0)
		return;
	for (std::size_t j = 0; j < n; ++j) {
		std::uint8_t buf[8];
		const ssize_t ret = pread(files_[s].fd, buf, 8, static_cast<off_t>(offs[j]));
		if (ret != 8) {
			diverge({ .what = "pread of a word just written", .offset = offs[j],
				  .err = ret < 0 ? errno : 0, .ret = static_cast<long>(ret) });
			return;
		}
		if (!check_bytes(offs[j], buf, 8, "word read back with pread after a write"))
			return;
	}
}

void worker::op_read()
{
	const int s = pick_fd([](const file_slot &) { return true; });
	if (s < 0)
		return op_open();
	begin(OP_READ);
	file_slot &f = files_[s];
	alignas(8) std::uint8_t buf[4160];
	if (!f.readable()) {
		must_fail(read(f.fd, buf, 8), { EBADF }, "read on an O_WRONLY file");
		end();
		return;
	}
	if (r_.chance(300)) {
		const u64 t = r_.chance(200) ? cfg.size - r_.below(std::min<u64>(cfg.size, 600) + 1)
					     : r_.below(cfg.size + 1);
		const off_t ret = lseek(f.fd, static_cast<off_t>(t), SEEK_SET);
		if (ret != static_cast<off_t>(t)) {
			diverge({ .what = "lseek(SEEK_SET) within the buffer", .offset = t,
				  .err = ret < 0 ? errno : 0, .ret = static_cast<long>(ret) });
			end();
			return;
		}
		f.pos = t;
	}
	const std::size_t n = r_.chance(150) ? r_.between(1, sizeof(buf)) : r_.between(1, 512);
	const u64 pos = f.pos;
	const u64 want = pos >= cfg.size ? 0 : std::min<u64>(n, cfg.size - pos);
	const ssize_t ret = read(f.fd, buf, n);
	if (ret < 0) {
		diverge({ .what = "read", .offset = pos, .err = errno });
	} else if (static_cast<u64>(ret) != want) {
		diverge({ .what = "read returned the wrong count", .offset = pos, .expected = want,
			  .found = static_cast<u64>(ret) });
		const off_t now = lseek(f.fd, 0, SEEK_CUR);
		f.pos = now < 0 ? 0 : static_cast<u64>(now);
	} else {
		check_bytes(pos, buf, want, "bytes read with read()");
		f.pos = pos + want;
	}
	end();
}

void worker::op_pread()
{
	const int s = pick_fd([](const file_slot &) { return true; });
	if (s < 0)
		return op_open();
	begin(OP_PREAD);
	file_slot &f = files_[s];
	const u64 size = cfg.size;
	alignas(8) std::uint8_t buf[4160];
	if (!f.readable()) {
		must_fail(pread(f.fd, buf, 8, 0), { EBADF }, "pread on an O_WRONLY file");
		end();
		return;
	}
	u64 u = r_.below(100);
	int iself = -1;
	if (u >= 17 && u < 25) {
		iself = pick_map([this](const map_obj &m) {
			return m.shared && (m.prot & PROT_WRITE) && m.off < re_ && m.end() > rs_;
		});
		if (iself < 0)
			u = 50;
	}
	if (u < 6) {
		static const u64 past[] = { 0, 8, 4096, 1ULL << 20, 1ULL << 40, 1ULL << 62 };
		const u64 off = std::min<u64>(size + past[r_.below(std::size(past))], INT64_MAX - 8192);
		const ssize_t ret = pread(f.fd, buf, r_.between(1, 512), static_cast<off_t>(off));
		if (ret != 0)
			diverge({ .what = "pread at or past the end must return 0", .offset = off,
				  .err = ret < 0 ? errno : 0, .ret = static_cast<long>(ret) });
	} else if (u < 9) {
		const off_t off = r_.chance(500) ? -8 : INT64_MIN;
		must_fail(pread(f.fd, buf, 8, off), { EINVAL }, "pread at a negative offset");
	} else if (u < 11) {
		const off_t off = INT64_MAX - static_cast<off_t>(r_.below(16));
		must_fail(pread(f.fd, buf, 64, off), { EINVAL }, "pread whose end overflows loff_t");
	} else if (u < 14) {
		const u64 off = r_.below(size);
		must_fail(pread(f.fd, null_buffer, r_.between(1, 64), static_cast<off_t>(off)), { EFAULT },
			  "pread into a NULL buffer", off);
	} else if (u < 17) {
		const u64 off = r_.below(size);
		must_fail(pread(f.fd, ro_page_, r_.between(1, 64), static_cast<off_t>(off)), { EFAULT },
			  "pread into a read-only buffer", off);
	} else if (u < 25) {
		/* into a shared writable mapping of the same bytes: a copy onto itself */
		map_obj &m = maps_[static_cast<std::size_t>(iself)];
		const u64 lo = std::max(m.off, rs_), hi = std::min(m.end(), re_);
		const u64 off = lo + 8 * r_.below((hi - lo) / 8);
		const std::size_t n = 8 * r_.between(1, std::min<u64>(64, (hi - off) / 8));
		std::byte *const p = m.addr + (off - m.off);
		const ssize_t ret = pread(f.fd, p, n, static_cast<off_t>(off));
		if (ret != static_cast<ssize_t>(n)) {
			diverge({ .what = "pread into a mapping of the same bytes", .offset = off,
				  .err = ret < 0 ? errno : 0, .ret = static_cast<long>(ret) });
		} else {
			u64 vals[64];
			if (guarded_load(p, nullptr, n / 8, vals)) {
				for (std::size_t j = 0; j < n / 8; ++j)
					if (!check_word(off + 8 * j, le64(vals[j]),
							"word after a pread into a mapping of itself", p + 8 * j))
						break;
			} else {
				diverge({ .what = "signal reading a readable mapping", .offset = off,
					  .addr = reinterpret_cast<void *>(t_fault.addr), .signo = t_fault.signo });
			}
			const std::size_t first = (off - m.off) / cfg.page;
			mark_res(m, first, (off + n - 1 - m.off) / cfg.page - first + 1);
		}
	} else {
		u64 off;
		const u64 w = r_.below(100);
		if (w < 35)
			off = rs_ + r_.below(re_ - rs_);
		else if (w < 50)
			off = size - r_.between(1, std::min<u64>(size, 600));
		else
			off = r_.below(size);
		const std::size_t n = r_.chance(150) ? r_.between(1, sizeof(buf)) : r_.between(1, 512);
		const u64 want = std::min<u64>(n, size - off);
		const ssize_t ret = pread(f.fd, buf, n, static_cast<off_t>(off));
		if (ret < 0)
			diverge({ .what = "pread", .offset = off, .err = errno });
		else if (static_cast<u64>(ret) != want)
			diverge({ .what = "pread returned the wrong count", .offset = off, .expected = want,
				  .found = static_cast<u64>(ret) });
		else
			check_bytes(off, buf, want, "bytes read with pread()");
	}
	end();
}

/* Tagged words for [off, off + 8 * n) into @data, little-endian. */
void fill_tags(u64 *data, u64 off, std::size_t n, unsigned id, unsigned &seq)
{
	++seq;
	for (std::size_t j = 0; j < n; ++j)
		data[j] = le64(make_tag(off + 8 * j, id, seq));
}

void worker::op_write()
{
	const int s = pick_fd([](const file_slot &) { return true; });
	if (s < 0)
		return op_open();
	begin(OP_WRITE);
	file_slot &f = files_[s];
	const u64 size = cfg.size;
	u64 data[512];
	if (!f.writable()) {
		fill_tags(data, rs_, 1, id_, seq_);
		must_fail(write(f.fd, data, 8), { EBADF }, "write on an O_RDONLY file");
		end();
		return;
	}
	const auto seek = [&](u64 t) {
		const off_t ret = lseek(f.fd, static_cast<off_t>(t), SEEK_SET);
		if (ret != static_cast<off_t>(t)) {
			diverge({ .what = "lseek(SEEK_SET) within the buffer", .offset = t,
				  .err = ret < 0 ? errno : 0, .ret = static_cast<long>(ret) });
			return false;
		}
		f.pos = t;
		return true;
	};
	const u64 u = r_.below(100);
	const bool last = id_ + 1 == cfg.workers;
	if (u < 8) {
		if (seek(size)) {
			fill_tags(data, rs_, 1, id_, seq_);
			must_fail(write(f.fd, data, 8 * r_.between(1, 8)), { ENOSPC }, "write at the end",
				  size);
		}
	} else if (u < 14 && last) {
		const u64 k = 8 * r_.between(1, std::min<u64>(64, (re_ - rs_) / 8));
		const u64 n = k + 8 * r_.between(1, 64);
		const u64 off = size - k;
		if (seek(off)) {
			fill_tags(data, off, n / 8, id_, seq_);
			const ssize_t ret = write(f.fd, data, n);
			if (ret != static_cast<ssize_t>(k)) {
				diverge({ .what = "write crossing the end must be short", .offset = off,
					  .expected = k, .found = static_cast<u64>(ret), .err = ret < 0 ? errno : 0 });
				const off_t now = lseek(f.fd, 0, SEEK_CUR);
				f.pos = now < 0 ? 0 : static_cast<u64>(now);
			} else {
				for (u64 j = 0; j < k / 8; ++j)
					shadow(off + 8 * j) = le64(data[j]);
				f.pos = size;
			}
		}
	} else {
		const u64 off = rs_ + 8 * r_.below((re_ - rs_) / 8);
		const u64 room = (re_ - off) / 8;
		const std::size_t nw = std::min<u64>(r_.chance(50) ? r_.between(1, 512) : r_.between(1, 32), room);
		if (seek(off)) {
			fill_tags(data, off, nw, id_, seq_);
			const ssize_t ret = write(f.fd, data, nw * 8);
			if (ret != static_cast<ssize_t>(nw * 8)) {
				diverge({ .what = "write inside the buffer", .offset = off, .expected = nw * 8,
					  .found = static_cast<u64>(ret), .err = ret < 0 ? errno : 0 });
				const off_t now = lseek(f.fd, 0, SEEK_CUR);
				f.pos = now < 0 ? 0 : static_cast<u64>(now);
			} else {
				for (std::size_t j = 0; j < nw; ++j)
					shadow(off + 8 * j) = le64(data[j]);
				f.pos = off + nw * 8;
				if (r_.chance(200)) {
					u64 offs[4];
					const std::size_t k = std::min<std::size_t>(nw, 4);
					for (std::size_t j = 0; j < k; ++j)
						offs[j] = off + 8 * r_.below(nw);
					verify_words_via_read(offs, k);
				}
			}
		}
	}
	end();
}

/*
 * [off, off + n) of our region must hold what the shadow says, right after
 * a write that was refused or came back short. If not, say so and put the
 * shadow's bytes back, so that other workers do not trip over them.
 */
void worker::verify_own_range(int wfd, u64 off, std::size_t n, const char *what)
{
	const int s = pick_fd([](const file_slot &f) { return f.readable(); });
	if (s < 0)
		return;
	alignas(8) std::uint8_t buf[256];
	const ssize_t ret = pread(files_[s].fd, buf, n, static_cast<off_t>(off));
	if (ret != static_cast<ssize_t>(n)) {
		diverge({ .what = "pread after a refused write", .offset = off, .err = ret < 0 ? errno : 0,
			  .ret = static_cast<long>(ret) });
		return;
	}
	for (std::size_t i = 0; i < n; ++i) {
		if (buf[i] == shadow_byte(off + i))
			continue;
		const u64 wo = (off + i) & ~7ULL;
		u64 found = shadow(wo);
		for (unsigned j = 0; j < 8; ++j)
			if (wo + j >= off && wo + j < off + n)
				found = (found & ~(0xffULL << (8 * j))) |
					static_cast<u64>(buf[wo + j - off]) << (8 * j);
		diverge({ .what = what, .offset = wo, .expected = shadow(wo), .found = found });
		/* restore, whole words */
		const u64 lo = off & ~7ULL, hi = (off + n + 7) & ~7ULL;
		u64 words[40];
		for (u64 o = lo; o < hi; o += 8)
			words[(o - lo) / 8] = le64(shadow(o));
		if (pwrite(wfd, words, hi - lo, static_cast<off_t>(lo)) != static_cast<ssize_t>(hi - lo))
			diverge({ .what = "pwrite restoring the region after a refused write", .offset = lo,
				  .err = errno });
		return;
	}
}

/*
 * pwrite() from a source that faults: NULL, a PROT_NONE mapping (EFAULT,
 * nothing written), or a buffer whose tail runs into a PROT_NONE page (a
 * short write, or EFAULT if nothing could be copied). Bytes past what the
 * call reports written must not change.
 */
void worker::efault_write(file_slot &f)
{
	const u64 page = cfg.page;
	const u64 v = r_.below(3);
	const std::size_t n = 8 * r_.between(2, 16);
	const u64 off = rs_ + 8 * r_.below((re_ - rs_ - n) / 8 + 1);
	if (off + n > re_) {	/* a region of less than 128 bytes: cannot happen */
		cur_refused_ = true;
		return;
	}
	if (v == 0 || v == 1) {
		const int inone = pick_map([](const map_obj &m) { return m.prot == PROT_NONE; });
		const void *src = v == 1 && inone >= 0 ? static_cast<const void *>(maps_[static_cast<std::size_t>(inone)].addr)
						       : null_buffer;
		const char *what = src ? "pwrite from a PROT_NONE mapping" : "pwrite from a NULL buffer";
		if (must_fail(pwrite(f.fd, src, n, static_cast<off_t>(off)), { EFAULT }, what, off))
			verify_own_range(f.fd, off, n,
					 src ? "pwrite from a PROT_NONE mapping failed with EFAULT, "
					       "but the buffer changed"
					     : "pwrite from a NULL buffer failed with EFAULT, but the buffer changed");
		return;
	}
	/* valid bytes, then the PROT_NONE page */
	const std::size_t valid = 8 * r_.between(1, n / 8 - 1);
	std::byte *const src = edge_ + page - valid;
	u64 data[16];
	fill_tags(data, off, valid / 8, id_, seq_);
	std::memcpy(src, data, valid);
	const ssize_t ret = pwrite(f.fd, src, n, static_cast<off_t>(off));
	if (ret == -1 && errno == EFAULT) {
		cur_refused_ = true;
		verify_own_range(f.fd, off, n, "pwrite running into a PROT_NONE page failed with EFAULT, "
					       "but the buffer changed");
	} else if (ret <= 0 || static_cast<std::size_t>(ret) > valid) {
		diverge({ .what = "pwrite running into a PROT_NONE page: neither short nor EFAULT",
			  .offset = off, .err = ret < 0 ? errno : 0, .ret = static_cast<long>(ret) });
	} else {
		cur_refused_ = static_cast<std::size_t>(ret) < n;
		for (std::size_t i = 0; i < static_cast<std::size_t>(ret); ++i)
			set_shadow_byte(off + i, std::to_integer<std::uint8_t>(src[i]));
		verify_own_range(f.fd, off, n, "pwrite running into a PROT_NONE page came back short, "
					       "but changed bytes past what it wrote");
	}
}

void worker::op_pwrite()
{
	const int s = pick_fd([](const file_slot &) { return true; });
	if (s < 0)
		return op_open();
	begin(OP_PWRITE);
	file_slot &f = files_[s];
	const u64 size = cfg.size;
	u64 data[512];
	if (!f.writable()) {
		fill_tags(data, rs_, 1, id_, seq_);
		must_fail(pwrite(f.fd, data, 8, static_cast<off_t>(rs_)), { EBADF },
			  "pwrite on an O_RDONLY file", rs_);
		end();
		return;
	}
	u64 u = r_.below(100);
	const bool last = id_ + 1 == cfg.workers;
	int isrc = -1;
	if ((u >= 11 && u < 17 && cfg.no_efault_write) ||
	    (u >= 25 && u < 30 && !last)) {
		u = 50;
	} else if (u >= 17 && u < 25) {
		isrc = pick_map([this](const map_obj &m) {
			return (m.prot & PROT_READ) && m.off < re_ && m.end() > rs_;
		});
		if (isrc < 0)
			u = 50;
	}

	if (u < 6) {
		static const u64 past[] = { 0, 8, 4096, 1ULL << 20, 1ULL << 40 };
		const u64 off = size + past[r_.below(std::size(past))];
		fill_tags(data, rs_, 1, id_, seq_);
		must_fail(pwrite(f.fd, data, 8 * r_.between(1, 8), static_cast<off_t>(off)), { ENOSPC },
			  "pwrite at or past the end", off);
	} else if (u < 8) {
		const u64 off = size + 8 * r_.below(1024);
		const ssize_t ret = pwrite(f.fd, data, 0, static_cast<off_t>(off));
		if (ret != 0)
			diverge({ .what = "pwrite of 0 bytes at or past the end must return 0", .offset = off,
				  .err = ret < 0 ? errno : 0, .ret = static_cast<long>(ret) });
	} else if (u < 11) {
		fill_tags(data, rs_, 1, id_, seq_);
		must_fail(pwrite(f.fd, data, 8, r_.chance(500) ? -8 : INT64_MIN), { EINVAL },
			  "pwrite at a negative offset");
	} else if (u < 17) {
		efault_write(f);
	} else if (u < 25) {
		/* from a mapping of the same bytes: a copy onto itself */
		map_obj &m = maps_[static_cast<std::size_t>(isrc)];
		const u64 lo = std::max(m.off, rs_), hi = std::min(m.end(), re_);
		const u64 off = lo + 8 * r_.below((hi - lo) / 8);
		const std::size_t n = 8 * r_.between(1, std::min<u64>(64, (hi - off) / 8));
		const ssize_t ret = pwrite(f.fd, m.addr + (off - m.off), n, static_cast<off_t>(off));
		if (ret != static_cast<ssize_t>(n))
			diverge({ .what = "pwrite from a mapping of the same bytes", .offset = off,
				  .err = ret < 0 ? errno : 0, .ret = static_cast<long>(ret) });
		const std::size_t first = (off - m.off) / cfg.page;
		mark_res(m, first, (off + n - 1 - m.off) / cfg.page - first + 1);
		u64 offs[2] = { off, off + n - 8 };
		verify_words_via_read(offs, 2);
	} else if (u < 30) {
		const u64 k = 8 * r_.between(1, std::min<u64>(64, (re_ - rs_) / 8));
		const u64 n = k + 8 * r_.between(1, 64);
		const u64 off = size - k;
		fill_tags(data, off, n / 8, id_, seq_);
		const ssize_t ret = pwrite(f.fd, data, n, static_cast<off_t>(off));
		if (ret != static_cast<ssize_t>(k)) {
			diverge({ .what = "pwrite crossing the end must be short", .offset = off, .expected = k,
				  .found = static_cast<u64>(ret), .err = ret < 0 ? errno : 0 });
		} else {
			for (u64 j = 0; j < k / 8; ++j)
				shadow(off + 8 * j) = le64(data[j]);
		}
	} else {
		const u64 off = rs_ + 8 * r_.below((re_ - rs_) / 8);
		const u64 room = (re_ - off) / 8;
		const std::size_t nw = std::min<u64>(r_.chance(50) ? r_.between(1, 512) : r_.between(1, 32), room);
		fill_tags(data, off, nw, id_, seq_);
		const ssize_t ret = pwrite(f.fd, data, nw * 8, static_cast<off_t>(off));
		if (ret != static_cast<ssize_t>(nw * 8)) {
			diverge({ .what = "pwrite inside the buffer", .offset = off, .expected = nw * 8,
				  .found = static_cast<u64>(ret), .err = ret < 0 ? errno : 0 });
		} else {
			for (std::size_t j = 0; j < nw; ++j)
				shadow(off + 8 * j) = le64(data[j]);
			if (r_.chance(250)) {
				u64 offs[4];
				const std::size_t k = std::min<std::size_t>(nw, 4);
				for (std::size_t j = 0; j < k; ++j)
					offs[j] = off + 8 * r_.below(nw);
				verify_words_via_read(offs, k);
			}
		}
	}
	end();
}

void worker::op_lseek()
{
	const int s = pick_fd([](const file_slot &) { return true; });
	if (s < 0)
		return op_open();
	begin(OP_LSEEK);
	file_slot &f = files_[s];
	const auto size = static_cast<std::int64_t>(cfg.size);
	const auto pos = static_cast<std::int64_t>(f.pos);
	const u64 u = r_.below(100);
	std::int64_t target = 0;
	off_t ret;
	if (u < 20) {
		target = r_.chance(300) ? (r_.chance(500) ? 0 : size) : static_cast<std::int64_t>(r_.below(cfg.size + 1));
		ret = lseek(f.fd, target, SEEK_SET);
	} else if (u < 35) {
		target = static_cast<std::int64_t>(r_.below(cfg.size + 1));
		ret = lseek(f.fd, target - pos, SEEK_CUR);
	} else if (u < 50) {
		target = static_cast<std::int64_t>(r_.below(cfg.size + 1));
		ret = lseek(f.fd, target - size, SEEK_END);
	} else if (u < 62) {
		const std::int64_t off = r_.chance(500) ? size + 1 + static_cast<std::int64_t>(r_.below(1 << 20))
							: -1 - static_cast<std::int64_t>(r_.below(1 << 20));
		must_fail(lseek(f.fd, off, SEEK_SET), { EINVAL }, "lseek(SEEK_SET) outside [0, size]",
			  static_cast<u64>(off));
		end();
		return;
	} else if (u < 72) {
		const std::int64_t delta = r_.chance(500) ? size - pos + 1 + static_cast<std::int64_t>(r_.below(4096))
							  : -pos - 1 - static_cast<std::int64_t>(r_.below(4096));
		must_fail(lseek(f.fd, delta, SEEK_CUR), { EINVAL }, "lseek(SEEK_CUR) outside [0, size]",
			  static_cast<u64>(pos + delta));
		end();
		return;
	} else if (u < 82) {
		const std::int64_t delta = r_.chance(500) ? 1 + static_cast<std::int64_t>(r_.below(4096))
							  : -size - 1 - static_cast<std::int64_t>(r_.below(4096));
		must_fail(lseek(f.fd, delta, SEEK_END), { EINVAL }, "lseek(SEEK_END) outside [0, size]",
			  static_cast<u64>(size + delta));
		end();
		return;
	} else if (u < 92) {
		static const int whences[] = { SEEK_DATA, SEEK_HOLE, 5, 7, -1, 1 << 20 };
		must_fail(lseek(f.fd, 0, whences[r_.below(std::size(whences))]), { EINVAL },
			  "lseek with an unsupported whence");
		end();
		return;
	} else {
		target = pos;
		ret = lseek(f.fd, 0, SEEK_CUR);
	}
	if (ret != target) {
		diverge({ .what = "lseek to a position inside [0, size]", .expected = static_cast<u64>(target),
			  .found = static_cast<u64>(ret), .err = ret < 0 ? errno : 0 });
		const off_t now = lseek(f.fd, 0, SEEK_CUR);
		f.pos = now < 0 ? 0 : static_cast<u64>(now);
	} else {
		f.pos = static_cast<u64>(target);
	}
	if (r_.chance(300)) {
		const off_t now = lseek(f.fd, 0, SEEK_CUR);
		if (now != static_cast<off_t>(f.pos))
			diverge({ .what = "lseek(0, SEEK_CUR) is not where the file was left",
				  .expected = f.pos, .found = static_cast<u64>(now), .err = now < 0 ? errno : 0 });
	}
	end();
}

/* ---- ioctl, delete_module -------------------------------------------- */

void worker::check_info(file_slot &f)
{
	mapdrv_info in;
	std::memset(&in, 0xa5, sizeof(in));	/* the driver must fill every field */
	if (!must_work(ioctl(f.fd, MAPDRV_IOC_INFO, &in), "MAPDRV_IOC_INFO"))
		return;
	if (in.abi_version != MAPDRV_ABI_VERSION)
		diverge({ .what = "INFO abi_version", .expected = MAPDRV_ABI_VERSION, .found = in.abi_version });
	if (in.page_size != cfg.page)
		diverge({ .what = "INFO page_size", .expected = cfg.page, .found = in.page_size });
	if (in.size != cfg.size)
		diverge({ .what = "INFO size", .expected = cfg.size, .found = in.size });
	if (in.seed != cfg.pattern_seed)
		diverge({ .what = "INFO seed (nobody restamps)", .expected = cfg.pattern_seed, .found = in.seed });
	for (const auto r : in.reserved)
		if (r != 0) {
			diverge({ .what = "INFO reserved", .expected = 0, .found = r });
			break;
		}
	if (in.faults < last_faults_)
		diverge({ .what = "INFO faults went backwards", .expected = last_faults_, .found = in.faults });
	if (in.mmap_calls < last_mmap_calls_)
		diverge({ .what = "INFO mmap_calls went backwards", .expected = last_mmap_calls_,
			  .found = in.mmap_calls });
	last_faults_ = std::max<u64>(last_faults_, in.faults);
	last_mmap_calls_ = std::max<u64>(last_mmap_calls_, in.mmap_calls);
	if (in.live_vmas > INT32_MAX)
		diverge({ .what = "INFO live_vmas is negative", .expected = 0, .found = in.live_vmas });
	else if (in.live_vmas == 0 && !maps_.empty())
		diverge({ .what = "INFO live_vmas is 0 while this worker has mappings", .expected = 1,
			  .found = 0 });
	if (cfg.set_mode) {
		if (in.mode != f.mode)
			diverge({ .what = "INFO mode of this file", .expected = f.mode, .found = in.mode });
		if (in.window != f.window)
			diverge({ .what = "INFO window of this file", .expected = f.window, .found = in.window });
	}
}

void worker::op_info()
{
	const int s = pick_fd([](const file_slot &) { return true; });
	if (s < 0)
		return op_open();
	begin(OP_INFO);
	file_slot &f = files_[s];
	const u64 u = r_.below(100);
	if (u < 8)
		must_fail(ioctl(f.fd, MAPDRV_IOC_INFO, nullptr), { EFAULT }, "MAPDRV_IOC_INFO to NULL");
	else if (u < 12)
		must_fail(ioctl(f.fd, MAPDRV_IOC_INFO, ro_page_), { EFAULT },
			  "MAPDRV_IOC_INFO to a read-only buffer");
	else
		check_info(f);
	end();
}

void worker::op_ioctl()
{
	const int s = pick_fd([](const file_slot &) { return true; });
	if (s < 0)
		return op_open();
	begin(OP_IOCTL);
	/*
	 * Types no generic (VFS) ioctl uses, so the driver decides: ours with
	 * another number, size or direction, and a few unused ones.
	 */
	static const unsigned types[] = { MAPDRV_IOC_MAGIC, 0xb6, 0xb8, 0xe1, 0x7a, 0xfe };
	static const unsigned sizes[] = { 0, 8, 16, 72, 80, 88, 4096 };
	unsigned cmd;
	do {
		const unsigned dir = static_cast<unsigned>(r_.below(4));
		if (r_.chance(500)) {
			const unsigned size = r_.chance(700) ? sizes[r_.below(std::size(sizes))]
							    : static_cast<unsigned>(r_.below(1U << 14));
			cmd = _IOC(dir, MAPDRV_IOC_MAGIC, static_cast<unsigned>(r_.below(5)), size);
		} else {
			cmd = _IOC(dir, types[r_.below(std::size(types))], static_cast<unsigned>(r_.below(256)),
				   static_cast<unsigned>(r_.below(1U << 14)));
		}
	} while (cmd == MAPDRV_IOC_INFO || cmd == MAPDRV_IOC_RESTAMP || cmd == MAPDRV_IOC_SET_MODE);

	alignas(8) unsigned char canary[256];
	std::memset(canary, 0x5a, sizeof(canary));
	const u64 u = r_.below(100);
	unsigned long arg = reinterpret_cast<unsigned long>(canary);
	if (u >= 70 && u < 85)
		arg = 0;
	else if (u >= 85)
		arg = r_.below(1ULL << 32);
	if (must_fail(ioctl(files_[s].fd, cmd, arg), { ENOTTY }, "unknown ioctl") && u < 70)
		for (const unsigned char c : canary)
			if (c != 0x5a) {
				diverge({ .what = "an unknown ioctl wrote into its argument",
					  .expected = 0x5a, .found = c });
				break;
			}
	end();
}

void worker::op_restamp()
{
	const int s = pick_fd([](const file_slot &) { return true; });
	if (s < 0)
		return op_open();
	begin(OP_RESTAMP);
	file_slot &f = files_[s];
	mapdrv_restamp rq{};
	rq.seed = cfg.pattern_seed;
	const u64 u = r_.below(100);
	if (!f.writable()) {
		/* a valid request, refused because the file is read-only */
		if (u < 70) {
			rq.flags = r_.chance(500) ? MAPDRV_RESTAMP_SET_SEED : 0;
			must_fail(ioctl(f.fd, MAPDRV_IOC_RESTAMP, &rq), { EBADF },
				  "MAPDRV_IOC_RESTAMP on an O_RDONLY file");
		} else {
			rq.flags = 1U << r_.between(1, 31);
			must_fail(ioctl(f.fd, MAPDRV_IOC_RESTAMP, &rq), { EBADF, EINVAL },
				  "MAPDRV_IOC_RESTAMP with unknown flags on an O_RDONLY file");
		}
	} else if (u < 40) {
		rq.flags = (1U << r_.between(1, 31)) | (r_.chance(500) ? MAPDRV_RESTAMP_SET_SEED : 0);
		must_fail(ioctl(f.fd, MAPDRV_IOC_RESTAMP, &rq), { EINVAL },
			  "MAPDRV_IOC_RESTAMP with unknown flags");
	} else if (u < 75) {
		rq.flags = r_.chance(500) ? MAPDRV_RESTAMP_SET_SEED : 0;
		rq.reserved = static_cast<u32>(r_.between(1, UINT32_MAX));
		must_fail(ioctl(f.fd, MAPDRV_IOC_RESTAMP, &rq), { EINVAL },
			  "MAPDRV_IOC_RESTAMP with reserved != 0");
	} else {
		must_fail(ioctl(f.fd, MAPDRV_IOC_RESTAMP, nullptr), { EFAULT },
			  "MAPDRV_IOC_RESTAMP from NULL");
	}
	end();
}

void worker::op_set_mode()
{
	if (!cfg.set_mode)
		return op_info();
	int s = -1;
	if (r_.chance(700))	/* mostly files that may change mode */
		s = pick_fd([](const file_slot &f) { return f.nmaps == 0; });
	if (s < 0)
		s = pick_fd([](const file_slot &) { return true; });
	if (s < 0)
		return op_open();
	begin(OP_SET_MODE);
	file_slot &f = files_[s];
	/* busy: mappings of ours; or copies in a sibling's child forked before our last munmap */
	const bool busy = f.nmaps > 0;
	bool maybe_busy = false;
	for (unsigned t = 0; t < cfg.threads && !busy && f.zero_mark; ++t) {
		const u64 live = g_fork_live[t].load();
		if (t != tix_ && live && live <= f.zero_mark)
			maybe_busy = true;
	}
	mapdrv_mode rq{};
	const u64 u = r_.below(100);
	if (u < 65) {
		rq.mode = static_cast<u32>(r_.below(MAPDRV_MODE_COUNT));
		rq.window = r_.chance(300) ? 0 : 1U << r_.below(10);
		const int ret = ioctl(f.fd, MAPDRV_IOC_SET_MODE, &rq);
		if (busy) {
			must_fail(ret, { EBUSY }, "MAPDRV_IOC_SET_MODE on a file with mappings");
		} else if (maybe_busy && ret == -1 && errno == EBUSY) {
			cur_refused_ = true;	/* a sibling's child still maps it */
		} else if (must_work(ret, "MAPDRV_IOC_SET_MODE on a file without mappings")) {
			f.mode = rq.mode;
			if (rq.window)
				f.window = rq.window;
		}
	} else if (u < 90) {
		static const u32 bad_modes[] = { MAPDRV_MODE_COUNT, MAPDRV_MODE_COUNT + 1, 0x7fffffff, 0xffffffff };
		static const u32 bad_windows[] = { 3, 5, 6, 12, 100, MAPDRV_WINDOW_MAX + 1,
						   MAPDRV_WINDOW_MAX * 2, 1U << 20, 0xffffffff };
		rq.mode = static_cast<u32>(r_.below(MAPDRV_MODE_COUNT));
		rq.window = 1U << r_.below(10);
		const char *what;
		switch (r_.below(3)) {
		case 0:
			rq.mode = bad_modes[r_.below(std::size(bad_modes))];
			what = "MAPDRV_IOC_SET_MODE with an unknown mode";
			break;
		case 1:
			rq.window = bad_windows[r_.below(std::size(bad_windows))];
			what = "MAPDRV_IOC_SET_MODE with a bad window";
			break;
		default:
			rq.reserved = r_.chance(500) ? 1 : 1ULL << 63;
			what = "MAPDRV_IOC_SET_MODE with reserved != 0";
			break;
		}
		must_fail(ioctl(f.fd, MAPDRV_IOC_SET_MODE, &rq),
			  busy || maybe_busy ? errset{ EINVAL, EBUSY } : errset{ EINVAL }, what);
	} else {
		must_fail(ioctl(f.fd, MAPDRV_IOC_SET_MODE, nullptr),
			  busy || maybe_busy ? errset{ EFAULT, EBUSY } : errset{ EFAULT },
			  "MAPDRV_IOC_SET_MODE from NULL");
	}
	if (r_.chance(300))
		check_info(f);
	end();
}

void worker::op_unload()
{
	if (open_count() == 0 && maps_.empty())
		return op_open();
	begin(OP_UNLOAD);
	cfg.sh->unload_attempts.fetch_add(1);
	/* We hold the device open or mapped: the module is pinned. */
	const long ret = syscall(SYS_delete_module, module_name, O_NONBLOCK);
	if (ret == 0) {
		diverge({ .what = "delete_module succeeded while this worker holds the device", .ret = 0 });
		cfg.sh->stop.store(1);
	} else if (must_fail(ret, { EWOULDBLOCK, EBUSY },
			     "delete_module while this worker holds the device")) {
		cfg.sh->unload_refused.fetch_add(1);
	}
	end();
}

/* ---- the end of a worker ---------------------------------------------- */

void worker::teardown()
{
	for (const map_obj &m : maps_)
		munmap(m.addr, m.len);
	maps_.clear();
	for (file_slot &f : files_) {
		if (f.fd >= 0)
			::close(f.fd);
		f = file_slot{};
	}
}

/* The whole region, read with pread(), must be exactly the shadow. */
void worker::final_check()
{
	cur_op_ = OP_PREAD;
	const int fd = ::open(cfg.device.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diverge({ .what = "open for the final check of the region", .err = errno });
		return;
	}
	std::vector<std::uint8_t> buf(64 * 1024);
	for (u64 off = rs_; off < re_;) {
		const std::size_t n = std::min<u64>(buf.size(), re_ - off);
		const ssize_t ret = pread(fd, buf.data(), n, static_cast<off_t>(off));
		if (ret != static_cast<ssize_t>(n)) {
			diverge({ .what = "pread for the final check of the region", .offset = off,
				  .err = ret < 0 ? errno : 0, .ret = static_cast<long>(ret) });
			break;
		}
		if (!check_bytes(off, buf.data(), n, "final check of the worker's region"))
			break;
		off += n;
	}
	::close(fd);
}

/* ------------------------------------------------------------------ */
/* The supervisor                                                      */

extern "C" void on_stop_signal(int)
{
	if (cfg.sh)
		cfg.sh->stop.store(1);
}

void install_handlers()
{
	struct sigaction sa {};
	sa.sa_sigaction = on_fault;
	sa.sa_flags = static_cast<int>(SA_SIGINFO | SA_NODEFER);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, nullptr) < 0 || sigaction(SIGBUS, &sa, nullptr) < 0)
		throw std::system_error(errno, std::generic_category(), "sigaction");
	struct sigaction st {};
	st.sa_handler = on_stop_signal;
	sigemptyset(&st.sa_mask);
	if (sigaction(SIGINT, &st, nullptr) < 0 || sigaction(SIGTERM, &st, nullptr) < 0)
		throw std::system_error(errno, std::generic_category(), "sigaction");
}

void supervisor_divergence(const char *op, const char *what, std::optional<u64> offset = {},
			   std::optional<u64> expected = {}, std::optional<u64> found = {}, int err = 0)
{
	divergence d{};
	d.op = op;
	d.what = what;
	d.worker = -1;
	if (offset) {
		d.has_offset = 1;
		d.offset = *offset;
	}
	if (expected && found) {
		d.has_values = 1;
		d.expected = *expected;
		d.found = *found;
	}
	d.err = err;
	record_divergence(d, true);
}

/* Thread body: one worker. */
void worker_thread(unsigned id)
{
	try {
		worker w(id);
		w.run();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "%s: worker %u: %s\n", prog, id, e.what());
		supervisor_divergence("setup", "a worker failed outside the oracle (see above)");
	}
}

/* A worker process: its threads, then _exit (no atexit, no stdio flush). */
[[noreturn]] void worker_process(unsigned p)
{
	int status = 0;
	try {
		std::vector<std::thread> threads;
		for (unsigned t = 0; t < cfg.threads; ++t)
			threads.emplace_back(worker_thread, p * cfg.threads + t);
		for (std::thread &t : threads)
			t.join();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "%s: worker process %u: %s\n", prog, p, e.what());
		status = exit_device;
	}
	_exit(status);
}

struct run_result {
	double seconds = 0;
	std::string set_mode_note;
	std::string populate_note;
	u64 restored_words = 0;
	bool unload_requested = false;
	std::vector<std::string> excluded;
	std::optional<bool> final_unload;
	std::string final_unload_note;
	mapdrv_info info_before{};
	mapdrv_info info_after{};
};

/* pread() the whole buffer: call @fn(off, word) on every word. */
template <class Fn> void for_each_word(int fd, Fn fn)
{
	std::vector<std::uint8_t> buf(1 << 20);
	for (u64 off = 0; off < cfg.size;) {
		const std::size_t n = std::min<u64>(buf.size(), cfg.size - off);
		const ssize_t ret = pread(fd, buf.data(), n, static_cast<off_t>(off));
		if (ret != static_cast<ssize_t>(n))
			throw std::system_error(ret < 0 ? errno : EIO, std::generic_category(),
						"pread of the buffer at " + hex(off));
		for (std::size_t i = 0; i < n; i += 8) {
			u64 v;
			std::memcpy(&v, buf.data() + i, 8);
			fn(off + i, le64(v));
		}
		off += n;
	}
}

/* Write the pattern over every word that lacks it, a chunk at a time; the count of words. */
u64 restore_pattern(int fd)
{
	std::vector<u64> buf((1 << 20) / 8);
	u64 bad = 0;
	for (u64 off = 0; off < cfg.size;) {
		const std::size_t n = std::min<u64>(buf.size() * 8, cfg.size - off);
		if (pread(fd, buf.data(), n, static_cast<off_t>(off)) != static_cast<ssize_t>(n))
			throw std::system_error(errno, std::generic_category(), "pread of the buffer at " + hex(off));
		u64 fixed = 0;
		for (std::size_t i = 0; i < n / 8; ++i) {
			const u64 want = le64(pattern(off + 8 * i));
			if (buf[i] != want) {
				buf[i] = want;
				++fixed;
			}
		}
		if (fixed && pwrite(fd, buf.data(), n, static_cast<off_t>(off)) != static_cast<ssize_t>(n))
			throw std::system_error(errno, std::generic_category(), "pwrite of the pattern at " + hex(off));
		bad += fixed;
		off += n;
	}
	return bad;
}

long delete_module_nonblock()
{
	return syscall(SYS_delete_module, module_name, O_NONBLOCK);
}

void print_header(const options &opt, const run_result &rr)
{
	std::printf("%s %.*s: seed %s (replay with --seed %s)\n", prog,
		    static_cast<int>(version().size()), version().data(), hex(cfg.seed).c_str(),
		    hex(cfg.seed).c_str());
	std::printf("device:        %s, %" PRIu64 " bytes (%" PRIu64 " pages of %" PRIu64
		    "), pattern seed %s\n", cfg.device.c_str(), cfg.size, cfg.npages, cfg.page,
		    hex(cfg.pattern_seed).c_str());
	std::printf("workers:       %u processes x %u threads = %u, regions of %" PRIu64
		    " pages (the last one to the end)\n", cfg.procs, cfg.threads, cfg.workers,
		    cfg.region / cfg.page);
	std::printf("limit:         ");
	if (opt.seconds)
		std::printf("%g s", *opt.seconds);
	if (opt.seconds && opt.ops)
		std::printf(" or ");
	if (opt.ops)
		std::printf("%" PRIu64 " operations", *opt.ops);
	std::printf(", whichever comes first%s\n", opt.keep_going ? "" : ", or the first divergence");
	std::printf("SET_MODE:      %s\n", rr.set_mode_note.c_str());
	std::printf("MADV_POPULATE: %s\n", rr.populate_note.c_str());
	if (!opt.exclude.empty()) {
		std::printf("excluded:     ");
		for (const std::string &name : opt.exclude)
			std::printf(" %s", name.c_str());
		std::printf("\n");
	}
	if (rr.restored_words)
		std::printf("note:          %" PRIu64 " words did not hold the pattern at start "
			    "(left by an earlier run?); stamped back through write()\n", rr.restored_words);
}

op_counts total_counts(unsigned op)
{
	op_counts c{};
	for (unsigned w = 0; w < cfg.workers; ++w) {
		const op_counts &x = cfg.sh->workers[w].ops[op];
		c.attempted += x.attempted;
		c.ok += x.ok;
		c.refused += x.refused;
		c.diverged += x.diverged;
		c.unsupported += x.unsupported;
	}
	return c;
}

void print_text(const run_result &rr)
{
	const shared_state *const sh = cfg.sh;
	u64 total = 0;
	std::printf("\n%-10s %12s %12s %12s %9s\n", "operation", "attempted", "ok", "refused", "diverged");
	for (unsigned op = 0; op < OP_COUNT; ++op) {
		const op_counts c = total_counts(op);
		total += c.attempted;
		if (c.attempted == 0 && ((op == OP_SET_MODE && !cfg.set_mode) || (op == OP_UNLOAD && !cfg.unload)))
			continue;
		std::printf("%-10s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %9" PRIu64 "\n", op_names[op],
			    c.attempted, c.ok, c.refused, c.diverged);
	}
	u64 child_writes = 0;
	for (unsigned w = 0; w < cfg.workers; ++w)
		child_writes += sh->workers[w].child_writes;
	std::printf("%-10s %12" PRIu64 "\n", "total", total);
	std::printf("\n(refused: failed with the documented errno, or a deliberate fault took "
		    "SIGSEGV; forked children wrote %" PRIu64 " words)\n", child_writes);
	std::printf("elapsed:       %.3f s, %.0f operations/s (under emulation speed means nothing)\n",
		    rr.seconds, rr.seconds > 0 ? static_cast<double>(total) / rr.seconds : 0.0);
	std::printf("driver:        faults %" PRIu64 " -> %" PRIu64 ", mmap calls %" PRIu64 " -> %" PRIu64
		    ", live VMAs %" PRIu64 " -> %" PRIu64 "\n",
		    static_cast<u64>(rr.info_before.faults), static_cast<u64>(rr.info_after.faults),
		    static_cast<u64>(rr.info_before.mmap_calls), static_cast<u64>(rr.info_after.mmap_calls),
		    static_cast<u64>(rr.info_before.live_vmas), static_cast<u64>(rr.info_after.live_vmas));
	if (rr.unload_requested) {
		std::printf("unload:        %" PRIu64 " attempts while held, %" PRIu64 " refused as expected\n",
			    sh->unload_attempts.load(), sh->unload_refused.load());
		std::printf("final unload:  %s\n", rr.final_unload_note.c_str());
	}
	std::printf("divergences:   %" PRIu64 "\n", sh->divergences.load());
	if (sh->first_ready.load())
		std::printf("first:         %s\n", describe(sh->first).c_str());
	std::printf("seed:          %s\n", hex(cfg.seed).c_str());
	const bool ok = sh->divergences.load() == 0 && (!rr.unload_requested || rr.final_unload.value_or(false));
	std::printf("result: %s\n", ok ? "OK" : sh->divergences.load() ? "DIVERGENCE" : "FINAL UNLOAD FAILED");
}

void print_json(const run_result &rr)
{
	const shared_state *const sh = cfg.sh;
	u64 total = 0;
	std::string by_type = "{", details = "{";
	for (unsigned op = 0; op < OP_COUNT; ++op) {
		const op_counts c = total_counts(op);
		total += c.attempted;
		by_type += fmt("%s\"%s\":%" PRIu64, op ? "," : "", op_names[op], c.attempted);
		details += fmt("%s\"%s\":{\"attempted\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"refused\":%" PRIu64
			       ",\"diverged\":%" PRIu64 ",\"unsupported\":%" PRIu64 "}",
			       op ? "," : "", op_names[op], c.attempted, c.ok, c.refused, c.diverged,
			       c.unsupported);
	}
	by_type += "}";
	details += "}";
	u64 child_writes = 0;
	for (unsigned w = 0; w < cfg.workers; ++w)
		child_writes += sh->workers[w].child_writes;

	std::string out = "{";
	out += "\"seed\":" + json_string(hex(cfg.seed));
	out += ",\"device\":" + json_string(cfg.device);
	out += fmt(",\"size\":%" PRIu64 ",\"page_size\":%" PRIu64, cfg.size, cfg.page);
	out += ",\"pattern_seed\":" + json_string(hex16(cfg.pattern_seed));
	out += fmt(",\"procs\":%u,\"threads\":%u,\"workers\":%u", cfg.procs, cfg.threads, cfg.workers);
	out += fmt(",\"region_pages\":%" PRIu64, cfg.region / cfg.page);
	out += std::string(",\"set_mode\":") + (cfg.set_mode ? "true" : "false");
	out += std::string(",\"madv_populate\":") + (cfg.populate ? "true" : "false");
	out += fmt(",\"restored_words_at_start\":%" PRIu64, rr.restored_words);
	out += ",\"excluded\":[";
	for (std::size_t i = 0; i < rr.excluded.size(); ++i)
		out += (i ? "," : "") + json_string(rr.excluded[i]);
	out += "]";
	out += fmt(",\"seconds\":%.3f,\"ops\":%" PRIu64, rr.seconds, total);
	out += fmt(",\"ops_per_second\":%.0f", rr.seconds > 0 ? static_cast<double>(total) / rr.seconds : 0.0);
	out += fmt(",\"divergences\":%" PRIu64, sh->divergences.load());
	out += ",\"ops_by_type\":" + by_type;
	out += ",\"op_details\":" + details;
	out += fmt(",\"child_writes\":%" PRIu64, child_writes);
	out += fmt(",\"driver\":{\"faults_before\":%" PRIu64 ",\"faults_after\":%" PRIu64
		   ",\"mmap_calls_before\":%" PRIu64 ",\"mmap_calls_after\":%" PRIu64
		   ",\"live_vmas_before\":%" PRIu64 ",\"live_vmas_after\":%" PRIu64 "}",
		   static_cast<u64>(rr.info_before.faults), static_cast<u64>(rr.info_after.faults),
		   static_cast<u64>(rr.info_before.mmap_calls), static_cast<u64>(rr.info_after.mmap_calls),
		   static_cast<u64>(rr.info_before.live_vmas), static_cast<u64>(rr.info_after.live_vmas));
	out += fmt(",\"unload_attempts\":%" PRIu64 ",\"unload_refused\":%" PRIu64,
		   sh->unload_attempts.load(), sh->unload_refused.load());
	if (!rr.unload_requested)
		out += ",\"final_unload\":null";
	else
		out += std::string(",\"final_unload\":") + (rr.final_unload.value_or(false) ? "true" : "false");
	if (sh->first_ready.load()) {
		const divergence &d = sh->first;
		out += ",\"first_divergence\":{\"op\":" + json_string(d.op) +
		       ",\"what\":" + json_string(d.what) + fmt(",\"worker\":%d,\"in_child\":%s,\"opno\":%" PRIu64,
								 d.worker, d.in_child ? "true" : "false", d.opno);
		out += d.has_offset ? ",\"offset\":" + json_string(hex(d.offset)) : ",\"offset\":null";
		if (d.has_values)
			out += ",\"expected\":" + json_string(hex16(d.expected)) +
			       ",\"found\":" + json_string(hex16(d.found));
		out += d.err ? ",\"errno\":" + json_string(errno_name(d.err)) : ",\"errno\":null";
		out += ",\"text\":" + json_string(describe(d)) + "}";
	} else {
		out += ",\"first_divergence\":null";
	}
	const bool ok = sh->divergences.load() == 0 && (!rr.unload_requested || rr.final_unload.value_or(false));
	out += std::string(",\"ok\":") + (ok ? "true" : "false");
	out += "}\n";
	std::fputs(out.c_str(), stdout);
}

int run(const options &opt)
{
	run_result rr;
	rr.unload_requested = opt.unload;
	rr.excluded = opt.exclude;
	for (const std::string &name : opt.exclude) {
		if (name == "efault-write") {
			cfg.no_efault_write = true;
			continue;
		}
		const auto it = std::find_if(std::begin(op_names), std::end(op_names),
					     [&](const char *n) { return name == n; });
		if (it == std::end(op_names))
			throw usage_error("--exclude: unknown name '" + name +
					  "' (an operation of the summary, or efault-write)");
		cfg.excluded[it - std::begin(op_names)] = true;
	}

	/* Shared with every worker process: counters, flags, the first divergence. */
	void *shm = mmap(nullptr, sizeof(shared_state), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			 -1, 0);
	if (shm == MAP_FAILED)
		throw std::system_error(errno, std::generic_category(), "mmap of the shared state");
	cfg.sh = new (shm) shared_state();

	cfg.seed = opt.seed.value_or(0);
	if (!opt.seed) {
		u64 x = static_cast<u64>(std::chrono::system_clock::now().time_since_epoch().count()) ^
			(static_cast<u64>(getpid()) << 40);
		cfg.seed = rng::splitmix(x);
	}
	if (opt.json)
		std::fprintf(stderr, "%s: seed %s\n", prog, hex(cfg.seed).c_str());

	std::optional<mapdrv::device> dev;
	dev.emplace(opt.device, O_RDWR | O_CLOEXEC);
	const mapdrv_info info = dev->checked_info();
	for (const auto r : info.reserved)
		if (r != 0)
			throw device_problem(opt.device + ": MAPDRV_IOC_INFO: reserved field not zero");

	cfg.device = opt.device;
	cfg.size = info.size;
	cfg.page = info.page_size;
	cfg.npages = info.size / info.page_size;
	cfg.pattern_seed = info.seed;
	cfg.procs = opt.procs;
	cfg.threads = opt.threads;
	cfg.workers = opt.procs * opt.threads;
	cfg.unload = opt.unload;
	cfg.keep_going = opt.keep_going;
	cfg.verbose = opt.verbose;
	if (opt.ops)
		cfg.ops_limit = *opt.ops;
	if (cfg.page != static_cast<u64>(sysconf(_SC_PAGESIZE)))
		throw device_problem(opt.device + ": driver page size " + std::to_string(cfg.page) +
				     " is not this process's");
	if (cfg.size > MAPDRV_SIZE_MAX)
		throw device_problem(opt.device + ": size " + std::to_string(cfg.size) + " is over " +
				     std::to_string(MAPDRV_SIZE_MAX));
	if (cfg.workers > cfg.npages)
		throw usage_error(fmt("--procs x --threads = %u workers need a page each; the buffer has %" PRIu64
				      " pages", cfg.workers, cfg.npages));
	cfg.region = cfg.npages / cfg.workers * cfg.page;
	const unsigned top = static_cast<unsigned>((MAPDRV_PATTERN_MAGIC ^ cfg.pattern_seed) >> 56);
	cfg.marker = top == 0xa5 ? 0x5a : 0xa5;	/* never the top byte of a pattern word */

	/* delete_module must be refused now: we hold the device open. */
	if (opt.unload) {
		if (access("/sys/module/" MAPDRV_DEVICE_NAME, F_OK) != 0)
			throw device_problem("--unload: module " + std::string(module_name) +
					     " is not loaded as a module (no /sys/module/" + module_name + ")");
		const long ret = delete_module_nonblock();
		if (ret == 0)
			throw device_problem("--unload: delete_module succeeded while " + opt.device +
					     " was open: the module is gone");
		const int err = errno;
		if (err == EPERM)
			throw device_problem("--unload: delete_module: " + errno_name(err) +
					     " (needs CAP_SYS_MODULE, and modules not disabled)");
		if (err != EWOULDBLOCK && err != EBUSY)
			throw device_problem("--unload: delete_module while open: " + errno_name(err) +
					     ", expected EWOULDBLOCK or EBUSY");
		cfg.sh->unload_attempts.fetch_add(1);
		cfg.sh->unload_refused.fetch_add(1);
	}

	/* MAPDRV_IOC_SET_MODE: present, or ENOTTY from a driver without it. */
	{
		mapdrv_mode m{};
		m.mode = MAPDRV_MODE_FAULT;
		if (ioctl(dev->fd(), MAPDRV_IOC_SET_MODE, &m) == 0) {
			cfg.set_mode = true;
			cfg.default_mode = info.mode;
			cfg.default_window = info.window;
			rr.set_mode_note = fmt("yes (new files start in mode %u, window %u)", info.mode, info.window);
			if (info.mode >= MAPDRV_MODE_COUNT || info.window == 0 || info.window > MAPDRV_WINDOW_MAX ||
			    (info.window & (info.window - 1)))
				supervisor_divergence("setup", "INFO of a new file: invalid mode or window",
						      {}, MAPDRV_MODE_COUNT, info.mode);
		} else if (errno == ENOTTY) {
			rr.set_mode_note = "no (ENOTTY: this driver has no MAPDRV_IOC_SET_MODE; left out)";
		} else {
			const int err = errno;
			rr.set_mode_note = "no (" + errno_name(err) + ": left out)";
			supervisor_divergence("setup", "MAPDRV_IOC_SET_MODE(FAULT) on a fresh file", {}, {}, {}, err);
		}
	}

	/* MADV_POPULATE_READ/WRITE: Linux 5.14. Ask with an anonymous page. */
	{
		void *p = mmap(nullptr, cfg.page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			throw std::system_error(errno, std::generic_category(), "mmap");
		cfg.populate = madvise(p, cfg.page, MADV_POPULATE_READ) == 0;
		rr.populate_note = cfg.populate ? "yes" : "no (" + errno_name(errno) +
							  ": kernel older than 5.14; left out)";
		munmap(p, cfg.page);
	}

	/* Every word must start as the pattern (a crashed earlier run may have left tags). */
	rr.restored_words = restore_pattern(dev->fd());
	rr.info_before = dev->info();

	install_handlers();
	if (!opt.json)
		print_header(opt, rr);
	flush_stdout();
	std::fflush(stderr);

	const auto t0 = std::chrono::steady_clock::now();
	if (opt.seconds)
		cfg.deadline = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
					    std::chrono::duration<double>(*opt.seconds));

	std::vector<pid_t> pids;
	for (unsigned p = 0; p < cfg.procs; ++p) {
		const pid_t pid = fork();
		if (pid < 0) {
			const int err = errno;
			cfg.sh->stop.store(1);
			for (const pid_t q : pids)
				waitpid(q, nullptr, 0);
			throw std::system_error(err, std::generic_category(), "fork");
		}
		if (pid == 0)
			worker_process(p);
		pids.push_back(pid);
	}

	/* Wait; a worker that outlives the deadline by far is hung (in the driver?). */
	const auto grace = std::chrono::duration<double>(60.0 + 0.25 * opt.seconds.value_or(0));
	auto next_progress = t0 + std::chrono::seconds(10);
	bool killed = false;
	std::size_t left = pids.size();
	while (left) {
		int status = 0;
		const pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno != EINTR)
			throw std::system_error(errno, std::generic_category(), "waitpid");
		if (pid > 0) {
			--left;
			if (WIFSIGNALED(status) && !killed)
				supervisor_divergence("worker", "a worker process was killed by a signal", {}, 0,
						      static_cast<u64>(WTERMSIG(status)));
			else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
				supervisor_divergence("worker", "a worker process failed", {}, 0,
						      static_cast<u64>(WEXITSTATUS(status)));
			continue;
		}
		print_first_if_pending();
		const auto now = std::chrono::steady_clock::now();
		if (opt.verbose && now >= next_progress) {
			std::fprintf(stderr, "%s: %.0f s: %" PRIu64 " operations, %" PRIu64 " divergences\n", prog,
				     std::chrono::duration<double>(now - t0).count(),
				     std::min(cfg.sh->ops_claimed.load(), cfg.ops_limit), cfg.sh->divergences.load());
			next_progress += std::chrono::seconds(10);
		}
		if (cfg.deadline && !killed && now > *cfg.deadline + std::chrono::duration_cast<std::chrono::steady_clock::duration>(grace)) {
			std::fprintf(stderr, "%s: workers still running %.0f s after the deadline: hung; killing them\n",
				     prog, grace.count());
			supervisor_divergence("worker", "workers hung (still running long after the deadline)");
			for (const pid_t q : pids)
				kill(q, SIGKILL);
			killed = true;
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, nullptr);
	}
	const auto t1 = std::chrono::steady_clock::now();
	rr.seconds = std::chrono::duration<double>(t1 - t0).count();
	print_first_if_pending();

	for (unsigned w = 0; w < cfg.workers; ++w)
		if (!cfg.sh->workers[w].finished && !killed)
			supervisor_divergence("worker", "a worker did not finish its final region check", {}, 1, 0);

	/* Everything closed and unmapped: the driver's counters must agree. */
	rr.info_after = dev->info();
	if (rr.info_after.live_vmas != rr.info_before.live_vmas)
		supervisor_divergence("final", "the driver's live VMA count did not come back "
				      "(was another process using the device?)", {},
				      rr.info_before.live_vmas, rr.info_after.live_vmas);
	u64 mmaps = 0;
	for (unsigned w = 0; w < cfg.workers; ++w)
		mmaps += cfg.sh->workers[w].mmaps_ok;
	if (rr.info_after.mmap_calls - rr.info_before.mmap_calls != mmaps)
		supervisor_divergence("final", "the driver's mmap_calls grew by other than the successful "
				      "mmap() calls (was another process using the device?)", {},
				      mmaps, rr.info_after.mmap_calls - rr.info_before.mmap_calls);
	if (rr.info_after.seed != cfg.pattern_seed)
		supervisor_divergence("final", "the seed changed", {}, cfg.pattern_seed, rr.info_after.seed);

	/* Every word: the pattern, or a tag of its region's owner. Then the pattern again. */
	u64 bad = 0;
	for_each_word(dev->fd(), [&](u64 off, u64 v) {
		if (v == pattern(off) || is_tag_for(v, off))
			return;
		/* a short write may leave a word part tag, part pattern */
		for (unsigned j = 0; j < 8; ++j)
			if (!foreign_byte_ok(off, j, static_cast<std::uint8_t>(v >> (8 * j)))) {
				if (bad++ == 0)
					supervisor_divergence("final", "a word of the buffer is neither the "
							      "pattern nor its owner's tag", off, pattern(off), v);
				break;
			}
	});
	restore_pattern(dev->fd());
	for_each_word(dev->fd(), [&](u64 off, u64 v) {
		if (v != pattern(off) && bad++ == 0)
			supervisor_divergence("final", "the pattern did not stick", off, pattern(off), v);
	});
	dev.reset();	/* closed: nothing of ours holds the module any more */

	if (opt.unload) {
		/* Children were reaped and every file closed: no reason to wait, but be fair to RCU. */
		long ret = -1;
		int err = 0, tries = 0;
		for (; tries < 50; ++tries) {
			ret = delete_module_nonblock();
			if (ret == 0)
				break;
			err = errno;
			if (err != EWOULDBLOCK && err != EBUSY)
				break;
			struct timespec ts = { 0, 100 * 1000 * 1000 };
			nanosleep(&ts, nullptr);
		}
		if (ret != 0) {
			rr.final_unload = false;
			rr.final_unload_note = "FAILED: delete_module: " + errno_name(err);
		} else if (opt.device == mapdrv::default_device_path && access(opt.device.c_str(), F_OK) == 0) {
			rr.final_unload = false;
			rr.final_unload_note = "FAILED: " + opt.device + " still exists after the unload";
		} else {
			rr.final_unload = true;
			rr.final_unload_note = tries ? fmt("ok, after %d refusals (EWOULDBLOCK/EBUSY) 100 ms apart", tries)
						     : "ok";
		}
		if (!*rr.final_unload)
			std::fprintf(stderr, "%s: final unload %s\n", prog, rr.final_unload_note.c_str());
	}

	if (opt.json)
		print_json(rr);
	else
		print_text(rr);
	flush_stdout();

	if (cfg.sh->divergences.load())
		return exit_divergence;
	if (opt.unload && !rr.final_unload.value_or(false))
		return exit_divergence;
	return exit_ok;
}

} // namespace

int main(int argc, char **argv)
{
	return mapdrv::cli::run_main<options>(prog, argc, argv, parse_args, print_help, run);
}
