// SPDX-License-Identifier: GPL-2.0
//
// The oracle's arithmetic (see oracle.hpp).

#include <algorithm>
#include <cstring>

#include "oracle.hpp"
#include "trace.hpp"

namespace mapdrv::stress {

unsigned buffer_layout::owner_of(u64 off) const
{
	return static_cast<unsigned>(std::min<u64>(off / region, workers - 1));
}

u64 buffer_layout::region_end(unsigned w) const
{
	return w + 1 == workers ? size : (w + 1) * region;
}

u64 buffer_layout::make_tag(u64 off, unsigned w, unsigned seq) const
{
	return static_cast<u64>(marker) << 56 | static_cast<u64>(w & 0xff) << 48 |
	       static_cast<u64>(seq & 0xffff) << 32 | ((off >> 3) & 0xffffffffULL);
}

bool buffer_layout::is_tag_for(u64 v, u64 off) const
{
	return (v >> 56) == marker && ((v >> 48) & 0xff) == owner_of(off) &&
	       (v & 0xffffffffULL) == ((off >> 3) & 0xffffffffULL);
}

bool buffer_layout::foreign_byte_ok(u64 wo, unsigned j, std::uint8_t b) const
{
	if (b == static_cast<std::uint8_t>(pattern(wo) >> (8 * j)))
		return true;
	switch (j) {
	case 4: case 5:
		return true;	/* the sequence number of a tag */
	case 6:
		return b == owner_of(wo);
	case 7:
		return b == marker;
	default:
		return b == static_cast<std::uint8_t>((wo >> 3) >> (8 * j));
	}
}

bool buffer_layout::foreign_word_ok(u64 off, u64 v) const
{
	if (v == pattern(off) || is_tag_for(v, off))
		return true;
	for (unsigned j = 0; j < 8; ++j)
		if (!foreign_byte_ok(off, j, static_cast<std::uint8_t>(v >> (8 * j))))
			return false;
	return true;
}

shadow_region::shadow_region(const buffer_layout &buf, unsigned id)
	: buf_(buf), id_(id), begin_(buf.region_start(id)), end_(buf.region_end(id))
{
	words_.resize((end_ - begin_) / 8);
	for (std::size_t i = 0; i < words_.size(); ++i)
		words_[i] = buf.pattern(begin_ + i * 8);
}

void shadow_region::set_byte(u64 off, std::uint8_t b)
{
	u64 &w = word(off & ~7ULL);
	const unsigned sh = static_cast<unsigned>(8 * (off & 7));
	w = (w & ~(0xffULL << sh)) | static_cast<u64>(b) << sh;
}

u64 shadow_region::new_tag(u64 off)
{
	u64 t = buf_.make_tag(off, id_, ++seq_);
	if (t == word(off))
		t = buf_.make_tag(off, id_, ++seq_);
	return t;
}

void shadow_region::fill_tags(std::span<u64> data, u64 off)
{
	++seq_;
	for (std::size_t j = 0; j < data.size(); ++j)
		data[j] = le64(buf_.make_tag(off + 8 * j, id_, seq_));
}

void shadow_region::wrote(u64 off, std::span<const u64> data)
{
	for (std::size_t j = 0; j < data.size(); ++j)
		word(off + 8 * j) = le64(data[j]);
}

std::optional<mismatch> shadow_region::check_word(u64 off, u64 v)
{
	if (own(off)) {
		u64 &want = word(off);
		if (v == want)
			return std::nullopt;
		const mismatch bad{ off, want, v };
		want = v;	/* one report per bad word */
		return bad;
	}
	if (buf_.foreign_word_ok(off, v))
		return std::nullopt;
	return mismatch{ off, buf_.pattern(off), v };
}

std::optional<mismatch> shadow_region::check_bytes(u64 off, std::span<const std::uint8_t> bytes)
{
	const std::uint8_t *const p = bytes.data();
	const std::size_t n = bytes.size();
	for (std::size_t i = 0; i < n;) {
		const u64 o = off + i;
		const u64 wo = o & ~7ULL;
		const unsigned j0 = static_cast<unsigned>(o - wo);
		const std::size_t take = std::min<std::size_t>(8 - j0, n - i);
		if (take == 8) {
			u64 v;
			std::memcpy(&v, p + i, 8);
			if (auto bad = check_word(wo, le64(v)))
				return bad;
			i += take;
			continue;
		}
		const u64 want = own(wo) ? word(wo) : buf_.pattern(wo);
		for (std::size_t k = 0; k < take; ++k) {
			const unsigned j = j0 + static_cast<unsigned>(k);
			const std::uint8_t b = p[i + k];
			const bool ok = own(wo) ? b == static_cast<std::uint8_t>(want >> (8 * j))
						: buf_.foreign_byte_ok(wo, j, b);
			if (ok)
				continue;
			u64 found = want;
			for (std::size_t q = 0; q < take; ++q) {
				const unsigned jj = j0 + static_cast<unsigned>(q);
				found &= ~(0xffULL << (8 * jj));
				found |= static_cast<u64>(p[i + q]) << (8 * jj);
			}
			return mismatch{ wo, want, found };
		}
		i += take;
	}
	return std::nullopt;
}

std::optional<mismatch> shadow_region::compare(u64 off, std::span<const std::uint8_t> bytes) const
{
	const std::size_t n = bytes.size();
	for (std::size_t i = 0; i < n; ++i) {
		if (bytes[i] == byte(off + i))
			continue;
		const u64 wo = (off + i) & ~7ULL;
		u64 found = at(wo);
		for (unsigned j = 0; j < 8; ++j)
			if (wo + j >= off && wo + j < off + n)
				found = (found & ~(0xffULL << (8 * j))) |
					static_cast<u64>(bytes[wo + j - off]) << (8 * j);
		return mismatch{ wo, at(wo), found };
	}
	return std::nullopt;
}

u64 shadow_region::digest() const
{
	trace_digest d;
	for (const u64 v : words_)
		d.add(v);
	return d.value();
}

} // namespace mapdrv::stress
