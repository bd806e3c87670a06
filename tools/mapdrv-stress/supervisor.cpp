// SPDX-License-Identifier: GPL-2.0
//
// The supervisor's phases (see supervisor.hpp).

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstring>
#include <ctime>
#include <exception>
#include <new>
#include <stdexcept>
#include <thread>
#include <vector>

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mapdrv/cli.hpp>
#include <mapdrv/device.hpp>
#include <mapdrv/fd.hpp>
#include <mapdrv/text.hpp>

#include "config.hpp"
#include "guard.hpp"
#include "report.hpp"
#include "supervisor.hpp"
#include "worker.hpp"

namespace mapdrv::stress {

namespace {

/* A device problem found before the workers start: exit status 3. */
struct device_problem : std::runtime_error {
	using std::runtime_error::runtime_error;
};

/* ---- signals and shared memory ------------------------------------------ */

/* What SIGINT and SIGTERM set: the only way a handler reaches the run. */
std::atomic<int> *stop_flag;

extern "C" void on_stop_signal(int)
{
	if (stop_flag)
		stop_flag->store(1);
}

void install_handlers(shared_state &sh)
{
	install_fault_handlers();
	stop_flag = &sh.stop;
	struct sigaction st {};
	st.sa_handler = on_stop_signal;
	sigemptyset(&st.sa_mask);
	if (sigaction(SIGINT, &st, nullptr) < 0 || sigaction(SIGTERM, &st, nullptr) < 0)
		throw std::system_error(errno, std::generic_category(), "sigaction");
}

/* The shared_state, in memory the worker processes share with us. */
class shared_memory {
public:
	shared_memory()
	{
		void *p = mmap(nullptr, sizeof(shared_state), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			throw std::system_error(errno, std::generic_category(), "mmap of the shared state");
		state_ = new (p) shared_state();
	}
	~shared_memory()
	{
		if (stop_flag == &state_->stop)
			stop_flag = nullptr;
		state_->~shared_state();
		munmap(state_, sizeof(shared_state));
	}
	shared_memory(const shared_memory &) = delete;
	shared_memory &operator=(const shared_memory &) = delete;
	[[nodiscard]] shared_state &state() const { return *state_; }

private:
	shared_state *state_;
};

/* ---- the workers' processes and threads --------------------------------- */

void supervisor_divergence(const config &cfg, shared_state &sh, const char *op, const char *what,
			   std::optional<u64> offset = {}, std::optional<u64> expected = {},
			   std::optional<u64> found = {}, int err = 0)
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
	record_divergence(cfg, sh, d, true);
}

/* Thread body: one worker. */
void worker_thread(const config &cfg, shared_state &sh, fork_registry &forks, unsigned id)
{
	try {
		worker w(cfg, sh, forks, id);
		w.run();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "%s: worker %u: %s\n", prog, id, e.what());
		supervisor_divergence(cfg, sh, "setup", "a worker failed outside the oracle (see above)");
	}
}

/* A worker process: its threads, then _exit (no atexit, no stdio flush). */
[[noreturn]] void worker_process(const config &cfg, shared_state &sh, unsigned p)
{
	int status = 0;
	try {
		fork_registry forks;
		std::vector<std::thread> threads;
		for (unsigned t = 0; t < cfg.threads; ++t)
			threads.emplace_back(worker_thread, std::cref(cfg), std::ref(sh), std::ref(forks),
					     p * cfg.threads + t);
		for (std::thread &t : threads)
			t.join();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "%s: worker process %u: %s\n", prog, p, e.what());
		status = cli::exit_device;
	}
	_exit(status);
}

/* ---- the buffer as a whole --------------------------------------------- */

/* pread() the whole buffer: call @fn(off, word) on every word. */
template <class Fn> void for_each_word(const buffer_layout &b, int fd, Fn fn)
{
	std::vector<std::uint8_t> buf(1 << 20);
	for (u64 off = 0; off < b.size;) {
		const std::size_t n = std::min<u64>(buf.size(), b.size - off);
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
u64 restore_pattern(const buffer_layout &b, int fd)
{
	std::vector<u64> buf((1 << 20) / 8);
	u64 bad = 0;
	for (u64 off = 0; off < b.size;) {
		const std::size_t n = std::min<u64>(buf.size() * 8, b.size - off);
		if (pread(fd, buf.data(), n, static_cast<off_t>(off)) != static_cast<ssize_t>(n))
			throw std::system_error(errno, std::generic_category(), "pread of the buffer at " + hex(off));
		u64 fixed = 0;
		for (std::size_t i = 0; i < n / 8; ++i) {
			const u64 want = le64(b.pattern(off + 8 * i));
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

void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000 * 1000 };
	nanosleep(&ts, nullptr);
}

/* ---- the phases ---------------------------------------------------------- */

class supervisor {
public:
	explicit supervisor(const options &opt) : opt_(opt), sh_(shm_.state()) {}
	int run();

private:
	void parse_excludes();
	void choose_seed();
	void open_device();
	void probe_unload();
	void probe_set_mode();
	void probe_populate();
	void open_trace();
	void start_workers();
	void wait_workers();
	void check_driver();
	void check_buffer();
	void final_unload();
	int report();

	void diverge(const char *op, const char *what, std::optional<u64> offset = {},
		     std::optional<u64> expected = {}, std::optional<u64> found = {}, int err = 0)
	{
		supervisor_divergence(cfg_, sh_, op, what, offset, expected, found, err);
	}

	const options &opt_;
	config cfg_;
	shared_memory shm_;
	shared_state &sh_;
	std::optional<mapdrv::device> dev_;
	mapdrv_info info_{};
	run_result rr_;
	unique_fd trace_;
	std::vector<pid_t> pids_;
	bool killed_ = false;
	std::chrono::steady_clock::time_point t0_;
};

int supervisor::run()
{
	rr_.unload_requested = opt_.unload;
	rr_.excluded = opt_.exclude;
	parse_excludes();
	choose_seed();
	open_device();
	probe_unload();
	probe_set_mode();
	probe_populate();
	/* Every word must start as the pattern (a crashed earlier run may have left tags). */
	rr_.restored_words = restore_pattern(cfg_.buf, dev_->fd());
	rr_.info_before = dev_->info();
	open_trace();

	install_handlers(sh_);
	if (!opt_.json)
		print_header(opt_, cfg_, rr_);
	cli::flush_stdout();
	std::fflush(stderr);

	start_workers();
	wait_workers();
	check_driver();
	check_buffer();
	dev_.reset();	/* closed: nothing of ours holds the module any more */
	if (opt_.unload)
		final_unload();
	return report();
}

/* --exclude: operations by name, or efault-write. */
void supervisor::parse_excludes()
{
	for (const std::string &name : opt_.exclude) {
		if (name == "efault-write") {
			cfg_.no_efault_write = true;
			continue;
		}
		const auto it = std::find_if(std::begin(op_names), std::end(op_names),
					     [&](const char *n) { return name == n; });
		if (it == std::end(op_names))
			throw cli::usage_error("--exclude: unknown name '" + name +
					       "' (an operation of the summary, or efault-write)");
		cfg_.excluded[it - std::begin(op_names)] = true;
	}
}

void supervisor::choose_seed()
{
	cfg_.seed = opt_.seed.value_or(0);
	if (!opt_.seed) {
		u64 x = static_cast<u64>(std::chrono::system_clock::now().time_since_epoch().count()) ^
			(static_cast<u64>(getpid()) << 40);
		cfg_.seed = rng::splitmix(x);
	}
	if (opt_.json)
		std::fprintf(stderr, "%s: seed %s\n", prog, hex(cfg_.seed).c_str());
}

/* The device, its INFO, and the buffer's layout in regions. */
void supervisor::open_device()
{
	dev_.emplace(opt_.device, O_RDWR | O_CLOEXEC);
	info_ = dev_->checked_info();
	for (const auto r : info_.reserved)
		if (r != 0)
			throw device_problem(opt_.device + ": MAPDRV_IOC_INFO: reserved field not zero");

	buffer_layout &b = cfg_.buf;
	cfg_.device = opt_.device;
	b.size = info_.size;
	b.page = info_.page_size;
	b.npages = info_.size / info_.page_size;
	b.pattern_seed = info_.seed;
	cfg_.procs = opt_.procs;
	cfg_.threads = opt_.threads;
	b.workers = opt_.procs * opt_.threads;
	cfg_.unload = opt_.unload;
	cfg_.keep_going = opt_.keep_going;
	cfg_.verbose = opt_.verbose;
	if (opt_.ops)
		cfg_.ops_limit = *opt_.ops;
	if (b.page != static_cast<u64>(sysconf(_SC_PAGESIZE)))
		throw device_problem(opt_.device + ": driver page size " + std::to_string(b.page) +
				     " is not this process's");
	if (b.size > MAPDRV_SIZE_MAX)
		throw device_problem(opt_.device + ": size " + std::to_string(b.size) + " is over " +
				     std::to_string(MAPDRV_SIZE_MAX));
	if (b.workers > b.npages)
		throw cli::usage_error(fmt("--procs x --threads = %u workers need a page each; the buffer has %" PRIu64
					   " pages", b.workers, b.npages));
	b.region = b.npages / b.workers * b.page;
	const unsigned top = static_cast<unsigned>((MAPDRV_PATTERN_MAGIC ^ b.pattern_seed) >> 56);
	b.marker = top == 0xa5 ? 0x5a : 0xa5;	/* never the top byte of a pattern word */
}

/* --unload: delete_module must be refused now: we hold the device open. */
void supervisor::probe_unload()
{
	if (!opt_.unload)
		return;
	if (access("/sys/module/" MAPDRV_DEVICE_NAME, F_OK) != 0)
		throw device_problem("--unload: module " + std::string(module_name) +
				     " is not loaded as a module (no /sys/module/" + module_name + ")");
	const long ret = delete_module_nonblock();
	if (ret == 0)
		throw device_problem("--unload: delete_module succeeded while " + opt_.device +
				     " was open: the module is gone");
	const int err = errno;
	if (err == EPERM)
		throw device_problem("--unload: delete_module: " + errno_name(err) +
				     " (needs CAP_SYS_MODULE, and modules not disabled)");
	if (err != EWOULDBLOCK && err != EBUSY)
		throw device_problem("--unload: delete_module while open: " + errno_name(err) +
				     ", expected EWOULDBLOCK or EBUSY");
	sh_.unload_attempts.fetch_add(1);
	sh_.unload_refused.fetch_add(1);
}

/* MAPDRV_IOC_SET_MODE: present, or ENOTTY from a driver without it. */
void supervisor::probe_set_mode()
{
	mapdrv_mode m{};
	m.mode = MAPDRV_MODE_FAULT;
	if (ioctl(dev_->fd(), MAPDRV_IOC_SET_MODE, &m) == 0) {
		cfg_.set_mode = true;
		cfg_.default_mode = info_.mode;
		cfg_.default_window = info_.window;
		rr_.set_mode_note = fmt("yes (new files start in mode %u, window %u)", info_.mode, info_.window);
		if (info_.mode >= MAPDRV_MODE_COUNT || info_.window == 0 || info_.window > MAPDRV_WINDOW_MAX ||
		    (info_.window & (info_.window - 1)))
			diverge("setup", "INFO of a new file: invalid mode or window", {}, MAPDRV_MODE_COUNT,
				info_.mode);
	} else if (errno == ENOTTY) {
		rr_.set_mode_note = "no (ENOTTY: this driver has no MAPDRV_IOC_SET_MODE; left out)";
	} else {
		const int err = errno;
		rr_.set_mode_note = "no (" + errno_name(err) + ": left out)";
		diverge("setup", "MAPDRV_IOC_SET_MODE(FAULT) on a fresh file", {}, {}, {}, err);
	}
}

/* MADV_POPULATE_READ/WRITE: Linux 5.14. Ask with an anonymous page. */
void supervisor::probe_populate()
{
	const u64 page = cfg_.buf.page;
	void *p = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		throw std::system_error(errno, std::generic_category(), "mmap");
	cfg_.populate = madvise(p, page, MADV_POPULATE_READ) == 0;
	rr_.populate_note = cfg_.populate ? "yes" : "no (" + errno_name(errno) +
						     ": kernel older than 5.14; left out)";
	munmap(p, page);
}

void supervisor::open_trace()
{
	if (opt_.trace_ops.empty())
		return;
	trace_.reset(::open(opt_.trace_ops.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
	if (!trace_)
		throw std::system_error(errno, std::generic_category(), "open " + opt_.trace_ops);
	cfg_.trace_fd = trace_.get();
}

void supervisor::start_workers()
{
	t0_ = std::chrono::steady_clock::now();
	if (opt_.seconds)
		cfg_.deadline = t0_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
					      std::chrono::duration<double>(*opt_.seconds));
	for (unsigned p = 0; p < cfg_.procs; ++p) {
		const pid_t pid = fork();
		if (pid < 0) {
			const int err = errno;
			sh_.stop.store(1);
			for (const pid_t q : pids_)
				waitpid(q, nullptr, 0);
			throw std::system_error(err, std::generic_category(), "fork");
		}
		if (pid == 0)
			worker_process(cfg_, sh_, p);
		pids_.push_back(pid);
	}
}

/* Wait; a worker that outlives the deadline by far is hung (in the driver?). */
void supervisor::wait_workers()
{
	const auto grace = std::chrono::duration<double>(60.0 + 0.25 * opt_.seconds.value_or(0));
	auto next_progress = t0_ + std::chrono::seconds(10);
	std::size_t left = pids_.size();
	while (left) {
		int status = 0;
		const pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno != EINTR)
			throw std::system_error(errno, std::generic_category(), "waitpid");
		if (pid > 0) {
			--left;
			if (WIFSIGNALED(status) && !killed_)
				diverge("worker", "a worker process was killed by a signal", {}, 0,
					static_cast<u64>(WTERMSIG(status)));
			else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
				diverge("worker", "a worker process failed", {}, 0,
					static_cast<u64>(WEXITSTATUS(status)));
			continue;
		}
		print_first_if_pending(cfg_, sh_);
		const auto now = std::chrono::steady_clock::now();
		if (opt_.verbose && now >= next_progress) {
			std::fprintf(stderr, "%s: %.0f s: %" PRIu64 " operations, %" PRIu64 " divergences\n", prog,
				     std::chrono::duration<double>(now - t0_).count(),
				     std::min(sh_.ops_claimed.load(), cfg_.ops_limit), sh_.divergences.load());
			next_progress += std::chrono::seconds(10);
		}
		if (cfg_.deadline && !killed_ &&
		    now > *cfg_.deadline + std::chrono::duration_cast<std::chrono::steady_clock::duration>(grace)) {
			std::fprintf(stderr, "%s: workers still running %.0f s after the deadline: hung; killing them\n",
				     prog, grace.count());
			diverge("worker", "workers hung (still running long after the deadline)");
			for (const pid_t q : pids_)
				kill(q, SIGKILL);
			killed_ = true;
		}
		sleep_ms(20);
	}
	rr_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
	print_first_if_pending(cfg_, sh_);
}

/* Everything closed and unmapped: the driver's counters must agree. */
void supervisor::check_driver()
{
	for (unsigned w = 0; w < cfg_.buf.workers; ++w)
		if (!sh_.workers[w].finished && !killed_)
			diverge("worker", "a worker did not finish its final region check", {}, 1, 0);

	const mapdrv_info &before = rr_.info_before;
	const mapdrv_info &after = rr_.info_after = dev_->info();
	if (after.live_vmas != before.live_vmas)
		diverge("final", "the driver's live VMA count did not come back "
			"(was another process using the device?)", {}, before.live_vmas, after.live_vmas);
	u64 mmaps = 0;
	for (unsigned w = 0; w < cfg_.buf.workers; ++w)
		mmaps += sh_.workers[w].mmaps_ok;
	if (after.mmap_calls - before.mmap_calls != mmaps)
		diverge("final", "the driver's mmap_calls grew by other than the successful "
			"mmap() calls (was another process using the device?)", {},
			mmaps, after.mmap_calls - before.mmap_calls);
	if (after.seed != cfg_.buf.pattern_seed)
		diverge("final", "the seed changed", {}, cfg_.buf.pattern_seed, after.seed);
}

/* Every word: the pattern, or a tag of its region's owner. Then the pattern again. */
void supervisor::check_buffer()
{
	const buffer_layout &b = cfg_.buf;
	u64 bad = 0;
	for_each_word(b, dev_->fd(), [&](u64 off, u64 v) {
		/* a short write may leave a word part tag, part pattern */
		if (!b.foreign_word_ok(off, v) && bad++ == 0)
			diverge("final", "a word of the buffer is neither the pattern nor its owner's tag",
				off, b.pattern(off), v);
	});
	restore_pattern(b, dev_->fd());
	for_each_word(b, dev_->fd(), [&](u64 off, u64 v) {
		if (v != b.pattern(off) && bad++ == 0)
			diverge("final", "the pattern did not stick", off, b.pattern(off), v);
	});
}

/* Children were reaped and every file closed: no reason to wait, but be fair to RCU. */
void supervisor::final_unload()
{
	long ret = -1;
	int err = 0, tries = 0;
	for (; tries < 50; ++tries) {
		ret = delete_module_nonblock();
		if (ret == 0)
			break;
		err = errno;
		if (err != EWOULDBLOCK && err != EBUSY)
			break;
		sleep_ms(100);
	}
	if (ret != 0) {
		rr_.final_unload = false;
		rr_.final_unload_note = "FAILED: delete_module: " + errno_name(err);
	} else if (opt_.device == mapdrv::default_device_path && access(opt_.device.c_str(), F_OK) == 0) {
		rr_.final_unload = false;
		rr_.final_unload_note = "FAILED: " + opt_.device + " still exists after the unload";
	} else {
		rr_.final_unload = true;
		rr_.final_unload_note = tries ? fmt("ok, after %d refusals (EWOULDBLOCK/EBUSY) 100 ms apart", tries)
					      : "ok";
	}
	if (!*rr_.final_unload)
		std::fprintf(stderr, "%s: final unload %s\n", prog, rr_.final_unload_note.c_str());
}

int supervisor::report()
{
	if (opt_.json)
		print_json(cfg_, sh_, rr_);
	else
		print_text(cfg_, sh_, rr_);
	cli::flush_stdout();
	return run_ok(sh_, rr_) ? cli::exit_ok : exit_divergence;
}

} // namespace

int run(const options &opt)
{
	supervisor s(opt);
	return s.run();
}

} // namespace mapdrv::stress
