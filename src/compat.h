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
