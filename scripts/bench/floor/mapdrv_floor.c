// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv_floor: benchmark-only floors for mapdrv's fault path. Two devices
 * over one vmalloc buffer, stamped with mapdrv's pattern (seed 0), each
 * mapped lazily by a .fault that hands a page back through vmf->page as
 * mapdrv's fault mode does, with less work in the handler:
 *   /dev/mapdrv_floor_array  the page comes from an array of the buffer's
 *                            pages built at load: no page-table walk
 *   /dev/mapdrv_floor_none   always the buffer's first page: nothing but
 *                            get_page() and vmf->page
 * What the core does for a page-backed fault is the same in both and in
 * mapdrv: the difference to mapdrv's fault mode is its handler's work
 * (vmalloc_to_page(), the bound check, the accounting).
 *
 * Usage (in the benchmark guest only):
 *	insmod mapdrv_floor.ko size=67108864
 *	mapdrv-bench		# maps both next to /dev/mapdrv
 *	rmmod mapdrv_floor
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

/* mapdrv's pattern (include/uapi/linux/mapdrv.h) for seed 0. */
#define MAPDRV_FLOOR_MAGIC	0x6d61706472763031ULL

static unsigned long mapdrv_floor_size = SZ_64M;
module_param_named(size, mapdrv_floor_size, ulong, 0444);
MODULE_PARM_DESC(size,
		 "Buffer size in bytes, rounded up to whole pages; 1 to 1073741824 (default 67108864 = 64 MiB)");

/**
 * struct mapdrv_floor_buf - the buffer both devices map
 * @buf: the vmalloc_user() buffer, @npages pages
 * @pages: its pages, looked up once at load
 * @npages: its size in pages
 */
struct mapdrv_floor_buf {
	void *buf;
	struct page **pages;
	unsigned long npages;
};

static struct mapdrv_floor_buf mapdrv_floor;

/* The array floor: the page at the fault's offset, from the array. */
static vm_fault_t mapdrv_floor_fault_array(struct vm_fault *vmf)
{
	struct page *page;

	if (vmf->pgoff >= mapdrv_floor.npages)
		return VM_FAULT_SIGBUS;
	page = mapdrv_floor.pages[vmf->pgoff];
	get_page(page);
	vmf->page = page;
	return 0;
}

/* The empty floor: the first page for every fault (mmap() bounds the VMA). */
static vm_fault_t mapdrv_floor_fault_none(struct vm_fault *vmf)
{
	struct page *page = mapdrv_floor.pages[0];

	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct mapdrv_floor_array_ops = {
	.fault = mapdrv_floor_fault_array,
};

static const struct vm_operations_struct mapdrv_floor_none_ops = {
	.fault = mapdrv_floor_fault_none,
};

/*
 * Shared mappings inside the buffer only, with mapdrv's fault-mode flags
 * (VM_DONTEXPAND | VM_DONTDUMP); a private one would need copy-on-write of
 * vmalloc pages.
 */
static int mapdrv_floor_mmap(struct file *file, struct vm_area_struct *vma,
			     const struct vm_operations_struct *ops)
{
	unsigned long pages = vma_pages(vma);

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff >= mapdrv_floor.npages ||
	    pages > mapdrv_floor.npages - vma->vm_pgoff)
		return -EINVAL;
#ifdef MAPDRV_FLOOR_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
#endif
	vma->vm_ops = ops;
	return 0;
}

static int mapdrv_floor_mmap_array(struct file *file,
				   struct vm_area_struct *vma)
{
	return mapdrv_floor_mmap(file, vma, &mapdrv_floor_array_ops);
}

static int mapdrv_floor_mmap_none(struct file *file, struct vm_area_struct *vma)
{
	return mapdrv_floor_mmap(file, vma, &mapdrv_floor_none_ops);
}

static const struct file_operations mapdrv_floor_array_fops = {
	.owner = THIS_MODULE,
	.mmap = mapdrv_floor_mmap_array,
	.llseek = noop_llseek,
};

static const struct file_operations mapdrv_floor_none_fops = {
	.owner = THIS_MODULE,
	.mmap = mapdrv_floor_mmap_none,
	.llseek = noop_llseek,
};

static struct miscdevice mapdrv_floor_array_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mapdrv_floor_array",
	.fops = &mapdrv_floor_array_fops,
	.mode = 0444,
};

static struct miscdevice mapdrv_floor_none_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mapdrv_floor_none",
	.fops = &mapdrv_floor_none_fops,
	.mode = 0444,
};

static void mapdrv_floor_stamp(struct mapdrv_floor_buf *fb)
{
	__le64 *word = fb->buf;
	size_t off, size = fb->npages << PAGE_SHIFT;

	for (off = 0; off < size; off += sizeof(*word)) {
		*word++ = cpu_to_le64(MAPDRV_FLOOR_MAGIC ^ off);
		if (!(off & (PAGE_SIZE - 1)))
			cond_resched();
	}
}

static int __init mapdrv_floor_init(void)
{
	struct mapdrv_floor_buf *fb = &mapdrv_floor;
	unsigned long i;
	int ret;

	if (!mapdrv_floor_size || mapdrv_floor_size > SZ_1G) {
		pr_err("size=%lu is not between 1 and %u\n", mapdrv_floor_size, SZ_1G);
		return -EINVAL;
	}
	fb->npages = PAGE_ALIGN(mapdrv_floor_size) >> PAGE_SHIFT;
	fb->buf = vmalloc_user(fb->npages << PAGE_SHIFT);
	if (!fb->buf)
		return -ENOMEM;
	fb->pages = kvmalloc_array(fb->npages, sizeof(*fb->pages), GFP_KERNEL);
	if (!fb->pages) {
		ret = -ENOMEM;
		goto free_buf;
	}
	for (i = 0; i < fb->npages; i++)
		fb->pages[i] = vmalloc_to_page(fb->buf + (i << PAGE_SHIFT));
	mapdrv_floor_stamp(fb);

	ret = misc_register(&mapdrv_floor_array_misc);
	if (ret) {
		pr_err("misc_register %s: %d\n", mapdrv_floor_array_misc.name, ret);
		goto free_pages;
	}
	ret = misc_register(&mapdrv_floor_none_misc);
	if (ret) {
		pr_err("misc_register %s: %d\n", mapdrv_floor_none_misc.name, ret);
		goto deregister_array;
	}
	pr_info("/dev/%s and /dev/%s ready: %lu pages (%lu KiB)\n",
		mapdrv_floor_array_misc.name, mapdrv_floor_none_misc.name,
		fb->npages, fb->npages << (PAGE_SHIFT - 10));
	return 0;

deregister_array:
	misc_deregister(&mapdrv_floor_array_misc);
free_pages:
	kvfree(fb->pages);
free_buf:
	vfree(fb->buf);
	return ret;
}

static void __exit mapdrv_floor_exit(void)
{
	struct mapdrv_floor_buf *fb = &mapdrv_floor;

	misc_deregister(&mapdrv_floor_none_misc);
	misc_deregister(&mapdrv_floor_array_misc);
	kvfree(fb->pages);
	vfree(fb->buf);
	pr_info("unloaded\n");
}

module_init(mapdrv_floor_init);
module_exit(mapdrv_floor_exit);

MODULE_DESCRIPTION("mapdrv's benchmark floors: a page-backed .fault from a page array, and one of no work");
MODULE_LICENSE("GPL");
