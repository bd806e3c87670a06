// SPDX-License-Identifier: GPL-2.0
//
// A worker: one thread of a worker process. It owns one region of the
// buffer (its shadow_region), draws operations from a seeded stream and
// checks every result: a refused call must fail with the errno documented
// in mapdrv(4) (or the core's, for what the core checks first), a
// successful one must do what it says, and every byte read must be what
// the oracle expects. Anything else is a divergence.
//
// Each operation is a table of named cases with their weights (see
// rng.hpp for how a table is drawn): the mix of operations in worker.cpp,
// the cases of each next to it in ops_*.cpp. Whatever an operation draws,
// it draws in the order the tool always has, so that seeds replay.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>

#include "config.hpp"
#include "oracle.hpp"
#include "rng.hpp"

namespace mapdrv::stress {

/*
 * Forks in flight in one worker process, by thread: a child holds copies
 * of every mapping of the process, sibling threads' too, until it exits, so
 * a sibling's file may be busy for MAPDRV_IOC_SET_MODE although the sibling
 * unmapped everything. Sequence numbers tell whether the child was forked
 * before the file's last mapping went away (then EBUSY is right).
 */
struct fork_registry {
	std::atomic<u64> seq{ 0 };
	std::atomic<u64> live[max_threads] = {};
};

enum res_state : std::uint8_t { RS_NONRES, RS_RES, RS_UNKNOWN };

struct file_slot {
	int fd = -1;		/* -1 once closed */
	int acc = O_RDONLY;	/* O_RDONLY, O_WRONLY or O_RDWR */
	u32 mode = 0, window = 0;
	unsigned nmaps = 0;	/* live mapping objects made through this file */
	u64 pos = 0;		/* the file position, as far as we know */
	u64 zero_mark = 0;	/* fork_registry::seq when nmaps last dropped to 0 */
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
inline constexpr unsigned mailbox_slots = 16;
struct mailbox {
	unsigned nwrites;
	struct {
		u64 off, val;
	} w[mailbox_slots];
};

/* NULL, hidden from the compiler's nonnull checks: calls given it must fail with EFAULT. */
inline void *volatile null_buffer = nullptr;

/* Anonymous pages of a worker's own, unmapped when it goes. */
class anon_pages {
public:
	anon_pages(std::size_t len, int prot, int flags, const char *what);
	~anon_pages();
	anon_pages(const anon_pages &) = delete;
	anon_pages &operator=(const anon_pages &) = delete;
	[[nodiscard]] std::byte *data() const { return p_; }

private:
	std::byte *p_;
	std::size_t len_;
};

class worker {
public:
	worker(const config &cfg, shared_state &sh, fork_registry &forks, unsigned id);
	~worker();
	worker(const worker &) = delete;
	worker &operator=(const worker &) = delete;

	// Operations until the stop flag, the deadline or the operation
	// limit; then unmap and close everything and check the whole region.
	void run();

private:
	/* Cases that are member functions. */
	using file_case = weighted_case<void (worker::*)(file_slot &, int)>;
	using map_case = weighted_case<void (worker::*)(std::size_t)>;

	/* The case of @table that does @fn (a fallback when another cannot be done). */
	template <class Case, std::size_t N, class Fn>
	static const Case &case_of(const Case (&table)[N], Fn fn)
	{
		for (const Case &c : table)
			if (c.value == fn)
				return c;
		return table[N - 1];
	}

	/* Where an lseek() case went, and where it meant to. */
	struct seek_result {
		std::int64_t target;
		off_t ret;
	};

	/* What a valid mmap() asks for. */
	struct mmap_request {
		u64 len_p = 0, off_p = 0;	/* pages */
		bool shared = false, populate = false;
		int prot = PROT_NONE, flags = 0;
		void *hint = nullptr, *reservation = nullptr;
		int replace = -1;		/* the mapping MAP_FIXED goes over */
	};

	/* Pages [a, b) of a mapping, for madvise(). */
	struct madvise_range {
		map_obj &m;
		std::size_t a, b;
		u64 page;

		[[nodiscard]] std::byte *addr() const { return m.addr + a * page; }
		[[nodiscard]] std::size_t len() const { return (b - a) * page; }
		[[nodiscard]] u64 off() const { return m.off + a * page; }
		[[nodiscard]] bool readable() const { return m.prot & PROT_READ; }
		[[nodiscard]] bool writable() const { return m.shared && (m.prot & PROT_WRITE); }
	};
	struct madvise_case {
		const char *name;	/* also the divergence's text */
		unsigned weight;
		int advice;
		void (worker::*run)(const madvise_case &, const madvise_range &);
	};
	using set_mode_case = weighted_case<void (worker::*)(file_slot &, bool busy, bool maybe_busy)>;

	/* A divergence's values, by name. */
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

	/* --- worker.cpp: the loop, accounting, checks, bookkeeping --- */
	void step();
	void trace_op(u64 draws_before) const;
	void trace_end() const;
	void begin(op_type op);
	void end();
	void diverge(const dv &d);
	bool must_work(long ret, const char *what, std::optional<u64> off = {});
	bool must_fail(long ret, errset errs, const char *what, std::optional<u64> off = {});
	void diverge_ret(const char *what, std::optional<u64> off, long ret);
	void diverge_signal(const char *what, u64 off);
	bool check_word(u64 off, u64 v, const char *what, const void *addr = nullptr);
	bool check_bytes(u64 off, std::span<const std::uint8_t> bytes, const char *what);
	void mark_res(map_obj &m, std::size_t first, std::size_t n);
	void mark_zapped(map_obj &m, std::size_t first, std::size_t n);
	[[nodiscard]] unsigned open_count() const;
	void release_slot_if_unused(file_slot &f);
	void drop_map(std::size_t i);
	[[nodiscard]] map_obj slice(const map_obj &m, std::size_t a, std::size_t b) const;
	std::pair<std::size_t, std::size_t> pick_range(const map_obj &m, unsigned whole_permille);
	[[nodiscard]] bool in_own_region(const map_obj &m) const { return m.off < re_ && m.end() > rs_; }
	u64 own_word_in(const map_obj &m);
	int need_fd(bool readable, bool writable);
	void teardown();
	void final_check();

	/* Uniformly one of the open files for which @pred holds; -1: none. */
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
				return tr_fd_ = static_cast<int>(i);
		return -1;
	}
	int any_fd() { return pick_fd([](const file_slot &) { return true; }); }

	/* Uniformly one of the mappings for which @pred holds; -1: none. */
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
				return tr_map_ = static_cast<int>(i);
		return -1;
	}
	int any_map() { return pick_map([](const map_obj &) { return true; }); }
	/* A shared writable mapping that reaches into our region; -1: none. */
	int own_writable_map()
	{
		return pick_map([this](const map_obj &m) {
			return m.shared && (m.prot & PROT_WRITE) && in_own_region(m);
		});
	}

	/* Operation @op on one of the open files: fn(file); without one, open one instead. */
	template <class Fn> void with_file(op_type op, Fn fn)
	{
		const int s = any_fd();
		if (s < 0)
			return op_open();
		begin(op);
		fn(files_[s]);
		end();
	}

	/* Operation @op on one of the mappings: fn(index); without one, map one instead. */
	template <class Fn> void with_map(op_type op, Fn fn)
	{
		const int i = any_map();
		if (i < 0)
			return op_mmap();
		begin(op);
		fn(static_cast<std::size_t>(i));
		end();
	}

	/* --- ops_file.cpp: open, close, read, pread, lseek --- */
	void op_open();
	void open_as(int want_acc);
	void op_close();
	bool seek_to(file_slot &f, u64 t);
	void resync_pos(file_slot &f);
	void op_read();
	void op_pread();
	void pread_past_end(file_slot &f, int);
	void pread_negative(file_slot &f, int);
	void pread_overflow(file_slot &f, int);
	void pread_to_null(file_slot &f, int);
	void pread_to_read_only(file_slot &f, int);
	void pread_onto_itself(file_slot &f, int map);
	void pread_valid(file_slot &f, int);
	void op_lseek();
	std::optional<seek_result> seek_set(const file_slot &f);
	std::optional<seek_result> seek_cur(const file_slot &f);
	std::optional<seek_result> seek_end(const file_slot &f);
	std::optional<seek_result> seek_here(const file_slot &f);
	std::optional<seek_result> seek_bad_set(const file_slot &f);
	std::optional<seek_result> seek_bad_cur(const file_slot &f);
	std::optional<seek_result> seek_bad_end(const file_slot &f);
	std::optional<seek_result> seek_bad_whence(const file_slot &f);

	/* --- ops_write.cpp: write, pwrite, and reading back what they did --- */
	std::pair<u64, std::size_t> draw_inside();
	std::pair<u64, std::size_t> draw_across_end();
	bool written(ssize_t ret, std::size_t expect, std::span<const u64> data, u64 off, const char *what);
	void maybe_verify(u64 off, std::size_t nw, unsigned permille);
	void verify_words_via_read(std::span<const u64> offs);
	void verify_own_range(int wfd, u64 off, std::size_t n, const char *what);
	void op_write();
	void write_at_end(file_slot &f, int);
	void write_across_end(file_slot &f, int);
	void write_inside(file_slot &f, int);
	void op_pwrite();
	void pwrite_past_end(file_slot &f, int);
	void pwrite_nothing_past_end(file_slot &f, int);
	void pwrite_negative(file_slot &f, int);
	void pwrite_faulting(file_slot &f, int);
	void efault_from(file_slot &f, u64 off, std::size_t n, bool prot_none);
	void efault_into_guard(file_slot &f, u64 off, std::size_t n);
	void pwrite_from_itself(file_slot &f, int map);
	void pwrite_across_end(file_slot &f, int);
	void pwrite_inside(file_slot &f, int);

	/* --- ops_mmap.cpp: mmap, valid and invalid --- */
	void op_mmap();
	void map_some(bool want_own_rw);
	mmap_request draw_mmap(const file_slot &f, bool want_own_rw);
	void draw_placement(mmap_request &q, bool want_own_rw);
	void mmap_valid(unsigned s, bool want_own_rw);
	void add_map(void *p, unsigned s, u64 off, const mmap_request &q);
	void *reserve(std::size_t len);
	void mmap_invalid();

	/* --- ops_vma.cpp: munmap, mremap, mprotect, madvise, mincore --- */
	void op_munmap();
	void unmap_whole(std::size_t i);
	void unmap_head(std::size_t i);
	void unmap_tail(std::size_t i);
	void unmap_middle(std::size_t i);
	void op_mremap();
	bool mremap_refused(void *p, errset errs, const char *what, const map_obj &m);
	void mremap_grow(std::size_t i);
	void mremap_dontunmap(std::size_t i);
	void mremap_to_zero(std::size_t i);
	void mremap_unaligned(std::size_t i);
	void mremap_duplicate(std::size_t i);
	void mremap_shrink(std::size_t i);
	void mremap_same_size(std::size_t i);
	void mremap_move(std::size_t i);
	void op_mprotect();
	void split_protection(std::size_t i, std::size_t a, std::size_t b, int prot);
	void op_madvise();
	void madvise_unaligned(const madvise_case &c, const madvise_range &r);
	void madvise_dontneed(const madvise_case &c, const madvise_range &r);
	void madvise_populate(const madvise_case &c, const madvise_range &r);
	void madvise_cold(const madvise_case &c, const madvise_range &r);
	void madvise_free(const madvise_case &c, const madvise_range &r);
	void madvise_remove(const madvise_case &c, const madvise_range &r);
	void op_mincore();

	/* --- ops_access.cpp: touch, store, deliberate faults, fork --- */
	std::size_t draw_words(const map_obj &m, std::span<std::size_t, 8> idx);
	void check_loaded(map_obj &m, std::span<const std::size_t> idx, std::span<const u64> vals,
			  const char *what);
	std::optional<u64> store_tag(const map_obj &m, const char *what);
	void op_touch();
	void op_store();
	void op_segv();
	void segv_prot_none(const map_obj &m);
	void segv_read_only(map_obj &m);
	void op_fork();
	void wait_child(pid_t pid);
	void adopt_child_writes();
	[[noreturn]] void child_main();
	void child_reads();
	void child_stores();
	void child_pread();

	/* --- ops_ioctl.cpp: INFO, unknown ioctls, RESTAMP, SET_MODE, unload --- */
	void op_info();
	void expect(const char *what, u64 expected, u64 found);
	void check_info(file_slot &f);
	void check_info_counters(const mapdrv_info &in);
	void op_ioctl();
	unsigned draw_unknown_ioctl();
	void op_restamp();
	void op_set_mode();
	bool set_mode_maybe_busy(const file_slot &f) const;
	void set_mode_valid(file_slot &f, bool busy, bool maybe_busy);
	void set_mode_invalid(file_slot &f, bool busy, bool maybe_busy);
	void set_mode_null(file_slot &f, bool busy, bool maybe_busy);
	void op_unload();

	const config &cfg_;
	const buffer_layout &buf_;
	shared_state &sh_;
	fork_registry &forks_;
	unsigned id_;
	rng r_;
	u64 rs_, re_;		/* our region */
	unsigned tix_;		/* thread index in the process */
	worker_stats *st_;
	shadow_region shadow_;
	file_slot files_[max_slots];
	std::vector<map_obj> maps_;
	anon_pages mailbox_pages_, ro_pages_, edge_pages_;
	mailbox *mb_;
	void *ro_page_;
	std::byte *edge_;	/* a read-write page, then a PROT_NONE one */
	u64 opno_ = 0;
	op_type cur_op_ = OP_OPEN;
	bool cur_div_ = false, cur_refused_ = false;
	bool in_child_ = false, child_div_ = false;
	u64 last_faults_ = 0, last_mmap_calls_ = 0;
	int tr_fd_ = -1, tr_map_ = -1;	/* for --trace-ops: the last picked */
	u64 tr_arg_ = 0;
};

} // namespace mapdrv::stress
