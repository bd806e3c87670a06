// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv::device and friends - the user-space side of /dev/mapdrv.
 *
 *	mapdrv::device dev;			// opens /dev/mapdrv read-only
 *	mapdrv_info info = dev.checked_info();	// MAPDRV_IOC_INFO + ABI check
 *	mapdrv::mapping map = dev.map(0, info.size);
 *	mapdrv::verify_result r = mapdrv::verify(map.bytes(), 0, info.seed);
 *
 * Also here, because every mapdrv tool needs them: parse_size() for
 * command-line sizes and verify() for the buffer pattern.
 */
#pragma once

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/mapdrv.h>

#include "fd.hpp"
#include "ioctls.hpp"
#include "mapping.hpp"

namespace mapdrv {

inline constexpr char default_device_path[] = "/dev/" MAPDRV_DEVICE_NAME;

/*
 * What device's members throw when a system call fails. It is a
 * std::system_error whose what() is "open /dev/mapdrv: No such file or
 * directory", "MAPDRV_IOC_INFO on /dev/mapdrv: ..." and so on; explain()
 * gives a friendlier line for the common cases (module not loaded,
 * permissions, not a mapdrv device).
 */
class device_error : public std::system_error {
public:
	/* open(@path) failed with @err. */
	device_error(int err, std::string path)
		: std::system_error(err, std::generic_category(), "open " + path),
		  path_(std::move(path))
	{
	}

	/* The ioctl @cmd (one of mapdrv::ioctls) on @path failed with @err. */
	device_error(int err, unsigned long cmd, std::string path)
		: std::system_error(err, std::generic_category(),
				    std::string(ioctl_name(cmd)) + " on " + path),
		  path_(std::move(path)), ioctl_(ioctl_name(cmd))
	{
	}

	[[nodiscard]] const std::string &path() const noexcept { return path_; }

	[[nodiscard]] std::string explain() const
	{
		const int err = code().value();
		const std::string msg = code().message();

		if (ioctl_.empty()) {
			if (err == ENOENT || err == ENXIO || err == ENODEV)
				return path_ + ": " + msg + " (is the mapdrv module loaded?)";
			if (err == EACCES || err == EPERM)
				return path_ + ": " + msg +
				       " (the udev rule gives it to the group mapdrv: "
				       "usermod -aG mapdrv USER, then log in again; or run as root)";
		} else if (err == ENOTTY) {
			return path_ + ": not a mapdrv device (" + std::string(ioctl_) + ": " + msg + ")";
		}
		return what();
	}

private:
	std::string path_;
	std::string_view ioctl_;	/* empty: open() failed */
};

/*
 * Throw std::runtime_error unless @info is from a module speaking
 * MAPDRV_ABI_VERSION and is self-consistent (page_size a power of two,
 * size a non-zero multiple of page_size). @source, if given, prefixes
 * the message ("/dev/mapdrv: ABI version 2, this tool speaks 1").
 */
inline void check_abi(const mapdrv_info &info, std::string_view source = {})
{
	std::string prefix;
	if (!source.empty()) {
		prefix = source;
		prefix += ": ";
	}
	if (info.abi_version != MAPDRV_ABI_VERSION)
		throw std::runtime_error(prefix + "ABI version " + std::to_string(info.abi_version) +
					 ", this tool speaks " + std::to_string(MAPDRV_ABI_VERSION));
	if (info.page_size == 0 || !std::has_single_bit(info.page_size))
		throw std::runtime_error(prefix + "driver reports page_size " +
					 std::to_string(info.page_size) +
					 ", which is not a power of two");
	if (info.size == 0 || info.size % info.page_size != 0)
		throw std::runtime_error(prefix + "driver reports size " +
					 std::to_string(info.size) +
					 ", which is not a non-zero multiple of page_size " +
					 std::to_string(info.page_size));
}

class device {
public:
	/* open(@path, @flags); throws device_error ("open /dev/mapdrv: ..."). */
	explicit device(std::string path = default_device_path, int flags = O_RDONLY | O_CLOEXEC)
		: path_(std::move(path))
	{
		fd_.reset(::open(path_.c_str(), flags));
		if (!fd_)
			throw device_error(errno, path_);
	}

	[[nodiscard]] const std::string &path() const noexcept { return path_; }
	[[nodiscard]] int fd() const noexcept { return fd_.get(); }

	/* MAPDRV_IOC_INFO; throws device_error. */
	[[nodiscard]] mapdrv_info info() const
	{
		mapdrv_info info{};
		if (::ioctl(fd_.get(), MAPDRV_IOC_INFO, &info) < 0)
			throw device_error(errno, MAPDRV_IOC_INFO, path_);
		return info;
	}

	/* info() followed by check_abi(); throws device_error or std::runtime_error. */
	[[nodiscard]] mapdrv_info checked_info() const
	{
		const mapdrv_info i = info();
		check_abi(i, path_);
		return i;
	}

	/* MAPDRV_IOC_RESTAMP: rewrite the pattern, with a new seed if given. */
	void restamp(std::optional<std::uint64_t> seed = std::nullopt) const
	{
		mapdrv_restamp arg{};
		if (seed) {
			arg.seed = *seed;
			arg.flags = MAPDRV_RESTAMP_SET_SEED;
		}
		if (::ioctl(fd_.get(), MAPDRV_IOC_RESTAMP, &arg) < 0)
			throw device_error(errno, MAPDRV_IOC_RESTAMP, path_);
	}

	/* Map [@offset, @offset + @length) of the buffer; throws std::system_error. */
	[[nodiscard]] mapping map(std::uint64_t offset, std::size_t length, int prot = PROT_READ,
				  int flags = MAP_SHARED) const
	{
		return mapping(fd_.get(), offset, length, prot, flags);
	}

private:
	std::string path_;
	unique_fd fd_;
};

/*
 * Parse a byte count: decimal ("4096") or hexadecimal ("0x1000"), with an
 * optional K, M or G suffix (either case) multiplying by 2^10, 2^20, 2^30.
 * Throws std::invalid_argument on anything else, including signs, spaces,
 * an empty string and values that do not fit in 64 bits.
 */
inline std::uint64_t parse_size(std::string_view text)
{
	const auto fail = [text](const char *why) {
		return std::invalid_argument("invalid size '" + std::string(text) + "': " + why);
	};

	std::string_view digits = text;
	int base = 10;
	if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
		base = 16;
		digits.remove_prefix(2);
	}

	unsigned shift = 0;
	if (!digits.empty()) {
		switch (digits.back()) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: break;
		}
		if (shift)
			digits.remove_suffix(1);
	}

	if (digits.empty())
		throw fail("expected a decimal or 0x-prefixed hexadecimal number, "
			   "optionally followed by K, M or G");

	std::uint64_t value = 0;
	const char *const end = digits.data() + digits.size();
	const auto [ptr, ec] = std::from_chars(digits.data(), end, value, base);
	if (ec == std::errc::result_out_of_range)
		throw fail("does not fit in 64 bits");
	if (ec != std::errc() || ptr != end)
		throw fail("expected a decimal or 0x-prefixed hexadecimal number, "
			   "optionally followed by K, M or G");
	if (value > (std::numeric_limits<std::uint64_t>::max() >> shift))
		throw fail("does not fit in 64 bits");
	return value << shift;
}

/* One word that does not hold the pattern. */
struct mismatch {
	std::uint64_t offset;	/* byte offset in the buffer (not in the span) */
	std::uint64_t expected;	/* mapdrv_pattern(seed, offset) */
	std::uint64_t found;	/* the little-endian word actually there */
};

struct verify_result {
	std::uint64_t words = 0;		/* words compared: always size / 8 */
	std::uint64_t mismatched_words = 0;	/* how many of them were wrong */
	std::optional<mismatch> first_mismatch;	/* the lowest-offset wrong word */

	[[nodiscard]] bool ok() const noexcept { return !first_mismatch; }
};

namespace detail {

/* Load the little-endian u64 at @p (any alignment). */
[[nodiscard]] inline std::uint64_t load_le64(const std::byte *p) noexcept
{
	static_assert(std::endian::native == std::endian::little ||
		      std::endian::native == std::endian::big, "mixed-endian host");
	std::uint64_t v;
	std::memcpy(&v, p, sizeof(v));
	if constexpr (std::endian::native == std::endian::big)
		v = __builtin_bswap64(v);
	return v;
}

} // namespace detail

/*
 * Check every 8-byte word of @bytes, which must be the buffer's bytes
 * starting at byte offset @base_offset, against mapdrv_pattern(@seed, off).
 * Every word is read (so every page is touched) even after a mismatch.
 * Throws std::invalid_argument unless @base_offset and @bytes.size() are
 * multiples of 8.
 */
[[nodiscard]] inline verify_result verify(std::span<const std::byte> bytes,
					  std::uint64_t base_offset, std::uint64_t seed)
{
	if (base_offset % 8 != 0 || bytes.size() % 8 != 0)
		throw std::invalid_argument("mapdrv::verify: offset and size must be multiples of 8");

	const std::byte *const p = bytes.data();
	const std::size_t n = bytes.size() / 8;
	verify_result r;
	r.words = n;

	std::size_t i = 0;
	while (i < n) {
		/* Fast path: OR together the differences of 8 words at a time. */
		for (; n - i >= 8; i += 8) {
			const std::byte *const q = p + i * 8;
			const std::uint64_t off = base_offset + i * 8;
			std::uint64_t diff = 0;
			for (unsigned j = 0; j < 8; ++j)
				diff |= detail::load_le64(q + j * 8) ^ mapdrv_pattern(seed, off + j * 8);
			if (diff != 0)
				break;
		}

		/* Slow path: the block that differed (or the < 8-word tail), word by word. */
		const std::size_t stop = std::min(n, i + 8);
		for (; i < stop; ++i) {
			const std::uint64_t off = base_offset + i * 8;
			const std::uint64_t expected = mapdrv_pattern(seed, off);
			const std::uint64_t found = detail::load_le64(p + i * 8);
			if (found != expected) {
				++r.mismatched_words;
				if (!r.first_mismatch)
					r.first_mismatch = mismatch{off, expected, found};
			}
		}
	}
	return r;
}

} // namespace mapdrv
