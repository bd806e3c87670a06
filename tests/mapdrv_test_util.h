/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by mapdrv's kselftests. Include it after
 * kselftest_harness.h (which defines _GNU_SOURCE before any libc header).
 *
 * Most helpers do not ASSERT or EXPECT: errors come back as -errno (or as -1
 * with errno set, like the libc call they wrap), and the tests check them.
 * The few at the end that do (mapdrv_must_*) take the harness's _metadata.
 */
#ifndef MAPDRV_TEST_UTIL_H
#define MAPDRV_TEST_UTIL_H

#ifndef __KSELFTEST_HARNESS_H
#error "include kselftest_harness.h before mapdrv_test_util.h"
#endif

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/mapdrv.h>

#define MAPDRV_DEV_PATH		"/dev/" MAPDRV_DEVICE_NAME
#define MAPDRV_SYSFS_DIR	"/sys/class/misc/" MAPDRV_DEVICE_NAME
#define MAPDRV_MODULE_DIR	"/sys/module/" MAPDRV_DEVICE_NAME
#define MAPDRV_KO_ENV		"MAPDRV_KO"

/* How long a (re)loaded module gets for /dev/mapdrv to come and go. */
#define MAPDRV_DEV_WAIT_MS	5000

/*
 * The 6.1 harness only stops a test whose FIXTURE_SETUP() *failed*: after a
 * SKIP(return, ...) in the setup it still runs the test body (and then the
 * teardown) on a fixture that was never set up. So a setup that skips ends
 * the test process itself, with the exit status the 6.1 harness reports as
 * a skip; the reason is already in the page the harness shares with it.
 */
#define MAPDRV_HARNESS_SKIP_STATUS	255
#define MAPDRV_SETUP_SKIP(fmt, ...)					\
	SKIP({ fflush(NULL); _exit(MAPDRV_HARNESS_SKIP_STATUS); },	\
	     fmt, ##__VA_ARGS__)

/* First lines of every FIXTURE_SETUP() that needs the device. */
#define MAPDRV_SETUP_REQUIRE_DEVICE()					\
	do {								\
		if (access(MAPDRV_DEV_PATH, F_OK))			\
			MAPDRV_SETUP_SKIP("%s does not exist: is mapdrv.ko loaded?", \
					  MAPDRV_DEV_PATH);		\
	} while (0)

static inline uint64_t mapdrv_round_up(uint64_t x, uint64_t align)
{
	return (x + align - 1) / align * align;
}

static inline size_t mapdrv_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static inline bool mapdrv_dev_present(void)
{
	return access(MAPDRV_DEV_PATH, F_OK) == 0;
}

static inline bool mapdrv_module_loaded(void)
{
	return access(MAPDRV_MODULE_DIR, F_OK) == 0;
}

/* Wait until /dev/mapdrv exists (@present) or is gone: 0 or -ETIMEDOUT. */
static inline int mapdrv_wait_dev(bool present, int timeout_ms)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 10) {
		if (mapdrv_dev_present() == present)
			return 0;
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}

/* open(2) of the device; -1 and errno on failure. */
static inline int mapdrv_open(int flags)
{
	return open(MAPDRV_DEV_PATH, flags | O_CLOEXEC);
}

/* MAPDRV_IOC_INFO: 0 or -errno. */
static inline int mapdrv_get_info(int fd, struct mapdrv_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl(fd, MAPDRV_IOC_INFO, info) ? -errno : 0;
}

/* MAPDRV_IOC_INFO through a descriptor of its own: 0 or -errno. */
static inline int mapdrv_info(struct mapdrv_info *info)
{
	int fd = mapdrv_open(O_RDONLY);
	int ret;

	if (fd < 0)
		return -errno;
	ret = mapdrv_get_info(fd, info);
	close(fd);
	return ret;
}

/* MAPDRV_IOC_RESTAMP: 0 or -errno. */
static inline int mapdrv_restamp(int fd, uint32_t flags, uint64_t seed)
{
	struct mapdrv_restamp rs = { .seed = seed, .flags = flags };

	return ioctl(fd, MAPDRV_IOC_RESTAMP, &rs) ? -errno : 0;
}

/* Rewrite the whole pattern with @seed, through a descriptor of its own. */
static inline int mapdrv_restamp_seed(uint64_t seed)
{
	int fd = mapdrv_open(O_RDWR);
	int ret;

	if (fd < 0)
		return -errno;
	ret = mapdrv_restamp(fd, MAPDRV_RESTAMP_SET_SEED, seed);
	close(fd);
	return ret;
}

/*
 * Read /sys/class/misc/mapdrv/@attr into @buf (NUL-terminated, one trailing
 * newline removed): its length or -errno.
 */
static inline int mapdrv_sysfs_read(const char *attr, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", MAPDRV_SYSFS_DIR, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return (int)n;
}

/*
 * Read a sysfs attribute holding one number: decimal digits, or "0x" and
 * lower-case hex digits for @hex, then at most a newline. 0, -errno, or
 * -EPROTO when the text is not exactly that.
 */
static inline int mapdrv_sysfs_u64(const char *attr, bool hex, uint64_t *val)
{
	const char *digits = hex ? "0123456789abcdef" : "0123456789";
	char buf[64], *p = buf, *end;
	int n = mapdrv_sysfs_read(attr, buf, sizeof(buf));

	if (n < 0)
		return n;
	if (hex) {
		if (strncmp(p, "0x", 2))
			return -EPROTO;
		p += 2;
	}
	if (!*p || strspn(p, digits) != strlen(p))
		return -EPROTO;
	/* No leading zeros, as printf's %llu and %llx never print them. */
	if (p[0] == '0' && p[1])
		return -EPROTO;
	errno = 0;
	*val = strtoull(p, &end, hex ? 16 : 10);
	if (errno || *end)
		return -EPROTO;
	return 0;
}

/* VmallocUsed of /proc/meminfo, in KiB: 0 or -errno. */
static inline int mapdrv_vmalloc_used_kb(long long *kb)
{
	char line[256];
	FILE *f = fopen("/proc/meminfo", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmallocUsed: %lld kB", kb) == 1) {
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/*
 * VmallocUsed once it stopped moving: some frees after a module unload or
 * load are deferred (the module's init sections are freed from a work item,
 * BTF and other module data after an RCU grace period). Read it every 100 ms
 * until two readings agree, for at most 3 s.
 */
static inline int mapdrv_vmalloc_used_settled_kb(long long *kb)
{
	const struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };
	long long prev, cur;
	int i, ret;

	ret = mapdrv_vmalloc_used_kb(&prev);
	for (i = 0; !ret && i < 30; i++) {
		nanosleep(&tick, NULL);
		ret = mapdrv_vmalloc_used_kb(&cur);
		if (!ret && cur == prev)
			break;
		prev = cur;
	}
	*kb = prev;
	return ret;
}

/* finit_module(2) of the .ko at @ko with @params: 0 or -errno. */
static inline int mapdrv_load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * delete_module(2) of mapdrv, the way rmmod does it: O_NONBLOCK, so a module
 * in use fails at once with EWOULDBLOCK (the kernel's errno, == EAGAIN).
 * 0 or -errno.
 */
static inline int mapdrv_unload(void)
{
	return syscall(SYS_delete_module, MAPDRV_DEVICE_NAME, O_NONBLOCK) ?
	       -errno : 0;
}

/* The byte at buffer offset @off of the pattern (words are little-endian). */
static inline uint8_t mapdrv_pattern_byte(uint64_t seed, uint64_t off)
{
	return (uint8_t)(mapdrv_pattern(seed, off & ~7ULL) >> (8 * (off & 7)));
}

/* Fill @buf with the pattern bytes of buffer offsets [off, off + len). */
static inline void mapdrv_fill_pattern(void *buf, size_t len, uint64_t off,
				       uint64_t seed)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = mapdrv_pattern_byte(seed, off + i);
}

/*
 * Check @len bytes at @p, which hold the buffer from offset @off on, against
 * the pattern of @seed: the buffer offset of the first wrong byte, or -1.
 * Whole aligned words are compared as words, the rest byte by byte.
 */
static inline int64_t mapdrv_check_pattern(const void *p, uint64_t len,
					   uint64_t off, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t i = 0, w;

	for (; i < len && ((off + i) & 7); i++)
		if (b[i] != mapdrv_pattern_byte(seed, off + i))
			return (int64_t)(off + i);
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, b + i, 8);
		if (le64toh(w) != mapdrv_pattern(seed, off + i))
			break;
	}
	for (; i < len; i++)
		if (b[i] != mapdrv_pattern_byte(seed, off + i))
			return (int64_t)(off + i);
	return -1;
}

/*
 * Read (touch) or write (poke) one aligned word at @p through a mapping,
 * as one access the compiler can neither drop nor merge.
 */
static inline uint64_t mapdrv_touch(const void *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
}

static inline void mapdrv_poke(void *p, uint64_t word)
{
	__atomic_store_n((uint64_t *)p, word, __ATOMIC_RELAXED);
}

/*
 * mmap(2) without libc in the way: glibc refuses an unaligned offset itself
 * and would hide what the kernel does. MAP_FAILED and errno on failure.
 */
static inline void *mapdrv_sys_mmap(void *addr, uint64_t len, int prot,
				    int flags, int fd, uint64_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

/*
 * mincore(2) of @npages pages at @p: how many are resident (and, with @vec,
 * which), or -errno. For a file mapping, mincore only tells the truth to
 * the owner of the file or someone who may write it: root here.
 */
static inline long mapdrv_resident_pages(void *p, size_t npages,
					 unsigned char *vec)
{
	unsigned char *v = vec ? vec : calloc(npages, 1);
	long n = 0;
	size_t i;

	if (!v)
		return -ENOMEM;
	if (mincore(p, npages * mapdrv_page_size(), v)) {
		n = -errno;
	} else {
		for (i = 0; i < npages; i++)
			n += v[i] & 1;
	}
	if (!vec)
		free(v);
	return n;
}

/*
 * The "VmFlags:" line of /proc/self/smaps for the VMA starting at @addr,
 * into @flags: 0 or -errno (-ENOENT: no such VMA or no VmFlags line).
 */
static inline int mapdrv_vma_flags(const void *addr, char *flags, size_t len)
{
	char line[512], want[32];
	FILE *f = fopen("/proc/self/smaps", "re");
	bool in_vma = false;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, want, strlen(want))) {
			in_vma = true;
		} else if (in_vma && !strncmp(line, "VmFlags:", 8)) {
			size_t n = strlen(line + 8);

			if (n >= len)
				n = len - 1;
			memcpy(flags, line + 8, n);
			flags[n] = '\0';
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* Is the two-letter VmFlags mnemonic @mn in @flags? */
static inline bool mapdrv_vma_has_flag(const char *flags, const char *mn)
{
	const char *p;

	for (p = flags; (p = strstr(p, mn)); p += 2)
		if ((p == flags || p[-1] == ' ') &&
		    (p[2] == ' ' || p[2] == '\n' || p[2] == '\0'))
			return true;
	return false;
}

/*
 * /dev/kmsg opened at its end, so that only records printed after this
 * call are read: a descriptor or -errno.
 */
static inline int mapdrv_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

/*
 * Read the kernel log records after @fd's position up to the end (EAGAIN)
 * and count those whose text has both @a and @b; the last such text goes
 * to @match. The count or -errno.
 */
static inline int mapdrv_kmsg_count(int fd, const char *a, const char *b,
				    char *match, size_t match_len)
{
	char rec[8192];
	int count = 0;

	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *text, *nl;

		if (n < 0 && errno == EPIPE)	/* overwritten records */
			continue;
		if (n < 0 && errno == EAGAIN)
			return count;
		if (n < 0)
			return -errno;
		if (n == 0)
			return count;
		rec[n] = '\0';
		/* "prio,seq,usec,flags;text\n" then " KEY=value\n" lines */
		text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		nl = strchr(text, '\n');
		if (nl)
			*nl = '\0';
		if (strstr(text, a) && strstr(text, b)) {
			count++;
			if (match)
				snprintf(match, match_len, "%s", text);
		}
	}
}

/* fork(2) helpers: one byte through a pipe, and a child's exit status. */
static inline int mapdrv_pipe_put(int fd)
{
	return write(fd, "x", 1) == 1 ? 0 : -1;
}

static inline int mapdrv_pipe_get(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/* waitpid(2) for @pid: its exit code, 128 + the signal that killed it, -1. */
static inline int mapdrv_wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/*
 * Helpers that ASSERT, for test bodies and fixture setups; @_metadata is the
 * harness's, so that ASSERT_*() ends the test.
 */

/* mmap(2) that must work. */
static inline void *mapdrv_must_map(struct __test_metadata *_metadata, int fd,
				    uint64_t off, size_t len, int prot,
				    int flags)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);

	ASSERT_NE(MAP_FAILED, p)
		TH_LOG("mmap(len %#zx, prot %#x, flags %#x, offset %#llx): %s",
		       len, prot, flags, (unsigned long long)off,
		       strerror(errno));
	return p;
}

/* MAPDRV_IOC_INFO that must work. */
static inline struct mapdrv_info
mapdrv_must_info(struct __test_metadata *_metadata, int fd)
{
	struct mapdrv_info info;
	int ret = mapdrv_get_info(fd, &info);

	ASSERT_EQ(0, ret) TH_LOG("MAPDRV_IOC_INFO: %s", strerror(-ret));
	return info;
}

#endif /* MAPDRV_TEST_UTIL_H */
