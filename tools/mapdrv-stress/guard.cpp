// SPDX-License-Identifier: GPL-2.0
//
// Guarded memory access (see guard.hpp).

#include <cerrno>
#include <csignal>
#include <cstring>
#include <system_error>

#include <setjmp.h>
#include <signal.h>
#include <unistd.h>

#include "guard.hpp"

namespace mapdrv::stress {

namespace {

/* The handler's only way to the access it interrupted: per thread. */
thread_local sigjmp_buf t_jmp;
thread_local volatile sig_atomic_t t_armed;
thread_local fault_rec t_fault;

void write_str(const char *s)
{
	const ssize_t ignored = write(STDERR_FILENO, s, std::strlen(s));
	(void)ignored;
}

extern "C" void on_fault(int sig, siginfo_t *si, void *)
{
	if (t_armed) {
		t_armed = 0;
		t_fault = fault_rec{ sig, si->si_code, reinterpret_cast<std::uintptr_t>(si->si_addr) };
		siglongjmp(t_jmp, 1);
	}
	/* Outside a guarded access: a bug of this tool, or of the driver. */
	char msg[96] = "mapdrv-stress: unexpected SIGSEGV/SIGBUS at address 0x";
	std::size_t len = std::strlen(msg);
	const auto addr = reinterpret_cast<std::uintptr_t>(si->si_addr);
	for (int shift = static_cast<int>(sizeof(addr) * 8) - 4; shift >= 0; shift -= 4)
		msg[len++] = "0123456789abcdef"[(addr >> shift) & 0xf];
	msg[len++] = '\n';
	msg[len] = 0;
	write_str(msg);
	signal(sig, SIG_DFL);	/* the access faults again and kills us */
}

} // namespace

const fault_rec &last_fault()
{
	return t_fault;
}

[[gnu::noinline]] bool guarded_load(const std::byte *p, std::span<const std::size_t> idx,
				    std::span<std::uint64_t> out)
{
	if (sigsetjmp(t_jmp, 0))
		return false;
	t_armed = 1;
	for (std::size_t i = 0; i < out.size(); ++i) {
		const std::size_t k = idx.empty() ? i : idx[i];
		out[i] = *reinterpret_cast<const volatile std::uint64_t *>(p + k * 8);
	}
	t_armed = 0;
	return true;
}

[[gnu::noinline]] bool guarded_store(std::byte *p, std::uint64_t v)
{
	if (sigsetjmp(t_jmp, 0))
		return false;
	t_armed = 1;
	*reinterpret_cast<volatile std::uint64_t *>(p) = v;
	t_armed = 0;
	return true;
}

void install_fault_handlers()
{
	struct sigaction sa {};
	sa.sa_sigaction = on_fault;
	sa.sa_flags = static_cast<int>(SA_SIGINFO | SA_NODEFER);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, nullptr) < 0 || sigaction(SIGBUS, &sa, nullptr) < 0)
		throw std::system_error(errno, std::generic_category(), "sigaction");
}

} // namespace mapdrv::stress
