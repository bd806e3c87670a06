// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the one structure the measurements fill and bench.json is
// written from: what was run, on what, and every sample. Nothing in it is
// derived: medians, ratios, targets, tables, charts and the gate are made
// from bench.json on the host (scripts/bench/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <linux/mapdrv.h>

#include "bench.hpp"

namespace mapdrv::bench {

enum class kind { mapdrv, anon, shmem, remap, floor_array, floor_none };

const char *kind_name(kind k);
const char *mode_name(std::uint32_t mode);

/* One measurement: a sample per repetition, or why there is none. */
struct series {
	std::vector<double> samples;
	std::string unsupported;	/* non-empty: not measured, and why */

	void add(double v) { samples.push_back(v); }
};

/*
 * A refault: a mapping touched in full, then MADV_DONTNEED of some of its
 * pages and one read of each dropped page. Per refaulted page: the touch
 * (cost), minor faults; per fault: vm_insert_pages() calls (a pass of its
 * own, with a kprobe on it).
 */
enum refault_pattern : std::size_t { refault_one, refault_every_16th, refault_all, refault_patterns };

const char *refault_name(std::size_t pattern);

struct refault_results {
	series cost, faults, insert_calls;
};

/* Every pattern, or why the subject takes no refault (a string). */
struct refault_set {
	refault_results pattern[refault_patterns];
	std::string unsupported;

	void set_unsupported(const std::string &why) { unsupported = why; }
};

/*
 * One thing mapped and measured: a mode of the driver, or a baseline.
 * Costs are per page, in the run's unit (ns or instructions).
 */
struct subject {
	kind k = kind::mapdrv;
	std::uint32_t mode = MAPDRV_MODE_FAULT;
	std::uint32_t window = 0;
	std::string name;	/* "fault", "around-16", "eager", "anon", "shmem", "remap",
				   "floor-array", "floor-none" */
	bool set_mode = false;	/* MAPDRV_IOC_SET_MODE before each mmap */
	bool threads = false;	/* part of the thread test */
	bool curve = false;	/* part of the cost curves */

	/* 1. first touch: the mmap call, the touch, minor faults per page */
	series mmap, touch, faults, driver_faults;
	/* 2. populate: mmap (+ madvise) + touch */
	series mpop, mpop_faults, madv, madv_faults;
	/* 3. warm streaming read */
	series warm;
	/* refaults, plain and over userfaultfd-wp markers */
	refault_set refault, refault_wp;
	/* 5. threads: first touch by 1 and by 2 threads (wall clock only) */
	series t1, t2;
	/* Cost curves: mmap and first touch, per page, one entry per curve size. */
	std::vector<series> curve_mmap, curve_touch;
};

/* 4. read() of the device against copies in user space, cost per page. */
struct copy_results {
	std::string loop_name;	/* the loop copy_to_user() uses on this CPU */
	series read, loop, memcpy_;
};

/* 5. the thread baseline: pure computation split the same way. */
struct compute_results {
	series t1, t2;
};

struct environment {
	std::string kernel;
	std::string cpu_model;
	std::string accel;		/* "tcg", "virtualized", "bare metal" */
	std::string machine;		/* "QEMU pc-i440fx-10.0" or "" */
	std::string thp;		/* transparent_hugepage/enabled */
	std::string cpu_flags;		/* the few that matter here */
	long cpus = 0;
	long fault_around_bytes = -1;	/* -1: unknown */
};

environment probe_environment();

struct results {
	/* What was run, and where. */
	std::string device;
	std::string machine;		/* --machine */
	environment env;
	mapdrv_info info{};
	std::size_t page = 0, pages = 0, bytes = 0;
	unsigned reps = 0;
	double seconds = 0;
	clock_kind clock = clock_kind::wall;
	std::vector<std::uint64_t> curve_sizes;	/* bytes */
	unsigned curve_reps = 0;
	std::vector<std::string> notes;	/* unsupported modes and the like */
	double clock_overhead = 0;	/* an empty timed touch: taken off a one-page refault */

	/* What was measured. */
	std::vector<subject> subjects;
	copy_results copy;
	compute_results compute;

	[[nodiscard]] const subject *find(const std::string &name) const;
	[[nodiscard]] bool instructions() const { return clock == clock_kind::instructions; }
};

/* bench.json: the run and every sample. */
std::string render_json(const results &r);

} // namespace mapdrv::bench
