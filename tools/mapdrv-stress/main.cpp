// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv-stress: several processes and threads run random sequences of
 * open, mmap (valid and invalid), touch, store, munmap (whole and partial),
 * mremap, mprotect, madvise, mincore, fork, read/write/pread/pwrite, lseek,
 * ioctl (valid and garbage), delete_module and close against /dev/mapdrv,
 * and check every result against an oracle.
 *
 *	mapdrv-stress --seconds 60 --procs 2 --threads 2
 *	mapdrv-stress --seed 0x1234 --ops 20000 --procs 1 --threads 1 --trace-ops ops.log
 *
 * Where things are:
 *	options.cpp	the command line and --help
 *	supervisor.cpp	the run in phases: setup, workers, final checks, unload
 *	worker.cpp	a worker's loop, the operation mix, accounting, bookkeeping
 *	ops_*.cpp	the operations, each a table of named, weighted cases
 *	oracle.cpp	the pattern, the tags and a worker's shadow of its region
 *	rng.hpp		the random source and how a table of cases is drawn
 *	guard.cpp	loads and stores that survive SIGSEGV/SIGBUS
 *	report.cpp	divergence lines and the summary (text or JSON)
 *	trace.cpp	--trace-ops, one line per operation
 *
 * Exit status: 0 no divergence (and, with --unload, the final unload
 * succeeded), 1 a divergence or a failed final unload, 2 usage error,
 * 3 device error.
 */

#include <mapdrv/cli.hpp>

#include "options.hpp"
#include "supervisor.hpp"

int main(int argc, char **argv)
{
	using namespace mapdrv::stress;
	return mapdrv::cli::run_main<options>("mapdrv-stress", argc, argv, parse_args, print_help, run);
}
