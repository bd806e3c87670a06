// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv::ioctls - every ioctl of <linux/mapdrv.h>, by number and name: the
 * tools' one list of them.
 *
 *	mapdrv::ioctl_name(MAPDRV_IOC_INFO)	// "MAPDRV_IOC_INFO"
 *	mapdrv::find_ioctl(cmd)			// its entry, or nullptr
 *
 * device_error names the ioctl that failed from it; mapdrv-stress draws its
 * unknown commands outside it, and has an operation named after each entry
 * (config.hpp checks that when it compiles). A new ioctl: CONTRIBUTING.md,
 * "Add an ioctl".
 */
#pragma once

#include <string_view>

#include <linux/mapdrv.h>

namespace mapdrv {

struct ioctl_desc {
	unsigned long cmd;
	std::string_view name;	/* the macro's name: "MAPDRV_IOC_SET_MODE" */

	/* The name without "MAPDRV_IOC_": "SET_MODE". */
	[[nodiscard]] constexpr std::string_view short_name() const
	{
		constexpr std::string_view prefix = "MAPDRV_IOC_";
		return name.substr(prefix.size());
	}
};

/* An entry: the command and the name of its macro, spelt once. */
#define MAPDRV_IOCTL(cmd) ioctl_desc{ cmd, #cmd }
inline constexpr ioctl_desc ioctls[] = {
	MAPDRV_IOCTL(MAPDRV_IOC_INFO),
	MAPDRV_IOCTL(MAPDRV_IOC_RESTAMP),
	MAPDRV_IOCTL(MAPDRV_IOC_SET_MODE),
};
#undef MAPDRV_IOCTL

static_assert([] {
	for (const ioctl_desc &d : ioctls)
		if (!d.name.starts_with("MAPDRV_IOC_") || d.short_name().empty())
			return false;
	return true;
}(), "every entry is a MAPDRV_IOC_* macro");

/* The entry of @cmd, or nullptr if it is none of mapdrv's. */
[[nodiscard]] constexpr const ioctl_desc *find_ioctl(unsigned long cmd)
{
	for (const ioctl_desc &d : ioctls)
		if (d.cmd == cmd)
			return &d;
	return nullptr;
}

/* "MAPDRV_IOC_INFO"; "ioctl" for a command that is none of mapdrv's. */
[[nodiscard]] constexpr std::string_view ioctl_name(unsigned long cmd)
{
	const ioctl_desc *const d = find_ioctl(cmd);
	return d ? d->name : "ioctl";
}

} // namespace mapdrv
