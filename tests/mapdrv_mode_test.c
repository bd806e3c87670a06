// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping modes: MAPDRV_IOC_SET_MODE, what INFO and sysfs say about modes,
 * and how each mode maps: its windows, aligned on the buffer page offset and
 * clipped to the mapping, eager mappings, refaults after MADV_DONTNEED,
 * MAP_POPULATE and MADV_POPULATE_READ.
 *
 * The mapping tests run in every mode (MAPDRV_FOR_EACH_TEST_MODE) and check
 * mincore() and the fault count against the model of mapdrv_test_util.h.
 * The harness runs every test in a process of its own, one after another,
 * and nothing else uses the device meanwhile, so the fault counter moves
 * only because of what the test does. No test here writes to the buffer.
 */
#include "kselftest_harness.h"

#include "mapdrv_test_util.h"

MAPDRV_TEST_NEEDS_DEVICE();

/* Pages of the mappings whose faults are counted. */
#define SOME_PAGES	64

/* INFO of @fd must report @mode and @window. */
static void expect_mode(struct __test_metadata *_metadata, int fd,
			uint32_t mode, uint32_t window)
{
	struct mapdrv_info info = mapdrv_must_info(_metadata, fd);

	EXPECT_EQ(mode, info.mode)
		TH_LOG("INFO mode %s, expected %s", mapdrv_mode_name(info.mode),
		       mapdrv_mode_name(mode));
	EXPECT_EQ(window, info.window);
}

/* Touch page @i of the mapping at @p, and of its model @m. */
static void touch_page(struct mapdrv_model *m, const uint8_t *p, size_t i)
{
	mapdrv_touch(p + i * mapdrv_page_size());
	mapdrv_model_touch(m, i);
}

/*
 * SET_MODE itself: what INFO reports, which file it changes, EBUSY while
 * the file has mappings. self->dev.fd starts in the module's default mode.
 */
FIXTURE(set_mode) {
	struct mapdrv_test_dev dev;	/* O_RDWR, in the default mode */
	uint32_t def_mode;	/* the module's defaults, from sysfs */
	uint32_t def_window;
};

FIXTURE_SETUP(set_mode)
{
	int ret;

	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR,
			      MAPDRV_TEST_DEFAULT_MODE, 0, SOME_PAGES);
	ret = mapdrv_sysfs_mode(&self->def_mode, &self->def_window);
	ASSERT_EQ(0, ret) TH_LOG("sysfs mode and window: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(set_mode)
{
	close(self->dev.fd);
}

/* A mode other than @mode. */
static uint32_t other_mode(uint32_t mode)
{
	return (mode + 1) % MAPDRV_MODE_COUNT;
}

/* A window other than @window. */
static uint32_t other_window(uint32_t window)
{
	return window == 8 ? 32 : 8;
}

TEST_F(set_mode, new_fd_starts_in_the_module_default_mode_and_window)
{
	expect_mode(_metadata, self->dev.fd, self->def_mode, self->def_window);
}

TEST_F(set_mode, info_reports_the_mode_and_window_set)
{
	static const struct mapdrv_mode set[] = {
		{ .mode = MAPDRV_MODE_AROUND, .window = 1 },
		{ .mode = MAPDRV_MODE_AROUND, .window = 2 },
		{ .mode = MAPDRV_MODE_AROUND, .window = 512 },
		{ .mode = MAPDRV_MODE_FAULT, .window = 64 },
		{ .mode = MAPDRV_MODE_EAGER, .window = 256 },
		{ .mode = MAPDRV_MODE_AROUND, .window = 16 },
		{ .mode = MAPDRV_MODE_FAULT, .window = 4 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(set); i++) {
		ASSERT_EQ(0, mapdrv_set_mode(self->dev.fd, set[i].mode,
					     set[i].window))
			TH_LOG("%s, window %u", mapdrv_mode_name(set[i].mode),
			       set[i].window);
		expect_mode(_metadata, self->dev.fd, set[i].mode,
			    set[i].window);
	}
}

TEST_F(set_mode, window_0_keeps_the_current_window)
{
	ASSERT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 64));
	ASSERT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_EAGER, 0));
	expect_mode(_metadata, self->dev.fd, MAPDRV_MODE_EAGER, 64);
	ASSERT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_FAULT, 0));
	expect_mode(_metadata, self->dev.fd, MAPDRV_MODE_FAULT, 64);
	ASSERT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 0));
	expect_mode(_metadata, self->dev.fd, MAPDRV_MODE_AROUND, 64);
}

TEST_F(set_mode, set_mode_works_on_a_read_only_fd)
{
	int fd = mapdrv_open(O_RDONLY);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, mapdrv_set_mode(fd, MAPDRV_MODE_AROUND, 32));
	expect_mode(_metadata, fd, MAPDRV_MODE_AROUND, 32);
	close(fd);
}

/* The mode belongs to the open file: a dup() shares it, no other fd does. */
TEST_F(set_mode, set_mode_changes_only_its_own_open_file)
{
	uint32_t mode = other_mode(self->def_mode);
	uint32_t window = other_window(self->def_window);
	int before = mapdrv_open(O_RDWR), dup_fd = dup(self->dev.fd), after;

	ASSERT_LE(0, before);
	ASSERT_LE(0, dup_fd);
	ASSERT_EQ(0, mapdrv_set_mode(self->dev.fd, mode, window));
	after = mapdrv_open(O_RDWR);
	ASSERT_LE(0, after);
	expect_mode(_metadata, dup_fd, mode, window);
	expect_mode(_metadata, before, self->def_mode, self->def_window);
	expect_mode(_metadata, after, self->def_mode, self->def_window);
	close(after);
	close(dup_fd);
	close(before);
}

TEST_F(set_mode, set_mode_leaves_the_module_defaults_alone)
{
	uint32_t mode = 0, window = 0;

	ASSERT_EQ(0, mapdrv_set_mode(self->dev.fd, other_mode(self->def_mode),
				     other_window(self->def_window)));
	ASSERT_EQ(0, mapdrv_sysfs_mode(&mode, &window));
	EXPECT_EQ(self->def_mode, mode);
	EXPECT_EQ(self->def_window, window);
}

/* Even to the mode the file has: a mapping keeps its mode, whatever. */
TEST_F(set_mode, set_mode_is_ebusy_while_the_fd_has_a_mapping)
{
	uint8_t *p;

	ASSERT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 16));
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ, MAP_SHARED);
	EXPECT_EQ(-EBUSY, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_EAGER, 64));
	EXPECT_EQ(-EBUSY,
		  mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 16));
	EXPECT_EQ(-EBUSY, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 0));
	expect_mode(_metadata, self->dev.fd, MAPDRV_MODE_AROUND, 16);
	ASSERT_EQ(0, munmap(p, self->dev.page));
	EXPECT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_EAGER, 64));
	expect_mode(_metadata, self->dev.fd, MAPDRV_MODE_EAGER, 64);
}

TEST_F(set_mode, set_mode_is_ebusy_while_a_read_only_fd_has_a_mapping)
{
	int fd = mapdrv_open(O_RDONLY);
	uint8_t *p;

	ASSERT_LE(0, fd);
	p = mapdrv_must_map(_metadata, fd, 0, self->dev.page, PROT_READ,
			    MAP_PRIVATE);
	EXPECT_EQ(-EBUSY, mapdrv_set_mode(fd, MAPDRV_MODE_AROUND, 16));
	ASSERT_EQ(0, munmap(p, self->dev.page));
	EXPECT_EQ(0, mapdrv_set_mode(fd, MAPDRV_MODE_AROUND, 16));
	close(fd);
}

TEST_F(set_mode, set_mode_through_a_dup_of_a_mapped_fd_is_ebusy)
{
	int dup_fd = dup(self->dev.fd);
	uint8_t *p;

	ASSERT_LE(0, dup_fd);
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ, MAP_SHARED);
	EXPECT_EQ(-EBUSY, mapdrv_set_mode(dup_fd, MAPDRV_MODE_EAGER, 0));
	ASSERT_EQ(0, munmap(p, self->dev.page));
	EXPECT_EQ(0, mapdrv_set_mode(dup_fd, MAPDRV_MODE_EAGER, 0));
	close(dup_fd);
}

/* The child's copy of the mapping is a VMA of the same file. */
TEST_F(set_mode, set_mode_is_ebusy_while_a_forked_child_holds_a_mapping)
{
	int ready[2], go[2], busy;
	uint8_t *p;
	pid_t pid;

	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.page,
			    PROT_READ, MAP_SHARED);
	pid = mapdrv_fork_holder(_metadata, ready, go);
	ASSERT_EQ(0, munmap(p, self->dev.page));
	busy = mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 32);
	mapdrv_pipe_put(go[1]);
	ASSERT_EQ(0, mapdrv_wait_child(pid));
	EXPECT_EQ(-EBUSY, busy);
	EXPECT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 32));
}

TEST_F(set_mode, set_mode_is_ebusy_while_one_part_of_a_split_mapping_is_left)
{
	uint8_t *p;

	p = mapdrv_must_map(_metadata, self->dev.fd, 0, 3 * self->dev.page,
			    PROT_READ, MAP_SHARED);
	ASSERT_EQ(0, munmap(p + self->dev.page, self->dev.page));
	EXPECT_EQ(-EBUSY, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_EAGER, 0));
	ASSERT_EQ(0, munmap(p, self->dev.page));
	EXPECT_EQ(-EBUSY, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_EAGER, 0));
	ASSERT_EQ(0, munmap(p + 2 * self->dev.page, self->dev.page));
	EXPECT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_EAGER, 0));
}

TEST_F(set_mode, set_mode_is_ebusy_while_a_shrunk_or_moved_mapping_is_left)
{
	uint8_t *p, *q, *target;

	target = mmap(NULL, 2 * self->dev.page, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, target);
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, 4 * self->dev.page,
			    PROT_READ, MAP_SHARED);
	ASSERT_EQ(p, mremap(p, 4 * self->dev.page, 2 * self->dev.page, 0));
	EXPECT_EQ(-EBUSY, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 0));
	q = mremap(p, 2 * self->dev.page, 2 * self->dev.page,
		   MREMAP_MAYMOVE | MREMAP_FIXED, target);
	ASSERT_EQ(target, q) TH_LOG("mremap: %s", strerror(errno));
	EXPECT_EQ(-EBUSY, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 0));
	ASSERT_EQ(0, munmap(q, 2 * self->dev.page));
	EXPECT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 0));
}

/* Only live VMAs of this file count: not those of other files. */
TEST_F(set_mode, mappings_of_other_files_do_not_make_this_one_busy)
{
	int open_fd = mapdrv_open(O_RDONLY), closed_fd = mapdrv_open(O_RDONLY);
	uint8_t *a, *b;

	ASSERT_LE(0, open_fd);
	ASSERT_LE(0, closed_fd);
	a = mapdrv_must_map(_metadata, open_fd, 0, self->dev.page, PROT_READ,
			    MAP_SHARED);
	b = mapdrv_must_map(_metadata, closed_fd, 0, self->dev.page, PROT_READ,
			    MAP_SHARED);
	close(closed_fd);
	EXPECT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 64));
	munmap(a, self->dev.page);
	munmap(b, self->dev.page);
	close(open_fd);
}

/* mmap() failed in the driver or in the core: no VMA was left to count. */
TEST_F(set_mode, refused_mmap_does_not_make_the_fd_busy)
{
	uint8_t *p;

	ASSERT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_EAGER, 0));
	p = mmap(NULL, (self->dev.npages + 1) * self->dev.page, PROT_READ,
		 MAP_SHARED, self->dev.fd, 0);
	ASSERT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, self->dev.page, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 self->dev.fd, 0);
	ASSERT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	/* unaligned: the core's EINVAL, before the driver */
	p = mapdrv_sys_mmap(NULL, self->dev.page, PROT_READ, MAP_SHARED,
			    self->dev.fd, 8);
	ASSERT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 16));
}

/* Map SOME_PAGES pages of @fd from buffer page 0; touch page @i; model. */
static uint8_t *map_and_touch(struct __test_metadata *_metadata, int fd,
			      size_t i, struct mapdrv_model *m)
{
	struct mapdrv_info info = mapdrv_must_info(_metadata, fd);
	size_t page = mapdrv_page_size();
	uint8_t *p;

	mapdrv_must_model(_metadata, m, info.mode, info.window, 0, SOME_PAGES);
	p = mapdrv_must_map(_metadata, fd, 0, SOME_PAGES * page, PROT_READ,
			    MAP_SHARED);
	touch_page(m, p, i);
	return p;
}

/* The next mmap() after munmap() maps in the new mode. */
TEST_F(set_mode, next_mmap_after_munmap_uses_the_new_mode)
{
	static const struct mapdrv_mode modes[] = {
		{ .mode = MAPDRV_MODE_FAULT },
		{ .mode = MAPDRV_MODE_AROUND, .window = 16 },
		{ .mode = MAPDRV_MODE_EAGER },
		{ .mode = MAPDRV_MODE_AROUND, .window = 4 },
		{ .mode = MAPDRV_MODE_FAULT },
	};
	struct mapdrv_model m;
	size_t i;
	uint8_t *p;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		ASSERT_EQ(0, mapdrv_set_mode(self->dev.fd, modes[i].mode,
					     modes[i].window));
		p = map_and_touch(_metadata, self->dev.fd, 21, &m);
		mapdrv_expect_resident(_metadata, p, &m);
		ASSERT_EQ(0, munmap(p, SOME_PAGES * self->dev.page));
		mapdrv_model_free(&m);
	}
}

/*
 * Two files, two modes: each mapping maps in the mode of its own file at
 * its mmap(), whatever SET_MODE did to the other file since.
 */
static void two_files_two_modes(struct __test_metadata *_metadata, int fd_a,
				uint32_t mode_a, uint32_t window_a,
				uint32_t mode_b, uint32_t window_b)
{
	struct mapdrv_info before, after;
	struct mapdrv_model ma, mb, mc;
	size_t page = mapdrv_page_size();
	uint8_t *a, *b, *c;
	int fd_b, fd_c;

	ASSERT_EQ(0, mapdrv_set_mode(fd_a, mode_a, window_a));
	a = mapdrv_must_map(_metadata, fd_a, 0, SOME_PAGES * page, PROT_READ,
			    MAP_SHARED);
	mapdrv_must_model(_metadata, &ma, mode_a, window_a, 0, SOME_PAGES);
	/* the other file changes its mode after a's mmap(), then maps */
	fd_b = mapdrv_must_open_mode(_metadata, O_RDONLY, mode_b, window_b);
	before = mapdrv_must_info(_metadata, fd_a);
	b = map_and_touch(_metadata, fd_b, 5, &mb);
	touch_page(&ma, a, 5);
	/* and a third file, in a's mode but another window, maps too */
	fd_c = mapdrv_must_open_mode(_metadata, O_RDONLY, mode_a,
				     other_window(window_a));
	c = map_and_touch(_metadata, fd_c, 40, &mc);
	touch_page(&ma, a, 40);
	after = mapdrv_must_info(_metadata, fd_a);
	mapdrv_expect_resident(_metadata, a, &ma);
	mapdrv_expect_resident(_metadata, b, &mb);
	mapdrv_expect_resident(_metadata, c, &mc);
	EXPECT_EQ(ma.faults + mb.faults + mc.faults,
		  after.faults - before.faults);
	expect_mode(_metadata, fd_a, mode_a, window_a);
	munmap(c, SOME_PAGES * page);
	munmap(b, SOME_PAGES * page);
	munmap(a, SOME_PAGES * page);
	close(fd_c);
	close(fd_b);
	mapdrv_model_free(&mc);
	mapdrv_model_free(&mb);
	mapdrv_model_free(&ma);
}

TEST_F(set_mode, fault_mapping_keeps_its_mode_when_another_file_changes_its)
{
	two_files_two_modes(_metadata, self->dev.fd, MAPDRV_MODE_FAULT, 16,
			    MAPDRV_MODE_AROUND, 16);
}

TEST_F(set_mode, around_mapping_keeps_its_window_when_another_file_changes_its)
{
	two_files_two_modes(_metadata, self->dev.fd, MAPDRV_MODE_AROUND, 16,
			    MAPDRV_MODE_AROUND, 512);
}

TEST_F(set_mode, around_mapping_keeps_its_mode_when_another_file_goes_eager)
{
	two_files_two_modes(_metadata, self->dev.fd, MAPDRV_MODE_AROUND, 4,
			    MAPDRV_MODE_EAGER, 0);
}

/* Not spelled out by the ABI: the usual copy_from_user() failure. */
TEST_F(set_mode, set_mode_from_an_inaccessible_page_is_efault)
{
	void *p = mmap(NULL, self->dev.page, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mapdrv_set_mode(self->dev.fd, MAPDRV_MODE_AROUND, 8));
	EXPECT_EQ(-1, ioctl(self->dev.fd, MAPDRV_IOC_SET_MODE, p));
	EXPECT_EQ(EFAULT, errno);
	expect_mode(_metadata, self->dev.fd, MAPDRV_MODE_AROUND, 8);
	munmap(p, self->dev.page);
}

/*
 * Arguments SET_MODE refuses with EINVAL, one per variant: a mode that does
 * not exist, a window that is not a power of two from 1 to 512 (whatever
 * the mode), a non-zero reserved field. The file keeps its mode.
 */
FIXTURE(set_mode_einval) {
	struct mapdrv_test_dev dev;	/* O_RDWR, AROUND with 32 pages */
};

FIXTURE_VARIANT(set_mode_einval) {
	uint32_t mode;
	uint32_t window;
	uint64_t reserved;
};

FIXTURE_VARIANT_ADD(set_mode_einval, mode_count) {
	.mode = MAPDRV_MODE_COUNT, .window = 16,
};

FIXTURE_VARIANT_ADD(set_mode_einval, mode_all_ones) {
	.mode = UINT32_MAX,
};

FIXTURE_VARIANT_ADD(set_mode_einval, window_3) {
	.mode = MAPDRV_MODE_AROUND, .window = 3,
};

FIXTURE_VARIANT_ADD(set_mode_einval, window_513) {
	.mode = MAPDRV_MODE_AROUND, .window = 513,
};

FIXTURE_VARIANT_ADD(set_mode_einval, window_1024) {
	.mode = MAPDRV_MODE_AROUND, .window = 1024,
};

FIXTURE_VARIANT_ADD(set_mode_einval, window_2_pow_31) {
	.mode = MAPDRV_MODE_AROUND, .window = 1U << 31,
};

FIXTURE_VARIANT_ADD(set_mode_einval, window_all_ones) {
	.mode = MAPDRV_MODE_AROUND, .window = UINT32_MAX,
};

FIXTURE_VARIANT_ADD(set_mode_einval, fault_with_window_3) {
	.mode = MAPDRV_MODE_FAULT, .window = 3,
};

FIXTURE_VARIANT_ADD(set_mode_einval, eager_with_window_1024) {
	.mode = MAPDRV_MODE_EAGER, .window = 1024,
};

FIXTURE_VARIANT_ADD(set_mode_einval, reserved_1) {
	.mode = MAPDRV_MODE_AROUND, .window = 16, .reserved = 1,
};

FIXTURE_VARIANT_ADD(set_mode_einval, reserved_bit_63) {
	.mode = MAPDRV_MODE_FAULT, .reserved = 1ULL << 63,
};

FIXTURE_SETUP(set_mode_einval)
{
	/* a state of its own, to see that it stays */
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR,
			      MAPDRV_MODE_AROUND, 32, 0);
}

FIXTURE_TEARDOWN(set_mode_einval)
{
	close(self->dev.fd);
}

TEST_F(set_mode_einval, set_mode_is_einval)
{
	struct mapdrv_mode req = {
		.mode = variant->mode,
		.window = variant->window,
		.reserved = variant->reserved,
	};

	EXPECT_EQ(-1, ioctl(self->dev.fd, MAPDRV_IOC_SET_MODE, &req));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(set_mode_einval, refused_set_mode_leaves_the_mode_and_window_alone)
{
	struct mapdrv_mode req = {
		.mode = variant->mode,
		.window = variant->window,
		.reserved = variant->reserved,
	};

	ioctl(self->dev.fd, MAPDRV_IOC_SET_MODE, &req);
	expect_mode(_metadata, self->dev.fd, MAPDRV_MODE_AROUND, 32);
}

/*
 * How each mode maps, one variant per mode. self->dev.fd is in the variant's
 * mode; the tests replay what they do on the model and compare.
 */
FIXTURE(mode_map) {
	struct mapdrv_test_dev dev;	/* O_RDWR, in the variant's mode */
};

FIXTURE_VARIANT(mode_map) {
	uint32_t mode, window;	/* for SET_MODE */
};

MAPDRV_MODE_VARIANTS(mode_map)

FIXTURE_SETUP(mode_map)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR, variant->mode,
			      variant->window, SOME_PAGES);
}

FIXTURE_TEARDOWN(mode_map)
{
	close(self->dev.fd);
}

/* The model of a mapping of self->dev.fd. */
static void model(struct __test_metadata *_metadata,
		  FIXTURE_DATA(mode_map) *self, struct mapdrv_model *m,
		  uint64_t first, size_t npages)
{
	mapdrv_must_model(_metadata, m, self->dev.mode, self->dev.window, first,
			  npages);
}

/* The fault count of the driver. */
static uint64_t faults(struct __test_metadata *_metadata, int fd)
{
	return mapdrv_must_info(_metadata, fd).faults;
}

/*
 * The driver's faults since @before are those of model @m, and mincore()
 * of the mapping at @p shows @m's pages resident.
 */
static void expect_faults_and_resident(struct __test_metadata *_metadata,
				       FIXTURE_DATA(mode_map) *self,
				       const uint8_t *p,
				       const struct mapdrv_model *m,
				       uint64_t before)
{
	EXPECT_EQ(m->faults, faults(_metadata, self->dev.fd) - before);
	mapdrv_expect_resident(_metadata, p, m);
}

/*
 * mapdrv_check_pattern() of the @n pages at @p, which map the buffer from
 * page @first on.
 */
static int64_t check_pages(FIXTURE_DATA(mode_map) *self, const uint8_t *p,
			   size_t first, size_t n)
{
	return mapdrv_check_pattern(p, n * self->dev.page,
				    first * self->dev.page, self->dev.seed);
}

/*
 * The start of the refault tests: model @m of a read-only shared mapping of
 * @npages buffer pages from @first, the mapping, its pages checked (a touch
 * of every one) and the model touched the same: the mapping.
 */
static uint8_t *map_touched(struct __test_metadata *_metadata,
			    FIXTURE_DATA(mode_map) *self,
			    struct mapdrv_model *m, size_t first,
			    size_t npages)
{
	uint8_t *p;

	model(_metadata, self, m, first, npages);
	p = mapdrv_must_map(_metadata, self->dev.fd, first * self->dev.page,
			    npages * self->dev.page, PROT_READ, MAP_SHARED);
	EXPECT_EQ(-1, check_pages(self, p, first, npages));
	mapdrv_model_touch_range(m, 0, npages);
	return p;
}

/*
 * The populate tests map the buffer from page 3 on, so that the first
 * window is cut by the mapping's start.
 */
#define POPULATE_FIRST	3

/* MAP_POPULATE of the buffer from POPULATE_FIRST on: the mapping. */
static uint8_t *map_populate(struct __test_metadata *_metadata,
			     FIXTURE_DATA(mode_map) *self, int flags,
			     size_t *npages)
{
	*npages = self->dev.npages - POPULATE_FIRST;
	return mapdrv_must_map(_metadata, self->dev.fd,
			       POPULATE_FIRST * self->dev.page,
			       *npages * self->dev.page, PROT_READ,
			       flags | MAP_POPULATE);
}

/*
 * Populating the @n pages at @p, from POPULATE_FIRST on, took @took faults:
 * as many as touching every page in order (once per window). Unmaps @p.
 */
static void expect_populate_faults(struct __test_metadata *_metadata,
				   FIXTURE_DATA(mode_map) *self, uint8_t *p,
				   size_t n, uint64_t took)
{
	struct mapdrv_model m;

	model(_metadata, self, &m, POPULATE_FIRST, n);
	mapdrv_model_touch_range(&m, 0, n);
	EXPECT_EQ(m.faults, took);
	munmap(p, n * self->dev.page);
	mapdrv_model_free(&m);
}

/*
 * The populated @n pages at @p hold the pattern, and reading them takes no
 * fault. Unmaps @p.
 */
static void expect_populated_pattern(struct __test_metadata *_metadata,
				     FIXTURE_DATA(mode_map) *self, uint8_t *p,
				     size_t n)
{
	uint64_t before = faults(_metadata, self->dev.fd);

	EXPECT_EQ(-1, check_pages(self, p, POPULATE_FIRST, n));
	EXPECT_EQ(before, faults(_metadata, self->dev.fd));
	munmap(p, n * self->dev.page);
}

TEST_F(mode_map, map_populate_makes_every_page_resident)
{
	size_t n;
	uint8_t *p = map_populate(_metadata, self, MAP_SHARED, &n);

	EXPECT_EQ((long)n, mapdrv_resident_pages(p, n, NULL));
	munmap(p, n * self->dev.page);
}

TEST_F(mode_map, map_populate_of_a_private_mapping_makes_every_page_resident)
{
	size_t n;
	uint8_t *p = map_populate(_metadata, self, MAP_PRIVATE, &n);

	EXPECT_EQ((long)n, mapdrv_resident_pages(p, n, NULL));
	EXPECT_EQ(-1, check_pages(self, p, POPULATE_FIRST, n));
	munmap(p, n * self->dev.page);
}

/* Populating faults like touching every page in order: once per window. */
TEST_F(mode_map, map_populate_faults_once_per_window)
{
	uint64_t before = faults(_metadata, self->dev.fd);
	size_t n;
	uint8_t *p = map_populate(_metadata, self, MAP_SHARED, &n);

	expect_populate_faults(_metadata, self, p, n,
			       faults(_metadata, self->dev.fd) - before);
}

TEST_F(mode_map, map_populate_leaves_the_pattern_and_no_fault_to_take)
{
	size_t n;
	uint8_t *p = map_populate(_metadata, self, MAP_SHARED, &n);

	expect_populated_pattern(_metadata, self, p, n);
}

/* Map the buffer from POPULATE_FIRST on and MADV_POPULATE_READ it. */
static uint8_t *map_populate_read(struct __test_metadata *_metadata,
				  FIXTURE_DATA(mode_map) *self, size_t *npages)
{
	uint8_t *p;

	*npages = self->dev.npages - POPULATE_FIRST;
	p = mapdrv_must_map(_metadata, self->dev.fd,
			    POPULATE_FIRST * self->dev.page,
			    *npages * self->dev.page, PROT_READ, MAP_SHARED);
	ASSERT_EQ(0, madvise(p, *npages * self->dev.page, MADV_POPULATE_READ))
		TH_LOG("MADV_POPULATE_READ: %s", strerror(errno));
	return p;
}

#define REQUIRE_MADV_POPULATE_READ()					\
	do {								\
		if (!mapdrv_have_madv_populate_read())			\
			SKIP(return, "no MADV_POPULATE_READ (Linux 5.14)"); \
	} while (0)

TEST_F(mode_map, madvise_populate_read_makes_every_page_resident)
{
	size_t n;
	uint8_t *p;

	REQUIRE_MADV_POPULATE_READ();
	p = map_populate_read(_metadata, self, &n);
	EXPECT_EQ((long)n, mapdrv_resident_pages(p, n, NULL));
	munmap(p, n * self->dev.page);
}

TEST_F(mode_map, madvise_populate_read_faults_once_per_window)
{
	uint64_t before;
	size_t n;
	uint8_t *p;

	REQUIRE_MADV_POPULATE_READ();
	before = faults(_metadata, self->dev.fd);
	p = map_populate_read(_metadata, self, &n);
	expect_populate_faults(_metadata, self, p, n,
			       faults(_metadata, self->dev.fd) - before);
}

TEST_F(mode_map, madvise_populate_read_leaves_the_pattern_and_no_fault_to_take)
{
	size_t n;
	uint8_t *p;

	REQUIRE_MADV_POPULATE_READ();
	p = map_populate_read(_metadata, self, &n);
	expect_populated_pattern(_metadata, self, p, n);
}

/*
 * After MADV_DONTNEED of everything, one touch is one fault that maps the
 * page's window again (EAGER: MAPDRV_WINDOW_MAX pages), and the data is
 * the same. The mapping is cut at both ends: buffer pages 3 to npages - 6.
 */
TEST_F(mode_map, touch_after_madvise_dontneed_maps_one_window_again)
{
	size_t first = 3, n = self->dev.npages - 8, t = n * 3 / 4;
	struct mapdrv_model m;
	uint64_t before;
	uint8_t *p;

	p = map_touched(_metadata, self, &m, first, n);
	ASSERT_EQ(0, madvise(p, n * self->dev.page, MADV_DONTNEED))
		TH_LOG("MADV_DONTNEED: %s", strerror(errno));
	mapdrv_model_drop(&m, 0, n);
	ASSERT_EQ(0, mapdrv_resident_pages(p, n, NULL));
	before = faults(_metadata, self->dev.fd);
	touch_page(&m, p, t);
	EXPECT_EQ(1ULL, faults(_metadata, self->dev.fd) - before);
	mapdrv_expect_resident(_metadata, p, &m);
	EXPECT_EQ(-1, check_pages(self, p, first, n));
	munmap(p, n * self->dev.page);
	mapdrv_model_free(&m);
}

/*
 * A window some of whose pages are still mapped: the fault maps the
 * touched page, and each of its two runs stops at the first page it finds
 * mapped (the model's rule): the holes beyond are left to fault on their
 * own. A driver that stepped over mapped pages would map them too, at the
 * price of a vm_insert_pages() call per page of the window.
 */
TEST_F(mode_map, refault_stops_each_run_at_the_first_page_still_mapped)
{
	size_t n = SOME_PAGES, t = 35;
	struct mapdrv_model m;
	uint64_t before;
	uint8_t *p;

	p = map_touched(_metadata, self, &m, 0, n);
	/* drop 33-34, 36-37 and 40, keep 32, 35 (then touched), 38-39 */
	ASSERT_EQ(0, madvise(p + 33 * self->dev.page, 2 * self->dev.page,
			     MADV_DONTNEED));
	ASSERT_EQ(0, madvise(p + 36 * self->dev.page, 2 * self->dev.page,
			     MADV_DONTNEED));
	ASSERT_EQ(0, madvise(p + 40 * self->dev.page, self->dev.page,
			     MADV_DONTNEED));
	ASSERT_EQ(0, madvise(p + t * self->dev.page, self->dev.page,
			     MADV_DONTNEED));
	mapdrv_model_drop(&m, 33, 2);
	mapdrv_model_drop(&m, 36, 2);
	mapdrv_model_drop(&m, 40, 1);
	mapdrv_model_drop(&m, t, 1);
	mapdrv_expect_resident(_metadata, p, &m);
	before = faults(_metadata, self->dev.fd);
	touch_page(&m, p, t);
	EXPECT_EQ(1ULL, faults(_metadata, self->dev.fd) - before);
	mapdrv_expect_resident(_metadata, p, &m);
	EXPECT_EQ(-1, check_pages(self, p, 0, n));
	munmap(p, n * self->dev.page);
	mapdrv_model_free(&m);
}

/*
 * A fully touched mapping, then MADV_DONTNEED of every 16th page and a
 * touch of each of them: one fault per dropped page, whatever the mode,
 * and every page mapped again with the right data.
 */
TEST_F(mode_map, refault_of_every_16th_page_is_one_fault_each)
{
	size_t n = self->dev.npages, i, dropped = 0;
	struct mapdrv_model m;
	uint64_t before;
	uint8_t *p;

	p = map_touched(_metadata, self, &m, 0, n);
	for (i = 0; i < n; i += 16, dropped++) {
		ASSERT_EQ(0, madvise(p + i * self->dev.page, self->dev.page,
				     MADV_DONTNEED))
			TH_LOG("MADV_DONTNEED of page %zu: %s", i,
			       strerror(errno));
		mapdrv_model_drop(&m, i, 1);
	}
	mapdrv_expect_resident(_metadata, p, &m);
	before = faults(_metadata, self->dev.fd);
	for (i = 0; i < n; i += 16)
		touch_page(&m, p, i);
	EXPECT_EQ((uint64_t)dropped, faults(_metadata, self->dev.fd) - before);
	EXPECT_EQ((size_t)n, mapdrv_model_resident(&m));
	mapdrv_expect_resident(_metadata, p, &m);
	EXPECT_EQ(-1, check_pages(self, p, 0, n));
	munmap(p, n * self->dev.page);
	mapdrv_model_free(&m);
}

/*
 * The mapping starts at buffer page 5 but at a virtual address aligned to
 * MAPDRV_WINDOW_MAX pages: a window aligned on the address instead of on
 * the buffer page offset maps other pages, and the check after each touch
 * sees it.
 */
TEST_F(mode_map, window_is_aligned_on_the_buffer_page_offset_not_the_address)
{
	size_t first = 5, n = self->dev.npages - 8, i;
	size_t touches[] = { 0, n / 3, n - 1 };
	struct mapdrv_model m;
	uint64_t before;
	uint8_t *r, *p;

	r = mapdrv_reserve_aligned(n * self->dev.page,
				   MAPDRV_WINDOW_MAX * self->dev.page);
	ASSERT_NE(MAP_FAILED, r) TH_LOG("reserve: %s", strerror(errno));
	p = mmap(r, n * self->dev.page, PROT_READ, MAP_SHARED | MAP_FIXED,
		 self->dev.fd, first * self->dev.page);
	ASSERT_EQ(r, p) TH_LOG("mmap: %s", strerror(errno));
	model(_metadata, self, &m, first, n);
	before = faults(_metadata, self->dev.fd);
	for (i = 0; i < ARRAY_SIZE(touches); i++) {
		touch_page(&m, p, touches[i]);
		mapdrv_expect_resident(_metadata, p, &m);
	}
	EXPECT_EQ(m.faults, faults(_metadata, self->dev.fd) - before);
	munmap(p, n * self->dev.page);
	mapdrv_model_free(&m);
}

/*
 * Buffer pages 1-3 mapped between buffer pages 0 and 4, mapped right
 * before and after by a FAULT file and never touched: a window (16 or 512
 * pages from buffer page 0) is clipped to pages 1-3 and nothing else is
 * mapped.
 */
TEST_F(mode_map, window_is_clipped_to_the_mapping_and_maps_no_neighbour)
{
	struct mapdrv_model m;
	uint64_t before;
	uint8_t *r, *p;
	int nfd;

	nfd = mapdrv_must_open_mode(_metadata, O_RDONLY, MAPDRV_MODE_FAULT, 0);
	r = mapdrv_reserve_aligned(5 * self->dev.page, self->dev.page);
	ASSERT_NE(MAP_FAILED, r) TH_LOG("reserve: %s", strerror(errno));
	ASSERT_EQ(r, mmap(r, self->dev.page, PROT_READ, MAP_SHARED | MAP_FIXED,
			  nfd, 0));
	p = mmap(r + self->dev.page, 3 * self->dev.page, PROT_READ,
		 MAP_SHARED | MAP_FIXED, self->dev.fd, self->dev.page);
	ASSERT_EQ(r + self->dev.page, p) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ(r + 4 * self->dev.page,
		  mmap(r + 4 * self->dev.page, self->dev.page, PROT_READ,
		       MAP_SHARED | MAP_FIXED, nfd, 4 * self->dev.page));
	model(_metadata, self, &m, 1, 3);
	before = faults(_metadata, self->dev.fd);
	touch_page(&m, p, 1);
	expect_faults_and_resident(_metadata, self, p, &m, before);
	EXPECT_EQ(0, mapdrv_resident_pages(r, 1, NULL));
	EXPECT_EQ(0, mapdrv_resident_pages(r + 4 * self->dev.page, 1, NULL));
	EXPECT_EQ(-1, check_pages(self, p, 1, 3));
	munmap(r, 5 * self->dev.page);
	close(nfd);
	mapdrv_model_free(&m);
}

/* Both parts of a split mapping keep the mode, each clipping to itself. */
TEST_F(mode_map, windows_are_clipped_to_each_part_of_a_split_mapping)
{
	size_t n = SOME_PAGES;
	struct mapdrv_model lo, hi;
	uint64_t before;
	uint8_t *p;

	p = mapdrv_must_map(_metadata, self->dev.fd, 0, n * self->dev.page,
			    PROT_READ, MAP_SHARED);
	ASSERT_EQ(0, munmap(p + 20 * self->dev.page, 20 * self->dev.page));
	model(_metadata, self, &lo, 0, 20);
	model(_metadata, self, &hi, 40, n - 40);
	before = faults(_metadata, self->dev.fd);
	touch_page(&lo, p, 10);
	mapdrv_expect_resident(_metadata, p, &lo);
	mapdrv_expect_resident(_metadata, p + 40 * self->dev.page, &hi);
	touch_page(&hi, p + 40 * self->dev.page, 5);
	mapdrv_expect_resident(_metadata, p, &lo);
	mapdrv_expect_resident(_metadata, p + 40 * self->dev.page, &hi);
	EXPECT_EQ(lo.faults + hi.faults,
		  faults(_metadata, self->dev.fd) - before);
	EXPECT_EQ(-1, check_pages(self, p, 0, 20));
	EXPECT_EQ(-1, check_pages(self, p + 40 * self->dev.page, 40, n - 40));
	munmap(p, 20 * self->dev.page);
	munmap(p + 40 * self->dev.page, (n - 40) * self->dev.page);
	mapdrv_model_free(&lo);
	mapdrv_model_free(&hi);
}

/* A moved mapping keeps its mode and its buffer offsets. */
TEST_F(mode_map, moved_mapping_keeps_its_mode_and_offsets)
{
	size_t first = 16, n = SOME_PAGES - first;
	struct mapdrv_model m;
	uint64_t before;
	uint8_t *p, *q, *target;

	target = mmap(NULL, n * self->dev.page, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, target);
	p = mapdrv_must_map(_metadata, self->dev.fd, first * self->dev.page,
			    n * self->dev.page, PROT_READ, MAP_SHARED);
	q = mremap(p, n * self->dev.page, n * self->dev.page,
		   MREMAP_MAYMOVE | MREMAP_FIXED, target);
	ASSERT_EQ(target, q) TH_LOG("mremap: %s", strerror(errno));
	model(_metadata, self, &m, first, n);
	before = faults(_metadata, self->dev.fd);
	touch_page(&m, q, 21);
	expect_faults_and_resident(_metadata, self, q, &m, before);
	EXPECT_EQ(-1, check_pages(self, q, first, n));
	munmap(q, n * self->dev.page);
	mapdrv_model_free(&m);
}

TEST_F(mode_map, private_mapping_follows_the_mode)
{
	size_t first = 7, n = SOME_PAGES - first;
	struct mapdrv_model m;
	uint64_t before;
	uint8_t *p;

	model(_metadata, self, &m, first, n);
	p = mapdrv_must_map(_metadata, self->dev.fd, first * self->dev.page,
			    n * self->dev.page, PROT_READ, MAP_PRIVATE);
	before = faults(_metadata, self->dev.fd);
	touch_page(&m, p, 2);
	touch_page(&m, p, 30);
	expect_faults_and_resident(_metadata, self, p, &m, before);
	EXPECT_EQ(-1, check_pages(self, p, first, n));
	munmap(p, n * self->dev.page);
	mapdrv_model_free(&m);
}

TEST_F(mode_map, mapping_of_a_read_only_fd_follows_the_mode)
{
	struct mapdrv_model m;
	uint64_t before;
	uint8_t *p;
	int fd;

	fd = mapdrv_must_open_mode(_metadata, O_RDONLY, variant->mode,
				   variant->window);
	model(_metadata, self, &m, 0, SOME_PAGES);
	p = mapdrv_must_map(_metadata, fd, 0, SOME_PAGES * self->dev.page,
			    PROT_READ, MAP_SHARED);
	before = faults(_metadata, self->dev.fd);
	touch_page(&m, p, 50);
	expect_faults_and_resident(_metadata, self, p, &m, before);
	munmap(p, SOME_PAGES * self->dev.page);
	close(fd);
	mapdrv_model_free(&m);
}

/* In AROUND and EAGER mode fork() copies the page table entries too. */
TEST_F(mode_map, forked_child_reads_the_whole_pattern)
{
	size_t size = self->dev.npages * self->dev.page;
	uint8_t *p;
	pid_t pid;

	p = mapdrv_must_map(_metadata, self->dev.fd, 0, size, PROT_READ,
			    MAP_SHARED);
	mapdrv_touch(p + 3 * self->dev.page);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mapdrv_check_pattern(p, size, 0, self->dev.seed) == -1 ?
		      0 : 1);
	EXPECT_EQ(0, mapdrv_wait_child(pid));
	EXPECT_EQ(-1, mapdrv_check_pattern(p, size, 0, self->dev.seed));
	munmap(p, size);
}

TEST_HARNESS_MAIN
