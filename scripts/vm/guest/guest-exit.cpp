// SPDX-License-Identifier: GPL-2.0
//
// guest-exit STATUS: end the QEMU guest at once through the isa-debug-exit
// device (iobase 0xf4). QEMU then exits with ((STATUS + 16) << 1) | 1, so a
// guest status can never be mistaken for QEMU's own 0 or 1. An exit status
// has 8 bits, so STATUS is clamped to 111; the exact one is on the output
// channel (see guest-init.sh).
#include <sys/io.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {
constexpr unsigned short debug_exit_port = 0xf4;
constexpr int status_offset = 16;
constexpr int status_max = 127 - status_offset;
} // namespace

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fputs("usage: guest-exit STATUS\n", stderr);
		return 2;
	}
	int status = 0;
	try {
		status = std::stoi(argv[1]);
	} catch (const std::exception &) {
		std::fprintf(stderr, "guest-exit: bad status '%s'\n", argv[1]);
		return 2;
	}
	if (status < 0 || status > status_max)
		status = status_max;
	if (ioperm(debug_exit_port, 1, 1) != 0) {
		std::perror("guest-exit: ioperm");
		return 1;
	}
	outb(static_cast<unsigned char>(status + status_offset), debug_exit_port);
	// QEMU acts on the write from its main loop: the vCPU may run on for a
	// moment. Only complain if the VM is still here seconds later.
	std::this_thread::sleep_for(std::chrono::seconds(5));
	std::fputs("guest-exit: the debug-exit device did not stop the VM\n", stderr);
	return 1;
}
