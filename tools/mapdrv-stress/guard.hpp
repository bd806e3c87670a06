// SPDX-License-Identifier: GPL-2.0
//
// Guarded memory access: a SIGSEGV or SIGBUS while a worker loads or stores
// through a mapping becomes a return value (and last_fault() says which),
// so that a deliberate fault is an outcome and a driver's failed fault a
// divergence rather than a dead process. One guarded access at a time per
// thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace mapdrv::stress {

struct fault_rec {
	int signo;
	int code;
	std::uintptr_t addr;
};

// The signal the last failed guarded access of this thread took.
const fault_rec &last_fault();

// Load the words at @p + idx[i] * 8 into @out[i] (@idx empty: the words
// at @p onwards); false on a signal.
bool guarded_load(const std::byte *p, std::span<const std::size_t> idx, std::span<std::uint64_t> out);
bool guarded_store(std::byte *p, std::uint64_t v);

// SIGSEGV and SIGBUS through the guard; outside a guarded access they
// print the address and kill the process as usual.
void install_fault_handlers();

} // namespace mapdrv::stress
