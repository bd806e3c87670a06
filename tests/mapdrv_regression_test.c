// SPDX-License-Identifier: GPL-2.0
/*
 * Regressions: bugs that mapdrv-stress, trinity or the debug kernel found,
 * one test each, named after the behaviour that was broken.
 *
 * 1. write()/pwrite() from a source that faults: copy_from_user() zero-fills
 *    what it cannot copy, and mapdrv used to copy straight into the buffer
 *    (simple_write_to_buffer()), so an EFAULT write, or a short one, wiped
 *    the bytes behind it for every mapping (mapdrv-stress, seed 0x1).
 */
#include "kselftest_harness.h"

#include "mapdrv_test_util.h"

FIXTURE(regression) {
	int fd;
	size_t page;
	uint64_t size;
	uint64_t seed;
};

FIXTURE_SETUP(regression)
{
	struct mapdrv_info info;

	MAPDRV_SETUP_REQUIRE_DEVICE();
	self->page = mapdrv_page_size();
	self->fd = mapdrv_open(O_RDWR);
	ASSERT_LE(0, self->fd);
	info = mapdrv_must_info(_metadata, self->fd);
	self->size = info.size;
	self->seed = info.seed;
	if (self->size < 2 * self->page)
		MAPDRV_SETUP_SKIP("needs a buffer of 2 pages");
}

FIXTURE_TEARDOWN(regression)
{
	EXPECT_EQ(0, mapdrv_restamp(self->fd, MAPDRV_RESTAMP_SET_SEED,
				    self->seed));
	close(self->fd);
}

TEST_F(regression, efault_write_changes_nothing)
{
	uint8_t *none = mmap(NULL, self->page, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t off = self->page;
	uint8_t back[16];

	ASSERT_NE(MAP_FAILED, none);
	ASSERT_EQ(-1, pwrite(self->fd, none, sizeof(back), (off_t)off));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(16, pread(self->fd, back, sizeof(back), (off_t)off));
	EXPECT_EQ(-1, mapdrv_check_pattern(back, sizeof(back), off, self->seed));
	munmap(none, self->page);
}

TEST_F(regression, short_write_changes_nothing_past_what_it_returns)
{
	/* 8 good bytes at the end of a page, then a PROT_NONE page. */
	uint8_t *src = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t off = self->page, word = ~mapdrv_pattern(self->seed, off);
	uint8_t back[32];

	ASSERT_NE(MAP_FAILED, src);
	ASSERT_EQ(0, mprotect(src + self->page, self->page, PROT_NONE));
	memcpy(src + self->page - 8, &word, 8);
	EXPECT_EQ(8, pwrite(self->fd, src + self->page - 8, 32, (off_t)off));
	ASSERT_EQ(32, pread(self->fd, back, sizeof(back), (off_t)off));
	EXPECT_EQ(0, memcmp(back, &word, 8));
	EXPECT_EQ(-1, mapdrv_check_pattern(back + 8, 24, off + 8, self->seed));
	munmap(src, 2 * self->page);
}

TEST_HARNESS_MAIN
