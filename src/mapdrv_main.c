// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv: a vmalloc buffer, stamped with a known pattern, mapped lazily into
 * user space through the misc device /dev/mapdrv.
 *
 * Usage:
 *	insmod mapdrv.ko size=8388608 seed=0x1234
 *	mapdrv-read			# maps /dev/mapdrv and checks every word
 *	cat /sys/class/misc/mapdrv/faults
 *
 * The pattern and the ioctl ABI are in include/uapi/linux/mapdrv.h; the
 * mapping path is in mapdrv_vm.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mapdrv.h"

#define CREATE_TRACE_POINTS
#include "mapdrv_trace.h"

static unsigned long mapdrv_size = MAPDRV_SIZE_DEFAULT;
module_param_named(size, mapdrv_size, ulong, 0444);
MODULE_PARM_DESC(size,
		 "Buffer size in bytes, rounded up to whole pages; 1 to 1073741824 (default 4194304 = 4 MiB)");

static unsigned long long mapdrv_seed;
module_param_named(seed, mapdrv_seed, ullong, 0444);
MODULE_PARM_DESC(seed,
		 "Seed of the pattern: the u64 at byte offset off is 0x6d61706472763031 ^ seed ^ off (default 0)");

static const char * const mapdrv_mode_names[MAPDRV_MODE_COUNT] = {
	[MAPDRV_MODE_FAULT] = "fault",
	[MAPDRV_MODE_AROUND] = "around",
	[MAPDRV_MODE_EAGER] = "eager",
};

static unsigned int mapdrv_mode = MAPDRV_MODE_FAULT;

static int mapdrv_mode_param_set(const char *val, const struct kernel_param *kp)
{
	int mode = sysfs_match_string(mapdrv_mode_names, val);

	if (mode < 0)
		return -EINVAL;
	*(unsigned int *)kp->arg = mode;
	return 0;
}

static int mapdrv_mode_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  mapdrv_mode_names[*(unsigned int *)kp->arg]);
}

static const struct kernel_param_ops mapdrv_mode_param_ops = {
	.set = mapdrv_mode_param_set,
	.get = mapdrv_mode_param_get,
};

module_param_cb(mode, &mapdrv_mode_param_ops, &mapdrv_mode, 0444);
MODULE_PARM_DESC(mode,
		 "Default mapping mode of an open file: fault (one page per fault), around (a window of pages per fault) or eager (all at mmap) (default fault)");

static unsigned int mapdrv_window = MAPDRV_WINDOW_DEFAULT;
module_param_named(window, mapdrv_window, uint, 0444);
MODULE_PARM_DESC(window,
		 "Default pages mapped per fault in around mode: a power of two, 1 to 512 (default 16)");

static bool mapdrv_window_valid(u32 window)
{
	return window && window <= MAPDRV_WINDOW_MAX && is_power_of_2(window);
}

/*
 * Write the pattern for @seed over the whole buffer, then publish @seed.
 * With @killable, stop between pages on a fatal signal: -EINTR, the pages
 * before hold the new pattern and the rest the old one, and the seed is
 * still the old one. 0 or -EINTR.
 */
static int mapdrv_stamp(struct mapdrv_dev *md, u64 seed, bool killable)
{
	__le64 *word = md->buf;
	size_t off;

	lockdep_assert_held(&md->stamp_lock);
	for (off = 0; off < md->size; off += sizeof(*word)) {
		if (!(off & (PAGE_SIZE - 1))) {
			if (killable && fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
		*word++ = cpu_to_le64(MAPDRV_PATTERN(seed, off));
	}
	/* Pairs with the smp_load_acquire() of the readers of the seed. */
	smp_store_release(&md->seed, seed);
	return 0;
}

/* The seed of the pattern: the words of a stamp are written before it. */
static u64 mapdrv_seed_of(struct mapdrv_dev *md)
{
	/* Pairs with the smp_store_release() in mapdrv_stamp(). */
	return smp_load_acquire(&md->seed);
}

static int mapdrv_open(struct inode *inode, struct file *file)
{
	/* misc_open() left the miscdevice in private_data. */
	struct mapdrv_dev *md = container_of(file->private_data,
					     struct mapdrv_dev, misc);
	struct mapdrv_file *mf = kzalloc(sizeof(*mf), GFP_KERNEL);

	if (!mf)
		return -ENOMEM;
	mf->md = md;
	mutex_init(&mf->lock);
	mf->mode = md->mode;
	mf->window = md->window;
	file->private_data = mf;
	return 0;
}

/* The last reference: every VMA of the file is gone too. */
static int mapdrv_release(struct inode *inode, struct file *file)
{
	struct mapdrv_file *mf = mapdrv_file(file);

	mutex_destroy(&mf->lock);
	kfree(mf);
	return 0;
}

static ssize_t mapdrv_read(struct file *file, char __user *ubuf, size_t count,
			   loff_t *ppos)
{
	struct mapdrv_dev *md = mapdrv_from_file(file);

	return simple_read_from_buffer(ubuf, count, ppos, md->buf, md->size);
}

/*
 * Not simple_write_to_buffer(): copy_from_user() zero-fills what it could
 * not copy, and straight into the buffer that would wipe live bytes behind
 * a faulting source (a write that returns EFAULT, or short, must change
 * nothing past what it reports). Copy through a bounce page and keep only
 * the bytes that arrived.
 */
static ssize_t mapdrv_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct mapdrv_dev *md = mapdrv_from_file(file);
	loff_t pos = *ppos;
	size_t done = 0;
	void *bounce;

	if (pos < 0)
		return -EINVAL;
	if (!count)
		return 0;
	if (pos >= md->size)
		return -ENOSPC;
	count = min_t(size_t, count, md->size - pos);

	bounce = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	while (done < count) {
		size_t chunk = min_t(size_t, count - done, PAGE_SIZE);
		size_t copied = chunk - copy_from_user(bounce, ubuf + done, chunk);

		memcpy(md->buf + pos + done, bounce, copied);
		done += copied;
		if (copied < chunk)
			break;
		cond_resched();
	}
	kfree(bounce);
	if (!done)
		return -EFAULT;
	*ppos = pos + done;
	return done;
}

static loff_t mapdrv_llseek(struct file *file, loff_t offset, int whence)
{
	struct mapdrv_dev *md = mapdrv_from_file(file);

	return fixed_size_llseek(file, offset, whence, md->size);
}

static long mapdrv_ioctl_info(struct mapdrv_file *mf, void __user *uarg)
{
	struct mapdrv_dev *md = mf->md;
	struct mapdrv_info info = {
		.abi_version = MAPDRV_ABI_VERSION,
		.page_size = PAGE_SIZE,
		.size = md->size,
		.seed = mapdrv_seed_of(md),
		.faults = atomic64_read(&md->faults),
		.fault_errors = atomic64_read(&md->fault_errors),
		.mmap_calls = atomic64_read(&md->mmap_calls),
		.live_vmas = atomic_read(&md->live_vmas),
	};

	mutex_lock(&mf->lock);
	info.mode = mf->mode;
	info.window = mf->window;
	mutex_unlock(&mf->lock);

	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long mapdrv_ioctl_restamp(struct mapdrv_dev *md, void __user *uarg)
{
	struct mapdrv_restamp req;
	int ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~MAPDRV_RESTAMP_FLAGS || req.reserved)
		return -EINVAL;

	mutex_lock(&md->stamp_lock);
	ret = mapdrv_stamp(md, req.flags & MAPDRV_RESTAMP_SET_SEED ?
			       req.seed : md->seed, true);
	mutex_unlock(&md->stamp_lock);
	if (ret) {
		dev_dbg(md->misc.this_device,
			"restamp interrupted: seed still 0x%llx\n",
			mapdrv_seed_of(md));
		return ret;
	}
	dev_dbg(md->misc.this_device, "restamped with seed 0x%llx\n",
		mapdrv_seed_of(md));
	return 0;
}

static long mapdrv_ioctl_set_mode(struct mapdrv_file *mf, void __user *uarg)
{
	struct mapdrv_mode req;
	long ret = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.mode >= MAPDRV_MODE_COUNT || req.reserved ||
	    (req.window && !mapdrv_window_valid(req.window)))
		return -EINVAL;

	/* A mapping keeps the mode it was made with. */
	mutex_lock(&mf->lock);
	if (atomic_read(&mf->live_vmas)) {
		ret = -EBUSY;
	} else {
		mf->mode = req.mode;
		if (req.window)
			mf->window = req.window;
	}
	mutex_unlock(&mf->lock);
	return ret;
}

static long mapdrv_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct mapdrv_file *mf = mapdrv_file(file);
	struct mapdrv_dev *md = mf->md;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MAPDRV_IOC_INFO:
		return mapdrv_ioctl_info(mf, uarg);
	case MAPDRV_IOC_SET_MODE:
		return mapdrv_ioctl_set_mode(mf, uarg);
	case MAPDRV_IOC_RESTAMP:
		/* Restamping writes the buffer: as write(), needs FMODE_WRITE. */
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		return mapdrv_ioctl_restamp(md, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mapdrv_fops = {
	.owner = THIS_MODULE,
	.open = mapdrv_open,
	.release = mapdrv_release,
	.llseek = mapdrv_llseek,
	.read = mapdrv_read,
	.write = mapdrv_write,
	.unlocked_ioctl = mapdrv_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	MAPDRV_FOPS_MMAP,
};

static struct mapdrv_dev *mapdrv_from_dev(struct device *dev)
{
	struct miscdevice *misc = dev_get_drvdata(dev);

	return container_of(misc, struct mapdrv_dev, misc);
}

static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%zu\n", mapdrv_from_dev(dev)->size);
}
static DEVICE_ATTR_RO(size);

static ssize_t seed_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "0x%llx\n", mapdrv_seed_of(mapdrv_from_dev(dev)));
}
static DEVICE_ATTR_RO(seed);

static ssize_t faults_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&mapdrv_from_dev(dev)->faults));
}
static DEVICE_ATTR_RO(faults);

static ssize_t fault_errors_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&mapdrv_from_dev(dev)->fault_errors));
}
static DEVICE_ATTR_RO(fault_errors);

static ssize_t mappings_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  atomic_read(&mapdrv_from_dev(dev)->live_vmas));
}
static DEVICE_ATTR_RO(mappings);

static ssize_t mode_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  mapdrv_mode_names[mapdrv_from_dev(dev)->mode]);
}
static DEVICE_ATTR_RO(mode);

static ssize_t window_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%u\n", mapdrv_from_dev(dev)->window);
}
static DEVICE_ATTR_RO(window);

static struct attribute *mapdrv_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_seed.attr,
	&dev_attr_faults.attr,
	&dev_attr_fault_errors.attr,
	&dev_attr_mappings.attr,
	&dev_attr_mode.attr,
	&dev_attr_window.attr,
	NULL
};
ATTRIBUTE_GROUPS(mapdrv);

static struct mapdrv_dev mapdrv_dev = {
	.misc = {
		.minor = MISC_DYNAMIC_MINOR,
		.name = MAPDRV_DEVICE_NAME,
		.fops = &mapdrv_fops,
		.groups = mapdrv_groups,
		.mode = 0600,
	},
	.stamp_lock = __MUTEX_INITIALIZER(mapdrv_dev.stamp_lock),
};

static int __init mapdrv_init(void)
{
	struct mapdrv_dev *md = &mapdrv_dev;
	int ret;

	if (!mapdrv_size || mapdrv_size > MAPDRV_SIZE_MAX) {
		pr_err("invalid size=%lu: must be 1 to %llu bytes\n",
		       mapdrv_size, MAPDRV_SIZE_MAX);
		return -EINVAL;
	}
	if (!mapdrv_window_valid(mapdrv_window)) {
		pr_err("invalid window=%u: must be a power of two from 1 to %u\n",
		       mapdrv_window, MAPDRV_WINDOW_MAX);
		return -EINVAL;
	}
	md->mode = mapdrv_mode;
	md->window = mapdrv_window;
	md->size = PAGE_ALIGN(mapdrv_size);
	md->npages = md->size >> PAGE_SHIFT;

	md->buf = vmalloc_user(md->size);
	if (!md->buf) {
		pr_err("cannot allocate %zu bytes: %d\n", md->size, -ENOMEM);
		return -ENOMEM;
	}
	ret = mapdrv_vm_init(md);
	if (ret) {
		pr_err("cannot allocate the page array: %d\n", ret);
		goto free_buf;
	}

	/* Not killable: a load must not leave a half-stamped buffer. */
	mutex_lock(&md->stamp_lock);
	mapdrv_stamp(md, mapdrv_seed, false);
	mutex_unlock(&md->stamp_lock);

	/* Last: the device is usable as soon as it is registered. */
	ret = misc_register(&md->misc);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", md->misc.name, ret);
		goto exit_vm;
	}

	pr_info("/dev/%s ready: %lu pages (%zu KiB), seed 0x%llx, mode %s\n",
		md->misc.name, md->npages, md->size >> 10, md->seed,
		mapdrv_mode_names[md->mode]);
	return 0;

exit_vm:
	mapdrv_vm_exit(md);
free_buf:
	vfree(md->buf);
	return ret;
}

static void __exit mapdrv_exit(void)
{
	struct mapdrv_dev *md = &mapdrv_dev;

	/* First: no new opens. Nothing is mapped: every VMA pins the module. */
	misc_deregister(&md->misc);
	mapdrv_vm_exit(md);
	vfree(md->buf);
	pr_info("unloaded: %lld faults served, %lld mmap calls\n",
		(long long)atomic64_read(&md->faults),
		(long long)atomic64_read(&md->mmap_calls));
}

module_init(mapdrv_init);
module_exit(mapdrv_exit);

MODULE_DESCRIPTION("vmalloc buffer with a verifiable pattern, mapped lazily through /dev/mapdrv");
MODULE_AUTHOR("The mapdrv developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MAPDRV_VERSION);
