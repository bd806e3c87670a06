// SPDX-License-Identifier: GPL-2.0
//
// mapdrv-bench: the one structure the measurements fill and the renderers
// (text, JSON, SVG) only read. Every figure a report shows is here, the
// ratios to the baselines and the targets too: a renderer looks nothing up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <linux/mapdrv.h>

#include "bench.hpp"
#include "stats.hpp"

namespace mapdrv::bench {

enum class kind { mapdrv, anon, shmem, remap };

const char *kind_name(kind k);
const char *mode_name(std::uint32_t mode);

/* The ratios of one subject to its baselines, per repetition. */
struct subject_ratios {
	series touch_to_fault, touch_to_shmem, touch_to_anon;	/* 1. touch */
	series total_to_fault, total_to_shmem, total_to_remap;	/* 1. mmap + touch */
	series mpop_to_fault, mpop_to_touch;		/* 2. MAP_POPULATE */
	series madv_to_fault, madv_to_touch;		/* 2. MADV_POPULATE_READ */
	series warm_to_anon;				/* 3. warm read (cost) */
	series speedup_to_compute;			/* 5. threads */
};

/*
 * One thing mapped and measured: a mode of the driver, or a baseline.
 * Costs are per page, in the run's unit (ns or instructions).
 */
struct subject {
	kind k = kind::mapdrv;
	std::uint32_t mode = MAPDRV_MODE_FAULT;
	std::uint32_t window = 0;
	std::string name;	/* "fault", "around-16", "eager", "anon", "shmem", "remap" */
	std::string label;	/* for the table and chart */
	bool set_mode = false;	/* MAPDRV_IOC_SET_MODE before each mmap */
	bool threads = false;	/* part of the thread test */
	bool curve = false;	/* part of the cost curves */

	/* 1. first touch */
	series mmap, touch, total, faults, driver_faults;
	/* 2. populate: mmap (+ madvise) + touch */
	series mpop, mpop_faults, madv, madv_faults;
	/* 3. warm streaming read */
	series warm;
	/* 5. threads: first touch, and speedup per repetition (wall clock only) */
	series t1, t2, speedup;
	/* Cost curves: mmap and first touch, per page, one entry per curve size. */
	std::vector<series> curve_mmap, curve_touch;

	subject_ratios ratios;
};

/* 4. read() of the device against copies in user space, cost per page. */
struct copy_results {
	std::string loop_name;	/* the loop copy_to_user() uses on this CPU */
	series read, loop, memcpy_;
	/* speeds: the other's cost over read()'s */
	series read_speed_to_loop, read_speed_to_memcpy, loop_speed_to_memcpy;
};

/* 5. the thread baseline: pure computation split the same way. */
struct compute_results {
	series t1, t2, speedup, speedup_to_compute;
};

struct target {
	std::string name;	/* "around-16 first touch <= 0.6x shmem" */
	std::string value;	/* "0.31x" */
	std::optional<bool> met;	/* nullopt: not measured */
	std::string detail;
};

/* --gate: one figure against its committed baseline. */
struct gate_check {
	std::string figure;	/* "fault mmap+touch" */
	double baseline = 0;
	double now = 0;
	bool regressed = false;
};

struct gate_results {
	std::string baseline_file;
	std::string baseline_config;	/* the baseline's run description */
	std::vector<gate_check> checks;
	std::vector<std::string> missing;	/* in the baseline, not measured now */
	bool config_differs = false;	/* made with another kernel, QEMU, CPU, size */
	bool ran = false;
	[[nodiscard]] bool failed() const;
};

struct environment {
	std::string kernel;
	std::string cpu_model;
	std::string accel;		/* "tcg", "virtualized", "bare metal?" */
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
	double gate_tolerance = 0.03;
	std::vector<std::string> notes;	/* unsupported modes and the like */

	/* What was measured, and what it means. */
	std::vector<subject> subjects;
	copy_results copy;
	compute_results compute;
	std::vector<target> targets;
	gate_results gate;

	[[nodiscard]] const subject *find(const std::string &name) const;
	[[nodiscard]] bool instructions() const { return clock == clock_kind::instructions; }
	/* "ns" or "instructions" */
	[[nodiscard]] const char *unit() const;
	/* "ns/page" or "instr/page", for table headings */
	[[nodiscard]] std::string per_page() const;
	/* What this run's configuration is: a gate compares only like with like. */
	[[nodiscard]] std::string config() const;
	/* The line about what absolute times mean on this machine. */
	[[nodiscard]] std::string timing_note() const;
};

/* The ratios of every subject to its baselines, once the samples are in. */
void derive_ratios(results &r);
/* The targets of the mapping modes, met or missed. */
void evaluate_targets(results &r);
/* The figures a gate compares: "subject figure" -> cost per page. */
std::vector<std::pair<std::string, double>> gate_figures(const results &r);

} // namespace mapdrv::bench
