// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv's mapping path: the mmap() policy, the life of a VMA, the faults.
 *
 * In MAPDRV_MODE_FAULT, mmap() installs nothing. The first touch of each
 * page faults into mapdrv_vm_fault(), which looks the page up with
 * vmalloc_to_page(), takes a reference and hands it to the core mm, which
 * installs the PTE and drops the reference when the page is unmapped.
 * Every mode hands the faulting page back that way. MAPDRV_MODE_AROUND
 * also inserts the other pages of the aligned window around it with
 * vm_insert_pages() (so the VMA is VM_MIXEDMAP), from an array of the
 * buffer's pages, and MAPDRV_MODE_EAGER maps every page when the mapping
 * is made.
 *
 * The mapping is described through ->mmap_prepare or ->mmap (compat.h
 * chooses); mapdrv_mmap_begin() decides what it gets for both. No lock is
 * taken in the fault path: the buffer and its size never change while the
 * module is loaded, and a VMA's mode and window live in its vm_ops.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "mapdrv.h"
#include "mapdrv_trace.h"

/*
 * Pages an eager ->mmap inserts between two looks at a fatal signal, and
 * the page array's fill at load between two resched points.
 */
#define MAPDRV_BATCH	512

static struct page *mapdrv_page(struct mapdrv_dev *md, unsigned long pgoff)
{
	return vmalloc_to_page(md->buf + (pgoff << PAGE_SHIFT));
}

/*
 * The array of every buffer page, for the pages a mapping inserts beside
 * the faulting one: a window's other pages, an eager mapping's (there the
 * core reads it after ->mmap_prepare returned, so it lives as long as the
 * buffer). One pointer a page, 0.2% of the buffer on 4 KiB pages: it spares
 * each inserted page a vmalloc_to_page() walk, and lets a window hand
 * vm_insert_pages() a run of any length without copying. The faulting page
 * itself is still looked up with vmalloc_to_page(). The fill yields every
 * MAPDRV_BATCH pages (a 1 GiB buffer is 262144 lookups). 0 or -ENOMEM.
 */
int mapdrv_vm_init(struct mapdrv_dev *md)
{
	unsigned long i;

	md->pages = kvmalloc_array(md->npages, sizeof(*md->pages), GFP_KERNEL);
	if (!md->pages)
		return -ENOMEM;
	for (i = 0; i < md->npages; i++) {
		md->pages[i] = mapdrv_page(md, i);
		if (!((i + 1) % MAPDRV_BATCH))
			cond_resched();
	}
	return 0;
}

void mapdrv_vm_exit(struct mapdrv_dev *md)
{
	kvfree(md->pages);
	md->pages = NULL;
}

/*
 * Counting the VMAs. A VMA counts while it exists, from the moment the
 * driver knows it does: through ->mmap, from mapdrv_mmap_begin() (the
 * core made the VMA before the hook; an mmap() that ->mmap itself fails
 * uncounts there, and nothing fails after ->mmap returns on the kernels
 * that take this path); through ->mmap_prepare, from vm_ops->mapped, the
 * last step of an mmap() that can fail. Nothing is counted in
 * ->mmap_prepare (Documentation/filesystems/mmap_prepare.rst: the core
 * may still fail the mmap() without a word to the driver). Every counted
 * VMA is uncounted by mapdrv_vm_close(); fork, split and mremap() count
 * theirs in mapdrv_vm_open().
 *
 * SET_MODE against an mmap() in flight: the file's lock orders them.
 * Through ->mmap the count is taken under it, so a later SET_MODE sees
 * the VMA (EBUSY). Through ->mmap_prepare the mapping is described under
 * it and accepted under it in ->mapped, which refuses (-EAGAIN: the core
 * unmaps the VMA) when the file's mode or window changed in between: so
 * a mapping never has another mode than its file.
 */
/* Both return the device's count of live VMAs after the change. */
static int mapdrv_count(struct mapdrv_file *mf)
{
	atomic_inc(&mf->live_vmas);
	return atomic_inc_return(&mf->md->live_vmas);
}

static int mapdrv_uncount(struct mapdrv_file *mf)
{
	atomic_dec(&mf->live_vmas);
	return atomic_dec_return(&mf->md->live_vmas);
}

/* The mapping is made: count the mmap() call, trace it, log it. */
static void mapdrv_mmap_done(struct mapdrv_file *mf, unsigned long start,
			     unsigned long end, unsigned long pgoff,
			     unsigned long flags)
{
	struct mapdrv_dev *md = mf->md;
	int live = atomic_read(&md->live_vmas);

	atomic64_inc(&md->mmap_calls);
	trace_mapdrv_mmap(start, end, pgoff, flags, live);
	dev_dbg(md->misc.this_device,
		"mmap: 0x%lx-0x%lx pgoff %lu flags 0x%lx mode %u\n",
		start, end, pgoff, flags, mf->mode);
}

/*
 * Further VMAs of a mapping: fork, split, mremap() move. A copy of a VMA
 * that was never counted (one the core failed to unmap after a refusal)
 * is not counted either.
 */
static void mapdrv_vm_open(struct vm_area_struct *vma)
{
	int live;

	if (!mapdrv_vma_counted(vma))
		return;
	live = mapdrv_count(mapdrv_vma_file(vma));
	trace_mapdrv_vma_open(vma->vm_start, vma->vm_end, vma->vm_pgoff,
			      mapdrv_vma_flags(vma), live);
}

static void mapdrv_vm_close(struct vm_area_struct *vma)
{
	int live;

	if (!mapdrv_vma_counted(vma))
		return;
	live = mapdrv_uncount(mapdrv_vma_file(vma));
	trace_mapdrv_vma_close(vma->vm_start, vma->vm_end, vma->vm_pgoff,
			       mapdrv_vma_flags(vma), live);
}

/* Account and trace one fault; @ret is what the handler returns. */
static vm_fault_t mapdrv_fault_done(struct vm_fault *vmf, struct page *page,
				    vm_fault_t ret)
{
	struct mapdrv_dev *md = mapdrv_vma_dev(vmf->vma);
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
	struct mapdrv_dev *md = mapdrv_vma_dev(vmf->vma);
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
 * Insert the buffer pages [@first, @last) (page offsets inside the VMA's
 * range) into @vma in ascending order, in one vm_insert_pages() call from
 * the page array. It stops at the first PTE that is not none: a page
 * mapped already (another thread's fault, a window that overlaps one
 * mapped before) or a userfaultfd-wp marker; the pages after it are not
 * tried. 0 (all inserted), -EBUSY (stopped there) or another -errno.
 */
static int mapdrv_insert_pages(struct vm_area_struct *vma,
			       unsigned long first, unsigned long last)
{
	struct mapdrv_dev *md = mapdrv_vma_dev(vma);
	unsigned long left;

	if (first >= last)
		return 0;
	left = last - first;
	return vm_insert_pages(vma, vma->vm_start +
			       ((first - vma->vm_pgoff) << PAGE_SHIFT),
			       md->pages + first, &left);
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
 * -EBUSY; returning VM_FAULT_NOPAGE over a marker would refault forever.
 *
 * The other pages of the window are inserted here first, best effort:
 * .fault runs without the PTE lock and vm_insert_pages() takes it itself.
 * Two runs, each in ascending order: from the window's first page up to
 * the faulting one, and from the page after it to the window's end. Each
 * stops at its first page that is mapped already (or holds a marker), and
 * the rest of that run is left to fault on its own. So a fault costs what
 * it maps plus at most two refused PTEs: a refault after MADV_DONTNEED of
 * one page of a mapped window maps that page alone, for two short calls
 * (stepping over each mapped page instead would be a call per page of the
 * window, 511 of them in eager), and a refault after MADV_DONTNEED of a
 * whole window still maps all of it, as the first touch did.
 */
static vm_fault_t mapdrv_fault_window(struct vm_fault *vmf,
				      unsigned long window)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mapdrv_dev *md = mapdrv_vma_dev(vma);
	unsigned long pgoff = vmf->pgoff, first, last;
	struct page *page = mapdrv_fault_page(vmf);

	if (!page)
		return mapdrv_fault_done(vmf, NULL, VM_FAULT_SIGBUS);
	first = max(round_down(pgoff, window), vma->vm_pgoff);
	last = min3(round_down(pgoff, window) + window,
		    vma->vm_pgoff + vma_pages(vma), md->npages);
	/* Best effort: errors only leave those pages to fault on their own. */
	mapdrv_insert_pages(vma, first, pgoff);
	mapdrv_insert_pages(vma, pgoff + 1, last);
	vmf->page = page;
	return mapdrv_fault_done(vmf, page, 0);
}

static vm_fault_t mapdrv_vm_fault_around(struct vm_fault *vmf);
static vm_fault_t mapdrv_vm_fault_eager(struct vm_fault *vmf);

#if MAPDRV_USE_MMAP_PREPARE
static const struct vm_operations_struct *mapdrv_vm_ops(u32 mode, u32 window);

/*
 * The VMA that ->mmap_prepare described exists, and the core has mapped
 * the pages of an eager mapping (the mmap action): accept it, count it,
 * and point its vm_private_data at the file (mapdrv_vma_counted()), or
 * refuse it with -EAGAIN when a SET_MODE changed the file's mode or window
 * since it was described in *@vm_private_data's vm_ops; the core then
 * unmaps it and the mmap() fails. Nothing fails after this. Called with
 * mmap_lock held for write; ->open is not called for this VMA. The VMA's
 * flags are not passed: the trace event shows 0 for them here.
 */
static int mapdrv_vm_mapped(unsigned long start, unsigned long end,
			    pgoff_t pgoff, const struct file *file,
			    void **vm_private_data)
{
	struct mapdrv_file *mf = mapdrv_file(file);

	mutex_lock(&mf->lock);
	if (*vm_private_data != mapdrv_vm_ops(mf->mode, mf->window)) {
		mutex_unlock(&mf->lock);
		dev_dbg(mf->md->misc.this_device,
			"mmap: 0x%lx-0x%lx refused: the mode changed while it was made\n",
			start, end);
		return -EAGAIN;
	}
	mapdrv_count(mf);
	mutex_unlock(&mf->lock);
	*vm_private_data = mf;
	mapdrv_mmap_done(mf, start, end, pgoff, 0);
	return 0;
}
#endif

static const struct vm_operations_struct mapdrv_fault_ops = {
	.open = mapdrv_vm_open,
	.close = mapdrv_vm_close,
	.fault = mapdrv_vm_fault,
	MAPDRV_VM_OPS_MAPPED
};

/*
 * One table per window size, indexed by its order: a VMA's vm_ops carry
 * its mode and window, fixed when the mapping is described, so the fault
 * path reads nothing another thread writes. (The file's mode and window
 * could serve as well only because the mapping is counted from that same
 * moment: on the ->mmap_prepare path the VMA is known to mapdrv only at
 * ->mapped, and without that count a SET_MODE in the gap could change
 * them under it.)
 */
#define MAPDRV_WINDOW_ORDERS	(ilog2(MAPDRV_WINDOW_MAX) + 1)
static const struct vm_operations_struct mapdrv_around_ops[MAPDRV_WINDOW_ORDERS] = {
	[0 ... MAPDRV_WINDOW_ORDERS - 1] = {
		.open = mapdrv_vm_open,
		.close = mapdrv_vm_close,
		.fault = mapdrv_vm_fault_around,
		MAPDRV_VM_OPS_MAPPED
	},
};

static const struct vm_operations_struct mapdrv_eager_ops = {
	.open = mapdrv_vm_open,
	.close = mapdrv_vm_close,
	.fault = mapdrv_vm_fault_eager,
	MAPDRV_VM_OPS_MAPPED
};

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

/**
 * struct mapdrv_map_policy - what a new mapping gets, from mapdrv_mmap_begin()
 * @vm_ops: its operations, which say its mode and window
 * @clear_maywrite: a private mapping: clear VM_MAYWRITE
 * @mixedmap: pages are inserted with vm_insert_pages(): set VM_MIXEDMAP
 * @eager: map every page now
 *
 * Every mapping is VM_DONTEXPAND | VM_DONTDUMP as well.
 */
struct mapdrv_map_policy {
	const struct vm_operations_struct *vm_ops;
	bool clear_maywrite;
	bool mixedmap;
	bool eager;
};

/*
 * The checks and the decisions of both hooks, made once: 0 and @p filled
 * in, with the mapping counted if @count (->mmap: mapdrv_uncount() if the
 * hook fails after this), or -errno.
 *
 * The range must lie in the buffer (overflow-safe form of pgoff + pages <=
 * npages), else -EINVAL. A private mapping would need copy-on-write of
 * vmalloc pages: write access is refused now (-EPERM) and later through
 * mprotect() (-EACCES, VM_MAYWRITE cleared). The test is on VM_MAYSHARE,
 * not VM_SHARED: the core clears VM_SHARED for a MAP_SHARED mapping of a
 * file opened read-only.
 */
static int mapdrv_mmap_begin(struct mapdrv_file *mf, unsigned long pgoff,
			     unsigned long pages, bool may_share, bool write,
			     bool count, struct mapdrv_map_policy *p)
{
	struct mapdrv_dev *md = mf->md;

	if (pgoff >= md->npages || pages > md->npages - pgoff) {
		dev_dbg(md->misc.this_device,
			"mmap: pgoff %lu + %lu pages is past %lu pages\n",
			pgoff, pages, md->npages);
		return -EINVAL;
	}
	if (!may_share && write)
		return -EPERM;
	p->clear_maywrite = !may_share;

	mutex_lock(&mf->lock);
	p->vm_ops = mapdrv_vm_ops(mf->mode, mf->window);
	p->mixedmap = mf->mode != MAPDRV_MODE_FAULT;
	p->eager = mf->mode == MAPDRV_MODE_EAGER;
	if (count)
		mapdrv_count(mf);
	mutex_unlock(&mf->lock);
	return 0;
}

#if MAPDRV_USE_MMAP_PREPARE
/*
 * ->mmap_prepare: describe the mapping; the core makes the VMA after this
 * returns, maps an eager mapping's pages itself (the mmap action, before
 * ->mapped; on failure it unmaps the VMA, which closes it), then calls
 * ->mapped, which counts it. Until then its vm_private_data is the vm_ops
 * it is described with (see mapdrv_vma_counted()).
 */
int mapdrv_mmap_prepare(struct vm_area_desc *desc)
{
	struct mapdrv_file *mf = mapdrv_file(desc->file);
	unsigned long pages = vma_desc_pages(desc);
	struct mapdrv_map_policy p;
	int ret;

	ret = mapdrv_mmap_begin(mf, desc->pgoff, pages,
				vma_desc_test(desc, VMA_MAYSHARE_BIT),
				vma_desc_test(desc, VMA_WRITE_BIT), false, &p);
	if (ret)
		return ret;
	if (p.clear_maywrite)
		vma_desc_clear_flags(desc, VMA_MAYWRITE_BIT);
	vma_desc_set_flags(desc, VMA_DONTEXPAND_BIT, VMA_DONTDUMP_BIT);
	if (p.mixedmap)
		vma_desc_set_flags(desc, VMA_MIXEDMAP_BIT);
	desc->vm_ops = p.vm_ops;
	desc->private_data = (void *)p.vm_ops;
	if (p.eager)
		mmap_action_map_kernel_pages(desc, desc->start,
					     mf->md->pages + desc->pgoff, pages);
	return 0;
}
#else
/*
 * Insert every page of an eager mapping from ->mmap, MAPDRV_BATCH
 * pages at a time, yielding between batches (a 1 GiB buffer is 262144
 * pages, all under mmap_lock held for write). A fatal signal ends it with
 * -EINTR: the process is dying and will not see the mapping. On any
 * failure the core unmaps what was inserted; ->mmap found the range
 * empty (the core clears what a MAP_FIXED mapping replaces first), so no
 * PTE refuses a page. 0 or -errno.
 */
static int mapdrv_map_eager(struct vm_area_struct *vma)
{
	unsigned long pgoff = vma->vm_pgoff, end = pgoff + vma_pages(vma);

	while (pgoff < end) {
		unsigned long next = min(end, pgoff + MAPDRV_BATCH);
		int ret;

		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
		ret = mapdrv_insert_pages(vma, pgoff, next);
		if (ret)
			return ret;
		pgoff = next;
	}
	return 0;
}

int mapdrv_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mapdrv_file *mf = mapdrv_file(file);
	struct mapdrv_map_policy p;
	int ret;

	ret = mapdrv_mmap_begin(mf, vma->vm_pgoff, vma_pages(vma),
				vma->vm_flags & VM_MAYSHARE,
				vma->vm_flags & VM_WRITE, true, &p);
	if (ret)
		return ret;
	if (p.clear_maywrite)
		mapdrv_vm_flags_clear(vma, VM_MAYWRITE);
	/* vm_insert_pages() needs VM_MIXEDMAP set before the VMA is live. */
	mapdrv_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP |
			    (p.mixedmap ? VM_MIXEDMAP : 0));
	vma->vm_ops = p.vm_ops;
	vma->vm_private_data = mf;
	if (p.eager) {
		ret = mapdrv_map_eager(vma);
		if (ret) {
			mapdrv_uncount(mf);
			return ret;
		}
	}
	mapdrv_mmap_done(mf, vma->vm_start, vma->vm_end, vma->vm_pgoff,
			 mapdrv_vma_flags(vma));
	return 0;
}
#endif
