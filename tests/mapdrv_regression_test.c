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
	EXPECT_EQ(0, mapdrv_restamp(self->dev.fd, MAPDRV_RESTAMP_SET_SEED,
				    self->dev.seed));
	close(self->dev.fd);
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

TEST_HARNESS_MAIN
