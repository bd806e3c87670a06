// SPDX-License-Identifier: GPL-2.0
//
// The oracle. The buffer is cut into one page-aligned region per worker
// (the last region runs to the end of the buffer). A worker writes only
// into its own region, only whole aligned 64-bit "tagged" words:
//
//	tag(off) = marker << 56 | worker << 48 | seq << 32 | off / 8
//
// where the marker byte differs from the top byte of every pattern word, so
// no tag ever equals a pattern word. A worker keeps an exact shadow of its
// region (shadow_region) and checks every read of it against the shadow,
// byte for byte; a read of any other region is checked loosely
// (buffer_layout::foreign_word_ok()).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <linux/mapdrv.h>

namespace mapdrv::stress {

using u64 = std::uint64_t;
using u32 = std::uint32_t;

inline u64 le64(u64 v)
{
	if constexpr (std::endian::native == std::endian::big)
		return __builtin_bswap64(v);
	return v;
}

// The buffer, its regions and its tags; fixed before the workers start.
struct buffer_layout {
	u64 size = 0;
	u64 page = 0;
	u64 npages = 0;
	u64 pattern_seed = 0;
	unsigned workers = 0;
	u64 region = 0;		// bytes per region; the last one runs to the end
	unsigned marker = 0;	// top byte of every tag

	[[nodiscard]] u64 pattern(u64 off) const { return mapdrv_pattern(pattern_seed, off); }
	[[nodiscard]] unsigned owner_of(u64 off) const;
	[[nodiscard]] u64 region_start(unsigned w) const { return w * region; }
	[[nodiscard]] u64 region_end(unsigned w) const;
	[[nodiscard]] u64 make_tag(u64 off, unsigned w, unsigned seq) const;
	// @v is a tag the owner of @off may have written at @off.
	[[nodiscard]] bool is_tag_for(u64 v, u64 off) const;
	// Byte @j of a word seen at aligned @wo in a region that is not ours:
	// the pattern's, or a tag's of that offset by its owner (bytes 4-5, the
	// sequence number, can be anything: a word may be torn while rewritten).
	[[nodiscard]] bool foreign_byte_ok(u64 wo, unsigned j, std::uint8_t b) const;
	// The word @v seen at aligned @off of a region that is not ours.
	[[nodiscard]] bool foreign_word_ok(u64 off, u64 v) const;
};

// A word that is not what the oracle expects.
struct mismatch {
	u64 offset;
	u64 expected;
	u64 found;
};

// One worker's region and its exact shadow: the pattern, or the last tag
// the worker wrote there.
class shadow_region {
public:
	shadow_region(const buffer_layout &buf, unsigned id);

	[[nodiscard]] u64 begin() const { return begin_; }
	[[nodiscard]] u64 end() const { return end_; }
	[[nodiscard]] bool own(u64 off) const { return off >= begin_ && off < end_; }
	// The shadow of the aligned word at @off, which must be ours.
	u64 &word(u64 off) { return words_[(off - begin_) >> 3]; }
	void set_byte(u64 off, std::uint8_t b);
	// The sequence number of the last tags made.
	[[nodiscard]] unsigned seq() const { return seq_; }

	// A new tag for @off, never the one already there.
	u64 new_tag(u64 off);
	// Tags for [off, off + 8 * data.size()) into @data, little-endian, one
	// new sequence number for all.
	void fill_tags(std::span<u64> data, u64 off);
	// @data (little-endian words) now holds at @off.
	void wrote(u64 off, std::span<const u64> data);

	// A whole word read at aligned @off; a mismatch in our region is taken
	// as the new shadow (one report per bad word).
	std::optional<mismatch> check_word(u64 off, u64 v);
	// Bytes read from buffer offset @off (any alignment).
	std::optional<mismatch> check_bytes(u64 off, std::span<const std::uint8_t> bytes);
	// Bytes of our region read at @off must be the shadow's exactly.
	[[nodiscard]] std::optional<mismatch> compare(u64 off, std::span<const std::uint8_t> bytes) const;

	// A digest of the whole shadow (for --trace-ops).
	[[nodiscard]] u64 digest() const;

private:
	[[nodiscard]] u64 at(u64 off) const { return words_[(off - begin_) >> 3]; }
	[[nodiscard]] std::uint8_t byte(u64 off) const
	{
		return static_cast<std::uint8_t>(at(off & ~7ULL) >> (8 * (off & 7)));
	}

	const buffer_layout &buf_;
	unsigned id_;
	u64 begin_, end_;
	std::vector<u64> words_;
	unsigned seq_ = 0;
};

} // namespace mapdrv::stress
