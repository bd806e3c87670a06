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
#include <vector>

#include <linux/mapdrv.h>

#include "stats.hpp"

namespace mapdrv::bench {

enum class kind { mapdrv, anon, shmem };

const char *kind_name(kind k);
const char *mode_name(std::uint32_t mode);

/* The ratios of one subject to its baselines, per repetition. */
struct subject_ratios {
	series touch_to_fault, touch_to_shmem;		/* 1. touch */
	series total_to_fault, total_to_shmem;		/* 1. mmap + touch */
	series mpop_to_fault, mpop_to_touch;		/* 2. MAP_POPULATE */
	series madv_to_fault, madv_to_touch;		/* 2. MADV_POPULATE_READ */
	series warm_to_anon;				/* 3. warm read */
	series speedup_to_compute;			/* 5. threads */
};

/* One thing mapped and measured: a mode of the driver, or a baseline. */
struct subject {
	kind k = kind::mapdrv;
	std::uint32_t mode = MAPDRV_MODE_FAULT;
	std::uint32_t window = 0;
	std::string name;	/* "fault", "around-16", "eager", "anon", "shmem" */
	std::string label;	/* for the table and chart */
	bool set_mode = false;	/* MAPDRV_IOC_SET_MODE before each mmap */
	bool threads = false;	/* part of the thread test */

	/* 1. first touch, per page */
	series mmap_ns, touch_ns, total_ns, faults, driver_faults;
	/* 2. populate: mmap (+ madvise) + touch, per page */
	series mpop_ns, mpop_faults, madv_ns, madv_faults;
	/* 3. warm streaming read */
	series warm_gbps;
	/* 5. threads: first touch, per page, and speedup per repetition */
	series t1_ns, t2_ns, speedup;

	subject_ratios ratios;
};

/* 4. read() of the device against copies in user space. */
struct copy_results {
	series read_gbps, memcpy_gbps, movsb_gbps;
	series read_to_memcpy, memcpy_to_memcpy, movsb_to_memcpy;
};

/* 5. the thread baseline: pure computation split the same way. */
struct compute_results {
	series t1_ns, t2_ns, speedup, speedup_to_compute;
};

struct target {
	std::string name;	/* "around-16 first touch <= 0.5x fault" */
	std::string value;	/* "0.31x" */
	std::optional<bool> met;	/* nullopt: not measured */
	std::string detail;
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
	std::vector<std::string> notes;	/* unsupported modes and the like */

	/* What was measured, and what it means. */
	std::vector<subject> subjects;
	copy_results copy;
	compute_results compute;
	std::vector<target> targets;

	[[nodiscard]] const subject *find(const std::string &name) const;
	/* The line about what absolute times mean on this machine. */
	[[nodiscard]] std::string timing_note() const;
};

/* The ratios of every subject to its baselines, once the samples are in. */
void derive_ratios(results &r);
/* The targets of the mapping modes, met or missed. */
void evaluate_targets(results &r);

} // namespace mapdrv::bench
