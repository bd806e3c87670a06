// SPDX-License-Identifier: GPL-2.0
//
// The ioctls and the module: MAPDRV_IOC_INFO, unknown ioctls, refused
// RESTAMPs, SET_MODE, and delete_module while the device is held.

#include <cerrno>
#include <cstring>

#include <sys/ioctl.h>

#include <mapdrv/ioctls.hpp>

#include "worker.hpp"

namespace mapdrv::stress {

/* ---- INFO ------------------------------------------------------------- */

void worker::op_info()
{
	enum class to { null, read_only, valid };
	using info_case = weighted_case<to>;
	static constexpr info_case cases[] = {
		{ "MAPDRV_IOC_INFO to NULL", 8, to::null },
		{ "MAPDRV_IOC_INFO to a read-only buffer", 4, to::read_only },
		{ "MAPDRV_IOC_INFO, every field checked", 88, to::valid },
	};
	static_assert(total_weight(cases) == 100);

	with_file(OP_INFO, [&](file_slot &f) {
		const info_case &c = pick(r_, cases);
		if (c.value == to::valid)
			check_info(f);
		else
			must_fail(ioctl(f.fd, MAPDRV_IOC_INFO, c.value == to::null ? nullptr : ro_page_), { EFAULT },
				  c.name);
	});
}

/* @found must be @expected. */
void worker::expect(const char *what, u64 expected, u64 found)
{
	if (found != expected)
		diverge({ .what = what, .expected = expected, .found = found });
}

void worker::check_info(file_slot &f)
{
	mapdrv_info in;
	std::memset(&in, 0xa5, sizeof(in));	/* the driver must fill every field */
	if (!must_work(ioctl(f.fd, MAPDRV_IOC_INFO, &in), "MAPDRV_IOC_INFO"))
		return;
	expect("INFO abi_version", MAPDRV_ABI_VERSION, in.abi_version);
	expect("INFO page_size", buf_.page, in.page_size);
	expect("INFO size", buf_.size, in.size);
	expect("INFO seed (nobody restamps)", buf_.pattern_seed, in.seed);
	for (const auto r : in.reserved)
		if (r != 0) {
			diverge({ .what = "INFO reserved", .expected = 0, .found = r });
			break;
		}
	check_info_counters(in);
	if (cfg_.set_mode) {
		expect("INFO mode of this file", f.mode, in.mode);
		expect("INFO window of this file", f.window, in.window);
	}
}

/* The driver's counters: never backwards; live VMAs while we map something. */
void worker::check_info_counters(const mapdrv_info &in)
{
	if (in.faults < last_faults_)
		diverge({ .what = "INFO faults went backwards", .expected = last_faults_, .found = in.faults });
	if (in.mmap_calls < last_mmap_calls_)
		diverge({ .what = "INFO mmap_calls went backwards", .expected = last_mmap_calls_,
			  .found = in.mmap_calls });
	last_faults_ = std::max<u64>(last_faults_, in.faults);
	last_mmap_calls_ = std::max<u64>(last_mmap_calls_, in.mmap_calls);
	if (in.live_vmas > INT32_MAX)
		diverge({ .what = "INFO live_vmas is negative", .expected = 0, .found = in.live_vmas });
	else if (in.live_vmas == 0 && !maps_.empty())
		diverge({ .what = "INFO live_vmas is 0 while this worker has mappings", .expected = 1,
			  .found = 0 });
}

/* ---- unknown ioctls ---------------------------------------------------- */

/*
 * A command no one knows: none of mapdrv::ioctls. Types no generic (VFS)
 * ioctl uses, so the driver decides: ours with another number, size or
 * direction, and a few unused ones.
 */
unsigned worker::draw_unknown_ioctl()
{
	static const unsigned types[] = { MAPDRV_IOC_MAGIC, 0xb6, 0xb8, 0xe1, 0x7a, 0xfe };
	static const unsigned sizes[] = { 0, 8, 16, 72, 80, 88, 4096 };
	unsigned cmd;
	do {
		const auto dir = static_cast<unsigned>(r_.below(4));
		if (r_.chance(500)) {
			const unsigned size = r_.chance(700) ? sizes[r_.below(std::size(sizes))]
							    : static_cast<unsigned>(r_.below(1U << 14));
			cmd = _IOC(dir, MAPDRV_IOC_MAGIC, static_cast<unsigned>(r_.below(5)), size);
		} else {
			/* drawn in this order: type, number, size */
			const unsigned type = types[r_.below(std::size(types))];
			const auto nr = static_cast<unsigned>(r_.below(256));
			const auto size = static_cast<unsigned>(r_.below(1U << 14));
			cmd = _IOC(dir, type, nr, size);
		}
	} while (mapdrv::find_ioctl(cmd));
	return cmd;
}

void worker::op_ioctl()
{
	enum class arg { buffer, zero, random };
	using arg_case = weighted_case<arg>;
	static constexpr arg_case args[] = {
		{ "a buffer, which must stay untouched", 70, arg::buffer },
		{ "0", 15, arg::zero },
		{ "a random number below 2^32", 15, arg::random },
	};
	static_assert(total_weight(args) == 100);

	with_file(OP_IOCTL, [&](file_slot &f) {
		const unsigned cmd = draw_unknown_ioctl();
		tr_arg_ = cmd;
		alignas(8) unsigned char canary[256];
		std::memset(canary, 0x5a, sizeof(canary));
		const arg kind = pick(r_, args).value;
		unsigned long value = reinterpret_cast<unsigned long>(canary);
		if (kind == arg::zero)
			value = 0;
		else if (kind == arg::random)
			value = r_.below(1ULL << 32);
		if (must_fail(ioctl(f.fd, cmd, value), { ENOTTY }, "unknown ioctl") && kind == arg::buffer)
			for (const unsigned char c : canary)
				if (c != 0x5a) {
					diverge({ .what = "an unknown ioctl wrote into its argument",
						  .expected = 0x5a, .found = c });
					break;
				}
	});
}

/* ---- RESTAMP: every one refused (a valid one would rewrite the buffer) -- */

void worker::op_restamp()
{
	enum class fill { flags, unknown_flags, unknown_flags_and_seed, reserved, null };
	struct restamp_case {
		const char *name;
		unsigned weight;
		fill how;
		errset errs;
	};
	static constexpr restamp_case read_only[] = {
		{ "MAPDRV_IOC_RESTAMP on an O_RDONLY file", 70, fill::flags, { EBADF } },
		{ "MAPDRV_IOC_RESTAMP with unknown flags on an O_RDONLY file", 30, fill::unknown_flags,
		  { EBADF, EINVAL } },
	};
	static constexpr restamp_case writable[] = {
		{ "MAPDRV_IOC_RESTAMP with unknown flags", 40, fill::unknown_flags_and_seed, { EINVAL } },
		{ "MAPDRV_IOC_RESTAMP with reserved != 0", 35, fill::reserved, { EINVAL } },
		{ "MAPDRV_IOC_RESTAMP from NULL", 25, fill::null, { EFAULT } },
	};
	static_assert(total_weight(read_only) == 100 && total_weight(writable) == 100);

	with_file(OP_RESTAMP, [&](file_slot &f) {
		const restamp_case &c = f.writable() ? pick(r_, writable) : pick(r_, read_only);
		mapdrv_restamp rq{};
		rq.seed = buf_.pattern_seed;
		switch (c.how) {
		case fill::flags:
			rq.flags = r_.chance(500) ? MAPDRV_RESTAMP_SET_SEED : 0;
			break;
		case fill::unknown_flags:
			rq.flags = 1U << r_.between(1, 31);
			break;
		case fill::unknown_flags_and_seed: {
			/* drawn in this order: the unknown flag, then SET_SEED */
			const u32 unknown = 1U << r_.between(1, 31);
			rq.flags = unknown | (r_.chance(500) ? MAPDRV_RESTAMP_SET_SEED : 0);
			break;
		}
		case fill::reserved:
			rq.flags = r_.chance(500) ? MAPDRV_RESTAMP_SET_SEED : 0;
			rq.reserved = static_cast<u32>(r_.between(1, UINT32_MAX));
			break;
		case fill::null:
			break;
		}
		must_fail(ioctl(f.fd, MAPDRV_IOC_RESTAMP, c.how == fill::null ? nullptr : &rq), c.errs, c.name);
		tr_arg_ = rq.flags;
	});
}

/* ---- SET_MODE ----------------------------------------------------------- */

void worker::op_set_mode()
{
	static constexpr set_mode_case cases[] = {
		{ "valid", 65, &worker::set_mode_valid },
		{ "invalid", 25, &worker::set_mode_invalid },
		{ "from NULL", 10, &worker::set_mode_null },
	};
	static_assert(total_weight(cases) == 100);

	if (!cfg_.set_mode)
		return op_info();
	int s = -1;
	if (r_.chance(700))	/* mostly files that may change mode */
		s = pick_fd([](const file_slot &f) { return f.nmaps == 0; });
	if (s < 0)
		s = any_fd();
	if (s < 0)
		return op_open();
	begin(OP_SET_MODE);
	file_slot &f = files_[s];
	/* busy: mappings of ours; or copies in a sibling's child forked before our last munmap */
	const bool busy = f.nmaps > 0;
	const bool maybe_busy = !busy && set_mode_maybe_busy(f);
	(this->*pick(r_, cases).value)(f, busy, maybe_busy);
	if (r_.chance(300))
		check_info(f);
	end();
}

/* A sibling thread's child, forked before @f's last mapping went, may still map it. */
bool worker::set_mode_maybe_busy(const file_slot &f) const
{
	if (!f.zero_mark)
		return false;
	for (unsigned t = 0; t < cfg_.threads; ++t) {
		const u64 live = forks_.live[t].load();
		if (t != tix_ && live && live <= f.zero_mark)
			return true;
	}
	return false;
}

void worker::set_mode_valid(file_slot &f, bool busy, bool maybe_busy)
{
	mapdrv_mode rq{};
	rq.mode = static_cast<u32>(r_.below(MAPDRV_MODE_COUNT));
	rq.window = r_.chance(300) ? 0 : 1U << r_.below(10);
	const int ret = ioctl(f.fd, MAPDRV_IOC_SET_MODE, &rq);
	if (busy) {
		must_fail(ret, { EBUSY }, "MAPDRV_IOC_SET_MODE on a file with mappings");
	} else if (maybe_busy && ret == -1 && errno == EBUSY) {
		cur_refused_ = true;	/* a sibling's child still maps it */
	} else if (must_work(ret, "MAPDRV_IOC_SET_MODE on a file without mappings")) {
		f.mode = rq.mode;
		if (rq.window)
			f.window = rq.window;
	}
}

void worker::set_mode_invalid(file_slot &f, bool busy, bool maybe_busy)
{
	enum class bad { mode, window, reserved };
	using bad_case = weighted_case<bad>;
	static constexpr bad_case cases[] = {
		{ "MAPDRV_IOC_SET_MODE with an unknown mode", 1, bad::mode },
		{ "MAPDRV_IOC_SET_MODE with a bad window", 1, bad::window },
		{ "MAPDRV_IOC_SET_MODE with reserved != 0", 1, bad::reserved },
	};
	static const u32 bad_modes[] = { MAPDRV_MODE_COUNT, MAPDRV_MODE_COUNT + 1, 0x7fffffff, 0xffffffff };
	static const u32 bad_windows[] = { 3, 5, 6, 12, 100, MAPDRV_WINDOW_MAX + 1,
					   MAPDRV_WINDOW_MAX * 2, 1U << 20, 0xffffffff };

	mapdrv_mode rq{};
	rq.mode = static_cast<u32>(r_.below(MAPDRV_MODE_COUNT));
	rq.window = 1U << r_.below(10);
	const bad_case &c = pick(r_, cases);
	switch (c.value) {
	case bad::mode:
		rq.mode = bad_modes[r_.below(std::size(bad_modes))];
		break;
	case bad::window:
		rq.window = bad_windows[r_.below(std::size(bad_windows))];
		break;
	case bad::reserved:
		rq.reserved = r_.chance(500) ? 1 : 1ULL << 63;
		break;
	}
	must_fail(ioctl(f.fd, MAPDRV_IOC_SET_MODE, &rq),
		  busy || maybe_busy ? errset{ EINVAL, EBUSY } : errset{ EINVAL }, c.name);
}

void worker::set_mode_null(file_slot &f, bool busy, bool maybe_busy)
{
	must_fail(ioctl(f.fd, MAPDRV_IOC_SET_MODE, nullptr),
		  busy || maybe_busy ? errset{ EFAULT, EBUSY } : errset{ EFAULT },
		  "MAPDRV_IOC_SET_MODE from NULL");
}

/* ---- delete_module ------------------------------------------------------ */

void worker::op_unload()
{
	if (open_count() == 0 && maps_.empty())
		return op_open();
	begin(OP_UNLOAD);
	sh_.unload_attempts.fetch_add(1);
	/* We hold the device open or mapped: the module is pinned. */
	const long ret = delete_module_nonblock();
	if (ret == 0) {
		diverge({ .what = "delete_module succeeded while this worker holds the device", .ret = 0 });
		sh_.stop.store(1);
	} else if (must_fail(ret, { EWOULDBLOCK, EBUSY },
			     "delete_module while this worker holds the device")) {
		sh_.unload_refused.fetch_add(1);
	}
	end();
}

} // namespace mapdrv::stress
