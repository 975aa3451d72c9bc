// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hakmem_slab_kmalloc: the kmalloc() front end.
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

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

kunit_test_suite(hakmem_kmalloc_suite);
