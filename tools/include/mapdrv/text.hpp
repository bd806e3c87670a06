// SPDX-License-Identifier: GPL-2.0
//
// Text formatting the mapdrv tools share: printf into a std::string, hex
// numbers, errno names and JSON string literals.
#pragma once

#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace mapdrv {

// printf into a std::string, whatever the length.
inline std::string fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));

inline std::string fmt(const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	va_list again;
	va_copy(again, ap);
	const int n = std::vsnprintf(nullptr, 0, format, ap);
	va_end(ap);
	std::string out(n > 0 ? static_cast<std::size_t>(n) : 0, '\0');
	if (n > 0)
		std::vsnprintf(out.data(), out.size() + 1, format, again);
	va_end(again);
	return out;
}

inline std::string hex(std::uint64_t v)
{
	return fmt("0x%" PRIx64, v);
}

inline std::string hex16(std::uint64_t v)
{
	return fmt("0x%016" PRIx64, v);
}

// "EINVAL" for EINVAL; "0" for 0; "errno N" for a number glibc cannot name.
inline std::string errno_name(int err)
{
	if (err == 0)
		return "0";
	if (const char *name = strerrorname_np(err))
		return name;
	return "errno " + std::to_string(err);
}

// @s as a JSON string literal, quotes included.
inline std::string json_string(std::string_view s)
{
	std::string out = "\"";
	for (const char ch : s) {
		const auto c = static_cast<unsigned char>(ch);
		switch (c) {
		case '"': out += "\\\""; break;
		case '\\': out += "\\\\"; break;
		case '\n': out += "\\n"; break;
		case '\t': out += "\\t"; break;
		case '\r': out += "\\r"; break;
		default:
			if (c < 0x20)
				out += fmt("\\u%04x", c);
			else
				out += ch;
		}
	}
	return out + '"';
}

} // namespace mapdrv
