// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the runner: which subjects there are, how each is mapped,
// and the rounds of repetitions.
#include "measure.hpp"

#include <endian.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <mapdrv/cli.hpp>
#include <mapdrv/text.hpp>

#include "loops.hpp"

namespace mapdrv::bench {
namespace {

/* MAPDRV_IOC_SET_MODE; 0 or errno. */
int set_mode(int fd, std::uint32_t mode, std::uint32_t window)
{
	mapdrv_mode arg{};
	arg.mode = mode;
	arg.window = window;
	return ::ioctl(fd, MAPDRV_IOC_SET_MODE, &arg) < 0 ? errno : 0;
}

} // namespace

runner::runner(const options &opt, results &res)
	: opt_(opt), res_(res), dev_(opt.device, O_RDONLY | O_CLOEXEC)
{
}

void runner::progress(const std::string &msg) const
{
	if (!opt_.quiet) {
		std::fprintf(stderr, "%s: %s\n", prog, msg.c_str());
		std::fflush(stderr);
	}
}

/* The baseline and floor modules stamp mapdrv's pattern with seed 0. */
std::uint64_t runner::seed_of(const subject &s) const
{
	return s.k == kind::mapdrv || s.k == kind::shmem ? res_.info.seed : 0;
}

std::uint64_t runner::key_of(const subject &s) const
{
	return s.k == kind::anon ? 0 : MAPDRV_PATTERN_MAGIC ^ seed_of(s);
}

/* The largest mapping of @s there can be. */
std::size_t runner::limit_of(const subject &s) const
{
	switch (s.k) {
	case kind::mapdrv: return static_cast<std::size_t>(res_.info.size);
	case kind::shmem: return memfd_bytes_;
	case kind::remap: return remap_bytes_;
	case kind::floor_array:
	case kind::floor_none: return floor_bytes_;
	case kind::anon: break;
	}
	return SIZE_MAX;
}

/* floor-none maps its buffer's first page everywhere: the word at offset 0. */
std::uint64_t runner::mask_of(const subject &s) const
{
	return s.k == kind::anon || s.k == kind::floor_none ? 0 : ~std::uint64_t{0};
}

void runner::check_pages(const subject &s, std::uint64_t bad, const char *what) const
{
	if (bad)
		throw data_error(fmt("%s, %s: %" PRIu64 " of %zu pages read back wrong (first word "
				     "of the page not the %s)",
				     s.name.c_str(), what, bad, pages_,
				     s.k == kind::anon ? "zero page's" : "pattern's"));
}

/* The size measured: --size or the whole buffer, checked against both. */
void runner::check_size()
{
	page_ = res_.info.page_size;
	if (static_cast<long>(page_) != sysconf(_SC_PAGESIZE))
		throw std::runtime_error(fmt("the driver's page size %zu is not the process's %ld",
					     page_, sysconf(_SC_PAGESIZE)));
	const std::uint64_t size = opt_.size.value_or(res_.info.size);
	if (size == 0 || size % page_ != 0)
		throw cli::usage_error(fmt("--size %" PRIu64 " is not a non-zero multiple of the "
					   "page size (%zu)", size, page_));
	if (size > res_.info.size)
		throw cli::usage_error(fmt("--size %" PRIu64 " is larger than the buffer (%" PRIu64
					   " bytes; load the module with size=...)",
					   size, static_cast<std::uint64_t>(res_.info.size)));
	if (size / page_ < 2)
		throw cli::usage_error("--size: at least two pages are needed (two threads, two "
				       "halves)");
	bytes_ = static_cast<std::size_t>(size);
	pages_ = bytes_ / page_;
	res_.page = page_;
	res_.pages = pages_;
	res_.bytes = bytes_;
	if (size < recommended_size)
		res_.notes.push_back(fmt("the buffer measured is %" PRIu64 " KiB; at least 64 MiB "
					 "is recommended (insmod mapdrv.ko size=67108864)",
					 size >> 10));
	if (opt_.reps < recommended_reps)
		res_.notes.push_back(fmt("%u repetitions; at least %u are recommended", opt_.reps,
					 recommended_reps));
}

/* Which modes does the module take? One fresh file per question. */
void runner::probe_modes()
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
		/* Eager takes no fault at first touch: nothing to scale. */
		s.threads = w.mode == MAPDRV_MODE_FAULT ||
			    (w.mode == MAPDRV_MODE_AROUND && w.window == MAPDRV_WINDOW_DEFAULT);
		s.curve = s.threads || w.mode == MAPDRV_MODE_EAGER;

		const mapdrv::device probe(opt_.device, O_RDONLY | O_CLOEXEC);
		const int err = set_mode(probe.fd(), w.mode, w.window);
		if (err == 0) {
			s.set_mode = true;
			const mapdrv_info i = probe.info();
			if (i.mode != w.mode ||
			    (w.mode == MAPDRV_MODE_AROUND && i.window != w.window))
				res_.notes.push_back(fmt("mode %s: MAPDRV_IOC_INFO reports mode %u "
							 "window %u after SET_MODE; measured anyway",
							 s.name.c_str(), i.mode, i.window));
		} else if (err == ENOTTY && w.mode == MAPDRV_MODE_FAULT) {
			/* A module without modes: one fault per page is all it does. */
			res_.notes.push_back("this module has no MAPDRV_IOC_SET_MODE (ENOTTY): "
					     "its only behaviour is fault");
		} else if (err == ENOTTY || err == EINVAL) {
			res_.notes.push_back(fmt("mode %s: unsupported by this module (SET_MODE: %s)",
						 s.name.c_str(), errno_name(err).c_str()));
			continue;
		} else {
			throw std::system_error(err, std::generic_category(),
						"MAPDRV_IOC_SET_MODE " + s.name + " on " +
							opt_.device);
		}
		res_.subjects.push_back(std::move(s));
	}
}

/* shmem: a memfd whose pages exist, so that fault-around can map them. */
void runner::fill_memfd(std::size_t bytes)
{
	const int fd = memfd_create("mapdrv-bench", MFD_CLOEXEC);
	if (fd < 0)
		throw_errno("memfd_create");
	memfd_.reset(fd);
	if (ftruncate(fd, static_cast<off_t>(bytes)) < 0)
		throw_errno("ftruncate memfd");
	memfd_bytes_ = bytes;
	std::vector<std::uint64_t> chunk(copy_chunk / 8);
	for (std::size_t off = 0; off < bytes; off += copy_chunk) {
		const std::size_t n = std::min(copy_chunk, bytes - off);
		for (std::size_t i = 0; i < n / 8; ++i)
			chunk[i] = htole64(mapdrv_pattern(res_.info.seed, off + i * 8));
		if (pwrite(fd, chunk.data(), n, static_cast<off_t>(off)) != static_cast<ssize_t>(n))
			throw_errno("pwrite memfd");
	}
}

void runner::setup_baselines()
{
	/* anon: read faults of a private anonymous mapping, THP off. */
	subject anon;
	anon.k = kind::anon;
	anon.name = "anon";
	anon.threads = true;
	anon.curve = true;
	res_.subjects.push_back(std::move(anon));

	std::size_t memfd_bytes = bytes_;
	for (const std::uint64_t b : opt_.curve_sizes)
		memfd_bytes = std::max(memfd_bytes, static_cast<std::size_t>(b));
	fill_memfd(memfd_bytes);
	subject shmem;
	shmem.k = kind::shmem;
	shmem.name = "shmem";
	shmem.threads = true;
	shmem.curve = true;
	res_.subjects.push_back(std::move(shmem));
	setup_remap();
	setup_floors();

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
		const std::uint64_t w = htole64(mapdrv_pattern(res_.info.seed, off));
		std::memcpy(src + off, &w, 8);
	}
	dst_ = make_buffer();
	std::memset(dst_.data(), 0x5a, bytes_);
}

/*
 * A benchmark-only module's device, open, with its buffer's size in @bytes
 * (its size parameter, rounded up to whole pages); none, with a note, if
 * it is not loaded or too small for the run.
 */
mapdrv::unique_fd runner::open_baseline(const std::string &path, const char *module, std::size_t &bytes)
{
	mapdrv::unique_fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!f) {
		res_.notes.push_back(fmt("%s not measured: %s: %s (insmod %s.ko size=...)", module,
					 path.c_str(), std::strerror(errno), module));
		return f;
	}
	std::FILE *p = std::fopen(fmt("/sys/module/%s/parameters/size", module).c_str(), "r");
	unsigned long long size = 0;
	if (p) {
		if (std::fscanf(p, "%llu", &size) != 1)
			size = 0;
		std::fclose(p);
	}
	bytes = static_cast<std::size_t>((size + page_ - 1) / page_ * page_);
	if (bytes < bytes_) {
		res_.notes.push_back(fmt("%s not measured: its buffer is %zu bytes, less than %zu",
					 module, bytes, bytes_));
		return {};
	}
	return f;
}

/*
 * remap: the buffer of the benchmark-only module mapdrv_remap, mapped by
 * remap_vmalloc_range() at mmap time. Measured where it is loaded.
 */
void runner::setup_remap()
{
	remap_fd_ = open_baseline(opt_.remap_device, "mapdrv_remap", remap_bytes_);
	if (!remap_fd_)
		return;
	subject remap;
	remap.k = kind::remap;
	remap.name = "remap";
	remap.curve = true;
	res_.subjects.push_back(std::move(remap));
}

/*
 * The floors of a page-backed fault: the benchmark-only module
 * mapdrv_floor, whose .fault takes the page from an array (floor-array) or
 * is always the same page (floor-none). Measured where it is loaded.
 */
void runner::setup_floors()
{
	std::size_t none_bytes = 0;
	floor_array_fd_ = open_baseline(opt_.floor_array_device, "mapdrv_floor", floor_bytes_);
	floor_none_fd_ = open_baseline(opt_.floor_none_device, "mapdrv_floor", none_bytes);
	if (!floor_array_fd_ || !floor_none_fd_)
		return;
	for (const kind k : {kind::floor_array, kind::floor_none}) {
		subject floor;
		floor.k = k;
		floor.name = kind_name(k);
		res_.subjects.push_back(std::move(floor));
	}
}

/* A fresh mapping of @s, timing the mmap() call alone. */
mapdrv::mapping runner::map(const subject &s, std::size_t bytes, int extra_flags,
			    double &mmap_ns, bool writable_file) const
{
	mapdrv::mapping m;
	std::int64_t t0 = 0, t1 = 0;
	switch (s.k) {
	case kind::mapdrv: {
		/* A fresh file: SET_MODE is refused while a file has mappings. */
		const mapdrv::device d(opt_.device, (writable_file ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		if (s.set_mode) {
			const int err = set_mode(d.fd(), s.mode, s.window);
			if (err)
				throw std::system_error(err, std::generic_category(),
							"MAPDRV_IOC_SET_MODE " + s.name);
		}
		t0 = now_ns();
		m = d.map(0, bytes, PROT_READ, MAP_SHARED | extra_flags);
		t1 = now_ns();
		break;
	}
	case kind::anon:
		t0 = now_ns();
		m = mapdrv::mapping(-1, 0, bytes, PROT_READ,
				    MAP_PRIVATE | MAP_ANONYMOUS | extra_flags);
		t1 = now_ns();
		/* After MAP_POPULATE this is too late: PR_SET_THP_DISABLE covers it. */
		if (madvise(m.data(), bytes, MADV_NOHUGEPAGE) < 0)
			throw_errno("madvise MADV_NOHUGEPAGE");
		break;
	case kind::shmem:
		t0 = now_ns();
		m = mapdrv::mapping(memfd_.get(), 0, bytes, PROT_READ, MAP_SHARED | extra_flags);
		t1 = now_ns();
		break;
	case kind::remap:
		t0 = now_ns();
		m = mapdrv::mapping(remap_fd_.get(), 0, bytes, PROT_READ, MAP_SHARED | extra_flags);
		t1 = now_ns();
		break;
	case kind::floor_array:
	case kind::floor_none: {
		const int fd = s.k == kind::floor_array ? floor_array_fd_.get() : floor_none_fd_.get();
		t0 = now_ns();
		m = mapdrv::mapping(fd, 0, bytes, PROT_READ, MAP_SHARED | extra_flags);
		t1 = now_ns();
		break;
	}
	}
	mmap_ns = static_cast<double>(t1 - t0);
	return m;
}

/* One round: every measurement of every subject once, then the copies. */
void runner::round(bool record, bool verify)
{
	const std::size_t n = res_.subjects.size();
	for (std::size_t j = 0; j < n; ++j) {
		subject &s = res_.subjects[(j + rotation_) % n];
		first_touch(s, record);
		populate_map(s, record);
		populate_madvise(s, record);
		warm_read(s, record, verify);
		refault(s, record);
		if (s.threads && !res_.instructions())
			threads(s, record);
	}
	copies(record, verify);
	if (!res_.instructions())
		compute_threads(record);
	++rotation_;
}

/* Everything before the first measurement. */
void runner::setup()
{
	cli::install_sigbus_handler(prog);
	/* THP off for every mapping of this process, MAP_POPULATE ones too. */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) < 0)
		throw_errno("prctl PR_SET_THP_DISABLE");

	res_.device = opt_.device;
	res_.machine = opt_.machine;
	res_.reps = opt_.reps;
	res_.clock = opt_.clock;
	res_.curve_sizes = opt_.curve_sizes;
	res_.curve_reps = opt_.curve_sizes.empty() ? 0 : opt_.curve_reps;
	res_.info = dev_.checked_info();
	res_.env = probe_environment();
	check_size();
	probe_modes();
	setup_baselines();
	measure_clock_overhead();
	if (res_.instructions())
		res_.notes.push_back("thread scaling needs real parallelism: it is measured in the "
				     "wall-clock mode only (make bench-wallclock)");
}

void runner::run()
{
	const std::int64_t start = now_ns();
	setup();
	progress(fmt("%zu pages of %zu bytes, %zu subjects, %u repetitions after a warm-up round",
		     pages_, page_, res_.subjects.size(), opt_.reps));
	round(false, true);	/* warm-up: discarded; every byte verified once */
	for (unsigned rep = 0; rep < opt_.reps; ++rep) {
		progress(fmt("repetition %u of %u", rep + 1, opt_.reps));
		round(true, false);
	}
	curves();
	refault_calls();
	res_.seconds = static_cast<double>(now_ns() - start) / 1e9;
}

} // namespace mapdrv::bench
