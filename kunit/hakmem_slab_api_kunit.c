// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hakmem_slab_api: the object-cache calls on healthy input.
 */

#include <kunit/test.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

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
	p = hakmem_test_alloc_objs(test, s, n);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_EQ(test, info.object_size, size);
	KUNIT_EXPECT_GE(test, info.size, size);
	KUNIT_EXPECT_EQ(test, info.objects_inuse, n);
	KUNIT_EXPECT_GE(test, info.objects_total, n);
	KUNIT_EXPECT_GE(test, info.segments, 1);
	hakmem_test_check_all(test, p, n, size);
	hakmem_test_expect_disjoint(test, p, n, size);
	hakmem_test_free_all(test, s, p, n);
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

	s = hakmem_test_create_param(test, "hakmem_test_distinct", 192);
	n = 3 * hakmem_test_objs_per_slab(s) + 5;
	p = hakmem_test_alloc_objs(test, s, n);
	hakmem_test_check_all(test, p, n, 192);
	hakmem_test_expect_disjoint(test, p, n, 192);
	hakmem_test_free_all(test, s, p, n);
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
	s = hakmem_test_create_param(test, "hakmem_test_reuse", 128);
	n = 3 * hakmem_test_objs_per_slab(s) + 5;
	p = hakmem_test_alloc_objs(test, s, n);
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
	hakmem_test_free_all(test, s, p, n);
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

	s = hakmem_test_create_param(test, "hakmem_test_destroy", 256);
	hakmem_test_free_n(s, hakmem_test_alloc_objs(test, s, 300), 300);
	hakmem_test_destroy(test, s);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 0);
}

static void hakmem_cache_get_info_counts_objects_inuse(struct kunit *test)
{
	struct hakmem_cache_info info;
	struct hakmem_cache *s;
	void *p[10];
	size_t i;

	s = hakmem_test_create_param(test, "hakmem_test_inuse", 512);
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

	s = hakmem_test_create_param(test, "hakmem_test_shrink", 256);
	hakmem_test_snap(s, &st);
	p = hakmem_test_alloc_objs(test, s, n);
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

	s = hakmem_test_create_param(test, "hakmem_test_shrink_live", 256);
	p = hakmem_test_alloc_objs(test, s, n);
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

	s = hakmem_test_create_param(test, "hakmem_test_validate", 96);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	p = hakmem_test_alloc_objs(test, s, n);
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

	s = hakmem_test_create_param(test, "hakmem_test_stat", 200);
	hakmem_test_snap(s, &st);
	p = hakmem_test_alloc_objs(test, s, n);
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

kunit_test_suite(hakmem_api_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for hakmem_slab");
