// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv against the rest of memory management: every mm feature that can
 * meet a mapdrv VMA, in every mapping mode (fixture variants fault, around
 * and eager), with its documented result, the data intact (the mapping and
 * pread() of the device agree byte for byte, and hold the pattern or what
 * the test wrote) and no hang.
 *
 * Where kernels answer differently, the expected result is a row of a table
 * with a column per kernel of the matrix (enum mapdrv_kernel, chosen by the
 * uname release): the same tables are in mapdrv(4), MEMORY MANAGEMENT.
 * Nothing here asks the driver what to expect.
 *
 * Every step that could hang (a fault the driver does not resolve, a GUP
 * that loops) runs in a child with a deadline (mapdrv_must_run_bounded()):
 * a hang is killed and fails the test, it never skips. The child notes
 * what it is doing in a shared report, so the failure says where it hung.
 *
 * The harness runs every test in a process of its own, one after another;
 * a test that writes to the buffer sets ->dirty and the teardown restamps
 * the buffer with the seed the setup found.
 */
#include "kselftest_harness.h"

#include <linux/futex.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/uio.h>

#include "mapdrv_test_util.h"

MAPDRV_TEST_NEEDS_DEVICE();

/*
 * Newer than the headers of Debian 12 (glibc 2.36, Linux 6.1), which the
 * tests are built with: MADV_COLLAPSE (Linux 6.1, not in glibc 2.36's
 * <sys/mman.h>), the guard advice (6.13), mseal (6.10). The userfaultfd
 * features the regression test uses too are in mapdrv_test_util.h.
 */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE			25
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL		102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE		103
#endif
#ifndef __NR_mseal
#define __NR_mseal			462
#endif
#define TMPFS_MAGIC_NUMBER		0x01021994

/* Pages of the test mappings, from buffer page 0. */
#define MM_PAGES		64
/* The deadline of a bounded step: generous for TCG and the debug kernel. */
#define MM_DEADLINE_MS		15000
/* The window of the around variants. */
#define MM_WINDOW		16

/* One result per kernel of the matrix, oldest first. */
#define ON_ALL(e)		{ e, e, e, e }

/*
 * The results that are the same on every kernel are written where they are
 * checked; these are the ones that are not.
 */

/* open(O_DIRECT) of a file on tmpfs: tmpfs takes it since 6.6. */
static const int odirect_open_err[MAPDRV_KERNELS] = {
	EINVAL, EINVAL, 0, 0
};

/*
 * IORING_REGISTER_BUFFERS of a mapdrv mapping (a long-term pin): before
 * 6.4 io_uring refused every file-backed VMA but shmem and hugetlbfs.
 */
static const int uring_register_err[MAPDRV_KERNELS] = {
	EOPNOTSUPP, EOPNOTSUPP, 0, 0
};

/*
 * userfaultfd write-protection with UFFD_FEATURE_WP_ASYNC (6.7), which
 * registers VMAs of any kind: not offered (UFFDIO_API fails), registered
 * and working, or refused for a mapdrv VMA (UFFDIO_REGISTER fails).
 */
enum wp_async {
	WP_ASYNC_NOT_OFFERED,
	WP_ASYNC_WORKS,
	WP_ASYNC_REFUSED,
};

static const enum wp_async wp_async_result[MAPDRV_KERNELS] = {
	WP_ASYNC_NOT_OFFERED, WP_ASYNC_NOT_OFFERED, WP_ASYNC_WORKS,
	WP_ASYNC_REFUSED,
};

/*
 * The refusal ("userfaultfd: prevent registration of special VMAs",
 * CVE-2026-68166) reached the 6.12 stable branch in 6.12.105 (Debian's
 * changelog of linux 6.12.118-1 lists it under ChangeLog-6.12.105): Debian
 * 13's 6.12.118 refuses, bookworm-backports' 6.12.95 still registers.
 */
static enum wp_async wp_async_expected(enum mapdrv_kernel k)
{
	unsigned int rel = mapdrv_kernel_release();

	if (k == MAPDRV_K6_12 && rel >= MAPDRV_RELEASE(6, 12, 105) &&
	    rel < MAPDRV_RELEASE(6, 13, 0))
		return WP_ASYNC_REFUSED;
	return wp_async_result[k];
}

/* mseal() (6.10): then munmap() of the sealed mapping is EPERM. */
static const int mseal_err[MAPDRV_KERNELS] = {
	ENOSYS, ENOSYS, 0, 0
};

/*
 * MADV_DOFORK after MADV_DONTFORK: refused where it checks VM_SPECIAL
 * (which has VM_DONTEXPAND), not only VM_IO.
 */
static const int dofork_err[MAPDRV_KERNELS] = {
	0, 0, 0, EINVAL
};

/* Every mm fixture runs in the three modes. */
#define MM_MODE_VARIANTS(f)						\
	FIXTURE_VARIANT_ADD(f, fault) {					\
		.mode = MAPDRV_MODE_FAULT,				\
	};								\
	FIXTURE_VARIANT_ADD(f, around) {				\
		.mode = MAPDRV_MODE_AROUND, .window = MM_WINDOW,	\
	};								\
	FIXTURE_VARIANT_ADD(f, eager) {					\
		.mode = MAPDRV_MODE_EAGER,				\
	}

FIXTURE(mm) {
	struct mapdrv_test_dev dev;	/* O_RDWR, in the variant's mode */
	enum mapdrv_kernel kernel;	/* the column of the tables */
	struct mapdrv_report *report;	/* shared with bounded children */
	size_t len;			/* of the test mappings */
	bool dirty;			/* the test wrote to the buffer */
};

FIXTURE_VARIANT(mm) {
	uint32_t mode, window;
};

MM_MODE_VARIANTS(mm);

FIXTURE_SETUP(mm)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR, variant->mode,
			      variant->window, MM_PAGES);
	self->kernel = mapdrv_kernel();
	self->len = MM_PAGES * self->dev.page;
	self->report = mapdrv_report_new();
	ASSERT_NE(NULL, self->report);
}

FIXTURE_TEARDOWN(mm)
{
	mapdrv_report_free(self->report);
	mapdrv_test_dev_teardown(_metadata, &self->dev, self->dirty);
}

/* A word of the buffer that a test wrote: the pattern elsewhere. */
struct mm_word {
	uint64_t off;
	uint64_t val;
};

/* A word that is never the pattern at @off. */
static uint64_t not_pattern(uint64_t seed, uint64_t off)
{
	return ~mapdrv_pattern(seed, off);
}

/*
 * The data is intact: the @len bytes at @p, which map the buffer from
 * offset @off on, and pread() of the device agree byte for byte, and hold
 * the pattern of @seed, or @w->val in the word at @w->off if @w is given.
 * 0, or 1 with the reason in @why.
 */
static int mm_check_data(int fd, const void *p, uint64_t off, size_t len,
			 uint64_t seed, const struct mm_word *w, char *why,
			 size_t why_len)
{
	uint8_t *dev = malloc(len);
	uint64_t i, got;
	int64_t bad;
	int ret = 1;

	if (!dev) {
		snprintf(why, why_len, "no memory");
		return 1;
	}
	if (pread(fd, dev, len, (off_t)off) != (ssize_t)len) {
		snprintf(why, why_len, "pread of the device: %s",
			 strerror(errno));
		goto out;
	}
	for (i = 0; i < len; i++) {
		if (((const uint8_t *)p)[i] != dev[i]) {
			snprintf(why, why_len,
				 "mapping and device differ at offset %#llx",
				 (unsigned long long)(off + i));
			goto out;
		}
	}
	if (w) {
		memcpy(&got, dev + (w->off - off), 8);
		if (le64toh(got) != w->val) {
			snprintf(why, why_len,
				 "word at %#llx is %#llx, not the %#llx written",
				 (unsigned long long)w->off,
				 (unsigned long long)le64toh(got),
				 (unsigned long long)w->val);
			goto out;
		}
		/* the rest: the pattern around the written word */
		bad = mapdrv_check_pattern(dev, w->off - off, off, seed);
		if (bad < 0)
			bad = mapdrv_check_pattern(dev + (w->off - off) + 8,
						   len - (w->off - off) - 8,
						   w->off + 8, seed);
	} else {
		bad = mapdrv_check_pattern(dev, len, off, seed);
	}
	if (bad >= 0) {
		snprintf(why, why_len, "not the pattern at offset %#llx",
			 (unsigned long long)bad);
		goto out;
	}
	ret = 0;
out:
	free(dev);
	return ret;
}

/* mm_check_data() of a whole test mapping, for bounded children. */
#define CHILD_CHECK_DATA(self, p, w)					\
	do {								\
		char why_[256];						\
									\
		MAPDRV_CHILD_CHECK((self)->report,			\
				   !mm_check_data((self)->dev.fd, p, 0,	\
						  (self)->len,		\
						  (self)->dev.seed, w,	\
						  why_, sizeof(why_)),	\
				   "%s", why_);				\
	} while (0)

/* The same in the test process. */
static void expect_data(struct __test_metadata *_metadata,
			FIXTURE_DATA(mm) *self, const void *p,
			const struct mm_word *w)
{
	char why[256];

	EXPECT_EQ(0, mm_check_data(self->dev.fd, p, 0, self->len,
				   self->dev.seed, w, why, sizeof(why)))
		TH_LOG("%s", why);
}

/* A test mapping of self->dev.fd (or of @fd, if not -1). */
static uint8_t *mm_map(FIXTURE_DATA(mm) *self, int fd, int prot, int flags)
{
	return mmap(NULL, self->len, prot, flags,
		    fd < 0 ? self->dev.fd : fd, 0);
}

static uint8_t *must_map(struct __test_metadata *_metadata,
			 FIXTURE_DATA(mm) *self, int fd, int prot, int flags)
{
	uint8_t *p = mm_map(self, fd, prot, flags);

	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	return p;
}

/* In a bounded child: a test mapping (mm_map()) into @p, or the child fails. */
#define CHILD_MAP(self, p, fd, prot, flags)				\
	do {								\
		(p) = mm_map(self, fd, prot, flags);			\
		MAPDRV_CHILD_CHECK((self)->report, (p) != MAP_FAILED,	\
				   "mmap: %s", strerror(errno));	\
	} while (0)

/* @fn(@arg) in a bounded child, with the deadline of the mm tests. */
static void run_bounded(struct __test_metadata *_metadata,
			FIXTURE_DATA(mm) *self, const char *what,
			int (*fn)(void *arg), void *arg)
{
	mapdrv_must_run_bounded(_metadata, what, fn, arg, self->report,
				MM_DEADLINE_MS);
}

/* A read-only descriptor of the device in the variant's mode. */
static int open_read_only(struct __test_metadata *_metadata,
			  const FIXTURE_VARIANT(mm) *variant)
{
	return mapdrv_must_open_mode(_metadata, O_RDONLY, variant->mode,
				     variant->window);
}

/* In a child: a descriptor in the variant's mode (@flags), or -1. */
static int open_in_mode(const FIXTURE_VARIANT(mm) *variant, int flags)
{
	int fd = mapdrv_open(flags);

	if (fd >= 0 && mapdrv_set_mode(fd, variant->mode, variant->window)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Touch one word of every page of a test mapping. */
static void touch_all(FIXTURE_DATA(mm) *self, const uint8_t *p)
{
	size_t i;

	for (i = 0; i < MM_PAGES; i++)
		mapdrv_touch(p + i * self->dev.page);
}

/* Is @path on tmpfs? */
static bool on_tmpfs(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == TMPFS_MAGIC_NUMBER;
}

/*
 * userfaultfd
 */

/* A userfaultfd after UFFDIO_API with @features: fd, or -errno. */
static int uffd_open(uint64_t features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd = mapdrv_userfaultfd(O_CLOEXEC | O_NONBLOCK), err;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/*
 * Is there userfaultfd at all? A kernel built without CONFIG_USERFAULTFD
 * (the sanitizer kernel of check-debug) says ENOSYS: the tests skip, as
 * tests/manifest says for that target.
 */
static bool have_userfaultfd(void)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd >= 0)
		close(fd);
	return fd >= 0 || errno != ENOSYS;
}

#define REQUIRE_USERFAULTFD()						\
	do {								\
		if (!have_userfaultfd())				\
			SKIP(return, "no userfaultfd in this kernel (ENOSYS)"); \
	} while (0)

static int uffd_register(int uffd, void *p, size_t len, uint64_t mode)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)p, .len = len },
		.mode = mode,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg) ? -errno : 0;
}

struct uffd_case {
	FIXTURE_DATA(mm) *self;
	uint64_t features;	/* for UFFDIO_API */
	uint64_t mode;		/* UFFDIO_REGISTER_MODE_* */
};

/* Registration is refused with EINVAL, and the mapping reads as before. */
static int uffd_register_is_einval(void *arg)
{
	struct uffd_case *c = arg;
	FIXTURE_DATA(mm) *self = c->self;
	struct mapdrv_report *r = self->report;
	uint8_t *p;
	int uffd, ret;

	mapdrv_doing(r, "opening a userfaultfd");
	uffd = uffd_open(c->features);
	MAPDRV_CHILD_CHECK(r, uffd >= 0, "userfaultfd: %s", strerror(-uffd));
	CHILD_MAP(self, p, -1, PROT_READ | PROT_WRITE, MAP_SHARED);
	mapdrv_doing(r, "UFFDIO_REGISTER mode %#llx",
		     (unsigned long long)c->mode);
	ret = uffd_register(uffd, p, self->len, c->mode);
	MAPDRV_CHILD_CHECK(r, ret == -EINVAL, "UFFDIO_REGISTER gave %s",
			   ret ? strerror(-ret) : "success");
	mapdrv_doing(r, "reading the mapping after the refusal");
	CHILD_CHECK_DATA(self, p, NULL);
	return 0;
}

/* uffd_register_is_einval() in a bounded child, for @mode and @features. */
static void expect_uffd_register_einval(struct __test_metadata *_metadata,
					FIXTURE_DATA(mm) *self,
					const char *what, uint64_t mode,
					uint64_t features)
{
	struct uffd_case c = {
		.self = self, .mode = mode, .features = features,
	};

	run_bounded(_metadata, self, what, uffd_register_is_einval, &c);
}

TEST_F(mm, uffd_missing_registration_is_einval)
{
	REQUIRE_USERFAULTFD();
	expect_uffd_register_einval(_metadata, self, "userfaultfd MISSING",
				    UFFDIO_REGISTER_MODE_MISSING, 0);
}

/* 5.10 does not know the mode (EINVAL); later ones refuse the VMA. */
TEST_F(mm, uffd_minor_registration_is_einval)
{
	REQUIRE_USERFAULTFD();
	expect_uffd_register_einval(_metadata, self, "userfaultfd MINOR",
				    UFFDIO_REGISTER_MODE_MINOR,
				    mapdrv_uffd_features() &
				    UFFD_FEATURE_MINOR_SHMEM);
}

/* Without WP_ASYNC, write-protection is for anon, shmem and hugetlb. */
TEST_F(mm, uffd_wp_registration_without_wp_async_is_einval)
{
	REQUIRE_USERFAULTFD();
	expect_uffd_register_einval(_metadata, self, "userfaultfd WP",
				    UFFDIO_REGISTER_MODE_WP, 0);
}

/*
 * UFFD_FEATURE_WP_ASYNC: UFFDIO_API, UFFDIO_REGISTER and
 * UFFDIO_WRITEPROTECT of the mapping (after MADV_DONTNEED if @unpopulated,
 * so that the kernel leaves uffd-wp PTE markers in the empty PTEs), then a
 * read and a write: each step as wp_async_expected() says for this kernel.
 * Everything in one child: a forked child would not inherit the markers.
 */
struct wp_async_case {
	FIXTURE_DATA(mm) *self;
	bool unpopulated;
};

static int wp_async_run(void *arg)
{
	struct wp_async_case *c = arg;
	FIXTURE_DATA(mm) *self = c->self;
	struct mapdrv_report *r = self->report;
	enum wp_async want = wp_async_expected(self->kernel);
	struct mm_word w = { .off = self->dev.page + 16 };
	struct uffdio_writeprotect wp;
	uint8_t *p;
	int uffd, ret;

	w.val = not_pattern(self->dev.seed, w.off);
	CHILD_MAP(self, p, -1, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (c->unpopulated)
		MAPDRV_CHILD_CHECK(r, !madvise(p, self->len, MADV_DONTNEED),
				   "MADV_DONTNEED: %s", strerror(errno));
	else
		touch_all(self, p);
	mapdrv_doing(r, "UFFDIO_API with WP_ASYNC and WP_UNPOPULATED");
	uffd = uffd_open(UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED);
	if (want == WP_ASYNC_NOT_OFFERED) {
		MAPDRV_CHILD_CHECK(r, uffd == -EINVAL,
				   "UFFDIO_API gave %s, not EINVAL",
				   uffd < 0 ? strerror(-uffd) : "success");
		return 0;
	}
	MAPDRV_CHILD_CHECK(r, uffd >= 0, "UFFDIO_API: %s", strerror(-uffd));
	mapdrv_doing(r, "UFFDIO_REGISTER_MODE_WP");
	ret = uffd_register(uffd, p, self->len, UFFDIO_REGISTER_MODE_WP);
	if (want == WP_ASYNC_REFUSED) {
		MAPDRV_CHILD_CHECK(r, ret == -EINVAL,
				   "UFFDIO_REGISTER gave %s, not EINVAL",
				   ret ? strerror(-ret) : "success");
		CHILD_CHECK_DATA(self, p, NULL);
		return 0;
	}
	MAPDRV_CHILD_CHECK(r, !ret, "UFFDIO_REGISTER: %s", strerror(-ret));
	wp = (struct uffdio_writeprotect) {
		.range = { .start = (uintptr_t)p, .len = self->len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	mapdrv_doing(r, "UFFDIO_WRITEPROTECT");
	MAPDRV_CHILD_CHECK(r, !ioctl(uffd, UFFDIO_WRITEPROTECT, &wp),
			   "UFFDIO_WRITEPROTECT: %s", strerror(errno));
	mapdrv_doing(r,
		     "reading the first byte of the write-protected %s mapping (a hang here is the refault livelock on uffd-wp markers of issue 10)",
		     c->unpopulated ? "unpopulated" : "populated");
	MAPDRV_CHILD_CHECK(r, p[0] == mapdrv_pattern_byte(self->dev.seed, 0),
			   "read %#x", p[0]);
	mapdrv_doing(r, "writing a word of the write-protected mapping");
	mapdrv_poke(p + w.off, htole64(w.val));
	mapdrv_doing(r, "reading the whole mapping back");
	CHILD_CHECK_DATA(self, p, &w);
	return 0;
}

/* wp_async_run() in a bounded child; it writes to the buffer. */
static void run_wp_async(struct __test_metadata *_metadata,
			 FIXTURE_DATA(mm) *self, bool unpopulated)
{
	struct wp_async_case c = { .self = self, .unpopulated = unpopulated };

	self->dirty = true;
	run_bounded(_metadata, self, "userfaultfd WP_ASYNC", wp_async_run, &c);
}

TEST_F(mm, uffd_wp_async_read_and_write_of_unpopulated_pages)
{
	REQUIRE_USERFAULTFD();
	run_wp_async(_metadata, self, true);
}

TEST_F(mm, uffd_wp_async_read_and_write_of_populated_pages)
{
	REQUIRE_USERFAULTFD();
	run_wp_async(_metadata, self, false);
}

/*
 * GUP: O_DIRECT, vmsplice, process_vm_readv/writev, futex
 */

#define ODIRECT_FILE	"/tmp/mapdrv-mm-odirect"

/*
 * O_DIRECT from the mapping to a file, where the kernel opens one. The
 * guest has tmpfs only: where tmpfs takes O_DIRECT it copies, without GUP
 * (the long-term pin below and vmsplice do GUP).
 */
static int odirect_run(void *arg)
{
	FIXTURE_DATA(mm) *self = arg;
	struct mapdrv_report *r = self->report;
	int want = odirect_open_err[self->kernel], fd, back;
	uint8_t *p, *copy;
	ssize_t n;

	mapdrv_doing(r, "open(O_DIRECT) on tmpfs");
	fd = open(ODIRECT_FILE, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (want) {
		MAPDRV_CHILD_CHECK(r, fd < 0 && errno == want,
				   "open gave %s, not %s",
				   fd < 0 ? strerror(errno) : "a file",
				   strerror(want));
		return 0;
	}
	MAPDRV_CHILD_CHECK(r, fd >= 0, "open: %s", strerror(errno));
	CHILD_MAP(self, p, -1, PROT_READ, MAP_SHARED);
	mapdrv_doing(r, "O_DIRECT write from the mapping");
	n = pwrite(fd, p, self->len, 0);
	MAPDRV_CHILD_CHECK(r, n == (ssize_t)self->len, "pwrite: %zd (%s)", n,
			   strerror(errno));
	copy = malloc(self->len);
	back = open(ODIRECT_FILE, O_RDONLY);
	MAPDRV_CHILD_CHECK(r, copy && back >= 0, "readback: %s",
			   strerror(errno));
	MAPDRV_CHILD_CHECK(r, pread(back, copy, self->len, 0) ==
			   (ssize_t)self->len, "short readback");
	MAPDRV_CHILD_CHECK(r, !memcmp(copy, p, self->len),
			   "the file differs from the mapping");
	CHILD_CHECK_DATA(self, p, NULL);
	return 0;
}

TEST_F(mm, o_direct_write_from_the_mapping_to_a_tmpfs_file)
{
	if (!on_tmpfs("/tmp"))
		SKIP(return, "/tmp is not tmpfs: the table is for tmpfs");
	run_bounded(_metadata, self, "O_DIRECT", odirect_run, self);
	unlink(ODIRECT_FILE);
}

/* vmsplice() of the mapping into a pipe: GUP of its pages. */
static int vmsplice_in_run(void *arg)
{
	FIXTURE_DATA(mm) *self = arg;
	struct mapdrv_report *r = self->report;
	uint8_t *p, *copy = malloc(self->len);
	struct iovec iov;
	size_t got = 0;
	int pipefd[2];
	ssize_t n;

	MAPDRV_CHILD_CHECK(r, copy && !pipe(pipefd), "pipe: %s",
			   strerror(errno));
	fcntl(pipefd[1], F_SETPIPE_SZ, (int)self->len);
	CHILD_MAP(self, p, -1, PROT_READ, MAP_SHARED);
	iov = (struct iovec) { .iov_base = p, .iov_len = self->len };
	while (iov.iov_len) {
		mapdrv_doing(r, "vmsplice of the mapping at %zu bytes", got);
		n = vmsplice(pipefd[1], &iov, 1, 0);
		MAPDRV_CHILD_CHECK(r, n > 0, "vmsplice: %s", strerror(errno));
		MAPDRV_CHILD_CHECK(r, read(pipefd[0], copy + got, n) == n,
				   "read from the pipe");
		got += n;
		iov.iov_base = p + got;
		iov.iov_len -= n;
	}
	MAPDRV_CHILD_CHECK(r, !memcmp(copy, p, self->len),
			   "the pipe gave other bytes than the mapping");
	CHILD_CHECK_DATA(self, p, NULL);
	return 0;
}

TEST_F(mm, vmsplice_of_the_mapping_reads_the_buffer)
{
	run_bounded(_metadata, self, "vmsplice", vmsplice_in_run, self);
}

/* vmsplice() from a pipe into the mapping: a copy into its pages. */
static int vmsplice_out_run(void *arg)
{
	FIXTURE_DATA(mm) *self = arg;
	struct mapdrv_report *r = self->report;
	struct mm_word w = { .off = 3 * self->dev.page + 40 };
	uint64_t le;
	struct iovec iov;
	int pipefd[2];
	uint8_t *p;

	w.val = not_pattern(self->dev.seed, w.off);
	le = htole64(w.val);
	MAPDRV_CHILD_CHECK(r, !pipe(pipefd), "pipe: %s", strerror(errno));
	MAPDRV_CHILD_CHECK(r, write(pipefd[1], &le, 8) == 8, "pipe write");
	CHILD_MAP(self, p, -1, PROT_READ | PROT_WRITE, MAP_SHARED);
	iov = (struct iovec) { .iov_base = p + w.off, .iov_len = 8 };
	mapdrv_doing(r, "vmsplice from the pipe into the mapping");
	MAPDRV_CHILD_CHECK(r, vmsplice(pipefd[0], &iov, 1, 0) == 8,
			   "vmsplice: %s", strerror(errno));
	CHILD_CHECK_DATA(self, p, &w);
	return 0;
}

TEST_F(mm, vmsplice_from_a_pipe_writes_through_the_mapping)
{
	self->dirty = true;
	run_bounded(_metadata, self, "vmsplice", vmsplice_out_run, self);
}

/*
 * process_vm_readv() and process_vm_writev() into another process that
 * holds the mappings (a child, at the same addresses): remote GUP.
 */
struct pvm_case {
	FIXTURE_DATA(mm) *self;
	const FIXTURE_VARIANT(mm) *variant;
};

/*
 * In the bounded child: the shared writable test mapping into @p and a
 * private read-only one of a new O_RDONLY descriptor into @ro, for another
 * process to reach. 0, or 1 with the reason in the report.
 */
static int map_shared_and_private(struct pvm_case *c, uint8_t **p,
				  uint8_t **ro)
{
	FIXTURE_DATA(mm) *self = c->self;
	struct mapdrv_report *r = self->report;
	int fd = open_in_mode(c->variant, O_RDONLY);

	MAPDRV_CHILD_CHECK(r, fd >= 0, "open: %s", strerror(errno));
	*p = mm_map(self, -1, PROT_READ | PROT_WRITE, MAP_SHARED);
	*ro = mm_map(self, fd, PROT_READ, MAP_PRIVATE);
	MAPDRV_CHILD_CHECK(r, *p != MAP_FAILED && *ro != MAP_FAILED,
			   "mmap: %s", strerror(errno));
	return 0;
}

/* Kill the other process, @pid: then both mappings must hold @w. */
static int both_hold_the_word(FIXTURE_DATA(mm) *self, pid_t pid,
			      const uint8_t *p, const uint8_t *ro,
			      const struct mm_word *w)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHILD_CHECK_DATA(self, p, w);
	CHILD_CHECK_DATA(self, ro, w);
	return 0;
}

/* @fn (a struct pvm_case test) in a bounded child; it writes to the buffer. */
static void run_remote(struct __test_metadata *_metadata,
		       FIXTURE_DATA(mm) *self,
		       const FIXTURE_VARIANT(mm) *variant, const char *what,
		       int (*fn)(void *arg))
{
	struct pvm_case c = { .self = self, .variant = variant };

	self->dirty = true;
	run_bounded(_metadata, self, what, fn, &c);
}

/* Fork a child that holds the mappings until killed; its pid. */
static pid_t fork_holder(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static int pvm_run(void *arg)
{
	struct pvm_case *c = arg;
	FIXTURE_DATA(mm) *self = c->self;
	struct mapdrv_report *r = self->report;
	struct mm_word w = { .off = 5 * self->dev.page + 8 };
	uint8_t *p, *ro, *copy = malloc(self->len);
	struct iovec local, remote;
	uint64_t le;
	ssize_t n;
	pid_t pid;

	w.val = not_pattern(self->dev.seed, w.off);
	le = htole64(w.val);
	MAPDRV_CHILD_CHECK(r, copy, "no memory");
	if (map_shared_and_private(c, &p, &ro))
		return 1;
	pid = fork_holder();
	MAPDRV_CHILD_CHECK(r, pid > 0, "fork: %s", strerror(errno));

	mapdrv_doing(r, "process_vm_readv of the whole mapping");
	local = (struct iovec) { .iov_base = copy, .iov_len = self->len };
	remote = (struct iovec) { .iov_base = p, .iov_len = self->len };
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	MAPDRV_CHILD_CHECK(r, n == (ssize_t)self->len,
			   "process_vm_readv: %zd (%s)", n, strerror(errno));
	MAPDRV_CHILD_CHECK(r, !memcmp(copy, p, self->len),
			   "process_vm_readv read other bytes");

	mapdrv_doing(r, "process_vm_writev into a private read-only mapping");
	local = (struct iovec) { .iov_base = &le, .iov_len = 8 };
	remote = (struct iovec) { .iov_base = ro + w.off, .iov_len = 8 };
	n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	MAPDRV_CHILD_CHECK(r, n == -1 && errno == EFAULT,
			   "process_vm_writev gave %zd (%s), not EFAULT", n,
			   strerror(errno));
	CHILD_CHECK_DATA(self, p, NULL);

	mapdrv_doing(r, "process_vm_writev into the shared mapping");
	remote.iov_base = p + w.off;
	n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	MAPDRV_CHILD_CHECK(r, n == 8, "process_vm_writev: %zd (%s)", n,
			   strerror(errno));
	return both_hold_the_word(self, pid, p, ro, &w);
}

TEST_F(mm, process_vm_readv_and_writev_of_another_process)
{
	run_remote(_metadata, self, variant, "process_vm_readv/writev",
		   pvm_run);
}

/*
 * A shared futex keys on the page's file (page->mapping), which a driver
 * page has not: the kernel refuses it with EFAULT. A private one works.
 */
static int futex_run(void *arg)
{
	FIXTURE_DATA(mm) *self = arg;
	struct mapdrv_report *r = self->report;
	struct timespec ts = { .tv_nsec = 1000 * 1000 };
	uint32_t *word;
	uint8_t *p;
	long ret;

	CHILD_MAP(self, p, -1, PROT_READ | PROT_WRITE, MAP_SHARED);
	word = (uint32_t *)(p + 2 * self->dev.page);
	mapdrv_doing(r, "FUTEX_WAIT on the mapping");
	ret = syscall(SYS_futex, word, FUTEX_WAIT, *word, &ts, NULL, 0);
	MAPDRV_CHILD_CHECK(r, ret == -1 && errno == EFAULT,
			   "FUTEX_WAIT gave %ld (%s), not EFAULT", ret,
			   strerror(errno));
	mapdrv_doing(r, "FUTEX_WAKE on the mapping");
	ret = syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
	MAPDRV_CHILD_CHECK(r, ret == -1 && errno == EFAULT,
			   "FUTEX_WAKE gave %ld (%s), not EFAULT", ret,
			   strerror(errno));
	mapdrv_doing(r, "FUTEX_WAIT_PRIVATE on the mapping");
	ret = syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, *word, &ts, NULL,
		      0);
	MAPDRV_CHILD_CHECK(r, ret == -1 && errno == ETIMEDOUT,
			   "FUTEX_WAIT_PRIVATE gave %ld (%s), not ETIMEDOUT",
			   ret, strerror(errno));
	CHILD_CHECK_DATA(self, p, NULL);
	return 0;
}

TEST_F(mm, shared_futex_is_efault_and_private_futex_works)
{
	run_bounded(_metadata, self, "futex", futex_run, self);
}

/*
 * io_uring, through raw system calls: a ring of a few entries, one
 * request at a time.
 */
struct uring {
	int fd;
	struct io_uring_params par;
	uint8_t *sq, *cq;
	size_t sq_len, cq_len, sqes_len;
	struct io_uring_sqe *sqes;
};

static int uring_setup(struct uring *u)
{
	memset(u, 0, sizeof(*u));
	u->fd = syscall(__NR_io_uring_setup, 4, &u->par);
	if (u->fd < 0)
		return -errno;
	u->sq_len = u->par.sq_off.array + u->par.sq_entries * sizeof(__u32);
	u->cq_len = u->par.cq_off.cqes +
		    u->par.cq_entries * sizeof(struct io_uring_cqe);
	if (u->par.features & IORING_FEAT_SINGLE_MMAP) {
		if (u->cq_len > u->sq_len)
			u->sq_len = u->cq_len;
		u->cq_len = u->sq_len;
	}
	u->sqes_len = u->par.sq_entries * sizeof(struct io_uring_sqe);
	u->sq = mmap(NULL, u->sq_len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
	if (u->sq == MAP_FAILED)
		return -errno;
	u->cq = u->sq;
	if (!(u->par.features & IORING_FEAT_SINGLE_MMAP)) {
		u->cq = mmap(NULL, u->cq_len, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_POPULATE, u->fd,
			     IORING_OFF_CQ_RING);
		if (u->cq == MAP_FAILED)
			return -errno;
	}
	u->sqes = mmap(NULL, u->sqes_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
	return u->sqes == MAP_FAILED ? -errno : 0;
}

/* IORING_REGISTER_BUFFERS of [@p, @p + @len): 0 or -errno. */
static int uring_register(struct uring *u, void *p, size_t len)
{
	struct iovec iov = { .iov_base = p, .iov_len = len };

	return syscall(__NR_io_uring_register, u->fd, IORING_REGISTER_BUFFERS,
		       &iov, 1) ? -errno : 0;
}

/* Submit @sqe and wait for its completion: its result. */
static int uring_do(struct uring *u, const struct io_uring_sqe *sqe)
{
	__u32 *tail = (__u32 *)(u->sq + u->par.sq_off.tail);
	__u32 mask = *(__u32 *)(u->sq + u->par.sq_off.ring_mask);
	__u32 *array = (__u32 *)(u->sq + u->par.sq_off.array);
	__u32 *head = (__u32 *)(u->cq + u->par.cq_off.head);
	__u32 cmask = *(__u32 *)(u->cq + u->par.cq_off.ring_mask);
	struct io_uring_cqe *cqes =
		(struct io_uring_cqe *)(u->cq + u->par.cq_off.cqes);
	__u32 t = *tail, h;
	int res;

	u->sqes[t & mask] = *sqe;
	array[t & mask] = t & mask;
	__atomic_store_n(tail, t + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, u->fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return -errno;
	h = __atomic_load_n(head, __ATOMIC_ACQUIRE);
	res = cqes[h & cmask].res;
	__atomic_store_n(head, h + 1, __ATOMIC_RELEASE);
	return res;
}

static void uring_close(struct uring *u)
{
	if (u->sqes && u->sqes != MAP_FAILED)
		munmap(u->sqes, u->sqes_len);
	if (u->cq && u->cq != MAP_FAILED && u->cq != u->sq)
		munmap(u->cq, u->cq_len);
	if (u->sq && u->sq != MAP_FAILED)
		munmap(u->sq, u->sq_len);
	if (u->fd > 0)
		close(u->fd);
}

/* Is there io_uring at all (not disabled by kernel.io_uring_disabled)? */
static bool have_io_uring(void)
{
	struct uring u;
	int ret = uring_setup(&u);

	uring_close(&u);
	return !ret;
}

#define REQUIRE_IO_URING()						\
	do {								\
		if (!have_io_uring())					\
			SKIP(return, "no io_uring here");		\
	} while (0)

/* Register the mapping (@prot) as a fixed buffer: as the table says. */
struct uring_case {
	FIXTURE_DATA(mm) *self;
	int prot;
	int want;		/* 0 or the errno */
	int op;			/* then IORING_OP_READ/WRITE_FIXED, or -1 */
};

#define URING_FILE	"/tmp/mapdrv-mm-uring"

static int uring_run(void *arg)
{
	struct uring_case *c = arg;
	FIXTURE_DATA(mm) *self = c->self;
	struct mapdrv_report *r = self->report;
	struct mm_word w = { .off = 7 * self->dev.page + 24 };
	struct io_uring_sqe sqe;
	uint8_t *p, *copy = malloc(self->len);
	struct uring u;
	uint64_t le;
	int ret, fd;

	w.val = not_pattern(self->dev.seed, w.off);
	le = htole64(w.val);
	MAPDRV_CHILD_CHECK(r, copy, "no memory");
	mapdrv_doing(r, "io_uring_setup");
	ret = uring_setup(&u);
	MAPDRV_CHILD_CHECK(r, !ret, "io_uring_setup: %s", strerror(-ret));
	CHILD_MAP(self, p, -1, c->prot, MAP_SHARED);
	mapdrv_doing(r, "IORING_REGISTER_BUFFERS of the mapping");
	ret = uring_register(&u, p, self->len);
	MAPDRV_CHILD_CHECK(r, ret == -c->want,
			   "IORING_REGISTER_BUFFERS gave %s, not %s",
			   ret ? strerror(-ret) : "success",
			   c->want ? strerror(c->want) : "success");
	if (c->op < 0 || ret) {
		CHILD_CHECK_DATA(self, p, NULL);
		return 0;
	}

	fd = open(URING_FILE, O_RDWR | O_CREAT | O_TRUNC, 0600);
	MAPDRV_CHILD_CHECK(r, fd >= 0, "open: %s", strerror(errno));
	if (c->op == IORING_OP_READ_FIXED) {
		/* the file holds the buffer with one word changed */
		memcpy(copy, p, self->len);
		memcpy(copy + w.off, &le, 8);
		MAPDRV_CHILD_CHECK(r, pwrite(fd, copy, self->len, 0) ==
				   (ssize_t)self->len, "pwrite");
	}
	sqe = (struct io_uring_sqe) {
		.opcode = (__u8)c->op, .fd = fd, .addr = (uintptr_t)p,
		.len = (__u32)self->len, .buf_index = 0,
	};
	mapdrv_doing(r, "a fixed-buffer %s through the pinned mapping",
		     c->op == IORING_OP_READ_FIXED ? "read" : "write");
	ret = uring_do(&u, &sqe);
	MAPDRV_CHILD_CHECK(r, ret == (int)self->len, "the request gave %d (%s)",
			   ret, ret < 0 ? strerror(-ret) : "short");
	if (c->op == IORING_OP_WRITE_FIXED) {
		MAPDRV_CHILD_CHECK(r, pread(fd, copy, self->len, 0) ==
				   (ssize_t)self->len, "pread");
		MAPDRV_CHILD_CHECK(r, !memcmp(copy, p, self->len),
				   "the file differs from the mapping");
	}
	close(fd);
	mapdrv_doing(r, "closing the ring (unpinning)");
	uring_close(&u);
	CHILD_CHECK_DATA(self, p, c->op == IORING_OP_READ_FIXED ? &w : NULL);
	return 0;
}

TEST_F(mm, io_uring_registers_the_mapping_as_the_table_says)
{
	struct uring_case c = {
		.self = self, .prot = PROT_READ | PROT_WRITE, .op = -1,
		.want = uring_register_err[self->kernel],
	};

	REQUIRE_IO_URING();
	run_bounded(_metadata, self, "io_uring", uring_run, &c);
}

/* A fixed buffer is pinned for writing: a read-only mapping cannot be. */
TEST_F(mm, io_uring_registration_of_a_read_only_mapping_is_efault)
{
	struct uring_case c = {
		.self = self, .prot = PROT_READ, .op = -1, .want = EFAULT,
	};

	REQUIRE_IO_URING();
	run_bounded(_metadata, self, "io_uring", uring_run, &c);
}

#define REQUIRE_URING_REGISTRATION(self)				\
	do {								\
		REQUIRE_IO_URING();					\
		if (uring_register_err[(self)->kernel])			\
			SKIP(return, "%s: io_uring refuses to pin the "	\
			     "mapping (%s)",				\
			     mapdrv_kernel_name((self)->kernel),	\
			     strerror(uring_register_err[(self)->kernel])); \
	} while (0)

TEST_F(mm, io_uring_fixed_write_from_the_pinned_mapping_copies_the_buffer)
{
	struct uring_case c = {
		.self = self, .prot = PROT_READ | PROT_WRITE,
		.op = IORING_OP_WRITE_FIXED,
	};

	REQUIRE_URING_REGISTRATION(self);
	run_bounded(_metadata, self, "io_uring", uring_run, &c);
	unlink(URING_FILE);
}

TEST_F(mm, io_uring_fixed_read_into_the_pinned_mapping_reaches_the_device)
{
	struct uring_case c = {
		.self = self, .prot = PROT_READ | PROT_WRITE,
		.op = IORING_OP_READ_FIXED,
	};

	REQUIRE_URING_REGISTRATION(self);
	self->dirty = true;
	run_bounded(_metadata, self, "io_uring", uring_run, &c);
	unlink(URING_FILE);
}

/*
 * /proc/self/mem (FOLL_FORCE): reads work; a write works where the mapping
 * is shared and writable, and a forced write is refused (EIO, nothing
 * copied) where it would need a private copy of a page: the driver took
 * VM_MAYWRITE from private mappings, so there is no COW to force.
 */
struct mem_case {
	FIXTURE_DATA(mm) *self;
	const FIXTURE_VARIANT(mm) *variant;
	int fd_flags, prot, flags;
	int want;		/* 0 or the errno of the write */
};

static int proc_mem_run(void *arg)
{
	struct mem_case *c = arg;
	FIXTURE_DATA(mm) *self = c->self;
	struct mapdrv_report *r = self->report;
	struct mm_word w = { .off = 9 * self->dev.page + 48 };
	uint8_t *p, *copy = malloc(self->len);
	int mem, fd;
	uint64_t le;
	ssize_t n;

	w.val = not_pattern(self->dev.seed, w.off);
	le = htole64(w.val);
	fd = open_in_mode(c->variant, c->fd_flags);
	MAPDRV_CHILD_CHECK(r, fd >= 0 && copy, "open: %s", strerror(errno));
	CHILD_MAP(self, p, fd, c->prot, c->flags);
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	MAPDRV_CHILD_CHECK(r, mem >= 0, "/proc/self/mem: %s", strerror(errno));

	mapdrv_doing(r, "reading the mapping through /proc/self/mem");
	n = pread(mem, copy, self->len, (off_t)(uintptr_t)p);
	MAPDRV_CHILD_CHECK(r, n == (ssize_t)self->len, "read: %zd (%s)", n,
			   strerror(errno));
	MAPDRV_CHILD_CHECK(r, !memcmp(copy, p, self->len),
			   "/proc/self/mem read other bytes");

	mapdrv_doing(r, "writing a word through /proc/self/mem");
	n = pwrite(mem, &le, 8, (off_t)(uintptr_t)(p + w.off));
	if (c->want) {
		MAPDRV_CHILD_CHECK(r, n == -1 && errno == c->want,
				   "write gave %zd (%s), not %s", n,
				   strerror(errno), strerror(c->want));
		CHILD_CHECK_DATA(self, p, NULL);
		return 0;
	}
	MAPDRV_CHILD_CHECK(r, n == 8, "write: %zd (%s)", n, strerror(errno));
	CHILD_CHECK_DATA(self, p, &w);
	return 0;
}

TEST_F(mm, proc_self_mem_reads_and_writes_a_shared_mapping)
{
	struct mem_case c = {
		.self = self, .variant = variant, .fd_flags = O_RDWR,
		.prot = PROT_READ | PROT_WRITE, .flags = MAP_SHARED,
	};

	self->dirty = true;
	run_bounded(_metadata, self, "/proc/self/mem", proc_mem_run, &c);
}

TEST_F(mm, proc_self_mem_forced_write_to_a_private_mapping_is_eio)
{
	struct mem_case c = {
		.self = self, .variant = variant, .fd_flags = O_RDONLY,
		.prot = PROT_READ, .flags = MAP_PRIVATE, .want = EIO,
	};

	run_bounded(_metadata, self, "/proc/self/mem", proc_mem_run, &c);
}

/* Shared but mapped without PROT_WRITE: no forced write either. */
TEST_F(mm, proc_self_mem_forced_write_to_a_read_only_shared_mapping_is_eio)
{
	struct mem_case c = {
		.self = self, .variant = variant, .fd_flags = O_RDWR,
		.prot = PROT_READ, .flags = MAP_SHARED, .want = EIO,
	};

	run_bounded(_metadata, self, "/proc/self/mem", proc_mem_run, &c);
}

/*
 * ptrace PEEKDATA and POKEDATA of a traced child's mappings (at the same
 * addresses as the parent's): POKE into a private read-only one is EIO.
 */

/* PEEKDATA of the word at @off of @pid's @what mapping @p: the pattern. */
static int peek_is_pattern(FIXTURE_DATA(mm) *self, pid_t pid,
			   const uint8_t *p, uint64_t off, const char *what)
{
	struct mapdrv_report *r = self->report;
	long word;

	mapdrv_doing(r, "PTRACE_PEEKDATA of the %s mapping", what);
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, p + off, NULL);
	MAPDRV_CHILD_CHECK(r, !errno && le64toh((uint64_t)word) ==
			   mapdrv_pattern(self->dev.seed, off),
			   "PEEKDATA: %#lx (%s)", word, strerror(errno));
	return 0;
}

static int ptrace_run(void *arg)
{
	struct pvm_case *c = arg;
	FIXTURE_DATA(mm) *self = c->self;
	struct mapdrv_report *r = self->report;
	struct mm_word w = { .off = 11 * self->dev.page + 56 };
	uint8_t *p, *ro;
	int status;
	pid_t pid;

	w.val = not_pattern(self->dev.seed, w.off);
	if (map_shared_and_private(c, &p, &ro))
		return 1;
	pid = fork();
	MAPDRV_CHILD_CHECK(r, pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	MAPDRV_CHILD_CHECK(r, waitpid(pid, &status, 0) == pid &&
			   WIFSTOPPED(status), "the child did not stop");

	if (peek_is_pattern(self, pid, p, 8 * 3, "shared") ||
	    peek_is_pattern(self, pid, ro, 8 * 5, "private"))
		return 1;
	mapdrv_doing(r, "PTRACE_POKEDATA into the private read-only mapping");
	MAPDRV_CHILD_CHECK(r, ptrace(PTRACE_POKEDATA, pid, ro + w.off,
				     (void *)(uintptr_t)htole64(w.val)) == -1 &&
			   errno == EIO, "POKEDATA: %s, not EIO",
			   strerror(errno));
	CHILD_CHECK_DATA(self, ro, NULL);
	mapdrv_doing(r, "PTRACE_POKEDATA into the shared mapping");
	MAPDRV_CHILD_CHECK(r, !ptrace(PTRACE_POKEDATA, pid, p + w.off,
				      (void *)(uintptr_t)htole64(w.val)),
			   "POKEDATA: %s", strerror(errno));
	return both_hold_the_word(self, pid, p, ro, &w);
}

TEST_F(mm, ptrace_peek_and_poke_of_a_traced_child)
{
	run_remote(_metadata, self, variant, "ptrace", ptrace_run);
}

/*
 * mlock: VM_DONTEXPAND is part of VM_SPECIAL, which mlock leaves unlocked
 * (no VM_LOCKED, nothing counted in Locked or VmLck) but populates: the
 * call works and every page is then resident. The same holds for a mapping
 * made under mlockall(MCL_FUTURE). This checks it after @what.
 */
static int check_populated_not_locked(FIXTURE_DATA(mm) *self, uint8_t *p,
				      const char *what)
{
	struct mapdrv_report *r = self->report;
	char flags[256];
	long long kb = -1;

	MAPDRV_CHILD_CHECK(r, mapdrv_resident_pages(p, MM_PAGES, NULL) ==
			   MM_PAGES, "%s did not populate the mapping", what);
	MAPDRV_CHILD_CHECK(r, !mapdrv_vma_flags(p, flags, sizeof(flags)),
			   "no VmFlags");
	MAPDRV_CHILD_CHECK(r, !mapdrv_vma_has_flag(flags, "lo"), "VmFlags:%s",
			   flags);
	MAPDRV_CHILD_CHECK(r, !mapdrv_smaps_kb(p, "Locked", &kb) && kb == 0,
			   "Locked: %lld kB", kb);
	CHILD_CHECK_DATA(self, p, NULL);
	return 0;
}

static int mlock_run(void *arg)
{
	FIXTURE_DATA(mm) *self = arg;
	struct mapdrv_report *r = self->report;
	uint8_t *p;

	CHILD_MAP(self, p, -1, PROT_READ, MAP_SHARED);
	mapdrv_doing(r, "mlock of the mapping");
	MAPDRV_CHILD_CHECK(r, !mlock(p, self->len), "mlock: %s",
			   strerror(errno));
	if (check_populated_not_locked(self, p, "mlock"))
		return 1;
	mapdrv_doing(r, "munlock of the mapping");
	MAPDRV_CHILD_CHECK(r, !munlock(p, self->len), "munlock: %s",
			   strerror(errno));
	CHILD_CHECK_DATA(self, p, NULL);
	return 0;
}

TEST_F(mm, mlock_populates_the_mapping_without_locking_it)
{
	run_bounded(_metadata, self, "mlock", mlock_run, self);
}

/* mlockall(MCL_FUTURE): a new mapping is populated, not locked. */
static int mlockall_run(void *arg)
{
	FIXTURE_DATA(mm) *self = arg;
	struct mapdrv_report *r = self->report;
	uint8_t *p;

	mapdrv_doing(r, "mlockall(MCL_CURRENT | MCL_FUTURE)");
	MAPDRV_CHILD_CHECK(r, !mlockall(MCL_CURRENT | MCL_FUTURE),
			   "mlockall: %s", strerror(errno));
	mapdrv_doing(r, "mmap after mlockall");
	CHILD_MAP(self, p, -1, PROT_READ, MAP_SHARED);
	if (check_populated_not_locked(self, p, "mlockall"))
		return 1;
	MAPDRV_CHILD_CHECK(r, !munlockall(), "munlockall: %s",
			   strerror(errno));
	return 0;
}

TEST_F(mm, mlockall_future_populates_new_mappings_without_locking_them)
{
	run_bounded(_metadata, self, "mlockall", mlockall_run, self);
}

/*
 * fork() after MADV_DONTFORK: the child has no mapping (SIGSEGV). Then
 * MADV_DOFORK, as dofork_err[] says, and a child that has the mapping
 * again, or still not.
 */
static int child_reads(FIXTURE_DATA(mm) *self, const uint8_t *p)
{
	pid_t pid = fork();

	if (pid == 0) {
		_exit(mapdrv_check_pattern(p, self->len, 0, self->dev.seed) ==
		      -1 ? 0 : 1);
	}
	return mapdrv_wait_child(pid);
}

static int dontfork_run(void *arg)
{
	FIXTURE_DATA(mm) *self = arg;
	struct mapdrv_report *r = self->report;
	int want = dofork_err[self->kernel], ret, status;
	uint8_t *p;

	CHILD_MAP(self, p, -1, PROT_READ, MAP_SHARED);
	mapdrv_touch(p);
	MAPDRV_CHILD_CHECK(r, !madvise(p, self->len, MADV_DONTFORK),
			   "MADV_DONTFORK: %s", strerror(errno));
	mapdrv_doing(r, "a child reading after MADV_DONTFORK");
	status = child_reads(self, p);
	MAPDRV_CHILD_CHECK(r, status == 128 + SIGSEGV,
			   "the child ended with %d, not SIGSEGV", status);
	mapdrv_doing(r, "MADV_DOFORK");
	ret = madvise(p, self->len, MADV_DOFORK) ? errno : 0;
	MAPDRV_CHILD_CHECK(r, ret == want, "MADV_DOFORK gave %s, not %s",
			   ret ? strerror(ret) : "success",
			   want ? strerror(want) : "success");
	mapdrv_doing(r, "a child reading after MADV_DOFORK");
	status = child_reads(self, p);
	MAPDRV_CHILD_CHECK(r, status == (want ? 128 + SIGSEGV : 0),
			   "the child ended with %d", status);
	CHILD_CHECK_DATA(self, p, NULL);
	return 0;
}

TEST_F(mm, dontfork_then_dofork_as_the_table_says)
{
	run_bounded(_metadata, self, "MADV_DONTFORK", dontfork_run, self);
}

/*
 * mremap(MREMAP_DONTUNMAP) is refused for VM_DONTEXPAND (and, before 5.13,
 * for anything but private anonymous memory): EINVAL, the mapping stays.
 */
TEST_F(mm, mremap_dontunmap_is_einval_and_leaves_the_mapping)
{
	struct mapdrv_info before, after;
	uint8_t *p, *target, *q;

	target = mmap(NULL, self->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	ASSERT_NE(MAP_FAILED, target);
	p = must_map(_metadata, self, -1, PROT_READ | PROT_WRITE, MAP_SHARED);
	mapdrv_touch(p);
	before = mapdrv_must_info(_metadata, self->dev.fd);
	q = mremap(p, self->len, self->len,
		   MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, target);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EINVAL, errno);
	q = mremap(p, self->len, self->len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EINVAL, errno);
	after = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(before.live_vmas, after.live_vmas);
	expect_data(_metadata, self, p, NULL);
	munmap(p, self->len);
	munmap(target, self->len);
}

/*
 * msync: MS_SYNC of a shared mapping calls the file's ->fsync, which the
 * device has not: EINVAL. MS_ASYNC and MS_INVALIDATE do nothing and work,
 * and so does MS_SYNC of a private mapping.
 */
TEST_F(mm, msync_sync_is_einval_async_and_invalidate_work)
{
	int fd = open_read_only(_metadata, variant);
	uint8_t *p, *ro;

	p = must_map(_metadata, self, -1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ro = must_map(_metadata, self, fd, PROT_READ, MAP_PRIVATE);
	touch_all(self, p);
	EXPECT_EQ(-1, msync(p, self->len, MS_SYNC));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msync(p, self->len, MS_SYNC | MS_INVALIDATE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, msync(p, self->len, MS_ASYNC));
	EXPECT_EQ(0, msync(p, self->len, MS_INVALIDATE));
	EXPECT_EQ(0, msync(ro, self->len, MS_SYNC));
	expect_data(_metadata, self, p, NULL);
	expect_data(_metadata, self, ro, NULL);
	munmap(ro, self->len);
	munmap(p, self->len);
	close(fd);
}

/* mseal(): where the kernel has it, the sealed mapping cannot go. */
static int mseal_run(void *arg)
{
	FIXTURE_DATA(mm) *self = arg;
	struct mapdrv_report *r = self->report;
	int want = mseal_err[self->kernel];
	long ret;
	uint8_t *p;

	CHILD_MAP(self, p, -1, PROT_READ, MAP_SHARED);
	mapdrv_doing(r, "mseal of the mapping");
	ret = syscall(__NR_mseal, p, self->len, 0);
	MAPDRV_CHILD_CHECK(r, (ret ? errno : 0) == want,
			   "mseal gave %s, not %s",
			   ret ? strerror(errno) : "success",
			   want ? strerror(want) : "success");
	if (!want) {
		MAPDRV_CHILD_CHECK(r, munmap(p, self->len) == -1 &&
				   errno == EPERM,
				   "munmap of a sealed mapping: %s",
				   strerror(errno));
		MAPDRV_CHILD_CHECK(r, mremap(p, self->len, self->dev.page, 0) ==
				   MAP_FAILED && errno == EPERM,
				   "mremap of a sealed mapping: %s",
				   strerror(errno));
	}
	CHILD_CHECK_DATA(self, p, NULL);
	return 0;
}

/* The sealed mapping goes with the child that made it. */
TEST_F(mm, mseal_as_the_table_says_and_the_vma_goes_with_its_process)
{
	struct mapdrv_info before, after;

	before = mapdrv_must_info(_metadata, self->dev.fd);
	run_bounded(_metadata, self, "mseal", mseal_run, self);
	after = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(before.live_vmas, after.live_vmas);
}

/*
 * /proc/self/pagemap: every page of the mapping is present (once touched),
 * a file page, at the PFN of its buffer page. The PFNs are stable: the
 * same after MADV_DONTNEED and a refault, in a second mapping and in a
 * forked child, and every buffer page has a PFN of its own. (That each
 * PFN is the one in the driver's mapdrv_fault event is checked in
 * mapdrv_trace_test.)
 */
static int pagemap_pfns(const uint8_t *p, size_t page, uint64_t *pfn,
			struct mapdrv_report *r)
{
	uint64_t e;
	size_t i;

	for (i = 0; i < MM_PAGES; i++) {
		MAPDRV_CHILD_CHECK(r, !mapdrv_pagemap(p + i * page, &e),
				   "pagemap: %s", strerror(errno));
		MAPDRV_CHILD_CHECK(r, e & MAPDRV_PM_PRESENT,
				   "page %zu not present: %#llx", i,
				   (unsigned long long)e);
		MAPDRV_CHILD_CHECK(r, e & MAPDRV_PM_FILE,
				   "page %zu not a file page: %#llx", i,
				   (unsigned long long)e);
		pfn[i] = e & MAPDRV_PM_PFN_MASK;
		MAPDRV_CHILD_CHECK(r, pfn[i], "page %zu: PFN 0 (not root?)", i);
	}
	return 0;
}

/*
 * Touch every page of the test mapping at @p: its PFNs must be @first; 0,
 * or 1 with @what (or why pagemap failed) in the report.
 */
static int pagemap_pfns_again(FIXTURE_DATA(mm) *self, const uint8_t *p,
			      const uint64_t *first, const char *what)
{
	uint64_t again[MM_PAGES];

	touch_all(self, p);
	if (pagemap_pfns(p, self->dev.page, again, self->report))
		return 1;
	MAPDRV_CHILD_CHECK(self->report, !memcmp(first, again, sizeof(again)),
			   "%s", what);
	return 0;
}

static int pagemap_run(void *arg)
{
	FIXTURE_DATA(mm) *self = arg;
	struct mapdrv_report *r = self->report;
	char why[sizeof(r->failed)];
	uint64_t first[MM_PAGES];
	int status;
	size_t i, j;
	uint8_t *p, *q;
	pid_t pid;

	p = mm_map(self, -1, PROT_READ, MAP_SHARED);
	q = mm_map(self, -1, PROT_READ, MAP_SHARED);
	MAPDRV_CHILD_CHECK(r, p != MAP_FAILED && q != MAP_FAILED, "mmap: %s",
			   strerror(errno));
	touch_all(self, p);
	mapdrv_doing(r, "reading pagemap");
	if (pagemap_pfns(p, self->dev.page, first, r))
		return 1;
	for (i = 0; i < MM_PAGES; i++)
		for (j = 0; j < i; j++)
			MAPDRV_CHILD_CHECK(r, first[i] != first[j],
					   "pages %zu and %zu share PFN %#llx",
					   i, j, (unsigned long long)first[i]);
	mapdrv_doing(r, "refaulting after MADV_DONTNEED");
	MAPDRV_CHILD_CHECK(r, !madvise(p, self->len, MADV_DONTNEED),
			   "MADV_DONTNEED: %s", strerror(errno));
	if (pagemap_pfns_again(self, p, first,
			       "the PFNs changed after a refault"))
		return 1;
	mapdrv_doing(r, "a second mapping");
	if (pagemap_pfns_again(self, q, first,
			       "a second mapping has other PFNs"))
		return 1;
	mapdrv_doing(r, "a forked child");
	pid = fork();
	if (pid == 0)
		_exit(pagemap_pfns_again(self, p, first, "other PFNs"));
	status = mapdrv_wait_child(pid);
	/* the child's reason, copied: mapdrv_failed() rewrites r->failed */
	snprintf(why, sizeof(why), "%s", status ? r->failed : "");
	MAPDRV_CHILD_CHECK(r, status == 0, "the child saw other PFNs (%s)",
			   why);
	return 0;
}

TEST_F(mm, pagemap_shows_present_file_pages_with_stable_pfns)
{
	if (geteuid())
		SKIP(return, "pagemap shows PFNs to root only");
	run_bounded(_metadata, self, "pagemap", pagemap_run, self);
}

/*
 * smaps of a mapping of 64 pages: Rss is what is mapped (touched pages,
 * their windows, or all in eager mode, as the model says); Pss is Rss while
 * the pages are mapped once and half of it when a child maps them all too;
 * never Anonymous, Swap or Locked memory. The flags: read, shared, may
 * read/write/share, VM_DONTEXPAND ("de") and VM_DONTDUMP ("dd"), mixed map
 * ("mm") in the around and eager modes only; never I/O, PFN map, locked,
 * don't-copy or mergeable.
 */
static long long smaps_kb(struct __test_metadata *_metadata, const void *p,
			  const char *field)
{
	long long kb = -1;
	int ret = mapdrv_smaps_kb(p, field, &kb);

	EXPECT_EQ(0, ret) TH_LOG("smaps %s: %s", field, strerror(-ret));
	return kb;
}

TEST_F(mm, smaps_rss_and_pss_follow_what_is_mapped_and_by_whom)
{
	long long page_kb = self->dev.page / 1024, rss_kb;
	struct mapdrv_model m;
	int ready[2], go[2];
	uint8_t *p;
	pid_t pid;

	mapdrv_must_model(_metadata, &m, self->dev.mode, self->dev.window, 0,
			  MM_PAGES);
	p = must_map(_metadata, self, -1, PROT_READ, MAP_SHARED);
	mapdrv_touch(p + 3 * self->dev.page);
	mapdrv_model_touch(&m, 3);
	mapdrv_touch(p + 40 * self->dev.page);
	mapdrv_model_touch(&m, 40);
	rss_kb = (long long)mapdrv_model_resident(&m) * page_kb;
	EXPECT_EQ(rss_kb, smaps_kb(_metadata, p, "Rss"));
	EXPECT_EQ(rss_kb, smaps_kb(_metadata, p, "Pss"));
	EXPECT_EQ(0, smaps_kb(_metadata, p, "Shared_Clean") +
		  smaps_kb(_metadata, p, "Shared_Dirty"));
	EXPECT_EQ(0, smaps_kb(_metadata, p, "Anonymous"));
	EXPECT_EQ(0, smaps_kb(_metadata, p, "Swap"));
	EXPECT_EQ(0, smaps_kb(_metadata, p, "Locked"));

	/* all pages, mapped by a child too */
	touch_all(self, p);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		touch_all(self, p);
		if (mapdrv_pipe_put(ready[1]) || mapdrv_pipe_get(go[0]))
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(0, mapdrv_pipe_get(ready[0]));
	rss_kb = MM_PAGES * page_kb;
	EXPECT_EQ(rss_kb, smaps_kb(_metadata, p, "Rss"));
	EXPECT_EQ(rss_kb / 2, smaps_kb(_metadata, p, "Pss"));
	EXPECT_EQ(rss_kb, smaps_kb(_metadata, p, "Shared_Clean") +
		  smaps_kb(_metadata, p, "Shared_Dirty"));
	mapdrv_pipe_put(go[1]);
	EXPECT_EQ(0, mapdrv_wait_child(pid));
	munmap(p, self->len);
	mapdrv_model_free(&m);
}

/*
 * The VmFlags of the mapping at @p must have every mnemonic of @yes and
 * none of @no (space-separated lists).
 */
static void expect_vm_flags(struct __test_metadata *_metadata, const void *p,
			    const char *yes, const char *no)
{
	char flags[256], list[128], *mn, *save;

	ASSERT_EQ(0, mapdrv_vma_flags(p, flags, sizeof(flags)));
	snprintf(list, sizeof(list), "%s", yes);
	for (mn = strtok_r(list, " ", &save); mn;
	     mn = strtok_r(NULL, " ", &save)) {
		EXPECT_TRUE(mapdrv_vma_has_flag(flags, mn))
			TH_LOG("no \"%s\" in VmFlags:%s", mn, flags);
	}
	snprintf(list, sizeof(list), "%s", no);
	for (mn = strtok_r(list, " ", &save); mn;
	     mn = strtok_r(NULL, " ", &save)) {
		EXPECT_FALSE(mapdrv_vma_has_flag(flags, mn))
			TH_LOG("\"%s\" in VmFlags:%s", mn, flags);
	}
}

/* VM_MIXEDMAP ("mm"): in the around and eager modes only. */
static void expect_mixed_map_flag(struct __test_metadata *_metadata,
				  const FIXTURE_VARIANT(mm) *variant,
				  const void *p)
{
	if (variant->mode == MAPDRV_MODE_FAULT)
		expect_vm_flags(_metadata, p, "", "mm");
	else
		expect_vm_flags(_metadata, p, "mm", "");
}

TEST_F(mm, smaps_flags_of_a_shared_writable_mapping)
{
	uint8_t *p = must_map(_metadata, self, -1, PROT_READ | PROT_WRITE,
			      MAP_SHARED);

	expect_vm_flags(_metadata, p, "rd wr sh mr mw ms de dd",
			"io pf lo dc hg nh mg");
	expect_mixed_map_flag(_metadata, variant, p);
	munmap(p, self->len);
}

/* Private: the driver took VM_MAYWRITE ("mw") away. */
TEST_F(mm, smaps_flags_of_a_private_mapping)
{
	int fd = open_read_only(_metadata, variant);
	uint8_t *p = must_map(_metadata, self, fd, PROT_READ, MAP_PRIVATE);

	expect_vm_flags(_metadata, p, "rd mr de dd",
			"wr sh mw ms io pf lo dc hg nh mg");
	expect_mixed_map_flag(_metadata, variant, p);
	munmap(p, self->len);
	close(fd);
}

/*
 * A core dump holds none of the buffer (VM_DONTDUMP), even with every bit
 * of /proc/self/coredump_filter set (without VM_DONTDUMP, shared and
 * private file mappings would then be dumped). An anonymous page filled
 * with the pattern of another seed is dumped: it shows the search works.
 */
FIXTURE(mm_core) {
	struct mapdrv_test_dev dev;
	struct mapdrv_report *report;
	size_t len;
	char core_pattern[256];	/* to put back */
};

FIXTURE_VARIANT(mm_core) {
	uint32_t mode, window;
};

MM_MODE_VARIANTS(mm_core);

#define CORE_DIR	"/tmp"
#define CORE_NAME	"mapdrv-mm-core"
#define CORE_PATTERN	"/proc/sys/kernel/core_pattern"
/* The seed of the anonymous control page. */
#define CONTROL_SEED(seed)	((seed) ^ 0x5a5a5a5a00000000ULL)

FIXTURE_SETUP(mm_core)
{
	int ret;

	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR, variant->mode,
			      variant->window, MM_PAGES);
	self->len = MM_PAGES * self->dev.page;
	self->report = mapdrv_report_new();
	ASSERT_NE(NULL, self->report);
	if (geteuid())
		MAPDRV_SETUP_SKIP("needs root, for core_pattern");
	if (!on_tmpfs(CORE_DIR))
		MAPDRV_SETUP_SKIP("%s is not tmpfs", CORE_DIR);
	ret = mapdrv_read_file(CORE_PATTERN, self->core_pattern,
			       sizeof(self->core_pattern));
	ASSERT_LE(0, ret) TH_LOG("core_pattern: %s", strerror(-ret));
	ret = mapdrv_write_file(CORE_PATTERN, CORE_DIR "/" CORE_NAME ".%p");
	ASSERT_EQ(0, ret) TH_LOG("core_pattern: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(mm_core)
{
	EXPECT_EQ(0, mapdrv_write_file(CORE_PATTERN, self->core_pattern));
	mapdrv_report_free(self->report);
	close(self->dev.fd);
}

/* The crashing child: maps, touches, and dumps core. */
static int crash_with_mappings(FIXTURE_DATA(mm_core) *self,
			       const FIXTURE_VARIANT(mm_core) *variant)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	uint8_t *shared, *priv, *control;
	int fd = mapdrv_open(O_RDONLY);
	size_t i;

	if (fd < 0 || mapdrv_set_mode(fd, variant->mode, variant->window) ||
	    setrlimit(RLIMIT_CORE, &unlimited) ||
	    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) ||
	    mapdrv_write_file("/proc/self/coredump_filter", "0x7f"))
		return 1;
	shared = mmap(NULL, self->len, PROT_READ, MAP_SHARED, self->dev.fd, 0);
	priv = mmap(NULL, self->len, PROT_READ, MAP_PRIVATE, fd, 0);
	control = mmap(NULL, self->dev.page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED || priv == MAP_FAILED || control == MAP_FAILED)
		return 2;
	for (i = 0; i < MM_PAGES; i++) {
		mapdrv_touch(shared + i * self->dev.page);
		mapdrv_touch(priv + i * self->dev.page);
	}
	mapdrv_fill_pattern(control, self->dev.page, 0,
			    CONTROL_SEED(self->dev.seed));
	abort();
}

/*
 * Pairs of consecutive 8-aligned words of the core file that are words of
 * the pattern of @seed at two consecutive offsets of the buffer.
 */
static long pattern_hits(const uint8_t *core, size_t len, uint64_t seed,
			 uint64_t size)
{
	uint64_t w, next, off;
	long hits = 0;
	size_t i;

	for (i = 0; i + 16 <= len; i += 8) {
		memcpy(&w, core + i, 8);
		off = le64toh(w) ^ MAPDRV_PATTERN_MAGIC ^ seed;
		if (off >= size || off & 7)
			continue;
		memcpy(&next, core + i + 8, 8);
		hits += le64toh(next) == mapdrv_pattern(seed, off + 8);
	}
	return hits;
}

TEST_F(mm_core, core_dump_holds_none_of_the_buffer)
{
	char path[64];
	uint8_t *core;
	int status, fd;
	struct stat st;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(crash_with_mappings(self, variant));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status))
		TH_LOG("the child exited with %d", WEXITSTATUS(status));
	ASSERT_TRUE(WCOREDUMP(status)) TH_LOG("no core dumped");
	snprintf(path, sizeof(path), CORE_DIR "/" CORE_NAME ".%d", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(0, fstat(fd, &st));
	core = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, core);
	EXPECT_EQ(0, pattern_hits(core, st.st_size, self->dev.seed,
				  self->dev.size))
		TH_LOG("the core of %lld bytes holds words of the buffer",
		       (long long)st.st_size);
	EXPECT_LT(0, pattern_hits(core, st.st_size,
				  CONTROL_SEED(self->dev.seed),
				  self->dev.page))
		TH_LOG("no control page in the core: broken search or core");
	munmap(core, st.st_size);
	close(fd);
	unlink(path);
}

/*
 * madvise(), every advice the kernels know but the two that poison pages
 * (MADV_HWPOISON, MADV_SOFT_OFFLINE: they would take the buffer's pages
 * away from the whole system), one variant per advice and mode, on a
 * shared writable and on a private read-only mapping of 64 pages whose
 * pages 0-7 were touched. The result per kernel where kernels differ,
 * then what the advice leaves: the VmFlags mnemonic it sets, if any, and
 * which pages are resident. Every advice leaves the data intact.
 */
enum madv_resident {
	KEEP,		/* as before the advice */
	DROP,		/* none: the page table entries are zapped */
	FILL,		/* all: populated */
};

FIXTURE(madv) {
	struct mapdrv_test_dev dev;	/* O_RDWR, in the variant's mode */
	enum mapdrv_kernel kernel;
	struct mapdrv_report *report;
	size_t len;
	int err;			/* the documented errno, or 0 */
};

FIXTURE_VARIANT(madv) {
	uint32_t mode, window;
	int advice;
	bool private_ro;	/* MAP_PRIVATE of an O_RDONLY fd */
	int err[MAPDRV_KERNELS];	/* 0 or the errno, per kernel */
	const char *flag;	/* VmFlags mnemonic it sets, or NULL */
	enum madv_resident resident;
};

#define MADV_IN_MODE(mname, m, w, name, ...)				\
	FIXTURE_VARIANT_ADD(madv, name##_##mname) {			\
		.mode = m, .window = w, __VA_ARGS__			\
	};
#define MADV_MODES(X, ...)						\
	X(fault, MAPDRV_MODE_FAULT, 0, ##__VA_ARGS__)			\
	X(around, MAPDRV_MODE_AROUND, MM_WINDOW, ##__VA_ARGS__)		\
	X(eager, MAPDRV_MODE_EAGER, 0, ##__VA_ARGS__)
/* MADV_CASE(name, advice, errno per kernel, flag, resident): shared. */
#define MADV_CASE(name, adv, e, fl, res)				\
	MADV_MODES(MADV_IN_MODE, name, .advice = adv, .err = e,		\
		   .flag = fl, .resident = res)
/* The same advice on a private read-only mapping. */
#define MADV_PRIVATE_CASE(name, adv, e, fl, res)			\
	MADV_MODES(MADV_IN_MODE, private_##name, .advice = adv,		\
		   .private_ro = true, .err = e, .flag = fl,		\
		   .resident = res)

#define OK		ON_ALL(0)
#define EINVAL_ALL	ON_ALL(EINVAL)
/* MADV_POPULATE_READ/WRITE (5.14), MADV_DONTNEED_LOCKED (5.18) */
#define SINCE_6_1	{ EINVAL, 0, 0, 0 }
/* MADV_DOFORK, refused for VM_SPECIAL where dofork_err[] says */
#define DOFORK_ERR	{ 0, 0, 0, EINVAL }

MADV_CASE(normal, MADV_NORMAL, OK, NULL, KEEP)
MADV_CASE(random, MADV_RANDOM, OK, "rr", KEEP)
MADV_CASE(sequential, MADV_SEQUENTIAL, OK, "sr", KEEP)
/* vfs_fadvise() of the device file: no read-ahead, no population */
MADV_CASE(willneed, MADV_WILLNEED, OK, NULL, KEEP)
MADV_CASE(dontneed, MADV_DONTNEED, OK, NULL, DROP)
/* anonymous memory only */
MADV_CASE(free, MADV_FREE, EINVAL_ALL, NULL, KEEP)
/* vfs_fallocate(PUNCH_HOLE) of a character device */
MADV_CASE(remove, MADV_REMOVE, ON_ALL(ENODEV), NULL, KEEP)
MADV_CASE(dontfork, MADV_DONTFORK, OK, "dc", KEEP)
MADV_CASE(dofork, MADV_DOFORK, DOFORK_ERR, NULL, KEEP)
/*
 * KSM ignores shared and VM_DONTEXPAND VMAs: no "mg". A kernel without
 * CONFIG_KSM (no /sys/kernel/mm/ksm: the sanitizer kernel) does not know
 * the advice: EINVAL, whatever the table says (see the setup).
 */
MADV_CASE(mergeable, MADV_MERGEABLE, OK, NULL, KEEP)
MADV_CASE(unmergeable, MADV_UNMERGEABLE, OK, NULL, KEEP)
/* the flag only: no THP for a driver VMA */
MADV_CASE(hugepage, MADV_HUGEPAGE, OK, "hg", KEEP)
MADV_CASE(nohugepage, MADV_NOHUGEPAGE, OK, "nh", KEEP)
/* "dd" is set already */
MADV_CASE(dontdump, MADV_DONTDUMP, OK, NULL, KEEP)
/* VM_DONTDUMP cannot be cleared from a VM_SPECIAL VMA */
MADV_CASE(dodump, MADV_DODUMP, EINVAL_ALL, NULL, KEEP)
/* private anonymous memory only */
MADV_CASE(wipeonfork, MADV_WIPEONFORK, EINVAL_ALL, NULL, KEEP)
MADV_CASE(keeponfork, MADV_KEEPONFORK, OK, NULL, KEEP)
/* the pages are not on an LRU list: nothing to deactivate or reclaim */
MADV_CASE(cold, MADV_COLD, OK, NULL, KEEP)
MADV_CASE(pageout, MADV_PAGEOUT, OK, NULL, KEEP)
MADV_CASE(populate_read, MADV_POPULATE_READ, SINCE_6_1, NULL, FILL)
MADV_CASE(populate_write, MADV_POPULATE_WRITE, SINCE_6_1, NULL, FILL)
MADV_CASE(dontneed_locked, MADV_DONTNEED_LOCKED, SINCE_6_1, NULL, DROP)
/* no THP for a driver VMA (and no MADV_COLLAPSE before 6.1) */
MADV_CASE(collapse, MADV_COLLAPSE, EINVAL_ALL, NULL, KEEP)
/* VM_SPECIAL is refused (and no guard regions before 6.13) */
MADV_CASE(guard_install, MADV_GUARD_INSTALL, EINVAL_ALL, NULL, KEEP)
MADV_CASE(guard_remove, MADV_GUARD_REMOVE, EINVAL_ALL, NULL, KEEP)

MADV_PRIVATE_CASE(willneed, MADV_WILLNEED, OK, NULL, KEEP)
MADV_PRIVATE_CASE(dontneed, MADV_DONTNEED, OK, NULL, DROP)
MADV_PRIVATE_CASE(free, MADV_FREE, EINVAL_ALL, NULL, KEEP)
/* needs a shared writable mapping: EACCES before the file is asked */
MADV_PRIVATE_CASE(remove, MADV_REMOVE, ON_ALL(EACCES), NULL, KEEP)
MADV_PRIVATE_CASE(dontfork, MADV_DONTFORK, OK, "dc", KEEP)
MADV_PRIVATE_CASE(dofork, MADV_DOFORK, DOFORK_ERR, NULL, KEEP)
MADV_PRIVATE_CASE(dodump, MADV_DODUMP, EINVAL_ALL, NULL, KEEP)
MADV_PRIVATE_CASE(wipeonfork, MADV_WIPEONFORK, EINVAL_ALL, NULL, KEEP)
MADV_PRIVATE_CASE(cold, MADV_COLD, OK, NULL, KEEP)
MADV_PRIVATE_CASE(pageout, MADV_PAGEOUT, OK, NULL, KEEP)
MADV_PRIVATE_CASE(populate_read, MADV_POPULATE_READ, SINCE_6_1, NULL, FILL)
/* a write fault of a read-only mapping */
MADV_PRIVATE_CASE(populate_write, MADV_POPULATE_WRITE, EINVAL_ALL, NULL,
		  KEEP)
MADV_PRIVATE_CASE(dontneed_locked, MADV_DONTNEED_LOCKED, SINCE_6_1, NULL,
		  DROP)

/* Pages 0 to MADV_TOUCHED - 1 are touched before the advice. */
#define MADV_TOUCHED	8

FIXTURE_SETUP(madv)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR, variant->mode,
			      variant->window, MM_PAGES);
	self->kernel = mapdrv_kernel();
	self->len = MM_PAGES * self->dev.page;
	self->err = variant->err[self->kernel];
	if ((variant->advice == MADV_MERGEABLE ||
	     variant->advice == MADV_UNMERGEABLE) &&
	    access("/sys/kernel/mm/ksm", F_OK))
		self->err = EINVAL;	/* no CONFIG_KSM */
	self->report = mapdrv_report_new();
	ASSERT_NE(NULL, self->report);
}

FIXTURE_TEARDOWN(madv)
{
	mapdrv_report_free(self->report);
	close(self->dev.fd);
}

/* What the advice did, as the bounded child saw it. */
struct madv_facts {
	int err;		/* errno of madvise(), or 0 */
	long before, after;	/* resident pages */
	char flags_before[256], flags_after[256];
	int data_bad;		/* mm_check_data() after the advice */
	char why[256];
};

struct madv_case {
	FIXTURE_DATA(madv) *self;
	const FIXTURE_VARIANT(madv) *variant;
	struct madv_facts *facts;
};

static int madv_run(void *arg)
{
	struct madv_case *c = arg;
	FIXTURE_DATA(madv) *self = c->self;
	struct madv_facts *f = c->facts;
	struct mapdrv_report *r = self->report;
	uint8_t *p;
	int fd = self->dev.fd;
	size_t i;

	if (c->variant->private_ro) {
		fd = mapdrv_open(O_RDONLY);
		MAPDRV_CHILD_CHECK(r, fd >= 0 &&
				   !mapdrv_set_mode(fd, c->variant->mode,
						    c->variant->window),
				   "open: %s", strerror(errno));
		p = mmap(NULL, self->len, PROT_READ, MAP_PRIVATE, fd, 0);
	} else {
		p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
	}
	MAPDRV_CHILD_CHECK(r, p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < MADV_TOUCHED; i++)
		mapdrv_touch(p + i * self->dev.page);
	f->before = mapdrv_resident_pages(p, MM_PAGES, NULL);
	mapdrv_vma_flags(p, f->flags_before, sizeof(f->flags_before));
	mapdrv_doing(r, "madvise(%d)", c->variant->advice);
	f->err = madvise(p, self->len, c->variant->advice) ? errno : 0;
	f->after = mapdrv_resident_pages(p, MM_PAGES, NULL);
	mapdrv_vma_flags(p, f->flags_after, sizeof(f->flags_after));
	mapdrv_doing(r, "reading the mapping after madvise(%d)",
		     c->variant->advice);
	f->data_bad = mm_check_data(self->dev.fd, p, 0, self->len,
				    self->dev.seed, NULL, f->why,
				    sizeof(f->why));
	return 0;
}

/* Run the advice in a bounded child; what it saw. */
static struct madv_facts *madv_do(struct __test_metadata *_metadata,
				  FIXTURE_DATA(madv) *self,
				  const FIXTURE_VARIANT(madv) *variant)
{
	struct madv_facts *f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct madv_case c = { .self = self, .variant = variant, .facts = f };

	ASSERT_NE(MAP_FAILED, f);
	mapdrv_must_run_bounded(_metadata, "madvise", madv_run, &c,
				self->report, MM_DEADLINE_MS);
	return f;
}

TEST_F(madv, result_is_the_documented_one)
{
	struct madv_facts *f = madv_do(_metadata, self, variant);

	EXPECT_EQ(self->err, f->err)
		TH_LOG("%s: madvise(%d) gave %s, the table says %s",
		       mapdrv_kernel_name(self->kernel), variant->advice,
		       f->err ? strerror(f->err) : "success",
		       self->err ? strerror(self->err) : "success");
	munmap(f, sizeof(*f));
}

/* Only the documented flag comes (if the advice works); none goes. */
TEST_F(madv, vma_flags_change_as_documented)
{
	struct madv_facts *f = madv_do(_metadata, self, variant);
	const char *flag = self->err ? NULL : variant->flag;
	char list[256], *mn, *save;

	snprintf(list, sizeof(list), "%s", f->flags_before);
	for (mn = strtok_r(list, "\n ", &save); mn;
	     mn = strtok_r(NULL, "\n ", &save)) {
		EXPECT_TRUE(mapdrv_vma_has_flag(f->flags_after, mn))
			TH_LOG("\"%s\" went: VmFlags:%s", mn, f->flags_after);
	}
	snprintf(list, sizeof(list), "%s", f->flags_after);
	for (mn = strtok_r(list, "\n ", &save); mn;
	     mn = strtok_r(NULL, "\n ", &save)) {
		if (flag && !strcmp(mn, flag))
			continue;
		EXPECT_TRUE(mapdrv_vma_has_flag(f->flags_before, mn))
			TH_LOG("\"%s\" came: VmFlags:%s", mn, f->flags_after);
	}
	if (flag) {
		EXPECT_TRUE(mapdrv_vma_has_flag(f->flags_after, flag))
			TH_LOG("no \"%s\": VmFlags:%s", flag, f->flags_after);
	}
	munmap(f, sizeof(*f));
}

TEST_F(madv, resident_pages_and_data_are_as_documented)
{
	struct madv_facts *f = madv_do(_metadata, self, variant);
	enum madv_resident res = self->err ? KEEP : variant->resident;
	struct mapdrv_model m;

	mapdrv_must_model(_metadata, &m, variant->mode, variant->window, 0,
			  MM_PAGES);
	mapdrv_model_touch_range(&m, 0, MADV_TOUCHED);
	EXPECT_EQ((long)mapdrv_model_resident(&m), f->before);
	EXPECT_EQ(res == DROP ? 0 : res == FILL ? MM_PAGES : f->before,
		  f->after);
	EXPECT_EQ(0, f->data_bad) TH_LOG("%s", f->why);
	mapdrv_model_free(&m);
	munmap(f, sizeof(*f));
}

TEST_HARNESS_MAIN
