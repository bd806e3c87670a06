// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv::unique_fd - a move-only owner of one file descriptor.
 */
#pragma once

#include <cerrno>
#include <utility>

#include <unistd.h>

namespace mapdrv {

class unique_fd {
public:
	unique_fd() noexcept = default;
	explicit unique_fd(int fd) noexcept : fd_(fd) {}

	unique_fd(const unique_fd &) = delete;
	unique_fd &operator=(const unique_fd &) = delete;

	unique_fd(unique_fd &&other) noexcept : fd_(other.release()) {}
	unique_fd &operator=(unique_fd &&other) noexcept
	{
		if (this != &other)
			reset(other.release());
		return *this;
	}

	~unique_fd() { reset(); }

	/* The descriptor, or -1 when empty. */
	[[nodiscard]] int get() const noexcept { return fd_; }

	/* Give up ownership without closing; returns the descriptor or -1. */
	[[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

	/* Close the current descriptor (if any) and own @fd instead. errno is preserved. */
	void reset(int fd = -1) noexcept
	{
		const int old = std::exchange(fd_, fd);
		if (old >= 0) {
			const int saved = errno;
			::close(old);	/* Linux frees the fd even on EINTR: no retry */
			errno = saved;
		}
	}

	explicit operator bool() const noexcept { return fd_ >= 0; }

private:
	int fd_ = -1;
};

} // namespace mapdrv
