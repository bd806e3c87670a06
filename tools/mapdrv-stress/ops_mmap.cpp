// SPDX-License-Identifier: GPL-2.0
//
// mmap: valid mappings of random ranges, shared and private, readable and
// writable, with MAP_POPULATE or MAP_FIXED (into a reservation, or over a
// mapping of ours), and a table of invalid ones.

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <vector>

#include <sys/mman.h>

#include "worker.hpp"

namespace mapdrv::stress {

namespace {

/* ---- the invalid mmaps ------------------------------------------------- */

/* An mmap() that must fail: drawn as 1-4 pages at a page of the buffer, then shaped. */
struct bad_mmap {
	std::size_t len;
	u64 off;
	int prot;
	int flags;
	void *addr;
	errset errs;
};

enum class needs { nothing, rdonly_file, wronly_file, mapping };

/* A case: what it asks for (fields left out: PROT_READ, MAP_SHARED) and must get (EINVAL). */
struct bad_mmap_case {
	const char *name;	/* also the divergence's text */
	unsigned weight = 1;
	needs need = needs::nothing;	/* without it: the first case instead */
	bool fit = false;	/* the length cut to stay inside the buffer */
	int prot = PROT_READ;
	int flags = MAP_SHARED;
	errset errs{ EINVAL };
	/* what else the case changes, and draws */
	void (*shape)(bad_mmap &q, rng &r, const buffer_layout &b, std::span<const map_obj> maps) = nullptr;
};

/* off + len may wrap 2^64; the core may say EOVERFLOW first. */
constexpr u64 huge_offsets[] = { 1ULL << 40, 1ULL << 52, (1ULL << 63) - 4096,
				 0ULL - 4096, 0ULL - 8192, 0x7ffffffffffff000ULL };

constexpr bad_mmap_case bad_mmaps[] = {
	{ .name = "mmap past the end of the buffer",
	  .shape = [](bad_mmap &q, rng &r, const buffer_layout &b, std::span<const map_obj>) {
		  q.off = r.below(b.npages) * b.page;
		  q.len = static_cast<std::size_t>(b.size - q.off + r.between(1, 4) * b.page);
	  } },
	{ .name = "mmap at offset == size",
	  .shape = [](bad_mmap &q, rng &, const buffer_layout &b, std::span<const map_obj>) {
		  q.off = b.size;
	  } },
	{ .name = "mmap beyond the end of the buffer",
	  .shape = [](bad_mmap &q, rng &r, const buffer_layout &b, std::span<const map_obj>) {
		  q.off = b.size + r.between(1, 1000) * b.page;
	  } },
	{ .name = "mmap at a huge offset", .errs = { EINVAL, EOVERFLOW },
	  .shape = [](bad_mmap &q, rng &r, const buffer_layout &b, std::span<const map_obj>) {
		  q.off = huge_offsets[r.below(std::size(huge_offsets))] & ~(b.page - 1);
	  } },
	{ .name = "mmap at an unaligned offset",
	  .shape = [](bad_mmap &q, rng &r, const buffer_layout &b, std::span<const map_obj>) {
		  q.off = r.below(b.npages) * b.page + r.between(1, b.page - 1);
	  } },
	{ .name = "mmap of length 0",
	  .shape = [](bad_mmap &q, rng &, const buffer_layout &, std::span<const map_obj>) {
		  q.len = 0;
	  } },
	{ .name = "private writable mmap", .fit = true, .prot = PROT_READ | PROT_WRITE,
	  .flags = MAP_PRIVATE, .errs = { EPERM } },
	{ .name = "shared writable mmap of an O_RDONLY file", .need = needs::rdonly_file, .fit = true,
	  .prot = PROT_READ | PROT_WRITE, .errs = { EACCES } },
	{ .name = "mmap of an O_WRONLY file", .need = needs::wronly_file, .fit = true, .errs = { EACCES } },
	{ .name = "mmap with MAP_SHARED_VALIDATE | MAP_SYNC", .fit = true,
	  .flags = MAP_SHARED_VALIDATE | MAP_SYNC, .errs = { EOPNOTSUPP } },
	{ .name = "mmap with neither MAP_SHARED nor MAP_PRIVATE", .fit = true, .flags = 0 },
	{ .name = "mmap with MAP_HUGETLB", .fit = true, .flags = MAP_SHARED | MAP_HUGETLB },
	{ .name = "MAP_FIXED_NOREPLACE over a mapping", .need = needs::mapping,
	  .flags = MAP_SHARED | MAP_FIXED_NOREPLACE, .errs = { EEXIST },
	  .shape = [](bad_mmap &q, rng &r, const buffer_layout &b, std::span<const map_obj> maps) {
		  q.addr = maps[r.below(maps.size())].addr;
		  q.len = std::min<u64>(b.page, b.size - q.off);
	  } },
	{ .name = "MAP_FIXED at an unaligned address", .fit = true, .flags = MAP_SHARED | MAP_FIXED,
	  .shape = [](bad_mmap &q, rng &r, const buffer_layout &b, std::span<const map_obj>) {
		  q.addr = reinterpret_cast<void *>(0x10000000000ULL + r.between(1, b.page - 1));
	  } },
};
static_assert(total_weight(bad_mmaps) == 14);

} // namespace

/* ---- mmap -------------------------------------------------------------- */

void worker::op_mmap()
{
	map_some(false);
}

/* A mapping, maybe an invalid one; @want_own_rw: a shared writable one of our region. */
void worker::map_some(bool want_own_rw)
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

/* What a valid mmap() asks for, drawn. */
worker::mmap_request worker::draw_mmap(const file_slot &f, bool want_own_rw)
{
	using length_case = weighted_case<u64>; /* 0: the whole buffer */
	static constexpr length_case lengths[] = {
		{ "1 to 4 pages", 60, 4 }, { "up to 32 pages", 25, 32 },
		{ "up to 256 pages", 12, 256 }, { "up to the whole buffer", 3, 0 },
	};
	static_assert(total_weight(lengths) == 100);
	using prot_case = weighted_case<int>;
	static constexpr prot_case shared_prots[] = {	/* of a writable file */
		{ "read-write", 60, PROT_READ | PROT_WRITE }, { "read-only", 30, PROT_READ },
		{ "PROT_NONE", 10, PROT_NONE },
	};
	static_assert(total_weight(shared_prots) == 100);

	const u64 page = buf_.page, np = buf_.npages;
	mmap_request q;
	const u64 max_pages = pick(r_, lengths).value;
	q.len_p = std::min(r_.between(1, max_pages ? max_pages : np), np);
	if (want_own_rw || r_.chance(500)) {
		const u64 rs_p = rs_ / page, re_p = re_ / page;
		q.off_p = r_.between(rs_p, re_p - 1);
		if (want_own_rw)
			q.len_p = std::min(q.len_p, re_p - q.off_p);
	} else {
		q.off_p = r_.below(np);
	}
	q.shared = want_own_rw || r_.chance(600);
	if (q.shared && f.writable()) {
		const int prot = pick(r_, shared_prots).value;
		q.prot = want_own_rw ? PROT_READ | PROT_WRITE : prot;
	} else {
		q.prot = r_.chance(900) ? PROT_READ : PROT_NONE;
	}
	q.flags = q.shared ? (r_.chance(150) ? MAP_SHARED_VALIDATE : MAP_SHARED) : MAP_PRIVATE;
	q.populate = r_.chance(80);
	if (q.populate)
		q.flags |= MAP_POPULATE;
	draw_placement(q, want_own_rw);
	q.off_p = std::min(q.off_p, np - q.len_p);
	return q;
}

/* Where: anywhere, into a reservation (MAP_FIXED), or over one of ours. */
void worker::draw_placement(mmap_request &q, bool want_own_rw)
{
	enum class place { reservation, over_ours, anywhere };
	using place_case = weighted_case<place>;
	static constexpr place_case places[] = {
		{ "MAP_FIXED into a reservation", 8, place::reservation },
		{ "MAP_FIXED over a mapping of ours (else into a reservation)", 4, place::over_ours },
		{ "anywhere", 88, place::anywhere },
	};
	static_assert(total_weight(places) == 100);

	place where = pick(r_, places).value;
	if (where == place::over_ours && (want_own_rw || maps_.empty()))
		where = place::reservation;
	if (where == place::reservation) {
		q.reservation = reserve(q.len_p * buf_.page);
		if (q.reservation) {
			q.hint = q.reservation;
			q.flags |= MAP_FIXED;
		}
	} else if (where == place::over_ours) {
		q.replace = static_cast<int>(r_.below(maps_.size()));
		const map_obj &old = maps_[static_cast<std::size_t>(q.replace)];
		q.len_p = std::min<u64>(old.pages(), buf_.npages);
		q.hint = old.addr;
		q.flags |= MAP_FIXED;
	}
}

void worker::mmap_valid(unsigned s, bool want_own_rw)
{
	begin(OP_MMAP);
	file_slot &f = files_[s];
	const mmap_request q = draw_mmap(f, want_own_rw);
	const std::size_t len = q.len_p * buf_.page;
	std::size_t ask = len;
	if (r_.chance(100))
		ask = len - r_.below(buf_.page);	/* the kernel rounds up */
	const u64 off = q.off_p * buf_.page;

	void *p = mmap(q.hint, ask, q.prot, q.flags, f.fd, static_cast<off_t>(off));
	if (p == MAP_FAILED) {
		diverge({ .what = "mmap of a valid range", .offset = off, .err = errno });
		if (q.reservation)
			munmap(q.reservation, len);
		if (q.replace >= 0)	/* MAP_FIXED may have unmapped it: forget it */
			drop_map(static_cast<std::size_t>(q.replace));
		end();
		return;
	}
	++st_->mmaps_ok;
	if (q.hint && p != q.hint) {
		diverge({ .what = "MAP_FIXED mmap returned another address", .offset = off, .addr = p });
		if (q.reservation)
			munmap(q.reservation, len);
	}
	if (q.replace >= 0 && p == q.hint)
		drop_map(static_cast<std::size_t>(q.replace));
	add_map(p, s, off, q);
	end();
}

/* Book a new mapping at @p of file slot @s, as asked by @q. */
void worker::add_map(void *p, unsigned s, u64 off, const mmap_request &q)
{
	file_slot &f = files_[s];
	map_obj m;
	m.addr = static_cast<std::byte *>(p);
	m.len = q.len_p * buf_.page;
	m.off = off;
	m.prot = q.prot;
	m.maxprot = q.shared && f.writable() ? PROT_READ | PROT_WRITE : PROT_READ;
	m.shared = q.shared;
	m.file = s;
	m.mode = cfg_.set_mode ? f.mode : MAPDRV_MODE_FAULT;
	std::uint8_t init = RS_NONRES;
	if (m.mode == MAPDRV_MODE_AROUND)
		init = RS_UNKNOWN;
	else if (m.mode == MAPDRV_MODE_EAGER)
		init = RS_RES;
	if (q.populate && init != RS_RES)
		init = q.prot != PROT_NONE ? RS_RES : RS_UNKNOWN;
	m.res.assign(q.len_p, init);
	++f.nmaps;
	maps_.push_back(std::move(m));
}

/* Address space of our own to MAP_FIXED into; nullptr if there is none. */
void *worker::reserve(std::size_t len)
{
	void *p = mmap(nullptr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? nullptr : p;
}

void worker::mmap_invalid()
{
	const bad_mmap_case *c = &pick(r_, bad_mmaps);
	int s = -1;
	if (c->need == needs::rdonly_file)
		s = pick_fd([](const file_slot &f) { return f.acc == O_RDONLY; });
	else if (c->need == needs::wronly_file)
		s = pick_fd([](const file_slot &f) { return f.acc == O_WRONLY; });
	else if (c->need == needs::mapping && maps_.empty())
		c = &bad_mmaps[0];
	if ((c->need == needs::rdonly_file || c->need == needs::wronly_file) && s < 0)
		c = &bad_mmaps[0];
	if (s < 0) {
		s = need_fd(true, false);
		if (s < 0)
			return;
	}
	begin(OP_MMAP);
	bad_mmap q{};
	q.len = r_.between(1, 4) * buf_.page;
	q.off = r_.below(buf_.npages) * buf_.page;
	q.prot = c->prot;
	q.flags = c->flags;
	q.errs = c->errs;
	if (c->fit)
		q.len = std::min<u64>(q.len, buf_.size - q.off);
	if (c->shape)
		c->shape(q, r_, buf_, maps_);

	void *p = mmap(q.addr, q.len, q.prot, q.flags, files_[s].fd, static_cast<off_t>(q.off));
	if (p != MAP_FAILED) {
		++st_->mmaps_ok;
		diverge({ .what = c->name, .offset = q.off, .errs = q.errs,
			  .ret = static_cast<long>(reinterpret_cast<std::uintptr_t>(p)) });
		if (p != q.addr)
			munmap(p, q.len);
	} else {
		must_fail(-1, q.errs, c->name, q.off);
	}
	end();
}

} // namespace mapdrv::stress
