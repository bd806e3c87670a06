// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by mapdrv's kselftests, linked into every test binary (as
 * selftests/mm/vm_util.c is). Declarations in mapdrv_test_util.h. Nothing
 * here uses the harness: errors come back as -errno, or as -1 with errno
 * set like the libc call a helper wraps.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
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
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/mapdrv.h>

/* Without the harness: the header leaves its harness glue out then. */
#include "mapdrv_test_util.h"

uint64_t mapdrv_round_up(uint64_t x, uint64_t align)
{
	return (x + align - 1) / align * align;
}

size_t mapdrv_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

bool mapdrv_dev_present(void)
{
	return access(MAPDRV_DEV_PATH, F_OK) == 0;
}

bool mapdrv_module_loaded(void)
{
	return access(MAPDRV_MODULE_DIR, F_OK) == 0;
}

/* Wait until /dev/mapdrv exists (@present) or is gone: 0 or -ETIMEDOUT. */
int mapdrv_wait_dev(bool present, int timeout_ms)
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
int mapdrv_open(int flags)
{
	return open(MAPDRV_DEV_PATH, flags | O_CLOEXEC);
}

/* MAPDRV_IOC_INFO: 0 or -errno. */
int mapdrv_get_info(int fd, struct mapdrv_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl(fd, MAPDRV_IOC_INFO, info) ? -errno : 0;
}

/* MAPDRV_IOC_INFO through a descriptor of its own: 0 or -errno. */
int mapdrv_info(struct mapdrv_info *info)
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
int mapdrv_restamp(int fd, uint32_t flags, uint64_t seed)
{
	struct mapdrv_restamp rs = { .seed = seed, .flags = flags };

	return ioctl(fd, MAPDRV_IOC_RESTAMP, &rs) ? -errno : 0;
}

/* Rewrite the whole pattern with @seed, through a descriptor of its own. */
int mapdrv_restamp_seed(uint64_t seed)
{
	int fd = mapdrv_open(O_RDWR);
	int ret;

	if (fd < 0)
		return -errno;
	ret = mapdrv_restamp(fd, MAPDRV_RESTAMP_SET_SEED, seed);
	close(fd);
	return ret;
}

/* The name of MAPDRV_MODE_* @mode, as sysfs and the mode= parameter say. */
const char *mapdrv_mode_name(uint32_t mode)
{
	static const char *const names[MAPDRV_MODE_COUNT] = {
		[MAPDRV_MODE_FAULT] = "fault",
		[MAPDRV_MODE_AROUND] = "around",
		[MAPDRV_MODE_EAGER] = "eager",
	};

	return mode < MAPDRV_MODE_COUNT ? names[mode] : "(bad mode)";
}

/* The MAPDRV_MODE_* named @name, or -EINVAL. */
int mapdrv_mode_of_name(const char *name)
{
	uint32_t mode;

	for (mode = 0; mode < MAPDRV_MODE_COUNT; mode++)
		if (!strcmp(name, mapdrv_mode_name(mode)))
			return (int)mode;
	return -EINVAL;
}

/* MAPDRV_IOC_SET_MODE: 0 or -errno. */
int mapdrv_set_mode(int fd, uint32_t mode, uint32_t window)
{
	struct mapdrv_mode req = { .mode = mode, .window = window };

	return ioctl(fd, MAPDRV_IOC_SET_MODE, &req) ? -errno : 0;
}

/*
 * Read /sys/class/misc/mapdrv/@attr into @buf (NUL-terminated, one trailing
 * newline removed): its length or -errno.
 */
int mapdrv_sysfs_read(const char *attr, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", MAPDRV_SYSFS_DIR, attr);
	return mapdrv_read_file(path, buf, len);
}

/* The same for the file at @path (procfs, tracefs). */
int mapdrv_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

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
int mapdrv_sysfs_u64(const char *attr, bool hex, uint64_t *val)
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

/*
 * The module's default mode and window, which a new open file starts with:
 * /sys/class/misc/mapdrv/{mode,window}. 0, -errno, or -EPROTO when mode is
 * not the name of a mode.
 */
int mapdrv_sysfs_mode(uint32_t *mode, uint32_t *window)
{
	char name[64];
	uint64_t w = 0;
	int ret = mapdrv_sysfs_read("mode", name, sizeof(name));

	if (ret < 0)
		return ret;
	ret = mapdrv_mode_of_name(name);
	if (ret < 0)
		return -EPROTO;
	*mode = (uint32_t)ret;
	ret = mapdrv_sysfs_u64("window", false, &w);
	if (ret)
		return ret;
	if (w > UINT32_MAX)
		return -EPROTO;
	*window = (uint32_t)w;
	return 0;
}

/*
 * The "@field: N kB" line of the proc file @path (/proc/meminfo,
 * /proc/PID/status), in KiB: 0 or -errno.
 */
int mapdrv_proc_kb(const char *path, const char *field, long long *kb)
{
	size_t flen = strlen(field);
	char line[256];
	FILE *f = fopen(path, "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, flen) && line[flen] == ':' &&
		    sscanf(line + flen + 1, "%lld kB", kb) == 1) {
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* The @field line of /proc/meminfo, in KiB: 0 or -errno. */
int mapdrv_meminfo_kb(const char *field, long long *kb)
{
	return mapdrv_proc_kb("/proc/meminfo", field, kb);
}

/* VmallocUsed of /proc/meminfo, in KiB: 0 or -errno. */
int mapdrv_vmalloc_used_kb(long long *kb)
{
	return mapdrv_meminfo_kb("VmallocUsed", kb);
}

/*
 * VmallocUsed once it stopped moving: some frees after a module unload or
 * load are deferred (the module's init sections are freed from a work item,
 * BTF and other module data after an RCU grace period). Read it every 100 ms
 * until two readings agree, for at most 3 s.
 */
int mapdrv_vmalloc_used_settled_kb(long long *kb)
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
int mapdrv_load(const char *ko, const char *params)
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
int mapdrv_unload(void)
{
	return syscall(SYS_delete_module, MAPDRV_DEVICE_NAME, O_NONBLOCK) ?
	       -errno : 0;
}

/* The byte at buffer offset @off of the pattern (words are little-endian). */
uint8_t mapdrv_pattern_byte(uint64_t seed, uint64_t off)
{
	return (uint8_t)(mapdrv_pattern(seed, off & ~7ULL) >> (8 * (off & 7)));
}

/* Fill @buf with the pattern bytes of buffer offsets [off, off + len). */
void mapdrv_fill_pattern(void *buf, size_t len, uint64_t off, uint64_t seed)
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
int64_t mapdrv_check_pattern(const void *p, uint64_t len, uint64_t off,
			     uint64_t seed)
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
uint64_t mapdrv_touch(const void *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
}

void mapdrv_poke(void *p, uint64_t word)
{
	__atomic_store_n((uint64_t *)p, word, __ATOMIC_RELAXED);
}

/*
 * mmap(2) without libc in the way: glibc refuses an unaligned offset itself
 * and would hide what the kernel does. MAP_FAILED and errno on failure.
 */
void *mapdrv_sys_mmap(void *addr, uint64_t len, int prot, int flags, int fd,
		      uint64_t off)
{
#ifdef __s390__
	/* s390's mmap system call (old_mmap) takes a pointer to its six arguments. */
	unsigned long args[6] = {
		(unsigned long)addr, len, (unsigned long)prot,
		(unsigned long)flags, (unsigned long)fd, off,
	};

	return (void *)syscall(SYS_mmap, args);
#else
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
#endif
}

/*
 * mincore(2) of @npages pages at @p: how many are resident (and, with @vec,
 * which), or -errno. For a file mapping, mincore only tells the truth to
 * the owner of the file or someone who may write it: root here.
 */
long mapdrv_resident_pages(void *p, size_t npages, unsigned char *vec)
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
 * The text after "@field:" on the /proc/self/smaps line of the VMA starting
 * at @addr, into @buf: 0 or -errno (-ENOENT: no such VMA or field). A VMA's
 * lines end with "VmFlags:", so the search stops there.
 */
static int smaps_field(const void *addr, const char *field, char *buf,
		       size_t len)
{
	char line[512], want[32];
	FILE *f = fopen("/proc/self/smaps", "re");
	size_t flen = strlen(field);
	bool in_vma = false;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (!in_vma) {
			in_vma = !strncmp(line, want, strlen(want));
			continue;
		}
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			snprintf(buf, len, "%s", line + flen + 1);
			ret = 0;
			break;
		}
		if (!strncmp(line, "VmFlags:", 8))
			break;
	}
	fclose(f);
	return ret;
}

/* The "VmFlags:" line of the VMA starting at @addr, into @flags. */
int mapdrv_vma_flags(const void *addr, char *flags, size_t len)
{
	return smaps_field(addr, "VmFlags", flags, len);
}

/* Is the two-letter VmFlags mnemonic @mn in @flags? */
bool mapdrv_vma_has_flag(const char *flags, const char *mn)
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
int mapdrv_kmsg_open(void)
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
int mapdrv_kmsg_count(int fd, const char *a, const char *b, char *match,
		      size_t match_len)
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
int mapdrv_pipe_put(int fd)
{
	return write(fd, "x", 1) == 1 ? 0 : -1;
}

int mapdrv_pipe_get(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/* waitpid(2) for @pid: its exit code, 128 + the signal that killed it, -1. */
uint64_t mapdrv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int mapdrv_wait_child(pid_t pid)
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
 * Reserve @len bytes of address space at an address aligned to @align (a
 * power of two, a multiple of the page size), PROT_NONE, for MAP_FIXED
 * mappings to land on: the address, or MAP_FAILED and errno. The slack
 * around it is unmapped again; munmap(addr, @len) frees the rest.
 */
void *mapdrv_reserve_aligned(size_t len, size_t align)
{
	size_t span = len + align;
	uint8_t *p = mmap(NULL, span, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *a;

	if (p == MAP_FAILED)
		return MAP_FAILED;
	a = p + (((uintptr_t)p + align - 1) / align * align - (uintptr_t)p);
	if (a > p)
		munmap(p, a - p);
	if (p + span > a + len)
		munmap(a + len, p + span - (a + len));
	return a;
}

/*
 * Does the kernel know MADV_POPULATE_READ (5.14)? Asked of an anonymous
 * page, so that an EINVAL from a device mapping means the driver's fault.
 */
bool mapdrv_have_madv_populate_read(void)
{
	size_t page = mapdrv_page_size();
	void *p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	bool have;

	if (p == MAP_FAILED)
		return false;
	have = madvise(p, page, MADV_POPULATE_READ) == 0;
	munmap(p, page);
	return have;
}

/*
 * userfaultfd(2) with @flags for user-mode faults only (UFFD_USER_MODE_ONLY,
 * what an unprivileged caller needs), or without that flag where the kernel
 * does not know it (before 5.11: EINVAL; root may go without): the fd, or
 * -1 with errno set.
 */
int mapdrv_userfaultfd(int flags)
{
	int fd = syscall(SYS_userfaultfd, flags | UFFD_USER_MODE_ONLY);

	if (fd < 0 && errno == EINVAL)
		fd = syscall(SYS_userfaultfd, flags);
	return fd;
}

/*
 * The features UFFDIO_API offers on a fresh userfaultfd: a probe of the
 * kernel, not of mapdrv (0 without userfaultfd).
 */
uint64_t mapdrv_uffd_features(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = mapdrv_userfaultfd(O_CLOEXEC);
	uint64_t features = 0;

	if (fd < 0)
		return 0;
	if (!ioctl(fd, UFFDIO_API, &api))
		features = api.features;
	close(fd);
	return features;
}

/*
 * Pages one call of the driver's fault handler maps, by mode: the faulting
 * page (FAULT), the window around it (AROUND), or MAPDRV_WINDOW_MAX pages
 * (EAGER: mmap() mapped everything, so only a page dropped since, by
 * MADV_DONTNEED, faults).
 */
uint64_t mapdrv_pages_per_fault(uint32_t mode, uint32_t window)
{
	switch (mode) {
	case MAPDRV_MODE_AROUND:
		return window;
	case MAPDRV_MODE_EAGER:
		return MAPDRV_WINDOW_MAX;
	default:
		return 1;
	}
}

/* The model of a mapping right after mmap(): 0 or -ENOMEM. */
int mapdrv_model_init(struct mapdrv_model *m, uint32_t mode, uint32_t window,
		      uint64_t first, size_t npages)
{
	*m = (struct mapdrv_model) {
		.mode = mode,
		.window = mapdrv_pages_per_fault(mode, window ? window : 1),
		.first = first,
		.npages = npages,
	};
	m->resident = calloc(npages ? npages : 1, 1);
	if (!m->resident)
		return -ENOMEM;
	if (mode == MAPDRV_MODE_EAGER)
		memset(m->resident, 1, npages);
	return 0;
}

void mapdrv_model_free(struct mapdrv_model *m)
{
	free(m->resident);
	m->resident = NULL;
}

/* Touch page @i of the mapping: true if that is a fault. */
bool mapdrv_model_touch(struct mapdrv_model *m, size_t i)
{
	uint64_t lo, hi, pg;

	if (i >= m->npages || m->resident[i])
		return false;
	m->faults++;
	lo = (m->first + i) / m->window * m->window;
	hi = lo + m->window;
	if (lo < m->first)
		lo = m->first;
	if (hi > m->first + m->npages)
		hi = m->first + m->npages;
	/* the two runs, each up to its first page mapped already */
	for (pg = lo; pg < m->first + i && !m->resident[pg - m->first]; pg++)
		m->resident[pg - m->first] = 1;
	for (pg = m->first + i + 1; pg < hi && !m->resident[pg - m->first]; pg++)
		m->resident[pg - m->first] = 1;
	m->resident[i] = 1;
	return true;
}

/* Touch pages [@i, @i + @n) of the mapping, in that order. */
void mapdrv_model_touch_range(struct mapdrv_model *m, size_t i, size_t n)
{
	for (; n && i < m->npages; i++, n--)
		mapdrv_model_touch(m, i);
}

/* MADV_DONTNEED of pages [@i, @i + @n) of the mapping. */
void mapdrv_model_drop(struct mapdrv_model *m, size_t i, size_t n)
{
	for (; n && i < m->npages; i++, n--)
		m->resident[i] = 0;
}

size_t mapdrv_model_resident(const struct mapdrv_model *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->npages; i++)
		n += m->resident[i];
	return n;
}

/*
 * Compare mincore()'s @vec of the mapping with the pages @m has resident:
 * how many differ, and in @first_wrong the first that does.
 */
size_t mapdrv_model_diff(const struct mapdrv_model *m,
			 const unsigned char *vec, size_t *first_wrong)
{
	size_t i, wrong = 0;

	for (i = 0; i < m->npages; i++) {
		if ((vec[i] & 1) == m->resident[i])
			continue;
		if (!wrong++)
			*first_wrong = i;
	}
	return wrong;
}

/* The running kernel's place in the matrix (see the header). */
unsigned int mapdrv_kernel_release(void)
{
	unsigned int major = 0, minor = 0, sub = 0;
	struct utsname u;

	if (!uname(&u))
		sscanf(u.release, "%u.%u.%u", &major, &minor, &sub);
	return MAPDRV_RELEASE(major, minor, sub & 0xffff);
}

enum mapdrv_kernel mapdrv_kernel(void)
{
	static const unsigned int since[MAPDRV_KERNELS] = {
		[MAPDRV_K5_10] = MAPDRV_RELEASE(5, 10, 0),
		[MAPDRV_K6_1] = MAPDRV_RELEASE(6, 1, 0),
		[MAPDRV_K6_12] = MAPDRV_RELEASE(6, 12, 0),
		[MAPDRV_K7_2] = MAPDRV_RELEASE(7, 2, 0),
	};
	unsigned int v = mapdrv_kernel_release();
	int k;

	for (k = MAPDRV_KERNELS - 1; k > MAPDRV_K5_10; k--)
		if (v >= since[k])
			break;
	return (enum mapdrv_kernel)k;
}

const char *mapdrv_kernel_name(enum mapdrv_kernel k)
{
	static const char *const names[MAPDRV_KERNELS] = {
		[MAPDRV_K5_10] = "5.10",
		[MAPDRV_K6_1] = "6.1",
		[MAPDRV_K6_12] = "6.12",
		[MAPDRV_K7_2] = "7.2",
	};

	return k < MAPDRV_KERNELS ? names[k] : "?";
}

/* A zeroed report page shared with the children forked after this. */
struct mapdrv_report *mapdrv_report_new(void)
{
	struct mapdrv_report *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return r == MAP_FAILED ? NULL : r;
}

void mapdrv_report_free(struct mapdrv_report *r)
{
	if (r)
		munmap(r, sizeof(*r));
}

void mapdrv_doing(struct mapdrv_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->doing, sizeof(r->doing), fmt, ap);
	va_end(ap);
}

/* Note why a bounded child failed: 1, its exit status. */
int mapdrv_failed(struct mapdrv_report *r, const char *file, int line,
		  const char *fmt, ...)
{
	int n = snprintf(r->failed, sizeof(r->failed), "%s:%d: ", file, line);
	va_list ap;

	if (n < 0 || (size_t)n >= sizeof(r->failed))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(r->failed + n, sizeof(r->failed) - n, fmt, ap);
	va_end(ap);
	return 1;
}

/*
 * Run @fn(@arg) in a child and wait for it at most @timeout_ms: its exit
 * status (0-255), 128 + the signal that killed it, -ETIMEDOUT when it was
 * still running then (it is killed with SIGKILL and reaped), -errno.
 */
int mapdrv_run_bounded(int (*fn)(void *arg), void *arg, int timeout_ms)
{
	const struct timespec tick = { .tv_nsec = 5 * 1000 * 1000 };
	uint64_t end;
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(fn(arg));
	end = mapdrv_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	for (;;) {
		pid_t got = waitpid(pid, &status, WNOHANG);

		if (got == pid)
			break;
		if (got < 0 && errno != EINTR)
			return -errno;
		if (mapdrv_now_ns() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/*
 * The "@field:" line of the VMA starting at @addr, in kB: 0 or -errno
 * (-ENOENT: no such VMA or field; -EINVAL: not a size in kB).
 */
int mapdrv_smaps_kb(const void *addr, const char *field, long long *kb)
{
	char text[128];
	int ret = smaps_field(addr, field, text, sizeof(text));

	if (ret)
		return ret;
	return sscanf(text, "%lld kB", kb) == 1 ? 0 : -EINVAL;
}

/* The /proc/self/pagemap entry of the page at @addr: 0 or -errno. */
int mapdrv_pagemap(const void *addr, uint64_t *entry)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	off_t off = (off_t)((uintptr_t)addr / mapdrv_page_size() * 8);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, entry, 8, off);
	close(fd);
	if (n < 0)
		return -errno;
	return n == 8 ? 0 : -EIO;
}

/* Write @text to the file at @path (sysfs, tracefs, procfs): 0 or -errno. */
int mapdrv_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/*
 * Empty the trace buffer and switch on mapdrv's event @event ("mapdrv_fault";
 * NULL: all of them): 0 or -errno.
 */
int mapdrv_trace_start(const char *event)
{
	char path[256];
	int ret;

	ret = mapdrv_write_file(MAPDRV_TRACEFS "/events/mapdrv/enable", "0");
	if (!ret)
		ret = mapdrv_write_file(MAPDRV_TRACEFS "/trace", "");
	if (ret)
		return ret;
	if (event)
		snprintf(path, sizeof(path),
			 MAPDRV_TRACEFS "/events/mapdrv/%s/enable", event);
	else
		snprintf(path, sizeof(path),
			 MAPDRV_TRACEFS "/events/mapdrv/enable");
	return mapdrv_write_file(path, "1");
}

int mapdrv_trace_stop(void)
{
	return mapdrv_write_file(MAPDRV_TRACEFS "/events/mapdrv/enable", "0");
}

/* The number after "@key=" in @text (decimal, or hex after 0x), or false. */
static bool event_field(const char *text, const char *key, uint64_t *val)
{
	char want[32];
	const char *p;

	snprintf(want, sizeof(want), " %s=", key);
	p = strstr(text, want);
	if (!p)
		return false;
	*val = strtoull(p + strlen(want), NULL, 0);
	return true;
}

/*
 * Parse one line of the trace file: "  comm-pid  [cpu] flags  time: event:
 * key=value ...". False if it is not a mapdrv event.
 */
static bool parse_event(const char *line, struct mapdrv_event *ev)
{
	const char *name = strstr(line, ": mapdrv_"), *colon, *cpu, *dash;
	uint64_t v;

	if (line[0] == '#' || !name)
		return false;
	memset(ev, 0, sizeof(*ev));
	name += 2;
	colon = strchr(name, ':');
	if (!colon || (size_t)(colon - name) >= sizeof(ev->name))
		return false;
	memcpy(ev->name, name, colon - name);
	/* the pid ends the task field, before " [cpu]" */
	cpu = strstr(line, " [");
	for (dash = cpu; dash && dash > line && dash[-1] != '-'; dash--)
		;
	if (cpu && dash > line)
		ev->pid = atoi(dash);
	event_field(colon, "address", &ev->address);
	event_field(colon, "pgoff", &ev->pgoff);
	event_field(colon, "pfn", &ev->pfn);
	event_field(colon, "result", &ev->result);
	event_field(colon, "start", &ev->start);
	event_field(colon, "end", &ev->end);
	event_field(colon, "flags", &ev->flags);
	ev->live = -1;
	if (event_field(colon, "live_vmas", &v))
		ev->live = (int64_t)v;
	return true;
}

/*
 * The mapdrv events in the trace buffer, oldest first, up to @max into
 * @ev: how many there are (perhaps more than @max), or -errno.
 */
int mapdrv_trace_read(struct mapdrv_event *ev, int max)
{
	FILE *f = fopen(MAPDRV_TRACEFS "/trace", "re");
	struct mapdrv_event e;
	char line[1024];
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!parse_event(line, &e))
			continue;
		if (n < max)
			ev[n] = e;
		n++;
	}
	fclose(f);
	return n;
}
