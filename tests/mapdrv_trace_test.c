// SPDX-License-Identifier: GPL-2.0
/*
 * What mapdrv tells about itself: a dynamic-debug line per fault only when
 * asked (dyndbg), and the tracefs events mapdrv_mmap, mapdrv_fault,
 * mapdrv_vma_open and mapdrv_vma_close, field by field, against what the
 * kernel shows of the same VMAs and pages (maps, smaps, pagemap).
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
	mapdrv_write_file(DYNDBG_CONTROL, "module mapdrv -p");
	mapdrv_write_file(TRACEFS "/events/mapdrv/enable", "0");
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
	ASSERT_EQ(0, mapdrv_write_file(DYNDBG_CONTROL, "module mapdrv +p"));
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

	ASSERT_EQ(0, mapdrv_write_file(TRACEFS "/trace", ""));
	ASSERT_EQ(0, mapdrv_write_file(TRACEFS "/events/mapdrv/enable", "1"));
	p = mapdrv_must_map(_metadata, self->dev.fd, 0, self->dev.size,
			    PROT_READ, MAP_SHARED);
	for (i = 0; i < TOUCHED; i++)
		mapdrv_touch(p + i * self->dev.page);
	mapdrv_touch(p);	/* mapped already: no event */
	munmap(p, self->dev.size);
	ASSERT_EQ(0, mapdrv_write_file(TRACEFS "/events/mapdrv/enable", "0"));
}

#define REQUIRE_MAPDRV_EVENTS()						\
	do {								\
		if (access(TRACEFS "/events/mapdrv", F_OK))		\
			SKIP(return, "no %s/events/mapdrv", TRACEFS);	\
	} while (0)

/* What touch_with_events() recorded: one mmap, @faults faults, one close. */
static void expect_events(struct __test_metadata *_metadata, int faults)
{
	EXPECT_EQ(1, trace_count("mapdrv_mmap:"));
	EXPECT_EQ(faults, trace_count("mapdrv_fault:"));
	EXPECT_EQ(1, trace_count("mapdrv_vma_close:"));
}

TEST_F(trace, events_record_mmap_each_fault_and_the_close)
{
	REQUIRE_MAPDRV_EVENTS();
	touch_with_events(_metadata, self);
	expect_events(_metadata, TOUCHED);
	EXPECT_EQ(1, trace_count("pgoff=4 "));
}

/* Windows of 4 pages: pages 0-4 are two faults, at pgoff 0 and 4. */
TEST_F(trace, events_record_one_fault_per_window_in_around_mode)
{
	REQUIRE_MAPDRV_EVENTS();
	mapdrv_must_set_mode(_metadata, self->dev.fd, MAPDRV_MODE_AROUND, 4);
	touch_with_events(_metadata, self);
	expect_events(_metadata, (TOUCHED + 3) / 4);
	EXPECT_EQ(1, trace_count("pgoff=4 "));
}

TEST_F(trace, events_record_no_fault_in_eager_mode)
{
	REQUIRE_MAPDRV_EVENTS();
	mapdrv_must_set_mode(_metadata, self->dev.fd, MAPDRV_MODE_EAGER, 0);
	touch_with_events(_metadata, self);
	expect_events(_metadata, 0);
}

/*
 * Every field of every event, in every mode, against the kernel's own view:
 * the VMA's range and flags from /proc/self/maps and smaps, the PFN from
 * pagemap, the live VMA count from INFO and from the events themselves.
 *
 * The flags field is the VMA's vm_flags word. Its expected value comes
 * from the VmFlags mnemonics of smaps, with the bits the kernel's mm.h
 * gives them; VM_SOFTDIRTY ("sd") is left out on both sides, the core sets
 * it after the driver's ->mmap. mapdrv_mmap shows 0 where the module maps
 * through ->mmap_prepare (7.1+: vm_ops->mapped is not given the VMA).
 */
#define FIELDS_PAGES	16
#define FIELDS_FIRST	4	/* buffer page of the mappings' page 0 */
#define VM_SOFTDIRTY_BIT	0x08000000ULL

static const struct {
	char mn[3];
	uint64_t bit;
} vm_flag_bits[] = {
	{ "rd", 0x1 }, { "wr", 0x2 }, { "ex", 0x4 }, { "sh", 0x8 },
	{ "mr", 0x10 }, { "mw", 0x20 }, { "me", 0x40 }, { "ms", 0x80 },
	{ "gd", 0x100 }, { "um", 0x200 }, { "pf", 0x400 }, { "uw", 0x1000 },
	{ "lo", 0x2000 }, { "io", 0x4000 }, { "sr", 0x8000 },
	{ "rr", 0x10000 }, { "dc", 0x20000 }, { "de", 0x40000 },
	{ "lf", 0x80000 }, { "ac", 0x100000 }, { "nr", 0x200000 },
	{ "ht", 0x400000 }, { "sf", 0x800000 }, { "wf", 0x2000000 },
	{ "dd", 0x4000000 }, { "sd", 0x8000000 }, { "mm", 0x10000000 },
	{ "hg", 0x20000000 }, { "nh", 0x40000000 }, { "mg", 0x80000000 },
};

/* The vm_flags word smaps shows for the VMA at @p, without VM_SOFTDIRTY. */
static uint64_t smaps_vm_flags(struct __test_metadata *_metadata,
			       const void *p)
{
	char flags[256], *mn, *save;
	uint64_t bits = 0;
	size_t i;

	ASSERT_EQ(0, mapdrv_vma_flags(p, flags, sizeof(flags)));
	for (mn = strtok_r(flags, "\n ", &save); mn;
	     mn = strtok_r(NULL, "\n ", &save)) {
		for (i = 0; i < ARRAY_SIZE(vm_flag_bits); i++)
			if (!strcmp(mn, vm_flag_bits[i].mn))
				break;
		ASSERT_GT(ARRAY_SIZE(vm_flag_bits), i)
			TH_LOG("VmFlags mnemonic \"%s\" not in the table", mn);
		bits |= vm_flag_bits[i].bit;
	}
	return bits & ~VM_SOFTDIRTY_BIT;
}

FIXTURE(fields) {
	struct mapdrv_test_dev dev;	/* O_RDWR, in the variant's mode */
	struct mapdrv_event ev[256];
	int n;				/* events read */
	size_t len;			/* of the mappings */
};

FIXTURE_VARIANT(fields) {
	uint32_t mode, window;
};

FIXTURE_VARIANT_ADD(fields, fault) {
	.mode = MAPDRV_MODE_FAULT,
};

FIXTURE_VARIANT_ADD(fields, around) {
	.mode = MAPDRV_MODE_AROUND, .window = 4,
};

FIXTURE_VARIANT_ADD(fields, eager) {
	.mode = MAPDRV_MODE_EAGER,
};

FIXTURE_SETUP(fields)
{
	mapdrv_test_dev_setup(_metadata, &self->dev, O_RDWR, variant->mode,
			      variant->window, FIELDS_FIRST + FIELDS_PAGES);
	if (access(TRACEFS "/events/mapdrv", F_OK))
		MAPDRV_SETUP_SKIP("no %s/events/mapdrv", TRACEFS);
	self->len = FIELDS_PAGES * self->dev.page;
}

FIXTURE_TEARDOWN(fields)
{
	mapdrv_trace_stop();
	close(self->dev.fd);
}

static uint8_t *fields_map(struct __test_metadata *_metadata,
			   FIXTURE_DATA(fields) *self)
{
	return mapdrv_must_map(_metadata, self->dev.fd,
			       FIELDS_FIRST * self->dev.page, self->len,
			       PROT_READ | PROT_WRITE, MAP_SHARED);
}

/* Start the events (all of mapdrv's, or @event); the live VMA count. */
static uint64_t fields_start(struct __test_metadata *_metadata,
			     FIXTURE_DATA(fields) *self, const char *event)
{
	int ret = mapdrv_trace_start(event);

	ASSERT_EQ(0, ret) TH_LOG("tracefs: %s", strerror(-ret));
	return mapdrv_must_info(_metadata, self->dev.fd).live_vmas;
}

/* Stop them and read what they recorded. */
static void fields_stop(struct __test_metadata *_metadata,
			FIXTURE_DATA(fields) *self)
{
	ASSERT_EQ(0, mapdrv_trace_stop());
	self->n = mapdrv_trace_read(self->ev, ARRAY_SIZE(self->ev));
	ASSERT_LE(0, self->n) TH_LOG("trace: %s", strerror(-self->n));
	ASSERT_GE((int)ARRAY_SIZE(self->ev), self->n);
}

/* How many recorded events are @name (and of @pid, unless 0). */
static int count_events(FIXTURE_DATA(fields) *self, const char *name,
			int pid)
{
	int i, n = 0;

	for (i = 0; i < self->n; i++)
		n += !strcmp(self->ev[i].name, name) &&
		     (!pid || self->ev[i].pid == pid);
	return n;
}

/*
 * The live_vmas= of each VMA event, replayed from @live: one more after
 * mapdrv_mmap and mapdrv_vma_open, one less after mapdrv_vma_close. The
 * count after the last event.
 */
static uint64_t expect_live_replay(struct __test_metadata *_metadata,
				   FIXTURE_DATA(fields) *self, uint64_t live)
{
	int i;

	for (i = 0; i < self->n; i++) {
		const struct mapdrv_event *e = &self->ev[i];

		if (!strcmp(e->name, "mapdrv_fault"))
			continue;
		live += strcmp(e->name, "mapdrv_vma_close") ? 1 : -1;
		EXPECT_EQ((int64_t)live, e->live)
			TH_LOG("event %d, %s", i, e->name);
	}
	return live;
}

/*
 * A VMA event of a part of the mapping at @p: its range inside it, its
 * pgoff that of its start, its flags @flags.
 */
static void expect_part(struct __test_metadata *_metadata,
			FIXTURE_DATA(fields) *self,
			const struct mapdrv_event *e, const uint8_t *p,
			uint64_t flags)
{
	uint64_t lo = (uintptr_t)p, hi = lo + self->len;

	EXPECT_LE(lo, e->start) TH_LOG("%s", e->name);
	EXPECT_GE(hi, e->end) TH_LOG("%s", e->name);
	EXPECT_LT(e->start, e->end) TH_LOG("%s", e->name);
	EXPECT_EQ(FIELDS_FIRST + (e->start - lo) / self->dev.page, e->pgoff)
		TH_LOG("%s at %#llx", e->name, (unsigned long long)e->start);
	EXPECT_EQ(flags, e->flags & ~VM_SOFTDIRTY_BIT)
		TH_LOG("%s flags %#llx, smaps says %#llx", e->name,
		       (unsigned long long)e->flags,
		       (unsigned long long)flags);
}

TEST_F(fields, mmap_event_has_the_range_pgoff_flags_and_live_count)
{
	struct mapdrv_info after;
	uint64_t before, flags;
	const struct mapdrv_event *e;
	uint8_t *p;

	before = fields_start(_metadata, self, "mapdrv_mmap");
	p = fields_map(_metadata, self);
	fields_stop(_metadata, self);
	after = mapdrv_must_info(_metadata, self->dev.fd);
	flags = smaps_vm_flags(_metadata, p);
	ASSERT_EQ(1, self->n);
	e = &self->ev[0];
	EXPECT_STREQ("mapdrv_mmap", e->name);
	EXPECT_EQ(getpid(), e->pid);
	EXPECT_EQ((uintptr_t)p, e->start);
	EXPECT_EQ((uintptr_t)p + self->len, e->end);
	EXPECT_EQ((uint64_t)FIELDS_FIRST, e->pgoff);
	if (mapdrv_kernel() >= MAPDRV_K7_2) {
		EXPECT_EQ(0ULL, e->flags);
	} else {
		EXPECT_EQ(flags, e->flags & ~VM_SOFTDIRTY_BIT)
			TH_LOG("flags %#llx, smaps says %#llx",
			       (unsigned long long)e->flags,
			       (unsigned long long)flags);
	}
	EXPECT_EQ((int64_t)before + 1, e->live);
	EXPECT_EQ((uint64_t)e->live, after.live_vmas);
	munmap(p, self->len);
}

/*
 * A fault per window touched (the model), each at the page-aligned
 * address of the touched page, its buffer page as pgoff, the PFN pagemap
 * shows for it, and result 0: in every mode the faulting page goes back to
 * the core (vmf->page), the window's other pages are inserted around it.
 */
TEST_F(fields, fault_events_have_the_address_pgoff_pfn_and_result)
{
	static const size_t touched[] = { 0, 5, 6, 13, 15 };
	struct mapdrv_model m;
	uint64_t entry;
	size_t i;
	int k = 0;
	uint8_t *p;

	if (geteuid())
		SKIP(return, "pagemap shows PFNs to root only");
	p = fields_map(_metadata, self);
	/* eager mapped everything: drop it so that touches fault */
	ASSERT_EQ(0, madvise(p, self->len, MADV_DONTNEED));
	mapdrv_must_model(_metadata, &m, self->dev.mode, self->dev.window,
			  FIELDS_FIRST, FIELDS_PAGES);
	mapdrv_model_drop(&m, 0, FIELDS_PAGES);
	fields_start(_metadata, self, "mapdrv_fault");
	for (i = 0; i < ARRAY_SIZE(touched); i++) {
		mapdrv_touch(p + touched[i] * self->dev.page + 8);
		mapdrv_model_touch(&m, touched[i]);
	}
	fields_stop(_metadata, self);
	ASSERT_EQ((int)m.faults, self->n);
	mapdrv_model_free(&m);
	mapdrv_must_model(_metadata, &m, self->dev.mode, self->dev.window,
			  FIELDS_FIRST, FIELDS_PAGES);
	mapdrv_model_drop(&m, 0, FIELDS_PAGES);
	for (i = 0; i < ARRAY_SIZE(touched); i++) {
		const uint8_t *page = p + touched[i] * self->dev.page;
		const struct mapdrv_event *e;

		if (!mapdrv_model_touch(&m, touched[i]))
			continue;
		e = &self->ev[k++];
		EXPECT_STREQ("mapdrv_fault", e->name);
		EXPECT_EQ(getpid(), e->pid);
		EXPECT_EQ((uintptr_t)page, e->address);
		EXPECT_EQ(FIELDS_FIRST + touched[i], e->pgoff);
		ASSERT_EQ(0, mapdrv_pagemap(page, &entry));
		EXPECT_TRUE((entry & MAPDRV_PM_PRESENT) != 0);
		EXPECT_EQ(entry & MAPDRV_PM_PFN_MASK, e->pfn)
			TH_LOG("page %zu", touched[i]);
		EXPECT_EQ(0ULL, e->result)
			TH_LOG("result %#llx", (unsigned long long)e->result);
	}
	mapdrv_model_free(&m);
	munmap(p, self->len);
}

/* munmap: one mapdrv_vma_close of the whole VMA. */
TEST_F(fields, munmap_traces_vma_close_of_the_vma)
{
	uint8_t *p = fields_map(_metadata, self);
	uint64_t flags = smaps_vm_flags(_metadata, p), before, live;
	const struct mapdrv_event *e;

	before = fields_start(_metadata, self, NULL);
	ASSERT_EQ(0, munmap(p, self->len));
	fields_stop(_metadata, self);
	ASSERT_EQ(1, self->n);
	e = &self->ev[0];
	EXPECT_STREQ("mapdrv_vma_close", e->name);
	EXPECT_EQ((uintptr_t)p, e->start);
	EXPECT_EQ((uintptr_t)p + self->len, e->end);
	expect_part(_metadata, self, e, p, flags);
	live = expect_live_replay(_metadata, self, before);
	EXPECT_EQ(live, mapdrv_must_info(_metadata, self->dev.fd).live_vmas);
}

/*
 * fork: a mapdrv_vma_open for the child's copy of the mapping (traced in
 * the parent, which runs fork), a mapdrv_vma_close at the child's exit.
 */
TEST_F(fields, fork_traces_vma_open_in_the_child_and_close_at_its_exit)
{
	uint8_t *p = fields_map(_metadata, self);
	uint64_t flags = smaps_vm_flags(_metadata, p), before, live;
	int ready[2], go[2], i;
	pid_t pid;

	before = fields_start(_metadata, self, NULL);
	pid = mapdrv_fork_holder(_metadata, ready, go);
	live = mapdrv_must_info(_metadata, self->dev.fd).live_vmas;
	mapdrv_pipe_put(go[1]);
	ASSERT_EQ(0, mapdrv_wait_child(pid));
	fields_stop(_metadata, self);
	EXPECT_EQ(before + 1, live);
	EXPECT_EQ(1, count_events(self, "mapdrv_vma_open", getpid()));
	EXPECT_EQ(1, count_events(self, "mapdrv_vma_close", pid));
	EXPECT_EQ(2, self->n);
	for (i = 0; i < self->n; i++) {
		EXPECT_EQ((uintptr_t)p, self->ev[i].start);
		EXPECT_EQ((uintptr_t)p + self->len, self->ev[i].end);
		expect_part(_metadata, self, &self->ev[i], p, flags);
	}
	EXPECT_EQ(before, expect_live_replay(_metadata, self, before));
	munmap(p, self->len);
}

/*
 * munmap of a middle page splits the VMA: two mapdrv_vma_open for the
 * parts split off (which parts is the kernel's choice), one
 * mapdrv_vma_close of exactly the page unmapped.
 */
TEST_F(fields, munmap_of_a_middle_page_traces_the_split)
{
	uint8_t *p = fields_map(_metadata, self), *mid;
	uint64_t flags = smaps_vm_flags(_metadata, p), before, live;
	int i;

	mid = p + 5 * self->dev.page;
	before = fields_start(_metadata, self, NULL);
	ASSERT_EQ(0, munmap(mid, self->dev.page));
	fields_stop(_metadata, self);
	EXPECT_EQ(2, count_events(self, "mapdrv_vma_open", 0));
	EXPECT_EQ(1, count_events(self, "mapdrv_vma_close", 0));
	for (i = 0; i < self->n; i++) {
		expect_part(_metadata, self, &self->ev[i], p, flags);
		if (strcmp(self->ev[i].name, "mapdrv_vma_close"))
			continue;
		EXPECT_EQ((uintptr_t)mid, self->ev[i].start);
		EXPECT_EQ((uintptr_t)mid + self->dev.page, self->ev[i].end);
	}
	live = expect_live_replay(_metadata, self, before);
	EXPECT_EQ(before + 1, live);
	EXPECT_EQ(live, mapdrv_must_info(_metadata, self->dev.fd).live_vmas);
	munmap(p, 5 * self->dev.page);
	munmap(mid + self->dev.page, self->len - 6 * self->dev.page);
}

/* mprotect of a middle page splits the VMA in three: two opens. */
TEST_F(fields, mprotect_of_a_middle_page_traces_the_split)
{
	uint8_t *p = fields_map(_metadata, self);
	uint64_t flags = smaps_vm_flags(_metadata, p), before, live;
	int i;

	before = fields_start(_metadata, self, NULL);
	ASSERT_EQ(0, mprotect(p + 5 * self->dev.page, self->dev.page,
			      PROT_READ));
	fields_stop(_metadata, self);
	EXPECT_EQ(2, count_events(self, "mapdrv_vma_open", 0));
	EXPECT_EQ(2, self->n);
	for (i = 0; i < self->n; i++)
		expect_part(_metadata, self, &self->ev[i], p, flags);
	live = expect_live_replay(_metadata, self, before);
	EXPECT_EQ(before + 2, live);
	EXPECT_EQ(live, mapdrv_must_info(_metadata, self->dev.fd).live_vmas);
	munmap(p, self->len);
}

/* mremap to another place: an open at the new one, a close at the old. */
TEST_F(fields, mremap_move_traces_open_at_the_target_and_close_at_the_source)
{
	uint8_t *p = fields_map(_metadata, self), *target, *q;
	uint64_t flags = smaps_vm_flags(_metadata, p), before, live;
	int i;

	target = mmap(NULL, self->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	ASSERT_NE(MAP_FAILED, target);
	before = fields_start(_metadata, self, NULL);
	q = mremap(p, self->len, self->len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   target);
	ASSERT_EQ(target, q) TH_LOG("mremap: %s", strerror(errno));
	fields_stop(_metadata, self);
	EXPECT_EQ(1, count_events(self, "mapdrv_vma_open", 0));
	EXPECT_EQ(1, count_events(self, "mapdrv_vma_close", 0));
	EXPECT_EQ(2, self->n);
	for (i = 0; i < self->n; i++) {
		const struct mapdrv_event *e = &self->ev[i];
		bool open = !strcmp(e->name, "mapdrv_vma_open");

		EXPECT_EQ((uintptr_t)(open ? q : p), e->start);
		EXPECT_EQ((uintptr_t)(open ? q : p) + self->len, e->end);
		expect_part(_metadata, self, e, open ? q : p, flags);
	}
	live = expect_live_replay(_metadata, self, before);
	EXPECT_EQ(before, live);
	munmap(q, self->len);
}

TEST_HARNESS_MAIN
