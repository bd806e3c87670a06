// SPDX-License-Identifier: GPL-2.0
//
// The file operations but writes: open, close, read, pread and lseek,
// valid and at every edge.

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <unistd.h>

#include "guard.hpp"
#include "worker.hpp"

namespace mapdrv::stress {

/* ---- open, close ------------------------------------------------------- */

void worker::op_open()
{
	open_as(-1);
}

/* Open a file with access @want_acc (-1: drawn). */
void worker::open_as(int want_acc)
{
	using access_case = weighted_case<int>;
	static constexpr access_case accesses[] = {
		{ "O_RDONLY", 45, O_RDONLY }, { "O_RDWR", 45, O_RDWR }, { "O_WRONLY", 10, O_WRONLY },
	};
	static_assert(total_weight(accesses) == 100);

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
	const int acc = want_acc >= 0 ? want_acc : pick(r_, accesses).value;
	const int fd = ::open(cfg_.device.c_str(), acc | O_CLOEXEC);
	if (must_work(fd, "open")) {
		file_slot &f = files_[s];
		f = file_slot{};
		f.fd = fd;
		f.acc = acc;
		f.mode = cfg_.default_mode;
		f.window = cfg_.default_window;
		f.used = true;
		if (r_.chance(200))
			check_info(f);
	}
	end();
}

void worker::op_close()
{
	with_file(OP_CLOSE, [&](file_slot &f) {
		must_work(::close(f.fd), "close");
		f.fd = -1;
		release_slot_if_unused(f);
	});
}

/* ---- positions ------------------------------------------------------- */

bool worker::seek_to(file_slot &f, u64 t)
{
	const off_t ret = lseek(f.fd, static_cast<off_t>(t), SEEK_SET);
	if (ret != static_cast<off_t>(t)) {
		diverge_ret("lseek(SEEK_SET) within the buffer", t, ret);
		return false;
	}
	f.pos = t;
	return true;
}

/* After a call that went wrong: where the file is now. */
void worker::resync_pos(file_slot &f)
{
	const off_t now = lseek(f.fd, 0, SEEK_CUR);
	f.pos = now < 0 ? 0 : static_cast<u64>(now);
}

/* ---- read, pread --------------------------------------------------------- */

void worker::op_read()
{
	with_file(OP_READ, [&](file_slot &f) {
		const u64 size = buf_.size;
		alignas(8) std::uint8_t buf[4160];
		if (!f.readable()) {
			must_fail(read(f.fd, buf, 8), { EBADF }, "read on an O_WRONLY file");
			return;
		}
		if (r_.chance(300)) {
			const u64 t = r_.chance(200) ? size - r_.below(std::min<u64>(size, 600) + 1)
						     : r_.below(size + 1);
			if (!seek_to(f, t))
				return;
		}
		const std::size_t n = r_.chance(150) ? r_.between(1, sizeof(buf)) : r_.between(1, 512);
		const u64 pos = f.pos;
		const u64 want = pos >= size ? 0 : std::min<u64>(n, size - pos);
		const ssize_t ret = read(f.fd, buf, n);
		if (ret < 0) {
			diverge({ .what = "read", .offset = pos, .err = errno });
		} else if (static_cast<u64>(ret) != want) {
			diverge({ .what = "read returned the wrong count", .offset = pos, .expected = want,
				  .found = static_cast<u64>(ret) });
			resync_pos(f);
		} else {
			check_bytes(pos, std::span(buf, want), "bytes read with read()");
			f.pos = pos + want;
		}
	});
}

void worker::op_pread()
{
	static constexpr file_case cases[] = {
		{ "at or past the end", 6, &worker::pread_past_end },
		{ "at a negative offset", 3, &worker::pread_negative },
		{ "whose end overflows loff_t", 2, &worker::pread_overflow },
		{ "into a NULL buffer", 3, &worker::pread_to_null },
		{ "into a read-only buffer", 3, &worker::pread_to_read_only },
		{ "into a shared mapping of the same bytes", 8, &worker::pread_onto_itself },
		{ "valid", 75, &worker::pread_valid },
	};
	static_assert(total_weight(cases) == 100);

	with_file(OP_PREAD, [&](file_slot &f) {
		if (!f.readable()) {
			alignas(8) std::uint8_t buf[8];
			must_fail(pread(f.fd, buf, 8, 0), { EBADF }, "pread on an O_WRONLY file");
			return;
		}
		const file_case *c = &pick(r_, cases);
		int map = -1;
		if (c->value == &worker::pread_onto_itself) {
			map = own_writable_map();
			if (map < 0)
				c = &case_of(cases, &worker::pread_valid);
		}
		(this->*c->value)(f, map);
	});
}

void worker::pread_past_end(file_slot &f, int)
{
	static const u64 past[] = { 0, 8, 4096, 1ULL << 20, 1ULL << 40, 1ULL << 62 };
	alignas(8) std::uint8_t buf[512];
	const u64 off = std::min<u64>(buf_.size + past[r_.below(std::size(past))], INT64_MAX - 8192);
	const ssize_t ret = pread(f.fd, buf, r_.between(1, sizeof(buf)), static_cast<off_t>(off));
	if (ret != 0)
		diverge_ret("pread at or past the end must return 0", off, ret);
}

void worker::pread_negative(file_slot &f, int)
{
	alignas(8) std::uint8_t buf[8];
	const off_t off = r_.chance(500) ? -8 : INT64_MIN;
	must_fail(pread(f.fd, buf, 8, off), { EINVAL }, "pread at a negative offset");
}

void worker::pread_overflow(file_slot &f, int)
{
	alignas(8) std::uint8_t buf[64];
	const off_t off = INT64_MAX - static_cast<off_t>(r_.below(16));
	must_fail(pread(f.fd, buf, 64, off), { EINVAL }, "pread whose end overflows loff_t");
}

void worker::pread_to_null(file_slot &f, int)
{
	const u64 off = r_.below(buf_.size);
	must_fail(pread(f.fd, null_buffer, r_.between(1, 64), static_cast<off_t>(off)), { EFAULT },
		  "pread into a NULL buffer", off);
}

void worker::pread_to_read_only(file_slot &f, int)
{
	const u64 off = r_.below(buf_.size);
	must_fail(pread(f.fd, ro_page_, r_.between(1, 64), static_cast<off_t>(off)), { EFAULT },
		  "pread into a read-only buffer", off);
}

/* Into a shared writable mapping of the same bytes: a copy onto itself. */
void worker::pread_onto_itself(file_slot &f, int map)
{
	map_obj &m = maps_[static_cast<std::size_t>(map)];
	const u64 hi = std::min(m.end(), re_);
	const u64 off = own_word_in(m);
	const std::size_t n = 8 * r_.between(1, std::min<u64>(64, (hi - off) / 8));
	std::byte *const p = m.addr + (off - m.off);
	const ssize_t ret = pread(f.fd, p, n, static_cast<off_t>(off));
	if (ret != static_cast<ssize_t>(n)) {
		diverge_ret("pread into a mapping of the same bytes", off, ret);
		return;
	}
	u64 vals[64];
	if (guarded_load(p, {}, std::span(vals, n / 8))) {
		for (std::size_t j = 0; j < n / 8; ++j)
			if (!check_word(off + 8 * j, le64(vals[j]), "word after a pread into a mapping of itself",
					p + 8 * j))
				break;
	} else {
		diverge_signal("signal reading a readable mapping", off);
	}
	const std::size_t first = (off - m.off) / buf_.page;
	mark_res(m, first, (off + n - 1 - m.off) / buf_.page - first + 1);
}

void worker::pread_valid(file_slot &f, int)
{
	enum class at { own_region, near_end, anywhere };
	using where_case = weighted_case<at>;
	static constexpr where_case offsets[] = {
		{ "in the own region", 35, at::own_region },
		{ "in the last 600 bytes", 15, at::near_end },
		{ "anywhere", 50, at::anywhere },
	};
	static_assert(total_weight(offsets) == 100);

	const u64 size = buf_.size;
	alignas(8) std::uint8_t buf[4160];
	u64 off;
	switch (pick(r_, offsets).value) {
	case at::own_region: off = rs_ + r_.below(re_ - rs_); break;
	case at::near_end: off = size - r_.between(1, std::min<u64>(size, 600)); break;
	default: off = r_.below(size); break;
	}
	const std::size_t n = r_.chance(150) ? r_.between(1, sizeof(buf)) : r_.between(1, 512);
	const u64 want = std::min<u64>(n, size - off);
	const ssize_t ret = pread(f.fd, buf, n, static_cast<off_t>(off));
	if (ret < 0)
		diverge({ .what = "pread", .offset = off, .err = errno });
	else if (static_cast<u64>(ret) != want)
		diverge({ .what = "pread returned the wrong count", .offset = off, .expected = want,
			  .found = static_cast<u64>(ret) });
	else
		check_bytes(off, std::span(buf, want), "bytes read with pread()");
}

/* ---- lseek ----------------------------------------------------------- */

void worker::op_lseek()
{
	using seek_case = weighted_case<std::optional<seek_result> (worker::*)(const file_slot &)>;
	static constexpr seek_case cases[] = {
		{ "SEEK_SET inside [0, size]", 20, &worker::seek_set },
		{ "SEEK_CUR inside [0, size]", 15, &worker::seek_cur },
		{ "SEEK_END inside [0, size]", 15, &worker::seek_end },
		{ "SEEK_SET outside [0, size]", 12, &worker::seek_bad_set },
		{ "SEEK_CUR outside [0, size]", 10, &worker::seek_bad_cur },
		{ "SEEK_END outside [0, size]", 10, &worker::seek_bad_end },
		{ "an unsupported whence", 10, &worker::seek_bad_whence },
		{ "SEEK_CUR by 0", 8, &worker::seek_here },
	};
	static_assert(total_weight(cases) == 100);

	with_file(OP_LSEEK, [&](file_slot &f) {
		const std::optional<seek_result> r = (this->*pick(r_, cases).value)(f);
		if (!r) {	/* refused as it must be, or a divergence said */
			return;
		}
		if (r->ret != r->target) {
			diverge({ .what = "lseek to a position inside [0, size]", .expected = static_cast<u64>(r->target),
				  .found = static_cast<u64>(r->ret), .err = r->ret < 0 ? errno : 0 });
			resync_pos(f);
		} else {
			f.pos = static_cast<u64>(r->target);
		}
		if (r_.chance(300)) {
			const off_t now = lseek(f.fd, 0, SEEK_CUR);
			if (now != static_cast<off_t>(f.pos))
				diverge({ .what = "lseek(0, SEEK_CUR) is not where the file was left",
					  .expected = f.pos, .found = static_cast<u64>(now), .err = now < 0 ? errno : 0 });
		}
	});
}

std::optional<worker::seek_result> worker::seek_set(const file_slot &f)
{
	const auto size = static_cast<std::int64_t>(buf_.size);
	const std::int64_t target = r_.chance(300) ? (r_.chance(500) ? 0 : size)
						   : static_cast<std::int64_t>(r_.below(buf_.size + 1));
	return seek_result{ target, lseek(f.fd, target, SEEK_SET) };
}

std::optional<worker::seek_result> worker::seek_cur(const file_slot &f)
{
	const auto target = static_cast<std::int64_t>(r_.below(buf_.size + 1));
	return seek_result{ target, lseek(f.fd, target - static_cast<std::int64_t>(f.pos), SEEK_CUR) };
}

std::optional<worker::seek_result> worker::seek_end(const file_slot &f)
{
	const auto target = static_cast<std::int64_t>(r_.below(buf_.size + 1));
	return seek_result{ target, lseek(f.fd, target - static_cast<std::int64_t>(buf_.size), SEEK_END) };
}

std::optional<worker::seek_result> worker::seek_here(const file_slot &f)
{
	return seek_result{ static_cast<std::int64_t>(f.pos), lseek(f.fd, 0, SEEK_CUR) };
}

std::optional<worker::seek_result> worker::seek_bad_set(const file_slot &f)
{
	const auto size = static_cast<std::int64_t>(buf_.size);
	const std::int64_t off = r_.chance(500) ? size + 1 + static_cast<std::int64_t>(r_.below(1 << 20))
						: -1 - static_cast<std::int64_t>(r_.below(1 << 20));
	must_fail(lseek(f.fd, off, SEEK_SET), { EINVAL }, "lseek(SEEK_SET) outside [0, size]",
		  static_cast<u64>(off));
	return std::nullopt;
}

std::optional<worker::seek_result> worker::seek_bad_cur(const file_slot &f)
{
	const auto size = static_cast<std::int64_t>(buf_.size);
	const auto pos = static_cast<std::int64_t>(f.pos);
	const std::int64_t delta = r_.chance(500) ? size - pos + 1 + static_cast<std::int64_t>(r_.below(4096))
						  : -pos - 1 - static_cast<std::int64_t>(r_.below(4096));
	must_fail(lseek(f.fd, delta, SEEK_CUR), { EINVAL }, "lseek(SEEK_CUR) outside [0, size]",
		  static_cast<u64>(pos + delta));
	return std::nullopt;
}

std::optional<worker::seek_result> worker::seek_bad_end(const file_slot &f)
{
	const auto size = static_cast<std::int64_t>(buf_.size);
	const std::int64_t delta = r_.chance(500) ? 1 + static_cast<std::int64_t>(r_.below(4096))
						  : -size - 1 - static_cast<std::int64_t>(r_.below(4096));
	must_fail(lseek(f.fd, delta, SEEK_END), { EINVAL }, "lseek(SEEK_END) outside [0, size]",
		  static_cast<u64>(size + delta));
	return std::nullopt;
}

std::optional<worker::seek_result> worker::seek_bad_whence(const file_slot &f)
{
	static const int whences[] = { SEEK_DATA, SEEK_HOLE, 5, 7, -1, 1 << 20 };
	must_fail(lseek(f.fd, 0, whences[r_.below(std::size(whences))]), { EINVAL },
		  "lseek with an unsupported whence");
	return std::nullopt;
}

} // namespace mapdrv::stress
