// SPDX-License-Identifier: GPL-2.0
//
// Access through the mappings: touching and checking words, storing tagged
// words, deliberate faults, and fork with a child that checks and writes
// through the inherited mappings.

#include <algorithm>
#include <cerrno>
#include <csignal>

#include <sys/wait.h>
#include <unistd.h>

#include "guard.hpp"
#include "report.hpp"
#include "worker.hpp"

namespace mapdrv::stress {

namespace {

/* The last guarded access took SIGSEGV with SEGV_ACCERR at @p. */
bool refused_at(const std::byte *p)
{
	const fault_rec &f = last_fault();
	auto want = reinterpret_cast<std::uintptr_t>(p);
#ifdef __s390__
	/* s390 reports only the 4 KiB page of a fault: si_addr has no byte offset. */
	want &= ~std::uintptr_t{ 4095 };
#endif
	return f.signo == SIGSEGV && f.addr == want && f.code == SEGV_ACCERR;
}

bool readable_map(const map_obj &m)
{
	return (m.prot & PROT_READ) != 0;
}

} // namespace

/* 1 to 8 random words of @m into @idx; how many. */
std::size_t worker::draw_words(const map_obj &m, std::span<std::size_t, 8> idx)
{
	const std::size_t k = r_.between(1, 8);
	for (std::size_t j = 0; j < k; ++j)
		idx[j] = r_.below(m.len / 8);
	return k;
}

/* Words idx[] of @m were loaded into @vals: check each, and mark its page resident. */
void worker::check_loaded(map_obj &m, std::span<const std::size_t> idx, std::span<const u64> vals,
			  const char *what)
{
	for (std::size_t j = 0; j < idx.size(); ++j) {
		check_word(m.off + idx[j] * 8, le64(vals[j]), what, m.addr + idx[j] * 8);
		mark_res(m, idx[j] * 8 / buf_.page, 1);
	}
}

/* A new tag into a word of our region inside @m; its offset, or nothing after a signal. */
std::optional<u64> worker::store_tag(const map_obj &m, const char *what)
{
	const u64 off = own_word_in(m);
	const u64 t = shadow_.new_tag(off);
	std::byte *const p = m.addr + (off - m.off);
	if (!guarded_store(p, le64(t))) {
		diverge({ .what = what, .offset = off, .addr = p, .signo = last_fault().signo });
		return std::nullopt;
	}
	shadow_.word(off) = t;
	return off;
}

/* ---- touch, store ------------------------------------------------------ */

void worker::op_touch()
{
	const int i = pick_map(readable_map);
	if (i < 0) {
		if (!maps_.empty() && r_.chance(500))
			return op_mprotect();
		return op_mmap();
	}
	begin(OP_TOUCH);
	const u64 page = buf_.page;
	map_obj &m = maps_[static_cast<std::size_t>(i)];
	if (r_.chance(60)) {
		/* a whole page (at most 4 KiB of it) */
		const std::size_t pg = r_.below(m.pages());
		const std::size_t nw = std::min<u64>(page, 4096) / 8;
		std::byte *const p = m.addr + pg * page;
		u64 vals[512];
		if (!guarded_load(p, {}, std::span(vals, nw))) {
			diverge_signal("signal reading a readable mapping", m.off + pg * page);
		} else {
			for (std::size_t j = 0; j < nw; ++j)
				if (!check_word(m.off + pg * page + j * 8, le64(vals[j]), "word read through a mapping",
						p + j * 8))
					break;
			mark_res(m, pg, 1);
		}
	} else {
		std::size_t idx[8];
		u64 vals[8];
		const std::size_t k = draw_words(m, idx);
		if (!guarded_load(m.addr, std::span(idx, k), std::span(vals, k)))
			diverge_signal("signal reading a readable mapping", m.off);
		else
			check_loaded(m, std::span(idx, k), vals, "word read through a mapping");
	}
	end();
}

void worker::op_store()
{
	const int i = own_writable_map();
	if (i < 0) {
		if (maps_.size() >= max_maps)
			return op_munmap();
		return map_some(true);
	}
	begin(OP_STORE);
	map_obj &m = maps_[static_cast<std::size_t>(i)];
	const std::size_t k = r_.between(1, 4);
	u64 offs[4];
	std::size_t idx[4];
	std::size_t done = 0;
	for (std::size_t j = 0; j < k; ++j) {
		const std::optional<u64> off = store_tag(m, "signal storing into a shared writable mapping");
		if (!off)
			break;
		offs[done] = *off;
		idx[done++] = (*off - m.off) / 8;
		mark_res(m, (*off - m.off) / buf_.page, 1);
	}
	u64 vals[4];
	if (done && guarded_load(m.addr, std::span(idx, done), std::span(vals, done))) {
		for (std::size_t j = 0; j < done; ++j)
			check_word(offs[j], le64(vals[j]), "word read back after a store through the mapping",
				   m.addr + idx[j] * 8);
	} else if (done) {
		diverge_signal("signal reading back a store", offs[0]);
	}
	if (done && r_.chance(250))
		verify_words_via_read(std::span(offs, done));
	end();
}

/* ---- deliberate faults -------------------------------------------------- */

void worker::op_segv()
{
	const int inone = pick_map([](const map_obj &m) { return m.prot == PROT_NONE; });
	const int iro = pick_map([this](const map_obj &m) { return m.prot == PROT_READ && in_own_region(m); });
	if (inone < 0 && iro < 0)
		return op_mprotect();
	begin(OP_SEGV);
	if (inone >= 0 && (iro < 0 || r_.chance(500)))
		segv_prot_none(maps_[static_cast<std::size_t>(inone)]);
	else
		segv_read_only(maps_[static_cast<std::size_t>(iro)]);
	end();
}

void worker::segv_prot_none(const map_obj &m)
{
	const std::size_t w = r_.below(m.len / 8);
	std::byte *const p = m.addr + w * 8;
	u64 v;
	if (guarded_load(p, {}, std::span(&v, 1)))
		diverge({ .what = "reading a PROT_NONE mapping did not fault", .offset = m.off + w * 8,
			  .addr = p });
	else if (!refused_at(p))
		diverge_signal("reading a PROT_NONE mapping: not SIGSEGV/SEGV_ACCERR at that address",
			       m.off + w * 8);
	else
		cur_refused_ = true;
}

void worker::segv_read_only(map_obj &m)
{
	const u64 off = own_word_in(m);
	std::byte *const p = m.addr + (off - m.off);
	const u64 t = shadow_.new_tag(off);
	if (guarded_store(p, le64(t))) {
		diverge({ .what = "storing into a read-only mapping did not fault", .offset = off, .addr = p });
		shadow_.word(off) = t;
	} else if (!refused_at(p)) {
		diverge_signal("storing into a read-only mapping: not SIGSEGV/SEGV_ACCERR at that address", off);
	} else {
		cur_refused_ = true;
	}
	u64 v;
	if (guarded_load(p, {}, std::span(&v, 1))) {
		check_word(off, le64(v), "word after a refused store into a read-only mapping", p);
		mark_res(m, (off - m.off) / buf_.page, 1);
	} else {
		diverge({ .what = "signal reading a read-only mapping", .offset = off, .addr = p,
			  .signo = last_fault().signo });
	}
}

/* ---- fork ----------------------------------------------------------- */

void worker::op_fork()
{
	begin(OP_FORK);
	mb_->nwrites = 0;
	const u64 child_seed = r_.next();
	forks_.live[tix_].store(forks_.seq.fetch_add(1) + 1);
	const pid_t pid = fork();
	if (pid < 0) {
		forks_.live[tix_].store(0);
		diverge({ .what = "fork", .err = errno });
		end();
		return;
	}
	if (pid == 0) {
		r_ = rng(child_seed);
		child_main();
	}
	wait_child(pid);
	adopt_child_writes();
	end();
}

void worker::wait_child(pid_t pid)
{
	int status = 0;
	pid_t w;
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
	}
	forks_.live[tix_].store(0);
	if (w < 0) {
		diverge({ .what = "waitpid for the forked child", .err = errno });
	} else if (WIFSIGNALED(status)) {
		diverge({ .what = "the forked child was killed by a signal", .signo = WTERMSIG(status) });
	} else if (WEXITSTATUS(status) == 1) {
		cur_div_ = true;	/* it recorded what */
		print_first_if_pending(cfg_, sh_);
	} else if (WEXITSTATUS(status) != 0) {
		diverge({ .what = "the forked child exited with an unexpected status",
			  .ret = WEXITSTATUS(status) });
	}
}

/* What the child wrote through the shared mappings is ours to see. */
void worker::adopt_child_writes()
{
	const unsigned n = std::min<unsigned>(mb_->nwrites, mailbox_slots);
	u64 offs[mailbox_slots];
	std::size_t k = 0;
	for (unsigned j = 0; j < n; ++j) {
		const u64 off = mb_->w[j].off;
		if (!shadow_.own(off) || off % 8) {
			diverge({ .what = "the forked child reported a write outside the region",
				  .offset = off });
			continue;
		}
		shadow_.word(off) = mb_->w[j].val;
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
		if (guarded_load(m.addr + (off - m.off), {}, std::span(&v, 1))) {
			check_word(off, le64(v), "a forked child's store, seen by its parent",
				   m.addr + (off - m.off));
			mark_res(m, (off - m.off) / buf_.page, 1);
		} else {
			diverge_signal("signal reading a readable mapping", off);
		}
	}
	if (k && r_.chance(500))
		verify_words_via_read(std::span(offs, k));
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
	child_reads();
	if (r_.chance(600))
		child_stores();
	if (r_.chance(500))
		child_pread();
	if (r_.chance(300) && !maps_.empty()) {
		const map_obj &m = maps_[r_.below(maps_.size())];
		const std::size_t k = r_.below(m.pages());
		if (munmap(m.addr + k * buf_.page, buf_.page) != 0)
			diverge({ .what = "munmap in a forked child", .offset = m.off, .err = errno });
	}
	_exit(child_div_ ? 1 : 0);
}

void worker::child_reads()
{
	for (int rep = 0; rep < 4; ++rep) {
		const int i = pick_map(readable_map);
		if (i < 0)
			break;
		const map_obj &m = maps_[static_cast<std::size_t>(i)];
		std::size_t idx[8];
		u64 vals[8];
		const std::size_t k = draw_words(m, idx);
		if (!guarded_load(m.addr, std::span(idx, k), std::span(vals, k))) {
			diverge_signal("signal reading an inherited mapping", m.off);
			continue;
		}
		for (std::size_t j = 0; j < k; ++j)
			check_word(m.off + idx[j] * 8, le64(vals[j]), "word read through an inherited mapping",
				   m.addr + idx[j] * 8);
	}
}

void worker::child_stores()
{
	const int i = own_writable_map();
	if (i < 0)
		return;
	const map_obj &m = maps_[static_cast<std::size_t>(i)];
	const std::size_t k = r_.between(1, 4);
	unsigned n = 0;
	for (std::size_t j = 0; j < k; ++j) {
		const std::optional<u64> off = store_tag(m, "signal storing through an inherited mapping");
		if (!off)
			break;
		mb_->w[n].off = *off;
		mb_->w[n].val = shadow_.word(*off);
		mb_->nwrites = ++n;
		std::byte *const p = m.addr + (*off - m.off);
		u64 v;
		if (guarded_load(p, {}, std::span(&v, 1)))
			check_word(*off, le64(v), "a store read back through an inherited mapping", p);
	}
}

void worker::child_pread()
{
	const int s = pick_fd([](const file_slot &f) { return f.readable(); });
	if (s < 0)
		return;
	alignas(8) std::uint8_t buf[512];
	const u64 off = r_.chance(500) ? rs_ + r_.below(re_ - rs_) : r_.below(buf_.size);
	const std::size_t n = std::min<u64>(r_.between(1, sizeof(buf)), buf_.size - off);
	const ssize_t ret = pread(files_[s].fd, buf, n, static_cast<off_t>(off));
	if (ret < 0)
		diverge({ .what = "pread on an inherited file", .offset = off, .err = errno });
	else if (static_cast<std::size_t>(ret) != n)
		diverge({ .what = "pread on an inherited file: short", .offset = off,
			  .ret = static_cast<long>(ret) });
	else
		check_bytes(off, std::span(buf, n), "bytes read by a forked child");
}

} // namespace mapdrv::stress
