// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: names and look-ups of the results.
#include <cerrno>
#include <system_error>

#include "bench.hpp"
#include "results.hpp"

namespace mapdrv::bench {

void throw_errno(const std::string &what)
{
	throw std::system_error(errno, std::generic_category(), what);
}

const char *kind_name(kind k)
{
	switch (k) {
	case kind::mapdrv: return "mapdrv";
	case kind::anon: return "anon";
	case kind::shmem: return "shmem";
	case kind::remap: return "remap";
	case kind::floor_array: return "floor-array";
	case kind::floor_none: return "floor-none";
	}
	return "?";
}

const char *mode_name(std::uint32_t mode)
{
	switch (mode) {
	case MAPDRV_MODE_FAULT: return "fault";
	case MAPDRV_MODE_AROUND: return "around";
	case MAPDRV_MODE_EAGER: return "eager";
	default: return "?";
	}
}

const char *refault_name(std::size_t pattern)
{
	switch (pattern) {
	case refault_one: return "one";
	case refault_every_16th: return "every_16th";
	case refault_all: return "all";
	default: return "?";
	}
}

const subject *results::find(const std::string &name) const
{
	for (const subject &s : subjects)
		if (s.name == name)
			return &s;
	return nullptr;
}

} // namespace mapdrv::bench
