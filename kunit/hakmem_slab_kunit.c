// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for hakmem_slab.
 *
 * One suite per area (hakmem_slab_<area>), one case per behaviour, named
 * <function>_<condition>, as Documentation/dev-tools/kunit/style.rst asks.
 * Every case creates its own caches; they are destroyed when the case ends,
 * whether it passed or not.
 *
 * The allocator counts its error reports for the running case (see
 * hakmem_slab_kunit.h).  A case that provokes reports checks and consumes
 * their exact number with hakmem_test_take_reports(); any other report
 * fails the case in hakmem_test_exit().
 *
 * Nothing here measures time: the loops that run "for a while" stop after a
 * number of events or a time cap, and only the number of events is checked.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/fault-inject.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"
#include "hakmem_slab_resched.h"

#define HAKMEM_TEST_CTOR_BYTE	0xc3
#define HAKMEM_TEST_DIRTY_BYTE	0xff

/* ------------------------------------------------------------------------
 * Common helpers (the shared ones are in hakmem_slab_kunit.h)
 */

static const enum hakmem_header_mode hakmem_test_modes[] = {
	HAKMEM_HEADER_FULL,
	HAKMEM_HEADER_LIGHT,
};

static const char *hakmem_test_mode_name(enum hakmem_header_mode mode)
{
	return mode == HAKMEM_HEADER_FULL ? "full" : "light";
}

static void hakmem_test_mode_desc(const enum hakmem_header_mode *mode,
				  char *desc)
{
	strscpy(desc, hakmem_test_mode_name(*mode), KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hakmem_test_mode, hakmem_test_modes, hakmem_test_mode_desc);

/* The header mode of a case parameterized with hakmem_test_mode_gen_params */
static enum hakmem_header_mode hakmem_test_mode(struct kunit *test)
{
	return *(const enum hakmem_header_mode *)test->param_value;
}

/*
 * Object contents: every 32-bit word depends on the seed and on its offset,
 * and the first word differs for any two seeds.  A short tail gets the first
 * bytes of the next word.
 */
static u32 hakmem_test_key(u32 seed)
{
	return seed * 0x9e3779b1U + 0x7f4a7c15U;
}

static u32 hakmem_test_word(u32 key, size_t i)
{
	return key ^ (0x01010101U * (u8)(i * 0x3b));
}

static void hakmem_test_fill(void *obj, size_t size, u32 seed)
{
	u32 key = hakmem_test_key(seed);
	size_t i, words = size / 4;
	u8 *p = obj;
	u32 w;

	for (i = 0; i < words; i++)
		put_unaligned(hakmem_test_word(key, i), (u32 *)p + i);
	if (size % 4) {
		w = hakmem_test_word(key, words);
		memcpy(p + 4 * words, &w, size % 4);
	}
}

static bool hakmem_test_check(const void *obj, size_t size, u32 seed)
{
	u32 key = hakmem_test_key(seed);
	size_t i, words = size / 4;
	const u8 *p = obj;
	u32 w;

	for (i = 0; i < words; i++)
		if (get_unaligned((const u32 *)p + i) !=
		    hakmem_test_word(key, i))
			return false;
	if (size % 4) {
		w = hakmem_test_word(key, words);
		return !memcmp(p + 4 * words, &w, size % 4);
	}
	return true;
}

static bool hakmem_test_is_zero(const void *obj, size_t size)
{
	return !memchr_inv(obj, 0, size);
}

/* Check p[0..n), each stamped with its index; report the first bad one. */
static void hakmem_test_check_all(struct kunit *test, void **p, size_t n,
				  size_t size)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < n; i++) {
		if (hakmem_test_check(p[i], size, i))
			continue;
		if (!bad++)
			first = i;
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0,
			    "%zu of %zu objects overwritten, first: %zu at %p",
			    bad, n, first, p[first]);
}

/* Sort p[0..n) and check that no two objects of @size bytes overlap. */
static void hakmem_test_expect_disjoint(struct kunit *test, void **p,
					size_t n, size_t size)
{
	size_t i, bad = 0;

	sort(p, n, sizeof(*p), hakmem_test_cmp_ptr, NULL);
	for (i = 1; i < n; i++)
		if ((unsigned long)p[i] - (unsigned long)p[i - 1] < size)
			bad++;
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%zu objects overlap their successor",
			    bad);
}

/* Allocate p[0..n) and stamp each with its index. */
static void hakmem_test_alloc_n(struct kunit *test, struct hakmem_cache *s,
				void **p, size_t n, gfp_t gfp)
{
	unsigned int size = hakmem_cache_size(s);
	size_t i;

	for (i = 0; i < n; i++) {
		p[i] = hakmem_cache_alloc(s, gfp);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p[i], "allocation %zu of %zu",
					  i, n);
		hakmem_test_fill(p[i], size, i);
	}
}

/* Check that the cache still hands out distinct, usable objects. */
static void hakmem_test_exercise(struct kunit *test, struct hakmem_cache *s)
{
	unsigned long inuse = hakmem_test_inuse(s);
	const size_t n = 64;
	void **p;

	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	hakmem_test_check_all(test, p, n, hakmem_cache_size(s));
	hakmem_test_expect_disjoint(test, p, n, hakmem_cache_size(s));
	hakmem_test_free_n(s, p, n);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), inuse);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

static u64 hakmem_test_errors_total(struct hakmem_cache *s)
{
	u64 sum = 0;
	int i;

	for (i = HAKMEM_ERR_INVALID; i <= HAKMEM_ERR_REDZONE; i++)
		sum += hakmem_cache_stat(s, i);
	return sum;
}

/* Constructor: the object is all HAKMEM_TEST_CTOR_BYTE. */
static atomic_t hakmem_test_ctor_calls;
static unsigned int hakmem_test_ctor_size;

static void hakmem_test_ctor(void *obj)
{
	memset(obj, HAKMEM_TEST_CTOR_BYTE, READ_ONCE(hakmem_test_ctor_size));
	atomic_inc(&hakmem_test_ctor_calls);
}

static struct hakmem_cache *
hakmem_test_create_ctor(struct kunit *test, const char *name,
			unsigned int size, slab_flags_t flags,
			enum hakmem_header_mode mode)
{
	atomic_set(&hakmem_test_ctor_calls, 0);
	WRITE_ONCE(hakmem_test_ctor_size, size);
	return hakmem_test_create_mode(test, name, size, 0, flags,
				       hakmem_test_ctor, mode);
}

static bool hakmem_test_constructed(const void *obj, size_t size)
{
	return !memchr_inv(obj, HAKMEM_TEST_CTOR_BYTE, size);
}

/* The distinct size-class caches of hakmem_kmalloc(), smallest first. */
#define HAKMEM_TEST_MAX_CLASSES	64

static unsigned int hakmem_test_kmalloc_classes(struct hakmem_cache **c)
{
	struct hakmem_cache *prev = NULL, *s;
	unsigned int n = 0;
	size_t size;

	for (size = 1; size <= HAKMEM_KMALLOC_MAX_CACHE_SIZE; size++) {
		s = hakmem_kmalloc_cache(size);
		if (!s || s == prev)
			continue;
		prev = s;
		if (n < HAKMEM_TEST_MAX_CLASSES)
			c[n++] = s;
	}
	return n;
}

/* Objects in use and errors of every size class, to compare afterwards. */
struct hakmem_test_classes {
	unsigned int nr;
	struct hakmem_cache *c[HAKMEM_TEST_MAX_CLASSES];
	unsigned long inuse[HAKMEM_TEST_MAX_CLASSES];
	u64 errors[HAKMEM_TEST_MAX_CLASSES];
};

static struct hakmem_test_classes *hakmem_test_snap_classes(struct kunit *test)
{
	struct hakmem_test_classes *k;
	unsigned int i;

	k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, k);
	k->nr = hakmem_test_kmalloc_classes(k->c);
	KUNIT_ASSERT_GE(test, k->nr, 1);
	for (i = 0; i < k->nr; i++) {
		k->inuse[i] = hakmem_test_inuse(k->c[i]);
		k->errors[i] = hakmem_test_errors_total(k->c[i]);
	}
	return k;
}

/* No size class has more objects in use or errors than in @k; all valid. */
static void hakmem_test_expect_classes(struct kunit *test,
				       const struct hakmem_test_classes *k)
{
	unsigned int i;

	for (i = 0; i < k->nr; i++) {
		KUNIT_EXPECT_EQ_MSG(test, hakmem_test_inuse(k->c[i]),
				    k->inuse[i], "class %u",
				    hakmem_cache_size(k->c[i]));
		KUNIT_EXPECT_EQ_MSG(test, hakmem_test_errors_total(k->c[i]),
				    k->errors[i], "class %u",
				    hakmem_cache_size(k->c[i]));
		KUNIT_EXPECT_EQ_MSG(test, hakmem_cache_validate(k->c[i]), 0,
				    "class %u", hakmem_cache_size(k->c[i]));
	}
}

/* ------------------------------------------------------------------------
 * hakmem_slab_api: the object-cache calls on healthy input
 */

static const unsigned int hakmem_test_sizes[] = {
	1, 7, 8, 16, 24, 40, 64, 96, 100, 128, 192, 256, 500, 512, 1000,
	1024, 2048, 3000, 4096, 4097, 6000, 8192, 10000, 12345,
	HAKMEM_MAX_OBJECT_SIZE,
};

static void hakmem_test_size_desc(const unsigned int *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u bytes", *size);
}

KUNIT_ARRAY_PARAM(hakmem_test_size, hakmem_test_sizes, hakmem_test_size_desc);

static void hakmem_cache_alloc_handles_every_size(struct kunit *test)
{
	unsigned int size = *(const unsigned int *)test->param_value;
	struct hakmem_cache_info info;
	struct hakmem_cache *s;
	size_t n;
	void **p;

	s = hakmem_test_create(test, "hakmem_test_size", size, 0, 0, NULL);
	n = min_t(size_t, 2 * hakmem_test_objs_per_slab(s) + 1, 256);
	p = hakmem_test_ptrs(test, n);

	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_EQ(test, info.object_size, size);
	KUNIT_EXPECT_GE(test, info.size, size);
	KUNIT_EXPECT_EQ(test, info.objects_inuse, n);
	KUNIT_EXPECT_GE(test, info.objects_total, n);
	KUNIT_EXPECT_GE(test, info.segments, 1);
	hakmem_test_check_all(test, p, n, size);
	hakmem_test_expect_disjoint(test, p, n, size);
	hakmem_test_free_n(s, p, n);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

static void hakmem_cache_size_returns_size_given(struct kunit *test)
{
	struct hakmem_cache *s;
	size_t i;
	int m;

	for (i = 0; i < ARRAY_SIZE(hakmem_test_sizes); i++) {
		s = hakmem_test_create(test, "hakmem_test_size",
				       hakmem_test_sizes[i], 0, 0, NULL);
		KUNIT_EXPECT_EQ(test, hakmem_cache_size(s),
				hakmem_test_sizes[i]);
		KUNIT_EXPECT_EQ(test, hakmem_test_info(s).object_size,
				hakmem_test_sizes[i]);
		for (m = 0; m < ARRAY_SIZE(hakmem_test_modes); m++) {
			s = hakmem_test_create_mode(test, "hakmem_test_size",
						    hakmem_test_sizes[i], 0,
						    SLAB_HWCACHE_ALIGN, NULL,
						    hakmem_test_modes[m]);
			KUNIT_EXPECT_EQ(test, hakmem_cache_size(s),
					hakmem_test_sizes[i]);
		}
	}
}

static void hakmem_cache_get_info_reports_creation_params(struct kunit *test)
{
	enum hakmem_header_mode mode = hakmem_test_mode(test);
	struct hakmem_cache_info info;
	struct hakmem_cache *s;

	s = hakmem_test_create_mode(test, "hakmem_test_info", 100, 32,
				    SLAB_RECLAIM_ACCOUNT, NULL, mode);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_STREQ(test, info.name, "hakmem_test_info");
	KUNIT_EXPECT_EQ(test, info.object_size, 100);
	KUNIT_EXPECT_GE(test, info.size, 100);
	KUNIT_EXPECT_GE(test, info.align, 32);
	KUNIT_EXPECT_TRUE(test, is_power_of_2(info.align));
	KUNIT_EXPECT_EQ(test, info.size % info.align, 0);
	KUNIT_EXPECT_EQ(test, info.objects_inuse, 0);
	KUNIT_EXPECT_GE(test, info.segment_order, info.slab_order);
	KUNIT_EXPECT_EQ(test, info.header_mode, mode);
	KUNIT_EXPECT_TRUE(test, info.flags & SLAB_RECLAIM_ACCOUNT);
}

/* The cache keeps a copy of its name: the caller's buffer may go. */
static void hakmem_cache_create_copies_name(struct kunit *test)
{
	struct hakmem_cache *s;
	char *name;

	name = kstrdup("hakmem_test_name", GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, name);
	s = hakmem_test_create(test, name, 64, 0, 0, NULL);
	memset(name, 'x', strlen(name));
	kfree(name);
	KUNIT_EXPECT_STREQ(test, hakmem_test_info(s).name, "hakmem_test_name");
}

static void hakmem_cache_alloc_returns_distinct_objects(struct kunit *test)
{
	struct hakmem_cache *s;
	size_t n;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_distinct", 192, 0, 0,
				    NULL, hakmem_test_mode(test));
	n = 3 * hakmem_test_objs_per_slab(s) + 5;
	p = hakmem_test_ptrs(test, n);

	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	hakmem_test_check_all(test, p, n, 192);
	hakmem_test_expect_disjoint(test, p, n, 192);
	hakmem_test_free_n(s, p, n);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

/*
 * Memory is reused: allocating again what was just freed takes no new
 * segment from the page allocator, and a single free and allocation hands
 * the same object back (the per-CPU stack is LIFO, like SLUB's freelist).
 */
static void hakmem_cache_alloc_reuses_freed_objects(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	unsigned long segments;
	size_t n;
	void **p;
	void *obj;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_reuse", 128, 0, 0,
				    NULL, hakmem_test_mode(test));
	n = 3 * hakmem_test_objs_per_slab(s) + 5;
	p = hakmem_test_ptrs(test, n);

	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	segments = hakmem_test_info(s).segments;
	hakmem_test_free_n(s, p, n);
	hakmem_test_snap(s, &st);

	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_SEGMENT_ALLOC),
			0);
	KUNIT_EXPECT_LE(test, hakmem_test_info(s).segments, segments);
	hakmem_test_check_all(test, p, n, 128);

	obj = p[n / 2];
	hakmem_cache_free(s, obj);
	p[n / 2] = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, p[n / 2], obj);
	hakmem_test_free_n(s, p, n);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

static void hakmem_cache_free_ignores_null(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;

	s = hakmem_test_create(test, "hakmem_test_free_null", 64, 0, 0, NULL);
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, NULL);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_FREE_FAST), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_FREE_SLOW), 0);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_NR_STATS);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	hakmem_test_exercise(test, s);
}

static void hakmem_cache_destroy_ignores_null(struct kunit *test)
{
	hakmem_cache_destroy(NULL);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 0);
}

static void hakmem_cache_destroy_reports_nothing_when_empty(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t n = 300;
	void **p;

	p = hakmem_test_ptrs(test, n);
	s = hakmem_cache_create_mode("hakmem_test_destroy", 256, 0, 0, NULL,
				     hakmem_test_mode(test));
	KUNIT_ASSERT_NOT_NULL(test, s);
	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	hakmem_test_free_n(s, p, n);
	hakmem_cache_destroy(s);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 0);
}

static void hakmem_cache_get_info_counts_objects_inuse(struct kunit *test)
{
	struct hakmem_cache_info info;
	struct hakmem_cache *s;
	void *p[10];
	size_t i;

	s = hakmem_test_create_mode(test, "hakmem_test_inuse", 512, 0, 0,
				    NULL, hakmem_test_mode(test));
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	hakmem_test_alloc_n(test, s, p, ARRAY_SIZE(p), GFP_KERNEL);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_EQ(test, info.objects_inuse, 10);
	KUNIT_EXPECT_GE(test, info.objects_total, 10);
	KUNIT_EXPECT_GE(test, info.pages, 1);
	KUNIT_EXPECT_GE(test, info.segments, 1);
	for (i = 0; i < 4; i++)
		hakmem_cache_free(s, p[i]);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 6);
	for (; i < ARRAY_SIZE(p); i++)
		hakmem_cache_free(s, p[i]);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

/*
 * hakmem_cache_shrink() gives every empty segment back to the page
 * allocator (after flushing the per-CPU stacks), so a cache without live
 * objects holds no segment and no page afterwards.
 */
static void hakmem_cache_shrink_releases_empty_segments(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache_info info;
	struct hakmem_cache *s;
	const size_t n = 2000;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_shrink", 256, 0, 0,
				    NULL, hakmem_test_mode(test));
	p = hakmem_test_ptrs(test, n);
	hakmem_test_snap(s, &st);
	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	hakmem_test_free_n(s, p, n);

	KUNIT_EXPECT_EQ(test, hakmem_cache_shrink(s), 0);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_EQ(test, info.objects_inuse, 0);
	KUNIT_EXPECT_EQ(test, info.segments, 0);
	KUNIT_EXPECT_EQ(test, info.pages, 0);
	KUNIT_EXPECT_GE(test, hakmem_test_delta(s, &st, HAKMEM_SHRINK), 1);
	KUNIT_EXPECT_GE(test, hakmem_test_delta(s, &st, HAKMEM_SEGMENT_ALLOC),
			1);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_SEGMENT_FREE),
			hakmem_test_delta(s, &st, HAKMEM_SEGMENT_ALLOC));
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);

	/* and the cache works as new */
	hakmem_test_exercise(test, s);
}

static void hakmem_cache_shrink_keeps_live_objects(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t n = 2000;
	size_t i, bad = 0;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_shrink_live", 256, 0, 0,
				    NULL, hakmem_test_mode(test));
	p = hakmem_test_ptrs(test, n);
	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	for (i = 0; i < n; i += 2) {
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	/* leave whole pages empty, too */
	for (i = n / 2; i < n; i++) {
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}

	KUNIT_EXPECT_EQ(test, hakmem_cache_shrink(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), n / 4);
	KUNIT_EXPECT_GE(test, hakmem_test_info(s).segments, 1);
	for (i = 0; i < n; i++)
		if (p[i] && !hakmem_test_check(p[i], 256, i))
			bad++;
	KUNIT_EXPECT_EQ(test, bad, 0);

	hakmem_test_free_n(s, p, n);
	KUNIT_EXPECT_EQ(test, hakmem_cache_shrink(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0);
}

static void hakmem_cache_validate_accepts_healthy_cache(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t n = 1000;
	size_t i;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_validate", 96, 0, 0,
				    NULL, hakmem_test_mode(test));
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	p = hakmem_test_ptrs(test, n);
	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);

	/* live and free objects mixed on the same pages */
	for (i = 0; i < n; i += 3) {
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	for (i = 0; i < n; i++)
		if (p[i])
			KUNIT_EXPECT_TRUE(test, hakmem_test_check(p[i], 96, i));

	hakmem_test_free_n(s, p, n);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

/*
 * Every allocation is counted once as fast, slow or locked, and every free
 * once as fast or slow (remote frees are counted within those too).
 */
static void hakmem_cache_stat_counts_allocs_and_frees(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	const size_t n = 1000;
	u64 allocs, frees;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_stat", 200, 0, 0,
				    NULL, hakmem_test_mode(test));
	p = hakmem_test_ptrs(test, n);
	hakmem_test_snap(s, &st);
	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	hakmem_test_free_n(s, p, n);

	allocs = hakmem_test_delta(s, &st, HAKMEM_ALLOC_FAST) +
		 hakmem_test_delta(s, &st, HAKMEM_ALLOC_SLOW) +
		 hakmem_test_delta(s, &st, HAKMEM_ALLOC_LOCKED);
	frees = hakmem_test_delta(s, &st, HAKMEM_FREE_FAST) +
		hakmem_test_delta(s, &st, HAKMEM_FREE_SLOW);
	KUNIT_EXPECT_EQ(test, allocs, n);
	KUNIT_EXPECT_EQ(test, frees, n);
	KUNIT_EXPECT_GE(test, hakmem_test_delta(s, &st, HAKMEM_CARVE), n);
	KUNIT_EXPECT_GE(test, hakmem_test_delta(s, &st, HAKMEM_SLAB_ALLOC), 1);
	KUNIT_EXPECT_GE(test, hakmem_test_delta(s, &st, HAKMEM_SEGMENT_ALLOC),
			1);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_SEGMENT_FAIL),
			0);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_NR_STATS);
}

static struct kunit_case hakmem_api_cases[] = {
	KUNIT_CASE_PARAM(hakmem_cache_alloc_handles_every_size,
			 hakmem_test_size_gen_params),
	KUNIT_CASE(hakmem_cache_size_returns_size_given),
	KUNIT_CASE(hakmem_cache_create_copies_name),
	KUNIT_CASE_PARAM(hakmem_cache_get_info_reports_creation_params,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_returns_distinct_objects,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_reuses_freed_objects,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_cache_free_ignores_null),
	KUNIT_CASE(hakmem_cache_destroy_ignores_null),
	KUNIT_CASE_PARAM(hakmem_cache_destroy_reports_nothing_when_empty,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_get_info_counts_objects_inuse,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_shrink_releases_empty_segments,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_shrink_keeps_live_objects,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_validate_accepts_healthy_cache,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_stat_counts_allocs_and_frees,
			 hakmem_test_mode_gen_params),
	{}
};

static struct kunit_suite hakmem_api_suite = {
	.name = "hakmem_slab_api",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_api_cases,
};

/* ------------------------------------------------------------------------
 * hakmem_slab_flags: creation checks, alignment, constructors, zeroing
 */

/* Creation errors are printed with pr_err(); their count is not checked. */
static void hakmem_cache_create_rejects_zero_size(struct kunit *test)
{
	int m;

	KUNIT_EXPECT_NULL(test, hakmem_cache_create("hakmem_test_bad", 0, 0,
						    0, NULL));
	for (m = 0; m < ARRAY_SIZE(hakmem_test_modes); m++)
		KUNIT_EXPECT_NULL(test,
				  hakmem_cache_create_mode("hakmem_test_bad", 0,
							   0, 0, NULL,
							   hakmem_test_modes[m]));
	hakmem_test_take_reports();
}

static void hakmem_cache_create_rejects_oversize(struct kunit *test)
{
	static const unsigned int sizes[] = {
		HAKMEM_MAX_OBJECT_SIZE + 1, 2 * HAKMEM_MAX_OBJECT_SIZE,
		1U << 20, UINT_MAX,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		KUNIT_EXPECT_NULL_MSG(test,
				      hakmem_cache_create("hakmem_test_bad",
							  sizes[i], 0, 0,
							  NULL),
				      "size %u", sizes[i]);
	hakmem_test_take_reports();
}

/* Alignments above HAKMEM_MAX_ALIGN are refused (any below is rounded up). */
static void hakmem_cache_create_rejects_bad_align(struct kunit *test)
{
	static const unsigned int aligns[] = {
		HAKMEM_MAX_ALIGN + 1, 2 * HAKMEM_MAX_ALIGN, 1U << 31,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(aligns); i++)
		KUNIT_EXPECT_NULL_MSG(test,
				      hakmem_cache_create("hakmem_test_bad",
							  64, aligns[i], 0,
							  NULL),
				      "align %u", aligns[i]);
	hakmem_test_take_reports();
}

/* Every flag outside HAKMEM_SUPPORTED_FLAGS, e.g. SLAB_CACHE_DMA. */
static void hakmem_cache_create_rejects_unsupported_flags(struct kunit *test)
{
	struct hakmem_cache *s;
	slab_flags_t flag;
	unsigned int bit;

	KUNIT_EXPECT_NULL(test, hakmem_cache_create("hakmem_test_bad", 64, 0,
						    SLAB_CACHE_DMA, NULL));
	KUNIT_EXPECT_NULL(test, hakmem_cache_create("hakmem_test_bad", 64, 0,
						    SLAB_HWCACHE_ALIGN |
						    SLAB_CACHE_DMA32, NULL));
	for (bit = 0; bit < 8 * sizeof(slab_flags_t); bit++) {
		flag = (__force slab_flags_t)BIT(bit);
		if (flag & HAKMEM_SUPPORTED_FLAGS)
			continue;
		s = hakmem_cache_create("hakmem_test_bad", 64, 0, flag, NULL);
		KUNIT_EXPECT_NULL_MSG(test, s, "flag %#x accepted",
				      (__force unsigned int)flag);
		hakmem_cache_destroy(s);
	}
	hakmem_test_take_reports();
}

static void hakmem_test_use_cache(struct kunit *test, struct hakmem_cache *s)
{
	unsigned int size = hakmem_cache_size(s);
	void *p[8];

	hakmem_test_alloc_n(test, s, p, ARRAY_SIZE(p), GFP_KERNEL);
	hakmem_test_check_all(test, p, ARRAY_SIZE(p), size);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_free_n(s, p, ARRAY_SIZE(p));
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

static void hakmem_cache_create_accepts_supported_flags(struct kunit *test)
{
	struct hakmem_cache *s;
	slab_flags_t flag;
	unsigned int bit;

	for (bit = 0; bit < 8 * sizeof(slab_flags_t); bit++) {
		flag = (__force slab_flags_t)BIT(bit);
		if (!(flag & HAKMEM_SUPPORTED_FLAGS))
			continue;
		s = hakmem_test_create(test, "hakmem_test_flag", 64, 0, flag,
				       NULL);
		KUNIT_EXPECT_TRUE_MSG(test, hakmem_test_info(s).flags & flag,
				      "flag %#x", (__force unsigned int)flag);
		hakmem_test_use_cache(test, s);
	}
	s = hakmem_test_create(test, "hakmem_test_flags", 64, 0,
			       HAKMEM_SUPPORTED_FLAGS, NULL);
	hakmem_test_use_cache(test, s);
}

static const unsigned int hakmem_test_aligns[] = {
	8, 16, 32, 64, 128, 256, 512, 1024, 2048, PAGE_SIZE,
};

static void hakmem_test_align_desc(const unsigned int *align, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "align %u", *align);
}

KUNIT_ARRAY_PARAM(hakmem_test_align, hakmem_test_aligns,
		  hakmem_test_align_desc);

/* All objects of a few pages' worth are aligned to @align. */
static void hakmem_test_expect_aligned(struct kunit *test,
				       struct hakmem_cache *s,
				       unsigned int align)
{
	unsigned int size = hakmem_cache_size(s);
	struct hakmem_cache_info info;
	size_t i, n, bad = 0;
	void **p;

	n = min_t(size_t, 2 * hakmem_test_objs_per_slab(s) + 3, 128);
	p = hakmem_test_ptrs(test, n);
	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	for (i = 0; i < n; i++)
		if (!IS_ALIGNED((unsigned long)p[i], align))
			bad++;
	KUNIT_EXPECT_EQ_MSG(test, bad, 0,
			    "size %u: %zu of %zu objects not aligned to %u",
			    size, bad, n, align);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_GE_MSG(test, info.align, align, "size %u", size);
	KUNIT_EXPECT_TRUE(test, is_power_of_2(info.align));
	hakmem_test_check_all(test, p, n, size);
	hakmem_test_free_n(s, p, n);
}

static void hakmem_cache_alloc_honours_align(struct kunit *test)
{
	static const unsigned int sizes[] = { 8, 24, 100, 1000, 3000 };
	unsigned int align = *(const unsigned int *)test->param_value;
	struct hakmem_cache *s;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		s = hakmem_test_create(test, "hakmem_test_align", sizes[i],
				       align, 0, NULL);
		hakmem_test_expect_aligned(test, s, align);
	}
}

/* The alignment SLUB's calculate_alignment() gives SLAB_HWCACHE_ALIGN. */
static unsigned int hakmem_test_hwcache_align(unsigned int size)
{
	unsigned int ralign = cache_line_size();

	while (size <= ralign / 2)
		ralign /= 2;
	return max_t(unsigned int, ralign, sizeof(void *));
}

static void hakmem_cache_alloc_honours_hwcache_align(struct kunit *test)
{
	static const unsigned int sizes[] = {
		8, 16, 24, 32, 33, 48, 64, 65, 100, 200, 1000, 4000,
	};
	struct hakmem_cache *s;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		s = hakmem_test_create(test, "hakmem_test_hwcache", sizes[i],
				       0, SLAB_HWCACHE_ALIGN, NULL);
		hakmem_test_expect_aligned(test, s,
					   hakmem_test_hwcache_align(sizes[i]));
	}
	/* an explicit alignment larger than a line wins */
	s = hakmem_test_create(test, "hakmem_test_hwcache", 100, 256,
			       SLAB_HWCACHE_ALIGN, NULL);
	hakmem_test_expect_aligned(test, s, 256);
}

static void hakmem_cache_alloc_aligns_to_pointer_size(struct kunit *test)
{
	static const unsigned int sizes[] = {
		1, 2, 3, 5, 7, 9, 12, 13, 17, 31, 33, 100, 1001,
	};
	static const unsigned int aligns[] = { 0, 1, 2, 4 };
	struct hakmem_cache *s;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(aligns); j++) {
			s = hakmem_test_create(test, "hakmem_test_ptralign",
					       sizes[i], aligns[j], 0, NULL);
			hakmem_test_expect_aligned(test, s, sizeof(void *));
		}
	}
}

static const unsigned int hakmem_test_zero_sizes[] = {
	8, 24, 256, 1000, 4096, HAKMEM_MAX_OBJECT_SIZE,
};

/*
 * Dirty objects, free them and allocate again with @gfp: every object must
 * come back all zero, all object_size bytes of it.
 */
static void hakmem_test_expect_zeroed(struct kunit *test,
				      enum hakmem_header_mode mode, gfp_t gfp)
{
	struct hakmem_cache *s;
	const size_t n = 16;
	size_t i, j, bad;
	unsigned int size;
	void **p;

	p = hakmem_test_ptrs(test, n);
	for (i = 0; i < ARRAY_SIZE(hakmem_test_zero_sizes); i++) {
		size = hakmem_test_zero_sizes[i];
		s = hakmem_test_create_mode(test, "hakmem_test_zero", size, 0,
					    0, NULL, mode);
		hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
		for (j = 0; j < n; j++)
			memset(p[j], HAKMEM_TEST_DIRTY_BYTE, size);
		hakmem_test_free_n(s, p, n);

		bad = 0;
		for (j = 0; j < n; j++) {
			p[j] = hakmem_cache_alloc(s, gfp);
			KUNIT_ASSERT_NOT_NULL(test, p[j]);
			if (!hakmem_test_is_zero(p[j], size))
				bad++;
		}
		KUNIT_EXPECT_EQ_MSG(test, bad, 0, "size %u: %zu not zeroed",
				    size, bad);
		hakmem_test_free_n(s, p, n);
	}
}

static void hakmem_cache_alloc_zeroes_with_gfp_zero(struct kunit *test)
{
	hakmem_test_expect_zeroed(test, hakmem_test_mode(test),
				  GFP_KERNEL | __GFP_ZERO);
	hakmem_test_expect_zeroed(test, hakmem_test_mode(test),
				  GFP_ATOMIC | __GFP_ZERO);
}

static void hakmem_cache_alloc_zeroes_with_init_on_alloc(struct kunit *test)
{
	if (!want_init_on_alloc(GFP_KERNEL))
		kunit_skip(test, "init_on_alloc is off");
	hakmem_test_expect_zeroed(test, hakmem_test_mode(test), GFP_KERNEL);
}

static void hakmem_cache_free_zeroes_with_init_on_free(struct kunit *test)
{
	if (!want_init_on_free())
		kunit_skip(test, "init_on_free is off");
	hakmem_test_expect_zeroed(test, hakmem_test_mode(test), GFP_KERNEL);
}

/*
 * The constructor runs once on each object, when its slot is carved: never
 * again while the object lives, and not when a freed object is handed out
 * again.  So the calls are at most the carved objects (HAKMEM_CARVE; equal
 * until an emptied page is carved again, which constructs nothing), which
 * the pages in use can hold, and are at least the objects allocated.
 *
 * (Not asserted: that allocating n objects constructs fewer than a page's
 * worth beyond n.  hakmem carves lazily, but a per-CPU stack refill carves a
 * whole batch, up to 64 objects, which may be more than a page holds.)
 */
static void hakmem_cache_ctor_runs_once_per_carved_object(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	const unsigned int size = 200;
	size_t i, n, more, bad;
	int calls;
	void **p;
	void *obj;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_ctor(test, "hakmem_test_ctor_once", size, 0,
				    hakmem_test_mode(test));
	hakmem_test_snap(s, &st);
	n = 3 * hakmem_test_objs_per_slab(s) + 1;
	more = 2 * hakmem_test_objs_per_slab(s);
	p = hakmem_test_ptrs(test, n + more);

	bad = 0;
	for (i = 0; i < n; i++) {
		p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		if (!hakmem_test_constructed(p[i], size))
			bad++;
		hakmem_test_fill(p[i], size, i);	/* in use */
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	calls = atomic_read(&hakmem_test_ctor_calls);
	KUNIT_EXPECT_GE(test, calls, n);
	KUNIT_EXPECT_EQ(test, calls, hakmem_test_delta(s, &st, HAKMEM_CARVE));
	KUNIT_EXPECT_LE(test, calls, hakmem_test_info(s).objects_total);

	/* carving more pages leaves the live objects alone */
	for (i = n; i < n + more; i++) {
		p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_TRUE(test, hakmem_test_constructed(p[i], size));
	}
	hakmem_test_check_all(test, p, n, size);

	/* a freed object comes back without being constructed again */
	calls = atomic_read(&hakmem_test_ctor_calls);
	obj = p[n];
	hakmem_cache_free(s, obj);
	p[n] = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, p[n], obj);
	KUNIT_EXPECT_EQ(test, atomic_read(&hakmem_test_ctor_calls), calls);

	/* free in constructed state, allocate all again */
	for (i = 0; i < n; i++)
		memset(p[i], HAKMEM_TEST_CTOR_BYTE, size);
	hakmem_test_free_n(s, p, n + more);
	bad = 0;
	for (i = 0; i < n + more; i++) {
		p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		if (!hakmem_test_constructed(p[i], size))
			bad++;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_LE(test, atomic_read(&hakmem_test_ctor_calls),
			hakmem_test_delta(s, &st, HAKMEM_CARVE));
	hakmem_test_free_n(s, p, n + more);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

/*
 * Objects come out constructed, fresh or reused: neither free nor
 * init_on_alloc/init_on_free may clobber the contents of a ctor cache.
 */
static void hakmem_cache_alloc_returns_constructed_objects(struct kunit *test)
{
	struct hakmem_cache *s;
	const unsigned int size = 64;
	size_t i, round, n, bad;
	void **p;

	s = hakmem_test_create_ctor(test, "hakmem_test_ctor", size, 0,
				    hakmem_test_mode(test));
	n = 2 * hakmem_test_objs_per_slab(s) + 1;
	p = hakmem_test_ptrs(test, n);

	for (round = 0; round < 3; round++) {
		bad = 0;
		for (i = 0; i < n; i++) {
			p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p[i]);
			if (!hakmem_test_constructed(p[i], size))
				bad++;
		}
		KUNIT_EXPECT_EQ_MSG(test, bad, 0, "round %zu", round);
		/* use the objects, then restore the constructed state */
		for (i = 0; i < n; i++)
			hakmem_test_fill(p[i], size, i);
		hakmem_test_check_all(test, p, n, size);
		for (i = 0; i < n; i++)
			memset(p[i], HAKMEM_TEST_CTOR_BYTE, size);
		hakmem_test_free_n(s, p, n);
	}
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

/* An object that knows whether its constructor ran on it before. */
struct hakmem_test_gen_obj {
	u32 magic;		/* hakmem_test_gen_magic once constructed */
	u32 gen;		/* 0 from the constructor, then the user's */
	u8 rest[56];
};

static u32 hakmem_test_gen_magic;
static atomic_t hakmem_test_gen_ctor_calls;
static atomic_t hakmem_test_gen_rebuilt;

static void hakmem_test_gen_ctor(void *obj)
{
	struct hakmem_test_gen_obj *o = obj;

	if (o->magic == READ_ONCE(hakmem_test_gen_magic))
		atomic_inc(&hakmem_test_gen_rebuilt);
	o->magic = READ_ONCE(hakmem_test_gen_magic);
	o->gen = 0;
	atomic_inc(&hakmem_test_gen_ctor_calls);
}

/*
 * Pages emptied by frees and carved again keep their objects' constructed
 * state: the constructor runs on a slot once while its segment stays with
 * the cache.  A SLAB_TYPESAFE_BY_RCU reader may still be looking at a freed
 * object (its generation count, a lock the constructor set up), so
 * rebuilding it under the reader would be a bug; SLUB likewise constructs a
 * slab's objects only when it allocates the slab.
 */
static void hakmem_cache_alloc_keeps_recycled_pages_constructed(struct kunit *test)
{
	const size_t size = sizeof(struct hakmem_test_gen_obj);
	struct hakmem_test_gen_obj *o;
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	size_t i, n, kept;
	int fresh;
	void **p;

	WRITE_ONCE(hakmem_test_gen_magic, get_random_u32() | 1);
	atomic_set(&hakmem_test_gen_ctor_calls, 0);
	atomic_set(&hakmem_test_gen_rebuilt, 0);
	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_ctor_recycle", size, 0,
				    SLAB_TYPESAFE_BY_RCU, hakmem_test_gen_ctor,
				    hakmem_test_mode(test));
	n = 8 * hakmem_test_objs_per_slab(s);
	p = hakmem_test_ptrs(test, n);

	for (i = 0; i < n; i++) {
		o = hakmem_cache_alloc(s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o);
		o->gen = 7;	/* the contents stay constructed */
		p[i] = o;
	}
	hakmem_test_snap(s, &st);
	hakmem_test_free_n(s, p, n);
	/* not vacuous: the frees emptied pages back into the segment */
	KUNIT_ASSERT_GE(test, hakmem_test_delta(s, &st, HAKMEM_SLAB_FREE), 1);

	fresh = atomic_read(&hakmem_test_gen_ctor_calls);
	for (i = 0; i < n; i++) {
		p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	/* ... and the allocations carved emptied pages again */
	KUNIT_ASSERT_GE(test, hakmem_test_delta(s, &st, HAKMEM_SLAB_ALLOC), 1);
	KUNIT_ASSERT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_SEGMENT_FREE),
			0);
	fresh = atomic_read(&hakmem_test_gen_ctor_calls) - fresh;
	kept = 0;
	for (i = 0; i < n; i++) {
		o = p[i];
		KUNIT_EXPECT_EQ(test, o->magic, hakmem_test_gen_magic);
		if (o->gen == 7)
			kept++;
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&hakmem_test_gen_rebuilt), 0);
	/*
	 * The others were carved into the per-CPU stack by a refill and not
	 * handed out before (one refill batch at most, half a stack of
	 * HK_STACK_MAX = 256), or are fresh: carved now from pages never
	 * used before, in this or a new segment.
	 */
	KUNIT_EXPECT_LE(test, (long)n - (long)kept, (long)fresh + 128);
	hakmem_test_free_n(s, p, n);
}

/*
 * A SLAB_TYPESAFE_BY_RCU object may be read after it was freed, within an
 * RCU read-side section, and is still an object of the same type.
 */
static void hakmem_cache_free_keeps_typesafe_by_rcu_memory(struct kunit *test)
{
	struct hakmem_cache *s;
	const unsigned int size = 128;
	u8 *p;

	s = hakmem_test_create_ctor(test, "hakmem_test_rcu", size,
				    SLAB_TYPESAFE_BY_RCU,
				    hakmem_test_mode(test));
	p = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	rcu_read_lock();
	hakmem_cache_free(s, p);
	KUNIT_EXPECT_TRUE(test, hakmem_test_constructed(p, size));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_exercise(test, s);
}

static void hakmem_cache_alloc_works_with_debug_flags(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t n = 200;
	size_t i;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_debug", 100, 0,
				    SLAB_POISON | SLAB_RED_ZONE |
				    SLAB_STORE_USER, NULL,
				    hakmem_test_mode(test));
	p = hakmem_test_ptrs(test, n);
	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	for (i = 0; i < n; i += 2) {
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	for (i = 1; i < n; i += 2)
		KUNIT_EXPECT_TRUE(test, hakmem_test_check(p[i], 100, i));
	hakmem_test_free_n(s, p, n);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_exercise(test, s);
}

static struct kunit_case hakmem_flags_cases[] = {
	KUNIT_CASE(hakmem_cache_create_rejects_zero_size),
	KUNIT_CASE(hakmem_cache_create_rejects_oversize),
	KUNIT_CASE(hakmem_cache_create_rejects_bad_align),
	KUNIT_CASE(hakmem_cache_create_rejects_unsupported_flags),
	KUNIT_CASE(hakmem_cache_create_accepts_supported_flags),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_honours_align,
			 hakmem_test_align_gen_params),
	KUNIT_CASE(hakmem_cache_alloc_honours_hwcache_align),
	KUNIT_CASE(hakmem_cache_alloc_aligns_to_pointer_size),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_zeroes_with_gfp_zero,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_zeroes_with_init_on_alloc,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_zeroes_with_init_on_free,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_ctor_runs_once_per_carved_object,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_returns_constructed_objects,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_keeps_recycled_pages_constructed,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_keeps_typesafe_by_rcu_memory,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_works_with_debug_flags,
			 hakmem_test_mode_gen_params),
	{}
};

static struct kunit_suite hakmem_flags_suite = {
	.name = "hakmem_slab_flags",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_flags_cases,
};

/* ------------------------------------------------------------------------
 * hakmem_slab_kmalloc: the kmalloc() front end
 */

/*
 * Allocate @size bytes and check the usable size, the alignment and that
 * all of it can be written.  Return false (after reporting) on a failure.
 */
static bool hakmem_test_kmalloc_one(struct kunit *test, size_t size,
				    gfp_t gfp)
{
	struct hakmem_cache *c = NULL;
	bool ok = true;
	size_t ks;
	u8 *p;

	if (size <= HAKMEM_KMALLOC_MAX_CACHE_SIZE)
		c = hakmem_kmalloc_cache(size);
	p = hakmem_kmalloc(size, gfp);
	if (!p) {
		KUNIT_FAIL(test, "hakmem_kmalloc(%zu) failed", size);
		return false;
	}
	ks = hakmem_ksize(p);
	if (ks < size) {
		KUNIT_FAIL(test, "size %zu: ksize %zu", size, ks);
		ok = false;
	}
	if (c && ks != hakmem_cache_size(c)) {
		KUNIT_FAIL(test, "size %zu: ksize %zu, size class %u", size,
			   ks, hakmem_cache_size(c));
		ok = false;
	}
	if (!c && (ks > PAGE_SIZE << get_order(size) || ks % PAGE_SIZE)) {
		KUNIT_FAIL(test, "size %zu: ksize %zu of a large allocation",
			   size, ks);
		ok = false;
	}
	if (!IS_ALIGNED((unsigned long)p, ARCH_KMALLOC_MINALIGN)) {
		KUNIT_FAIL(test, "size %zu: %p not aligned to %u", size, p,
			   (unsigned int)ARCH_KMALLOC_MINALIGN);
		ok = false;
	}
	if (ok) {
		/* KASAN reports any byte beyond what ksize() allows */
		memset(p, 0x5a, ks);
		if (memchr_inv(p, 0x5a, ks)) {
			KUNIT_FAIL(test, "size %zu: contents lost", size);
			ok = false;
		}
	}
	hakmem_kfree(p);
	return ok;
}

static void hakmem_kmalloc_returns_zero_size_ptr_for_zero(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, hakmem_kmalloc(0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, hakmem_kmalloc(0, GFP_ATOMIC | __GFP_ZERO),
			    (void *)ZERO_SIZE_PTR);
	hakmem_kfree(ZERO_SIZE_PTR);
}

static void hakmem_kfree_ignores_null_and_zero_size_ptr(struct kunit *test)
{
	hakmem_kfree(NULL);
	hakmem_kfree(ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, hakmem_ksize(NULL), 0);
	KUNIT_EXPECT_EQ(test, hakmem_ksize(ZERO_SIZE_PTR), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 0);
}

static void hakmem_kmalloc_fits_small_sizes(struct kunit *test)
{
	size_t size;

	for (size = 1; size <= 256; size++)
		if (!hakmem_test_kmalloc_one(test, size, GFP_KERNEL))
			break;
}

static void hakmem_kmalloc_fits_class_sizes(struct kunit *test)
{
	size_t size, step;

	for (size = 257; size <= HAKMEM_KMALLOC_MAX_CACHE_SIZE; size += step) {
		if (!hakmem_test_kmalloc_one(test, size, GFP_KERNEL))
			return;
		step = size < 1024 ? 7 : 61;
	}
	/* both sides of every power of two */
	for (size = 256; size <= HAKMEM_KMALLOC_MAX_CACHE_SIZE; size *= 2) {
		if (!hakmem_test_kmalloc_one(test, size - 1, GFP_ATOMIC) ||
		    !hakmem_test_kmalloc_one(test, size, GFP_KERNEL) ||
		    (size < HAKMEM_KMALLOC_MAX_CACHE_SIZE &&
		     !hakmem_test_kmalloc_one(test, size + 1, GFP_KERNEL)))
			return;
	}
}

static void hakmem_kmalloc_uses_page_allocator_above_max(struct kunit *test)
{
	static const size_t sizes[] = {
		HAKMEM_KMALLOC_MAX_CACHE_SIZE + 1, 12 * 1024, 16 * 1024,
		16 * 1024 + 1, 100 * 1024, 1024 * 1024,
	};
	struct hakmem_cache *last;
	unsigned long inuse;
	size_t i;

	last = hakmem_kmalloc_cache(HAKMEM_KMALLOC_MAX_CACHE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, last);
	inuse = hakmem_test_inuse(last);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = hakmem_kmalloc(sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, hakmem_test_inuse(last), inuse);
		hakmem_kfree(p);
		KUNIT_EXPECT_TRUE(test, hakmem_test_kmalloc_one(test, sizes[i],
								GFP_KERNEL));
	}
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(last), inuse);
}

/* __GFP_ZERO zeroes all ksize() bytes, for size classes and large sizes. */
static void hakmem_kmalloc_zeroes_with_gfp_zero(struct kunit *test)
{
	static const size_t sizes[] = {
		1, 8, 13, 100, 256, 1000, 4096, HAKMEM_KMALLOC_MAX_CACHE_SIZE,
		16 * 1024, 100 * 1024,
	};
	const size_t n = 8;
	size_t i, j, bad;
	void *p[8];

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < n; j++) {
			p[j] = hakmem_kmalloc(sizes[i], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p[j]);
			memset(p[j], HAKMEM_TEST_DIRTY_BYTE,
			       hakmem_ksize(p[j]));
		}
		for (j = 0; j < n; j++)
			hakmem_kfree(p[j]);
		bad = 0;
		for (j = 0; j < n; j++) {
			p[j] = hakmem_kmalloc(sizes[i],
					      GFP_KERNEL | __GFP_ZERO);
			KUNIT_ASSERT_NOT_NULL(test, p[j]);
			if (!hakmem_test_is_zero(p[j], hakmem_ksize(p[j])))
				bad++;
		}
		for (j = 0; j < n; j++)
			hakmem_kfree(p[j]);
		KUNIT_EXPECT_EQ_MSG(test, bad, 0, "size %zu", sizes[i]);
	}
}

static void hakmem_kmalloc_cache_covers_size(struct kunit *test)
{
	struct hakmem_cache *c, *prev = NULL;
	size_t size;

	KUNIT_EXPECT_NULL(test, hakmem_kmalloc_cache(0));
	KUNIT_EXPECT_NULL(test,
			  hakmem_kmalloc_cache(HAKMEM_KMALLOC_MAX_CACHE_SIZE +
					       1));
	for (size = 1; size <= HAKMEM_KMALLOC_MAX_CACHE_SIZE; size++) {
		c = hakmem_kmalloc_cache(size);
		if (!c || hakmem_cache_size(c) < size) {
			KUNIT_FAIL(test, "size %zu: class %p of %u bytes",
				   size, c, c ? hakmem_cache_size(c) : 0);
			return;
		}
		if (prev && hakmem_cache_size(c) < hakmem_cache_size(prev)) {
			KUNIT_FAIL(test, "size %zu: classes not ordered", size);
			return;
		}
		prev = c;
	}
	KUNIT_EXPECT_GE(test, hakmem_cache_size(prev),
			HAKMEM_KMALLOC_MAX_CACHE_SIZE);
}

static void hakmem_kmalloc_takes_object_from_size_class(struct kunit *test)
{
	static const size_t sizes[] = {
		1, 8, 9, 64, 96, 100, 192, 256, 700, 1024, 2000, 4096,
		HAKMEM_KMALLOC_MAX_CACHE_SIZE,
	};
	struct hakmem_cache *c;
	unsigned long inuse;
	size_t i;
	void *p;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		c = hakmem_kmalloc_cache(sizes[i]);
		KUNIT_ASSERT_NOT_NULL(test, c);
		inuse = hakmem_test_inuse(c);
		p = hakmem_kmalloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ_MSG(test, hakmem_test_inuse(c), inuse + 1,
				    "size %zu", sizes[i]);
		KUNIT_EXPECT_EQ(test, hakmem_ksize(p), hakmem_cache_size(c));
		hakmem_kfree(p);
		KUNIT_EXPECT_EQ(test, hakmem_test_inuse(c), inuse);
	}
}

static void hakmem_kmalloc_cache_validates_after_use(struct kunit *test)
{
	struct hakmem_test_classes *k = hakmem_test_snap_classes(test);
	unsigned int i;

	for (i = 0; i < k->nr; i++)
		KUNIT_EXPECT_TRUE(test,
				  hakmem_test_kmalloc_one(test,
							  hakmem_cache_size(k->c[i]),
							  GFP_KERNEL));
	hakmem_test_expect_classes(test, k);
}

static struct kunit_case hakmem_kmalloc_cases[] = {
	KUNIT_CASE(hakmem_kmalloc_returns_zero_size_ptr_for_zero),
	KUNIT_CASE(hakmem_kfree_ignores_null_and_zero_size_ptr),
	KUNIT_CASE(hakmem_kmalloc_fits_small_sizes),
	KUNIT_CASE(hakmem_kmalloc_fits_class_sizes),
	KUNIT_CASE(hakmem_kmalloc_uses_page_allocator_above_max),
	KUNIT_CASE(hakmem_kmalloc_zeroes_with_gfp_zero),
	KUNIT_CASE(hakmem_kmalloc_cache_covers_size),
	KUNIT_CASE(hakmem_kmalloc_takes_object_from_size_class),
	KUNIT_CASE(hakmem_kmalloc_cache_validates_after_use),
	{}
};

static struct kunit_suite hakmem_kmalloc_suite = {
	.name = "hakmem_slab_kmalloc",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_kmalloc_cases,
};

/* ------------------------------------------------------------------------
 * hakmem_slab_bulk: hakmem_cache_alloc_bulk() and hakmem_cache_free_bulk()
 */

static const unsigned int hakmem_test_bulk_nrs[] = { 1, 7, 64, 513, 4000 };

static void hakmem_test_bulk_desc(const unsigned int *nr, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u objects", *nr);
}

KUNIT_ARRAY_PARAM(hakmem_test_bulk, hakmem_test_bulk_nrs,
		  hakmem_test_bulk_desc);

static void hakmem_cache_alloc_bulk_returns_distinct_objects(struct kunit *test)
{
	unsigned int nr = *(const unsigned int *)test->param_value;
	struct hakmem_cache *s;
	size_t i, nulls = 0;
	void **p;

	s = hakmem_test_create(test, "hakmem_test_bulk", 128, 0, 0, NULL);
	p = hakmem_test_ptrs(test, nr);
	KUNIT_ASSERT_EQ(test, hakmem_cache_alloc_bulk(s, GFP_KERNEL, nr, p),
			nr);
	for (i = 0; i < nr; i++)
		if (!p[i])
			nulls++;
	KUNIT_ASSERT_EQ(test, nulls, 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), nr);
	for (i = 0; i < nr; i++)
		hakmem_test_fill(p[i], 128, i);
	hakmem_test_check_all(test, p, nr, 128);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_expect_disjoint(test, p, nr, 128);
	hakmem_cache_free_bulk(s, nr, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

static void hakmem_cache_free_bulk_skips_null_entries(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t nr = 100;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_bulk_null", 64, 0, 0,
				    NULL, hakmem_test_mode(test));
	p = hakmem_test_ptrs(test, nr);
	KUNIT_ASSERT_EQ(test, hakmem_cache_alloc_bulk(s, GFP_KERNEL, nr, p),
			nr);
	hakmem_cache_free(s, p[0]);
	hakmem_cache_free(s, p[50]);
	hakmem_cache_free(s, p[nr - 1]);
	p[0] = NULL;
	p[50] = NULL;
	p[nr - 1] = NULL;
	hakmem_cache_free_bulk(s, nr, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);

	/* an array of nothing but NULL */
	memset(p, 0, nr * sizeof(*p));
	hakmem_cache_free_bulk(s, nr, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	hakmem_test_exercise(test, s);
}

static void hakmem_cache_alloc_bulk_zeroes_with_gfp_zero(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t nr = 200;
	size_t i, bad = 0;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_bulk_zero", 300, 0, 0,
				    NULL, hakmem_test_mode(test));
	p = hakmem_test_ptrs(test, nr);
	KUNIT_ASSERT_EQ(test, hakmem_cache_alloc_bulk(s, GFP_KERNEL, nr, p),
			nr);
	for (i = 0; i < nr; i++)
		memset(p[i], HAKMEM_TEST_DIRTY_BYTE, 300);
	hakmem_cache_free_bulk(s, nr, p);
	KUNIT_ASSERT_EQ(test, hakmem_cache_alloc_bulk(s, GFP_KERNEL |
						      __GFP_ZERO, nr, p), nr);
	for (i = 0; i < nr; i++)
		if (!hakmem_test_is_zero(p[i], 300))
			bad++;
	KUNIT_EXPECT_EQ(test, bad, 0);
	hakmem_cache_free_bulk(s, nr, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

static void hakmem_cache_alloc_bulk_returns_constructed_objects(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t nr = 300;
	size_t i, round, bad;
	void **p;

	s = hakmem_test_create_ctor(test, "hakmem_test_bulk_ctor", 80, 0,
				    hakmem_test_mode(test));
	p = hakmem_test_ptrs(test, nr);
	for (round = 0; round < 2; round++) {
		KUNIT_ASSERT_EQ(test, hakmem_cache_alloc_bulk(s, GFP_KERNEL,
							      nr, p), nr);
		bad = 0;
		for (i = 0; i < nr; i++)
			if (!hakmem_test_constructed(p[i], 80))
				bad++;
		KUNIT_EXPECT_EQ_MSG(test, bad, 0, "round %zu", round);
		hakmem_cache_free_bulk(s, nr, p);
	}
	KUNIT_EXPECT_GE(test, atomic_read(&hakmem_test_ctor_calls), nr);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

static void hakmem_cache_free_bulk_mixes_with_single_calls(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t nr = 256;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_bulk_mix", 48, 0, 0,
				    NULL, hakmem_test_mode(test));
	p = hakmem_test_ptrs(test, nr);

	/* single allocations, one bulk free */
	hakmem_test_alloc_n(test, s, p, nr, GFP_KERNEL);
	hakmem_cache_free_bulk(s, nr, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);

	/* one bulk allocation, single frees */
	KUNIT_ASSERT_EQ(test, hakmem_cache_alloc_bulk(s, GFP_ATOMIC, nr, p),
			nr);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), nr);
	hakmem_test_free_n(s, p, nr);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/* A bulk larger than two segments gets its objects from new segments. */
static void hakmem_cache_alloc_bulk_spans_segments(struct kunit *test)
{
	struct hakmem_cache *s;
	size_t i, nr;
	void **p;

	s = hakmem_test_create(test, "hakmem_test_bulk_seg", 1024, 0, 0,
			       NULL);
	nr = 2 * hakmem_test_objs_per_segment(s) + 17;
	p = hakmem_test_ptrs(test, nr);
	KUNIT_ASSERT_EQ(test, hakmem_cache_alloc_bulk(s, GFP_KERNEL, nr, p),
			nr);
	KUNIT_EXPECT_GE(test, hakmem_test_info(s).segments, 3);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), nr);
	for (i = 0; i < nr; i++)
		hakmem_test_fill(p[i], 1024, i);
	hakmem_test_check_all(test, p, nr, 1024);
	hakmem_test_expect_disjoint(test, p, nr, 1024);
	hakmem_cache_free_bulk(s, nr, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_shrink(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0);
}

static struct kunit_case hakmem_bulk_cases[] = {
	KUNIT_CASE_PARAM(hakmem_cache_alloc_bulk_returns_distinct_objects,
			 hakmem_test_bulk_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_bulk_skips_null_entries,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_bulk_zeroes_with_gfp_zero,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_bulk_returns_constructed_objects,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_bulk_mixes_with_single_calls,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_cache_alloc_bulk_spans_segments),
	{}
};

static struct kunit_suite hakmem_bulk_suite = {
	.name = "hakmem_slab_bulk",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_bulk_cases,
};

/* ------------------------------------------------------------------------
 * hakmem_slab_errors: bad frees are reported, counted and ignored
 *
 * Each case checks that the bad call did not crash, made exactly one report
 * and moved exactly the right counter by one, did not free anything, did
 * not touch the memory it was given, and that the cache still works.
 */

/*
 * Free @ptr (not an object of @s) to @s and check that it is reported as
 * @item, that the @size bytes at @ptr are untouched and that nothing was
 * freed.
 */
static void hakmem_test_bad_free(struct kunit *test, struct hakmem_cache *s,
				 void *ptr, size_t size,
				 enum hakmem_stat_item item)
{
	unsigned long inuse = hakmem_test_inuse(s);
	struct hakmem_test_stats st;

	hakmem_test_fill(ptr, size, 0xbad);
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, ptr);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, item);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_FREE_FAST) +
			hakmem_test_delta(s, &st, HAKMEM_FREE_SLOW), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), inuse);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(ptr, size, 0xbad));
}

static void hakmem_cache_free_reports_kmalloc_pointer(struct kunit *test)
{
	struct hakmem_cache *s;
	void *obj, *foreign;

	s = hakmem_test_create_mode(test, "hakmem_test_err_kmalloc", 256, 0,
				    0, NULL, hakmem_test_mode(test));
	obj = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	foreign = kunit_kmalloc(test, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, foreign);

	hakmem_test_bad_free(test, s, foreign, 256, HAKMEM_ERR_INVALID);
	hakmem_cache_free(s, obj);
	hakmem_test_exercise(test, s);
}

/* A stack buffer of the caller's frame, so the compiler keeps it there. */
static noinline void hakmem_test_free_stack(struct kunit *test,
					    struct hakmem_cache *s)
{
	u64 buf[16];

	hakmem_test_bad_free(test, s, &buf[4], 64, HAKMEM_ERR_INVALID);
}

static void hakmem_cache_free_reports_stack_pointer(struct kunit *test)
{
	struct hakmem_cache *s;
	void *obj;

	s = hakmem_test_create_mode(test, "hakmem_test_err_stack", 64, 0, 0,
				    NULL, hakmem_test_mode(test));
	obj = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	hakmem_test_free_stack(test, s);
	hakmem_cache_free(s, obj);
	hakmem_test_exercise(test, s);
}

static void hakmem_test_vfree_action(void *p)
{
	vfree(p);
}

static void hakmem_cache_free_reports_vmalloc_pointer(struct kunit *test)
{
	struct hakmem_cache *s;
	void *obj, *v;

	s = hakmem_test_create_mode(test, "hakmem_test_err_vmalloc", 128, 0,
				    0, NULL, hakmem_test_mode(test));
	obj = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	v = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, v);
	hakmem_test_add_action(test, hakmem_test_vfree_action, v);

	hakmem_test_bad_free(test, s, v, PAGE_SIZE, HAKMEM_ERR_INVALID);
	hakmem_test_bad_free(test, s, v + 256, 256, HAKMEM_ERR_INVALID);
	hakmem_cache_free(s, obj);
	hakmem_test_exercise(test, s);
}

/* A pointer into a hakmem_kmalloc() allocation from the page allocator. */
static void hakmem_cache_free_reports_large_kmalloc_pointer(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *obj, *big;

	s = hakmem_test_create(test, "hakmem_test_err_large", 128, 0, 0,
			       NULL);
	obj = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	big = hakmem_kmalloc(16 * 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);

	hakmem_test_fill(big, 16 * 1024, 1);
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, big);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	/* not an object of any cache: invalid or wrong cache, once */
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_ERR_INVALID) +
			hakmem_test_delta(s, &st, HAKMEM_ERR_WRONG_CACHE), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_errors_total(s), 1);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(big, 16 * 1024, 1));
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1);
	hakmem_kfree(big);
	hakmem_cache_free(s, obj);
	hakmem_test_exercise(test, s);
}

static void hakmem_cache_free_reports_interior_pointer(struct kunit *test)
{
	static const unsigned int offsets[] = { 8, 16, 100, 248 };
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	size_t i;
	u8 *obj;

	s = hakmem_test_create_mode(test, "hakmem_test_err_interior", 256, 0,
				    0, NULL, hakmem_test_mode(test));
	obj = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	hakmem_test_fill(obj, 256, 7);

	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		hakmem_test_snap(s, &st);
		hakmem_cache_free(s, obj + offsets[i]);
		KUNIT_EXPECT_EQ_MSG(test, hakmem_test_take_reports(), 1,
				    "offset %u", offsets[i]);
		hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_HEADER);
		KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1);
		KUNIT_EXPECT_TRUE(test, hakmem_test_check(obj, 256, 7));
	}

	/* the object is still live and is freed once, without complaint */
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, obj);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_NR_STATS);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	hakmem_test_exercise(test, s);
}

static void hakmem_test_wrong_cache(struct kunit *test, unsigned int size_b)
{
	enum hakmem_header_mode mode = hakmem_test_mode(test);
	struct hakmem_test_stats sta, stb;
	struct hakmem_cache *a, *b;
	void *obj, *other;

	a = hakmem_test_create_mode(test, "hakmem_test_err_cache_a", 128, 0,
				    0, NULL, mode);
	b = hakmem_test_create_mode(test, "hakmem_test_err_cache_b", size_b,
				    0, 0, NULL, mode);
	obj = hakmem_cache_alloc(a, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	other = hakmem_cache_alloc(b, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, other);
	hakmem_test_fill(obj, 128, 3);

	hakmem_test_snap(a, &sta);
	hakmem_test_snap(b, &stb);
	hakmem_cache_free(b, obj);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, b, &stb, HAKMEM_ERR_WRONG_CACHE);
	hakmem_test_expect_errors(test, a, &sta, HAKMEM_NR_STATS);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(a), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(b), 1);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(obj, 128, 3));

	/* the object still belongs to a */
	hakmem_cache_free(a, obj);
	hakmem_test_expect_errors(test, a, &sta, HAKMEM_NR_STATS);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(a), 0);
	hakmem_cache_free(b, other);
	hakmem_test_exercise(test, a);
	hakmem_test_exercise(test, b);
}

static void hakmem_cache_free_reports_wrong_cache(struct kunit *test)
{
	hakmem_test_wrong_cache(test, 128);
}

static void hakmem_cache_free_reports_wrong_cache_size(struct kunit *test)
{
	hakmem_test_wrong_cache(test, 512);
}

/* free a; free a */
static void hakmem_cache_free_reports_immediate_double_free(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *a, *b;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_err_double", 64, 0, 0,
				    NULL, hakmem_test_mode(test));
	a = hakmem_cache_alloc(s, GFP_KERNEL);
	b = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	hakmem_cache_free(s, a);
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, a);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1);
	hakmem_cache_free(s, b);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	/* a is handed out once only */
	hakmem_test_exercise(test, s);
}

/* In HAKMEM_HEADER_FULL mode every double free is caught. */
static void hakmem_cache_free_reports_any_double_free_in_full_mode(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	const size_t n = 1000;
	void *a, *b;
	size_t i;
	void **p;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_err_double_full", 64, 0,
				    0, NULL, HAKMEM_HEADER_FULL);
	p = hakmem_test_ptrs(test, n);

	/* alloc a, b; free a; free b; free a */
	a = hakmem_cache_alloc(s, GFP_KERNEL);
	b = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	hakmem_cache_free(s, a);
	hakmem_cache_free(s, b);
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, a);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	hakmem_test_exercise(test, s);

	/*
	 * And once many other frees have flushed a out of the per-CPU stack
	 * to its page (which keeps objects in use: every other one is).
	 */
	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	a = p[n / 2 + 1];
	for (i = 1; i < n; i += 2) {
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, a);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), n / 2);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_free_n(s, p, n);
	hakmem_test_exercise(test, s);
}

/*
 * A free of an object of the heap's older segment goes straight to its page
 * once the per-CPU stack is half full.  A light-mode double free of such an
 * object, after its whole page came back, is caught there: reported, and
 * not counted as a free.
 */
static void hakmem_cache_free_rejects_late_double_free_of_older_segment(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache_info info;
	unsigned long seg_size, page_mask, inuse;
	struct hakmem_cache *s;
	size_t i, n, max, first_new = 0;
	void **p;
	void *a;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_err_double_old", 64,
				    0, 0, NULL, HAKMEM_HEADER_LIGHT);
	info = hakmem_test_info(s);
	page_mask = ~((PAGE_SIZE << info.slab_order) - 1);
	max = 3 * (PAGE_SIZE << info.segment_order) / info.size;
	p = hakmem_test_ptrs(test, max);

	/* fill the first segment, then 300 objects of a second one */
	for (n = 0; n < max; n++) {
		p[n] = hakmem_cache_alloc(s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[n]);
		if (!first_new &&
		    hakmem_test_seg_base(p[n], &seg_size) !=
		    hakmem_test_seg_base(p[0], &seg_size))
			first_new = n;
		if (first_new && n == first_new + 300)
			break;
	}
	KUNIT_ASSERT_NE(test, first_new, 0);
	KUNIT_ASSERT_LT(test, n, max);
	n++;

	/* half fill the per-CPU stack with objects of the new segment */
	for (i = first_new; i < first_new + 200; i++) {
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	/* give a's whole page back: each free goes straight to it */
	a = p[0];
	for (i = 0; i < first_new; i++) {
		if (((unsigned long)p[i] & page_mask) !=
		    ((unsigned long)a & page_mask))
			continue;
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 0);

	inuse = hakmem_test_inuse(s);
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, a);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_FREE_FAST) +
			hakmem_test_delta(s, &st, HAKMEM_FREE_SLOW), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), inuse);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_free_n(s, p, n);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

/*
 * In HAKMEM_HEADER_FULL mode, a double free of an object whose page has
 * become empty (and was given back to its segment, which other objects keep)
 * is a double free too.
 */
static void hakmem_cache_free_reports_double_free_on_empty_page(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	unsigned int shift;
	size_t i, n;
	void **p;
	void *a;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_err_double_page", 64,
				    0, 0, NULL, HAKMEM_HEADER_FULL);
	shift = PAGE_SHIFT + hakmem_test_info(s).slab_order;
	n = 4 * hakmem_test_objs_per_slab(s);
	p = hakmem_test_ptrs(test, n);
	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);

	/* free all objects of a's page, and flush them to it */
	a = p[0];
	for (i = 0; i < n; i++) {
		if ((unsigned long)p[i] >> shift != (unsigned long)a >> shift)
			continue;
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	KUNIT_EXPECT_GE(test, hakmem_test_info(s).segments, 1);

	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, a);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_free_n(s, p, n);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	hakmem_test_exercise(test, s);
}

/*
 * Destroying a cache with live objects reports them once and keeps their
 * memory: the leaked objects stay usable (KASAN would catch it otherwise)
 * and are leaked on purpose.
 */
static void hakmem_cache_destroy_reports_leaked_objects(struct kunit *test)
{
	enum hakmem_header_mode mode = hakmem_test_mode(test);
	struct hakmem_cache *s;
	const size_t n = 10;
	size_t i;
	void **p;

	p = hakmem_test_ptrs(test, n);
	s = hakmem_cache_create_mode(mode == HAKMEM_HEADER_FULL ?
				     "hakmem_test_leak_full" :
				     "hakmem_test_leak_light",
				     200, 0, 0, NULL, mode);
	KUNIT_ASSERT_NOT_NULL(test, s);
	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	for (i = 0; i < n; i += 2)
		hakmem_cache_free(s, p[i]);

	hakmem_cache_destroy(s);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	for (i = 1; i < n; i += 2) {
		KUNIT_EXPECT_TRUE(test, hakmem_test_check(p[i], 200, i));
		hakmem_test_fill(p[i], 200, i + 1000);
		KUNIT_EXPECT_TRUE(test, hakmem_test_check(p[i], 200, i + 1000));
	}
}

static noinline void hakmem_test_kfree_stack(struct kunit *test)
{
	u64 buf[16];

	hakmem_test_fill(&buf[4], 64, 5);
	hakmem_kfree(&buf[4]);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(&buf[4], 64, 5));
}

/* The report of hakmem_kfree() is counted on the global statistics. */
static void hakmem_kfree_reports_foreign_pointer(struct kunit *test)
{
	void *foreign, *v;

	foreign = kunit_kmalloc(test, 128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	hakmem_test_fill(foreign, 128, 1);
	hakmem_kfree(foreign);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(foreign, 128, 1));

	v = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, v);
	hakmem_test_add_action(test, hakmem_test_vfree_action, v);
	hakmem_test_fill(v, PAGE_SIZE, 2);
	hakmem_kfree(v);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(v, PAGE_SIZE, 2));

	hakmem_test_kfree_stack(test);
	KUNIT_EXPECT_TRUE(test, hakmem_test_kmalloc_one(test, 128,
							GFP_KERNEL));
}

static void hakmem_ksize_returns_zero_for_foreign_pointer(struct kunit *test)
{
	void *foreign = kunit_kmalloc(test, 128, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, foreign);
	KUNIT_EXPECT_EQ(test, hakmem_ksize(foreign), 0);
	/* whether that is reported is not specified */
	hakmem_test_take_reports();
}

static void hakmem_kfree_reports_interior_pointer(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *c;
	u8 *p;

	c = hakmem_kmalloc_cache(256);
	KUNIT_ASSERT_NOT_NULL(test, c);
	p = hakmem_kmalloc(256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hakmem_test_fill(p, 256, 9);
	hakmem_test_snap(c, &st);
	hakmem_kfree(p + 16);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, c, &st, HAKMEM_ERR_HEADER);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(p, 256, 9));
	KUNIT_EXPECT_EQ(test, hakmem_ksize(p), hakmem_cache_size(c));
	hakmem_kfree(p);
	hakmem_test_expect_errors(test, c, &st, HAKMEM_ERR_HEADER);
}

static void hakmem_kfree_reports_double_free(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *c;
	unsigned long inuse;
	void *p;

	hakmem_test_pin_cpu(test);
	c = hakmem_kmalloc_cache(128);
	KUNIT_ASSERT_NOT_NULL(test, c);
	inuse = hakmem_test_inuse(c);
	p = hakmem_kmalloc(128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hakmem_kfree(p);
	hakmem_test_snap(c, &st);
	hakmem_kfree(p);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, c, &st, HAKMEM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(c), inuse);
	hakmem_test_exercise(test, c);
}

/*
 * hakmem_kfree() remembers the segments it proved; once the segment is
 * given back, a free of a pointer into it must be looked up again and
 * reported, even while its memory still holds a valid-looking header.
 */
static void hakmem_kfree_reports_pointer_into_freed_segment(struct kunit *test)
{
	struct hakmem_cache *s;
	void *p;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create(test, "hakmem_test_err_seg_gone", 128, 0, 0,
			       NULL);
	p = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hakmem_kfree(p);	/* proves the segment */
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	hakmem_cache_shrink(s);
	KUNIT_ASSERT_EQ(test, hakmem_test_info(s).segments, 0);
	hakmem_kfree(p);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	hakmem_test_exercise(test, s);
}

static struct kunit_case hakmem_errors_cases[] = {
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_kmalloc_pointer,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_stack_pointer,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_vmalloc_pointer,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_cache_free_reports_large_kmalloc_pointer),
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_interior_pointer,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_wrong_cache,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_wrong_cache_size,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_reports_immediate_double_free,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_cache_free_reports_any_double_free_in_full_mode),
	KUNIT_CASE(hakmem_cache_free_reports_double_free_on_empty_page),
	KUNIT_CASE(hakmem_cache_free_rejects_late_double_free_of_older_segment),
	KUNIT_CASE_PARAM(hakmem_cache_destroy_reports_leaked_objects,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_kfree_reports_foreign_pointer),
	KUNIT_CASE(hakmem_ksize_returns_zero_for_foreign_pointer),
	KUNIT_CASE(hakmem_kfree_reports_interior_pointer),
	KUNIT_CASE(hakmem_kfree_reports_double_free),
	KUNIT_CASE(hakmem_kfree_reports_pointer_into_freed_segment),
	{}
};

static struct kunit_suite hakmem_errors_suite = {
	.name = "hakmem_slab_errors",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_errors_cases,
};

/* ------------------------------------------------------------------------
 * hakmem_slab_irq: allocation and free from interrupts, re-entering the
 * cache process context is using
 *
 * A timer callback (hardirq for the hrtimer, softirq for the timer_list)
 * allocates with GFP_ATOMIC and frees objects of the same cache while
 * process context loops over allocations and frees of its own.  Process
 * context also hands objects over to the callback to be freed there.  Every
 * object carries a stamp unique to its owner, so an object handed out twice
 * shows up as a broken stamp.  In UML the timers may fire at about HZ
 * rate, so the loop runs until enough callbacks and process loops ran, with
 * a generous time cap for a loaded host; only the number of callbacks is
 * checked, never the time.
 *
 * The suite also checks the other side of context: that an allocation
 * takes a pending reschedule where SLUB's would.
 */

#define HAKMEM_TEST_IRQ_HELD		8
#define HAKMEM_TEST_IRQ_BURST		4
#define HAKMEM_TEST_IRQ_PERIOD_NS	(100 * NSEC_PER_USEC)
#define HAKMEM_TEST_HARDIRQ_RUNS	250	/* stop after that many */
#define HAKMEM_TEST_SOFTIRQ_RUNS	150	/* (one a tick at most) */
#define HAKMEM_TEST_IRQ_MIN_RUNS	100	/* and check at least these */
#define HAKMEM_TEST_IRQ_LOOPS		2000	/* process loops, at least */
#define HAKMEM_TEST_IRQ_QUICK		4	/* quick rounds a loop */
#define HAKMEM_TEST_IRQ_SECONDS		10	/* unless this passed */
#define HAKMEM_TEST_IRQ_SEED		0x80000000U
#define HAKMEM_TEST_KEEP_SEED		0x40000000U
#define HAKMEM_TEST_HANDOFF_SEED	0x20000000U
#define HAKMEM_TEST_HANDOFF_SIZE	96

struct hakmem_test_irq {
	struct hrtimer hrtimer;
	struct timer_list timer;
	bool hardirq;			/* hrtimer, else timer_list */
	struct hakmem_cache *s;		/* NULL: use hakmem_kmalloc() */
	bool stop;
	unsigned long runs;
	unsigned long bad_context;
	unsigned long bad_pattern;
	unsigned long failed;
	void *held[HAKMEM_TEST_IRQ_HELD];
	u32 held_seed[HAKMEM_TEST_IRQ_HELD];
	void *handoff;
};

static const unsigned int hakmem_test_irq_kmalloc_sizes[] = {
	8, 40, 96, 192, 256, 640, 1024, 3000, HAKMEM_KMALLOC_MAX_CACHE_SIZE,
};

static unsigned int hakmem_test_irq_size(struct hakmem_test_irq *ctx,
					 u32 seed)
{
	if (ctx->s)
		return hakmem_cache_size(ctx->s);
	return hakmem_test_irq_kmalloc_sizes[seed %
		ARRAY_SIZE(hakmem_test_irq_kmalloc_sizes)];
}

/* The bytes stamped: all of the object, or (quick) its first 16. */
static unsigned int hakmem_test_irq_stamp(struct hakmem_test_irq *ctx,
					  u32 seed, bool quick)
{
	unsigned int size = hakmem_test_irq_size(ctx, seed);

	return quick ? min(size, 16U) : size;
}

/* Allocate and stamp an object; the seed also picks a kmalloc size. */
static void *__hakmem_test_irq_alloc(struct hakmem_test_irq *ctx, u32 seed,
				     gfp_t gfp, bool quick)
{
	void *obj;

	if (ctx->s)
		obj = hakmem_cache_alloc(ctx->s, gfp);
	else
		obj = hakmem_kmalloc(hakmem_test_irq_size(ctx, seed), gfp);
	if (obj)
		hakmem_test_fill(obj, hakmem_test_irq_stamp(ctx, seed, quick),
				 seed);
	return obj;
}

static void *hakmem_test_irq_alloc(struct hakmem_test_irq *ctx, u32 seed,
				   gfp_t gfp)
{
	return __hakmem_test_irq_alloc(ctx, seed, gfp, false);
}

/* Check the stamp and free; return false if the stamp was broken. */
static bool __hakmem_test_irq_free(struct hakmem_test_irq *ctx, void *obj,
				   u32 seed, bool quick)
{
	bool ok = hakmem_test_check(obj,
				    hakmem_test_irq_stamp(ctx, seed, quick),
				    seed);

	if (ctx->s)
		hakmem_cache_free(ctx->s, obj);
	else
		hakmem_kfree(obj);
	return ok;
}

static bool hakmem_test_irq_free(struct hakmem_test_irq *ctx, void *obj,
				 u32 seed)
{
	return __hakmem_test_irq_free(ctx, obj, seed, false);
}

static void *hakmem_test_handoff_alloc(struct hakmem_test_irq *ctx)
{
	void *obj;

	if (ctx->s)
		return hakmem_test_irq_alloc(ctx, HAKMEM_TEST_HANDOFF_SEED,
					     GFP_KERNEL);
	obj = hakmem_kmalloc(HAKMEM_TEST_HANDOFF_SIZE, GFP_KERNEL);
	if (obj)
		hakmem_test_fill(obj, HAKMEM_TEST_HANDOFF_SIZE,
				 HAKMEM_TEST_HANDOFF_SEED);
	return obj;
}

static bool hakmem_test_handoff_free(struct hakmem_test_irq *ctx, void *obj)
{
	bool ok;

	if (ctx->s)
		return hakmem_test_irq_free(ctx, obj,
					    HAKMEM_TEST_HANDOFF_SEED);
	ok = hakmem_test_check(obj, HAKMEM_TEST_HANDOFF_SIZE,
			       HAKMEM_TEST_HANDOFF_SEED);
	hakmem_kfree(obj);
	return ok;
}

/* One run of the interrupt side. */
static void hakmem_test_irq_step(struct hakmem_test_irq *ctx)
{
	unsigned long runs = ctx->runs;
	unsigned int slot = runs % HAKMEM_TEST_IRQ_HELD;
	void *burst[HAKMEM_TEST_IRQ_BURST];
	u32 seed = HAKMEM_TEST_IRQ_SEED | (u32)(runs * 8);
	unsigned int i;
	void *obj;

	/* the object this slot held since the last round */
	obj = ctx->held[slot];
	ctx->held[slot] = NULL;
	if (obj && !hakmem_test_irq_free(ctx, obj, ctx->held_seed[slot]))
		ctx->bad_pattern++;

	/* the object process context handed over */
	obj = xchg(&ctx->handoff, NULL);
	if (obj && !hakmem_test_handoff_free(ctx, obj))
		ctx->bad_pattern++;

	/*
	 * On PREEMPT_RT hardirq context may free but not allocate (nor may it
	 * with SLUB: the allocators take sleeping locks there); the timer
	 * and softirq cases allocate from the timer threads instead.
	 */
	if (IS_ENABLED(CONFIG_PREEMPT_RT) && in_hardirq()) {
		WRITE_ONCE(ctx->runs, runs + 1);
		return;
	}

	/* a burst allocated and freed within this interrupt */
	for (i = 0; i < HAKMEM_TEST_IRQ_BURST; i++) {
		burst[i] = hakmem_test_irq_alloc(ctx, seed + i, GFP_ATOMIC);
		if (!burst[i])
			ctx->failed++;
	}
	for (i = HAKMEM_TEST_IRQ_BURST; i-- > 0;)
		if (burst[i] && !hakmem_test_irq_free(ctx, burst[i], seed + i))
			ctx->bad_pattern++;

	/* and one kept until this slot comes round again */
	seed += HAKMEM_TEST_IRQ_BURST;
	obj = hakmem_test_irq_alloc(ctx, seed, GFP_ATOMIC);
	if (!obj)
		ctx->failed++;
	ctx->held[slot] = obj;
	ctx->held_seed[slot] = seed;

	WRITE_ONCE(ctx->runs, runs + 1);
}

static enum hrtimer_restart hakmem_test_hrtimer_fn(struct hrtimer *timer)
{
	struct hakmem_test_irq *ctx;

	ctx = container_of(timer, struct hakmem_test_irq, hrtimer);
	if (!in_hardirq())
		ctx->bad_context++;
	hakmem_test_irq_step(ctx);
	if (READ_ONCE(ctx->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(HAKMEM_TEST_IRQ_PERIOD_NS));
	return HRTIMER_RESTART;
}

static void hakmem_test_timer_fn(struct timer_list *timer)
{
	struct hakmem_test_irq *ctx = from_timer(ctx, timer, timer);

	if (!in_serving_softirq())
		ctx->bad_context++;
	hakmem_test_irq_step(ctx);
	if (!READ_ONCE(ctx->stop))
		mod_timer(&ctx->timer, jiffies);	/* the next tick */
}

static void hakmem_test_irq_stop(void *arg)
{
	struct hakmem_test_irq *ctx = arg;

	WRITE_ONCE(ctx->stop, true);
	if (ctx->hardirq)
		hrtimer_cancel(&ctx->hrtimer);
	else
		del_timer_sync(&ctx->timer);
}

static void hakmem_test_irq_run(struct kunit *test, struct hakmem_cache *s,
				bool hardirq)
{
	unsigned long runs = hardirq ? HAKMEM_TEST_HARDIRQ_RUNS :
				       HAKMEM_TEST_SOFTIRQ_RUNS;
	struct hakmem_test_classes *classes = NULL;
	const size_t nkeep = 64, nbatch = 16;
	unsigned long bad = 0, failed = 0;
	unsigned int i;
	struct hakmem_test_irq *ctx;
	unsigned long end, loops = 0;
	void **keep, **batch;
	unsigned int j;
	void *obj;
	u32 seed;

	if (!s)
		classes = hakmem_test_snap_classes(test);
	keep = hakmem_test_ptrs(test, nkeep);
	batch = hakmem_test_ptrs(test, nbatch);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->s = s;
	ctx->hardirq = hardirq;
	if (hardirq) {
		hrtimer_init(&ctx->hrtimer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_HARD);
		ctx->hrtimer.function = hakmem_test_hrtimer_fn;
	} else {
		timer_setup(&ctx->timer, hakmem_test_timer_fn, 0);
	}
	hakmem_test_add_action(test, hakmem_test_irq_stop, ctx);

	/* long-lived objects, checked at the end */
	for (i = 0; i < nkeep; i++) {
		keep[i] = hakmem_test_irq_alloc(ctx, HAKMEM_TEST_KEEP_SEED | i,
						GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, keep[i]);
	}

	/* No assertion may abort the case from here until the timer stops. */
	if (hardirq)
		hrtimer_start(&ctx->hrtimer,
			      ns_to_ktime(HAKMEM_TEST_IRQ_PERIOD_NS),
			      HRTIMER_MODE_REL_HARD);
	else
		mod_timer(&ctx->timer, jiffies + 1);

	end = jiffies + HAKMEM_TEST_IRQ_SECONDS * HZ;
	seed = 0;
	while ((READ_ONCE(ctx->runs) < runs ||
		loops < HAKMEM_TEST_IRQ_LOOPS) && time_before(jiffies, end)) {
		for (i = 0; i < nbatch; i++) {
			batch[i] = hakmem_test_irq_alloc(ctx, seed + i,
							 GFP_KERNEL);
			if (!batch[i])
				failed++;
		}
		obj = hakmem_test_handoff_alloc(ctx);
		if (!obj)
			failed++;
		obj = xchg(&ctx->handoff, obj);
		if (obj && !hakmem_test_handoff_free(ctx, obj))
			bad++;
		for (i = nbatch; i-- > 0;)
			if (batch[i] &&
			    !hakmem_test_irq_free(ctx, batch[i], seed + i))
				bad++;
		seed = (seed + nbatch) % HAKMEM_TEST_HANDOFF_SEED;

		/*
		 * Quick rounds, stamping 16 bytes only, so that most of the
		 * time is spent inside the allocator, where the interrupts
		 * should land.
		 */
		for (j = 0; j < HAKMEM_TEST_IRQ_QUICK; j++) {
			for (i = 0; i < nbatch; i++) {
				batch[i] = __hakmem_test_irq_alloc(ctx, seed + i,
								   GFP_KERNEL,
								   true);
				if (!batch[i])
					failed++;
			}
			for (i = nbatch; i-- > 0;)
				if (batch[i] &&
				    !__hakmem_test_irq_free(ctx, batch[i],
							    seed + i, true))
					bad++;
			seed = (seed + nbatch) % HAKMEM_TEST_HANDOFF_SEED;
		}
		loops++;
		cond_resched();
	}

	hakmem_test_irq_stop(ctx);

	obj = xchg(&ctx->handoff, NULL);
	if (obj && !hakmem_test_handoff_free(ctx, obj))
		bad++;
	for (i = 0; i < HAKMEM_TEST_IRQ_HELD; i++)
		if (ctx->held[i] &&
		    !hakmem_test_irq_free(ctx, ctx->held[i], ctx->held_seed[i]))
			bad++;
	for (i = 0; i < nkeep; i++)
		if (!hakmem_test_irq_free(ctx, keep[i],
					  HAKMEM_TEST_KEEP_SEED | i))
			bad++;

	kunit_info(test, "%lu callbacks, %lu process loops\n", ctx->runs,
		   loops);
	KUNIT_EXPECT_GE(test, ctx->runs, HAKMEM_TEST_IRQ_MIN_RUNS);
	KUNIT_EXPECT_EQ(test, ctx->bad_context, 0);
	KUNIT_EXPECT_EQ_MSG(test, ctx->bad_pattern, 0,
			    "objects broken in the callback");
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "objects broken in process context");
	KUNIT_EXPECT_EQ(test, ctx->failed, 0);
	KUNIT_EXPECT_EQ(test, failed, 0);
	if (s) {
		KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
		KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
		KUNIT_EXPECT_EQ(test, hakmem_test_errors_total(s), 0);
	}
	if (classes)
		hakmem_test_expect_classes(test, classes);
}

static void hakmem_cache_alloc_reenters_from_hardirq(struct kunit *test)
{
	struct hakmem_cache *s;

	s = hakmem_test_create_mode(test, "hakmem_test_hardirq", 256, 0, 0,
				    NULL, hakmem_test_mode(test));
	hakmem_test_irq_run(test, s, true);
}

static void hakmem_cache_alloc_reenters_from_softirq(struct kunit *test)
{
	struct hakmem_cache *s;

	s = hakmem_test_create_mode(test, "hakmem_test_softirq", 256, 0, 0,
				    NULL, hakmem_test_mode(test));
	hakmem_test_irq_run(test, s, false);
}

static void hakmem_kmalloc_reenters_from_hardirq(struct kunit *test)
{
	hakmem_test_irq_run(test, NULL, true);
}

/*
 * Enough objects to need a new segment while interrupts are off.  On
 * PREEMPT_RT nothing may allocate with interrupts off (SLUB neither: the
 * page allocator's locks sleep there), so the objects are allocated before
 * and only freed with interrupts off, which hakmem allows in any context.
 */
static void hakmem_cache_alloc_works_with_irqs_disabled(struct kunit *test)
{
	const bool rt = IS_ENABLED(CONFIG_PREEMPT_RT);
	struct hakmem_cache *s;
	size_t i, n, got = 0, bad = 0;
	unsigned long flags = 0;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_irqs_off", 512, 0, 0,
				    NULL, hakmem_test_mode(test));
	n = min_t(size_t, hakmem_test_objs_per_segment(s) + 16, 20000);
	p = hakmem_test_ptrs(test, n);

	if (!rt)
		local_irq_save(flags);
	for (i = 0; i < n; i++) {
		p[i] = hakmem_cache_alloc(s, GFP_ATOMIC);
		if (p[i]) {
			hakmem_test_fill(p[i], 512, i);
			got++;
		}
	}
	if (rt)
		local_irq_save(flags);
	for (i = 0; i < n; i++)
		if (p[i] && !hakmem_test_check(p[i], 512, i))
			bad++;
	hakmem_test_free_n(s, p, n);
	local_irq_restore(flags);

	KUNIT_EXPECT_EQ(test, got, n);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

static void hakmem_cache_alloc_works_with_bh_disabled(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t n = 512;
	size_t i, got = 0, bad = 0;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_bh_off", 128, 0, 0,
				    NULL, hakmem_test_mode(test));
	p = hakmem_test_ptrs(test, n);

	local_bh_disable();
	for (i = 0; i < n; i++) {
		p[i] = hakmem_cache_alloc(s, GFP_ATOMIC);
		if (p[i]) {
			hakmem_test_fill(p[i], 128, i);
			got++;
		}
	}
	for (i = 0; i < n; i++)
		if (p[i] && !hakmem_test_check(p[i], 128, i))
			bad++;
	hakmem_test_free_n(s, p, n);
	local_bh_enable();

	KUNIT_EXPECT_EQ(test, got, n);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/*
 * A fast allocation takes a pending reschedule where SLUB's would: a
 * blocking one at its might_sleep() with voluntary preemption, any one at
 * preempt_enable() with full preemption, none without preemption.
 */
static void hakmem_test_expect_resched(struct kunit *test,
				       struct hakmem_cache *s, gfp_t gfp)
{
	int taken = hakmem_resched_check(s, gfp);

	KUNIT_ASSERT_GE_MSG(test, taken, 0, "gfp %pGg: no fast allocation",
			    &gfp);
	KUNIT_EXPECT_EQ_MSG(test, taken, hakmem_resched_expected(gfp),
			    "gfp %pGg, preemption %s", &gfp,
			    hakmem_resched_model());
}

static void hakmem_cache_alloc_takes_pending_reschedule(struct kunit *test)
{
	struct hakmem_cache *s;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_resched", 256, 0, 0,
				    NULL, hakmem_test_mode(test));
	hakmem_test_expect_resched(test, s, GFP_KERNEL);
	hakmem_test_expect_resched(test, s, GFP_NOWAIT);
	hakmem_test_expect_resched(test, s, GFP_ATOMIC);
}

static struct kunit_case hakmem_irq_cases[] = {
	KUNIT_CASE_PARAM(hakmem_cache_alloc_reenters_from_hardirq,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_reenters_from_softirq,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_kmalloc_reenters_from_hardirq),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_works_with_irqs_disabled,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_works_with_bh_disabled,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_takes_pending_reschedule,
			 hakmem_test_mode_gen_params),
	{}
};

static struct kunit_suite hakmem_irq_suite = {
	.name = "hakmem_slab_irq",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_irq_cases,
};

/* ------------------------------------------------------------------------
 * hakmem_slab_stress: many objects, random patterns, several threads
 */

struct hakmem_test_many {
	unsigned int size;
	unsigned int count;
	enum hakmem_header_mode mode;
};

static const struct hakmem_test_many hakmem_test_manys[] = {
	{ 256, 20000, HAKMEM_HEADER_FULL },
	{ 256, 20000, HAKMEM_HEADER_LIGHT },
	{ 8, 5000, HAKMEM_HEADER_FULL },
	{ 8, 5000, HAKMEM_HEADER_LIGHT },
	{ 1024, 4000, HAKMEM_HEADER_FULL },
	{ 8192, 600, HAKMEM_HEADER_LIGHT },
	{ HAKMEM_MAX_OBJECT_SIZE, 300, HAKMEM_HEADER_FULL },
};

static void hakmem_test_many_desc(const struct hakmem_test_many *m,
				  char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u x %u bytes, %s", m->count,
		 m->size, hakmem_test_mode_name(m->mode));
}

KUNIT_ARRAY_PARAM(hakmem_test_many, hakmem_test_manys, hakmem_test_many_desc);

/*
 * Thousands of objects over many pages and segments, each stamped with its
 * index, all checked once all are allocated; distinct and not overlapping.
 * Once all are freed and the cache is shrunk, it holds no segment.
 */
static void hakmem_cache_alloc_handles_many_objects(struct kunit *test)
{
	const struct hakmem_test_many *m = test->param_value;
	struct hakmem_cache_info info;
	struct hakmem_cache *s;
	size_t i;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_many", m->size, 0, 0,
				    NULL, m->mode);
	p = hakmem_test_ptrs(test, m->count);
	for (i = 0; i < m->count; i++) {
		p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p[i], "object %zu", i);
		hakmem_test_fill(p[i], m->size, i);
		if (!(i % 1024))
			cond_resched();
	}
	hakmem_test_check_all(test, p, m->count, m->size);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_EQ(test, info.objects_inuse, m->count);
	KUNIT_EXPECT_GE(test, info.objects_total, m->count);
	KUNIT_EXPECT_GE(test, info.pages * PAGE_SIZE,
			(unsigned long)m->count * m->size);
	KUNIT_EXPECT_GE(test, info.segments, 1);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_expect_disjoint(test, p, m->count, m->size);

	hakmem_test_free_n(s, p, m->count);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_shrink(s), 0);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_EQ(test, info.segments, 0);
	KUNIT_EXPECT_EQ(test, info.pages, 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/* A random mix of allocations and frees over a working set. */
static void hakmem_cache_alloc_free_random_keeps_contents(struct kunit *test)
{
	const size_t nslots = 4096, iters = 200000;
	const unsigned int size = 96;
	struct hakmem_cache *s;
	size_t i, idx, bad = 0;
	struct rnd_state rnd;
	u32 *seeds;
	void **p;

	s = hakmem_test_create_mode(test, "hakmem_test_random", size, 0, 0,
				    NULL, hakmem_test_mode(test));
	p = hakmem_test_ptrs(test, nslots);
	seeds = kunit_kcalloc(test, nslots, sizeof(*seeds), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seeds);
	prandom_seed_state(&rnd, 42);

	for (i = 0; i < iters; i++) {
		idx = prandom_u32_state(&rnd) % nslots;
		if (p[idx]) {
			if (!hakmem_test_check(p[idx], size, seeds[idx]))
				bad++;
			hakmem_cache_free(s, p[idx]);
			p[idx] = NULL;
			continue;
		}
		p[idx] = hakmem_cache_alloc(s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[idx]);
		seeds[idx] = i;
		hakmem_test_fill(p[idx], size, i);
		if (!(i % 4096))
			cond_resched();
	}
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	for (idx = 0; idx < nslots; idx++) {
		if (p[idx] && !hakmem_test_check(p[idx], size, seeds[idx]))
			bad++;
		hakmem_cache_free(s, p[idx]);
		p[idx] = NULL;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_shrink(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/* A 400-slot working set of random sizes, some beyond the size classes. */
static void hakmem_kmalloc_random_sizes_keep_contents(struct kunit *test)
{
	const size_t nslots = 400, iters = 100000;
	struct hakmem_test_classes *classes;
	size_t idx, n, bad = 0;
	struct rnd_state rnd;
	size_t *sizes;
	u32 r, *seeds;
	void **p;

	classes = hakmem_test_snap_classes(test);
	p = hakmem_test_ptrs(test, nslots);
	seeds = kunit_kcalloc(test, nslots, sizeof(*seeds), GFP_KERNEL);
	sizes = kunit_kcalloc(test, nslots, sizeof(*sizes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seeds);
	KUNIT_ASSERT_NOT_NULL(test, sizes);
	prandom_seed_state(&rnd, 7);

	for (n = 0; n < iters; n++) {
		r = prandom_u32_state(&rnd);
		idx = r % nslots;
		if (p[idx]) {
			if (!hakmem_test_check(p[idx], sizes[idx], seeds[idx]))
				bad++;
			hakmem_kfree(p[idx]);
			p[idx] = NULL;
			continue;
		}
		r = prandom_u32_state(&rnd);
		if (!(r % 64))
			sizes[idx] = 1 + (r >> 8) % (64 * 1024);
		else
			sizes[idx] = 1 + (r >> 8) % 2048;
		seeds[idx] = n;
		p[idx] = hakmem_kmalloc(sizes[idx],
					r & 1 ? GFP_KERNEL : GFP_ATOMIC);
		KUNIT_ASSERT_NOT_NULL(test, p[idx]);
		hakmem_test_fill(p[idx], sizes[idx], n);
		if (!(n % 4096))
			cond_resched();
	}
	for (idx = 0; idx < nslots; idx++) {
		if (p[idx] && !hakmem_test_check(p[idx], sizes[idx],
						 seeds[idx]))
			bad++;
		hakmem_kfree(p[idx]);
		p[idx] = NULL;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	hakmem_test_expect_classes(test, classes);
}

/*
 * Threads (one per CPU, at least two) allocate, stamp and swap objects
 * through a shared table, so most objects are freed by another thread than
 * the one that allocated them, on SMP from another CPU.
 */
#define HAKMEM_TEST_THREADS_MAX		4
#define HAKMEM_TEST_THREAD_SLOTS	256
#define HAKMEM_TEST_THREAD_ITERS	20000

struct hakmem_test_slot {
	spinlock_t lock;	/* protects obj and seed */
	void *obj;
	u32 seed;
};

struct hakmem_test_shared {
	struct hakmem_cache *s;
	unsigned int size;
	struct hakmem_test_slot slots[HAKMEM_TEST_THREAD_SLOTS];
	atomic_t bad;
	atomic_t failed;
};

struct hakmem_test_worker {
	struct hakmem_test_shared *shared;
	struct completion done;
	unsigned int id;
	bool started;
};

static int hakmem_test_worker_fn(void *arg)
{
	struct hakmem_test_worker *w = arg;
	struct hakmem_test_shared *sh = w->shared;
	struct hakmem_test_slot *slot;
	struct rnd_state rnd;
	void *obj, *old;
	u32 seed, old_seed;
	unsigned int i;

	prandom_seed_state(&rnd, w->id + 1);
	for (i = 0; i < HAKMEM_TEST_THREAD_ITERS; i++) {
		seed = (w->id << 24) | i;

		/* one object allocated and freed right away */
		obj = hakmem_cache_alloc(sh->s, GFP_KERNEL);
		if (obj) {
			hakmem_test_fill(obj, sh->size, ~seed);
			if (!hakmem_test_check(obj, sh->size, ~seed))
				atomic_inc(&sh->bad);
			hakmem_cache_free(sh->s, obj);
		}

		/* and one swapped into the table */
		obj = hakmem_cache_alloc(sh->s, GFP_KERNEL);
		if (!obj) {
			atomic_inc(&sh->failed);
			continue;
		}
		hakmem_test_fill(obj, sh->size, seed);
		slot = &sh->slots[prandom_u32_state(&rnd) %
				  HAKMEM_TEST_THREAD_SLOTS];
		spin_lock(&slot->lock);
		old = slot->obj;
		old_seed = slot->seed;
		slot->obj = obj;
		slot->seed = seed;
		spin_unlock(&slot->lock);
		if (old) {
			if (!hakmem_test_check(old, sh->size, old_seed))
				atomic_inc(&sh->bad);
			hakmem_cache_free(sh->s, old);
		}
		if (!(i % 64))
			cond_resched();
	}
	complete(&w->done);
	return 0;
}

static void hakmem_cache_alloc_free_across_threads(struct kunit *test)
{
	struct hakmem_test_worker *workers;
	struct hakmem_test_shared *sh;
	unsigned int i, nr, started = 0;
	struct task_struct *task;
	size_t bad = 0;

	sh = kunit_kzalloc(test, sizeof(*sh), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sh);
	sh->s = hakmem_test_create_mode(test, "hakmem_test_threads", 160, 0,
					0, NULL, hakmem_test_mode(test));
	sh->size = 160;
	for (i = 0; i < HAKMEM_TEST_THREAD_SLOTS; i++)
		spin_lock_init(&sh->slots[i].lock);
	nr = clamp_t(unsigned int, num_online_cpus(), 2,
		     HAKMEM_TEST_THREADS_MAX);
	workers = kunit_kcalloc(test, nr, sizeof(*workers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, workers);

	/* No assertion may abort the case until the threads are done. */
	for (i = 0; i < nr; i++) {
		workers[i].shared = sh;
		workers[i].id = i;
		init_completion(&workers[i].done);
		task = kthread_run(hakmem_test_worker_fn, &workers[i],
				   "hakmem_kunit/%u", i);
		workers[i].started = !IS_ERR(task);
		if (workers[i].started)
			started++;
	}
	for (i = 0; i < nr; i++)
		if (workers[i].started)
			wait_for_completion(&workers[i].done);

	KUNIT_EXPECT_EQ(test, started, nr);
	for (i = 0; i < HAKMEM_TEST_THREAD_SLOTS; i++) {
		if (!sh->slots[i].obj)
			continue;
		if (!hakmem_test_check(sh->slots[i].obj, sh->size,
				       sh->slots[i].seed))
			bad++;
		hakmem_cache_free(sh->s, sh->slots[i].obj);
		sh->slots[i].obj = NULL;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sh->failed), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(sh->s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(sh->s), 0);
	/* reports from the threads are not counted by the kunit resource */
	KUNIT_EXPECT_EQ(test, hakmem_test_errors_total(sh->s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_shrink(sh->s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(sh->s).segments, 0);
}

static struct kunit_case hakmem_stress_cases[] = {
	KUNIT_CASE_PARAM(hakmem_cache_alloc_handles_many_objects,
			 hakmem_test_many_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_free_random_keeps_contents,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_kmalloc_random_sizes_keep_contents),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_free_across_threads,
			 hakmem_test_mode_gen_params),
	{}
};

static struct kunit_suite hakmem_stress_suite = {
	.name = "hakmem_slab_stress",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_stress_cases,
};

/* ------------------------------------------------------------------------
 * hakmem_slab_oom: segment allocation failures (fault injection)
 */

/* A fresh cache has no segment: every allocation needs one and fails. */
static void hakmem_cache_alloc_fails_cleanly_without_segment(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *obj;

	HAKMEM_TEST_NEED_FAULT_INJECTION(test);
	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_oom_fresh", 256, 0, 0,
				    NULL, hakmem_test_mode(test));
	hakmem_test_snap(s, &st);
	hakmem_test_fail_segments(test, -1);
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_ATOMIC));
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_KERNEL |
						   __GFP_ZERO));
	hakmem_test_stop_failing();

	KUNIT_EXPECT_GE(test, hakmem_test_delta(s, &st, HAKMEM_SEGMENT_FAIL),
			3);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);

	/* the injection has stopped: the cache works */
	obj = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	hakmem_cache_free(s, obj);
	hakmem_test_exercise(test, s);
}

/*
 * Fill the first segment, fail the second: allocations fail once the first
 * segment is used up, and work again when the injection stops.
 */
static void hakmem_cache_alloc_recovers_after_segment_failure(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	size_t i, n, max;
	void **p;

	HAKMEM_TEST_NEED_FAULT_INJECTION(test);
	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_oom_fill", 4096, 0, 0,
				    NULL, hakmem_test_mode(test));
	max = hakmem_test_objs_per_segment(s) + 64;
	p = hakmem_test_ptrs(test, max + 2);

	p[0] = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p[0]);
	KUNIT_ASSERT_EQ(test, hakmem_test_info(s).segments, 1);
	hakmem_test_fill(p[0], 4096, 0);

	hakmem_test_snap(s, &st);
	hakmem_test_fail_segments(test, -1);
	for (n = 1; n <= max; n++) {
		p[n] = hakmem_cache_alloc(s, n & 1 ? GFP_KERNEL : GFP_ATOMIC);
		if (!p[n])
			break;
		hakmem_test_fill(p[n], 4096, n);
	}
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_ATOMIC));
	hakmem_test_stop_failing();

	KUNIT_EXPECT_LE_MSG(test, n, max - 64,
			    "more objects than one segment holds");
	KUNIT_EXPECT_GE(test, hakmem_test_delta(s, &st, HAKMEM_SEGMENT_FAIL),
			1);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), n);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_check_all(test, p, n, 4096);

	/* a new segment now */
	p[n] = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p[n]);
	hakmem_test_fill(p[n], 4096, n);
	n++;
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 2);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_check_all(test, p, n, 4096);
	for (i = 0; i < n; i++)
		hakmem_cache_free(s, p[i]);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_shrink(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0);
}

/*
 * A bulk allocation that needs a new segment, which fails, leaves nothing
 * allocated, even the objects it took from the first segment.
 */
static void hakmem_cache_alloc_bulk_fails_all_or_nothing(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *first;
	size_t nr;
	void **p;

	HAKMEM_TEST_NEED_FAULT_INJECTION(test);
	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_oom_bulk", 1024, 0, 0,
				    NULL, hakmem_test_mode(test));
	nr = hakmem_test_objs_per_segment(s) + 16;
	p = hakmem_test_ptrs(test, nr);
	first = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, first);

	hakmem_test_snap(s, &st);
	hakmem_test_fail_segments(test, -1);
	KUNIT_EXPECT_EQ(test, hakmem_cache_alloc_bulk(s, GFP_KERNEL, nr, p),
			0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_alloc_bulk(s, GFP_ATOMIC, nr, p),
			0);
	hakmem_test_stop_failing();

	KUNIT_EXPECT_GE(test, hakmem_test_delta(s, &st, HAKMEM_SEGMENT_FAIL),
			2);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);

	/* and the same bulk works once segments can be had again */
	KUNIT_ASSERT_EQ(test, hakmem_cache_alloc_bulk(s, GFP_KERNEL, nr, p),
			nr);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), nr + 1);
	hakmem_cache_free_bulk(s, nr, p);
	hakmem_cache_free(s, first);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

static struct kunit_case hakmem_oom_cases[] = {
	KUNIT_CASE_PARAM(hakmem_cache_alloc_fails_cleanly_without_segment,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_recovers_after_segment_failure,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_bulk_fails_all_or_nothing,
			 hakmem_test_mode_gen_params),
	{}
};

static struct kunit_suite hakmem_oom_suite = {
	.name = "hakmem_slab_oom",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_oom_cases,
};

kunit_test_suites(&hakmem_api_suite, &hakmem_flags_suite,
		  &hakmem_kmalloc_suite, &hakmem_bulk_suite,
		  &hakmem_errors_suite, &hakmem_irq_suite,
		  &hakmem_stress_suite, &hakmem_oom_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for hakmem_slab");
