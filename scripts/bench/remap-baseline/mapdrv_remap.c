// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv_remap: a benchmark-only baseline for mapdrv. The same vmalloc
 * buffer, stamped with the same pattern (seed 0), mapped the way the kernel
 * maps such a buffer in its own drivers: remap_vmalloc_range() at mmap
 * time, one vm_insert_page() per page, no fault handler.
 *
 * Usage (in the benchmark guest only):
 *	insmod mapdrv_remap.ko size=67108864
 *	mapdrv-bench		# maps /dev/mapdrv_remap next to /dev/mapdrv
 *	rmmod mapdrv_remap
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>

/* mapdrv's pattern (include/uapi/linux/mapdrv.h) for seed 0. */
#define MAPDRV_REMAP_MAGIC	0x6d61706472763031ULL

static unsigned long mapdrv_remap_size = SZ_64M;
module_param_named(size, mapdrv_remap_size, ulong, 0444);
MODULE_PARM_DESC(size,
		 "Buffer size in bytes, rounded up to whole pages; 1 to 1073741824 (default 67108864 = 64 MiB)");

/**
 * struct mapdrv_remap_dev - the one device
 * @misc: the misc device
 * @buf: the vmalloc_user() buffer, @size bytes
 * @size: buffer size in bytes, a whole number of pages
 */
struct mapdrv_remap_dev {
	struct miscdevice misc;
	void *buf;
	size_t size;
};

static struct mapdrv_remap_dev *mapdrv_remap_from_file(struct file *file)
{
	/* misc_open() left the miscdevice in private_data. */
	return container_of(file->private_data, struct mapdrv_remap_dev, misc);
}

/*
 * Shared mappings only: a private one would need copy-on-write of vmalloc
 * pages. remap_vmalloc_range() checks the range against the buffer and
 * sets VM_DONTEXPAND | VM_DONTDUMP itself.
 */
static int mapdrv_remap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mapdrv_remap_dev *md = mapdrv_remap_from_file(file);
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	ret = remap_vmalloc_range(vma, md->buf, vma->vm_pgoff);
	if (ret)
		dev_dbg(md->misc.this_device, "remap_vmalloc_range: %d\n", ret);
	return ret;
}

static const struct file_operations mapdrv_remap_fops = {
	.owner = THIS_MODULE,
	.mmap = mapdrv_remap_mmap,
	.llseek = noop_llseek,
};

static struct mapdrv_remap_dev mapdrv_remap_dev = {
	.misc = {
		.minor = MISC_DYNAMIC_MINOR,
		.name = "mapdrv_remap",
		.fops = &mapdrv_remap_fops,
		.mode = 0444,
	},
};

static void mapdrv_remap_stamp(struct mapdrv_remap_dev *md)
{
	__le64 *word = md->buf;
	size_t off;

	for (off = 0; off < md->size; off += sizeof(*word)) {
		*word++ = cpu_to_le64(MAPDRV_REMAP_MAGIC ^ off);
		if (!(off & (PAGE_SIZE - 1)))
			cond_resched();
	}
}

static int __init mapdrv_remap_init(void)
{
	struct mapdrv_remap_dev *md = &mapdrv_remap_dev;
	int ret;

	if (!mapdrv_remap_size || mapdrv_remap_size > SZ_1G) {
		pr_err("size=%lu is not between 1 and %u\n", mapdrv_remap_size, SZ_1G);
		return -EINVAL;
	}
	md->size = PAGE_ALIGN(mapdrv_remap_size);
	md->buf = vmalloc_user(md->size);
	if (!md->buf)
		return -ENOMEM;
	mapdrv_remap_stamp(md);

	ret = misc_register(&md->misc);
	if (ret) {
		pr_err("misc_register: %d\n", ret);
		goto free_buf;
	}
	dev_info(md->misc.this_device, "/dev/%s ready: %zu pages (%zu KiB)\n",
		 md->misc.name, md->size >> PAGE_SHIFT, md->size >> 10);
	return 0;

free_buf:
	vfree(md->buf);
	return ret;
}

static void __exit mapdrv_remap_exit(void)
{
	struct mapdrv_remap_dev *md = &mapdrv_remap_dev;

	misc_deregister(&md->misc);
	vfree(md->buf);
	pr_info("unloaded\n");
}

module_init(mapdrv_remap_init);
module_exit(mapdrv_remap_exit);

MODULE_DESCRIPTION("mapdrv's benchmark baseline: a vmalloc buffer mapped with remap_vmalloc_range()");
MODULE_LICENSE("GPL");
