// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_slab's debugfs files, under /sys/kernel/debug/hakmem_slab/:
 * slabinfo, fail_segment, fail_hakmem, and per cache stats, validate,
 * shrink and failslab (see Documentation/hakmem_slab.rst).
 */

#include "hakmem_slab_internal.h"
#include "hakmem_slab_backend.h"

static struct dentry *hk_debugfs_root;

/*
 * hakmem_slab.debugfs_caches: give every cache its directory (stats,
 * validate, shrink, failslab).  Each file pins a dentry and an inode for
 * the cache's life, about 3 KiB of slab per cache: in backend mode, where
 * hakmem serves a hundred-odd caches, 396 dentries and inodes (300 KiB)
 * that SLUB's sysfs files, built on kernfs, do not hold until looked up.
 * Off there by default, on for the module.  slabinfo is always there.
 */
static bool hk_debugfs_caches = !IS_ENABLED(CONFIG_HAKMEM_SLAB_BACKEND);
module_param_named(debugfs_caches, hk_debugfs_caches, bool, 0444);

static int hk_slabinfo_show(struct seq_file *m, void *v)
{
	struct hakmem_cache_info info;
	struct hakmem_cache *s;

	/* Units first: scripts read page_size, and skip every '#' line. */
	seq_printf(m, "# objsize, stride: bytes; inuse, total: objects; pages: PAGE_SIZE pages; page_size %lu\n",
		   (unsigned long)PAGE_SIZE);
	seq_puts(m, "# name objsize stride inuse total pages segments header flags\n");
	mutex_lock(&hk_caches_mutex);
	list_for_each_entry(s, &hk_caches, list) {
		hakmem_cache_get_info(s, &info);
		seq_printf(m, "%s %u %u %lu %lu %lu %lu %s %#lx\n", s->name,
			   info.object_size, info.size, info.objects_inuse,
			   info.objects_total, info.pages, info.segments,
			   info.header_mode == HAKMEM_HEADER_FULL ? "full" : "light",
			   (__force unsigned long)info.flags);
	}
	mutex_unlock(&hk_caches_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hk_slabinfo);

static int hk_stats_show(struct seq_file *m, void *v)
{
	struct hakmem_cache *s = m->private;
	unsigned int cpu, i;

	for (i = 0; i < HAKMEM_NR_STATS; i++) {
		seq_printf(m, "%s %llu", hakmem_stat_names[i],
			   hakmem_cache_stat(s, i));
		for_each_online_cpu(cpu)
			seq_printf(m, " C%u=%llu", cpu,
				   READ_ONCE(per_cpu_ptr(s->cpu, cpu)->stat[i]));
		seq_putc(m, '\n');
	}
	return 0;
}

static int hk_stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, hk_stats_show, inode->i_private);
}

/* Writing 0 clears: the current totals become the new zero. */
static ssize_t hk_stats_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct hakmem_cache *s = file_inode(file)->i_private;
	unsigned int i, val;
	u64 *base;
	int err;

	err = kstrtouint_from_user(buf, count, 0, &val);
	if (err)
		return err;
	if (val)
		return -EINVAL;
	/* The first clear allocates the zero points; the cache frees them. */
	base = READ_ONCE(s->stat_base);
	if (!base) {
		base = hk_meta_kmalloc_node(HAKMEM_NR_STATS * sizeof(*base),
					    GFP_KERNEL | __GFP_ZERO,
					    NUMA_NO_NODE);
		if (!base)
			return -ENOMEM;
		if (cmpxchg(&s->stat_base, NULL, base)) {
			kfree(base);
			base = READ_ONCE(s->stat_base);
		}
	}
	for (i = 0; i < HAKMEM_NR_STATS; i++)
		WRITE_ONCE(base[i], hk_stat_raw(s, i));
	return count;
}

static const struct file_operations hk_stats_fops = {
	.owner = THIS_MODULE,
	.open = hk_stats_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = hk_stats_write,
	.release = single_release,
};

static ssize_t hk_action_write(struct file *file, const char __user *buf,
			       size_t count, int (*action)(struct hakmem_cache *))
{
	struct hakmem_cache *s = file_inode(file)->i_private;
	unsigned int val;
	int err;

	err = kstrtouint_from_user(buf, count, 0, &val);
	if (err)
		return err;
	if (val != 1)
		return -EINVAL;
	action(s);
	return count;
}

static ssize_t hk_validate_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	return hk_action_write(file, buf, count, hakmem_cache_validate);
}

static ssize_t hk_shrink_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	return hk_action_write(file, buf, count, hakmem_cache_shrink);
}

static const struct file_operations hk_validate_fops = {
	.owner = THIS_MODULE,
	.write = hk_validate_write,
	.llseek = noop_llseek,
};

static const struct file_operations hk_shrink_fops = {
	.owner = THIS_MODULE,
	.write = hk_shrink_write,
	.llseek = noop_llseek,
};

/* fail_hakmem/active: 1 turns fail_hakmem's static key on, 0 off. */
static ssize_t hk_fail_active_read(struct file *file, char __user *buf,
				   size_t count, loff_t *ppos)
{
	char val[3] = { hk_fail_active() ? '1' : '0', '\n', 0 };

	return simple_read_from_buffer(buf, count, ppos, val, 2);
}

static ssize_t hk_fail_active_write(struct file *file, const char __user *buf,
				    size_t count, loff_t *ppos)
{
	bool on;
	int err;

	err = kstrtobool_from_user(buf, count, &on);
	if (err)
		return err;
	hk_fail_set_active(on);
	return count;
}

static const struct file_operations hk_fail_active_fops = {
	.owner = THIS_MODULE,
	.read = hk_fail_active_read,
	.write = hk_fail_active_write,
	.llseek = noop_llseek,
};

static void hk_fail_debugfs_init(void)
{
	struct hakmem_fail *f = &hakmem_fail_alloc;
	struct dentry *dir;

	hk_fault_debugfs("fail_segment", hk_debugfs_root, &hakmem_fail_segment);
	dir = hk_fault_debugfs("fail_hakmem", hk_debugfs_root, &f->attr);
	if (IS_ERR(dir))
		return;
	debugfs_create_file("active", 0600, dir, NULL, &hk_fail_active_fops);
	debugfs_create_bool("ignore-gfp-wait", 0600, dir,
			    &f->ignore_gfp_reclaim);
	debugfs_create_bool("cache-filter", 0600, dir, &f->cache_filter);
}

void hk_debugfs_add(struct hakmem_cache *s)
{
	lockdep_assert_held(&hk_caches_mutex);
	if (IS_ERR_OR_NULL(hk_debugfs_root) || !hk_debugfs_caches)
		return;
	s->debugfs = debugfs_create_dir(s->name, hk_debugfs_root);
	debugfs_create_file("stats", 0600, s->debugfs, s, &hk_stats_fops);
	debugfs_create_file("validate", 0200, s->debugfs, s, &hk_validate_fops);
	debugfs_create_file("shrink", 0200, s->debugfs, s, &hk_shrink_fops);
	if (HK_FAULT_INJECTION)
		debugfs_create_bool("failslab", 0600, s->debugfs, &s->failslab);
}

void hk_debugfs_init(void)
{
	hk_debugfs_root = debugfs_create_dir("hakmem_slab", NULL);
	debugfs_create_file("slabinfo", 0444, hk_debugfs_root, NULL,
			    &hk_slabinfo_fops);
	hk_fail_debugfs_init();
}

void hk_debugfs_exit(void)
{
	debugfs_remove_recursive(hk_debugfs_root);
	hk_debugfs_root = NULL;
}
