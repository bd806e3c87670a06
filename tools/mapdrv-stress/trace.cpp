// SPDX-License-Identifier: GPL-2.0
//
// --trace-ops: the writing of one line (see trace.hpp).

#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include <unistd.h>

#include "trace.hpp"

namespace mapdrv::stress {

void trace_line(int fd, const char *format, ...)
{
	if (fd < 0)
		return;
	char line[256];
	va_list ap;
	va_start(ap, format);
	const int n = std::vsnprintf(line, sizeof(line), format, ap);
	va_end(ap);
	if (n <= 0)
		return;
	const auto len = std::min<std::size_t>(static_cast<std::size_t>(n), sizeof(line) - 1);
	const ssize_t ignored = write(fd, line, len);	/* a trace, not a result */
	(void)ignored;
}

} // namespace mapdrv::stress
