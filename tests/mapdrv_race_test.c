// SPDX-License-Identifier: GPL-2.0
/*
 * Races between MAPDRV_IOC_SET_MODE and mmap() of the same open file.
 *
 * A mapping always has its file's mode, and SET_MODE fails with EBUSY
 * while the file has mappings. On kernels where mapdrv describes the
 * mapping in ->mmap_prepare and counts it in vm_ops->mapped (7.1+), a
 * SET_MODE between the two once succeeded and left the mapping in the old
 * mode while INFO reported the new one (issue 10). There, such a SET_MODE
 * may succeed, and the mmap() then fails with EAGAIN (mapdrv(4)): the test
 * counts those rounds, and fails one where no SET_MODE succeeded. On the
 * ->mmap kernels the mmap() never fails.
 *
 * A setter thread changes the file's mode as fast as it can while the main
 * thread maps the file; once the mapping exists the setter must only see
 * EBUSY. After each round the setter stops, and the mapping must behave in
 * the mode INFO reports: mincore() right after mmap() (every page resident
 * in eager mode, none otherwise) and after one touch of page 0 (that page
 * alone in fault mode, the window in around mode). The expected pages are
 * worked out here from the mode, not asked of the driver.
 */
#include "kselftest_harness.h"

#include "mapdrv_test_util.h"

MAPDRV_TEST_NEEDS_DEVICE();

#include <pthread.h>
#include <time.h>

#define RACE_PAGES	64	/* pages per mapping */
#define RACE_WINDOW	16	/* the around window the setter uses */
#define RACE_ROUNDS	3000
#define RACE_SECONDS	60	/* at most, whatever RACE_ROUNDS says */

struct race {
	int fd;
	pthread_barrier_t start;	/* both threads, at each round */
	int stop;			/* main -> setter: end the round */
	int mapped;			/* main -> setter: a mapping exists */
	int quit;			/* main -> setter: no more rounds */
	/* Filled in by the setter. */
	unsigned long sets;		/* SET_MODE calls that succeeded */
	unsigned long busy;		/* SET_MODE calls that gave EBUSY */
	unsigned long while_mapped;	/* successes that began while mapped */
	unsigned long calls;		/* SET_MODE calls made (atomic) */
	unsigned long calls_mapped;	/* those begun while mapped (atomic) */
	int other_errno;		/* an errno other than EBUSY, or 0 */
};

static const struct mapdrv_mode race_modes[] = {
	{ .mode = MAPDRV_MODE_FAULT },
	{ .mode = MAPDRV_MODE_AROUND, .window = RACE_WINDOW },
	{ .mode = MAPDRV_MODE_EAGER },
};

static void *race_setter(void *arg)
{
	struct race *r = arg;
	unsigned int i = 0;

	for (;;) {
		pthread_barrier_wait(&r->start);
		if (__atomic_load_n(&r->quit, __ATOMIC_ACQUIRE))
			return NULL;
		while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
			const struct mapdrv_mode *m = &race_modes[i++ % 3];
			int was_mapped = __atomic_load_n(&r->mapped,
							 __ATOMIC_ACQUIRE);
			int ret = mapdrv_set_mode(r->fd, m->mode, m->window);

			__atomic_add_fetch(&r->calls, 1, __ATOMIC_RELEASE);
			if (was_mapped)
				__atomic_add_fetch(&r->calls_mapped, 1,
						   __ATOMIC_RELEASE);
			if (!ret) {
				r->sets++;
				if (was_mapped)
					r->while_mapped++;
			} else if (ret == -EBUSY) {
				r->busy++;
			} else if (!r->other_errno) {
				r->other_errno = -ret;
			}
		}
		pthread_barrier_wait(&r->start);
	}
}

/*
 * Wait until the setter's counter @c moves, for at most a second: the race
 * must be run both ways (a SET_MODE before the mmap, one against the live
 * mapping) whatever the scheduler does, not by luck. A setter that never
 * gets there shows in the counts the test checks at the end.
 */
static void race_wait_for(unsigned long *c)
{
	unsigned long from = __atomic_load_n(c, __ATOMIC_ACQUIRE);
	uint64_t end = mapdrv_now_ns() + 1000000000ULL;

	while (__atomic_load_n(c, __ATOMIC_ACQUIRE) == from)
		if (mapdrv_now_ns() >= end)
			return;
}

/* Pages of a RACE_PAGES mapping at buffer offset 0 resident after a touch of page 0. */
static long race_expected_after_touch(uint32_t mode, uint32_t window)
{
	switch (mode) {
	case MAPDRV_MODE_AROUND:
		return window < RACE_PAGES ? window : RACE_PAGES;
	case MAPDRV_MODE_EAGER:
		return RACE_PAGES;
	default:
		return 1;
	}
}

FIXTURE(race) {
	struct mapdrv_test_dev dev;	/* O_RDONLY; the race's file */
	struct race r;
	pthread_t setter;
	bool started;
};

FIXTURE_SETUP(race)
{
	memset(&self->r, 0, sizeof(self->r));
	self->started = false;
	self->r.fd = -1;
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDONLY,
			      MAPDRV_TEST_DEFAULT_MODE, 0, RACE_PAGES);
	self->r.fd = self->dev.fd;
	ASSERT_EQ(0, pthread_barrier_init(&self->r.start, NULL, 2));
	ASSERT_EQ(0, pthread_create(&self->setter, NULL, race_setter,
				    &self->r));
	self->started = true;
}

FIXTURE_TEARDOWN(race)
{
	if (self->started) {
		__atomic_store_n(&self->r.quit, 1, __ATOMIC_RELEASE);
		pthread_barrier_wait(&self->r.start);
		pthread_join(self->setter, NULL);
		pthread_barrier_destroy(&self->r.start);
	}
	if (self->r.fd >= 0)
		close(self->r.fd);
}

TEST_F_TIMEOUT(race, set_mode_against_mmap_keeps_info_true, RACE_SECONDS + 60)
{
	size_t len = RACE_PAGES * self->dev.page;
	bool prepare = mapdrv_kernel() >= MAPDRV_K7_2;
	unsigned long rounds, mismatches = 0, busy_misses = 0, refused = 0;
	unsigned long seen[MAPDRV_MODE_COUNT] = { 0 };
	unsigned char vec[RACE_PAGES];
	time_t end = time(NULL) + RACE_SECONDS;
	struct race *r = &self->r;
	__u64 live = mapdrv_must_info(_metadata, r->fd).live_vmas;

	for (rounds = 0; rounds < RACE_ROUNDS && time(NULL) < end; rounds++) {
		struct mapdrv_info info;
		long before, after, want_before, want_after;
		unsigned long sets = r->sets;	/* the setter waits: no race */
		uint8_t *p;
		int ret, err;

		__atomic_store_n(&r->stop, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&r->mapped, 0, __ATOMIC_RELEASE);
		pthread_barrier_wait(&r->start);
		/*
		 * Let the setter get going, a little longer each round; every
		 * other round, only once it has made a call.
		 */
		if (rounds % 2)
			race_wait_for(&r->calls);
		for (ret = 0; ret < (int)(rounds % 64) * 16; ret++)
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, r->fd, 0);
		err = errno;
		__atomic_store_n(&r->mapped, p != MAP_FAILED, __ATOMIC_RELEASE);
		/* At least one of the setter's calls against the live mapping. */
		if (p != MAP_FAILED)
			race_wait_for(&r->calls_mapped);
		__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
		pthread_barrier_wait(&r->start);
		if (p == MAP_FAILED && err == EAGAIN && prepare) {
			ASSERT_LT(sets, r->sets)
				TH_LOG("round %lu: mmap() gave EAGAIN, but no SET_MODE succeeded in the round",
				       rounds);
			refused++;
			continue;
		}
		ASSERT_NE(MAP_FAILED, p) TH_LOG("round %lu: mmap: %s", rounds,
						strerror(err));

		info = mapdrv_must_info(_metadata, r->fd);
		ASSERT_GT((__u32)MAPDRV_MODE_COUNT, info.mode);
		seen[info.mode]++;
		before = mapdrv_resident_pages(p, RACE_PAGES, vec);
		mapdrv_touch(p);
		after = mapdrv_resident_pages(p, RACE_PAGES, vec);
		want_before = info.mode == MAPDRV_MODE_EAGER ? RACE_PAGES : 0;
		want_after = race_expected_after_touch(info.mode, info.window);
		if (before != want_before || after != want_after) {
			if (!mismatches++)
				TH_LOG("round %lu: INFO says %s (window %u) but the mapping had %ld pages resident after mmap and %ld after one touch (%ld and %ld expected)",
				       rounds, mapdrv_mode_name(info.mode),
				       info.window, before, after,
				       want_before, want_after);
		}
		ret = mapdrv_set_mode(r->fd, MAPDRV_MODE_FAULT, 0);
		if (ret != -EBUSY && !busy_misses++)
			TH_LOG("round %lu: SET_MODE with a mapping in place: %s, not EBUSY",
			       rounds, ret ? strerror(-ret) : "success");
		ASSERT_EQ(0, munmap(p, len));
	}
	TH_LOG("%lu rounds; mappings made in fault %lu, around %lu, eager %lu, refused (EAGAIN) %lu; SET_MODE %lu ok, %lu EBUSY",
	       rounds, seen[MAPDRV_MODE_FAULT], seen[MAPDRV_MODE_AROUND],
	       seen[MAPDRV_MODE_EAGER], refused, r->sets, r->busy);
	EXPECT_EQ(0UL, mismatches)
		TH_LOG("%lu rounds where the mapping's mode was not INFO's",
		       mismatches);
	/* Every mapping unmapped, every refused one never counted. */
	EXPECT_EQ(live, mapdrv_must_info(_metadata, r->fd).live_vmas);
	EXPECT_EQ(0UL, busy_misses);
	EXPECT_EQ(0UL, r->while_mapped)
		TH_LOG("the setter's SET_MODE succeeded %lu times while a mapping existed",
		       r->while_mapped);
	EXPECT_EQ(0, r->other_errno) TH_LOG("SET_MODE: %s",
					    strerror(r->other_errno));
	/* The race must have been run both ways, or it tested nothing. */
	EXPECT_LT(0UL, r->sets);
	EXPECT_LT(0UL, r->busy);
}

TEST_HARNESS_MAIN
