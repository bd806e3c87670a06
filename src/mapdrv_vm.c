// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv's mapping path: mmap() checks and flags, and the lazy fault.
 *
 * mmap() installs nothing (through ->mmap_prepare where the kernel can count
 * the mapping it creates, ->mmap before; see compat.h). The first touch of each page faults into
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

/* One more VMA maps the buffer: the initial one of a successful mmap(). */
static void mapdrv_count_mapping(struct mapdrv_dev *md, unsigned long start,
				 unsigned long end, unsigned long pgoff,
				 unsigned long flags)
{
	atomic64_inc(&md->mmap_calls);
	trace_mapdrv_mmap(start, end, pgoff, flags,
			  atomic_inc_return(&md->live_vmas));
	dev_dbg(md->misc.this_device, "mmap: 0x%lx-0x%lx pgoff %lu flags 0x%lx\n",
		start, end, pgoff, flags);
}

/* Further VMAs of a mapping: fork, split, mremap() move. */
static void mapdrv_vm_open(struct vm_area_struct *vma)
{
	struct mapdrv_dev *md = vma->vm_private_data;

	trace_mapdrv_vma_open(vma->vm_start, vma->vm_end, vma->vm_pgoff,
			      mapdrv_vma_flags(vma),
			      atomic_inc_return(&md->live_vmas));
}

static void mapdrv_vm_close(struct vm_area_struct *vma)
{
	struct mapdrv_dev *md = vma->vm_private_data;

	trace_mapdrv_vma_close(vma->vm_start, vma->vm_end, vma->vm_pgoff,
			       mapdrv_vma_flags(vma),
			       atomic_dec_return(&md->live_vmas));
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

#ifdef MAPDRV_USE_MMAP_PREPARE
/*
 * The core calls ->mapped once the VMA that ->mmap_prepare described exists;
 * ->open is not called for it. The VMA's flags are not passed: the trace
 * event shows 0 for them on this path.
 */
static int mapdrv_vm_mapped(unsigned long start, unsigned long end,
			    pgoff_t pgoff, const struct file *file,
			    void **vm_private_data)
{
	mapdrv_count_mapping(*vm_private_data, start, end, pgoff, 0);
	return 0;
}
#endif

static const struct vm_operations_struct mapdrv_vm_ops = {
	.open = mapdrv_vm_open,
	.close = mapdrv_vm_close,
	.fault = mapdrv_vm_fault,
#ifdef MAPDRV_USE_MMAP_PREPARE
	.mapped = mapdrv_vm_mapped,
#endif
};

/* Overflow-safe form of pgoff + pages <= npages: 0 or -EINVAL. */
static int mapdrv_mmap_bounds(struct mapdrv_dev *md, unsigned long pgoff,
			      unsigned long pages)
{
	if (pgoff < md->npages && pages <= md->npages - pgoff)
		return 0;
	dev_dbg(md->misc.this_device,
		"mmap: pgoff %lu + %lu pages is past %lu pages\n",
		pgoff, pages, md->npages);
	return -EINVAL;
}

/*
 * A private mapping would need copy-on-write of vmalloc pages: both hooks
 * refuse write access, now (EPERM) and later through mprotect() (EACCES,
 * since VM_MAYWRITE is cleared). They test VM_MAYSHARE, not VM_SHARED: the
 * core clears VM_SHARED for a MAP_SHARED mapping of a file opened read-only.
 */
#ifdef MAPDRV_USE_MMAP_PREPARE
int mapdrv_mmap_prepare(struct vm_area_desc *desc)
{
	struct mapdrv_dev *md = mapdrv_from_file(desc->file);
	int ret;

	ret = mapdrv_mmap_bounds(md, desc->pgoff, vma_desc_pages(desc));
	if (ret)
		return ret;
	if (!vma_desc_test(desc, VMA_MAYSHARE_BIT)) {
		if (vma_desc_test(desc, VMA_WRITE_BIT))
			return -EPERM;
		vma_desc_clear_flags(desc, VMA_MAYWRITE_BIT);
	}
	vma_desc_set_flags(desc, VMA_DONTEXPAND_BIT, VMA_DONTDUMP_BIT);
	desc->vm_ops = &mapdrv_vm_ops;
	desc->private_data = md;
	/* Stateless until ->mapped: the mmap may still fail after this. */
	return 0;
}
#else
int mapdrv_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mapdrv_dev *md = mapdrv_from_file(file);
	int ret;

	ret = mapdrv_mmap_bounds(md, vma->vm_pgoff, vma_pages(vma));
	if (ret)
		return ret;
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		mapdrv_vm_flags_clear(vma, VM_MAYWRITE);
	}
	mapdrv_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &mapdrv_vm_ops;
	vma->vm_private_data = md;
	mapdrv_count_mapping(md, vma->vm_start, vma->vm_end, vma->vm_pgoff,
			     mapdrv_vma_flags(vma));
	return 0;
}
#endif
