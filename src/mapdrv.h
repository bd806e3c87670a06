/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mapdrv internals shared by the device code (mapdrv_main.c) and the
 * mapping code (mapdrv_vm.c).
 */
#ifndef MAPDRV_H
#define MAPDRV_H

#include <linux/atomic.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "compat.h"

#define MAPDRV_VERSION "0.1.0"

/**
 * struct mapdrv_dev - the one mapdrv device
 * @misc: the misc device; file->private_data points here after open
 * @buf: the vmalloc_user() buffer, @size bytes
 * @size: buffer size in bytes, a whole number of pages; fixed while loaded
 * @npages: @size in pages
 * @seed: seed of the current pattern, written under @stamp_lock
 * @stamp_lock: serialises restamping; never taken in the fault path
 * @faults: faults served (a page handed back), since load
 * @sigbus: faults refused with VM_FAULT_SIGBUS, since load
 * @mmap_calls: successful mmap() calls, since load
 * @live_vmas: VMAs currently mapping @buf, in every process
 */
struct mapdrv_dev {
	struct miscdevice misc;
	void *buf;
	size_t size;
	unsigned long npages;
	u64 seed;
	struct mutex stamp_lock; /* serialises restamps; not in the fault path */
	atomic64_t faults;
	atomic64_t sigbus;
	atomic64_t mmap_calls;
	atomic_t live_vmas;
};

static inline struct mapdrv_dev *mapdrv_from_file(struct file *file)
{
	return container_of(file->private_data, struct mapdrv_dev, misc);
}

#ifdef MAPDRV_USE_MMAP_PREPARE
int mapdrv_mmap_prepare(struct vm_area_desc *desc);
#else
int mapdrv_mmap(struct file *file, struct vm_area_struct *vma);
#endif

#endif /* MAPDRV_H */
