/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by mapdrv's kselftests, as selftests/mm/vm_util.h is: the
 * functions are in mapdrv_test_util.c, linked into every test binary; this
 * header declares them and holds what cannot live there. A test includes it
 * after kselftest_harness.h (which defines _GNU_SOURCE before any libc
 * header).
 *
 * Most helpers do not ASSERT or EXPECT: errors come back as -errno (or as -1
 * with errno set, like the libc call they wrap), and the tests check them.
 * The harness glue at the end (mapdrv_must_*, mapdrv_test_dev_setup(), ...)
 * does ASSERT, with the harness's _metadata: those are static inline here
 * because the 6.1 harness defines global symbols and can only be included
 * by one file of a binary, the test itself.
 */
#ifndef MAPDRV_TEST_UTIL_H
#define MAPDRV_TEST_UTIL_H

/* mremap() flags and more need it before the first libc header. */
#ifndef _GNU_SOURCE
#error "include kselftest_harness.h (or define _GNU_SOURCE) first"
#endif

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/mapdrv.h>
#include <linux/userfaultfd.h>

/* Linux 6.6 and 6.7; Debian 12's headers (6.1) do not have them. */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED	(1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC		(1 << 15)
#endif

#define MAPDRV_DEV_PATH		"/dev/" MAPDRV_DEVICE_NAME
#define MAPDRV_SYSFS_DIR	"/sys/class/misc/" MAPDRV_DEVICE_NAME
#define MAPDRV_MODULE_DIR	"/sys/module/" MAPDRV_DEVICE_NAME
#define MAPDRV_KO_ENV		"MAPDRV_KO"

/* How long a (re)loaded module gets for /dev/mapdrv to come and go. */
#define MAPDRV_DEV_WAIT_MS	5000

/* Sizes and the device */
uint64_t mapdrv_round_up(uint64_t x, uint64_t align);
size_t mapdrv_page_size(void);
bool mapdrv_dev_present(void);
bool mapdrv_module_loaded(void);
int mapdrv_wait_dev(bool present, int timeout_ms);

/* The ioctls, the modes */
int mapdrv_open(int flags);
int mapdrv_get_info(int fd, struct mapdrv_info *info);
int mapdrv_info(struct mapdrv_info *info);
int mapdrv_restamp(int fd, uint32_t flags, uint64_t seed);
int mapdrv_restamp_seed(uint64_t seed);
const char *mapdrv_mode_name(uint32_t mode);
int mapdrv_mode_of_name(const char *name);
int mapdrv_set_mode(int fd, uint32_t mode, uint32_t window);

/* sysfs, /proc/meminfo, the module */
int mapdrv_sysfs_read(const char *attr, char *buf, size_t len);
int mapdrv_read_file(const char *path, char *buf, size_t len);
int mapdrv_sysfs_u64(const char *attr, bool hex, uint64_t *val);
int mapdrv_sysfs_mode(uint32_t *mode, uint32_t *window);
int mapdrv_proc_kb(const char *path, const char *field, long long *kb);
int mapdrv_meminfo_kb(const char *field, long long *kb);
int mapdrv_vmalloc_used_kb(long long *kb);
int mapdrv_vmalloc_used_settled_kb(long long *kb);
int mapdrv_load(const char *ko, const char *params);
int mapdrv_unload(void);

/* The pattern */
uint8_t mapdrv_pattern_byte(uint64_t seed, uint64_t off);
void mapdrv_fill_pattern(void *buf, size_t len, uint64_t off, uint64_t seed);
int64_t mapdrv_check_pattern(const void *p, uint64_t len, uint64_t off,
			     uint64_t seed);

/* Mappings */
uint64_t mapdrv_touch(const void *p);
void mapdrv_poke(void *p, uint64_t word);
void *mapdrv_sys_mmap(void *addr, uint64_t len, int prot, int flags, int fd,
		      uint64_t off);
long mapdrv_resident_pages(void *p, size_t npages, unsigned char *vec);
int mapdrv_vma_flags(const void *addr, char *flags, size_t len);
bool mapdrv_vma_has_flag(const char *flags, const char *mn);
void *mapdrv_reserve_aligned(size_t len, size_t align);
bool mapdrv_have_madv_populate_read(void);

/* userfaultfd */
int mapdrv_userfaultfd(int flags);
uint64_t mapdrv_uffd_features(void);

/* The kernel log */
int mapdrv_kmsg_open(void);
int mapdrv_kmsg_count(int fd, const char *a, const char *b, char *match,
		      size_t match_len);

/* Processes */
int mapdrv_pipe_put(int fd);
int mapdrv_pipe_get(int fd);
int mapdrv_wait_child(pid_t pid);
/* CLOCK_MONOTONIC in nanoseconds: deadlines and spans of the tests. */
uint64_t mapdrv_now_ns(void);

/*
 * The kernels of the matrix, oldest first: the columns of the tables of
 * expected results where kernels differ. mapdrv_kernel() is the newest of
 * them not newer than the running kernel (by its uname release), so that a
 * kernel between two of them is held to the older one's column.
 */
enum mapdrv_kernel {
	MAPDRV_K5_10,
	MAPDRV_K6_1,
	MAPDRV_K6_12,
	MAPDRV_K7_2,
	MAPDRV_KERNELS
};

enum mapdrv_kernel mapdrv_kernel(void);
const char *mapdrv_kernel_name(enum mapdrv_kernel k);

/*
 * The running kernel's uname release as MAPDRV_RELEASE(major, minor,
 * sublevel), for the few changes a stable branch took part-way through
 * (Debian's releases carry the sublevel: "6.12.118+deb13-cloud-amd64";
 * bookworm's "6.1.0-57" does not, and reads as 6.1.0).
 */
#define MAPDRV_RELEASE(major, minor, sub) \
	((unsigned int)(major) << 24 | (unsigned int)(minor) << 16 | (sub))
unsigned int mapdrv_kernel_release(void);

/*
 * Risky steps run in a child with a deadline (mapdrv_run_bounded()): a hang
 * is killed and fails the test, never skips it. The child tells what it is
 * doing and why it failed through a shared page, struct mapdrv_report.
 */
struct mapdrv_report {
	char doing[256];	/* the step the child is in */
	char failed[1024];	/* why it returned non-zero */
};

struct mapdrv_report *mapdrv_report_new(void);
void mapdrv_report_free(struct mapdrv_report *r);
void mapdrv_doing(struct mapdrv_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int mapdrv_failed(struct mapdrv_report *r, const char *file, int line,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int mapdrv_run_bounded(int (*fn)(void *arg), void *arg, int timeout_ms);

/*
 * In a bounded child: if @cond is false, note why in @r and return 1 (the
 * harness's ASSERTs only work in the test process itself).
 */
#define MAPDRV_CHILD_CHECK(r, cond, fmt, ...)				\
	do {								\
		if (!(cond))						\
			return mapdrv_failed(r, __FILE__, __LINE__,	\
					     "%s: " fmt, #cond,		\
					     ##__VA_ARGS__);		\
	} while (0)

/* The kernel's own views of a mapping */
int mapdrv_smaps_kb(const void *addr, const char *field, long long *kb);
int mapdrv_pagemap(const void *addr, uint64_t *entry);

#define MAPDRV_PM_PFN_MASK	((1ULL << 55) - 1)
#define MAPDRV_PM_SOFT_DIRTY	(1ULL << 55)
#define MAPDRV_PM_EXCLUSIVE	(1ULL << 56)
#define MAPDRV_PM_FILE		(1ULL << 61)
#define MAPDRV_PM_SWAP		(1ULL << 62)
#define MAPDRV_PM_PRESENT	(1ULL << 63)

/* tracefs: mapdrv's events as the trace file prints them */
#define MAPDRV_TRACEFS		"/sys/kernel/tracing"

struct mapdrv_event {
	char name[32];		/* mapdrv_fault, mapdrv_mmap, ... */
	int pid;		/* of the task that hit it */
	uint64_t address, pgoff, pfn, result;	/* mapdrv_fault */
	uint64_t start, end, flags;		/* VMA events; pgoff too */
	int64_t live;				/* live_vmas= */
};

int mapdrv_write_file(const char *path, const char *text);
int mapdrv_trace_start(const char *event);
int mapdrv_trace_stop(void);
int mapdrv_trace_read(struct mapdrv_event *ev, int max);

/*
 * What the driver maps, modelled for one mapping: @npages pages from buffer
 * page @first on, made in @mode with @window. The tests replay their
 * touches and MADV_DONTNEEDs on it and compare mincore() and the INFO fault
 * count with what it expects, page by page and fault by fault:
 *  - right after mmap() only an EAGER mapping has pages (all of them);
 *  - touching a page that is not mapped is one call of the fault handler,
 *    which maps it and the other pages of the aligned window of
 *    mapdrv_pages_per_fault() pages around it, clipped to the mapping. The
 *    window is aligned on the page's offset in the buffer (vmf->pgoff), not
 *    on its virtual address. The other pages go in two runs, each upward:
 *    from the window's first page to the touched one, and from the page
 *    after it to the window's end; a run ends at its first page that is
 *    mapped already, and the pages after that one stay as they were (the
 *    window's holes beyond a mapped page fault on their own).
 */
struct mapdrv_model {
	uint32_t mode;
	uint64_t window;	/* pages per fault */
	uint64_t first;		/* buffer page of the mapping's page 0 */
	size_t npages;		/* of the mapping */
	unsigned char *resident; /* [npages]: 1 if the page is mapped */
	uint64_t faults;	/* fault handler calls so far */
};

uint64_t mapdrv_pages_per_fault(uint32_t mode, uint32_t window);
int mapdrv_model_init(struct mapdrv_model *m, uint32_t mode, uint32_t window,
		      uint64_t first, size_t npages);
void mapdrv_model_free(struct mapdrv_model *m);
bool mapdrv_model_touch(struct mapdrv_model *m, size_t i);
void mapdrv_model_touch_range(struct mapdrv_model *m, size_t i, size_t n);
void mapdrv_model_drop(struct mapdrv_model *m, size_t i, size_t n);
size_t mapdrv_model_resident(const struct mapdrv_model *m);
size_t mapdrv_model_diff(const struct mapdrv_model *m,
			 const unsigned char *vec, size_t *first_wrong);

/*
 * The mapping modes the mapping tests run in, one fixture variant each.
 * MAPDRV_FOR_EACH_TEST_MODE(X, ...) expands X(name, mode, window, ...) for
 * each; window 0 keeps the file's window (which FAULT does not use).
 */
#define MAPDRV_FOR_EACH_TEST_MODE(X, ...)				\
	X(fault, MAPDRV_MODE_FAULT, 0, ##__VA_ARGS__)			\
	X(around_1, MAPDRV_MODE_AROUND, 1, ##__VA_ARGS__)		\
	X(around_16, MAPDRV_MODE_AROUND, 16, ##__VA_ARGS__)		\
	X(around_512, MAPDRV_MODE_AROUND, 512, ##__VA_ARGS__)		\
	X(eager, MAPDRV_MODE_EAGER, 0, ##__VA_ARGS__)

/*
 * One variant per mode for a fixture whose FIXTURE_VARIANT() has the
 * members "uint32_t mode, window;":
 *	MAPDRV_MODE_VARIANTS(fixture)
 */
#define MAPDRV_MODE_VARIANT(name, m, w, f)				\
	FIXTURE_VARIANT_ADD(f, name) {					\
		.mode = m, .window = w,					\
	};
#define MAPDRV_MODE_VARIANTS(f)						\
	MAPDRV_FOR_EACH_TEST_MODE(MAPDRV_MODE_VARIANT, f)

/*
 * The harness glue: everything below needs the harness (_metadata, ASSERT,
 * SKIP), so only the tests see it, not mapdrv_test_util.c.
 */
#ifdef __KSELFTEST_HARNESS_H

/*
 * The 6.1 harness only stops a test whose FIXTURE_SETUP() *failed*: after a
 * SKIP(return, ...) in the setup it still runs the test body (and then the
 * teardown) on a fixture that was never set up. So a setup that skips ends
 * the test process itself, with the exit status the 6.1 harness reports as
 * a skip; the reason is already in the page the harness shares with it.
 */
#define MAPDRV_HARNESS_SKIP_STATUS	255
#define MAPDRV_SETUP_SKIP(fmt, ...)					\
	SKIP({ fflush(NULL);						\
	       _exit(_metadata->passed ? MAPDRV_HARNESS_SKIP_STATUS : 1); }, \
	     fmt, ##__VA_ARGS__)

/*
 * A skip after a failed expectation is a failure. The 6.1 harness's SKIP()
 * sets the test passed, so an EXPECT that failed before it would vanish
 * into "ok ... # SKIP". This SKIP() (which every test gets with this
 * header) leaves a failed test failed: it logs the reason and runs
 * @statement without marking the test skipped or passed. (scripts/check/
 * manifest.sh also fails a skip that follows an "Expected" diagnostic.)
 */
#undef SKIP
#define SKIP(statement, fmt, ...) do {					\
	if (!_metadata->passed) {					\
		TH_LOG("SKIP after a failed expectation, a failure: "	\
		       fmt, ##__VA_ARGS__);				\
		statement;						\
	}								\
	snprintf(_metadata->results->reason,				\
		 sizeof(_metadata->results->reason), fmt, ##__VA_ARGS__); \
	if (TH_LOG_ENABLED) {						\
		fprintf(TH_LOG_STREAM, "#      SKIP      %s\n",		\
			_metadata->results->reason);			\
	}								\
	_metadata->passed = 1;						\
	_metadata->skip = 1;						\
	_metadata->trigger = 0;						\
	statement;							\
} while (0)

/*
 * Without /dev/mapdrv no case of a test binary can run: it says so once, the
 * kselftest way ("1..0 # SKIP ..." and exit status 4, KSFT_SKIP), before the
 * harness starts. Every binary whose cases need the device has this line
 * after its includes; the module test, which loads the module itself, not.
 */
#define MAPDRV_TEST_NEEDS_DEVICE()					\
	static void __attribute__((constructor))			\
	mapdrv_test_needs_device(void)					\
	{								\
		if (mapdrv_dev_present())				\
			return;						\
		ksft_print_header();					\
		ksft_exit_skip("%s does not exist: is mapdrv.ko loaded?\n", \
			       MAPDRV_DEV_PATH);			\
	}

/*
 * The device as a fixture sees it: member "struct mapdrv_test_dev dev;" of
 * the FIXTURE(), filled by mapdrv_test_dev_setup().
 */
struct mapdrv_test_dev {
	int fd;			/* open on /dev/mapdrv */
	size_t page;		/* the system page size */
	uint64_t size;		/* of the buffer, from INFO */
	size_t npages;		/* of the buffer */
	uint64_t seed;		/* from INFO at setup */
	uint32_t mode, window;	/* of fd, as INFO reports them */
};

/* For mapdrv_test_dev_setup(): leave the file in the module's default mode. */
#define MAPDRV_TEST_DEFAULT_MODE	UINT32_MAX

/* mmap(2) that must work. */
static inline void *mapdrv_must_map(struct __test_metadata *_metadata, int fd,
				    uint64_t off, size_t len, int prot,
				    int flags)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);

	ASSERT_NE(MAP_FAILED, p)
		TH_LOG("mmap(len %#zx, prot %#x, flags %#x, offset %#llx): %s",
		       len, prot, flags, (unsigned long long)off,
		       strerror(errno));
	return p;
}

/* MAPDRV_IOC_INFO that must work. */
static inline struct mapdrv_info
mapdrv_must_info(struct __test_metadata *_metadata, int fd)
{
	struct mapdrv_info info;
	int ret = mapdrv_get_info(fd, &info);

	ASSERT_EQ(0, ret) TH_LOG("MAPDRV_IOC_INFO: %s", strerror(-ret));
	return info;
}

/*
 * MAPDRV_IOC_SET_MODE that must work, after which INFO must report @mode
 * (and @window, unless it is 0: kept). The INFO.
 */
static inline struct mapdrv_info
mapdrv_must_set_mode(struct __test_metadata *_metadata, int fd, uint32_t mode,
		     uint32_t window)
{
	struct mapdrv_info info;
	int ret = mapdrv_set_mode(fd, mode, window);

	ASSERT_EQ(0, ret)
		TH_LOG("MAPDRV_IOC_SET_MODE(%s, window %u): %s",
		       mapdrv_mode_name(mode), window, strerror(-ret));
	info = mapdrv_must_info(_metadata, fd);
	ASSERT_EQ(mode, info.mode);
	if (window)
		ASSERT_EQ(window, info.window);
	return info;
}

/* open(2) of the device, then SET_MODE to @mode and @window: both must work. */
static inline int mapdrv_must_open_mode(struct __test_metadata *_metadata,
					int flags, uint32_t mode,
					uint32_t window)
{
	int fd = mapdrv_open(flags);

	ASSERT_LE(0, fd)
		TH_LOG("open %s: %s", MAPDRV_DEV_PATH, strerror(errno));
	mapdrv_must_set_mode(_metadata, fd, mode, window);
	return fd;
}

/*
 * The start of every FIXTURE_SETUP() that uses the device: skip the test if
 * /dev/mapdrv does not exist, open it with @flags, put it in @mode and
 * @window (MAPDRV_TEST_DEFAULT_MODE: leave the module's default), read
 * INFO into @dev, and skip unless the buffer has @min_pages pages.
 */
static inline void mapdrv_test_dev_setup(struct __test_metadata *_metadata,
					 struct mapdrv_test_dev *dev,
					 int flags, uint32_t mode,
					 uint32_t window, size_t min_pages)
{
	struct mapdrv_info info;

	if (!mapdrv_dev_present())
		MAPDRV_SETUP_SKIP("%s does not exist: is mapdrv.ko loaded?",
				  MAPDRV_DEV_PATH);
	dev->page = mapdrv_page_size();
	dev->fd = mapdrv_open(flags);
	ASSERT_LE(0, dev->fd)
		TH_LOG("open %s: %s", MAPDRV_DEV_PATH, strerror(errno));
	if (mode == MAPDRV_TEST_DEFAULT_MODE)
		info = mapdrv_must_info(_metadata, dev->fd);
	else
		info = mapdrv_must_set_mode(_metadata, dev->fd, mode, window);
	ASSERT_NE(0ULL, info.size);
	ASSERT_EQ(0ULL, info.size % dev->page);
	dev->size = info.size;
	dev->npages = info.size / dev->page;
	dev->seed = info.seed;
	dev->mode = info.mode;
	dev->window = info.window;
	if (dev->npages < min_pages)
		MAPDRV_SETUP_SKIP("needs a buffer of %zu pages", min_pages);
}

/*
 * The end of a FIXTURE_TEARDOWN() whose setup was mapdrv_test_dev_setup():
 * if @restamp (the test wrote to the buffer or changed its seed), restamp
 * the buffer with the seed the setup found; then close the fd. An EXPECT,
 * as in every teardown: an ASSERT would run the teardown again.
 */
static inline void mapdrv_test_dev_teardown(struct __test_metadata *_metadata,
					    const struct mapdrv_test_dev *dev,
					    bool restamp)
{
	if (restamp)
		EXPECT_EQ(0, mapdrv_restamp(dev->fd, MAPDRV_RESTAMP_SET_SEED,
					    dev->seed));
	close(dev->fd);
}

/*
 * Run @fn(@arg) in a child with a deadline of @timeout_ms: the test fails if
 * the child is still running then (it is killed), dies or returns non-zero.
 * @what names the step for the log; @r is the report @fn fills.
 */
static inline void mapdrv_must_run_bounded(struct __test_metadata *_metadata,
					   const char *what,
					   int (*fn)(void *arg), void *arg,
					   struct mapdrv_report *r,
					   int timeout_ms)
{
	int status = mapdrv_run_bounded(fn, arg, timeout_ms);

	ASSERT_NE(-ETIMEDOUT, status)
		TH_LOG("%s: still running after %d ms, killed; it was %s",
		       what, timeout_ms, r->doing);
	ASSERT_EQ(0, status)
		TH_LOG("%s: %s (child status %d, while %s)", what,
		       status == 1 ? r->failed : "the child failed", status,
		       r->doing);
}

/* mapdrv_model_init() that must work. */
static inline void mapdrv_must_model(struct __test_metadata *_metadata,
				     struct mapdrv_model *m, uint32_t mode,
				     uint32_t window, uint64_t first,
				     size_t npages)
{
	ASSERT_EQ(0, mapdrv_model_init(m, mode, window, first, npages));
}

/*
 * mincore() of the mapping at @p must show exactly the pages @m has
 * resident. EXPECTs, so that the caller goes on to check the faults too.
 */
static inline void mapdrv_expect_resident(struct __test_metadata *_metadata,
					  const void *p,
					  const struct mapdrv_model *m)
{
	unsigned char *vec = calloc(m->npages ? m->npages : 1, 1);
	size_t wrong, first_wrong = 0;
	long n;

	ASSERT_NE(NULL, vec);
	n = mapdrv_resident_pages((void *)p, m->npages, vec);
	ASSERT_LE(0, n) TH_LOG("mincore: %s", strerror((int)-n));
	wrong = mapdrv_model_diff(m, vec, &first_wrong);
	EXPECT_EQ(0U, wrong)
		TH_LOG("%s mode, %llu pages per fault, mapping of buffer pages "
		       "%llu-%llu: %ld pages resident, %zu expected; %zu differ, "
		       "the first is page %zu (buffer page %llu), %sresident",
		       mapdrv_mode_name(m->mode),
		       (unsigned long long)m->window,
		       (unsigned long long)m->first,
		       (unsigned long long)(m->first + m->npages - 1), n,
		       mapdrv_model_resident(m), wrong, first_wrong,
		       (unsigned long long)(m->first + first_wrong),
		       vec[first_wrong] & 1 ? "" : "not ");
	free(vec);
}

/*
 * Fork a child that holds the caller's mappings until it reads a byte from
 * @go, after it closed @drop_fd (unless it is -1: the child holds the
 * mappings, not the descriptor) and wrote a byte to @ready to say it runs;
 * then it exits with @then(@arg) (0 if @then is NULL). Its pid. The caller
 * writes to go[1] and waits for it.
 */
static inline pid_t mapdrv_fork_holder_then(struct __test_metadata *_metadata,
					    int ready[2], int go[2],
					    int drop_fd,
					    int (*then)(void *arg), void *arg)
{
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (drop_fd >= 0)
			close(drop_fd);
		close(ready[0]);
		close(go[1]);
		if (mapdrv_pipe_put(ready[1]) || mapdrv_pipe_get(go[0]))
			_exit(2);
		_exit(then ? then(arg) : 0);
	}
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(0, mapdrv_pipe_get(ready[0]));
	return pid;
}

/* mapdrv_fork_holder_then() of a child that only holds the mappings. */
static inline pid_t mapdrv_fork_holder(struct __test_metadata *_metadata,
				       int ready[2], int go[2])
{
	return mapdrv_fork_holder_then(_metadata, ready, go, -1, NULL, NULL);
}

/*
 * INFO's reserved words are zero whatever the caller's struct held before;
 * the fops test asserts it natively, the compat test through compat_ioctl.
 */
static inline void
mapdrv_expect_info_reserved_zero(struct __test_metadata *_metadata, int fd)
{
	struct mapdrv_info info;
	size_t i;

	memset(&info, 0xff, sizeof(info));
	ASSERT_EQ(0, ioctl(fd, MAPDRV_IOC_INFO, &info));
	for (i = 0; i < ARRAY_SIZE(info.reserved); i++) {
		EXPECT_EQ(0ULL, info.reserved[i]) TH_LOG("reserved[%zu]", i);
	}
}

/* INFO into a PROT_NONE page of @page bytes: EFAULT (natively and compat). */
static inline void mapdrv_expect_info_efault(struct __test_metadata *_metadata,
					     int fd, size_t page)
{
	void *p = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, ioctl(fd, MAPDRV_IOC_INFO, p));
	EXPECT_EQ(EFAULT, errno);
	munmap(p, page);
}

#endif /* __KSELFTEST_HARNESS_H */

#endif /* MAPDRV_TEST_UTIL_H */
