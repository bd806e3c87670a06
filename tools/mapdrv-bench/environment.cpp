// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: what the run can find out about its machine by itself.
#include <cstdlib>
#include <fstream>
#include <string>

#include <sys/utsname.h>
#include <unistd.h>

#include "results.hpp"

namespace mapdrv::bench {
namespace {

std::string read_line(const char *path)
{
	std::ifstream in(path);
	std::string line;
	if (!in || !std::getline(in, line))
		return {};
	while (!line.empty() && (line.back() == '\n' || line.back() == ' '))
		line.pop_back();
	return line;
}

/* The CPU model name, and the flags among the few that matter here. */
void probe_cpu(environment &env, std::string &flags)
{
	std::ifstream cpuinfo("/proc/cpuinfo");
	std::string line;
	while (std::getline(cpuinfo, line)) {
		const auto value = [&line] {
			const std::size_t colon = line.find(':');
			return colon == std::string::npos ? std::string()
							  : line.substr(line.find_first_not_of(" \t", colon + 1));
		};
		if (env.cpu_model.empty() && line.rfind("model name", 0) == 0)
			env.cpu_model = value();
		else if (flags.empty() && line.rfind("flags", 0) == 0)
			flags = " " + value() + " ";
	}
	for (const char *f : {"erms", "fsrm", "rep_good", "avx2", "hypervisor"})
		if (flags.find(std::string(" ") + f + " ") != std::string::npos)
			env.cpu_flags += (env.cpu_flags.empty() ? "" : " ") + std::string(f);
}

} // namespace

environment probe_environment()
{
	environment env;
	struct utsname u {};
	if (uname(&u) == 0)
		env.kernel = u.release;
	env.cpus = sysconf(_SC_NPROCESSORS_ONLN);

	std::string flags;
	probe_cpu(env, flags);
	if (env.cpu_model.find("TCG") != std::string::npos)
		env.accel = "tcg";
	else if (flags.find(" hypervisor ") != std::string::npos)
		env.accel = "virtualized";
	else
		env.accel = "bare metal";

	const std::string vendor = read_line("/sys/class/dmi/id/sys_vendor");
	const std::string pver = read_line("/sys/class/dmi/id/product_version");
	if (!vendor.empty())
		env.machine = vendor + (pver.empty() ? "" : " " + pver);

	const std::string thp = read_line("/sys/kernel/mm/transparent_hugepage/enabled");
	const std::size_t l = thp.find('['), r = thp.find(']');
	env.thp = (l != std::string::npos && r > l) ? thp.substr(l + 1, r - l - 1) : thp;

	const std::string fab = read_line("/sys/kernel/debug/fault_around_bytes");
	if (!fab.empty())
		env.fault_around_bytes = std::strtol(fab.c_str(), nullptr, 10);
	return env;
}

} // namespace mapdrv::bench
