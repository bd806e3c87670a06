// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv's mapping path: mmap() checks and flags, and the lazy fault.
 *
 * mmap() installs nothing. The first touch of each page faults into
 * mapdrv_vm_fault(), which looks the page up with vmalloc_to_page(), takes a
 * reference and hands it to the core mm, which installs the PTE and drops the
 * reference when the page is unmapped. No lock is taken here: the buffer and
 * its size never change while the module is loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "mapdrv.h"
#include "mapdrv_trace.h"

static void mapdrv_vm_open(struct vm_area_struct *vma)
{
	struct mapdrv_dev *md = vma->vm_private_data;

	trace_mapdrv_vma_open(vma, atomic_inc_return(&md->live_vmas));
}

static void mapdrv_vm_close(struct vm_area_struct *vma)
{
	struct mapdrv_dev *md = vma->vm_private_data;

	trace_mapdrv_vma_close(vma, atomic_dec_return(&md->live_vmas));
}

static vm_fault_t mapdrv_vm_fault(struct vm_fault *vmf)
{
	struct mapdrv_dev *md = vmf->vma->vm_private_data;
	unsigned long pgoff = vmf->pgoff;
	struct page *page = NULL;
	vm_fault_t ret = 0;

	/*
	 * mmap() bounded the VMA, but a split, mremap() or a racing caller
	 * must still never reach past the buffer: check the index itself.
	 */
	if (pgoff < md->npages)
		page = vmalloc_to_page(md->buf + (pgoff << PAGE_SHIFT));
	if (!page) {
		ret = VM_FAULT_SIGBUS;
		atomic64_inc(&md->sigbus);
	} else {
		get_page(page);
		vmf->page = page;
		atomic64_inc(&md->faults);
	}

	trace_mapdrv_fault(vmf->address, pgoff, page ? page_to_pfn(page) : 0,
			   (__force unsigned int)ret);
	dev_dbg(md->misc.this_device,
		"fault: address 0x%lx pgoff %lu pfn 0x%lx result 0x%x\n",
		vmf->address, pgoff, page ? page_to_pfn(page) : 0,
		(__force unsigned int)ret);
	return ret;
}

static const struct vm_operations_struct mapdrv_vm_ops = {
	.open = mapdrv_vm_open,
	.close = mapdrv_vm_close,
	.fault = mapdrv_vm_fault,
};

int mapdrv_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mapdrv_dev *md = mapdrv_from_file(file);
	unsigned long pages = vma_pages(vma);
	unsigned long pgoff = vma->vm_pgoff;

	/* Overflow-safe form of pgoff + pages <= npages. */
	if (pgoff >= md->npages || pages > md->npages - pgoff) {
		dev_dbg(md->misc.this_device,
			"mmap: pgoff %lu + %lu pages is past %lu pages\n",
			pgoff, pages, md->npages);
		return -EINVAL;
	}

	/*
	 * A private mapping would need copy-on-write of vmalloc pages: refuse
	 * write access, now (EPERM) and later through mprotect() (EACCES).
	 * VM_MAYSHARE, not VM_SHARED: the core clears VM_SHARED for a
	 * MAP_SHARED mapping of a file opened read-only.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		mapdrv_vm_flags_clear(vma, VM_MAYWRITE);
	}

	mapdrv_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &mapdrv_vm_ops;
	vma->vm_private_data = md;

	atomic64_inc(&md->mmap_calls);
	trace_mapdrv_mmap(vma, atomic_inc_return(&md->live_vmas));
	dev_dbg(md->misc.this_device,
		"mmap: 0x%lx-0x%lx pgoff %lu flags 0x%lx\n",
		vma->vm_start, vma->vm_end, pgoff, (unsigned long)vma->vm_flags);
	return 0;
}
