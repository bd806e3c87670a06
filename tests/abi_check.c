// SPDX-License-Identifier: GPL-2.0
/*
 * The layout of the mapdrv ABI, pinned at compile time. Not a test binary:
 * `make lint` compiles it (and runs nothing) as C11 and as C++20, both with
 * -Wall -Wextra -Werror -pedantic, and as 32-bit C (what compat_ptr_ioctl
 * callers see must be the same bytes). A change to a struct, a field offset
 * or an ioctl number breaks the build here first; if the change is meant, it
 * is an ABI change: bump MAPDRV_ABI_VERSION and say so in mapdrv(4),
 * VERSIONS (packaging/man/mapdrv.4).
 */
#include <assert.h>
#include <stddef.h>

#include <linux/mapdrv.h>

#define MAPDRV_LAYOUT(type, field, off) \
	static_assert(offsetof(type, field) == (off), #type "." #field " at " #off)

/* 2: the ioctl type moved off nsfs's 0xb7; fault_errors took reserved[0]. */
static_assert(MAPDRV_ABI_VERSION == 2, "ABI version");
static_assert(MAPDRV_IOC_MAGIC == 0xbd, "ioctl magic");

/* struct mapdrv_info: 80 bytes, no implicit padding. */
static_assert(sizeof(struct mapdrv_info) == 80, "sizeof(struct mapdrv_info)");
MAPDRV_LAYOUT(struct mapdrv_info, abi_version, 0);
MAPDRV_LAYOUT(struct mapdrv_info, page_size, 4);
MAPDRV_LAYOUT(struct mapdrv_info, size, 8);
MAPDRV_LAYOUT(struct mapdrv_info, seed, 16);
MAPDRV_LAYOUT(struct mapdrv_info, faults, 24);
MAPDRV_LAYOUT(struct mapdrv_info, mmap_calls, 32);
MAPDRV_LAYOUT(struct mapdrv_info, live_vmas, 40);
MAPDRV_LAYOUT(struct mapdrv_info, mode, 48);
MAPDRV_LAYOUT(struct mapdrv_info, window, 52);
MAPDRV_LAYOUT(struct mapdrv_info, fault_errors, 56);
MAPDRV_LAYOUT(struct mapdrv_info, reserved, 64);
static_assert(sizeof(((struct mapdrv_info *)0)->reserved) == 16,
	      "struct mapdrv_info.reserved is 2 u64");

/* struct mapdrv_restamp: 16 bytes. */
static_assert(sizeof(struct mapdrv_restamp) == 16, "sizeof(struct mapdrv_restamp)");
MAPDRV_LAYOUT(struct mapdrv_restamp, seed, 0);
MAPDRV_LAYOUT(struct mapdrv_restamp, flags, 8);
MAPDRV_LAYOUT(struct mapdrv_restamp, reserved, 12);

/* struct mapdrv_mode: 16 bytes. */
static_assert(sizeof(struct mapdrv_mode) == 16, "sizeof(struct mapdrv_mode)");
MAPDRV_LAYOUT(struct mapdrv_mode, mode, 0);
MAPDRV_LAYOUT(struct mapdrv_mode, window, 4);
MAPDRV_LAYOUT(struct mapdrv_mode, reserved, 8);

/* Each ioctl number encodes its direction, magic, number and struct size... */
static_assert(_IOC_TYPE(MAPDRV_IOC_INFO) == MAPDRV_IOC_MAGIC, "INFO magic");
static_assert(_IOC_NR(MAPDRV_IOC_INFO) == 0, "INFO number");
static_assert(_IOC_DIR(MAPDRV_IOC_INFO) == _IOC_READ, "INFO direction");
static_assert(_IOC_SIZE(MAPDRV_IOC_INFO) == sizeof(struct mapdrv_info), "INFO size");

static_assert(_IOC_TYPE(MAPDRV_IOC_RESTAMP) == MAPDRV_IOC_MAGIC, "RESTAMP magic");
static_assert(_IOC_NR(MAPDRV_IOC_RESTAMP) == 1, "RESTAMP number");
static_assert(_IOC_DIR(MAPDRV_IOC_RESTAMP) == _IOC_WRITE, "RESTAMP direction");
static_assert(_IOC_SIZE(MAPDRV_IOC_RESTAMP) == sizeof(struct mapdrv_restamp),
	      "RESTAMP size");

static_assert(_IOC_TYPE(MAPDRV_IOC_SET_MODE) == MAPDRV_IOC_MAGIC, "SET_MODE magic");
static_assert(_IOC_NR(MAPDRV_IOC_SET_MODE) == 2, "SET_MODE number");
static_assert(_IOC_DIR(MAPDRV_IOC_SET_MODE) == _IOC_WRITE, "SET_MODE direction");
static_assert(_IOC_SIZE(MAPDRV_IOC_SET_MODE) == sizeof(struct mapdrv_mode),
	      "SET_MODE size");

/* ...and the numbers themselves are what binaries already use (x86). */
static_assert(MAPDRV_IOC_INFO == 0x8050bd00u, "MAPDRV_IOC_INFO value");
static_assert(MAPDRV_IOC_RESTAMP == 0x4010bd01u, "MAPDRV_IOC_RESTAMP value");
static_assert(MAPDRV_IOC_SET_MODE == 0x4010bd02u, "MAPDRV_IOC_SET_MODE value");

/* The pattern and the mode constants are part of the ABI too. */
static_assert(MAPDRV_PATTERN_MAGIC == 0x6d61706472763031ull, "pattern magic");
static_assert(MAPDRV_PATTERN(0, 0) == MAPDRV_PATTERN_MAGIC, "pattern at 0");
static_assert(MAPDRV_PATTERN(1, 8) == (MAPDRV_PATTERN_MAGIC ^ 9), "pattern formula");
static_assert(MAPDRV_MODE_FAULT == 0 && MAPDRV_MODE_AROUND == 1 &&
	      MAPDRV_MODE_EAGER == 2 && MAPDRV_MODE_COUNT == 3, "mode values");
static_assert(MAPDRV_RESTAMP_SET_SEED != 0 &&
	      (MAPDRV_RESTAMP_FLAGS & MAPDRV_RESTAMP_SET_SEED) == MAPDRV_RESTAMP_SET_SEED,
	      "restamp flags");
