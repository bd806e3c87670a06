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
 * ->mmap_prepare (6.16) replaces the deprecated ->mmap. It describes the
 * mapping before the VMA exists and must keep no state, so a driver that
 * counts its VMAs can only use it once vm_ops->mapped (7.1) tells it the VMA
 * was made: ->open is never called for the first one. So mapdrv uses
 * ->mmap_prepare where ->mapped exists and ->mmap everywhere else.
 */
#ifdef MAPDRV_HAVE_VM_OPS_MAPPED
#define MAPDRV_USE_MMAP_PREPARE
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
