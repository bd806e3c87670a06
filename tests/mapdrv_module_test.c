// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading mapdrv.ko: who keeps it loaded (in every mapping
 * mode), its parameters, the refusal of bad sizes, modes and windows, and
 * leaks over load/unload cycles.
 *
 * The module comes from $MAPDRV_KO (finit_module); without it the binary
 * exits at once with status 4 (KSFT_SKIP). The tests run one after
 * another, each in a process of its own, and every test ends with the
 * module loaded with default parameters and its buffer stamped with the
 * seed it had when the test started.
 */
#include "kselftest_harness.h"

#include "mapdrv_golden.h"
#include "mapdrv_test_util.h"

/*
 * Without a module to load no case can run: say so once, the kselftest way
 * (as MAPDRV_TEST_NEEDS_DEVICE() does for the other binaries).
 */
static void __attribute__((constructor)) needs_a_module(void)
{
	const char *ko = getenv(MAPDRV_KO_ENV);

	if (ko && *ko)
		return;
	ksft_print_header();
	ksft_exit_skip("$%s is not set: no module to load\n", MAPDRV_KO_ENV);
}

/* Load/unload cycles of the leak test, after one warm-up cycle. */
#define LEAK_CYCLES		20
/*
 * Every load vmallocs the buffer (4 MiB by default, 1024 pages of 4 KiB)
 * and the module's own memory, every unload must vfree them. Allow 16 pages
 * of drift over the whole run for the rest of the kernel (a kworker's
 * vmalloc'ed stack, say; 64 KiB with 4 KiB pages, 1 MiB with 64 KiB ones):
 * a leak of a single page per cycle would already add 20 over the 20
 * cycles.
 */
#define LEAK_TOLERANCE_PAGES	16

/* LEAK_TOLERANCE_PAGES in kB, the unit of VmallocUsed. */
static long long leak_tolerance_kb(size_t page)
{
	return (long long)(LEAK_TOLERANCE_PAGES * page / 1024);
}

/* What every fixture keeps, to put the module back as it found it. */
struct module_env {
	const char *ko;		/* $MAPDRV_KO */
	uint64_t seed;		/* the seed at setup */
};

/*
 * The common part of the setups: skip without $MAPDRV_KO, make sure the
 * module is loaded and note its seed.
 */
static void module_env_setup(struct __test_metadata *_metadata,
			     struct module_env *env)
{
	struct mapdrv_info info;
	int ret;

	env->ko = getenv(MAPDRV_KO_ENV);
	if (!env->ko || !*env->ko)
		MAPDRV_SETUP_SKIP("$%s is not set: no module to load",
				  MAPDRV_KO_ENV);
	ASSERT_EQ(0, access(env->ko, R_OK))
		TH_LOG("%s=%s: %s", MAPDRV_KO_ENV, env->ko, strerror(errno));
	if (!mapdrv_module_loaded()) {
		ret = mapdrv_load(env->ko, "");
		ASSERT_EQ(0, ret)
			TH_LOG("mapdrv was not loaded, and loading %s failed: %s",
			       env->ko, strerror(-ret));
	}
	ASSERT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS))
		TH_LOG("mapdrv is loaded but %s does not exist",
		       MAPDRV_DEV_PATH);
	ret = mapdrv_info(&info);
	ASSERT_EQ(0, ret) TH_LOG("MAPDRV_IOC_INFO: %s", strerror(-ret));
	env->seed = info.seed;
}

/*
 * Put the module back: loaded with default parameters (unloading it first
 * if @reload: it may carry other parameters) and stamped with the seed it
 * had. For teardowns (and ASSERT handlers), so EXPECTs only: an ASSERT in
 * a teardown would jump back into the harness and run the teardown again.
 */
static void module_env_restore(struct __test_metadata *_metadata,
			       const struct module_env *env, bool reload)
{
	const struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
	struct mapdrv_info info;
	int ret = 0, i;

	if (reload && mapdrv_module_loaded()) {
		/* a forked child may still be on its way out */
		for (i = 0; i < 100; i++) {
			ret = mapdrv_unload();
			if (ret != -EWOULDBLOCK)
				break;
			nanosleep(&tick, NULL);
		}
		EXPECT_EQ(0, ret)
			TH_LOG("cannot unload mapdrv to reload it: %s",
			       strerror(-ret));
	}
	if (!mapdrv_module_loaded()) {
		ret = mapdrv_load(env->ko, "");
		EXPECT_EQ(0, ret)
			TH_LOG("cannot load %s back: %s", env->ko,
			       strerror(-ret));
		if (ret)
			return;
	}
	EXPECT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS));
	ret = mapdrv_info(&info);
	EXPECT_EQ(0, ret) TH_LOG("MAPDRV_IOC_INFO: %s", strerror(-ret));
	if (!ret && info.seed != env->seed)
		EXPECT_EQ(0, mapdrv_restamp_seed(env->seed));
}

/* Tests that start and end with the module loaded with defaults. */
FIXTURE(module) {
	struct module_env env;
	size_t page;
};

FIXTURE_SETUP(module)
{
	module_env_setup(_metadata, &self->env);
	self->page = mapdrv_page_size();
}

FIXTURE_TEARDOWN(module)
{
	module_env_restore(_metadata, &self->env, false);
}

/* A new O_RDONLY descriptor into @fd, and a mapping of its first page. */
static uint8_t *map_first_page(struct __test_metadata *_metadata, size_t page,
			       int *fd)
{
	*fd = mapdrv_open(O_RDONLY);
	ASSERT_LE(0, *fd);
	return mapdrv_must_map(_metadata, *fd, 0, page, PROT_READ, MAP_SHARED);
}

TEST_F(module, delete_module_is_refused_while_a_fd_is_open)
{
	int fd = mapdrv_open(O_RDONLY);
	struct mapdrv_info info;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, mapdrv_unload());
	EXPECT_TRUE(mapdrv_module_loaded());
	EXPECT_EQ(0, mapdrv_get_info(fd, &info));
	close(fd);
}

/* The VMA holds the file, and the file holds the module (fops.owner). */
TEST_F(module, delete_module_is_refused_while_a_mapping_outlives_its_fd)
{
	int fd, ret;
	uint8_t *p = map_first_page(_metadata, self->page, &fd);

	mapdrv_touch(p);
	ASSERT_EQ(0, close(fd));
	ret = mapdrv_unload();
	/* the mapping of an unloaded module must not be touched again */
	ASSERT_EQ(-EWOULDBLOCK, ret);
	EXPECT_TRUE(mapdrv_module_loaded());
	munmap(p, self->page);
}

/* What a child holding a mapping reads back: @len bytes at @p. */
struct held_mapping {
	const uint8_t *p;
	size_t len;
	uint64_t seed;
};

/* In the child: 0 if the held mapping still holds the pattern. */
static int held_mapping_reads_the_pattern(void *arg)
{
	const struct held_mapping *h = arg;

	return mapdrv_check_pattern(h->p, h->len, 0, h->seed) == -1 ? 0 : 1;
}

/*
 * Fork a child that keeps the @len bytes mapped at @p but not @fd, then
 * unmap and close them here: delete_module must be refused while the child
 * holds the mapping, and the child must then read the first @check bytes
 * of it as the pattern of @seed.
 */
static void expect_unload_refused_while_a_child_holds(
	struct __test_metadata *_metadata, int fd, uint8_t *p, size_t len,
	size_t check, uint64_t seed)
{
	struct held_mapping h = { .p = p, .len = check, .seed = seed };
	int ready[2], go[2], ret;
	pid_t pid;

	pid = mapdrv_fork_holder_then(_metadata, ready, go, fd,
				      held_mapping_reads_the_pattern, &h);
	munmap(p, len);
	close(fd);
	ret = mapdrv_unload();
	mapdrv_pipe_put(go[1]);
	close(go[1]);
	EXPECT_EQ(-EWOULDBLOCK, ret);
	EXPECT_EQ(0, mapdrv_wait_child(pid));
}

/* The child reads back the first word of the page. */
TEST_F(module, delete_module_is_refused_while_a_child_holds_a_mapping)
{
	int fd;
	uint8_t *p = map_first_page(_metadata, self->page, &fd);

	expect_unload_refused_while_a_child_holds(_metadata, fd, p, self->page,
						  8, self->env.seed);
}

TEST_F(module, delete_module_works_once_fds_and_mappings_are_gone)
{
	int fd;
	uint8_t *p = map_first_page(_metadata, self->page, &fd);

	mapdrv_touch(p);
	ASSERT_EQ(0, munmap(p, self->page));
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(0, mapdrv_unload());
	EXPECT_FALSE(mapdrv_module_loaded());
}

TEST_F(module, device_node_goes_away_with_the_module)
{
	ASSERT_EQ(0, mapdrv_unload());
	EXPECT_EQ(0, mapdrv_wait_dev(false, MAPDRV_DEV_WAIT_MS))
		TH_LOG("%s still exists", MAPDRV_DEV_PATH);
}

TEST_F(module, finit_module_brings_the_device_back)
{
	struct mapdrv_info info;
	int fd, ret;

	ASSERT_EQ(0, mapdrv_unload());
	ret = mapdrv_load(self->env.ko, "");
	ASSERT_EQ(0, ret) TH_LOG("finit_module: %s", strerror(-ret));
	ASSERT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS))
		TH_LOG("no %s after the load", MAPDRV_DEV_PATH);
	fd = mapdrv_open(O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(errno));
	EXPECT_EQ(0, mapdrv_get_info(fd, &info));
	close(fd);
}

TEST_F(module, default_load_has_the_default_size_and_seed_zero)
{
	struct mapdrv_info info;

	ASSERT_EQ(0, mapdrv_unload());
	ASSERT_EQ(0, mapdrv_load(self->env.ko, ""));
	ASSERT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS));
	ASSERT_EQ(0, mapdrv_info(&info));
	EXPECT_EQ(mapdrv_round_up(MAPDRV_SIZE_DEFAULT, self->page), info.size);
	EXPECT_EQ(0ULL, info.seed);
}

TEST_F(module, default_load_has_fault_mode_and_a_16_page_window)
{
	uint32_t mode = UINT32_MAX, window = 0;
	struct mapdrv_info info;

	ASSERT_EQ(0, mapdrv_unload());
	ASSERT_EQ(0, mapdrv_load(self->env.ko, ""));
	ASSERT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS));
	ASSERT_EQ(0, mapdrv_sysfs_mode(&mode, &window));
	ASSERT_EQ(0, mapdrv_info(&info));
	EXPECT_EQ((uint32_t)MAPDRV_MODE_FAULT, mode);
	EXPECT_EQ((uint32_t)MAPDRV_WINDOW_DEFAULT, window);
	EXPECT_EQ((uint32_t)MAPDRV_MODE_FAULT, info.mode);
	EXPECT_EQ((uint32_t)MAPDRV_WINDOW_DEFAULT, info.window);
}

TEST_F(module, fresh_load_has_zeroed_counters)
{
	struct mapdrv_info info;
	uint8_t *p;
	int fd;

	/* give the counters something to forget first */
	p = map_first_page(_metadata, self->page, &fd);
	mapdrv_touch(p);
	munmap(p, self->page);
	close(fd);

	ASSERT_EQ(0, mapdrv_unload());
	ASSERT_EQ(0, mapdrv_load(self->env.ko, ""));
	ASSERT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS));
	ASSERT_EQ(0, mapdrv_info(&info));
	EXPECT_EQ(0ULL, info.faults);
	EXPECT_EQ(0ULL, info.mmap_calls);
	EXPECT_EQ(0ULL, info.live_vmas);
}

TEST_F(module, fresh_load_holds_the_pattern_of_its_seed)
{
	struct mapdrv_info info;
	uint8_t *p;
	int fd;

	ASSERT_EQ(0, mapdrv_unload());
	ASSERT_EQ(0, mapdrv_load(self->env.ko, ""));
	ASSERT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS));
	fd = mapdrv_open(O_RDONLY);
	ASSERT_LE(0, fd);
	info = mapdrv_must_info(_metadata, fd);
	p = mapdrv_must_map(_metadata, fd, 0, info.size, PROT_READ,
			    MAP_SHARED);
	EXPECT_EQ(-1, mapdrv_check_pattern(p, info.size, 0, info.seed));
	munmap(p, info.size);
	close(fd);
}

/* Also proves that VmallocUsed sees the buffer, for the leak test. */
TEST_F(module, unload_frees_the_vmalloc_buffer)
{
	long long loaded, unloaded;
	struct mapdrv_info info;

	ASSERT_EQ(0, mapdrv_info(&info));
	ASSERT_EQ(0, mapdrv_vmalloc_used_settled_kb(&loaded));
	ASSERT_EQ(0, mapdrv_unload());
	ASSERT_EQ(0, mapdrv_vmalloc_used_settled_kb(&unloaded));
	/*
	 * VmallocUsed is the whole system's: the module's own memory, freed
	 * too, is the usual slack, and the same drift as the leak test's (a
	 * fork's vmalloc'ed stack in a systemd guest) is allowed for on top.
	 * A buffer left behind is still 1024 pages short of it by default.
	 */
	EXPECT_LE((long long)(info.size / 1024) - leak_tolerance_kb(self->page),
		  loaded - unloaded)
		TH_LOG("VmallocUsed %lld kB loaded, %lld kB unloaded",
		       loaded, unloaded);
}

/*
 * VmallocUsed's growth in kB over LEAK_CYCLES unloads and loads into @grew:
 * 0, or -1 with the failure logged.
 */
static int leak_batch(struct __test_metadata *_metadata, const char *ko,
		      long long *grew)
{
	long long before, after;
	int i, ret;

	ret = mapdrv_vmalloc_used_settled_kb(&before);
	EXPECT_EQ(0, ret) TH_LOG("VmallocUsed: %s", strerror(-ret));
	if (ret)
		return -1;
	for (i = 0; i < LEAK_CYCLES; i++) {
		ret = mapdrv_unload();
		EXPECT_EQ(0, ret)
			TH_LOG("cycle %d: delete_module: %s", i, strerror(-ret));
		if (!ret)
			ret = mapdrv_load(ko, "");
		EXPECT_EQ(0, ret)
			TH_LOG("cycle %d: finit_module: %s", i, strerror(-ret));
		if (ret)
			return -1;
	}
	ret = mapdrv_vmalloc_used_settled_kb(&after);
	EXPECT_EQ(0, ret) TH_LOG("VmallocUsed: %s", strerror(-ret));
	if (ret)
		return -1;
	TH_LOG("VmallocUsed %lld kB before %d cycles, %lld kB after",
	       before, LEAK_CYCLES, after);
	*grew = after - before;
	return 0;
}

/*
 * VmallocUsed is the whole system's: a burst of new kworkers or udev
 * workers (a vmalloc'ed stack each) can grow it once past the tolerance.
 * A leak grows it in every batch of cycles, so a second batch decides.
 */
TEST_F_TIMEOUT(module, load_unload_cycles_do_not_leak_vmalloc, 450)
{
	long long tolerance = leak_tolerance_kb(self->page);
	long long grew[2];

	/* warm-up: the first cycle may leave caches behind, legitimately */
	ASSERT_EQ(0, mapdrv_unload());
	ASSERT_EQ(0, mapdrv_load(self->env.ko, ""));
	ASSERT_EQ(0, leak_batch(_metadata, self->env.ko, &grew[0]));
	grew[1] = grew[0];
	if (grew[0] >= tolerance) {
		/* a burst, or a leak: the second batch tells */
		ASSERT_EQ(0, leak_batch(_metadata, self->env.ko, &grew[1]));
	}
	EXPECT_GT(tolerance, grew[1])
		TH_LOG("VmallocUsed grew by %lld kB and then %lld kB over two batches of %d cycles (tolerance %lld kB)",
		       grew[0], grew[1], LEAK_CYCLES, tolerance);
}

/*
 * A mapping pins the module in every mapping mode: the pages it maps at
 * once (AROUND, EAGER, and what fork() copies then) as much as the lazy
 * ones.
 */
FIXTURE(module_mapped) {
	struct module_env env;
	size_t page;
	size_t len;		/* the tests map so much from offset 0 */
};

FIXTURE_VARIANT(module_mapped) {
	uint32_t mode, window;	/* for SET_MODE */
};

MAPDRV_MODE_VARIANTS(module_mapped)

/* Pages the tests map, if the buffer has them. */
#define MAPPED_PAGES	4

FIXTURE_SETUP(module_mapped)
{
	struct mapdrv_info info;

	module_env_setup(_metadata, &self->env);
	self->page = mapdrv_page_size();
	ASSERT_EQ(0, mapdrv_info(&info));
	self->len = info.size < MAPPED_PAGES * self->page ?
		    info.size : MAPPED_PAGES * self->page;
}

FIXTURE_TEARDOWN(module_mapped)
{
	module_env_restore(_metadata, &self->env, false);
}

/* A new O_RDONLY descriptor in the variant's mode into @fd, and a mapping. */
static uint8_t *map_in_mode(struct __test_metadata *_metadata,
			    FIXTURE_DATA(module_mapped) *self,
			    const FIXTURE_VARIANT(module_mapped) *variant,
			    int *fd)
{
	*fd = mapdrv_must_open_mode(_metadata, O_RDONLY, variant->mode,
				    variant->window);
	return mapdrv_must_map(_metadata, *fd, 0, self->len, PROT_READ,
			       MAP_SHARED);
}

TEST_F(module_mapped, delete_module_is_refused_while_a_mapping_outlives_its_fd)
{
	int fd, ret;
	uint8_t *p = map_in_mode(_metadata, self, variant, &fd);

	mapdrv_touch(p);
	ASSERT_EQ(0, close(fd));
	ret = mapdrv_unload();
	/* the mapping of an unloaded module must not be touched again */
	ASSERT_EQ(-EWOULDBLOCK, ret);
	EXPECT_TRUE(mapdrv_module_loaded());
	EXPECT_EQ(-1, mapdrv_check_pattern(p, self->len, 0,
					   self->env.seed));
	munmap(p, self->len);
}

/* The child reads back the whole mapping. */
TEST_F(module_mapped, delete_module_is_refused_while_a_child_holds_a_mapping)
{
	int fd;
	uint8_t *p = map_in_mode(_metadata, self, variant, &fd);

	mapdrv_touch(p);
	expect_unload_refused_while_a_child_holds(_metadata, fd, p, self->len,
						  self->len, self->env.seed);
}

TEST_F(module_mapped, delete_module_works_once_fds_and_mappings_are_gone)
{
	int fd;
	uint8_t *p = map_in_mode(_metadata, self, variant, &fd);

	mapdrv_touch(p + self->len - 8);
	ASSERT_EQ(0, munmap(p, self->len));
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(0, mapdrv_unload());
	EXPECT_FALSE(mapdrv_module_loaded());
}

/*
 * Parameters the module refuses: a size of 0 or above MAPDRV_SIZE_MAX, a
 * window that is not a power of two from 1 to 512 (the module's init
 * fails with EINVAL and says why in the kernel log), a mode that is not
 * the name of one (the kernel's parameter parser fails the load with
 * EINVAL and says which parameter).
 */
FIXTURE(bad_params) {
	struct module_env env;
};

FIXTURE_VARIANT(bad_params) {
	const char *params;
	const char *param;	/* the one the log line must name */
};

/* BAD_PARAMS(name, parameters, the parameter the log line names) */
#define BAD_PARAMS(name, p, what)					\
	FIXTURE_VARIANT_ADD(bad_params, name) {				\
		.params = p, .param = what,				\
	};

BAD_PARAMS(size_0, "size=0", "size")
BAD_PARAMS(size_one_byte_over_the_max, "size=1073741825", "size")
BAD_PARAMS(window_0, "window=0", "window")
BAD_PARAMS(window_3, "window=3", "window")
BAD_PARAMS(window_1024, "window=1024", "window")
BAD_PARAMS(window_3_in_around_mode, "mode=around window=3", "window")
BAD_PARAMS(mode_bogus, "mode=bogus", "mode")

FIXTURE_SETUP(bad_params)
{
	int ret;

	module_env_setup(_metadata, &self->env);
	ret = mapdrv_unload();
	ASSERT_EQ(0, ret) TH_LOG("delete_module: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(bad_params)
{
	/* reload in case the bad parameter was taken */
	module_env_restore(_metadata, &self->env, true);
}

TEST_F(bad_params, finit_module_is_einval)
{
	EXPECT_EQ(-EINVAL, mapdrv_load(self->env.ko, variant->params));
}

TEST_F(bad_params, refused_load_leaves_no_module_nor_device)
{
	ASSERT_NE(0, mapdrv_load(self->env.ko, variant->params));
	EXPECT_FALSE(mapdrv_module_loaded());
	EXPECT_FALSE(mapdrv_dev_present());
}

TEST_F(bad_params, refused_load_logs_one_line_naming_mapdrv_and_the_param)
{
	int fd = mapdrv_kmsg_open(), n;
	char line[1024] = "";

	if (fd == -ENOENT)
		SKIP(return, "no /dev/kmsg");
	ASSERT_LE(0, fd) TH_LOG("/dev/kmsg: %s", strerror(-fd));
	ASSERT_NE(0, mapdrv_load(self->env.ko, variant->params));
	n = mapdrv_kmsg_count(fd, "mapdrv:", variant->param, line,
			      sizeof(line));
	close(fd);
	EXPECT_EQ(1, n) TH_LOG("last such line: \"%s\"", line);
}

/* Loads with parameters; the buffer must follow them. */
FIXTURE(module_params) {
	struct module_env env;
	size_t page;
};

FIXTURE_VARIANT(module_params) {
	const char *params;
	uint64_t size;		/* as given; 0: the default */
	uint64_t seed;
	const char *mode;	/* as given; NULL: the default, "fault" */
	uint32_t window;	/* as given; 0: the default, 16 */
};

FIXTURE_VARIANT_ADD(module_params, size_5000_and_a_seed_with_bit_63) {
	.params = "size=5000 seed=18364758544493064720",
	.size = 5000,
	.seed = 0xfedcba9876543210ULL,
};

FIXTURE_VARIANT_ADD(module_params, size_of_one_byte) {
	.params = "size=1",
	.size = 1,
};

FIXTURE_VARIANT_ADD(module_params, seed_only) {
	.params = "seed=1",
	.seed = 1,
};

FIXTURE_VARIANT_ADD(module_params, mode_around_and_window_64) {
	.params = "mode=around window=64",
	.mode = "around",
	.window = 64,
};

FIXTURE_VARIANT_ADD(module_params, mode_eager) {
	.params = "mode=eager",
	.mode = "eager",
};

FIXTURE_VARIANT_ADD(module_params, window_512_alone) {
	.params = "window=512",
	.window = 512,
};

FIXTURE_VARIANT_ADD(module_params, mode_around_window_1_and_size_5000) {
	.params = "size=5000 mode=around window=1",
	.size = 5000,
	.mode = "around",
	.window = 1,
};

FIXTURE_SETUP(module_params)
{
	int ret;

	module_env_setup(_metadata, &self->env);
	self->page = mapdrv_page_size();
	ret = mapdrv_unload();
	ASSERT_EQ(0, ret) TH_LOG("delete_module: %s", strerror(-ret));
	ret = mapdrv_load(self->env.ko, variant->params);
	ASSERT_EQ(0, ret) {
		TH_LOG("finit_module(\"%s\"): %s", variant->params,
		       strerror(-ret));
		/* no teardown after a failed setup: load the defaults here */
		module_env_restore(_metadata, &self->env, false);
	}
}

FIXTURE_TEARDOWN(module_params)
{
	module_env_restore(_metadata, &self->env, true);
}

/* The buffer size the module must make of a size parameter (0: none). */
static uint64_t expected_size(uint64_t param, size_t page)
{
	return mapdrv_round_up(param ?: MAPDRV_SIZE_DEFAULT, page);
}

/* The default mode and window a variant's parameters must give. */
static uint32_t expected_mode(const FIXTURE_VARIANT(module_params) *variant)
{
	return (uint32_t)mapdrv_mode_of_name(variant->mode ?: "fault");
}

static uint32_t expected_window(const FIXTURE_VARIANT(module_params) *variant)
{
	return variant->window ?: MAPDRV_WINDOW_DEFAULT;
}

TEST_F(module_params, info_size_is_the_size_rounded_up_to_pages)
{
	struct mapdrv_info info;

	ASSERT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS));
	ASSERT_EQ(0, mapdrv_info(&info));
	EXPECT_EQ(expected_size(variant->size, self->page), info.size);
}

TEST_F(module_params, sysfs_size_is_the_size_rounded_up_to_pages)
{
	uint64_t v = 0;

	ASSERT_EQ(0, mapdrv_sysfs_u64("size", false, &v));
	EXPECT_EQ(expected_size(variant->size, self->page), v);
}

TEST_F(module_params, info_and_sysfs_seed_are_the_seed_param)
{
	struct mapdrv_info info;
	uint64_t v = 0;

	ASSERT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS));
	ASSERT_EQ(0, mapdrv_info(&info));
	ASSERT_EQ(0, mapdrv_sysfs_u64("seed", true, &v));
	EXPECT_EQ(variant->seed, info.seed);
	EXPECT_EQ(variant->seed, v);
}

TEST_F(module_params, whole_buffer_holds_the_pattern_of_the_seed_param)
{
	uint64_t size = expected_size(variant->size, self->page);
	uint8_t *p;
	int fd;

	ASSERT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS));
	fd = mapdrv_open(O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(errno));
	p = mapdrv_must_map(_metadata, fd, 0, size, PROT_READ, MAP_SHARED);
	EXPECT_EQ(-1, mapdrv_check_pattern(p, size, 0, variant->seed));
	munmap(p, size);
	close(fd);
}

TEST_F(module_params, sysfs_mode_and_window_are_the_params)
{
	uint32_t mode = UINT32_MAX, window = 0;
	char text[64] = "";

	ASSERT_LT(0, mapdrv_sysfs_read("mode", text, sizeof(text)));
	EXPECT_STREQ(variant->mode ?: "fault", text);
	ASSERT_EQ(0, mapdrv_sysfs_mode(&mode, &window));
	EXPECT_EQ(expected_mode(variant), mode);
	EXPECT_EQ(expected_window(variant), window);
}

TEST_F(module_params, new_fd_starts_in_the_mode_and_window_params)
{
	struct mapdrv_info info;

	ASSERT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS));
	ASSERT_EQ(0, mapdrv_info(&info));
	EXPECT_EQ(expected_mode(variant), info.mode);
	EXPECT_EQ(expected_window(variant), info.window);
}

/* Not only reported: a new fd maps in the default mode and window. */
TEST_F(module_params, mapping_of_a_new_fd_follows_the_mode_and_window_params)
{
	uint64_t size = expected_size(variant->size, self->page);
	size_t n = size / self->page, touched = n / 2;
	struct mapdrv_info before, after;
	struct mapdrv_model m;
	uint8_t *p;
	int fd;

	ASSERT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS));
	fd = mapdrv_open(O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(errno));
	mapdrv_must_model(_metadata, &m, expected_mode(variant),
			  expected_window(variant), 0, n);
	p = mapdrv_must_map(_metadata, fd, 0, size, PROT_READ, MAP_SHARED);
	before = mapdrv_must_info(_metadata, fd);
	mapdrv_touch(p + touched * self->page);
	mapdrv_model_touch(&m, touched);
	after = mapdrv_must_info(_metadata, fd);
	EXPECT_EQ(m.faults, after.faults - before.faults);
	mapdrv_expect_resident(_metadata, p, &m);
	munmap(p, size);
	close(fd);
	mapdrv_model_free(&m);
}

/*
 * The largest buffer, size=1073741824 exactly: the load works, or fails
 * with ENOMEM, never EINVAL. Then the golden words (mapdrv_golden.h, from
 * outside mapdrv) up to the last word of 1 GiB, for the seed of the load
 * and after a RESTAMP with another high-bit seed. Tried only where 1 GiB
 * and a margin are available: below that, vmalloc refuses with a warning
 * and a stack dump on the console (warn_alloc()), a splat to the VM loop.
 */
#define GIB			(1ULL << 30)
#define MAX_SIZE_MARGIN_KB	(256 * 1024)

FIXTURE(module_max_size) {
	struct module_env env;
	int load;		/* the load's result: 0 or -errno */
};

/* all ones, then bit 63 alone */
#define MAX_SIZE_SEED		0xffffffffffffffffULL
#define MAX_SIZE_RESEED		0x8000000000000000ULL
#define MAX_SIZE_PARAMS		"size=1073741824 seed=18446744073709551615"

FIXTURE_SETUP(module_max_size)
{
	long long avail = 0;
	int ret;

	module_env_setup(_metadata, &self->env);
	ASSERT_EQ(0, mapdrv_meminfo_kb("MemAvailable", &avail));
	if (avail < (long long)(GIB / 1024) + MAX_SIZE_MARGIN_KB)
		MAPDRV_SETUP_SKIP("%lld kB available: 1 GiB and %d kB needed",
				  avail, MAX_SIZE_MARGIN_KB);
	ret = mapdrv_unload();
	ASSERT_EQ(0, ret) TH_LOG("delete_module: %s", strerror(-ret));
	self->load = mapdrv_load(self->env.ko, MAX_SIZE_PARAMS);
}

FIXTURE_TEARDOWN(module_max_size)
{
	module_env_restore(_metadata, &self->env, true);
}

/*
 * The harness's limit covers setup and teardown too: a load that zeroes and
 * stamps 1 GiB, and an unload that frees it, take far more than its default
 * 30 s in a TCG guest (the 2 GiB one of make check-install runs them).
 */
#define MAX_SIZE_TIMEOUT_S	300

TEST_F_TIMEOUT(module_max_size, load_of_1_gib_works_or_is_enomem,
	       MAX_SIZE_TIMEOUT_S)
{
	EXPECT_TRUE(self->load == 0 || self->load == -ENOMEM)
		TH_LOG("finit_module(\"%s\"): %s", MAX_SIZE_PARAMS,
		       strerror(-self->load));
}

/* The golden words of @seed in the 1 GiB mapping at @p. */
static void expect_golden(struct __test_metadata *_metadata,
			  const uint8_t *p, uint64_t seed)
{
	size_t i, n = 0;

	for (i = 0; i < MAPDRV_GOLDEN_COUNT; i++) {
		const struct mapdrv_golden *g = &mapdrv_golden[i];

		if (g->seed != seed)
			continue;
		n++;
		EXPECT_EQ(0, memcmp(p + g->off, g->bytes, 8))
			TH_LOG("seed %#llx offset %#llx",
			       (unsigned long long)seed,
			       (unsigned long long)g->off);
	}
	EXPECT_LT(0U, n);
}

/*
 * A test's start: skip where the 1 GiB load found no memory, else open the
 * device into @fd (a macro: SKIP() returns from the test itself).
 */
#define MAX_SIZE_OPEN(fd) do {						\
	if (self->load == -ENOMEM)					\
		SKIP(return, "no memory for 1 GiB here");		\
	ASSERT_EQ(0, self->load) TH_LOG("%s", strerror(-self->load));	\
	ASSERT_EQ(0, mapdrv_wait_dev(true, MAPDRV_DEV_WAIT_MS));	\
	(fd) = mapdrv_open(O_RDWR);					\
	ASSERT_LE(0, (fd)) TH_LOG("open: %s", strerror(errno));	\
} while (0)

TEST_F_TIMEOUT(module_max_size, buffer_of_1_gib_holds_the_golden_words,
	       MAX_SIZE_TIMEOUT_S)
{
	struct mapdrv_info info;
	uint8_t *p;
	int fd;

	MAX_SIZE_OPEN(fd);
	info = mapdrv_must_info(_metadata, fd);
	EXPECT_EQ(GIB, info.size);
	EXPECT_EQ(MAX_SIZE_SEED, info.seed);
	p = mapdrv_must_map(_metadata, fd, 0, GIB, PROT_READ, MAP_SHARED);
	expect_golden(_metadata, p, MAX_SIZE_SEED);
	ASSERT_EQ(0, mapdrv_restamp(fd, MAPDRV_RESTAMP_SET_SEED,
				    MAX_SIZE_RESEED));
	expect_golden(_metadata, p, MAX_SIZE_RESEED);
	munmap(p, GIB);
	close(fd);
}

/*
 * Whether the module under test maps through ->mmap_prepare: its build
 * says (compat.h chooses by kernel version; check-all.sh holds the choice
 * to scripts/kernel/kernels.tsv's hook column), seen as the function's
 * name in the .ko's symbol table. -errno when the file cannot be read.
 */
static int ko_maps_through_mmap_prepare(const char *ko)
{
	static const char sym[] = "mapdrv_mmap_prepare";
	char buf[65536 + sizeof(sym)];
	size_t keep = 0, n;
	int found = 0;
	FILE *f = fopen(ko, "rb");

	if (!f)
		return -errno;
	while (!found && (n = fread(buf + keep, 1, sizeof(buf) - keep, f))) {
		n += keep;
		found = memmem(buf, n, sym, sizeof(sym)) != NULL;
		keep = n < sizeof(sym) ? n : sizeof(sym) - 1;
		memmove(buf, buf + n - keep, keep);
	}
	fclose(f);
	return found;
}

/* The VmSize of process @pid, in KiB, or -1. */
static long long vm_size_kb(pid_t pid)
{
	char path[64];
	long long kb;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return mapdrv_proc_kb(path, "VmSize", &kb) ? -1 : kb;
}

/*
 * An eager mmap() of the whole 1 GiB (262144 PTEs on 4 KiB pages) in a
 * child that is sent SIGKILL as soon as the parent sees the mmap() under
 * way; the child then waits in pause(), so that it dies of the signal
 * whenever it lands.
 *  - Through ->mmap the driver counts the mapping before it inserts the
 *    pages (INFO's live count rises), and its insertion loop sees the
 *    fatal signal within 512 pages: the mmap() fails with EINTR, the
 *    mapping is uncounted and never made (mmap_calls unchanged).
 *  - Through ->mmap_prepare (7.x) the core inserts every page in one go
 *    and cannot be interrupted (compat.h), and the driver counts the
 *    mapping only once it is made: the mmap() is made and counted
 *    (mmap_calls + 1), and dies with its process. The parent watches the
 *    child's VmSize, which the core raises before it inserts the pages;
 *    where the kill lands after the mmap() (it takes 90 ms on sid's 7.2
 *    here) the outcome is the same.
 * Either way the live count is back where it was.
 */
TEST_F_TIMEOUT(module_max_size, eager_mmap_of_1_gib_in_a_killed_process_is_undone,
	       MAX_SIZE_TIMEOUT_S)
{
	struct mapdrv_info before, now, after;
	uint64_t whole, t, deadline;
	long long vm_before = 0, vm_now = 0;
	int fd, pipefd[2], prepare;
	pid_t pid;
	void *p;

	MAX_SIZE_OPEN(fd);
	prepare = ko_maps_through_mmap_prepare(self->env.ko);
	ASSERT_LE(0, prepare) TH_LOG("%s: %s", self->env.ko, strerror(-prepare));
	mapdrv_must_set_mode(_metadata, fd, MAPDRV_MODE_EAGER, 0);
	t = mapdrv_now_ns();
	p = mapdrv_must_map(_metadata, fd, 0, GIB, PROT_READ, MAP_SHARED);
	whole = mapdrv_now_ns() - t;
	ASSERT_EQ(0, munmap(p, GIB));
	before = mapdrv_must_info(_metadata, fd);
	/* The child's VmSize before its mmap(): this process's, at fork. */
	vm_before = vm_size_kb(getpid());
	ASSERT_LT(0, vm_before);

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0) {
		close(pipefd[0]);
		if (mapdrv_pipe_put(pipefd[1]))
			_exit(2);
		p = mmap(NULL, GIB, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(3);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	EXPECT_EQ(0, mapdrv_pipe_get(pipefd[0]));
	close(pipefd[0]);
	/* Until the mmap() shows: 4 times the whole, 10 s more, at most. */
	deadline = mapdrv_now_ns() + 4 * whole + 10000000000ULL;
	do {
		now = mapdrv_must_info(_metadata, fd);
		if (prepare)
			vm_now = vm_size_kb(pid);
	} while (now.live_vmas == before.live_vmas &&
		 (!prepare || vm_now < vm_before + (long long)(GIB / 1024)) &&
		 mapdrv_now_ns() < deadline);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, mapdrv_wait_child(pid))
		TH_LOG("the child's mmap() (%llu ms here) failed or did not start",
		       (unsigned long long)(whole / 1000000));
	if (!prepare) {
		EXPECT_EQ(before.mmap_calls, now.mmap_calls)
			TH_LOG("the mmap() (%llu ms here) had ended when the kill was sent",
			       (unsigned long long)(whole / 1000000));
	} else {
		TH_LOG("the kill was sent %s the mmap() had ended (VmSize %lld kB, then %lld)",
		       now.mmap_calls == before.mmap_calls ? "before" : "after",
		       vm_before, vm_now);
	}
	after = mapdrv_must_info(_metadata, fd);
	EXPECT_EQ(before.live_vmas, after.live_vmas);
	EXPECT_EQ(before.mmap_calls + (prepare ? 1 : 0), after.mmap_calls)
		TH_LOG("%s: an eager mmap() killed as it began",
		       prepare ? "->mmap_prepare (not interruptible)" :
				 "->mmap (interruptible)");
	close(fd);
}

TEST_HARNESS_MAIN
