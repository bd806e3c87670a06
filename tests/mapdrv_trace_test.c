// SPDX-License-Identifier: GPL-2.0
/*
 * What mapdrv tells about itself: a dynamic-debug line per fault only when
 * asked (dyndbg), and the tracefs events mapdrv_mmap, mapdrv_fault and
 * mapdrv_vma_close.
 *
 * The setup puts the fd in MAPDRV_MODE_FAULT, whatever the module's default
 * mode, so that every touched page is one fault, one line and one event;
 * the tests of the other modes set theirs.
 *
 * The guest mounts debugfs on /sys/kernel/debug and tracefs on
 * /sys/kernel/tracing; the tests skip where either is missing. They switch
 * dynamic debug and the events off again in the teardown.
 */
#include "kselftest_harness.h"

#include "mapdrv_test_util.h"

MAPDRV_TEST_NEEDS_DEVICE();

#define DYNDBG_CONTROL	"/sys/kernel/debug/dynamic_debug/control"
#define TRACEFS		"/sys/kernel/tracing"
#define TOUCHED		5

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* Is any of mapdrv's dynamic-debug sites switched on ("=p")? */
static bool dyndbg_on(void)
{
	char line[512];
	bool on = false;
	FILE *f = fopen(DYNDBG_CONTROL, "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[mapdrv]") && strstr(line, " =p"))
			on = true;
	fclose(f);
	return on;
}

/* Lines of the trace buffer that contain @what. */
static int trace_count(const char *what)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(TRACEFS "/trace", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#' && strstr(line, what))
			n++;
	fclose(f);
	return n;
}

FIXTURE(trace) {
	struct mapdrv_test_dev dev;	/* O_RDONLY, FAULT mode */
};

FIXTURE_SETUP(trace)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDONLY,
			      MAPDRV_MODE_FAULT, 0, TOUCHED);
}

FIXTURE_TEARDOWN(trace)
{
	write_file(DYNDBG_CONTROL, "module mapdrv -p");
	write_file(TRACEFS "/events/mapdrv/enable", "0");
	close(self->dev.fd);
}

/* Map the buffer, touch TOUCHED pages, unmap; dmesg lines it caused. */
static int touch_and_count_kmsg(struct __test_metadata *_metadata,
				FIXTURE_DATA(trace) *self)
{
	int kmsg = mapdrv_kmsg_open();
	uint8_t *p;
	int i, n;

	ASSERT_LE(0, kmsg) TH_LOG("/dev/kmsg: %s", strerror(-kmsg));
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.size,
			    PROT_READ, MAP_SHARED);
	for (i = 0; i < TOUCHED; i++)
		mapdrv_touch(p + i * self->dev.page);
	munmap(p, self->dev.size);
	n = mapdrv_kmsg_count(kmsg, "mapdrv", "fault:", NULL, 0);
	close(kmsg);
	return n;
}

TEST_F(trace, faults_print_nothing_without_dyndbg)
{
	if (access(DYNDBG_CONTROL, F_OK))
		SKIP(return, "no %s", DYNDBG_CONTROL);
	if (dyndbg_on())
		SKIP(return, "mapdrv was loaded with dyndbg on");
	EXPECT_EQ(0, touch_and_count_kmsg(_metadata, self));
}

TEST_F(trace, dyndbg_prints_one_line_per_fault)
{
	if (access(DYNDBG_CONTROL, F_OK))
		SKIP(return, "no %s", DYNDBG_CONTROL);
	ASSERT_EQ(0, write_file(DYNDBG_CONTROL, "module mapdrv +p"));
	EXPECT_EQ(TOUCHED, touch_and_count_kmsg(_metadata, self));
}

/*
 * With the events on, map the buffer, touch TOUCHED pages (and the first
 * once more), unmap; then the events are off again.
 */
static void touch_with_events(struct __test_metadata *_metadata,
			      FIXTURE_DATA(trace) *self)
{
	uint8_t *p;
	int i;

	ASSERT_EQ(0, write_file(TRACEFS "/trace", ""));
	ASSERT_EQ(0, write_file(TRACEFS "/events/mapdrv/enable", "1"));
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.size,
			    PROT_READ, MAP_SHARED);
	for (i = 0; i < TOUCHED; i++)
		mapdrv_touch(p + i * self->dev.page);
	mapdrv_touch(p);	/* mapped already: no event */
	munmap(p, self->dev.size);
	ASSERT_EQ(0, write_file(TRACEFS "/events/mapdrv/enable", "0"));
}

TEST_F(trace, events_record_mmap_each_fault_and_the_close)
{
	if (access(TRACEFS "/events/mapdrv", F_OK))
		SKIP(return, "no %s/events/mapdrv", TRACEFS);
	touch_with_events(_metadata, self);
	EXPECT_EQ(1, trace_count("mapdrv_mmap:"));
	EXPECT_EQ(TOUCHED, trace_count("mapdrv_fault:"));
	EXPECT_EQ(1, trace_count("mapdrv_vma_close:"));
	EXPECT_EQ(1, trace_count("pgoff=4 "));
}

/* Windows of 4 pages: pages 0-4 are two faults, at pgoff 0 and 4. */
TEST_F(trace, events_record_one_fault_per_window_in_around_mode)
{
	if (access(TRACEFS "/events/mapdrv", F_OK))
		SKIP(return, "no %s/events/mapdrv", TRACEFS);
	mapdrv_must_set_mode(_metadata, self->dev.fd, MAPDRV_MODE_AROUND, 4);
	touch_with_events(_metadata, self);
	EXPECT_EQ(1, trace_count("mapdrv_mmap:"));
	EXPECT_EQ((TOUCHED + 3) / 4, trace_count("mapdrv_fault:"));
	EXPECT_EQ(1, trace_count("mapdrv_vma_close:"));
	EXPECT_EQ(1, trace_count("pgoff=4 "));
}

TEST_F(trace, events_record_no_fault_in_eager_mode)
{
	if (access(TRACEFS "/events/mapdrv", F_OK))
		SKIP(return, "no %s/events/mapdrv", TRACEFS);
	mapdrv_must_set_mode(_metadata, self->dev.fd, MAPDRV_MODE_EAGER, 0);
	touch_with_events(_metadata, self);
	EXPECT_EQ(1, trace_count("mapdrv_mmap:"));
	EXPECT_EQ(0, trace_count("mapdrv_fault:"));
	EXPECT_EQ(1, trace_count("mapdrv_vma_close:"));
}

TEST_HARNESS_MAIN
