// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv::mapping - a move-only owner of one mmap()ed range.
 */
#pragma once

#include <cerrno>
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include <sys/mman.h>
#include <sys/types.h>

namespace mapdrv {

class mapping {
public:
	mapping() noexcept = default;

	/*
	 * mmap(NULL, @length, @prot, @flags, @fd, @offset). Throws
	 * std::system_error(errno, std::generic_category(),
	 * "mmap offset=0x... length=...") on failure.
	 */
	mapping(int fd, std::uint64_t offset, std::size_t length, int prot, int flags)
	{
		if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()))
			throw std::system_error(EOVERFLOW, std::generic_category(),
						describe(offset, length));
		void *p = ::mmap(nullptr, length, prot, flags, fd, static_cast<off_t>(offset));
		if (p == MAP_FAILED)
			throw std::system_error(errno, std::generic_category(),
						describe(offset, length));
		data_ = static_cast<std::byte *>(p);
		size_ = length;
		offset_ = offset;
	}

	mapping(const mapping &) = delete;
	mapping &operator=(const mapping &) = delete;

	mapping(mapping &&other) noexcept
		: data_(std::exchange(other.data_, nullptr)),
		  size_(std::exchange(other.size_, 0)),
		  offset_(std::exchange(other.offset_, 0))
	{
	}

	mapping &operator=(mapping &&other) noexcept
	{
		if (this != &other) {
			reset();
			data_ = std::exchange(other.data_, nullptr);
			size_ = std::exchange(other.size_, 0);
			offset_ = std::exchange(other.offset_, 0);
		}
		return *this;
	}

	~mapping() { reset(); }

	/* munmap() now; the object becomes empty. errno is preserved. */
	void reset() noexcept
	{
		if (data_) {
			const int saved = errno;
			::munmap(data_, size_);
			errno = saved;
		}
		data_ = nullptr;
		size_ = 0;
		offset_ = 0;
	}

	[[nodiscard]] std::byte *data() noexcept { return data_; }
	[[nodiscard]] const std::byte *data() const noexcept { return data_; }
	[[nodiscard]] std::size_t size() const noexcept { return size_; }
	/* The offset passed to mmap(), i.e. where data()[0] sits in the file. */
	[[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }

	[[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
	[[nodiscard]] std::span<std::byte> writable_bytes() noexcept { return {data_, size_}; }

	explicit operator bool() const noexcept { return data_ != nullptr; }

private:
	static std::string describe(std::uint64_t offset, std::size_t length)
	{
		char buf[96];
		std::snprintf(buf, sizeof(buf), "mmap offset=0x%" PRIx64 " length=%" PRIu64,
			      offset, static_cast<std::uint64_t>(length));
		return buf;
	}

	std::byte *data_ = nullptr;
	std::size_t size_ = 0;
	std::uint64_t offset_ = 0;
};

} // namespace mapdrv
