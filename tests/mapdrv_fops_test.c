// SPDX-License-Identifier: GPL-2.0
/*
 * The file operations of /dev/mapdrv other than mmap: read, write, llseek,
 * pread and pwrite at the edges of the buffer, the ioctls, the sysfs
 * attributes and who may open the device.
 *
 * The harness runs every test in a process of its own, one after another,
 * and nothing else uses the device meanwhile. A test that changes the
 * buffer or the seed sets ->dirty, and the teardown restamps the buffer
 * with the seed the setup found.
 */
#include "kselftest_harness.h"

#include <dirent.h>
#include <grp.h>
#include <stdint.h>

#include "mapdrv_golden.h"
#include "mapdrv_test_util.h"

MAPDRV_TEST_NEEDS_DEVICE();

#define READ_CHUNK	(64 * 1024)

FIXTURE(fops) {
	struct mapdrv_test_dev dev;	/* O_RDWR; the teardown restamps */
	bool dirty;		/* the test changed the buffer or the seed */
};

FIXTURE_SETUP(fops)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR,
			      MAPDRV_TEST_DEFAULT_MODE, 0, 2);
}

FIXTURE_TEARDOWN(fops)
{
	mapdrv_test_dev_teardown(_metadata, &self->dev, self->dirty);
}

/* A seed other than the current one. */
static uint64_t other_seed(uint64_t seed)
{
	return seed ^ 0x0123456789abcdefULL;
}

/* A word that is never the pattern at @off. */
static uint64_t not_pattern(uint64_t seed, uint64_t off)
{
	return ~mapdrv_pattern(seed, off);
}

/* The file position of @fd. */
static off_t pos(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

TEST_F(fops, read_returns_the_whole_pattern_then_zero)
{
	uint8_t *buf = malloc(READ_CHUNK);
	uint64_t total = 0;
	int64_t bad = -1;
	ssize_t n;

	ASSERT_NE(NULL, buf);
	while ((n = read(self->dev.fd, buf, READ_CHUNK)) > 0) {
		if (bad < 0)
			bad = mapdrv_check_pattern(buf, n, total,
						   self->dev.seed);
		total += n;
		if (total > self->dev.size)
			break;
	}
	EXPECT_EQ(0, n) TH_LOG("read: %s", n < 0 ? strerror(errno) : "");
	EXPECT_EQ(self->dev.size, total);
	EXPECT_EQ(-1, bad);
	free(buf);
}

TEST_F(fops, read_longer_than_the_buffer_returns_its_size)
{
	size_t len = self->dev.size + self->dev.page;
	uint8_t *buf = malloc(len);

	if (!buf)
		SKIP(return, "cannot allocate %zu bytes", len);
	EXPECT_EQ((ssize_t)self->dev.size, read(self->dev.fd, buf, len));
	EXPECT_EQ(-1,
		  mapdrv_check_pattern(buf, self->dev.size, 0, self->dev.seed));
	free(buf);
}

TEST_F(fops, read_at_the_end_returns_zero)
{
	char buf[64];

	EXPECT_EQ(0, pread(self->dev.fd, buf, sizeof(buf), self->dev.size));
	ASSERT_EQ((off_t)self->dev.size, lseek(self->dev.fd, 0, SEEK_END));
	EXPECT_EQ(0, read(self->dev.fd, buf, sizeof(buf)));
}

TEST_F(fops, read_past_the_end_returns_zero)
{
	char buf[64];

	EXPECT_EQ(0, pread(self->dev.fd, buf, sizeof(buf), self->dev.size + 1));
	EXPECT_EQ(0, pread(self->dev.fd, buf, sizeof(buf),
			   self->dev.size + self->dev.page));
	EXPECT_EQ(0, pread(self->dev.fd, buf, sizeof(buf), INT64_MAX - 64));
}

TEST_F(fops, read_crossing_the_end_is_short)
{
	uint8_t buf[64];

	ASSERT_EQ(16,
		  pread(self->dev.fd, buf, sizeof(buf), self->dev.size - 16));
	EXPECT_EQ(-1, mapdrv_check_pattern(buf, 16, self->dev.size - 16,
					   self->dev.seed));
}

TEST_F(fops, read_at_an_unaligned_offset_returns_the_pattern_bytes)
{
	uint64_t off = self->dev.page + 8 * 11 + 3;
	uint8_t buf[29];

	ASSERT_EQ((ssize_t)sizeof(buf),
		  pread(self->dev.fd, buf, sizeof(buf), off));
	EXPECT_EQ(-1,
		  mapdrv_check_pattern(buf, sizeof(buf), off, self->dev.seed));
}

TEST_F(fops, read_advances_the_file_position)
{
	uint8_t buf[100];

	ASSERT_EQ(100, lseek(self->dev.fd, 100, SEEK_SET));
	ASSERT_EQ(100, read(self->dev.fd, buf, sizeof(buf)));
	EXPECT_EQ(200, pos(self->dev.fd));
	EXPECT_EQ(-1,
		  mapdrv_check_pattern(buf, sizeof(buf), 100, self->dev.seed));
}

TEST_F(fops, pread_leaves_the_file_position_alone)
{
	uint8_t buf[100];

	ASSERT_EQ(10, lseek(self->dev.fd, 10, SEEK_SET));
	ASSERT_EQ(100, pread(self->dev.fd, buf, sizeof(buf), 1000));
	EXPECT_EQ(10, pos(self->dev.fd));
}

TEST_F(fops, pwrite_is_seen_by_pread)
{
	uint64_t off = 8 * 9, word = not_pattern(self->dev.seed, off), got = 0;

	self->dirty = true;
	ASSERT_EQ(8, pwrite(self->dev.fd, &word, 8, off));
	ASSERT_EQ(8, pread(self->dev.fd, &got, 8, off));
	EXPECT_EQ(word, got);
}

TEST_F(fops, pwrite_is_seen_through_an_existing_mapping)
{
	uint64_t off = self->dev.page + 24,
		 word = not_pattern(self->dev.seed, off);
	uint8_t *p = mapdrv_must_map(_metadata, self->dev.fd, 0,
				     2 * self->dev.page, PROT_READ, MAP_SHARED);

	mapdrv_touch(p + off);
	self->dirty = true;
	ASSERT_EQ(8, pwrite(self->dev.fd, &word, 8, off));
	EXPECT_EQ(word, mapdrv_touch(p + off));
	munmap(p, 2 * self->dev.page);
}

TEST_F(fops, unaligned_write_changes_only_its_bytes)
{
	uint64_t off = 8 * 4 + 5;
	uint8_t junk[7], buf[32], want[32];
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = ~mapdrv_pattern_byte(self->dev.seed, off + i);
	self->dirty = true;
	ASSERT_EQ((ssize_t)sizeof(junk),
		  pwrite(self->dev.fd, junk, sizeof(junk), off));
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pread(self->dev.fd, buf, sizeof(buf), 8 * 4 - 8));
	mapdrv_fill_pattern(want, sizeof(want), 8 * 4 - 8, self->dev.seed);
	memcpy(want + 8 + 5, junk, sizeof(junk));
	EXPECT_EQ(0, memcmp(want, buf, sizeof(buf)));
}

TEST_F(fops, write_advances_the_file_position)
{
	uint8_t buf[10];

	mapdrv_fill_pattern(buf, sizeof(buf), 50, self->dev.seed);
	self->dirty = true;
	ASSERT_EQ(50, lseek(self->dev.fd, 50, SEEK_SET));
	ASSERT_EQ(10, write(self->dev.fd, buf, sizeof(buf)));
	EXPECT_EQ(60, pos(self->dev.fd));
}

TEST_F(fops, write_crossing_the_end_is_short)
{
	uint8_t junk[64], buf[64];
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = ~mapdrv_pattern_byte(self->dev.seed,
					       self->dev.size - 16 + i);
	self->dirty = true;
	ASSERT_EQ(16, pwrite(self->dev.fd, junk, sizeof(junk),
			     self->dev.size - 16));
	ASSERT_EQ(16,
		  pread(self->dev.fd, buf, sizeof(buf), self->dev.size - 16));
	EXPECT_EQ(0, memcmp(junk, buf, 16));
}

TEST_F(fops, write_crossing_the_end_leaves_the_position_at_the_end)
{
	uint8_t buf[64];

	mapdrv_fill_pattern(buf, sizeof(buf), self->dev.size - 16,
			    self->dev.seed);
	self->dirty = true;
	ASSERT_EQ((off_t)self->dev.size - 16,
		  lseek(self->dev.fd, self->dev.size - 16, SEEK_SET));
	ASSERT_EQ(16, write(self->dev.fd, buf, sizeof(buf)));
	EXPECT_EQ((off_t)self->dev.size, pos(self->dev.fd));
}

TEST_F(fops, pwrite_at_the_end_is_enospc)
{
	uint64_t word = 0;

	self->dirty = true;
	EXPECT_EQ(-1, pwrite(self->dev.fd, &word, 8, self->dev.size));
	EXPECT_EQ(ENOSPC, errno);
}

TEST_F(fops, pwrite_past_the_end_is_enospc)
{
	uint64_t word = 0;

	self->dirty = true;
	EXPECT_EQ(-1, pwrite(self->dev.fd, &word, 8,
			     self->dev.size + self->dev.page));
	EXPECT_EQ(ENOSPC, errno);
}

TEST_F(fops, write_after_seeking_to_the_end_is_enospc)
{
	uint64_t word = 0;

	self->dirty = true;
	ASSERT_EQ((off_t)self->dev.size, lseek(self->dev.fd, 0, SEEK_END));
	EXPECT_EQ(-1, write(self->dev.fd, &word, 8));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ((off_t)self->dev.size, pos(self->dev.fd));
}

/* EBADF from the VFS: the fd is not open for writing. */
TEST_F(fops, write_on_a_read_only_fd_is_ebadf)
{
	int fd = mapdrv_open(O_RDONLY);
	uint64_t word = 0;

	ASSERT_LE(0, fd);
	self->dirty = true;
	EXPECT_EQ(-1, pwrite(fd, &word, 8, 0));
	EXPECT_EQ(EBADF, errno);
	close(fd);
}

TEST_F(fops, two_fds_see_the_same_bytes)
{
	uint64_t off = 8 * 21, word = not_pattern(self->dev.seed, off), got = 0;
	int fd = mapdrv_open(O_RDONLY);

	ASSERT_LE(0, fd);
	self->dirty = true;
	ASSERT_EQ(8, pwrite(self->dev.fd, &word, 8, off));
	ASSERT_EQ(8, pread(fd, &got, 8, off));
	EXPECT_EQ(word, got);
	close(fd);
}

TEST_F(fops, info_reports_the_abi_version)
{
	struct mapdrv_info info = mapdrv_must_info(_metadata, self->dev.fd);

	EXPECT_EQ((__u32)MAPDRV_ABI_VERSION, info.abi_version);
}

TEST_F(fops, info_reports_the_system_page_size)
{
	struct mapdrv_info info = mapdrv_must_info(_metadata, self->dev.fd);

	EXPECT_EQ(self->dev.page, info.page_size);
}

TEST_F(fops, info_size_is_a_page_multiple_within_the_limits)
{
	struct mapdrv_info info = mapdrv_must_info(_metadata, self->dev.fd);

	EXPECT_EQ(0ULL, info.size % self->dev.page);
	EXPECT_LT(0ULL, info.size);
	EXPECT_GE(mapdrv_round_up(MAPDRV_SIZE_MAX, self->dev.page), info.size);
}

/* Both ends and the middle, with the seed INFO gives. */
TEST_F(fops, info_seed_is_the_seed_of_the_pattern)
{
	struct mapdrv_info info = mapdrv_must_info(_metadata, self->dev.fd);
	uint64_t offs[] = { 0, info.size / 2 & ~7ULL, info.size - 8 };
	uint64_t w;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		ASSERT_EQ(8, pread(self->dev.fd, &w, 8, offs[i]));
		EXPECT_EQ(mapdrv_pattern(info.seed, offs[i]), le64toh(w))
			TH_LOG("offset %#llx", (unsigned long long)offs[i]);
	}
}

TEST_F(fops, info_reserved_fields_are_zero)
{
	mapdrv_expect_info_reserved_zero(_metadata, self->dev.fd);
}

TEST_F(fops, info_works_on_a_read_only_fd)
{
	struct mapdrv_info info;
	int fd = mapdrv_open(O_RDONLY);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, mapdrv_get_info(fd, &info));
	EXPECT_EQ(self->dev.size, info.size);
	close(fd);
}

/* Not spelled out by the ABI: the usual copy_to_user() failure. */
TEST_F(fops, info_into_an_inaccessible_page_is_efault)
{
	mapdrv_expect_info_efault(_metadata, self->dev.fd, self->dev.page);
}

TEST_F(fops, restamp_with_set_seed_changes_the_pattern_under_a_mapping)
{
	uint64_t seed = other_seed(self->dev.seed);
	uint8_t *p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.size,
				     PROT_READ, MAP_SHARED);

	/* fault every page in first: the restamp must show in place */
	ASSERT_EQ(-1,
		  mapdrv_check_pattern(p, self->dev.size, 0, self->dev.seed));
	self->dirty = true;
	ASSERT_EQ(0,
		  mapdrv_restamp(self->dev.fd, MAPDRV_RESTAMP_SET_SEED, seed));
	EXPECT_EQ(-1, mapdrv_check_pattern(p, self->dev.size, 0, seed));
	munmap(p, self->dev.size);
}

TEST_F(fops, restamp_with_set_seed_changes_the_info_seed)
{
	uint64_t seed = other_seed(self->dev.seed);
	struct mapdrv_info info;

	self->dirty = true;
	ASSERT_EQ(0,
		  mapdrv_restamp(self->dev.fd, MAPDRV_RESTAMP_SET_SEED, seed));
	info = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(seed, info.seed);
}

TEST_F(fops, restamp_with_set_seed_changes_the_sysfs_seed)
{
	uint64_t seed = other_seed(self->dev.seed), got = 0;

	self->dirty = true;
	ASSERT_EQ(0,
		  mapdrv_restamp(self->dev.fd, MAPDRV_RESTAMP_SET_SEED, seed));
	ASSERT_EQ(0, mapdrv_sysfs_u64("seed", true, &got));
	EXPECT_EQ(seed, got);
}

TEST_F(fops, restamp_with_set_seed_accepts_every_bit_of_the_seed)
{
	uint64_t seed = ~self->dev.seed | 1ULL << 63;
	struct mapdrv_info info;
	uint64_t w;

	self->dirty = true;
	ASSERT_EQ(0,
		  mapdrv_restamp(self->dev.fd, MAPDRV_RESTAMP_SET_SEED, seed));
	info = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(seed, info.seed);
	ASSERT_EQ(8, pread(self->dev.fd, &w, 8, self->dev.page));
	EXPECT_EQ(mapdrv_pattern(seed, self->dev.page), le64toh(w));
}

TEST_F(fops, restamp_without_set_seed_keeps_the_seed)
{
	struct mapdrv_info info;

	self->dirty = true;
	ASSERT_EQ(0,
		  mapdrv_restamp(self->dev.fd, 0, other_seed(self->dev.seed)));
	info = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(self->dev.seed, info.seed);
}

TEST_F(fops, restamp_without_set_seed_rewrites_the_pattern)
{
	uint64_t offs[] = { 0, self->dev.page + 8, self->dev.size - 8 }, w;
	uint8_t *p;
	size_t i;

	self->dirty = true;
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		w = not_pattern(self->dev.seed, offs[i]);
		ASSERT_EQ(8, pwrite(self->dev.fd, &w, 8, offs[i]));
	}
	ASSERT_EQ(0,
		  mapdrv_restamp(self->dev.fd, 0, other_seed(self->dev.seed)));
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.size,
			    PROT_READ, MAP_SHARED);
	EXPECT_EQ(-1,
		  mapdrv_check_pattern(p, self->dev.size, 0, self->dev.seed));
	munmap(p, self->dev.size);
}

TEST_F(fops, restamp_with_an_unknown_flag_bit_is_einval)
{
	unsigned int bit;

	self->dirty = true;
	for (bit = 0; bit < 32; bit++) {
		if (MAPDRV_RESTAMP_FLAGS & 1U << bit)
			continue;
		EXPECT_EQ(-EINVAL, mapdrv_restamp(self->dev.fd,
						  MAPDRV_RESTAMP_SET_SEED | 1U << bit,
						  other_seed(self->dev.seed)))
			TH_LOG("flags bit %u", bit);
	}
}

TEST_F(fops, restamp_with_nonzero_reserved_is_einval)
{
	struct mapdrv_restamp rs = {
		.seed = other_seed(self->dev.seed),
		.flags = MAPDRV_RESTAMP_SET_SEED,
	};
	uint32_t bad[] = { 1, 1U << 31 };
	size_t i;

	self->dirty = true;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		rs.reserved = bad[i];
		EXPECT_EQ(-1, ioctl(self->dev.fd, MAPDRV_IOC_RESTAMP, &rs))
			TH_LOG("reserved %#x", bad[i]);
		EXPECT_EQ(EINVAL, errno);
	}
}

/* A refused restamp must not have restamped, nor changed the seed. */
TEST_F(fops, refused_restamp_changes_neither_buffer_nor_seed)
{
	uint64_t off = 8 * 13, word = not_pattern(self->dev.seed, off), got = 0;
	struct mapdrv_info info;

	self->dirty = true;
	ASSERT_EQ(8, pwrite(self->dev.fd, &word, 8, off));
	ASSERT_EQ(-EINVAL, mapdrv_restamp(self->dev.fd,
					  MAPDRV_RESTAMP_SET_SEED | 1U << 31,
					  other_seed(self->dev.seed)));
	info = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(self->dev.seed, info.seed);
	ASSERT_EQ(8, pread(self->dev.fd, &got, 8, off));
	EXPECT_EQ(word, got);
}

TEST_F(fops, restamp_on_a_read_only_fd_is_ebadf)
{
	int fd = mapdrv_open(O_RDONLY);
	struct mapdrv_info info;

	ASSERT_LE(0, fd);
	self->dirty = true;
	EXPECT_EQ(-EBADF, mapdrv_restamp(fd, MAPDRV_RESTAMP_SET_SEED,
					 other_seed(self->dev.seed)));
	info = mapdrv_must_info(_metadata, self->dev.fd);
	EXPECT_EQ(self->dev.seed, info.seed);
	close(fd);
}

/* Not spelled out by the ABI: the usual copy_from_user() failure. */
TEST_F(fops, restamp_from_an_inaccessible_page_is_efault)
{
	void *p = mmap(NULL, self->dev.page, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	self->dirty = true;
	EXPECT_EQ(-1, ioctl(self->dev.fd, MAPDRV_IOC_RESTAMP, p));
	EXPECT_EQ(EFAULT, errno);
	munmap(p, self->dev.page);
}

TEST_F(fops, sysfs_size_is_the_info_size_in_decimal)
{
	struct mapdrv_info info = mapdrv_must_info(_metadata, self->dev.fd);
	uint64_t v = 0;

	ASSERT_EQ(0, mapdrv_sysfs_u64("size", false, &v));
	EXPECT_EQ(info.size, v);
}

TEST_F(fops, sysfs_seed_is_the_info_seed_in_hex)
{
	struct mapdrv_info info = mapdrv_must_info(_metadata, self->dev.fd);
	char text[64], want[64];

	ASSERT_LT(0, mapdrv_sysfs_read("seed", text, sizeof(text)));
	snprintf(want, sizeof(want), "0x%llx", (unsigned long long)info.seed);
	EXPECT_STREQ(want, text);
}

/* In FAULT mode, whatever the module's default: one page, one fault. */
TEST_F(fops, sysfs_faults_follows_the_info_faults)
{
	struct mapdrv_info before, after;
	uint64_t v0 = 0, v1 = 0;
	uint8_t *p;

	mapdrv_must_set_mode(_metadata, self->dev.fd, MAPDRV_MODE_FAULT, 0);
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ, MAP_SHARED);
	before = mapdrv_must_info(_metadata, self->dev.fd);
	ASSERT_EQ(0, mapdrv_sysfs_u64("faults", false, &v0));
	mapdrv_touch(p);
	after = mapdrv_must_info(_metadata, self->dev.fd);
	ASSERT_EQ(0, mapdrv_sysfs_u64("faults", false, &v1));
	EXPECT_EQ(before.faults, v0);
	EXPECT_EQ(after.faults, v1);
	EXPECT_EQ(v0 + 1, v1);
	munmap(p, self->dev.page);
}

TEST_F(fops, sysfs_mappings_follows_the_info_live_vmas)
{
	struct mapdrv_info before, mapped;
	uint64_t v0 = 0, v1 = 0;
	uint8_t *p;

	before = mapdrv_must_info(_metadata, self->dev.fd);
	ASSERT_EQ(0, mapdrv_sysfs_u64("mappings", false, &v0));
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ, MAP_SHARED);
	mapped = mapdrv_must_info(_metadata, self->dev.fd);
	ASSERT_EQ(0, mapdrv_sysfs_u64("mappings", false, &v1));
	munmap(p, self->dev.page);
	EXPECT_EQ(before.live_vmas, v0);
	EXPECT_EQ(mapped.live_vmas, v1);
	EXPECT_EQ(v0 + 1, v1);
}

TEST_F(fops, sysfs_mode_is_the_name_of_a_mode)
{
	char text[64];

	ASSERT_LT(0, mapdrv_sysfs_read("mode", text, sizeof(text)));
	EXPECT_LE(0, mapdrv_mode_of_name(text)) TH_LOG("mode: \"%s\"", text);
}

TEST_F(fops, sysfs_window_is_a_power_of_two_up_to_512)
{
	uint64_t v = 0;

	ASSERT_EQ(0, mapdrv_sysfs_u64("window", false, &v));
	EXPECT_NE(0ULL, v);
	EXPECT_EQ(0ULL, v & (v - 1))
		TH_LOG("window %llu", (unsigned long long)v);
	EXPECT_GE((uint64_t)MAPDRV_WINDOW_MAX, v);
}

/* The gid of the group "mapdrv" in /etc/group, or 0 (fgetgrent: no NSS). */
static gid_t mapdrv_group_gid(void)
{
	FILE *f = fopen("/etc/group", "re");
	const struct group *gr;
	gid_t gid = 0;

	if (!f)
		return 0;
	while ((gr = fgetgrent(f)))
		if (!strcmp(gr->gr_name, "mapdrv"))
			gid = gr->gr_gid;
	fclose(f);
	return gid;
}

/*
 * The module makes the node 0600 root:root; the packaged udev rule
 * (60-mapdrv.rules) widens it to 0660 for the group "mapdrv", and nothing
 * else may.
 */
TEST_F(fops, device_node_is_root_only_or_the_mapdrv_group)
{
	const gid_t group = mapdrv_group_gid();
	struct stat st;

	ASSERT_EQ(0, stat(MAPDRV_DEV_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0U, st.st_uid);
	if (group && st.st_gid == group) {
		EXPECT_EQ(0660U, st.st_mode & 07777);
	} else {
		EXPECT_EQ(0600U, st.st_mode & 07777)
			TH_LOG("group %u: only the group mapdrv may have access",
			       (unsigned int)st.st_gid);
	}
}

/* The child drops to nobody (65534) and tries both ways to open. */
TEST_F(fops, unprivileged_open_is_eacces)
{
	static const char *const what[] = {
		[1] = "setgroups/setgid/setuid failed",
		[2] = "O_RDONLY open worked",
		[3] = "O_RDONLY open failed, but not with EACCES",
		[4] = "O_RDWR open worked",
		[5] = "O_RDWR open failed, but not with EACCES",
	};
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root, to drop it");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(1);
		if (mapdrv_open(O_RDONLY) >= 0)
			_exit(2);
		if (errno != EACCES)
			_exit(3);
		if (mapdrv_open(O_RDWR) >= 0)
			_exit(4);
		if (errno != EACCES)
			_exit(5);
		_exit(0);
	}
	status = mapdrv_wait_child(pid);
	EXPECT_EQ(0, status)
		TH_LOG("child: %s", status > 0 && status <= 5 ?
		       what[status] : "died");
}

/*
 * The golden words (mapdrv_golden.h, computed outside mapdrv): after a
 * RESTAMP with each of their seeds, the buffer holds their bytes at their
 * offsets, as raw bytes through a mapping and through pread(). Offsets past
 * this buffer are for the 1 GiB load of mapdrv_module_test.
 */
FIXTURE(golden) {
	struct mapdrv_test_dev dev;	/* O_RDWR; the teardown restamps */
};

FIXTURE_VARIANT(golden) {
	uint64_t seed;
};

FIXTURE_VARIANT_ADD(golden, seed_0) {
	.seed = 0,
};

FIXTURE_VARIANT_ADD(golden, seed_1) {
	.seed = 1,
};

FIXTURE_VARIANT_ADD(golden, seed_0x0123456789abcdef) {
	.seed = 0x0123456789abcdefULL,
};

FIXTURE_VARIANT_ADD(golden, seed_bit_63_only) {
	.seed = 0x8000000000000000ULL,
};

FIXTURE_VARIANT_ADD(golden, seed_all_ones) {
	.seed = 0xffffffffffffffffULL,
};

FIXTURE_VARIANT_ADD(golden, seed_0xfedcba9876543210) {
	.seed = 0xfedcba9876543210ULL,
};

FIXTURE_SETUP(golden)
{
	int ret;

	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR,
			      MAPDRV_TEST_DEFAULT_MODE, 0, 1);
	ret = mapdrv_restamp(self->dev.fd, MAPDRV_RESTAMP_SET_SEED,
			     variant->seed);
	ASSERT_EQ(0, ret) TH_LOG("RESTAMP: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(golden)
{
	mapdrv_test_dev_teardown(_metadata, &self->dev, true);
}

TEST_F(golden, mapping_holds_the_golden_bytes)
{
	const uint8_t *p = mapdrv_must_map(_metadata, self->dev.fd, 0,
					   self->dev.size, PROT_READ,
					   MAP_SHARED);
	size_t i, checked = 0;

	for (i = 0; i < MAPDRV_GOLDEN_COUNT; i++) {
		const struct mapdrv_golden *g = &mapdrv_golden[i];

		if (g->seed != variant->seed || g->off + 8 > self->dev.size)
			continue;
		checked++;
		EXPECT_EQ(0, memcmp(p + g->off, g->bytes, 8))
			TH_LOG("offset %#llx", (unsigned long long)g->off);
	}
	/* offset 0 at least: never a vacuous pass */
	EXPECT_LT(0U, checked);
	munmap((void *)p, self->dev.size);
}

TEST_F(golden, pread_returns_the_golden_bytes)
{
	uint8_t got[8];
	size_t i;

	for (i = 0; i < MAPDRV_GOLDEN_COUNT; i++) {
		const struct mapdrv_golden *g = &mapdrv_golden[i];

		if (g->seed != variant->seed || g->off + 8 > self->dev.size)
			continue;
		ASSERT_EQ(8, pread(self->dev.fd, got, 8, (off_t)g->off));
		EXPECT_EQ(0, memcmp(got, g->bytes, 8))
			TH_LOG("offset %#llx", (unsigned long long)g->off);
	}
}

/*
 * Every sysfs attribute of mapdrv is read-only, for root too: mode 0444, an
 * open for writing is refused with EACCES by sysfs itself, and where root
 * made the file writable with chmod, a write fails with EIO (the attribute
 * has no store method; a module parameter of mode 0444 gets none either)
 * and changes nothing. One variant per attribute of the device and per
 * module parameter; a sweep of the device's directory catches new ones.
 */
FIXTURE(sysfs_ro) {
	char before[256];	/* the value before the write attempts */
	mode_t mode;		/* the file's mode, put back by the teardown */
};

FIXTURE_VARIANT(sysfs_ro) {
	const char *path;
	bool counter;		/* may move meanwhile */
};

#define SYSFS_RO_CASE(name, dir, file, ...)				\
	FIXTURE_VARIANT_ADD(sysfs_ro, name) {				\
		.path = dir "/" file, __VA_ARGS__			\
	}

#define MAPDRV_PARAMS_DIR	MAPDRV_MODULE_DIR "/parameters"

SYSFS_RO_CASE(size, MAPDRV_SYSFS_DIR, "size");
SYSFS_RO_CASE(seed, MAPDRV_SYSFS_DIR, "seed");
SYSFS_RO_CASE(faults, MAPDRV_SYSFS_DIR, "faults", .counter = true);
SYSFS_RO_CASE(mappings, MAPDRV_SYSFS_DIR, "mappings", .counter = true);
SYSFS_RO_CASE(mode, MAPDRV_SYSFS_DIR, "mode");
SYSFS_RO_CASE(window, MAPDRV_SYSFS_DIR, "window");
SYSFS_RO_CASE(param_size, MAPDRV_PARAMS_DIR, "size");
SYSFS_RO_CASE(param_seed, MAPDRV_PARAMS_DIR, "seed");
SYSFS_RO_CASE(param_mode, MAPDRV_PARAMS_DIR, "mode");
SYSFS_RO_CASE(param_window, MAPDRV_PARAMS_DIR, "window");

FIXTURE_SETUP(sysfs_ro)
{
	struct stat st;
	int ret;

	if (!mapdrv_dev_present())
		MAPDRV_SETUP_SKIP("%s does not exist", MAPDRV_DEV_PATH);
	ret = mapdrv_read_file(variant->path, self->before,
			       sizeof(self->before));
	ASSERT_LE(0, ret) TH_LOG("%s: %s", variant->path, strerror(-ret));
	ASSERT_EQ(0, stat(variant->path, &st));
	self->mode = st.st_mode & 07777;
}

/* As found: a teardown that made it 0444 would hide a writable one. */
FIXTURE_TEARDOWN(sysfs_ro)
{
	chmod(variant->path, self->mode);
}

/* The value must not have changed (unless it is a counter). */
static void expect_unchanged(struct __test_metadata *_metadata,
			     const FIXTURE_VARIANT(sysfs_ro) *variant,
			     const char *before)
{
	char after[256];

	ASSERT_LE(0, mapdrv_read_file(variant->path, after, sizeof(after)));
	if (!variant->counter)
		EXPECT_STREQ(before, after);
}

TEST_F(sysfs_ro, mode_is_0444)
{
	struct stat st;

	ASSERT_EQ(0, stat(variant->path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0444U, st.st_mode & 07777);
}

TEST_F(sysfs_ro, open_for_writing_is_eacces_even_for_root)
{
	static const int flags[] = { O_WRONLY, O_RDWR, O_WRONLY | O_TRUNC };
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		fd = open(variant->path, flags[i] | O_CLOEXEC);
		EXPECT_EQ(-1, fd) {
			TH_LOG("opened for writing (flags %#x)", flags[i]);
			close(fd);
		}
		EXPECT_EQ(EACCES, errno) TH_LOG("%s", strerror(errno));
	}
	expect_unchanged(_metadata, variant, self->before);
}

TEST_F(sysfs_ro, write_after_chmod_by_root_is_eio_and_changes_nothing)
{
	int fd;

	ASSERT_EQ(0, chmod(variant->path, 0644))
		TH_LOG("chmod: %s", strerror(errno));
	fd = open(variant->path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(errno));
	EXPECT_EQ(-1, write(fd, "1\n", 2));
	EXPECT_EQ(EIO, errno) TH_LOG("%s", strerror(errno));
	close(fd);
	expect_unchanged(_metadata, variant, self->before);
}

/* Every regular file of the device's directory but the driver core's. */
TEST(sysfs_no_attribute_of_the_device_is_writable)
{
	struct dirent *de;
	char path[512];
	struct stat st;
	int n = 0;
	DIR *dir;

	if (!mapdrv_dev_present())
		SKIP(return, "%s does not exist", MAPDRV_DEV_PATH);
	dir = opendir(MAPDRV_SYSFS_DIR);
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir))) {
		snprintf(path, sizeof(path), "%s/%s", MAPDRV_SYSFS_DIR,
			 de->d_name);
		/* uevent is the driver core's, writable on purpose */
		if (!strcmp(de->d_name, "uevent") || lstat(path, &st) ||
		    !S_ISREG(st.st_mode))
			continue;
		n++;
		EXPECT_EQ(0U, st.st_mode & 0222)
			TH_LOG("%s is %o", path, st.st_mode & 07777);
		EXPECT_EQ(-1, open(path, O_WRONLY | O_CLOEXEC))
			TH_LOG("%s opened for writing", path);
	}
	closedir(dir);
	/* dev and the six attributes at least */
	EXPECT_LE(7, n);
}

/*
 * Unknown ioctl numbers: ENOTTY, without touching the argument. Some share
 * a number (nr) with a real command but not its size or direction.
 */
FIXTURE(ioctl_unknown) {
	struct mapdrv_test_dev dev;	/* O_RDWR */
};

FIXTURE_VARIANT(ioctl_unknown) {
	unsigned long cmd;
};

FIXTURE_VARIANT_ADD(ioctl_unknown, unused_nr_0x7f) {
	.cmd = _IO(MAPDRV_IOC_MAGIC, 0x7f),
};

FIXTURE_VARIANT_ADD(ioctl_unknown, next_free_nr) {
	.cmd = _IOW(MAPDRV_IOC_MAGIC, 0x03, struct mapdrv_mode),
};

FIXTURE_VARIANT_ADD(ioctl_unknown, info_nr_with_a_u32_size) {
	.cmd = _IOR(MAPDRV_IOC_MAGIC, 0x00, __u32),
};

FIXTURE_VARIANT_ADD(ioctl_unknown, info_nr_as_a_write) {
	.cmd = _IOW(MAPDRV_IOC_MAGIC, 0x00, struct mapdrv_info),
};

FIXTURE_VARIANT_ADD(ioctl_unknown, restamp_nr_with_a_u64_size) {
	.cmd = _IOW(MAPDRV_IOC_MAGIC, 0x01, __u64),
};

FIXTURE_VARIANT_ADD(ioctl_unknown, set_mode_nr_with_the_size_of_info) {
	.cmd = _IOR(MAPDRV_IOC_MAGIC, 0x02, struct mapdrv_info),
};

FIXTURE_VARIANT_ADD(ioctl_unknown, set_mode_nr_as_a_read) {
	.cmd = _IOR(MAPDRV_IOC_MAGIC, 0x02, struct mapdrv_mode),
};

FIXTURE_VARIANT_ADD(ioctl_unknown, set_mode_nr_with_a_u32_size) {
	.cmd = _IOW(MAPDRV_IOC_MAGIC, 0x02, __u32),
};

FIXTURE_VARIANT_ADD(ioctl_unknown, info_nr_of_another_magic) {
	.cmd = _IOR(MAPDRV_IOC_MAGIC + 1, 0x00, struct mapdrv_info),
};

FIXTURE_VARIANT_ADD(ioctl_unknown, random_number) {
	.cmd = 0x12345678,
};

FIXTURE_SETUP(ioctl_unknown)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR,
			      MAPDRV_TEST_DEFAULT_MODE, 0, 0);
}

FIXTURE_TEARDOWN(ioctl_unknown)
{
	close(self->dev.fd);
}

TEST_F(ioctl_unknown, is_enotty)
{
	uint8_t arg[1 << 14];

	memset(arg, 0, sizeof(arg));
	EXPECT_EQ(-1, ioctl(self->dev.fd, variant->cmd, arg));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(ioctl_unknown, leaves_its_argument_alone)
{
	uint8_t arg[1 << 14];
	size_t i, changed = 0;

	memset(arg, 0xa5, sizeof(arg));
	ioctl(self->dev.fd, variant->cmd, arg);
	for (i = 0; i < sizeof(arg); i++)
		changed += arg[i] != 0xa5;
	EXPECT_EQ(0U, changed);
}

/*
 * llseek, one case per variant. Positions and offsets are
 * sizes * (buffer size) + bytes, so that the cases fit any buffer size.
 */
FIXTURE(llseek) {
	struct mapdrv_test_dev dev;	/* O_RDONLY */
	off_t start, off;
};

FIXTURE_VARIANT(llseek) {
	int start_sizes;
	int64_t start_bytes;
	int whence;
	int off_sizes;
	int64_t off_bytes;
	int res_sizes;		/* the new position, if no err */
	int64_t res_bytes;
	int err;
};

FIXTURE_VARIANT_ADD(llseek, set_to_zero) {
	.start_bytes = 100, .whence = SEEK_SET, .off_bytes = 0, .res_bytes = 0,
};

FIXTURE_VARIANT_ADD(llseek, set_inside) {
	.whence = SEEK_SET, .off_bytes = 123, .res_bytes = 123,
};

FIXTURE_VARIANT_ADD(llseek, set_to_the_size) {
	.whence = SEEK_SET, .off_sizes = 1, .res_sizes = 1,
};

FIXTURE_VARIANT_ADD(llseek, set_to_the_size_plus_one) {
	.start_bytes = 100, .whence = SEEK_SET, .off_sizes = 1, .off_bytes = 1,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(llseek, set_to_minus_one) {
	.start_bytes = 100, .whence = SEEK_SET, .off_bytes = -1, .err = EINVAL,
};

FIXTURE_VARIANT_ADD(llseek, set_to_the_largest_offset) {
	.start_bytes = 100, .whence = SEEK_SET, .off_bytes = INT64_MAX,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(llseek, cur_forward) {
	.start_bytes = 100, .whence = SEEK_CUR, .off_bytes = 23,
	.res_bytes = 123,
};

FIXTURE_VARIANT_ADD(llseek, cur_back_to_zero) {
	.start_bytes = 100, .whence = SEEK_CUR, .off_bytes = -100,
	.res_bytes = 0,
};

FIXTURE_VARIANT_ADD(llseek, cur_zero_at_the_end) {
	.start_sizes = 1, .whence = SEEK_CUR, .off_bytes = 0, .res_sizes = 1,
};

FIXTURE_VARIANT_ADD(llseek, cur_below_zero) {
	.start_bytes = 100, .whence = SEEK_CUR, .off_bytes = -101,
	.err = EINVAL,
};

FIXTURE_VARIANT_ADD(llseek, cur_past_the_end) {
	.start_sizes = 1, .start_bytes = -1, .whence = SEEK_CUR,
	.off_bytes = 2, .err = EINVAL,
};

FIXTURE_VARIANT_ADD(llseek, end_zero) {
	.whence = SEEK_END, .off_bytes = 0, .res_sizes = 1,
};

FIXTURE_VARIANT_ADD(llseek, end_minus_one) {
	.whence = SEEK_END, .off_bytes = -1, .res_sizes = 1, .res_bytes = -1,
};

FIXTURE_VARIANT_ADD(llseek, end_minus_the_size) {
	.start_bytes = 100, .whence = SEEK_END, .off_sizes = -1, .res_bytes = 0,
};

FIXTURE_VARIANT_ADD(llseek, end_plus_one) {
	.start_bytes = 100, .whence = SEEK_END, .off_bytes = 1, .err = EINVAL,
};

FIXTURE_VARIANT_ADD(llseek, end_minus_the_size_minus_one) {
	.start_bytes = 100, .whence = SEEK_END, .off_sizes = -1,
	.off_bytes = -1, .err = EINVAL,
};

FIXTURE_SETUP(llseek)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDONLY,
			      MAPDRV_TEST_DEFAULT_MODE, 0, 0);
	self->start = variant->start_sizes * (off_t)self->dev.size +
		      variant->start_bytes;
	self->off = variant->off_sizes * (off_t)self->dev.size +
		    variant->off_bytes;
	ASSERT_EQ(self->start, lseek(self->dev.fd, self->start, SEEK_SET));
}

FIXTURE_TEARDOWN(llseek)
{
	close(self->dev.fd);
}

TEST_F(llseek, returns_the_new_position_or_einval)
{
	off_t ret = lseek(self->dev.fd, self->off, variant->whence);
	int err = errno;

	if (variant->err) {
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(variant->err, err) TH_LOG("errno %s", strerror(err));
	} else {
		EXPECT_EQ(variant->res_sizes * (off_t)self->dev.size +
			  variant->res_bytes, ret)
			TH_LOG("errno %s", ret < 0 ? strerror(err) : "-");
	}
}

TEST_F(llseek, position_is_then_the_result_or_unchanged)
{
	off_t want = variant->err ? self->start :
		     variant->res_sizes * (off_t)self->dev.size +
		     variant->res_bytes;

	lseek(self->dev.fd, self->off, variant->whence);
	EXPECT_EQ(want, pos(self->dev.fd));
}

TEST_HARNESS_MAIN
