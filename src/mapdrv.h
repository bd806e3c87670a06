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

#include <uapi/linux/mapdrv.h>

#include "compat.h"

/**
 * struct mapdrv_dev - the one mapdrv device
 * @misc: the misc device
 * @buf: the vmalloc_user() buffer, @size bytes
 * @size: buffer size in bytes, a whole number of pages; fixed while loaded
 * @npages: @size in pages
 * @seed: seed of the current pattern, written under @stamp_lock with
 *	smp_store_release() once the words are; read with smp_load_acquire()
 * @stamp_lock: serialises restamping; never taken in the fault path
 * @faults: faults served (a page handed back), since load
 * @fault_errors: faults answered with SIGBUS (a page offset past @buf,
 *	which no VMA can reach), since load
 * @mmap_calls: successful mmap() calls, since load
 * @live_vmas: VMAs currently mapping @buf, in every process (see
 *	mapdrv_count())
 * @pages: every page of @buf, for the pages a mapping inserts beside the
 *	faulting one (mapdrv_vm_init()); fixed while loaded
 * @mode: default MAPDRV_MODE_* of a new open file (module parameter)
 * @window: default window of a new open file (module parameter)
 */
struct mapdrv_dev {
	struct miscdevice misc;
	void *buf;
	size_t size;
	unsigned long npages;
	u64 seed;
	struct mutex stamp_lock; /* serialises restamps; not in the fault path */
	atomic64_t faults;
	atomic64_t fault_errors;
	atomic64_t mmap_calls;
	atomic_t live_vmas;
	struct page **pages;
	u32 mode;
	u32 window;
};

/**
 * struct mapdrv_file - one open file of the device (file->private_data)
 * @md: the device
 * @lock: serialises MAPDRV_IOC_SET_MODE against mmap() of this file
 * @mode: MAPDRV_MODE_* for the next mmap() of this file
 * @window: pages per fault in MAPDRV_MODE_AROUND, a power of two
 * @live_vmas: VMAs of this file; its mode cannot change while there are
 *	any
 *
 * Every VMA holds its file, so this outlives the file's mappings. A VMA
 * that is counted has its vm_private_data pointing here (see
 * mapdrv_vma_counted()).
 */
struct mapdrv_file {
	struct mapdrv_dev *md;
	struct mutex lock; /* SET_MODE against mmap of this file */
	u32 mode;
	u32 window;
	atomic_t live_vmas;
};

static inline struct mapdrv_file *mapdrv_file(const struct file *file)
{
	return file->private_data;
}

static inline struct mapdrv_dev *mapdrv_from_file(const struct file *file)
{
	return mapdrv_file(file)->md;
}

/* The open file a VMA of the device maps: the VMA's own file. */
static inline struct mapdrv_file *
mapdrv_vma_file(const struct vm_area_struct *vma)
{
	return mapdrv_file(vma->vm_file);
}

/*
 * Whether the VMA is counted in the live counts. Through ->mmap it is
 * from the start; through ->mmap_prepare only once vm_ops->mapped accepted
 * it: until then its vm_private_data holds the vm_ops it was described
 * with, and a VMA the core unmaps before that (a failed mmap action, a
 * refusal of ->mapped) was never counted.
 */
static inline bool mapdrv_vma_counted(const struct vm_area_struct *vma)
{
	return vma->vm_private_data == mapdrv_vma_file(vma);
}

static inline struct mapdrv_dev *mapdrv_vma_dev(const struct vm_area_struct *vma)
{
	return mapdrv_vma_file(vma)->md;
}

/* mapdrv_vm.c; the mmap hook itself is declared in compat.h. */
int mapdrv_vm_init(struct mapdrv_dev *md);
void mapdrv_vm_exit(struct mapdrv_dev *md);

#endif /* MAPDRV_H */
