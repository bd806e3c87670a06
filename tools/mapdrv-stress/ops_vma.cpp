// SPDX-License-Identifier: GPL-2.0
//
// What is done to a mapping once made: munmap (whole, head, tail, middle),
// mremap, mprotect, madvise and mincore, each keeping the worker's map_obj
// split wherever the kernel may split its VMA.

#include <algorithm>
#include <cerrno>
#include <vector>

#include <sys/mman.h>

#include "guard.hpp"
#include "worker.hpp"

namespace mapdrv::stress {

/* ---- munmap ------------------------------------------------------------ */

void worker::op_munmap()
{
	static constexpr map_case cases[] = {
		{ "a whole mapping", 40, &worker::unmap_whole },
		{ "its head", 20, &worker::unmap_head },
		{ "its tail", 20, &worker::unmap_tail },
		{ "its middle (3 pages or more, room for a mapping more)", 20, &worker::unmap_middle },
	};
	static_assert(total_weight(cases) == 100);

	with_map(OP_MUNMAP, [&](std::size_t idx) {
		const map_obj &m = maps_[idx];
		if (r_.chance(30)) {
			must_fail(munmap(m.addr + r_.between(1, buf_.page - 1), buf_.page), { EINVAL },
				  "munmap at an unaligned address", m.off);
			return;
		}
		const std::size_t n = m.pages();
		const map_case *c = &pick(r_, cases);
		if (n == 1 || (c->value == &worker::unmap_middle && (n < 3 || maps_.size() >= max_maps)))
			c = &case_of(cases, &worker::unmap_whole);
		(this->*c->value)(idx);
	});
}

void worker::unmap_whole(std::size_t i)
{
	const map_obj &m = maps_[i];
	if (must_work(munmap(m.addr, r_.chance(100) ? m.len - r_.below(buf_.page) : m.len),
		      "munmap of a whole mapping", m.off))
		drop_map(i);
}

void worker::unmap_head(std::size_t i)
{
	map_obj &m = maps_[i];
	const std::size_t n = m.pages();
	const std::size_t k = r_.between(1, n - 1);
	if (must_work(munmap(m.addr, k * buf_.page - r_.below(buf_.page)),
		      "munmap of the head of a mapping", m.off))
		m = slice(m, k, n);
}

void worker::unmap_tail(std::size_t i)
{
	map_obj &m = maps_[i];
	const std::size_t n = m.pages();
	const std::size_t k = r_.between(1, n - 1);
	if (must_work(munmap(m.addr + k * buf_.page, (n - k) * buf_.page),
		      "munmap of the tail of a mapping", m.off + k * buf_.page))
		m = slice(m, 0, k);
}

void worker::unmap_middle(std::size_t i)
{
	map_obj &m = maps_[i];
	const std::size_t n = m.pages();
	const std::size_t a = r_.between(1, n - 2), b = r_.between(a + 1, n - 1);
	if (!must_work(munmap(m.addr + a * buf_.page, (b - a) * buf_.page),
		       "munmap of the middle of a mapping", m.off + a * buf_.page))
		return;
	map_obj tail = slice(m, b, n);
	m = slice(m, 0, a);
	++files_[tail.file].nmaps;
	maps_.push_back(std::move(tail));
}

/* ---- mremap ------------------------------------------------------------ */

void worker::op_mremap()
{
	static constexpr map_case cases[] = {
		{ "growing (refused)", 12, &worker::mremap_grow },
		{ "MREMAP_DONTUNMAP (refused)", 5, &worker::mremap_dontunmap },
		{ "to length 0 (refused)", 3, &worker::mremap_to_zero },
		{ "at an unaligned address (refused)", 3, &worker::mremap_unaligned },
		{ "old_len 0, a duplicate (refused; shared only, else shrinking)", 3,
		  &worker::mremap_duplicate },
		{ "shrinking (2 pages or more, else to the same size)", 24, &worker::mremap_shrink },
		{ "to the same size", 5, &worker::mremap_same_size },
		{ "moving it (MREMAP_FIXED)", 45, &worker::mremap_move },
	};
	static_assert(total_weight(cases) == 100);

	with_map(OP_MREMAP, [&](std::size_t idx) {
		const map_obj &m = maps_[idx];
		const map_case *c = &pick(r_, cases);
		if (c->value == &worker::mremap_duplicate && !m.shared)
			c = &case_of(cases, &worker::mremap_shrink);
		if (c->value == &worker::mremap_shrink && m.pages() < 2)
			c = &case_of(cases, &worker::mremap_same_size);
		(this->*c->value)(idx);
	});
}

/* An mremap() of @m that must fail returned @p: true if it did fail. */
bool worker::mremap_refused(void *p, errset errs, const char *what, const map_obj &m)
{
	if (p == MAP_FAILED) {
		must_fail(-1, errs, what, m.off);
		return true;
	}
	diverge({ .what = what, .offset = m.off, .errs = errs, .addr = p });
	return false;
}

void worker::mremap_grow(std::size_t i)
{
	map_obj &m = maps_[i];
	const std::size_t grown = m.len + r_.between(1, 4) * buf_.page;
	void *p = mremap(m.addr, m.len, grown, r_.chance(500) ? MREMAP_MAYMOVE : 0);
	if (!mremap_refused(p, { EFAULT }, "mremap growing a mapping", m)) {
		/* Keep the bookkeeping true: it is now the grown mapping. */
		m.addr = static_cast<std::byte *>(p);
		munmap(m.addr + m.len, grown - m.len);
	}
}

void worker::mremap_dontunmap(std::size_t i)
{
	const map_obj &m = maps_[i];
	void *p = mremap(m.addr, m.len, m.len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	if (!mremap_refused(p, { EINVAL }, "mremap MREMAP_DONTUNMAP of a VM_DONTEXPAND mapping", m))
		munmap(p, m.len);
}

void worker::mremap_to_zero(std::size_t i)
{
	const map_obj &m = maps_[i];
	must_fail(mremap(m.addr, m.len, 0, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 0, { EINVAL },
		  "mremap to length 0", m.off);
}

void worker::mremap_unaligned(std::size_t i)
{
	const map_obj &m = maps_[i];
	const u64 page = buf_.page;
	must_fail(mremap(m.addr + r_.between(1, page - 1), page, page, 0) == MAP_FAILED ? -1 : 0,
		  { EINVAL }, "mremap at an unaligned address", m.off);
}

/* old_len 0 asks for a duplicate: growth of a VM_DONTEXPAND mapping */
void worker::mremap_duplicate(std::size_t i)
{
	const map_obj &m = maps_[i];
	void *p = mremap(m.addr, 0, buf_.page, MREMAP_MAYMOVE);
	if (!mremap_refused(p, { EFAULT }, "mremap with old_len 0 (duplicate)", m))
		munmap(p, buf_.page);
}

void worker::mremap_shrink(std::size_t i)
{
	map_obj &m = maps_[i];
	const std::size_t k = r_.between(1, m.pages() - 1);
	void *p = mremap(m.addr, m.len, k * buf_.page, r_.chance(500) ? MREMAP_MAYMOVE : 0);
	if (p == MAP_FAILED) {
		diverge({ .what = "mremap shrinking a mapping", .offset = m.off, .err = errno });
		return;
	}
	if (p != m.addr)
		diverge({ .what = "mremap shrinking a mapping moved it", .offset = m.off, .addr = p });
	map_obj s = slice(m, 0, k);
	s.addr = static_cast<std::byte *>(p);
	m = std::move(s);
}

void worker::mremap_same_size(std::size_t i)
{
	map_obj &m = maps_[i];
	void *p = mremap(m.addr, m.len, m.len, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		diverge({ .what = "mremap to the same size", .offset = m.off, .err = errno });
	else if (p != m.addr)
		m.addr = static_cast<std::byte *>(p);	/* allowed, if odd */
}

void worker::mremap_move(std::size_t i)
{
	map_obj &m = maps_[i];
	const std::size_t k = r_.between(1, m.pages());
	void *res = reserve(k * buf_.page);
	if (!res)
		return;
	void *p = mremap(m.addr, m.len, k * buf_.page, MREMAP_MAYMOVE | MREMAP_FIXED, res);
	if (p == MAP_FAILED) {
		diverge({ .what = "mremap moving a mapping (MREMAP_FIXED)", .offset = m.off, .err = errno });
		munmap(res, k * buf_.page);
		return;
	}
	if (p != res)
		diverge({ .what = "mremap MREMAP_FIXED returned another address", .offset = m.off, .addr = p });
	map_obj s = slice(m, 0, k);
	s.addr = static_cast<std::byte *>(p);
	m = std::move(s);
}

/* ---- mprotect ---------------------------------------------------------- */

void worker::op_mprotect()
{
	using prot_case = weighted_case<int>;
	static constexpr prot_case prots[] = {
		{ "PROT_NONE", 25, PROT_NONE }, { "PROT_READ", 40, PROT_READ },
		{ "PROT_READ | PROT_WRITE", 35, PROT_READ | PROT_WRITE },
	};
	static_assert(total_weight(prots) == 100);

	with_map(OP_MPROTECT, [&](std::size_t idx) {
		const u64 page = buf_.page;
		map_obj &m = maps_[idx];
		if (r_.chance(30)) {
			must_fail(mprotect(m.addr + r_.between(1, page - 1), page, PROT_READ), { EINVAL },
				  "mprotect at an unaligned address", m.off);
			return;
		}
		auto [a, b] = pick_range(m, 600);
		if (maps_.size() + 2 > max_maps) {
			a = 0;
			b = m.pages();
		}
		const int prot = pick(r_, prots).value;
		const int ret = mprotect(m.addr + a * page, (b - a) * page, prot);
		if ((prot & PROT_WRITE) && !(m.maxprot & PROT_WRITE)) {
			const char *what = m.shared ? "mprotect(PROT_WRITE) of a shared mapping of an O_RDONLY file"
						    : "mprotect(PROT_WRITE) of a private mapping";
			if (ret != 0) {
				must_fail(-1, { EACCES }, what, m.off);
				return;
			}
			diverge({ .what = what, .offset = m.off, .errs = { EACCES }, .ret = 0 });
			/* it is writable now: say so, so that nothing else diverges */
			m.maxprot |= PROT_WRITE;
		} else if (!must_work(ret, "mprotect", m.off + a * page)) {
			return;
		}
		split_protection(idx, a, b, prot);
	});
}

/* Pages [a, b) of mapping @i now have @prot: a VMA (and a map_obj) of their own. */
void worker::split_protection(std::size_t i, std::size_t a, std::size_t b, int prot)
{
	const map_obj &m = maps_[i];
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
	maps_[i] = std::move(pieces[0]);
	for (std::size_t k = 1; k < pieces.size(); ++k)
		maps_.push_back(std::move(pieces[k]));
}

/* ---- madvise ----------------------------------------------------------- */

void worker::op_madvise()
{
	static constexpr madvise_case cases[] = {
		{ "madvise at an unaligned address", 3, MADV_DONTNEED, &worker::madvise_unaligned },
		{ "madvise(MADV_DONTNEED)", 42, MADV_DONTNEED, &worker::madvise_dontneed },
		{ "madvise(MADV_POPULATE_READ)", 15, MADV_POPULATE_READ, &worker::madvise_populate },
		{ "madvise(MADV_POPULATE_WRITE)", 8, MADV_POPULATE_WRITE, &worker::madvise_populate },
		{ "madvise(MADV_COLD)", 10, MADV_COLD, &worker::madvise_cold },
		{ "madvise(MADV_PAGEOUT)", 10, MADV_PAGEOUT, &worker::madvise_cold },
		{ "madvise(MADV_FREE) of a file mapping", 6, MADV_FREE, &worker::madvise_free },
		{ "madvise(MADV_REMOVE)", 6, MADV_REMOVE, &worker::madvise_remove },
	};
	static_assert(total_weight(cases) == 100);
	const auto with_advice = [](int advice) -> const madvise_case & {
		return *std::find_if(std::begin(cases), std::end(cases),
				     [advice](const madvise_case &c) { return c.advice == advice; });
	};

	with_map(OP_MADVISE, [&](std::size_t idx) {
		map_obj &m = maps_[idx];
		const auto [a, b] = pick_range(m, 500);
		const madvise_range r{ m, a, b, buf_.page };
		const madvise_case *c = &pick(r_, cases);
		/* Without MADV_POPULATE_* (or a mapping they would fault on): COLD, PAGEOUT instead. */
		if (c->advice == MADV_POPULATE_READ && (!cfg_.populate || !r.readable()))
			c = &with_advice(MADV_COLD);
		if (c->advice == MADV_POPULATE_WRITE && (!cfg_.populate || !r.writable()))
			c = &with_advice(MADV_PAGEOUT);
		(this->*c->run)(*c, r);
	});
}

void worker::madvise_unaligned(const madvise_case &c, const madvise_range &r)
{
	must_fail(madvise(r.addr() + 8, buf_.page, c.advice), { EINVAL }, c.name, r.off());
}

void worker::madvise_dontneed(const madvise_case &c, const madvise_range &r)
{
	map_obj &m = r.m;
	if (!must_work(madvise(r.addr(), r.len(), c.advice), c.name, r.off()))
		return;
	mark_zapped(m, r.a, r.b - r.a);
	if (!r.readable())
		return;
	/* the data must survive: it is the device's, not anonymous memory */
	std::size_t idx[4] = {};
	u64 vals[4] = {};
	const std::size_t k = r_.between(1, 4);
	for (std::size_t j = 0; j < k; ++j)
		idx[j] = r.a * buf_.page / 8 + r_.below(r.len() / 8);
	if (!guarded_load(m.addr, std::span(idx, k), std::span(vals, k)))
		diverge_signal("signal reading a mapping after MADV_DONTNEED", r.off());
	else
		check_loaded(m, std::span(idx, k), vals, "word read back after MADV_DONTNEED");
}

void worker::madvise_populate(const madvise_case &c, const madvise_range &r)
{
	if (must_work(madvise(r.addr(), r.len(), c.advice), c.name, r.off()))
		mark_res(r.m, r.a, r.b - r.a);
}

void worker::madvise_cold(const madvise_case &c, const madvise_range &r)
{
	if (!must_work(madvise(r.addr(), r.len(), c.advice), c.name, r.off()))
		return;
	/* driver pages are not on the LRU: nothing should go, but do not insist */
	for (std::size_t k = r.a; k < r.b; ++k)
		if (r.m.res[k] == RS_RES)
			r.m.res[k] = RS_UNKNOWN;
}

void worker::madvise_free(const madvise_case &c, const madvise_range &r)
{
	must_fail(madvise(r.addr(), r.len(), c.advice), { EINVAL }, c.name, r.off());
}

void worker::madvise_remove(const madvise_case &c, const madvise_range &r)
{
	/* the core wants a shared writable VMA (since 6.x: VM_MAYWRITE), then fallocate() says ENODEV */
	errset errs{ EACCES };
	if (r.writable())
		errs = { ENODEV, EOPNOTSUPP };
	else if (r.m.shared && (r.m.maxprot & PROT_WRITE))
		errs = { EACCES, ENODEV, EOPNOTSUPP };
	must_fail(madvise(r.addr(), r.len(), c.advice), errs, c.name, r.off());
}

/* ---- mincore ----------------------------------------------------------- */

void worker::op_mincore()
{
	with_map(OP_MINCORE, [&](std::size_t idx) {
		const u64 page = buf_.page;
		map_obj &m = maps_[idx];
		if (r_.chance(30)) {
			unsigned char vec[2];
			must_fail(mincore(m.addr + 8, page, vec), { EINVAL }, "mincore at an unaligned address",
				  m.off);
			return;
		}
		auto [a, b] = pick_range(m, 500);
		b = std::min<std::size_t>(b, a + 64);
		unsigned char vec[64];
		if (!must_work(mincore(m.addr + a * page, (b - a) * page, vec), "mincore", m.off + a * page))
			return;
		for (std::size_t k = a; k < b; ++k) {
			const bool resident = vec[k - a] & 1;
			const char *what = nullptr;
			if (m.res[k] == RS_RES && !resident)
				what = "mincore: a page that must be mapped (touched, populated, EAGER) is not resident";
			else if (m.res[k] == RS_NONRES && resident)
				what = "mincore: page resident before its first touch "
				       "(MAPDRV_MODE_FAULT maps one page per fault)";
			if (what) {
				diverge({ .what = what, .offset = m.off + k * page, .addr = m.addr + k * page });
				m.res[k] = RS_UNKNOWN;
				break;
			}
		}
	});
}

} // namespace mapdrv::stress
