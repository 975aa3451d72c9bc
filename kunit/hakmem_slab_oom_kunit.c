// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hakmem_slab_oom: segment allocation failures (fault injection).
 */

#include <kunit/test.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

/* A fresh cache has no segment: every allocation needs one and fails. */
static void hakmem_cache_alloc_fails_cleanly_without_segment(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *obj;

	HAKMEM_TEST_NEED_FAULT_INJECTION(test);
	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_param(test, "hakmem_test_oom_fresh", 256);
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
	obj = hakmem_test_alloc(test, s);
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
	s = hakmem_test_create_param(test, "hakmem_test_oom_fill", 4096);
	max = hakmem_test_objs_per_segment(s) + 64;
	p = hakmem_test_ptrs(test, max + 2);

	p[0] = hakmem_test_alloc(test, s);
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
	p[n] = hakmem_test_alloc(test, s);
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
	s = hakmem_test_create_param(test, "hakmem_test_oom_bulk", 1024);
	nr = hakmem_test_objs_per_segment(s) + 16;
	p = hakmem_test_ptrs(test, nr);
	first = hakmem_test_alloc(test, s);

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
	hakmem_test_alloc_bulk(test, s, GFP_KERNEL, nr, p);
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

kunit_test_suite(hakmem_oom_suite);
