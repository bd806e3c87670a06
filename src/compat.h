/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel version or feature difference mapdrv cares about, in one place.
 *
 * Feature probes (MAPDRV_HAVE_*) come from Kbuild, which greps the headers of
 * the kernel being built against: a distribution kernel may have backported
 * an API that its version number predates.
 */
#ifndef MAPDRV_COMPAT_H
#define MAPDRV_COMPAT_H

#include <linux/mm.h>

/*
 * The mmap hook: ->mmap_prepare or ->mmap, chosen here and only here.
 *
 * ->mmap_prepare (6.16) replaces the deprecated ->mmap. It describes the
 * mapping before the VMA exists and is given no VMA, ever: ->open is not
 * called for the first VMA, and vm_ops->mapped (7.1) is told the range of
 * the VMA once it is made, without the VMA itself (on purpose: a driver is
 * not to look it up). So an eager mapping cannot insert its pages itself.
 * The core does it for a driver that asks with an mmap action:
 * mmap_action_map_kernel_pages() (7.x, MMAP_MAP_KERNEL_PAGES) makes it
 * insert an array of pages with insert_pages() once the VMA exists, before
 * ->mapped, and unmap the VMA if that fails. (The other actions, remap and
 * ioremap, map pfns: VM_PFNMAP, no struct page, not what mapdrv's pages
 * are.) The core inserts them in one go (map_kernel_pages_complete(), one
 * insert_pages() call over the whole range, 7.3), with mmap_lock held for
 * write, without the cond_resched() and the fatal-signal check that
 * mapdrv's own ->mmap loop makes between batches. What a user sees: an
 * eager mmap() of a large buffer cannot be interrupted; a process killed
 * during it dies once every PTE is in (262144 of them for 1 GiB on 4 KiB
 * pages), and its exit unmaps them. The mapping is not left behind.
 *
 * mapdrv uses ->mmap_prepare where the kernel has both ->mapped and that
 * action, ->mmap everywhere else: without ->mapped the first VMA could not
 * be counted, without the action eager could not map its pages.
 */
#if defined(MAPDRV_HAVE_VM_OPS_MAPPED) && \
	defined(MAPDRV_HAVE_MMAP_ACTION_MAP_KERNEL_PAGES)
#define MAPDRV_USE_MMAP_PREPARE		1
#else
#define MAPDRV_USE_MMAP_PREPARE		0
#endif

#if MAPDRV_USE_MMAP_PREPARE
int mapdrv_mmap_prepare(struct vm_area_desc *desc);
#define MAPDRV_FOPS_MMAP		.mmap_prepare = mapdrv_mmap_prepare
/* In each vm_operations_struct of mapdrv_vm.c. */
#define MAPDRV_VM_OPS_MAPPED		.mapped = mapdrv_vm_mapped,
#else
int mapdrv_mmap(struct file *file, struct vm_area_struct *vma);
#define MAPDRV_FOPS_MMAP		.mmap = mapdrv_mmap
#define MAPDRV_VM_OPS_MAPPED
#endif

/*
 * The legacy flags word, for traces. Still readable in 7.x, where it shares
 * a union with the vma_flags_t bitmap that is replacing it.
 */
static inline unsigned long mapdrv_vma_flags(const struct vm_area_struct *vma)
{
	return vma->vm_flags;
}

/* vm_flags became read-only behind vm_flags_set()/vm_flags_clear() in 6.3. */
static inline void mapdrv_vm_flags_set(struct vm_area_struct *vma,
				       unsigned long flags)
{
#ifdef MAPDRV_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void mapdrv_vm_flags_clear(struct vm_area_struct *vma,
					 unsigned long flags)
{
#ifdef MAPDRV_HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

#endif /* MAPDRV_COMPAT_H */
