// SPDX-License-Identifier: GPL-2.0
/*
 * mmap() of /dev/mapdrv: the bounds, lazy faults, shared writes, read-only
 * private mappings, mremap, the VMA count and faults from several threads.
 *
 * Every fixture runs in every mapping mode (MAPDRV_FOR_EACH_TEST_MODE: a
 * fixture variant each), set with SET_MODE on every descriptor the tests
 * map. What the modes change, which pages are resident and how many faults
 * the driver serves, is checked against the model of mapdrv_test_util.h;
 * everything else must hold the same in every mode.
 *
 * The harness runs every test in a process of its own, one after another,
 * and nothing else uses the device meanwhile: the module's counters move
 * only because of what the test does, so the tests compare them before and
 * after. A test that writes to the buffer sets ->dirty and the teardown
 * restamps the buffer with the seed the setup found.
 */
#include "kselftest_harness.h"

#include <pthread.h>

#include "mapdrv_test_util.h"

MAPDRV_TEST_NEEDS_DEVICE();

/* A word that is never the pattern at @off. */
static uint64_t not_pattern(uint64_t seed, uint64_t off)
{
	return ~mapdrv_pattern(seed, off);
}

FIXTURE(mmap) {
	struct mapdrv_test_dev dev;	/* O_RDWR, in the variant's mode */
	bool dirty;		/* the test wrote to the buffer */
};

FIXTURE_VARIANT(mmap) {
	uint32_t mode, window;	/* for SET_MODE */
};

MAPDRV_MODE_VARIANTS(mmap)

FIXTURE_SETUP(mmap)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR, variant->mode,
			      variant->window, 0);
}

FIXTURE_TEARDOWN(mmap)
{
	mapdrv_test_dev_teardown(_metadata, &self->dev, self->dirty);
}

/* Another descriptor of the device, in the variant's mode. */
static int open_in_mode(struct __test_metadata *_metadata,
			const FIXTURE_VARIANT(mmap) *variant, int flags)
{
	return mapdrv_must_open_mode(_metadata, flags, variant->mode,
				     variant->window);
}

/* Skip the test unless the buffer has @n pages (the setup asks for none). */
#define REQUIRE_PAGES(n)						\
	do {								\
		if (self->dev.npages < (n))				\
			SKIP(return, "needs a buffer of %d pages", n);	\
	} while (0)

/* Pages the fault tests touch: enough to matter, few enough to be quick. */
static size_t some_pages(size_t npages)
{
	return npages < 64 ? npages : 64;
}

/*
 * The descriptor a test maps: the fixture's own for O_RDWR, else another
 * one opened with @flags in the variant's mode. put_fd() closes the other.
 */
static int get_fd(struct __test_metadata *_metadata,
		  FIXTURE_DATA(mmap) *self,
		  const FIXTURE_VARIANT(mmap) *variant, int flags)
{
	return flags == O_RDWR ? self->dev.fd :
				 open_in_mode(_metadata, variant, flags);
}

static void put_fd(FIXTURE_DATA(mmap) *self, int fd)
{
	if (fd != self->dev.fd)
		close(fd);
}

/*
 * A PROT_READ mapping (@flags) of the whole buffer through get_fd(@fd_flags):
 * the offset of its first byte that is not the pattern, or -1.
 */
static int64_t whole_buffer_pattern(struct __test_metadata *_metadata,
				    FIXTURE_DATA(mmap) *self,
				    const FIXTURE_VARIANT(mmap) *variant,
				    int fd_flags, int flags)
{
	int fd = get_fd(_metadata, self, variant, fd_flags);
	void *p = mapdrv_must_map(_metadata, fd, 0, self->dev.size, PROT_READ,
				  flags);
	int64_t bad = mapdrv_check_pattern(p, self->dev.size, 0,
					   self->dev.seed);

	munmap(p, self->dev.size);
	put_fd(self, fd);
	return bad;
}

/*
 * A writable mapping (@flags) of the first page through get_fd(@fd_flags)
 * must fail, with @err.
 */
static void expect_mmap_refused(struct __test_metadata *_metadata,
				FIXTURE_DATA(mmap) *self,
				const FIXTURE_VARIANT(mmap) *variant,
				int fd_flags, int flags, int err)
{
	int fd = get_fd(_metadata, self, variant, fd_flags);
	void *p = mmap(NULL, self->dev.page, PROT_READ | PROT_WRITE, flags,
		       fd, 0);

	ASSERT_EQ(MAP_FAILED, p)
		munmap(p, self->dev.page);
	EXPECT_EQ(err, errno);
	put_fd(self, fd);
}

/*
 * mprotect() must not make a PROT_READ mapping (@flags) of the first page
 * through get_fd(@fd_flags) writable: EACCES.
 */
static void expect_mprotect_write_refused(struct __test_metadata *_metadata,
					  FIXTURE_DATA(mmap) *self,
					  const FIXTURE_VARIANT(mmap) *variant,
					  int fd_flags, int flags)
{
	int fd = get_fd(_metadata, self, variant, fd_flags);
	void *p = mapdrv_must_map(_metadata, fd, 0, self->dev.page, PROT_READ,
				  flags);

	EXPECT_EQ(-1, mprotect(p, self->dev.page, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(p, self->dev.page);
	put_fd(self, fd);
}

TEST_F(mmap, whole_buffer_shows_the_pattern)
{
	EXPECT_EQ(-1, whole_buffer_pattern(_metadata, self, variant, O_RDWR,
					   MAP_SHARED));
}

TEST_F(mmap, shared_mapping_of_a_read_only_fd_shows_the_pattern)
{
	EXPECT_EQ(-1, whole_buffer_pattern(_metadata, self, variant, O_RDONLY,
					   MAP_SHARED));
}

TEST_F(mmap, mapping_outlives_its_fd)
{
	int fd = open_in_mode(_metadata, variant, O_RDONLY);
	void *p;

	p = mapdrv_must_map(_metadata, fd, 0, self->dev.size, PROT_READ,
			    MAP_SHARED);
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(-1,
		  mapdrv_check_pattern(p, self->dev.size, 0, self->dev.seed));
	munmap(p, self->dev.size);
}

TEST_F(mmap, private_read_only_mapping_shows_the_pattern)
{
	EXPECT_EQ(-1, whole_buffer_pattern(_metadata, self, variant, O_RDWR,
					   MAP_PRIVATE));
}

/* The driver's own refusal: MAP_PRIVATE mappings are read-only. */
TEST_F(mmap, private_writable_mapping_is_eperm)
{
	expect_mmap_refused(_metadata, self, variant, O_RDWR, MAP_PRIVATE,
			    EPERM);
}

/*
 * The kernel lets a MAP_PRIVATE mapping of an O_RDONLY fd be writable (the
 * writes would go to private copies): refusing it is up to the driver.
 */
TEST_F(mmap, private_writable_mapping_of_a_read_only_fd_is_eperm)
{
	expect_mmap_refused(_metadata, self, variant, O_RDONLY, MAP_PRIVATE,
			    EPERM);
}

/*
 * EACCES comes from mprotect() itself, because the driver cleared
 * VM_MAYWRITE on the private mapping.
 */
TEST_F(mmap, private_mapping_cannot_be_made_writable_by_mprotect)
{
	expect_mprotect_write_refused(_metadata, self, variant, O_RDWR,
				      MAP_PRIVATE);
}

/* EACCES from the kernel's mmap(): the fd is not open for writing. */
TEST_F(mmap, shared_writable_mapping_of_a_read_only_fd_is_eacces)
{
	expect_mmap_refused(_metadata, self, variant, O_RDONLY, MAP_SHARED,
			    EACCES);
}

/*
 * EACCES from the kernel's mprotect(): mmap() took VM_MAYWRITE away because
 * the fd is read-only; a driver that put it back would fail here.
 */
TEST_F(mmap, shared_mapping_of_a_read_only_fd_cannot_be_made_writable)
{
	expect_mprotect_write_refused(_metadata, self, variant, O_RDONLY,
				      MAP_SHARED);
}

/* smaps shows VM_DONTEXPAND as "de" and VM_DONTDUMP as "dd". */
TEST_F(mmap, mapping_is_dontexpand_and_dontdump)
{
	char flags[256];
	void *p;

	if (access("/proc/self/smaps", R_OK))
		SKIP(return, "no /proc/self/smaps (CONFIG_PROC_PAGE_MONITOR=n?)");
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ, MAP_SHARED);
	ASSERT_EQ(0, mapdrv_vma_flags(p, flags, sizeof(flags)));
	EXPECT_TRUE(mapdrv_vma_has_flag(flags, "de")) TH_LOG("VmFlags:%s", flags);
	EXPECT_TRUE(mapdrv_vma_has_flag(flags, "dd")) TH_LOG("VmFlags:%s", flags);
	munmap(p, self->dev.page);
}

/* EFAULT comes from mremap() itself, for a VM_DONTEXPAND mapping. */
TEST_F(mmap, mremap_growing_in_place_is_efault)
{
	uint8_t *p;

	REQUIRE_PAGES(2);
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ, MAP_SHARED);
	EXPECT_EQ(MAP_FAILED, mremap(p, self->dev.page, 2 * self->dev.page, 0));
	EXPECT_EQ(EFAULT, errno);
	munmap(p, self->dev.page);
}

TEST_F(mmap, mremap_growing_with_maymove_is_efault)
{
	uint8_t *p, *q;

	REQUIRE_PAGES(2);
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ, MAP_SHARED);
	q = mremap(p, self->dev.page, 2 * self->dev.page, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q) {
		munmap(q, 2 * self->dev.page);
		return;
	}
	EXPECT_EQ(EFAULT, errno);
	munmap(p, self->dev.page);
}

TEST_F(mmap, mremap_shrinking_keeps_the_rest_readable)
{
	struct mapdrv_info before, after;
	uint8_t *p, *q;

	REQUIRE_PAGES(4);
	before = mapdrv_must_info(_metadata, self->dev.fd);
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, 4 * self->dev.page,
			    PROT_READ, MAP_SHARED);
	q = mremap(p, 4 * self->dev.page, 2 * self->dev.page, 0);
	ASSERT_EQ(p, q) TH_LOG("mremap: %s", strerror(errno));
	EXPECT_EQ(-1, mapdrv_check_pattern(p, 2 * self->dev.page, 0,
					   self->dev.seed));
	after = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(before.live_vmas + 1, after.live_vmas);
	munmap(p, 2 * self->dev.page);
}

TEST_F(mmap, mremap_moving_keeps_the_data_and_the_vma_count)
{
	struct mapdrv_info before, after;
	uint8_t *p, *q, *target;

	REQUIRE_PAGES(2);
	/* A free place to move to, reserved so nothing else lands there. */
	target = mmap(NULL, 2 * self->dev.page, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, target);
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, 2 * self->dev.page,
			    PROT_READ, MAP_SHARED);
	mapdrv_touch(p);
	before = mapdrv_must_info(_metadata, self->dev.fd);
	q = mremap(p, 2 * self->dev.page, 2 * self->dev.page,
		   MREMAP_MAYMOVE | MREMAP_FIXED, target);
	ASSERT_EQ(target, q) TH_LOG("mremap: %s", strerror(errno));
	EXPECT_EQ(-1, mapdrv_check_pattern(q, 2 * self->dev.page, 0,
					   self->dev.seed));
	after = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(before.live_vmas, after.live_vmas);
	munmap(q, 2 * self->dev.page);
}

/* Lazy modes map nothing at mmap() time; EAGER maps every page. */
TEST_F(mmap, untouched_pages_are_resident_only_in_eager_mode)
{
	long want = self->dev.mode == MAPDRV_MODE_EAGER ?
		    (long)self->dev.npages : 0;
	void *p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.size,
				  PROT_READ, MAP_SHARED);

	EXPECT_EQ(want, mapdrv_resident_pages(p, self->dev.npages, NULL));
	munmap(p, self->dev.size);
}

/* Its window: the page alone in FAULT mode; in EAGER mode, everything. */
TEST_F(mmap, touching_a_page_makes_exactly_its_window_resident)
{
	size_t n = self->dev.npages,
	       touched = n / 2 + 3 < n ? n / 2 + 3 : n - 1;
	struct mapdrv_model m;
	uint8_t *p;

	mapdrv_must_model(_metadata, &m, self->dev.mode, self->dev.window, 0,
			  n);
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.size,
			    PROT_READ, MAP_SHARED);
	mapdrv_touch(p + touched * self->dev.page);
	mapdrv_model_touch(&m, touched);
	mapdrv_expect_resident(_metadata, p, &m);
	munmap(p, self->dev.size);
	mapdrv_model_free(&m);
}

/* One fault per page in FAULT mode, per window in AROUND, none in EAGER. */
TEST_F(mmap, first_touch_of_each_window_is_one_fault)
{
	size_t n = some_pages(self->dev.npages), i;
	struct mapdrv_info before, after;
	struct mapdrv_model m;
	uint8_t *p;

	mapdrv_must_model(_metadata, &m, self->dev.mode, self->dev.window, 0,
			  n);
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, n * self->dev.page,
			    PROT_READ, MAP_SHARED);
	before = mapdrv_must_info(_metadata, self->dev.fd);
	/* every other page, and the last one; two words of each */
	for (i = 0; i < n; i++) {
		if (i % 2 && i != n - 1)
			continue;
		mapdrv_touch(p + i * self->dev.page);
		mapdrv_touch(p + (i + 1) * self->dev.page - 8);
		mapdrv_model_touch(&m, i);
	}
	after = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(m.faults, after.faults - before.faults);
	mapdrv_expect_resident(_metadata, p, &m);
	munmap(p, n * self->dev.page);
	mapdrv_model_free(&m);
}

TEST_F(mmap, touching_a_page_again_does_not_fault)
{
	size_t n = some_pages(self->dev.npages), i;
	struct mapdrv_info before, after;
	uint8_t *p;

	p = mapdrv_must_map(_metadata, self->dev.fd, 0, n * self->dev.page,
			    PROT_READ, MAP_SHARED);
	for (i = 0; i < n; i++)
		mapdrv_touch(p + i * self->dev.page);
	before = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(-1, mapdrv_check_pattern(p, n * self->dev.page, 0,
					   self->dev.seed));
	after = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(before.faults, after.faults);
	munmap(p, n * self->dev.page);
}

TEST_F(mmap, madvise_dontneed_makes_touched_pages_non_resident)
{
	size_t n = some_pages(self->dev.npages), i;
	uint8_t *p;

	p = mapdrv_must_map(_metadata, self->dev.fd, 0, n * self->dev.page,
			    PROT_READ, MAP_SHARED);
	for (i = 0; i < n; i++)
		mapdrv_touch(p + i * self->dev.page);
	ASSERT_EQ((long)n, mapdrv_resident_pages(p, n, NULL));
	ASSERT_EQ(0, madvise(p, n * self->dev.page, MADV_DONTNEED))
		TH_LOG("MADV_DONTNEED: %s", strerror(errno));
	EXPECT_EQ(0, mapdrv_resident_pages(p, n, NULL));
	munmap(p, n * self->dev.page);
}

TEST_F(mmap, touch_after_madvise_dontneed_is_exactly_one_more_fault)
{
	struct mapdrv_info before, after;
	uint8_t *p;

	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ, MAP_SHARED);
	mapdrv_touch(p);
	ASSERT_EQ(0, madvise(p, self->dev.page, MADV_DONTNEED))
		TH_LOG("MADV_DONTNEED: %s", strerror(errno));
	before = mapdrv_must_info(_metadata, self->dev.fd);
	mapdrv_touch(p);
	mapdrv_touch(p + self->dev.page - 8);
	after = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(1ULL, after.faults - before.faults);
	munmap(p, self->dev.page);
}

TEST_F(mmap, madvise_dontneed_keeps_what_was_written)
{
	uint64_t off = self->dev.page / 2,
		 word = not_pattern(self->dev.seed, off);
	uint8_t *p;

	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ | PROT_WRITE, MAP_SHARED);
	self->dirty = true;
	mapdrv_poke(p + off, word);
	ASSERT_EQ(0, madvise(p, self->dev.page, MADV_DONTNEED))
		TH_LOG("MADV_DONTNEED: %s", strerror(errno));
	EXPECT_EQ(word, mapdrv_touch(p + off));
	EXPECT_EQ(-1, mapdrv_check_pattern(p, off, 0, self->dev.seed));
	EXPECT_EQ(-1,
		  mapdrv_check_pattern(p + off + 8, self->dev.page - off - 8,
				       off + 8, self->dev.seed));
	munmap(p, self->dev.page);
}

TEST_F(mmap, shared_write_is_seen_by_another_mapping)
{
	uint64_t off = self->dev.page + 16,
		 word = not_pattern(self->dev.seed, off);
	uint8_t *a, *b;

	REQUIRE_PAGES(2);
	/* b maps the second page of a, at an address of its own */
	a = mapdrv_must_map(_metadata, self->dev.fd, 0, 2 * self->dev.page,
			    PROT_READ | PROT_WRITE, MAP_SHARED);
	b = mapdrv_must_map(_metadata, self->dev.fd, self->dev.page,
			    self->dev.page, PROT_READ, MAP_SHARED);
	mapdrv_touch(b);
	self->dirty = true;
	mapdrv_poke(a + off, word);
	EXPECT_EQ(word, mapdrv_touch(b + 16));
	munmap(b, self->dev.page);
	munmap(a, 2 * self->dev.page);
}

TEST_F(mmap, shared_write_is_seen_by_read)
{
	uint64_t off = 8 * 3, word = not_pattern(self->dev.seed, off), got = 0;
	uint8_t *p;

	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ | PROT_WRITE, MAP_SHARED);
	self->dirty = true;
	mapdrv_poke(p + off, word);
	ASSERT_EQ(8, pread(self->dev.fd, &got, 8, off));
	EXPECT_EQ(word, got);
	munmap(p, self->dev.page);
}

/* The parent writes only after the fork: the child must see the write. */
TEST_F(mmap, forked_child_sees_writes_made_after_the_fork)
{
	uint64_t off = 8 * 5, word = not_pattern(self->dev.seed, off);
	int go[2];
	uint8_t *p;
	pid_t pid;

	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_EQ(0, pipe(go));
	self->dirty = true;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		if (mapdrv_pipe_get(go[0]))
			_exit(2);
		_exit(mapdrv_touch(p + off) == word ? 0 : 1);
	}
	close(go[0]);
	mapdrv_poke(p + off, word);
	ASSERT_EQ(0, mapdrv_pipe_put(go[1]));
	close(go[1]);
	EXPECT_EQ(0, mapdrv_wait_child(pid))
		TH_LOG("the child did not see the parent's write");
	munmap(p, self->dev.page);
}

/* The parent touched the page before the fork, so it has it mapped. */
TEST_F(mmap, parent_sees_writes_of_a_forked_child)
{
	uint64_t off = 8 * 7, word = not_pattern(self->dev.seed, off);
	uint8_t *p;
	pid_t pid;

	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ | PROT_WRITE, MAP_SHARED);
	mapdrv_touch(p + off);
	self->dirty = true;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mapdrv_poke(p + off, word);
		_exit(0);
	}
	ASSERT_EQ(0, mapdrv_wait_child(pid));
	EXPECT_EQ(word, mapdrv_touch(p + off));
	munmap(p, self->dev.page);
}

TEST_F(mmap, each_mmap_adds_one_live_vma_and_one_mmap_call)
{
	struct mapdrv_info before, one, two;
	uint8_t *a, *b;

	REQUIRE_PAGES(4);
	before = mapdrv_must_info(_metadata, self->dev.fd);
	/* offsets apart, so that the two can never be one VMA */
	a = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ, MAP_SHARED);
	one = mapdrv_must_info(_metadata, self->dev.fd);
	b = mapdrv_must_map(_metadata, self->dev.fd, 3 * self->dev.page,
			    self->dev.page, PROT_READ, MAP_SHARED);
	two = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(before.live_vmas + 1, one.live_vmas);
	EXPECT_EQ(before.live_vmas + 2, two.live_vmas);
	EXPECT_EQ(before.mmap_calls + 1, one.mmap_calls);
	EXPECT_EQ(before.mmap_calls + 2, two.mmap_calls);
	munmap(a, self->dev.page);
	munmap(b, self->dev.page);
}

TEST_F(mmap, munmap_of_every_mapping_restores_live_vmas)
{
	struct mapdrv_info before, after;
	uint8_t *a, *b;

	REQUIRE_PAGES(4);
	before = mapdrv_must_info(_metadata, self->dev.fd);
	a = mapdrv_must_map(_metadata, self->dev.fd, 0, 2 * self->dev.page,
			    PROT_READ, MAP_SHARED);
	b = mapdrv_must_map(_metadata, self->dev.fd, 3 * self->dev.page,
			    self->dev.page, PROT_READ, MAP_SHARED);
	mapdrv_touch(a);
	mapdrv_touch(b);
	ASSERT_EQ(0, munmap(a, 2 * self->dev.page));
	ASSERT_EQ(0, munmap(b, self->dev.page));
	after = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(before.live_vmas, after.live_vmas);
}

TEST_F(mmap, munmap_of_the_middle_splits_one_vma_into_two)
{
	struct mapdrv_info before, mapped, split, after;
	uint8_t *p;

	REQUIRE_PAGES(3);
	before = mapdrv_must_info(_metadata, self->dev.fd);
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, 3 * self->dev.page,
			    PROT_READ, MAP_SHARED);
	mapped = mapdrv_must_info(_metadata, self->dev.fd);
	ASSERT_EQ(0, munmap(p + self->dev.page, self->dev.page));
	split = mapdrv_must_info(_metadata, self->dev.fd);
	ASSERT_EQ(0, munmap(p, self->dev.page));
	ASSERT_EQ(0, munmap(p + 2 * self->dev.page, self->dev.page));
	after = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(before.live_vmas + 1, mapped.live_vmas);
	EXPECT_EQ(before.live_vmas + 2, split.live_vmas);
	EXPECT_EQ(before.live_vmas, after.live_vmas);
}

TEST_F(mmap, both_parts_of_a_split_mapping_still_read_the_pattern)
{
	uint64_t off;
	uint8_t *p;

	REQUIRE_PAGES(4);
	/* from page 1 on, so that the pages' offsets are not their indexes */
	off = self->dev.page;
	p = mapdrv_must_map(_metadata, self->dev.fd, off, 3 * self->dev.page,
			    PROT_READ, MAP_SHARED);
	ASSERT_EQ(0, munmap(p + self->dev.page, self->dev.page));
	EXPECT_EQ(-1,
		  mapdrv_check_pattern(p, self->dev.page, off, self->dev.seed));
	EXPECT_EQ(-1, mapdrv_check_pattern(p + 2 * self->dev.page,
					   self->dev.page,
					   off + 2 * self->dev.page,
					   self->dev.seed));
	munmap(p, self->dev.page);
	munmap(p + 2 * self->dev.page, self->dev.page);
}

/*
 * Map buffer pages 0 and 3 (apart, so never one VMA) into @two, note INFO
 * in @before and fork a child that holds both mappings until the caller
 * writes to go[1]: its pid (mapdrv_fork_holder()). Needs 4 pages.
 */
static pid_t fork_holding_two_mappings(struct __test_metadata *_metadata,
				       const struct mapdrv_test_dev *dev,
				       uint8_t *two[2],
				       struct mapdrv_info *before, int go[2])
{
	int ready[2];

	two[0] = mapdrv_must_map(_metadata, dev->fd, 0, dev->page, PROT_READ,
				 MAP_SHARED);
	two[1] = mapdrv_must_map(_metadata, dev->fd, 3 * dev->page, dev->page,
				 PROT_READ, MAP_SHARED);
	*before = mapdrv_must_info(_metadata, dev->fd);
	return mapdrv_fork_holder(_metadata, ready, go);
}

TEST_F(mmap, fork_adds_one_live_vma_per_mapping)
{
	struct mapdrv_info before, forked;
	uint8_t *two[2];
	int go[2];
	pid_t pid;

	REQUIRE_PAGES(4);
	pid = fork_holding_two_mappings(_metadata, &self->dev, two, &before,
					go);
	forked = mapdrv_must_info(_metadata, self->dev.fd);
	mapdrv_pipe_put(go[1]);
	EXPECT_EQ(0, mapdrv_wait_child(pid));
	EXPECT_EQ(before.live_vmas + 2, forked.live_vmas);
	munmap(two[0], self->dev.page);
	munmap(two[1], self->dev.page);
}

TEST_F(mmap, exit_of_a_forked_child_drops_its_live_vmas)
{
	struct mapdrv_info before, after;
	uint8_t *two[2];
	int go[2];
	pid_t pid;

	REQUIRE_PAGES(4);
	pid = fork_holding_two_mappings(_metadata, &self->dev, two, &before,
					go);
	mapdrv_pipe_put(go[1]);
	ASSERT_EQ(0, mapdrv_wait_child(pid));
	after = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(before.live_vmas, after.live_vmas);
	munmap(two[0], self->dev.page);
	munmap(two[1], self->dev.page);
}

/*
 * mmap() bounds, one case per variant, each in every mode (first_page_fault,
 * first_page_around_1, ...: RANGE_CASE). Offset and length are
 * sizes * (buffer size) + pages * (page size) + bytes, modulo 2^64, so that
 * the cases fit any buffer size. The checks that come from the kernel
 * rather than from the driver are marked so; see do_mmap(), file_mmap_ok()
 * and get_unmapped_area() in mm/mmap.c, and the arch's sys_mmap().
 */
FIXTURE(mmap_range) {
	struct mapdrv_test_dev dev;	/* O_RDONLY, in the variant's mode */
	uint64_t off, len;
};

FIXTURE_VARIANT(mmap_range) {
	int off_sizes, off_pages;
	uint64_t off_bytes;
	int len_sizes, len_pages;
	uint64_t len_bytes;
	int err;		/* 0: the mmap must work */
	int err_alt;		/* another acceptable errno, or 0 */
	size_t min_pages;	/* the case needs a buffer this large */
	uint32_t mode, window;	/* for SET_MODE */
};

#define RANGE_IN_MODE(mode_name, m, w, name, ...)			\
	FIXTURE_VARIANT_ADD(mmap_range, name##_##mode_name) {		\
		.mode = m, .window = w, __VA_ARGS__			\
	};
#define RANGE_CASE(name, ...)						\
	MAPDRV_FOR_EACH_TEST_MODE(RANGE_IN_MODE, name, __VA_ARGS__)

RANGE_CASE(first_page,
	   .len_pages = 1)

RANGE_CASE(last_page,
	   .off_sizes = 1, .off_pages = -1, .len_pages = 1)

RANGE_CASE(exactly_the_whole_buffer,
	   .len_sizes = 1)

RANGE_CASE(all_but_the_first_page,
	   .off_pages = 1, .len_sizes = 1, .len_pages = -1, .min_pages = 2)

/* The kernel rounds the length up to whole pages: two pages here... */
RANGE_CASE(a_page_and_a_byte,
	   .len_pages = 1, .len_bytes = 1, .min_pages = 2)

/* ... and the whole buffer here. */
RANGE_CASE(the_whole_buffer_but_a_byte,
	   .len_sizes = 1, .len_bytes = -1ULL)

RANGE_CASE(one_page_more_than_the_buffer,
	   .len_sizes = 1, .len_pages = 1, .err = EINVAL)

RANGE_CASE(last_page_and_one_past_the_end,
	   .off_sizes = 1, .off_pages = -1, .len_pages = 2, .err = EINVAL)

/* Rounded up to two pages, which go past the end. */
RANGE_CASE(last_page_and_a_byte,
	   .off_sizes = 1, .off_pages = -1, .len_pages = 1, .len_bytes = 1,
	   .err = EINVAL)

RANGE_CASE(offset_equal_to_the_size,
	   .off_sizes = 1, .len_pages = 1, .err = EINVAL)

RANGE_CASE(offset_a_page_past_the_end,
	   .off_sizes = 1, .off_pages = 1, .len_pages = 1, .err = EINVAL)

/* Negative as a loff_t: catches a signed bounds check. */
RANGE_CASE(offset_2_pow_63,
	   .off_bytes = 1ULL << 63, .len_pages = 1, .err = EINVAL)

/*
 * The highest offset the kernel lets through to the driver for one page
 * (file_mmap_ok() caps offset + length at ULONG_MAX for a char device).
 */
RANGE_CASE(offset_two_pages_below_2_pow_64,
	   .off_pages = -2, .len_pages = 1, .err = EINVAL)

/*
 * offset + length wraps past 2^64: the kernel refuses it itself with
 * EOVERFLOW (file_mmap_ok(), since 4.16); EINVAL if the driver got it.
 */
RANGE_CASE(offset_plus_length_wrapping_past_2_pow_64,
	   .off_pages = -1, .len_pages = 2, .err = EOVERFLOW, .err_alt = EINVAL)

/* Fits the address space, so it is the driver that must refuse it. */
RANGE_CASE(length_of_1_tib,
	   .len_bytes = 1ULL << 40, .err = EINVAL)

/*
 * Longer than TASK_SIZE: ENOMEM from get_unmapped_area(), the kernel's. On
 * s390x the address space grows on demand up to 2^64 (crst_table_upgrade()),
 * so the length fits and file_mmap_ok()'s EOVERFLOW comes first: also the
 * kernel's, before the driver.
 */
RANGE_CASE(offset_and_length_of_2_pow_63,
	   .off_bytes = 1ULL << 63, .len_bytes = 1ULL << 63, .err = ENOMEM,
	   .err_alt = EOVERFLOW)

/* EINVAL from the arch's mmap syscall, before the driver. */
RANGE_CASE(unaligned_offset,
	   .off_bytes = 8, .len_pages = 1, .err = EINVAL)

/* EINVAL from do_mmap(), before the driver. */
RANGE_CASE(zero_length,
	   .err = EINVAL)

FIXTURE_SETUP(mmap_range)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDONLY, variant->mode,
			      variant->window, variant->min_pages);
	self->off = (uint64_t)(int64_t)variant->off_sizes * self->dev.size +
		    (uint64_t)(int64_t)variant->off_pages * self->dev.page +
		    variant->off_bytes;
	self->len = (uint64_t)(int64_t)variant->len_sizes * self->dev.size +
		    (uint64_t)(int64_t)variant->len_pages * self->dev.page +
		    variant->len_bytes;
}

FIXTURE_TEARDOWN(mmap_range)
{
	close(self->dev.fd);
}

TEST_F(mmap_range, mmap_works_or_fails_as_the_bounds_say)
{
	uint8_t *p = mapdrv_sys_mmap(NULL, self->len, PROT_READ, MAP_SHARED,
				     self->dev.fd, self->off);
	uint64_t mapped = mapdrv_round_up(self->len, self->dev.page);
	int err = errno;

	if (variant->err) {
		ASSERT_EQ(MAP_FAILED, p) {
			TH_LOG("offset %#llx length %#llx was mapped",
			       (unsigned long long)self->off,
			       (unsigned long long)self->len);
			munmap(p, mapped);
		}
		EXPECT_TRUE(err == variant->err ||
			    (variant->err_alt && err == variant->err_alt))
			TH_LOG("errno %d (%s), expected %d (%s)", err,
			       strerror(err), variant->err,
			       strerror(variant->err));
		return;
	}
	ASSERT_NE(MAP_FAILED, p)
		TH_LOG("offset %#llx length %#llx: %s",
		       (unsigned long long)self->off,
		       (unsigned long long)self->len, strerror(err));
	/* the variant's own sanity */
	ASSERT_LE(self->off + mapped, self->dev.size);
	/* mapped at once in EAGER mode only; the pattern check touches all */
	EXPECT_EQ(self->dev.mode == MAPDRV_MODE_EAGER ?
		  (long)(mapped / self->dev.page) : 0,
		  mapdrv_resident_pages(p, mapped / self->dev.page, NULL));
	EXPECT_EQ(-1,
		  mapdrv_check_pattern(p, mapped, self->off, self->dev.seed));
	munmap(p, mapped);
}

TEST_F(mmap_range, only_a_successful_mmap_counts)
{
	struct mapdrv_info before, after;
	uint8_t *p;
	bool mapped;

	before = mapdrv_must_info(_metadata, self->dev.fd);
	p = mapdrv_sys_mmap(NULL, self->len, PROT_READ, MAP_SHARED,
			    self->dev.fd, self->off);
	after = mapdrv_must_info(_metadata, self->dev.fd);
	mapped = p != MAP_FAILED;
	if (mapped)
		munmap(p, mapdrv_round_up(self->len, self->dev.page));
	ASSERT_EQ(!variant->err, mapped);
	EXPECT_EQ(before.mmap_calls + mapped, after.mmap_calls);
	EXPECT_EQ(before.live_vmas + mapped, after.live_vmas);
	after = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(before.live_vmas, after.live_vmas);
}

/*
 * Several threads fault pages of one mapping at once, in every mode. Two
 * threads faulting the same page may both reach the driver's fault handler
 * (in FAULT mode the loser's page is dropped, in the others its inserts
 * find the pages there), so the fault counter rises by at least the faults
 * that one thread touching all the pages would cost (the windows touched)
 * and at most what touch_from_threads() derives from the window rule of
 * docs/design.md: one fault per page touch where threads share windows,
 * the windows of each thread alone where they do not.
 */
#define NR_THREADS	4
#define PAGES_PER_THREAD 256

FIXTURE(mmap_threads) {
	struct mapdrv_test_dev dev;	/* O_RDONLY, in the variant's mode */
	size_t per_thread;
};

FIXTURE_VARIANT(mmap_threads) {
	bool disjoint;		/* thread t takes its own pages */
	bool opposite;		/* odd threads go from the last page down */
	uint32_t mode, window;	/* for SET_MODE */
};

#define THREADS_IN_MODE(mode_name, m, w, name, ...)			\
	FIXTURE_VARIANT_ADD(mmap_threads, name##_##mode_name) {		\
		.mode = m, .window = w, __VA_ARGS__			\
	};

MAPDRV_FOR_EACH_TEST_MODE(THREADS_IN_MODE, same_pages_same_order)
MAPDRV_FOR_EACH_TEST_MODE(THREADS_IN_MODE, same_pages_opposite_orders,
			  .opposite = true)
MAPDRV_FOR_EACH_TEST_MODE(THREADS_IN_MODE, disjoint_pages,
			  .disjoint = true)

struct toucher {
	pthread_t tid;
	pthread_barrier_t *start;
	const uint8_t *map;
	size_t page, first, npages;
	bool down;
	uint64_t seed;
	int64_t bad;		/* first wrong offset, or -1 */
};

static void *toucher_run(void *arg)
{
	struct toucher *t = arg;
	size_t i;

	t->bad = -1;
	pthread_barrier_wait(t->start);
	for (i = 0; i < t->npages && t->bad < 0; i++) {
		size_t pg = t->first + (t->down ? t->npages - 1 - i : i);
		uint64_t off = pg * t->page;

		t->bad = mapdrv_check_pattern(t->map + off, t->page, off,
					      t->seed);
	}
	return NULL;
}

struct touch_result {
	int64_t bad[NR_THREADS];
	uint64_t faults;	/* the counter's rise */
	uint64_t min_faults;	/* one thread touching every page */
	uint64_t max_faults;	/* see touch_from_threads() */
};

/*
 * Map the pages, start NR_THREADS threads that each check @per_thread of
 * them (thread t from page t * @per_thread on if @disjoint, else all from
 * page 0; the odd ones from the last page down if @opposite) and tell what
 * they saw and how much the fault counter rose meanwhile.
 */
static void touch_from_threads(struct __test_metadata *_metadata, int fd,
			       uint64_t seed, size_t per_thread, bool disjoint,
			       bool opposite, struct touch_result *res)
{
	size_t page = mapdrv_page_size();
	size_t span = disjoint ? NR_THREADS * per_thread : per_thread;
	struct toucher t[NR_THREADS];
	struct mapdrv_info before, after;
	struct mapdrv_model m;
	pthread_barrier_t start;
	bool alone;
	uint8_t *p;
	int i;

	/* the model does not care for the order: a window faults once */
	before = mapdrv_must_info(_metadata, fd);
	mapdrv_must_model(_metadata, &m, before.mode, before.window, 0, span);
	mapdrv_model_touch_range(&m, 0, span);
	res->min_faults = m.faults;
	mapdrv_model_free(&m);
	/*
	 * At most: in EAGER, the sum of each thread alone (none); in the lazy
	 * modes, one fault per page touch. A window's runs stop at the first
	 * page another thread mapped (docs/design.md), so a thread that
	 * touches pages another thread's run is still inserting faults on
	 * them itself (the odd threads of @opposite, one page after another
	 * until they meet that run): more than the windows of each thread
	 * alone, never more than its touches. Where the threads' ranges are
	 * disjoint and no window straddles two of them (@per_thread a
	 * multiple of the window), no thread meets another's run: then at
	 * most the windows of each thread alone, as in EAGER.
	 */
	alone = before.mode == MAPDRV_MODE_EAGER ||
		(disjoint && !(per_thread % (before.window ? before.window : 1)));
	res->max_faults = 0;
	for (i = 0; i < NR_THREADS; i++) {
		mapdrv_must_model(_metadata, &m, before.mode, before.window, 0,
				  span);
		mapdrv_model_touch_range(&m, disjoint ? i * per_thread : 0,
					 per_thread);
		res->max_faults += alone ? m.faults : per_thread;
		mapdrv_model_free(&m);
	}

	p = mapdrv_must_map(_metadata, fd, 0, span * page, PROT_READ,
			    MAP_SHARED);
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, NR_THREADS));
	before = mapdrv_must_info(_metadata, fd);
	for (i = 0; i < NR_THREADS; i++) {
		t[i] = (struct toucher) {
			.start = &start, .map = p, .page = page,
			.first = disjoint ? i * per_thread : 0,
			.npages = per_thread, .down = opposite && i % 2,
			.seed = seed,
		};
		ASSERT_EQ(0, pthread_create(&t[i].tid, NULL, toucher_run,
					    &t[i]));
	}
	for (i = 0; i < NR_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i].tid, NULL));
		res->bad[i] = t[i].bad;
	}
	after = mapdrv_must_info(_metadata, fd);
	pthread_barrier_destroy(&start);
	munmap(p, span * page);
	res->faults = after.faults - before.faults;
}

FIXTURE_SETUP(mmap_threads)
{
	size_t npages;

	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDONLY, variant->mode,
			      variant->window, 0);
	npages = self->dev.npages;
	self->per_thread = variant->disjoint ? npages / NR_THREADS : npages;
	if (self->per_thread > PAGES_PER_THREAD)
		self->per_thread = PAGES_PER_THREAD;
	if (!self->per_thread)
		MAPDRV_SETUP_SKIP("needs a buffer of %d pages", NR_THREADS);
}

FIXTURE_TEARDOWN(mmap_threads)
{
	close(self->dev.fd);
}

TEST_F(mmap_threads, every_thread_reads_the_pattern)
{
	struct touch_result res;
	int i;

	touch_from_threads(_metadata, self->dev.fd, self->dev.seed,
			   self->per_thread, variant->disjoint,
			   variant->opposite, &res);
	for (i = 0; i < NR_THREADS; i++) {
		EXPECT_EQ(-1, res.bad[i]) TH_LOG("thread %d", i);
	}
}

/*
 * Between the windows of one thread touching every page and the page
 * touches of all threads (in FAULT mode: between the pages and the page
 * touches); disjoint threads whose windows are their own: the windows of
 * each; EAGER: none.
 */
TEST_F(mmap_threads, faults_are_between_windows_and_page_touches)
{
	struct touch_result res;

	touch_from_threads(_metadata, self->dev.fd, self->dev.seed,
			   self->per_thread, variant->disjoint,
			   variant->opposite, &res);
	EXPECT_LE(res.min_faults, res.faults)
		TH_LOG("%s mode, window %u", mapdrv_mode_name(self->dev.mode),
		       self->dev.window);
	EXPECT_GE(res.max_faults, res.faults)
		TH_LOG("%s mode, window %u", mapdrv_mode_name(self->dev.mode),
		       self->dev.window);
}

TEST_HARNESS_MAIN
