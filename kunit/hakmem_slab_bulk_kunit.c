// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hakmem_slab_bulk: hakmem_cache_alloc_bulk() and
 * hakmem_cache_free_bulk().
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/string.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

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
	p = hakmem_test_bulk_objs(test, s, nr);
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
	hakmem_test_free_bulk_all(test, s, nr, p);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

static void hakmem_cache_free_bulk_skips_null_entries(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t nr = 100;
	void **p;

	s = hakmem_test_create_param(test, "hakmem_test_bulk_null", 64);
	p = hakmem_test_bulk_objs(test, s, nr);
	hakmem_cache_free(s, p[0]);
	hakmem_cache_free(s, p[50]);
	hakmem_cache_free(s, p[nr - 1]);
	p[0] = NULL;
	p[50] = NULL;
	p[nr - 1] = NULL;
	hakmem_test_free_bulk_all(test, s, nr, p);

	/* an array of nothing but NULL */
	memset(p, 0, nr * sizeof(*p));
	hakmem_test_free_bulk_all(test, s, nr, p);
	hakmem_test_exercise(test, s);
}

static void hakmem_cache_alloc_bulk_zeroes_with_gfp_zero(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t nr = 200;
	size_t i;
	void **p;

	s = hakmem_test_create_param(test, "hakmem_test_bulk_zero", 300);
	p = hakmem_test_bulk_objs(test, s, nr);
	for (i = 0; i < nr; i++)
		memset(p[i], HAKMEM_TEST_DIRTY_BYTE, 300);
	hakmem_cache_free_bulk(s, nr, p);
	hakmem_test_alloc_bulk(test, s, GFP_KERNEL | __GFP_ZERO, nr, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_count_unlike(p, nr, 300, 0), 0);
	hakmem_test_free_bulk_all(test, s, nr, p);
}

/*
 * Small batches, which the per-CPU stack serves: each object is zeroed
 * whole, dirtied before by the caller and freed to the stack.
 */
static void hakmem_cache_alloc_bulk_zeroes_small_batches(struct kunit *test)
{
	static const size_t nrs[] = { 2, 8, 32 };
	struct hakmem_cache *s;
	size_t i, k, nr;
	void **p;

	s = hakmem_test_create_param(test, "hakmem_test_bulk_zero_small", 200);
	p = hakmem_test_ptrs(test, 32);
	for (k = 0; k < ARRAY_SIZE(nrs); k++) {
		nr = nrs[k];
		hakmem_test_alloc_bulk(test, s, GFP_KERNEL, nr, p);
		for (i = 0; i < nr; i++)
			memset(p[i], HAKMEM_TEST_DIRTY_BYTE, 200);
		hakmem_cache_free_bulk(s, nr, p);
		hakmem_test_alloc_bulk(test, s, GFP_KERNEL | __GFP_ZERO, nr, p);
		KUNIT_EXPECT_EQ_MSG(test, hakmem_test_count_unlike(p, nr, 200, 0),
				    0, "%zu objects", nr);
		hakmem_test_free_bulk_all(test, s, nr, p);
	}
}

static void hakmem_cache_alloc_bulk_returns_constructed_objects(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t nr = 300;
	size_t round;
	void **p;

	s = hakmem_test_create_ctor(test, "hakmem_test_bulk_ctor", 80, 0,
				    hakmem_test_mode(test));
	p = hakmem_test_ptrs(test, nr);
	for (round = 0; round < 2; round++) {
		hakmem_test_alloc_bulk(test, s, GFP_KERNEL, nr, p);
		KUNIT_EXPECT_EQ_MSG(test,
				    hakmem_test_count_unlike(p, nr, 80,
							     HAKMEM_TEST_CTOR_BYTE),
				    0, "round %zu", round);
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

	s = hakmem_test_create_param(test, "hakmem_test_bulk_mix", 48);
	p = hakmem_test_ptrs(test, nr);

	/* single allocations, one bulk free */
	hakmem_test_alloc_n(test, s, p, nr, GFP_KERNEL);
	hakmem_test_free_bulk_all(test, s, nr, p);

	/* one bulk allocation, single frees */
	hakmem_test_alloc_bulk(test, s, GFP_ATOMIC, nr, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), nr);
	hakmem_test_free_all(test, s, p, nr);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/*
 * A pointer given twice in a row to one bulk free is reported once, as a
 * double free, and freed once; the objects after it are freed too.
 */
static void hakmem_cache_free_bulk_reports_repeated_pointer(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	const size_t nr = 8;
	void **p, *spare;

	s = hakmem_test_create_param(test, "hakmem_test_err_bulk_dup", 64);
	p = hakmem_test_ptrs(test, nr);
	hakmem_test_alloc_bulk(test, s, GFP_KERNEL, nr, p);
	spare = p[5];
	p[5] = p[4];
	hakmem_test_snap(s, &st);
	hakmem_cache_free_bulk(s, nr, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1);
	hakmem_cache_free(s, spare);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/*
 * Bulk frees of 8 whose objects alternate between the first segments and
 * the last: a batch's fast loop stops at an object it cannot take, the
 * objects after it are freed as well, and each object once.
 */
static void hakmem_cache_free_bulk_alternates_segments(struct kunit *test)
{
	struct hakmem_cache *s;
	size_t j, lo, hi, nr;
	void *q[8];
	void **p;

	s = hakmem_test_create_param(test, "hakmem_test_bulk_alt", 1024);
	nr = 2 * hakmem_test_objs_per_segment(s) + 17;
	p = hakmem_test_bulk_objs(test, s, nr);
	KUNIT_EXPECT_GE(test, hakmem_test_info(s).segments, 3);
	lo = 0;
	hi = nr;
	while (lo < hi) {
		for (j = 0; j < ARRAY_SIZE(q) && lo < hi; j++)
			q[j] = j & 1 ? p[--hi] : p[lo++];
		hakmem_cache_free_bulk(s, j, q);
		KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), hi - lo);
	}
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
	p = hakmem_test_bulk_objs(test, s, nr);
	KUNIT_EXPECT_GE(test, hakmem_test_info(s).segments, 3);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), nr);
	for (i = 0; i < nr; i++)
		hakmem_test_fill(p[i], 1024, i);
	hakmem_test_check_all(test, p, nr, 1024);
	hakmem_test_expect_disjoint(test, p, nr, 1024);
	hakmem_test_free_bulk_all(test, s, nr, p);
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
	KUNIT_CASE_PARAM(hakmem_cache_free_bulk_reports_repeated_pointer,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_cache_alloc_bulk_spans_segments),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_bulk_zeroes_small_batches,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_bulk_alternates_segments,
			 hakmem_test_mode_gen_params),
	{}
};

static struct kunit_suite hakmem_bulk_suite = {
	.name = "hakmem_slab_bulk",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_bulk_cases,
};

kunit_test_suite(hakmem_bulk_suite);
