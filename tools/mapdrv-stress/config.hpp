// SPDX-License-Identifier: GPL-2.0
//
// What the parts of mapdrv-stress share: the bounds, the operations and
// their counters, a divergence, the state the workers share across
// processes, and the run's configuration, fixed before the workers start.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/mapdrv.h>

#include <mapdrv/ioctls.hpp>

#include "oracle.hpp"

namespace mapdrv::stress {

inline constexpr char prog[] = "mapdrv-stress";
inline constexpr char module_name[] = MAPDRV_DEVICE_NAME;

// 0 and 2, 3 are cli.hpp's; 1 is a divergence or a failed final unload.
inline constexpr int exit_divergence = 1;

/* Bounds per worker. */
inline constexpr unsigned max_fds = 16;
inline constexpr unsigned max_maps = 32;
inline constexpr unsigned max_slots = max_fds + max_maps; /* open files, and closed ones still mapped */
inline constexpr unsigned max_workers = 255;		  /* the worker id is one byte of a tag */
inline constexpr unsigned max_procs = 64;
inline constexpr unsigned max_threads = 64;
inline constexpr unsigned max_printed = 100;		  /* divergence lines with --verbose */

// The operations, in the order of the summary.
enum op_type : unsigned {
	OP_OPEN, OP_CLOSE, OP_MMAP, OP_MUNMAP, OP_MREMAP, OP_MPROTECT, OP_MADVISE,
	OP_MINCORE, OP_TOUCH, OP_STORE, OP_SEGV, OP_FORK, OP_READ, OP_PREAD,
	OP_WRITE, OP_PWRITE, OP_LSEEK, OP_INFO, OP_IOCTL, OP_RESTAMP, OP_SET_MODE,
	OP_UNLOAD, OP_COUNT
};

inline constexpr const char *op_names[OP_COUNT] = {
	"open", "close", "mmap", "munmap", "mremap", "mprotect", "madvise",
	"mincore", "touch", "store", "segv", "fork", "read", "pread",
	"write", "pwrite", "lseek", "info", "ioctl", "restamp", "set_mode",
	"unload",
};

// Each of mapdrv::ioctls has its operation, named as the ioctl is
// (MAPDRV_IOC_SET_MODE: "set_mode"): a new ioctl does not compile here
// until the tool exercises it.
constexpr bool has_op_named(std::string_view ioctl)
{
	const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
	for (const std::string_view op : op_names)
		if (std::equal(op.begin(), op.end(), ioctl.begin(), ioctl.end(),
			       [&](char a, char b) { return a == lower(b); }))
			return true;
	return false;
}
static_assert([] {
	for (const ioctl_desc &d : ioctls)
		if (!has_op_named(d.short_name()))
			return false;
	return true;
}(), "an ioctl of mapdrv::ioctls without an operation of its name in op_names");

struct op_counts {
	u64 attempted, ok, refused, diverged, unsupported;
};

struct worker_stats {
	op_counts ops[OP_COUNT];
	u64 mmaps_ok;		/* successful mmap() calls, for the driver's mmap_calls */
	u64 child_writes;	/* tagged words written by forked children */
	int finished;		/* the worker's final region check ran */
};

/* Up to four errnos a call may fail with. */
struct errset {
	int v[4] = {};
	int n = 0;

	constexpr errset() = default;
	constexpr errset(std::initializer_list<int> l)
	{
		for (const int e : l)
			if (n < 4)
				v[n++] = e;
	}
	[[nodiscard]] constexpr bool has(int e) const
	{
		for (int i = 0; i < n; ++i)
			if (v[i] == e)
				return true;
		return false;
	}
};

/* One divergence, as raw values: a forked child fills it without stdio. */
struct divergence {
	const char *op;		/* op_names[], or "setup", "final" */
	const char *what;	/* a string literal */
	int worker;		/* -1: the supervisor */
	int in_child;
	u64 opno;		/* the worker's operation number, from 1 */
	int has_offset, has_values, has_ret, has_addr;
	u64 offset, expected, found;
	long ret;
	u64 addr;
	int err;		/* the errno found, 0 if none */
	errset expected_errs;
	int signo;
};

/* In memory shared by the supervisor and every worker process. */
struct shared_state {
	std::atomic<int> stop;
	std::atomic<u64> ops_claimed;
	std::atomic<u64> divergences;
	std::atomic<int> first_claimed;
	std::atomic<int> first_ready;
	std::atomic<int> first_printed;
	std::atomic<unsigned> printed;
	std::atomic<u64> unload_attempts;
	std::atomic<u64> unload_refused;
	divergence first;
	worker_stats workers[max_workers];
};

static_assert(std::atomic<u64>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
	      "the shared counters live in memory shared by processes");

/* Set before the workers start; read-only afterwards. */
struct config {
	std::string device;
	buffer_layout buf;
	u64 seed = 0;		/* of the random sequences */
	unsigned procs = 0, threads = 0;
	bool set_mode = false;	/* the driver has MAPDRV_IOC_SET_MODE */
	u32 default_mode = MAPDRV_MODE_FAULT, default_window = 0;
	bool unload = false, keep_going = false, verbose = false;
	bool populate = false;	/* MADV_POPULATE_READ/WRITE exist (5.14) */
	bool excluded[OP_COUNT] = {};
	bool no_efault_write = false;
	u64 ops_limit = UINT64_MAX;
	std::optional<std::chrono::steady_clock::time_point> deadline;
	int trace_fd = -1;	/* --trace-ops */
};

/* delete_module(mapdrv, O_NONBLOCK): 0, or -1 and errno. */
inline long delete_module_nonblock()
{
	return syscall(SYS_delete_module, module_name, O_NONBLOCK);
}

} // namespace mapdrv::stress
