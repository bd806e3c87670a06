// SPDX-License-Identifier: GPL-2.0
//
// --trace-ops FILE: one line per operation, so that two builds can be shown
// to replay a seed alike (diff the files). Each worker writes its lines
// with one write(2) each to FILE opened with O_APPEND, so the lines of
// several workers interleave but are never torn:
//
//	w0 #17 mmap ok draws=10 fds=2 maps=1 seq=0 fd=1 map=-1 arg=0 state=1768480f84a3fa8f
//	w0 end ops=20000 draws=126339 seq=6718 shadow=8681729432564846 mmaps=811 child_writes=97
//
// draws: random numbers drawn by the operation; fds, maps: files open and
// mappings held after it; seq: the last tag sequence number; fd, map: the
// last file slot and mapping picked (-1: none); arg: the ioctl command or
// RESTAMP flags drawn (else 0); state: a digest of the worker's files and
// mappings (access, mode, window, position, offsets, lengths, protections,
// residency), addresses left out. The "end" line follows the final check:
// the digest of the region's shadow, successful mmap() calls and words
// written by forked children.
#pragma once

#include <cstdint>

namespace mapdrv::stress {

// FNV-1a over the little-endian bytes of 64-bit values.
class trace_digest {
public:
	void add(std::uint64_t v)
	{
		for (int i = 0; i < 8; ++i) {
			h_ ^= (v >> (8 * i)) & 0xff;
			h_ *= 0x100000001b3ULL;
		}
	}
	[[nodiscard]] std::uint64_t value() const { return h_; }

private:
	std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

// printf one line (at most 255 bytes) to @fd with one write(2); -1: nothing.
void trace_line(int fd, const char *format, ...) __attribute__((format(printf, 2, 3)));

} // namespace mapdrv::stress
