// SPDX-License-Identifier: GPL-2.0
/*
 * maptest: the shortest complete use of /dev/mapdrv, in C with libc and the
 * uapi header only. Map the buffer, check a few words of the pattern, print.
 *
 *   cc -Wall -O2 -I<mapdrv>/include/uapi -o maptest maptest.c
 *   (installed: cc $(pkg-config --cflags mapdrv) -o maptest maptest.c)
 *   ./maptest [device]        exit 0: the words hold the documented pattern
 */
#define _DEFAULT_SOURCE	/* le64toh() */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mapdrv.h>

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/" MAPDRV_DEVICE_NAME;
	struct mapdrv_info info;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, MAPDRV_IOC_INFO, &info) < 0) {
		fprintf(stderr, "maptest: %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* Nothing is mapped yet: each page faults in on its first touch. */
	const unsigned char *p = mmap(NULL, info.size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "maptest: mmap %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("%s: %" PRIu64 " bytes, %u-byte pages, seed 0x%" PRIx64 "\n",
	       path, (uint64_t)info.size, info.page_size, (uint64_t)info.seed);

	/* The first, a middle and the last word: little-endian by definition. */
	const uint64_t offsets[] = { 0, info.size / 2, info.size - 8 };
	int bad = 0;
	for (unsigned i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		uint64_t word;
		memcpy(&word, p + offsets[i], sizeof(word));
		word = le64toh(word);
		const uint64_t want = mapdrv_pattern(info.seed, offsets[i]);
		printf("  offset 0x%08" PRIx64 ": 0x%016" PRIx64 " %s\n", offsets[i],
		       word, word == want ? "ok" : "WRONG");
		bad |= word != want;
	}
	munmap((void *)p, info.size);
	close(fd);
	return bad;
}
