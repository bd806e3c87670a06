// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv-read: map the mapdrv buffer read-only, check every word of it
 * against the pattern and report what the page faults cost.
 *
 * Exit status: 0 all words match, 1 mismatch, 2 usage error, 3 device error.
 */
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/mapdrv.h>

#include <mapdrv/cli.hpp>
#include <mapdrv/device.hpp>
#include <mapdrv/json.hpp>
#include <mapdrv/mapping.hpp>
#include <mapdrv/text.hpp>


namespace {

using mapdrv::cli::action;
using mapdrv::cli::flush_stdout;
using mapdrv::cli::usage_error;
using mapdrv::fmt;
using mapdrv::hex;
using mapdrv::hex16;
using mapdrv::cli::parse_size_option;
using mapdrv::cli::install_sigbus_handler;

constexpr const char prog[] = "mapdrv-read";

enum exit_status : int {
	exit_ok = 0,
	exit_mismatch = 1,
	exit_usage = 2,
	exit_device = 3,
};

struct options {
	std::string device = mapdrv::default_device_path;
	std::optional<std::uint64_t> offset;
	std::optional<std::uint64_t> length;
	bool json = false;
};

void print_help()
{
	std::printf(
"%s - check the mapdrv buffer word by word through a memory mapping\n"
"\n"
"Usage: %s [OPTION]...\n"
"\n"
"Map the buffer of the mapdrv device, or a range of it, read-only and shared;\n"
"read every 64-bit word through the mapping and compare it with the pattern\n"
"the driver stamped there, mapdrv_pattern(seed, offset). Each page is first\n"
"touched during the check, so the driver serves its page faults while the\n"
"check runs. Then print a summary: the range, pages and words checked, the\n"
"minor page faults this process took, the driver's fault counter before and\n"
"after (it counts faults of every process), the elapsed time and the speed.\n"
"\n"
"Options:\n"
"  -d, --device=PATH    the mapdrv device node (default: %s)\n"
"  -o, --offset=BYTES   start of the range, a multiple of the page size\n"
"                       (default: 0)\n"
"  -l, --length=BYTES   length of the range, a multiple of 8 (default: up to\n"
"                       the end of the buffer)\n"
"  -j, --json           print the summary as one JSON object\n"
"  -h, --help           display this help and exit\n"
"  -V, --version        output version information and exit\n"
"\n"
"BYTES is a decimal or 0x-prefixed hexadecimal number, optionally followed\n"
"by K, M or G (times 1024, 1024^2 or 1024^3). The range must lie inside the\n"
"buffer. Errors go to standard error as one line.\n"
"\n"
"Exit status:\n"
"  0    every word matched the pattern\n"
"  1    a word did not match (the summary shows the first one)\n"
"  2    usage error: bad option or number, or a range that is not\n"
"       page-aligned or not inside the buffer\n"
"  3    device error: no device node, permission denied, not a mapdrv\n"
"       device, wrong ABI version, or a failed ioctl or mmap\n",
		prog, prog, mapdrv::default_device_path);
}

action parse_args(int argc, char **argv, options &opt)
{
	static const char short_opts[] = ":d:o:l:jhV";
	static const struct option long_opts[] = {
		{ "device",  required_argument, nullptr, 'd' },
		{ "offset",  required_argument, nullptr, 'o' },
		{ "length",  required_argument, nullptr, 'l' },
		{ "json",    no_argument,       nullptr, 'j' },
		{ "help",    no_argument,       nullptr, 'h' },
		{ "version", no_argument,       nullptr, 'V' },
		{ nullptr,   0,                 nullptr, 0 },
	};

	const action act = mapdrv::cli::parse_options(
		argc, argv, short_opts, long_opts, [&opt](int c, const char *arg) {
			switch (c) {
			case 'd': opt.device = arg; return true;
			case 'o': opt.offset = parse_size_option("--offset", arg); return true;
			case 'l': opt.length = parse_size_option("--length", arg); return true;
			case 'j': opt.json = true; return true;
			default: return false;
			}
		});
	if (opt.device.empty())
		throw usage_error("--device: empty path");
	return act;
}

/* human(4194304, "B") == "4 MiB"; human(1.5e9, "B/s") == "1.4 GiB/s" */
std::string human(double v, const char *unit)
{
	static const char *const prefixes[] = { "", "Ki", "Mi", "Gi", "Ti" };
	unsigned i = 0;
	while (v >= 1024.0 && i + 1 < sizeof(prefixes) / sizeof(prefixes[0])) {
		v /= 1024.0;
		++i;
	}
	if (v == static_cast<double>(static_cast<std::uint64_t>(v)))
		return fmt("%.0f %s%s", v, prefixes[i], unit);
	return fmt("%.1f %s%s", v, prefixes[i], unit);
}

/* " (4 MiB)" for sizes of 1 KiB and more, else "" */
std::string in_units(std::uint64_t bytes)
{
	return bytes < 1024 ? std::string() : " (" + human(static_cast<double>(bytes), "B") + ")";
}

/* The minor page faults of this process so far (getrusage()). */
std::uint64_t minor_faults()
{
	struct rusage ru {};
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		throw std::system_error(errno, std::generic_category(), "getrusage");
	return static_cast<std::uint64_t>(ru.ru_minflt);
}

struct report {
	std::string device;
	mapdrv_info info;	/* as read just before the pass */
	std::uint64_t offset;
	std::uint64_t length;
	std::uint64_t pages;
	std::uint64_t minor_faults;
	std::uint64_t driver_faults_before;
	std::uint64_t driver_faults_after;
	double seconds;
	mapdrv::verify_result result;
};

void print_text(const report &r)
{
	const double bps = r.seconds > 0 ? static_cast<double>(r.length) / r.seconds : 0.0;

	std::printf("device:          %s\n", r.device.c_str());
	std::printf("abi version:     %u\n", static_cast<unsigned>(r.info.abi_version));
	std::printf("buffer size:     %" PRIu64 " bytes%s\n",
		    static_cast<std::uint64_t>(r.info.size), in_units(r.info.size).c_str());
	std::printf("page size:       %u bytes\n", static_cast<unsigned>(r.info.page_size));
	std::printf("seed:            %s\n", hex16(r.info.seed).c_str());
	std::printf("range checked:   [%s, %s) = %" PRIu64 " bytes%s\n",
		    hex(r.offset).c_str(), hex(r.offset + r.length).c_str(), r.length,
		    in_units(r.length).c_str());
	std::printf("pages checked:   %" PRIu64 "\n", r.pages);
	std::printf("words checked:   %" PRIu64 "\n", r.result.words);
	std::printf("minor faults:    %" PRIu64 " (taken by this process during the pass)\n",
		    r.minor_faults);
	std::printf("driver faults:   %" PRIu64 " before, %" PRIu64 " after, +%" PRIu64
		    " (the driver counts faults of every process)\n",
		    r.driver_faults_before, r.driver_faults_after,
		    r.driver_faults_after - r.driver_faults_before);
	std::printf("elapsed:         %.6f s\n", r.seconds);
	if (r.seconds > 0)
		std::printf("speed:           %.0f bytes/s (%s; under emulation absolute speed "
			    "means nothing)\n", bps, human(bps, "B/s").c_str());
	else
		std::printf("speed:           unknown (the pass took no measurable time)\n");
	if (const auto &m = r.result.first_mismatch) {
		std::printf("mismatched words: %" PRIu64 " of %" PRIu64 "\n",
			    r.result.mismatched_words, r.result.words);
		std::printf("result: MISMATCH at offset %s expected %s found %s\n",
			    hex(m->offset).c_str(), hex16(m->expected).c_str(),
			    hex16(m->found).c_str());
	} else {
		std::printf("result: OK\n");
	}
}

void print_json(const report &r)
{
	mapdrv::json_writer j;
	j.begin_object();
	j.key("device").str(r.device);
	j.key("abi_version").integer(r.info.abi_version);
	j.key("size").integer(r.info.size);
	j.key("page_size").integer(r.info.page_size);
	j.key("seed").str(hex16(r.info.seed));
	j.key("offset").integer(r.offset);
	j.key("length").integer(r.length);
	j.key("pages").integer(r.pages);
	j.key("words").integer(r.result.words);
	j.key("minor_faults").integer(r.minor_faults);
	j.key("driver_faults_before").integer(r.driver_faults_before);
	j.key("driver_faults_after").integer(r.driver_faults_after);
	j.key("seconds").raw(fmt("%.9f", r.seconds));
	j.key("bytes_per_second");
	if (r.seconds > 0)
		j.raw(fmt("%.0f", static_cast<double>(r.length) / r.seconds));
	else
		j.null();
	j.key("ok").boolean(r.result.ok());
	j.key("mismatch");
	if (const auto &m = r.result.first_mismatch)
		j.begin_object()
			.key("offset").str(hex(m->offset))
			.key("expected").str(hex16(m->expected))
			.key("found").str(hex16(m->found))
			.end_object();
	else
		j.null();
	j.end_object();
	std::printf("%s\n", j.text().c_str());
}

int run(const options &opt)
{
	const mapdrv::device dev(opt.device, O_RDONLY | O_CLOEXEC);
	const mapdrv_info info = dev.checked_info();	/* ABI, page_size, size sane */

	const std::uint64_t size = info.size;
	const std::uint64_t page = info.page_size;
	const std::uint64_t offset = opt.offset.value_or(0);

	/* Check the range here, with reasons, rather than let mmap say EINVAL. */
	if (offset % page != 0)
		throw usage_error("--offset " + hex(offset) + " is not a multiple of the page size (" +
				  std::to_string(page) + ")");
	if (offset >= size)
		throw usage_error("--offset " + hex(offset) + " is outside the buffer (size " +
				  hex(size) + " = " + std::to_string(size) + " bytes)");
	std::uint64_t length = size - offset;
	if (opt.length) {
		length = *opt.length;
		if (length == 0)
			throw usage_error("--length 0: the range is empty");
		if (length % 8 != 0)
			throw usage_error("--length " + std::to_string(length) +
					  " is not a multiple of 8 (the pattern is 64-bit words)");
		if (length > size)
			throw usage_error("--length " + hex(length) + " is larger than the buffer (size " +
					  hex(size) + " = " + std::to_string(size) + " bytes)");
		if (length > size - offset)
			throw usage_error("range [" + hex(offset) + ", " + hex(offset + length) +
					  ") ends past the end of the buffer (size " + hex(size) +
					  " = " + std::to_string(size) + " bytes)");
	}
	/* size <= MAPDRV_SIZE_MAX in practice; this only matters for 32-bit builds */
	if (length > SIZE_MAX)
		throw usage_error("--length " + std::to_string(length) + " is too large to map");

	const mapdrv::mapping map = dev.map(offset, static_cast<std::size_t>(length),
					    PROT_READ, MAP_SHARED);
	install_sigbus_handler(prog);

	/*
	 * Nothing touches the mapping before verify(): its loads fault every
	 * page in. Warm up the clock and getrusage() first so that their own
	 * first-use faults (vDSO data, stack) stay out of the count.
	 */
	(void)std::chrono::steady_clock::now();
	(void)minor_faults();

	const mapdrv_info before = dev.info();
	const std::uint64_t minflt_before = minor_faults();
	const auto t0 = std::chrono::steady_clock::now();
	const mapdrv::verify_result result = mapdrv::verify(map.bytes(), offset, before.seed);
	const auto t1 = std::chrono::steady_clock::now();
	const std::uint64_t minflt_after = minor_faults();
	const mapdrv_info after = dev.info();

	if (after.seed != before.seed)
		std::fprintf(stderr, "%s: warning: the seed changed during the pass (%s -> %s); "
			     "someone restamped the buffer\n",
			     prog, hex16(before.seed).c_str(), hex16(after.seed).c_str());

	const report r{
		.device = dev.path(),
		.info = before,
		.offset = offset,
		.length = length,
		.pages = (length + page - 1) / page,
		.minor_faults = minflt_after - minflt_before,
		.driver_faults_before = before.faults,
		.driver_faults_after = after.faults,
		.seconds = std::chrono::duration<double>(t1 - t0).count(),
		.result = result,
	};
	if (opt.json)
		print_json(r);
	else
		print_text(r);
	flush_stdout();

	return result.ok() ? exit_ok : exit_mismatch;
}

} // namespace

int main(int argc, char **argv)
{
	return mapdrv::cli::run_main<options>(prog, argc, argv, parse_args, print_help, run);
}
