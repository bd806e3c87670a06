// SPDX-License-Identifier: GPL-2.0
//
// Writing: write and pwrite of tagged words into the worker's own region,
// and refused, short and faulting writes at every edge, each checked to
// leave the buffer as the shadow says.

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <unistd.h>

#include "worker.hpp"

namespace mapdrv::stress {

/* ---- write, pwrite: what they share ---------------------------------- */

/* Words of our region to write: where, and how many. */
std::pair<u64, std::size_t> worker::draw_inside()
{
	const u64 off = rs_ + 8 * r_.below((re_ - rs_) / 8);
	const u64 room = (re_ - off) / 8;
	const std::size_t nw = std::min<u64>(r_.chance(50) ? r_.between(1, 512) : r_.between(1, 32), room);
	return { off, nw };
}

/* A write across the end (the last region only): k bytes fit of n. */
std::pair<u64, std::size_t> worker::draw_across_end()
{
	const u64 k = 8 * r_.between(1, std::min<u64>(64, (re_ - rs_) / 8));
	const u64 n = k + 8 * r_.between(1, 64);
	return { k, n };
}

/* A write of tags @data at @off returned @ret; @expect bytes of it must have gone. */
bool worker::written(ssize_t ret, std::size_t expect, std::span<const u64> data, u64 off,
		     const char *what)
{
	if (ret != static_cast<ssize_t>(expect)) {
		diverge({ .what = what, .offset = off, .expected = expect, .found = static_cast<u64>(ret),
			  .err = ret < 0 ? errno : 0 });
		return false;
	}
	shadow_.wrote(off, data.first(expect / 8));
	return true;
}

/* Sometimes, read back up to 4 of the @nw words just written at @off. */
void worker::maybe_verify(u64 off, std::size_t nw, unsigned permille)
{
	if (!r_.chance(permille))
		return;
	u64 offs[4];
	const std::size_t k = std::min<std::size_t>(nw, 4);
	for (std::size_t j = 0; j < k; ++j)
		offs[j] = off + 8 * r_.below(nw);
	verify_words_via_read(std::span(offs, k));
}

/* Check words we wrote through a read(2) path: pread on a readable file. */
void worker::verify_words_via_read(std::span<const u64> offs)
{
	const int s = pick_fd([](const file_slot &f) { return f.readable(); });
	if (s < 0)
		return;
	for (const u64 off : offs) {
		std::uint8_t buf[8];
		const ssize_t ret = pread(files_[s].fd, buf, 8, static_cast<off_t>(off));
		if (ret != 8) {
			diverge_ret("pread of a word just written", off, ret);
			return;
		}
		if (!check_bytes(off, buf, "word read back with pread after a write"))
			return;
	}
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
		diverge_ret("pread after a refused write", off, ret);
		return;
	}
	const std::optional<mismatch> bad = shadow_.compare(off, std::span(buf, n));
	if (!bad)
		return;
	diverge({ .what = what, .offset = bad->offset, .expected = bad->expected, .found = bad->found });
	/* restore, whole words */
	const u64 lo = off & ~7ULL, hi = (off + n + 7) & ~7ULL;
	u64 words[40];
	for (u64 o = lo; o < hi; o += 8)
		words[(o - lo) / 8] = le64(shadow_.word(o));
	if (pwrite(wfd, words, hi - lo, static_cast<off_t>(lo)) != static_cast<ssize_t>(hi - lo))
		diverge({ .what = "pwrite restoring the region after a refused write", .offset = lo,
			  .err = errno });
}

/* ---- write ------------------------------------------------------------- */

void worker::op_write()
{
	static constexpr file_case cases[] = {
		{ "at the end", 8, &worker::write_at_end },
		{ "across the end (last region only)", 6, &worker::write_across_end },
		{ "inside the own region", 86, &worker::write_inside },
	};
	static_assert(total_weight(cases) == 100);

	with_file(OP_WRITE, [&](file_slot &f) {
		if (!f.writable()) {
			u64 data[1];
			shadow_.fill_tags(data, rs_);
			must_fail(write(f.fd, data, 8), { EBADF }, "write on an O_RDONLY file");
			return;
		}
		const file_case *c = &pick(r_, cases);
		if (c->value == &worker::write_across_end && id_ + 1 != buf_.workers)
			c = &case_of(cases, &worker::write_inside);
		(this->*c->value)(f, -1);
	});
}

void worker::write_at_end(file_slot &f, int)
{
	if (!seek_to(f, buf_.size))
		return;
	u64 data[8] = {};
	shadow_.fill_tags(std::span(data, 1), rs_);
	must_fail(write(f.fd, data, 8 * r_.between(1, 8)), { ENOSPC }, "write at the end", buf_.size);
}

void worker::write_across_end(file_slot &f, int)
{
	const auto [k, n] = draw_across_end();
	const u64 off = buf_.size - k;
	if (!seek_to(f, off))
		return;
	u64 data[128];
	shadow_.fill_tags(std::span(data, n / 8), off);
	if (!written(write(f.fd, data, n), k, data, off, "write crossing the end must be short")) {
		resync_pos(f);
		return;
	}
	f.pos = buf_.size;
}

void worker::write_inside(file_slot &f, int)
{
	const auto [off, nw] = draw_inside();
	if (!seek_to(f, off))
		return;
	u64 data[512];
	shadow_.fill_tags(std::span(data, nw), off);
	if (!written(write(f.fd, data, nw * 8), nw * 8, data, off, "write inside the buffer")) {
		resync_pos(f);
		return;
	}
	f.pos = off + nw * 8;
	maybe_verify(off, nw, 200);
}

/* ---- pwrite ------------------------------------------------------------ */

void worker::op_pwrite()
{
	static constexpr file_case cases[] = {
		{ "at or past the end", 6, &worker::pwrite_past_end },
		{ "of 0 bytes at or past the end", 2, &worker::pwrite_nothing_past_end },
		{ "at a negative offset", 3, &worker::pwrite_negative },
		{ "from a buffer that faults (efault-write)", 6, &worker::pwrite_faulting },
		{ "from a mapping of the same bytes", 8, &worker::pwrite_from_itself },
		{ "across the end (last region only)", 5, &worker::pwrite_across_end },
		{ "inside the own region", 70, &worker::pwrite_inside },
	};
	static_assert(total_weight(cases) == 100);

	with_file(OP_PWRITE, [&](file_slot &f) {
		if (!f.writable()) {
			u64 data[1];
			shadow_.fill_tags(data, rs_);
			must_fail(pwrite(f.fd, data, 8, static_cast<off_t>(rs_)), { EBADF },
				  "pwrite on an O_RDONLY file", rs_);
			return;
		}
		const file_case *c = &pick(r_, cases);
		int map = -1;
		if ((c->value == &worker::pwrite_faulting && cfg_.no_efault_write) ||
		    (c->value == &worker::pwrite_across_end && id_ + 1 != buf_.workers)) {
			c = &case_of(cases, &worker::pwrite_inside);
		} else if (c->value == &worker::pwrite_from_itself) {
			map = pick_map([this](const map_obj &m) { return (m.prot & PROT_READ) && in_own_region(m); });
			if (map < 0)
				c = &case_of(cases, &worker::pwrite_inside);
		}
		(this->*c->value)(f, map);
	});
}

void worker::pwrite_past_end(file_slot &f, int)
{
	static const u64 past[] = { 0, 8, 4096, 1ULL << 20, 1ULL << 40 };
	const u64 off = buf_.size + past[r_.below(std::size(past))];
	u64 data[8] = {};
	shadow_.fill_tags(std::span(data, 1), rs_);
	must_fail(pwrite(f.fd, data, 8 * r_.between(1, 8), static_cast<off_t>(off)), { ENOSPC },
		  "pwrite at or past the end", off);
}

void worker::pwrite_nothing_past_end(file_slot &f, int)
{
	const u64 off = buf_.size + 8 * r_.below(1024);
	const u64 data = 0;
	const ssize_t ret = pwrite(f.fd, &data, 0, static_cast<off_t>(off));
	if (ret != 0)
		diverge_ret("pwrite of 0 bytes at or past the end must return 0", off, ret);
}

void worker::pwrite_negative(file_slot &f, int)
{
	u64 data[1];
	shadow_.fill_tags(data, rs_);
	must_fail(pwrite(f.fd, data, 8, r_.chance(500) ? -8 : INT64_MIN), { EINVAL },
		  "pwrite at a negative offset");
}

/*
 * pwrite() from a source that faults: NULL, a PROT_NONE mapping (EFAULT,
 * nothing written), or a buffer whose tail runs into a PROT_NONE page (a
 * short write, or EFAULT if nothing could be copied). Bytes past what the
 * call reports written must not change.
 */
void worker::pwrite_faulting(file_slot &f, int)
{
	enum class source { null, prot_none, into_guard };
	using source_case = weighted_case<source>;
	static constexpr source_case sources[] = {
		{ "NULL", 1, source::null },
		{ "a PROT_NONE mapping (NULL if there is none)", 1, source::prot_none },
		{ "valid bytes running into a PROT_NONE page", 1, source::into_guard },
	};

	const source src = pick(r_, sources).value;
	const std::size_t n = 8 * r_.between(2, 16);
	const u64 off = rs_ + 8 * r_.below((re_ - rs_ - n) / 8 + 1);
	if (off + n > re_) {	/* a region of less than 128 bytes: cannot happen */
		cur_refused_ = true;
		return;
	}
	if (src == source::into_guard)
		efault_into_guard(f, off, n);
	else
		efault_from(f, off, n, src == source::prot_none);
}

/* From NULL, or a PROT_NONE mapping if @prot_none and there is one. */
void worker::efault_from(file_slot &f, u64 off, std::size_t n, bool prot_none)
{
	const int inone = pick_map([](const map_obj &m) { return m.prot == PROT_NONE; });
	const void *src = prot_none && inone >= 0
				  ? static_cast<const void *>(maps_[static_cast<std::size_t>(inone)].addr)
				  : null_buffer;
	const char *what = src ? "pwrite from a PROT_NONE mapping" : "pwrite from a NULL buffer";
	if (must_fail(pwrite(f.fd, src, n, static_cast<off_t>(off)), { EFAULT }, what, off))
		verify_own_range(f.fd, off, n,
				 src ? "pwrite from a PROT_NONE mapping failed with EFAULT, "
				       "but the buffer changed"
				     : "pwrite from a NULL buffer failed with EFAULT, but the buffer changed");
}

/* Valid bytes, then the PROT_NONE page. */
void worker::efault_into_guard(file_slot &f, u64 off, std::size_t n)
{
	const std::size_t valid = 8 * r_.between(1, n / 8 - 1);
	std::byte *const src = edge_ + buf_.page - valid;
	u64 data[16];
	shadow_.fill_tags(std::span(data, valid / 8), off);
	std::memcpy(src, data, valid);
	const ssize_t ret = pwrite(f.fd, src, n, static_cast<off_t>(off));
	if (ret == -1 && errno == EFAULT) {
		cur_refused_ = true;
		verify_own_range(f.fd, off, n, "pwrite running into a PROT_NONE page failed with EFAULT, "
					       "but the buffer changed");
	} else if (ret <= 0 || static_cast<std::size_t>(ret) > valid) {
		diverge_ret("pwrite running into a PROT_NONE page: neither short nor EFAULT", off, ret);
	} else {
		cur_refused_ = static_cast<std::size_t>(ret) < n;
		for (std::size_t i = 0; i < static_cast<std::size_t>(ret); ++i)
			shadow_.set_byte(off + i, std::to_integer<std::uint8_t>(src[i]));
		verify_own_range(f.fd, off, n, "pwrite running into a PROT_NONE page came back short, "
					       "but changed bytes past what it wrote");
	}
}

/* From a mapping of the same bytes: a copy onto itself. */
void worker::pwrite_from_itself(file_slot &f, int map)
{
	map_obj &m = maps_[static_cast<std::size_t>(map)];
	const u64 hi = std::min(m.end(), re_);
	const u64 off = own_word_in(m);
	const std::size_t n = 8 * r_.between(1, std::min<u64>(64, (hi - off) / 8));
	const ssize_t ret = pwrite(f.fd, m.addr + (off - m.off), n, static_cast<off_t>(off));
	if (ret != static_cast<ssize_t>(n))
		diverge_ret("pwrite from a mapping of the same bytes", off, ret);
	const std::size_t first = (off - m.off) / buf_.page;
	mark_res(m, first, (off + n - 1 - m.off) / buf_.page - first + 1);
	const u64 offs[2] = { off, off + n - 8 };
	verify_words_via_read(offs);
}

void worker::pwrite_across_end(file_slot &f, int)
{
	const auto [k, n] = draw_across_end();
	const u64 off = buf_.size - k;
	u64 data[128];
	shadow_.fill_tags(std::span(data, n / 8), off);
	written(pwrite(f.fd, data, n, static_cast<off_t>(off)), k, data, off,
		"pwrite crossing the end must be short");
}

void worker::pwrite_inside(file_slot &f, int)
{
	const auto [off, nw] = draw_inside();
	u64 data[512];
	shadow_.fill_tags(std::span(data, nw), off);
	if (written(pwrite(f.fd, data, nw * 8, static_cast<off_t>(off)), nw * 8, data, off,
		    "pwrite inside the buffer"))
		maybe_verify(off, nw, 250);
}

} // namespace mapdrv::stress
