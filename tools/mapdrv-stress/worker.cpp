// SPDX-License-Identifier: GPL-2.0
//
// A worker's loop, the mix of operations, and what every operation uses:
// accounting, divergences, checks against the shadow, and the bookkeeping
// of files and mappings.

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <system_error>

#include <unistd.h>

#include "guard.hpp"
#include "report.hpp"
#include "trace.hpp"
#include "worker.hpp"

namespace mapdrv::stress {

anon_pages::anon_pages(std::size_t len, int prot, int flags, const char *what) : len_(len)
{
	void *p = mmap(nullptr, len, prot, flags | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		throw std::system_error(errno, std::generic_category(), what);
	p_ = static_cast<std::byte *>(p);
}

anon_pages::~anon_pages()
{
	munmap(p_, len_);
}

worker::worker(const config &cfg, shared_state &sh, fork_registry &forks, unsigned id)
	: cfg_(cfg), buf_(cfg.buf), sh_(sh), forks_(forks), id_(id),
	  r_(cfg.seed ^ (0xd1b54a32d192ed03ULL * (id + 1))),
	  rs_(cfg.buf.region_start(id)), re_(cfg.buf.region_end(id)), tix_(id % cfg.threads),
	  st_(&sh.workers[id]), shadow_(cfg.buf, id),
	  mailbox_pages_(cfg.buf.page, PROT_READ | PROT_WRITE, MAP_SHARED, "mmap mailbox"),
	  ro_pages_(cfg.buf.page, PROT_READ, MAP_PRIVATE, "mmap read-only page"),
	  edge_pages_(2 * cfg.buf.page, PROT_READ | PROT_WRITE, MAP_PRIVATE, "mmap edge pages"),
	  mb_(reinterpret_cast<mailbox *>(mailbox_pages_.data())), ro_page_(ro_pages_.data()),
	  edge_(edge_pages_.data())
{
	if (mprotect(edge_ + buf_.page, buf_.page, PROT_NONE))
		throw std::system_error(errno, std::generic_category(), "mmap edge pages");
	maps_.reserve(max_maps + 4);
}

worker::~worker()
{
	teardown();
}

void worker::run()
{
	while (!sh_.stop.load(std::memory_order_relaxed)) {
		if (cfg_.deadline && std::chrono::steady_clock::now() >= *cfg_.deadline)
			break;
		if (sh_.ops_claimed.fetch_add(1, std::memory_order_relaxed) >= cfg_.ops_limit)
			break;
		++opno_;
		tr_fd_ = tr_map_ = -1;
		tr_arg_ = 0;
		const u64 draws = r_.draws();
		step();
		trace_op(draws);
	}
	teardown();
	final_check();
	trace_end();
	st_->finished = 1;
}

/* One operation of the mix. Cheap ones dominate, so that a slow emulated guest still does many. */
void worker::step()
{
	struct mix_case {
		op_type op;
		unsigned weight;
		void (worker::*run)();
	};
	static constexpr mix_case mix[] = {
		{ OP_TOUCH, 220, &worker::op_touch },	  { OP_STORE, 100, &worker::op_store },
		{ OP_PREAD, 80, &worker::op_pread },	  { OP_READ, 30, &worker::op_read },
		{ OP_PWRITE, 60, &worker::op_pwrite },	  { OP_WRITE, 30, &worker::op_write },
		{ OP_MMAP, 70, &worker::op_mmap },	  { OP_MUNMAP, 50, &worker::op_munmap },
		{ OP_MREMAP, 35, &worker::op_mremap },	  { OP_MPROTECT, 40, &worker::op_mprotect },
		{ OP_MADVISE, 45, &worker::op_madvise },  { OP_MINCORE, 30, &worker::op_mincore },
		{ OP_LSEEK, 25, &worker::op_lseek },	  { OP_INFO, 20, &worker::op_info },
		{ OP_IOCTL, 20, &worker::op_ioctl },	  { OP_RESTAMP, 10, &worker::op_restamp },
		{ OP_SET_MODE, 25, &worker::op_set_mode }, { OP_OPEN, 30, &worker::op_open },
		{ OP_CLOSE, 25, &worker::op_close },	  { OP_SEGV, 6, &worker::op_segv },
		{ OP_FORK, 3, &worker::op_fork },	  { OP_UNLOAD, 2, &worker::op_unload },
	};
	const mix_case *c = pick(r_, mix, [this](const mix_case &m) -> u64 {
		if ((m.op == OP_SET_MODE && !cfg_.set_mode) || (m.op == OP_UNLOAD && !cfg_.unload) ||
		    cfg_.excluded[m.op])
			return 0;
		return m.weight;
	});
	(this->*(c ? c->run : &worker::op_touch))();
}

/* --trace-ops: the line of the operation just done. */
void worker::trace_op(u64 draws_before) const
{
	if (cfg_.trace_fd < 0)
		return;
	trace_digest d;
	for (const file_slot &f : files_) {
		d.add(f.fd >= 0);
		d.add(static_cast<u64>(f.acc));
		d.add(f.mode);
		d.add(f.window);
		d.add(f.nmaps);
		d.add(f.pos);
		d.add(f.used);
	}
	for (const map_obj &m : maps_) {
		d.add(m.len);
		d.add(m.off);
		d.add(static_cast<u64>(m.prot));
		d.add(static_cast<u64>(m.maxprot));
		d.add(m.shared);
		d.add(m.file);
		d.add(m.mode);
		for (const std::uint8_t r : m.res)
			d.add(r);
	}
	const char *outcome = cur_div_ ? "diverged" : cur_refused_ ? "refused" : "ok";
	trace_line(cfg_.trace_fd,
		   "w%u #%" PRIu64 " %s %s draws=%" PRIu64 " fds=%u maps=%zu seq=%u fd=%d map=%d arg=%" PRIx64
		   " state=%016" PRIx64 "\n",
		   id_, opno_, op_names[cur_op_], outcome, r_.draws() - draws_before, open_count(),
		   maps_.size(), shadow_.seq(), tr_fd_, tr_map_, tr_arg_, d.value());
}

void worker::trace_end() const
{
	trace_line(cfg_.trace_fd,
		   "w%u end ops=%" PRIu64 " draws=%" PRIu64 " seq=%u shadow=%016" PRIx64 " mmaps=%" PRIu64
		   " child_writes=%" PRIu64 "\n",
		   id_, opno_, r_.draws(), shadow_.seq(), shadow_.digest(), st_->mmaps_ok,
		   st_->child_writes);
}

/* ---- accounting ------------------------------------------------------ */

void worker::begin(op_type op)
{
	cur_op_ = op;
	cur_div_ = cur_refused_ = false;
	++st_->ops[op].attempted;
}

void worker::end()
{
	op_counts &c = st_->ops[cur_op_];
	if (cur_div_)
		++c.diverged;
	else if (cur_refused_)
		++c.refused;
	else
		++c.ok;
}

void worker::diverge(const dv &d)
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
	record_divergence(cfg_, sh_, rec, !in_child_);
}

/* A call that must succeed (ret != -1). */
bool worker::must_work(long ret, const char *what, std::optional<u64> off)
{
	if (ret != -1)
		return true;
	diverge({ .what = what, .offset = off, .err = errno });
	return false;
}

/* A call that must fail with one of @errs. true if it did. */
bool worker::must_fail(long ret, errset errs, const char *what, std::optional<u64> off)
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

/* A call that returned @ret, not what it should have; errno if it failed. */
void worker::diverge_ret(const char *what, std::optional<u64> off, long ret)
{
	diverge({ .what = what, .offset = off, .err = ret < 0 ? errno : 0, .ret = ret });
}

/* A guarded access took a signal. */
void worker::diverge_signal(const char *what, u64 off)
{
	const fault_rec &f = last_fault();
	diverge({ .what = what, .offset = off, .addr = reinterpret_cast<void *>(f.addr),
		  .signo = f.signo });
}

/* ---- checks against the shadow ---------------------------------------- */

/* A whole word read at aligned @off (through a mapping). */
bool worker::check_word(u64 off, u64 v, const char *what, const void *addr)
{
	const std::optional<mismatch> bad = shadow_.check_word(off, v);
	if (!bad)
		return true;
	diverge({ .what = what, .offset = bad->offset, .expected = bad->expected, .found = bad->found,
		  .addr = addr });
	return false;
}

/* Bytes read from buffer offset @off (any alignment). */
bool worker::check_bytes(u64 off, std::span<const std::uint8_t> bytes, const char *what)
{
	const std::optional<mismatch> bad = shadow_.check_bytes(off, bytes);
	if (!bad)
		return true;
	diverge({ .what = what, .offset = bad->offset, .expected = bad->expected, .found = bad->found });
	return false;
}

/* ---- residency ---------------------------------------------------------- */

void worker::mark_res(map_obj &m, std::size_t first, std::size_t n)
{
	for (std::size_t i = first; i < first + n && i < m.pages(); ++i)
		m.res[i] = RS_RES;
}

void worker::mark_zapped(map_obj &m, std::size_t first, std::size_t n)
{
	const std::uint8_t s = m.mode == MAPDRV_MODE_FAULT ? RS_NONRES : RS_UNKNOWN;
	for (std::size_t i = first; i < first + n && i < m.pages(); ++i)
		m.res[i] = s;
}

/* ---- bookkeeping -------------------------------------------------------- */

unsigned worker::open_count() const
{
	unsigned n = 0;
	for (const file_slot &f : files_)
		n += f.fd >= 0;
	return n;
}

void worker::release_slot_if_unused(file_slot &f)
{
	if (f.fd < 0 && f.nmaps == 0)
		f = file_slot{};
}

void worker::drop_map(std::size_t i)
{
	const unsigned s = maps_[i].file;
	if (--files_[s].nmaps == 0)
		files_[s].zero_mark = forks_.seq.load();
	maps_.erase(maps_.begin() + static_cast<std::ptrdiff_t>(i));
	release_slot_if_unused(files_[s]);
}

/* The sub-range [a, b) pages of @m as a new object (not yet inserted). */
map_obj worker::slice(const map_obj &m, std::size_t a, std::size_t b) const
{
	map_obj s;
	s.addr = m.addr + a * buf_.page;
	s.len = (b - a) * buf_.page;
	s.off = m.off + a * buf_.page;
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
std::pair<std::size_t, std::size_t> worker::pick_range(const map_obj &m, unsigned whole_permille)
{
	const std::size_t n = m.pages();
	if (n == 1 || r_.chance(whole_permille))
		return { 0, n };
	const std::size_t a = r_.below(n);
	const std::size_t b = r_.between(a + 1, std::min<std::size_t>(n, a + 64));
	return { a, b };
}

/* A random aligned word of our region inside @m (which must overlap it). */
u64 worker::own_word_in(const map_obj &m)
{
	const u64 lo = std::max(m.off, rs_), hi = std::min(m.end(), re_);
	return lo + 8 * r_.below((hi - lo) / 8);
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
		open_as(writable ? O_RDWR : readable ? (r_.chance(500) ? O_RDONLY : O_RDWR) : -1);
	else
		op_close();
	return -1;
}

/* ---- the end of a worker ------------------------------------------------ */

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
	const int fd = ::open(cfg_.device.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diverge({ .what = "open for the final check of the region", .err = errno });
		return;
	}
	std::vector<std::uint8_t> buf(64 * 1024);
	for (u64 off = rs_; off < re_;) {
		const std::size_t n = std::min<u64>(buf.size(), re_ - off);
		const ssize_t ret = pread(fd, buf.data(), n, static_cast<off_t>(off));
		if (ret != static_cast<ssize_t>(n)) {
			diverge_ret("pread for the final check of the region", off, ret);
			break;
		}
		if (!check_bytes(off, std::span(buf).first(n), "final check of the worker's region"))
			break;
		off += n;
	}
	::close(fd);
}

} // namespace mapdrv::stress
