// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit test of hakmem_slab under kmemleak (tools/kunit.sh x86_64-numa has
 * CONFIG_DEBUG_KMEMLEAK): kmemleak scans hakmem objects for pointers, and
 * reports a hakmem object that nothing points to.  Skips without kmemleak.
 *
 * A kernel thread cannot write "scan" to /sys/kernel/debug/kmemleak (its
 * write takes a user pointer), so the case waits for kmemleak's first
 * automatic scan, 60 s after kmemleak started, and reads the report with
 * seq_read_iter().  It must allocate before that scan: this suite is
 * linked (and runs) first, a few seconds after boot.
 */

#include <kunit/test.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/mount.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

#define HK_KML_MASK	0x5a5a5a5a5a5a5a5aUL
#define HK_KML_WAIT_S	150	/* the first scan: 60 s after kmemleak starts */
#define HK_KML_REPORT	SZ_1M

/* The only reference to the holder: the kernel's data, which is scanned. */
static void *hk_kml_holder;

/* Read the kmemleak debugfs file into @buf (NUL-terminated). */
static ssize_t hk_kml_read(struct kunit *test, char *buf, size_t size)
{
	struct file_system_type *type = get_fs_type("debugfs");
	struct kvec kvec = { .iov_base = buf, .iov_len = size - 1 };
	struct iov_iter iter;
	struct vfsmount *mnt;
	struct dentry *dentry;
	struct kiocb kiocb;
	struct file *file;
	ssize_t ret = 0, n;

	KUNIT_ASSERT_NOT_NULL(test, type);
	mnt = kern_mount(type);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE(test, IS_ERR(mnt));
	dentry = debugfs_lookup("kmemleak", NULL);
	if (!dentry) {
		kern_unmount(mnt);
		KUNIT_FAIL_AND_ABORT(test, "no kmemleak file in debugfs");
	}
	file = dentry_open(&(struct path){ .mnt = mnt, .dentry = dentry },
			   O_RDONLY, current_cred());
	dput(dentry);
	if (IS_ERR(file)) {
		kern_unmount(mnt);
		KUNIT_FAIL_AND_ABORT(test, "cannot open the kmemleak file");
	}
	init_sync_kiocb(&kiocb, file);
	iov_iter_kvec(&iter, ITER_DEST, &kvec, 1, size - 1);
	while ((n = seq_read_iter(&kiocb, &iter)) > 0)
		ret += n;
	buf[ret] = '\0';
	fput(file);
	kern_unmount(mnt);
	return ret;
}

/* Is an object whose address is @hidden ^ HK_KML_MASK in the report? */
static noinline bool hk_kml_reported(const char *report, unsigned long hidden)
{
	static const char tag[] = "unreferenced object 0x";
	const char *p = report;
	unsigned long addr;
	char hex[17];

	while ((p = strstr(p, tag))) {
		p += sizeof(tag) - 1;
		strscpy(hex, p, sizeof(hex));
		hex[strspn(hex, "0123456789abcdef")] = '\0';
		if (!kstrtoul(hex, 16, &addr) && (addr ^ HK_KML_MASK) == hidden)
			return true;
	}
	return false;
}

/*
 * kmemleak scans every task's stack, dead frames included: clear the
 * frames below this one, where the setup's pointers were.
 */
static noinline void hk_kml_wipe_stack(unsigned int depth)
{
	char buf[256];

	memzero_explicit(buf, sizeof(buf));
	if (depth)
		hk_kml_wipe_stack(depth - 1);
	barrier_data(buf);
}

/*
 * A holder, referenced from hk_kml_holder, with a kmalloc() pointer that
 * nothing else holds; and a leaked hakmem object, whose address is kept
 * only disguised.  Out of line, and its frame wiped after.
 */
static noinline unsigned long hk_kml_setup(struct hakmem_cache *s)
{
	void **holder = hakmem_cache_alloc(s, GFP_KERNEL);

	if (!holder)
		return 0;
	holder[0] = kmalloc(64, GFP_KERNEL);
	WRITE_ONCE(hk_kml_holder, holder);
	return (unsigned long)hakmem_cache_alloc(s, GFP_KERNEL) ^ HK_KML_MASK;
}

/*
 * kmemleak scans hakmem objects: a pointer held only in one is not a leak,
 * and a hakmem object nothing points to is reported.
 */
static void hakmem_cache_alloc_kmemleak_scans_objects(struct kunit *test)
{
	struct hakmem_cache *s;
	unsigned long hidden, target;
	unsigned int waited;
	bool found = false;
	void **holder;
	char *report;

	if (!IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		kunit_skip(test, "no kmemleak in this kernel");
	hakmem_test_tools(test, true);
	s = hakmem_test_create(test, "hakmem_test_kml", 64, 0, 0, NULL);
	KUNIT_ASSERT_TRUE(test, hakmem_test_cache_has_kmemleak(s));
	report = vmalloc(HK_KML_REPORT);
	KUNIT_ASSERT_NOT_NULL(test, report);
	hakmem_test_add_action(test, hakmem_test_kvfree_action, report);

	hidden = hk_kml_setup(s);
	hk_kml_wipe_stack(24);
	KUNIT_ASSERT_NE(test, hidden, 0UL);
	KUNIT_ASSERT_NOT_NULL(test, READ_ONCE(hk_kml_holder));

	for (waited = 0; waited < HK_KML_WAIT_S && !found; waited++) {
		msleep(1000);
		hk_kml_read(test, report, HK_KML_REPORT);
		found = hk_kml_reported(report, hidden);
		hk_kml_wipe_stack(24);
	}
	kunit_info(test, "kmemleak: the leak was reported after %u s", waited);
	KUNIT_EXPECT_TRUE_MSG(test, found, "leaked hakmem object not reported");

	holder = READ_ONCE(hk_kml_holder);
	target = (unsigned long)holder[0] ^ HK_KML_MASK;
	KUNIT_EXPECT_FALSE_MSG(test, hk_kml_reported(report, target),
			       "kmalloc() object held by a hakmem object reported");
	target = (unsigned long)holder ^ HK_KML_MASK;
	KUNIT_EXPECT_FALSE(test, hk_kml_reported(report, target));

	kfree(holder[0]);
	WRITE_ONCE(hk_kml_holder, NULL);
	hakmem_cache_free(s, holder);
	hakmem_cache_free(s, (void *)(hidden ^ HK_KML_MASK));
}

static struct kunit_case hakmem_kmemleak_cases[] = {
	KUNIT_CASE(hakmem_cache_alloc_kmemleak_scans_objects),
	{}
};

static struct kunit_suite hakmem_kmemleak_suite = {
	.name = "hakmem_slab_kmemleak",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_kmemleak_cases,
};

kunit_test_suite(hakmem_kmemleak_suite);
