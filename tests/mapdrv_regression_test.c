// SPDX-License-Identifier: GPL-2.0
/*
 * Regressions: bugs that mapdrv-stress, trinity or the debug kernel found,
 * one test each, named after the behaviour that was broken.
 *
 * 1. write()/pwrite() from a source that faults: copy_from_user() zero-fills
 *    what it cannot copy, and mapdrv used to copy straight into the buffer
 *    (simple_write_to_buffer()), so an EFAULT write, or a short one, wiped
 *    the bytes behind it for every mapping (mapdrv-stress, seed 0x1).
 * 2. A read of a page under a userfaultfd-wp PTE marker never returned in
 *    the around and eager modes (issue 10): vm_insert_pages() refuses a PTE
 *    that is not pte_none() with EBUSY, the handler stepped over it and
 *    returned VM_FAULT_NOPAGE with the page still unmapped, and the access
 *    faulted again, forever. 6.7+ with UFFD_FEATURE_WP_ASYNC, which leaves
 *    markers in the empty PTEs of any VMA it write-protects.
 * 3. fault_errors was counted and shown nowhere (issue 10): INFO has it
 *    (ABI 2, where reserved[0] was) and so has sysfs.
 */
#include "kselftest_harness.h"

#include <poll.h>
#include <signal.h>
#include <linux/userfaultfd.h>

#include "mapdrv_test_util.h"

MAPDRV_TEST_NEEDS_DEVICE();

FIXTURE(regression) {
	struct mapdrv_test_dev dev;	/* O_RDWR; the teardown restamps */
};

FIXTURE_SETUP(regression)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR,
			      MAPDRV_TEST_DEFAULT_MODE, 0, 2);
}

FIXTURE_TEARDOWN(regression)
{
	mapdrv_test_dev_teardown(_metadata, &self->dev, true);
}

TEST_F(regression, efault_write_changes_nothing)
{
	uint8_t *none = mmap(NULL, self->dev.page, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t off = self->dev.page;
	uint8_t back[16];

	ASSERT_NE(MAP_FAILED, none);
	ASSERT_EQ(-1, pwrite(self->dev.fd, none, sizeof(back), (off_t)off));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(16, pread(self->dev.fd, back, sizeof(back), (off_t)off));
	EXPECT_EQ(-1, mapdrv_check_pattern(back, sizeof(back), off,
					   self->dev.seed));
	munmap(none, self->dev.page);
}

TEST_F(regression, short_write_changes_nothing_past_what_it_returns)
{
	/* 8 good bytes at the end of a page, then a PROT_NONE page. */
	uint8_t *src = mmap(NULL, 2 * self->dev.page, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t off = self->dev.page,
		 word = ~mapdrv_pattern(self->dev.seed, off);
	uint8_t back[32];

	ASSERT_NE(MAP_FAILED, src);
	ASSERT_EQ(0, mprotect(src + self->dev.page, self->dev.page, PROT_NONE));
	memcpy(src + self->dev.page - 8, &word, 8);
	EXPECT_EQ(8, pwrite(self->dev.fd, src + self->dev.page - 8, 32,
			    (off_t)off));
	ASSERT_EQ(32, pread(self->dev.fd, back, sizeof(back), (off_t)off));
	EXPECT_EQ(0, memcmp(back, &word, 8));
	EXPECT_EQ(-1,
		  mapdrv_check_pattern(back + 8, 24, off + 8, self->dev.seed));
	munmap(src, 2 * self->dev.page);
}

TEST_F(regression, fault_errors_shown_in_info_and_sysfs)
{
	struct mapdrv_info info;
	uint64_t sysfs = UINT64_MAX;
	int ret;

	ret = mapdrv_sysfs_u64("fault_errors", false, &sysfs);
	ASSERT_EQ(0, ret) TH_LOG("sysfs fault_errors: %s", strerror(-ret));
	info = mapdrv_must_info(_metadata, self->dev.fd);
	/* Nothing in the suite makes a fault fail: both must say 0. */
	EXPECT_EQ(0ULL, info.fault_errors);
	EXPECT_EQ(0ULL, sysfs);
	EXPECT_EQ(2U, info.abi_version);
}

/*
 * The uffd-wp marker repro, in every mode. The whole repro runs in a child
 * (the markers are the child's own: fork() does not copy them into a child
 * whose userfaultfd context has no UFFD_FEATURE_EVENT_FORK), which sends
 * what it found through a pipe; the parent waits for it at most
 * MAPDRV_UFFD_WAIT_S seconds, then kills it and fails: a hang is a failure,
 * not a timeout of the harness.
 */
#define MAPDRV_UFFD_PAGES	64
#define MAPDRV_UFFD_WAIT_S	10

/* How far the child got; the steps before READ are its setup. */
enum mapdrv_uffd_step {
	UFFD_STEP_OPEN = 1,
	UFFD_STEP_SET_MODE,
	UFFD_STEP_MMAP,
	UFFD_STEP_DONTNEED,
	UFFD_STEP_USERFAULTFD,
	UFFD_STEP_API,		/* UFFDIO_API with WP_ASYNC | WP_UNPOPULATED */
	UFFD_STEP_REGISTER,
	UFFD_STEP_WRITEPROTECT,
	UFFD_STEP_READ,		/* done: @bytes holds what was read */
};

struct mapdrv_uffd_result {
	int32_t step;		/* the step that failed, or UFFD_STEP_READ */
	int32_t err;		/* its errno; 0 after UFFD_STEP_READ */
	uint64_t features;	/* UFFDIO_API with no feature asked: what it offers */
	uint8_t bytes[MAPDRV_UFFD_PAGES]; /* byte 0 of each page */
};

static void mapdrv_uffd_report(int fd, struct mapdrv_uffd_result *r,
			       int step, int err)
{
	r->step = step;
	r->err = err;
	if (write(fd, r, sizeof(*r)) != sizeof(*r))
		_exit(3);
	_exit(0);
}

/* The repro, in the child: reports through @out and exits. */
static void mapdrv_uffd_child(int out, uint32_t mode, uint32_t window,
			      size_t page)
{
	struct mapdrv_uffd_result r = { 0 };
	size_t len = MAPDRV_UFFD_PAGES * page;
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED,
	};
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	volatile uint8_t *p;
	int fd, uffd, i;

	fd = mapdrv_open(O_RDWR);
	if (fd < 0)
		mapdrv_uffd_report(out, &r, UFFD_STEP_OPEN, errno);
	if (mapdrv_set_mode(fd, mode, window))
		mapdrv_uffd_report(out, &r, UFFD_STEP_SET_MODE, errno);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		mapdrv_uffd_report(out, &r, UFFD_STEP_MMAP, errno);
	if (madvise((void *)p, len, MADV_DONTNEED))
		mapdrv_uffd_report(out, &r, UFFD_STEP_DONTNEED, errno);
	uffd = mapdrv_userfaultfd(O_CLOEXEC);
	if (uffd < 0)
		mapdrv_uffd_report(out, &r, UFFD_STEP_USERFAULTFD, errno);
	if (ioctl(uffd, UFFDIO_API, &api)) {
		int err = errno;

		r.features = mapdrv_uffd_features();
		mapdrv_uffd_report(out, &r, UFFD_STEP_API, err);
	}
	r.features = api.features;
	reg.range.start = (uintptr_t)p;
	reg.range.len = len;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		mapdrv_uffd_report(out, &r, UFFD_STEP_REGISTER, errno);
	wp.range = reg.range;
	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
		mapdrv_uffd_report(out, &r, UFFD_STEP_WRITEPROTECT, errno);
	/* Page 0 first: the read that never returned. */
	for (i = 0; i < MAPDRV_UFFD_PAGES; i++)
		r.bytes[i] = p[i * page];
	mapdrv_uffd_report(out, &r, UFFD_STEP_READ, 0);
}

FIXTURE(uffd_wp) {
	struct mapdrv_test_dev dev;	/* O_RDONLY: page size, seed */
};

FIXTURE_VARIANT(uffd_wp) {
	uint32_t mode, window;
};

MAPDRV_MODE_VARIANTS(uffd_wp)

FIXTURE_SETUP(uffd_wp)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDONLY,
			      MAPDRV_TEST_DEFAULT_MODE, 0, MAPDRV_UFFD_PAGES);
}

FIXTURE_TEARDOWN(uffd_wp)
{
	close(self->dev.fd);
}

/*
 * Where a kernel cannot put markers in a mapdrv VMA there is nothing to
 * reproduce, and the test asserts the documented refusal and passes:
 *  - without UFFD_FEATURE_WP_ASYNC (before 6.7: 5.10, 6.1), UFFDIO_API
 *    refuses the features with EINVAL (an unknown feature bit), and the
 *    features it offers do not list WP_ASYNC;
 *  - from 7.x, and on 6.12.y from 6.12.105 (a stable backport),
 *    UFFDIO_REGISTER refuses the VMA with EINVAL (no VM_SPECIAL VMA may
 *    register; 7.x also asks for vm_uffd_ops).
 * It skips only where the kernel has no userfaultfd at all (ENOSYS).
 */
TEST_F(uffd_wp, read_under_a_wp_marker_returns_the_data)
{
	struct mapdrv_uffd_result r = { 0 };
	struct pollfd pfd;
	int pipefd[2], i, ready;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pipefd[0]);
		mapdrv_uffd_child(pipefd[1], variant->mode, variant->window,
				  self->dev.page);
	}
	close(pipefd[1]);
	pfd = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	ready = poll(&pfd, 1, MAPDRV_UFFD_WAIT_S * 1000);
	if (ready <= 0) {
		kill(pid, SIGKILL);
		mapdrv_wait_child(pid);
		close(pipefd[0]);
		ASSERT_EQ(1, ready)
			TH_LOG("%s mode: the child did not finish in %d s: a read under a uffd-wp marker never returned",
			       mapdrv_mode_name(variant->mode),
			       MAPDRV_UFFD_WAIT_S);
	}
	n = read(pipefd[0], &r, sizeof(r));
	close(pipefd[0]);
	EXPECT_EQ(0, mapdrv_wait_child(pid));
	ASSERT_EQ((ssize_t)sizeof(r), n);

	if (r.step == UFFD_STEP_USERFAULTFD && r.err == ENOSYS)
		SKIP(return, "kernel lacks userfaultfd (ENOSYS)");
	if (r.step == UFFD_STEP_API) {
		/* The kernel lacks the feature: the documented refusal. */
		EXPECT_EQ(EINVAL, r.err) TH_LOG("UFFDIO_API: %s", strerror(r.err));
		EXPECT_EQ(0ULL, r.features & UFFD_FEATURE_WP_ASYNC)
			TH_LOG("UFFDIO_API refused WP_ASYNC but offers it (features %#llx)",
			       (unsigned long long)r.features);
		TH_LOG("no UFFD_FEATURE_WP_ASYNC on this kernel (UFFDIO_API: EINVAL): no markers to meet");
		return;
	}
	if (r.step == UFFD_STEP_REGISTER && r.err == EINVAL) {
		/*
		 * 7.x: userfaultfd registers only VMAs whose vm_ops have
		 * uffd_ops, and never a VM_SPECIAL one: a mapdrv VMA gets
		 * no markers; so does 6.12.y from 6.12.105. Before, WP_ASYNC
		 * took any VMA (6.7 to 6.x).
		 */
		TH_LOG("UFFDIO_REGISTER refuses a mapdrv VMA (EINVAL): no markers to meet");
		return;
	}
	ASSERT_EQ(UFFD_STEP_READ, r.step)
		TH_LOG("the child failed at step %d: %s", r.step,
		       strerror(r.err));
	EXPECT_NE(0ULL, r.features & UFFD_FEATURE_WP_ASYNC);
	for (i = 0; i < MAPDRV_UFFD_PAGES; i++) {
		EXPECT_EQ(mapdrv_pattern_byte(self->dev.seed,
					      (uint64_t)i * self->dev.page),
			  r.bytes[i]) TH_LOG("page %d", i);
	}
}

TEST_HARNESS_MAIN
