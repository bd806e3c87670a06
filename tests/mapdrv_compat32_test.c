// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls from a 32-bit process: this binary is built with -m32 (on
 * x86-64 only, see the Makefile) and runs on the 64-bit kernel through its
 * IA-32 emulation, so every ioctl goes through the driver's compat_ioctl,
 * compat_ptr_ioctl(). The structures have no implicit padding and only
 * fixed-width fields: a 32-bit caller must get exactly what a 64-bit one
 * does. Expected values come from the kernel (sysconf, sysfs) and from the
 * golden words of mapdrv_golden.h, not from the driver's answers.
 *
 * A test that restamps sets ->dirty and the teardown restamps the buffer
 * with the seed the setup found.
 */
#include "kselftest_harness.h"

#include "mapdrv_golden.h"
#include "mapdrv_test_util.h"

MAPDRV_TEST_NEEDS_DEVICE();

/* A seed of the golden table, with bits above 32 and bit 63. */
#define COMPAT_SEED	0xfedcba9876543210ULL

FIXTURE(compat) {
	struct mapdrv_test_dev dev;	/* O_RDWR */
	bool dirty;
};

FIXTURE_SETUP(compat)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR,
			      MAPDRV_TEST_DEFAULT_MODE, 0, 2);
}

FIXTURE_TEARDOWN(compat)
{
	mapdrv_test_dev_teardown(_metadata, &self->dev, self->dirty);
}

/* Or the ioctls would not go through the compat path at all. */
TEST_F(compat, binary_is_32_bit)
{
	EXPECT_EQ(4U, sizeof(void *));
	EXPECT_EQ(4U, sizeof(long));
}

TEST_F(compat, info_reports_the_abi_version_and_page_size)
{
	struct mapdrv_info info = mapdrv_must_info(_metadata, self->dev.fd);

	EXPECT_EQ((__u32)MAPDRV_ABI_VERSION, info.abi_version);
	EXPECT_EQ((__u32)sysconf(_SC_PAGESIZE), info.page_size);
}

/* The 64-bit fields whole: size and seed as sysfs shows them. */
TEST_F(compat, info_size_and_seed_are_the_sysfs_ones)
{
	struct mapdrv_info info = mapdrv_must_info(_metadata, self->dev.fd);
	uint64_t size = 0, seed = 0;

	ASSERT_EQ(0, mapdrv_sysfs_u64("size", false, &size));
	ASSERT_EQ(0, mapdrv_sysfs_u64("seed", true, &seed));
	EXPECT_EQ(size, info.size);
	EXPECT_EQ(seed, info.seed);
}

TEST_F(compat, info_fault_errors_is_the_sysfs_one)
{
	struct mapdrv_info info = mapdrv_must_info(_metadata, self->dev.fd);
	uint64_t errors = UINT64_MAX;

	ASSERT_EQ(0, mapdrv_sysfs_u64("fault_errors", false, &errors));
	EXPECT_EQ(errors, info.fault_errors);
}

TEST_F(compat, info_reserved_fields_are_zero)
{
	mapdrv_expect_info_reserved_zero(_metadata, self->dev.fd);
}

/* The seed's high 32 bits survive the compat path both ways. */
TEST_F(compat, restamp_with_a_64_bit_seed_gives_its_golden_words)
{
	struct mapdrv_info info;
	uint64_t sysfs_seed = 0;
	uint8_t got[8];
	size_t i, n = 0;

	self->dirty = true;
	ASSERT_EQ(0, mapdrv_restamp(self->dev.fd, MAPDRV_RESTAMP_SET_SEED,
				    COMPAT_SEED));
	info = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(COMPAT_SEED, info.seed);
	ASSERT_EQ(0, mapdrv_sysfs_u64("seed", true, &sysfs_seed));
	EXPECT_EQ(COMPAT_SEED, sysfs_seed);
	for (i = 0; i < MAPDRV_GOLDEN_COUNT; i++) {
		const struct mapdrv_golden *g = &mapdrv_golden[i];

		if (g->seed != COMPAT_SEED || g->off + 8 > self->dev.size)
			continue;
		n++;
		ASSERT_EQ(8, pread(self->dev.fd, got, 8, (off_t)g->off));
		EXPECT_EQ(0, memcmp(got, g->bytes, 8))
			TH_LOG("offset %#llx", (unsigned long long)g->off);
	}
	EXPECT_LT(0U, n);
}

TEST_F(compat, mapping_in_a_32_bit_address_space_holds_the_golden_words)
{
	uint8_t *p;
	size_t i;

	self->dirty = true;
	ASSERT_EQ(0, mapdrv_restamp(self->dev.fd, MAPDRV_RESTAMP_SET_SEED,
				    COMPAT_SEED));
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.size,
			    PROT_READ, MAP_SHARED);
	for (i = 0; i < MAPDRV_GOLDEN_COUNT; i++) {
		const struct mapdrv_golden *g = &mapdrv_golden[i];

		if (g->seed != COMPAT_SEED || g->off + 8 > self->dev.size)
			continue;
		EXPECT_EQ(0, memcmp(p + g->off, g->bytes, 8))
			TH_LOG("offset %#llx", (unsigned long long)g->off);
	}
	munmap(p, self->dev.size);
}

TEST_F(compat, restamp_with_nonzero_reserved_is_einval)
{
	struct mapdrv_restamp rs = {
		.seed = COMPAT_SEED, .flags = MAPDRV_RESTAMP_SET_SEED,
		.reserved = 1,
	};

	self->dirty = true;
	EXPECT_EQ(-1, ioctl(self->dev.fd, MAPDRV_IOC_RESTAMP, &rs));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(self->dev.seed,
		  mapdrv_must_info(_metadata, self->dev.fd).seed);
}

TEST_F(compat, set_mode_is_reported_by_info)
{
	struct mapdrv_info info;

	ASSERT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 32));
	info = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ((__u32)MAPDRV_MODE_AROUND, info.mode);
	EXPECT_EQ(32U, info.window);
	EXPECT_EQ(-EINVAL, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND,
					   3));
}

TEST_F(compat, set_mode_is_ebusy_while_the_fd_has_a_mapping)
{
	uint8_t *p = mapdrv_must_map(_metadata, self->dev.fd, 0,
				     self->dev.page, PROT_READ, MAP_SHARED);

	EXPECT_EQ(-EBUSY, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_EAGER, 0));
	munmap(p, self->dev.page);
	EXPECT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_EAGER, 0));
}

/* compat_ptr() of a bad pointer is still a bad pointer. */
TEST_F(compat, info_into_an_inaccessible_page_is_efault)
{
	mapdrv_expect_info_efault(_metadata, self->dev.fd, self->dev.page);
}

TEST_F(compat, unknown_ioctl_is_enotty)
{
	uint8_t arg[256] = { 0 };

	EXPECT_EQ(-1, ioctl(self->dev.fd, _IO(MAPDRV_IOC_MAGIC, 0x7f), arg));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
