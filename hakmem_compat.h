/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hakmem_slab: what differs between the kernels hakmem_slab builds on.
 *
 * Supported: Linux 6.1 and 6.12 (Debian 12's kernels), each generic and
 * PREEMPT_RT.  Every version test of the project is in this file; the
 * allocator, the tests and the tools use only the names defined here.  The
 * tests are of features (what a header defines), not of version numbers.
 */
#ifndef _HAKMEM_COMPAT_H
#define _HAKMEM_COMPAT_H

#include <linux/mmzone.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

/* SLAB_MEM_SPREAD was removed in 6.8 (it had done nothing since SLAB went). */
#ifdef SLAB_MEM_SPREAD
#define HK_SLAB_MEM_SPREAD	SLAB_MEM_SPREAD
#else
#define HK_SLAB_MEM_SPREAD	0
#endif

/*
 * SLAB_NO_MERGE (6.5) keeps a new cache from being an alias of another:
 * without it (6.1) a cache is merged whenever its size and flags allow,
 * which only matters in backend mode (6.12 only).
 */
#ifdef SLAB_NO_MERGE
#define HK_SLAB_NO_MERGE	SLAB_NO_MERGE
#else
#define HK_SLAB_NO_MERGE	0
#endif

/*
 * The largest order the page allocator serves, inclusive.  6.1's MAX_ORDER
 * was exclusive; 6.8 has MAX_PAGE_ORDER, inclusive (6.4 to 6.7 had an
 * inclusive MAX_ORDER: not supported).
 */
#ifdef MAX_PAGE_ORDER
#define HK_MAX_PAGE_ORDER	MAX_PAGE_ORDER
#else
#define HK_MAX_PAGE_ORDER	(MAX_ORDER - 1)
#endif

/*
 * Shrinkers: 6.7 replaced register_shrinker() on a caller's struct with
 * shrinker_alloc()/shrinker_register()/shrinker_free(), and added the
 * SHRINKER_ALLOCATED flag with them.
 */
#ifdef SHRINKER_ALLOCATED
static inline struct shrinker *
hk_shrinker_create(const char *name,
		   unsigned long (*count)(struct shrinker *,
					  struct shrink_control *),
		   unsigned long (*scan)(struct shrinker *,
					 struct shrink_control *))
{
	struct shrinker *shrinker = shrinker_alloc(0, "%s", name);

	if (!shrinker)
		return NULL;
	shrinker->count_objects = count;
	shrinker->scan_objects = scan;
	shrinker->seeks = DEFAULT_SEEKS;
	shrinker_register(shrinker);
	return shrinker;
}

static inline void hk_shrinker_destroy(struct shrinker *shrinker)
{
	shrinker_free(shrinker);
}
#else
#include <linux/slab.h>

static inline struct shrinker *
hk_shrinker_create(const char *name,
		   unsigned long (*count)(struct shrinker *,
					  struct shrink_control *),
		   unsigned long (*scan)(struct shrinker *,
					 struct shrink_control *))
{
	struct shrinker *shrinker = kzalloc(sizeof(*shrinker), GFP_KERNEL);

	if (!shrinker)
		return NULL;
	shrinker->count_objects = count;
	shrinker->scan_objects = scan;
	shrinker->seeks = DEFAULT_SEEKS;
	if (register_shrinker(shrinker, "%s", name)) {
		kfree(shrinker);
		return NULL;
	}
	return shrinker;
}

static inline void hk_shrinker_destroy(struct shrinker *shrinker)
{
	unregister_shrinker(shrinker);
	kfree(shrinker);
}
#endif

/*
 * krealloc() to a size its object already holds: 6.11 made it zero the
 * spare bytes when init_on_alloc or __GFP_ZERO asks for zeroing ("mm:
 * krealloc: consider spare memory for __GFP_ZERO"); 6.1 leaves them.  Of
 * the supported kernels only 6.12 does, told from 6.1 by SLAB_MEM_SPREAD,
 * gone since 6.8 (6.8 to 6.10 are not supported).
 */
#ifdef SLAB_MEM_SPREAD
#define HK_KREALLOC_ZERO_SPARE	0
#else
#define HK_KREALLOC_ZERO_SPARE	1
#endif

/*
 * KASAN: hakmem poisons its free objects and red zones with kasan_poison()
 * (exported by 6.1 and 6.12, but declared only in mm/kasan/kasan.h) and
 * unpoisons with kasan_unpoison_range() (include/linux/kasan.h, whose
 * __kasan_unpoison_range() is not exported by either).  Only a built-in
 * hakmem_slab (the KUnit kernels) with generic KASAN does it; the shadow
 * values are mm/kasan/kasan.h's, the same in both.
 */
#if IS_BUILTIN(CONFIG_HAKMEM_SLAB) && defined(CONFIG_KASAN_GENERIC)
#include <linux/kasan.h>
#define HK_KASAN		1
#define HK_KASAN_GRANULE	BIT(KASAN_SHADOW_SCALE_SHIFT)
#define HK_KASAN_SLAB_REDZONE	0xFC	/* KASAN_SLAB_REDZONE */
#define HK_KASAN_SLAB_FREE	0xFB	/* KASAN_SLAB_FREE */
void kasan_poison(const void *addr, size_t size, u8 value, bool init);

static inline void hk_kasan_poison(const void *addr, size_t size, u8 value)
{
	kasan_poison(addr, size, value, false);
}

static inline void hk_kasan_unpoison(const void *addr, size_t size)
{
	kasan_unpoison_range(addr, size);
}
#else
#define HK_KASAN		0
#define HK_KASAN_GRANULE	8U
#define HK_KASAN_SLAB_REDZONE	0
#define HK_KASAN_SLAB_FREE	0

static inline void hk_kasan_poison(const void *addr, size_t size, u8 value) { }
static inline void hk_kasan_unpoison(const void *addr, size_t size) { }
#endif

/* KUnit: 6.12 renamed KUNIT_ASSERT_FAILURE(). */
#if defined(KUNIT_ASSERT_FAILURE) && !defined(KUNIT_FAIL_AND_ABORT)
#define KUNIT_FAIL_AND_ABORT	KUNIT_ASSERT_FAILURE
#endif

/*
 * get_unaligned() and friends moved from asm/ to linux/ in 6.12; 6.1 is
 * told from 6.12 by SLAB_MEM_SPREAD, as above (sparse has no
 * __has_include()).
 */
#ifdef SLAB_MEM_SPREAD
#include <asm/unaligned.h>
#else
#include <linux/unaligned.h>
#endif

/*
 * Fault injection (<linux/fault-inject.h>): the KUnit kernels have
 * CONFIG_FAULT_INJECTION (kunit/.kunitconfig), Debian's 6.1 and 6.12 do
 * not, and there HK_FAULT_INJECTION is 0 and every test of it compiles
 * out.  Without it 6.12's header still declares an empty struct fault_attr
 * and DECLARE_FAULT_ATTR(), 6.1's nothing: told apart by
 * DECLARE_FAULT_ATTR.  6.1 does not export should_fail_ex() (FAULT_NOWARN):
 * should_fail() only.  The debugfs files need
 * CONFIG_FAULT_INJECTION_DEBUG_FS.
 */
#include <linux/err.h>
#include <linux/fault-inject.h>

struct dentry;
#ifdef CONFIG_FAULT_INJECTION
#define HK_FAULT_INJECTION	1
#define HK_FAULT_ATTR_INIT	FAULT_ATTR_INITIALIZER

static inline bool hk_should_fail(struct fault_attr *attr, ssize_t size)
{
	return should_fail(attr, size);
}

static inline int hk_setup_fault_attr(struct fault_attr *attr, char *str)
{
	return setup_fault_attr(attr, str);
}

/* Fail @probability percent, @times at most (-1: no limit), quietly. */
static inline void hk_fault_attr_set(struct fault_attr *attr,
				     unsigned long probability, int times)
{
	attr->probability = 0;
	attr->verbose = 0;
	attr->task_filter = false;
	attr->interval = 1;
	atomic_set(&attr->space, 0);
	atomic_set(&attr->times, times);
	attr->probability = probability;
}
#else
#define HK_FAULT_INJECTION	0
#define HK_FAULT_ATTR_INIT	{ }
#ifndef DECLARE_FAULT_ATTR
struct fault_attr { };
#endif

static inline bool hk_should_fail(struct fault_attr *attr, ssize_t size)
{
	return false;
}

static inline int hk_setup_fault_attr(struct fault_attr *attr, char *str)
{
	return 0;
}

static inline void hk_fault_attr_set(struct fault_attr *attr,
				     unsigned long probability, int times)
{
}
#endif

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static inline struct dentry *hk_fault_debugfs(const char *name,
					      struct dentry *parent,
					      struct fault_attr *attr)
{
	return fault_create_debugfs_attr(name, parent, attr);
}
#else
static inline struct dentry *hk_fault_debugfs(const char *name,
					      struct dentry *parent,
					      struct fault_attr *attr)
{
	return ERR_PTR(-ENODEV);
}
#endif

#endif /* _HAKMEM_COMPAT_H */
