// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv's mapping path: mmap() checks and flags, and the faults.
 *
 * In MAPDRV_MODE_FAULT, mmap() installs nothing. The first touch of each
 * page faults into mapdrv_vm_fault(), which looks the page up with
 * vmalloc_to_page(), takes a reference and hands it to the core mm, which
 * installs the PTE and drops the reference when the page is unmapped.
 * Every mode hands the faulting page back that way. MAPDRV_MODE_AROUND
 * also inserts the other pages of the aligned window around it with
 * vm_insert_pages() (so the VMA is VM_MIXEDMAP), and MAPDRV_MODE_EAGER
 * inserts every page when the mapping is made.
 *
 * The mapping is described through ->mmap_prepare where the kernel can count
 * the VMA it creates, through ->mmap before (see compat.h). No lock is taken
 * in the fault path: the buffer and its size never change while the module
 * is loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "mapdrv.h"
#include "mapdrv_trace.h"

/* Pages inserted per vm_insert_pages() call: bounds the stack array. */
#define MAPDRV_INSERT_BATCH	32

static struct page *mapdrv_page(struct mapdrv_dev *md, unsigned long pgoff)
{
	return vmalloc_to_page(md->buf + (pgoff << PAGE_SHIFT));
}

/* One more VMA maps the buffer: the initial one of a successful mmap(). */
static void mapdrv_count_mapping(struct mapdrv_file *mf, unsigned long start,
				 unsigned long end, unsigned long pgoff,
				 unsigned long flags)
{
	struct mapdrv_dev *md = mf->md;

	atomic_inc(&mf->live_vmas);
	atomic64_inc(&md->mmap_calls);
	trace_mapdrv_mmap(start, end, pgoff, flags,
			  atomic_inc_return(&md->live_vmas));
	dev_dbg(md->misc.this_device,
		"mmap: 0x%lx-0x%lx pgoff %lu flags 0x%lx mode %u\n",
		start, end, pgoff, flags, mf->mode);
}

/* Further VMAs of a mapping: fork, split, mremap() move. */
static void mapdrv_vm_open(struct vm_area_struct *vma)
{
	struct mapdrv_file *mf = vma->vm_private_data;

	atomic_inc(&mf->live_vmas);
	trace_mapdrv_vma_open(vma->vm_start, vma->vm_end, vma->vm_pgoff,
			      mapdrv_vma_flags(vma),
			      atomic_inc_return(&mf->md->live_vmas));
}

static void mapdrv_vm_close(struct vm_area_struct *vma)
{
	struct mapdrv_file *mf = vma->vm_private_data;

	atomic_dec(&mf->live_vmas);
	trace_mapdrv_vma_close(vma->vm_start, vma->vm_end, vma->vm_pgoff,
			       mapdrv_vma_flags(vma),
			       atomic_dec_return(&mf->md->live_vmas));
}

/* Account and trace one fault; @ret is what the handler returns. */
static vm_fault_t mapdrv_fault_done(struct vm_fault *vmf, struct page *page,
				    vm_fault_t ret)
{
	struct mapdrv_dev *md = ((struct mapdrv_file *)vmf->vma->vm_private_data)->md;
	unsigned long pfn = page ? page_to_pfn(page) : 0;

	if (ret & VM_FAULT_ERROR)
		atomic64_inc(&md->fault_errors);
	else
		atomic64_inc(&md->faults);
	trace_mapdrv_fault(vmf->address, vmf->pgoff, pfn,
			   (__force unsigned int)ret);
	dev_dbg(md->misc.this_device,
		"fault: address 0x%lx pgoff %lu pfn 0x%lx result 0x%x\n",
		vmf->address, vmf->pgoff, pfn, (__force unsigned int)ret);
	return ret;
}

/*
 * The faulting page, with a reference for the core mm, or NULL past the
 * buffer. mmap() bounded the VMA, but a split, mremap() or a racing caller
 * must still never reach past the buffer: check the index itself.
 */
static struct page *mapdrv_fault_page(struct vm_fault *vmf)
{
	struct mapdrv_dev *md = ((struct mapdrv_file *)vmf->vma->vm_private_data)->md;
	struct page *page = NULL;

	if (vmf->pgoff < md->npages)
		page = mapdrv_page(md, vmf->pgoff);
	if (page)
		get_page(page);
	return page;
}

/* MAPDRV_MODE_FAULT: hand the one faulting page to the core mm. */
static vm_fault_t mapdrv_vm_fault(struct vm_fault *vmf)
{
	struct page *page = mapdrv_fault_page(vmf);

	if (!page)
		return mapdrv_fault_done(vmf, NULL, VM_FAULT_SIGBUS);
	vmf->page = page;
	return mapdrv_fault_done(vmf, page, 0);
}

/*
 * Insert the buffer pages [first, last) (page offsets inside the VMA's
 * range) into @vma, in batches. A page that is mapped already (another
 * thread's fault, a window that overlaps one mapped before) or whose PTE
 * holds something else (a userfaultfd-wp marker) stops a batch with
 * -EBUSY: step over it and go on. 0 or -errno.
 */
static int mapdrv_insert_range(struct vm_area_struct *vma,
			       unsigned long first, unsigned long last)
{
	struct mapdrv_dev *md = ((struct mapdrv_file *)vma->vm_private_data)->md;
	struct page *pages[MAPDRV_INSERT_BATCH];
	unsigned long pgoff = first;

	while (pgoff < last) {
		unsigned long n = min_t(unsigned long, last - pgoff,
					MAPDRV_INSERT_BATCH);
		unsigned long addr = vma->vm_start +
				     ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
		unsigned long i, left = n;
		int ret;

		for (i = 0; i < n; i++)
			pages[i] = mapdrv_page(md, pgoff + i);
		ret = vm_insert_pages(vma, addr, pages, &left);
		/* @left counts the pages not inserted, the failed one too. */
		pgoff += n - left;
		if (ret == -EBUSY)
			pgoff++;
		else if (ret)
			return ret;
		/* eager on a 1 GiB buffer is 262144 pages: let others run. */
		cond_resched();
	}
	return 0;
}

/*
 * MAPDRV_MODE_AROUND, and a refault in MAPDRV_MODE_EAGER (after
 * MADV_DONTNEED): the aligned @window pages around the faulting one,
 * clipped to the VMA.
 *
 * The faulting page goes back to the core mm as in MAPDRV_MODE_FAULT
 * (vmf->page, return 0), never through vm_insert_pages(): the core's
 * finish_fault() is what knows a PTE that is not pte_none() (a racing
 * fault mapped it; a userfaultfd-wp marker, 6.7+, that must keep its wp
 * bit) and the retry rules. vm_insert_pages() only refuses such a PTE with
 * -EBUSY; returning VM_FAULT_NOPAGE over a marker refaulted forever.
 *
 * The other pages of the window are inserted here first, best effort:
 * .fault runs without the PTE lock and vm_insert_pages() takes it itself.
 * Any of them that is refused faults on its own later.
 */
static vm_fault_t mapdrv_fault_window(struct vm_fault *vmf,
				      unsigned long window)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mapdrv_dev *md = ((struct mapdrv_file *)vma->vm_private_data)->md;
	unsigned long pgoff = vmf->pgoff, first, last;
	struct page *page = mapdrv_fault_page(vmf);

	if (!page)
		return mapdrv_fault_done(vmf, NULL, VM_FAULT_SIGBUS);
	first = max(round_down(pgoff, window), vma->vm_pgoff);
	last = min3(round_down(pgoff, window) + window,
		    vma->vm_pgoff + vma_pages(vma), md->npages);
	/* Best effort: errors only leave those pages to fault on their own. */
	mapdrv_insert_range(vma, first, pgoff);
	mapdrv_insert_range(vma, pgoff + 1, last);
	vmf->page = page;
	return mapdrv_fault_done(vmf, page, 0);
}

#ifdef MAPDRV_USE_MMAP_PREPARE
static int mapdrv_vm_mapped(unsigned long start, unsigned long end,
			    pgoff_t pgoff, const struct file *file,
			    void **vm_private_data);
#define MAPDRV_VM_MAPPED .mapped = mapdrv_vm_mapped,
#else
#define MAPDRV_VM_MAPPED
#endif

static vm_fault_t mapdrv_vm_fault_around(struct vm_fault *vmf);
static vm_fault_t mapdrv_vm_fault_eager(struct vm_fault *vmf);

static const struct vm_operations_struct mapdrv_fault_ops = {
	.open = mapdrv_vm_open,
	.close = mapdrv_vm_close,
	.fault = mapdrv_vm_fault,
	MAPDRV_VM_MAPPED
};

/*
 * One table per window size, indexed by its order: a VMA's window is fixed
 * when it is made, whatever its file's SET_MODE does later.
 */
#define MAPDRV_WINDOW_ORDERS	(ilog2(MAPDRV_WINDOW_MAX) + 1)
static const struct vm_operations_struct mapdrv_around_ops[MAPDRV_WINDOW_ORDERS] = {
	[0 ... MAPDRV_WINDOW_ORDERS - 1] = {
		.open = mapdrv_vm_open,
		.close = mapdrv_vm_close,
		.fault = mapdrv_vm_fault_around,
		MAPDRV_VM_MAPPED
	},
};

static const struct vm_operations_struct mapdrv_eager_ops = {
	.open = mapdrv_vm_open,
	.close = mapdrv_vm_close,
	.fault = mapdrv_vm_fault_eager,
	MAPDRV_VM_MAPPED
};

static const struct vm_operations_struct *mapdrv_vm_ops(u32 mode, u32 window)
{
	switch (mode) {
	case MAPDRV_MODE_AROUND:
		return &mapdrv_around_ops[ilog2(window)];
	case MAPDRV_MODE_EAGER:
		return &mapdrv_eager_ops;
	default:
		return &mapdrv_fault_ops;
	}
}

static vm_fault_t mapdrv_vm_fault_around(struct vm_fault *vmf)
{
	return mapdrv_fault_window(vmf,
				   1UL << (vmf->vma->vm_ops - mapdrv_around_ops));
}

/* Only after MADV_DONTNEED or a racing GUP: mmap() mapped everything. */
static vm_fault_t mapdrv_vm_fault_eager(struct vm_fault *vmf)
{
	return mapdrv_fault_window(vmf, MAPDRV_WINDOW_MAX);
}

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

/* MAPDRV_MODE_EAGER: every page of the new VMA, now. */
static int mapdrv_populate(struct vm_area_struct *vma)
{
	return mapdrv_insert_range(vma, vma->vm_pgoff,
				   vma->vm_pgoff + vma_pages(vma));
}

/*
 * A private mapping would need copy-on-write of vmalloc pages: both hooks
 * refuse write access, now (EPERM) and later through mprotect() (EACCES,
 * since VM_MAYWRITE is cleared). They test VM_MAYSHARE, not VM_SHARED: the
 * core clears VM_SHARED for a MAP_SHARED mapping of a file opened read-only.
 * vm_insert_pages() needs VM_MIXEDMAP set before the VMA is live.
 */
#ifdef MAPDRV_USE_MMAP_PREPARE
static int mapdrv_vm_mapped(unsigned long start, unsigned long end,
			    pgoff_t pgoff, const struct file *file,
			    void **vm_private_data)
{
	struct mapdrv_file *mf = *vm_private_data;
	struct vm_area_struct *vma;

	/*
	 * The core calls ->mapped once the VMA that ->mmap_prepare described
	 * exists, with mmap_lock held; ->open is not called for it. The VMA's
	 * flags are not passed: the trace event shows 0 for them here.
	 */
	mapdrv_count_mapping(mf, start, end, pgoff, 0);
	vma = vma_lookup(current->mm, start);
	if (!vma || vma->vm_private_data != mf ||
	    vma->vm_ops != &mapdrv_eager_ops)
		return 0;	/* nothing to fill, or not ours: faults will */
	return mapdrv_populate(vma);
}

int mapdrv_mmap_prepare(struct vm_area_desc *desc)
{
	struct mapdrv_file *mf = mapdrv_file(desc->file);
	int ret;

	ret = mapdrv_mmap_bounds(mf->md, desc->pgoff, vma_desc_pages(desc));
	if (ret)
		return ret;
	if (!vma_desc_test(desc, VMA_MAYSHARE_BIT)) {
		if (vma_desc_test(desc, VMA_WRITE_BIT))
			return -EPERM;
		vma_desc_clear_flags(desc, VMA_MAYWRITE_BIT);
	}
	vma_desc_set_flags(desc, VMA_DONTEXPAND_BIT, VMA_DONTDUMP_BIT);
	mutex_lock(&mf->lock);
	if (mf->mode != MAPDRV_MODE_FAULT)
		vma_desc_set_flags(desc, VMA_MIXEDMAP_BIT);
	desc->vm_ops = mapdrv_vm_ops(mf->mode, mf->window);
	mutex_unlock(&mf->lock);
	desc->private_data = mf;
	/* Stateless until ->mapped: the mmap may still fail after this. */
	return 0;
}
#else
int mapdrv_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mapdrv_file *mf = mapdrv_file(file);
	int ret;

	ret = mapdrv_mmap_bounds(mf->md, vma->vm_pgoff, vma_pages(vma));
	if (ret)
		return ret;
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		mapdrv_vm_flags_clear(vma, VM_MAYWRITE);
	}
	mapdrv_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = mf;

	mutex_lock(&mf->lock);
	if (mf->mode != MAPDRV_MODE_FAULT)
		mapdrv_vm_flags_set(vma, VM_MIXEDMAP);
	vma->vm_ops = mapdrv_vm_ops(mf->mode, mf->window);
	if (vma->vm_ops == &mapdrv_eager_ops) {
		/* On failure the core unmaps what was inserted. */
		ret = mapdrv_populate(vma);
		if (ret) {
			mutex_unlock(&mf->lock);
			return ret;
		}
	}
	mapdrv_count_mapping(mf, vma->vm_start, vma->vm_end, vma->vm_pgoff,
			     mapdrv_vma_flags(vma));
	mutex_unlock(&mf->lock);
	return 0;
}
#endif
