// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hakmem_slab_failslab: fault injection of object allocations
 * (fail_hakmem, as failslab for kmem_cache_alloc()).  Every case opts its
 * caches in with the cache filter, so that nothing else the kernel
 * allocates from hakmem meanwhile fails.
 */

#include <kunit/test.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

/* A cache with objects on this CPU's stack: the fast path would serve. */
static struct hakmem_cache *hakmem_test_failslab_cache(struct kunit *test,
						       const char *name)
{
	struct hakmem_cache *s;
	void *obj;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_param(test, name, 256);
	obj = hakmem_test_alloc(test, s);
	hakmem_cache_free(s, obj);
	hakmem_test_failslab(test, s);
	return s;
}

/* Probability 100: every allocation fails, and each one is counted. */
static void hakmem_cache_alloc_fails_when_injected(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *obj;

	s = hakmem_test_failslab_cache(test, "hakmem_test_failslab_all");
	hakmem_test_snap(s, &st);
	hakmem_test_fail_allocs_for(test, 100, -1, false, true);
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_ATOMIC));
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_KERNEL | __GFP_ZERO));
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st,
						HAKMEM_ALLOC_FAIL_INJECTED), 3);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_ALLOC_FAST), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);

	/* off again: the cache works, nothing more is counted */
	hakmem_test_fail_allocs(0, 1, true, false);
	obj = hakmem_test_alloc(test, s);
	hakmem_cache_free(s, obj);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st,
						HAKMEM_ALLOC_FAIL_INJECTED), 3);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/* __GFP_NOFAIL allocations are never failed, as failslab's are not. */
static void hakmem_cache_alloc_nofail_not_injected(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *obj;

	s = hakmem_test_failslab_cache(test, "hakmem_test_failslab_nofail");
	hakmem_test_snap(s, &st);
	hakmem_test_fail_allocs_for(test, 100, -1, false, true);
	obj = hakmem_cache_alloc(s, GFP_KERNEL | __GFP_NOFAIL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	hakmem_cache_free(s, obj);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st,
						HAKMEM_ALLOC_FAIL_INJECTED), 0);
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st,
						HAKMEM_ALLOC_FAIL_INJECTED), 1);
}

/* ignore-gfp-wait: allocations that may sleep are spared, atomic ones not. */
static void hakmem_cache_alloc_ignore_gfp_wait_spares_sleeping(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *obj;

	s = hakmem_test_failslab_cache(test, "hakmem_test_failslab_wait");
	hakmem_test_snap(s, &st);
	hakmem_test_fail_allocs_for(test, 100, -1, true, true);
	obj = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	hakmem_cache_free(s, obj);
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_ATOMIC));
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_NOWAIT));
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st,
						HAKMEM_ALLOC_FAIL_INJECTED), 2);
}

/* cache-filter: a cache not opted in is not failed. */
static void hakmem_cache_alloc_cache_filter_spares_others(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s, *other;
	void *obj;

	s = hakmem_test_failslab_cache(test, "hakmem_test_failslab_in");
	other = hakmem_test_create_param(test, "hakmem_test_failslab_out", 256);
	hakmem_test_snap(other, &st);
	hakmem_test_fail_allocs_for(test, 100, -1, false, true);
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_KERNEL));
	obj = hakmem_cache_alloc(other, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	hakmem_cache_free(other, obj);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(other, &st,
						HAKMEM_ALLOC_FAIL_INJECTED), 0);
}

/* times: that many failures, then allocations succeed again. */
static void hakmem_cache_alloc_injected_times_then_succeeds(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *obj;

	s = hakmem_test_failslab_cache(test, "hakmem_test_failslab_times");
	hakmem_test_snap(s, &st);
	hakmem_test_fail_allocs_for(test, 100, 2, false, true);
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_KERNEL));
	obj = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	hakmem_cache_free(s, obj);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st,
						HAKMEM_ALLOC_FAIL_INJECTED), 2);
}

/* Bulk allocation: one decision for the call, all or nothing. */
static void hakmem_cache_alloc_bulk_fails_when_injected(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void **p;

	s = hakmem_test_failslab_cache(test, "hakmem_test_failslab_bulk");
	p = hakmem_test_ptrs(test, 16);
	hakmem_test_snap(s, &st);
	hakmem_test_fail_allocs_for(test, 100, 1, false, true);
	KUNIT_EXPECT_EQ(test, hakmem_cache_alloc_bulk(s, GFP_KERNEL, 16, p), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st,
						HAKMEM_ALLOC_FAIL_INJECTED), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	/* times 1 is used up: the same call succeeds */
	KUNIT_EXPECT_EQ(test, hakmem_cache_alloc_bulk(s, GFP_KERNEL, 16, p), 16);
	hakmem_cache_free_bulk(s, 16, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

/* The kmalloc front end: its size class's cache fails, another does not. */
static void hakmem_kmalloc_fails_when_injected(struct kunit *test)
{
	struct hakmem_cache *k64 = hakmem_kmalloc_cache(64);
	struct hakmem_test_stats st;
	void *obj;

	KUNIT_ASSERT_NOT_NULL(test, k64);
	KUNIT_ASSERT_NE(test, (unsigned long)k64,
			(unsigned long)hakmem_kmalloc_cache(1024));
	hakmem_test_pin_cpu(test);
	hakmem_test_failslab(test, k64);
	hakmem_test_snap(k64, &st);
	hakmem_test_fail_allocs_for(test, 100, -1, false, true);
	KUNIT_EXPECT_NULL(test, hakmem_kmalloc(64, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, hakmem_kzalloc(60, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, hakmem_kmalloc_node(64, GFP_KERNEL,
						    NUMA_NO_NODE));
	obj = hakmem_kmalloc(1024, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	hakmem_kfree(obj);
	obj = hakmem_kmalloc(64, GFP_KERNEL | __GFP_NOFAIL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	hakmem_kfree(obj);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(k64, &st,
						HAKMEM_ALLOC_FAIL_INJECTED), 3);
}

static struct kunit_case hakmem_failslab_cases[] = {
	KUNIT_CASE_PARAM(hakmem_cache_alloc_fails_when_injected,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_nofail_not_injected,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_ignore_gfp_wait_spares_sleeping,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_cache_filter_spares_others,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_injected_times_then_succeeds,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_bulk_fails_when_injected,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_kmalloc_fails_when_injected),
	{}
};

static struct kunit_suite hakmem_failslab_suite = {
	.name = "hakmem_slab_failslab",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_failslab_cases,
};

kunit_test_suite(hakmem_failslab_suite);
