/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mapdrv: a vmalloc buffer mapped lazily into user space through /dev/mapdrv.
 *
 * This is the ABI shared by the module, its tools and its tests. It must stay
 * valid C and C++ and must only use fixed-width types.
 *
 * Usage:
 *	int fd = open("/dev/mapdrv", O_RDONLY);
 *	struct mapdrv_info info;
 *	ioctl(fd, MAPDRV_IOC_INFO, &info);
 *	const __u64 *p = mmap(NULL, info.size, PROT_READ, MAP_SHARED, fd, 0);
 *	// le64toh(p[i]) == mapdrv_pattern(info.seed, i * 8) for every i
 */
#ifndef _UAPI_LINUX_MAPDRV_H
#define _UAPI_LINUX_MAPDRV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MAPDRV_DEVICE_NAME	"mapdrv"
#define MAPDRV_ABI_VERSION	2	/* 2: ioctl type 0xbd, fault_errors */

/* Buffer size limits, in bytes; the module rounds size up to whole pages. */
#define MAPDRV_SIZE_DEFAULT	(4ULL << 20)
#define MAPDRV_SIZE_MAX		(1ULL << 30)

/*
 * The pattern: the little-endian 64-bit word at every 8-aligned byte offset
 * @off of the buffer holds MAPDRV_PATTERN(seed, off). The magic is the ASCII
 * text "mapdrv01" read as a big-endian number.
 */
#define MAPDRV_PATTERN_MAGIC	0x6d61706472763031ULL
#define MAPDRV_PATTERN(seed, off) \
	((__u64)MAPDRV_PATTERN_MAGIC ^ (__u64)(seed) ^ (__u64)(off))

static inline __u64 mapdrv_pattern(__u64 seed, __u64 off)
{
	return MAPDRV_PATTERN(seed, off);
}

/*
 * Mapping modes, chosen per open file with MAPDRV_IOC_SET_MODE before mmap()
 * (the module parameters mode= and window= give the default):
 * FAULT:  lazy, one page per fault (the reference design).
 * AROUND: lazy, each fault maps the aligned window of @window pages around
 *         the faulting one (up to the pages of it mapped already).
 * EAGER:  every page is mapped at mmap() time.
 */
#define MAPDRV_MODE_FAULT	0
#define MAPDRV_MODE_AROUND	1
#define MAPDRV_MODE_EAGER	2
#define MAPDRV_MODE_COUNT	3

#define MAPDRV_WINDOW_DEFAULT	16	/* pages */
#define MAPDRV_WINDOW_MAX	512	/* pages; a window is a power of two */

/**
 * struct mapdrv_info - what MAPDRV_IOC_INFO returns
 * @abi_version: MAPDRV_ABI_VERSION of the module
 * @page_size: the kernel's PAGE_SIZE in bytes
 * @size: buffer size in bytes (a multiple of @page_size)
 * @seed: seed of the current pattern
 * @faults: page faults served by the module since it was loaded
 * @mmap_calls: successful mmap() calls since the module was loaded
 * @live_vmas: VMAs currently mapping the buffer, in every process
 * @mode: MAPDRV_MODE_* of this open file, for its next mmap()
 * @window: pages per fault of MAPDRV_MODE_AROUND for this open file
 * @fault_errors: faults the module answered with SIGBUS since it was
 *	loaded: a page offset past the buffer, which no mapping it accepted
 *	can reach, so 0 (ABI 2; reserved[0] before, always zero there)
 * @reserved: always zero
 */
struct mapdrv_info {
	__u32 abi_version;
	__u32 page_size;
	__u64 size;
	__u64 seed;
	__u64 faults;
	__u64 mmap_calls;
	__u64 live_vmas;
	__u32 mode;
	__u32 window;
	__u64 fault_errors;
	__u64 reserved[2];
};

/* struct mapdrv_restamp.flags */
#define MAPDRV_RESTAMP_SET_SEED	(1U << 0)	/* use @seed; else keep the seed */
#define MAPDRV_RESTAMP_FLAGS	MAPDRV_RESTAMP_SET_SEED

/**
 * struct mapdrv_restamp - argument of MAPDRV_IOC_RESTAMP
 * @seed: the new seed, used when @flags has MAPDRV_RESTAMP_SET_SEED
 * @flags: MAPDRV_RESTAMP_* bits; any other bit gives EINVAL
 * @reserved: must be zero, else EINVAL
 *
 * RESTAMP rewrites the whole buffer, then publishes the seed: whoever reads
 * the new seed (INFO, sysfs) also sees every word written for it. A fatal
 * signal stops it between pages with EINTR: the buffer then holds the new
 * pattern up to some page and the old one after it, and the seed is still
 * the old one. Another RESTAMP makes the buffer whole again.
 */
struct mapdrv_restamp {
	__u64 seed;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct mapdrv_mode - argument of MAPDRV_IOC_SET_MODE
 * @mode: MAPDRV_MODE_*; another value gives EINVAL
 * @window: pages per fault for MAPDRV_MODE_AROUND: a power of two from 1 to
 *	MAPDRV_WINDOW_MAX, or 0 to keep the file's current window; else EINVAL
 * @reserved: must be zero, else EINVAL
 *
 * A mapping always has the mode and window of its file: while the file
 * has mappings, SET_MODE fails with EBUSY. Against an mmap() in flight,
 * on kernels where mapdrv uses ->mmap_prepare (7.1+), a SET_MODE that
 * succeeds makes that mmap() fail with EAGAIN; elsewhere the SET_MODE
 * fails with EBUSY. An mmap() the kernel fails for want of memory of its
 * own changes neither the file's mode nor the counts.
 */
struct mapdrv_mode {
	__u32 mode;
	__u32 window;
	__u64 reserved;
};

/*
 * 0xbd: free in Documentation/userspace-api/ioctl/ioctl-number.rst (6.1
 * and linux-next) and in the uapi headers of 7.2. ABI 1 used 0xb7, which
 * belongs to nsfs (NSIO, linux/nsfs.h) and remoteproc_cdev.
 */
#define MAPDRV_IOC_MAGIC	0xbd
#define MAPDRV_IOC_INFO		_IOR(MAPDRV_IOC_MAGIC, 0x00, struct mapdrv_info)
#define MAPDRV_IOC_RESTAMP	_IOW(MAPDRV_IOC_MAGIC, 0x01, struct mapdrv_restamp)
#define MAPDRV_IOC_SET_MODE	_IOW(MAPDRV_IOC_MAGIC, 0x02, struct mapdrv_mode)

#endif /* _UAPI_LINUX_MAPDRV_H */
