// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for what an outside review found broken: allocation when the
 * buddy allocator is fragmented, __GFP_NOFAIL, free-list pointers left in
 * objects with init_on_free, late double frees in light mode, tiny bogus
 * pointers, validate racing with frees, and the kmem_cache semantics of
 * alignment and __GFP_ZERO.  Each case failed before its fix.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

#define HK_REL_OBJS	2000

static void hk_rel_max_order_restore(void *arg)
{
	hakmem_test_set_max_order(-1);
}

/* Segments above @order fail until the case ends, however it ends. */
static void hk_rel_fragment(struct kunit *test, int order)
{
	hakmem_test_set_max_order(order);
	hakmem_test_add_action(test, hk_rel_max_order_restore, NULL);
}

static void hk_rel_init_restore(void *arg)
{
	hakmem_test_set_init(-1, -1);
}

/* Allocate @n objects into @p with @gfp; assert each succeeds. */
static void hk_rel_alloc(struct kunit *test, struct hakmem_cache *s, void **p,
			 size_t n, gfp_t gfp)
{
	size_t i;

	for (i = 0; i < n; i++) {
		p[i] = hakmem_cache_alloc(s, gfp);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p[i], "allocation %zu of %zu",
					  i, n);
	}
}

/* No object of p[0..n) is handed out twice (sorts @p). */
static void hk_rel_expect_unique(struct kunit *test, void **p, size_t n)
{
	size_t i, dups = 0;

	sort(p, n, sizeof(*p), hakmem_test_cmp_ptr, NULL);
	for (i = 1; i < n; i++)
		dups += p[i] == p[i - 1];
	KUNIT_EXPECT_EQ_MSG(test, dups, 0, "objects handed out twice");
}

/*
 * With no free block above order 0 (the buddy allocator fragmented into
 * single pages), allocations still succeed from order-0 segments, where
 * SLUB's succeed from order-0 slabs: a 256-byte cache (whose pages are
 * order 1) and the 3 KiB kmalloc class.
 */
static void hakmem_cache_alloc_falls_back_to_order0_segments(struct kunit *test)
{
	struct hakmem_cache *s;
	struct hakmem_test_stats st;
	void **p = hakmem_test_ptrs(test, HK_REL_OBJS);
	size_t i;

	s = hakmem_test_create(test, "hakmem_test_rel_frag", 256, 0, 0, NULL);
	hakmem_test_snap(s, &st);
	hk_rel_fragment(test, 0);
	hk_rel_alloc(test, s, p, HK_REL_OBJS, GFP_KERNEL);
	KUNIT_EXPECT_GT(test, hakmem_test_delta(s, &st, HAKMEM_SEGMENT_ALLOC),
			0ULL);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_SEGMENT_FAIL),
			0ULL);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_free_n(s, p, HK_REL_OBJS);

	for (i = 0; i < HK_REL_OBJS; i++) {
		p[i] = hakmem_kmalloc(3000, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p[i], "kmalloc %zu", i);
	}
	for (i = 0; i < HK_REL_OBJS; i++)
		hakmem_kfree(p[i]);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(hakmem_kmalloc_cache(3000)),
			0);
}

/*
 * __GFP_NOFAIL never returns NULL, even when every segment allocation that
 * may fail does (fault injection, as a page allocator out of memory); one
 * without it does fail.
 */
static void hakmem_cache_alloc_nofail_never_returns_null(struct kunit *test)
{
	struct hakmem_cache *s;
	void **p = hakmem_test_ptrs(test, HK_REL_OBJS);
	size_t i;

	HAKMEM_TEST_NEED_FAULT_INJECTION(test);
	s = hakmem_test_create(test, "hakmem_test_rel_nofail", 512, 0, 0, NULL);
	hakmem_test_fail_segments(test, -1);
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc(s, GFP_KERNEL));
	hk_rel_alloc(test, s, p, HK_REL_OBJS, GFP_KERNEL | __GFP_NOFAIL);
	hakmem_test_free_n(s, p, HK_REL_OBJS);
	for (i = 0; i < HK_REL_OBJS; i++) {
		p[i] = hakmem_kmalloc(3000, GFP_KERNEL | __GFP_NOFAIL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p[i], "kmalloc %zu", i);
	}
	for (i = 0; i < HK_REL_OBJS; i++)
		hakmem_kfree(p[i]);
	/* And with nothing above order 0 free. */
	hk_rel_fragment(test, 0);
	hk_rel_alloc(test, s, p, HK_REL_OBJS, GFP_KERNEL | __GFP_NOFAIL);
	hakmem_test_free_n(s, p, HK_REL_OBJS);
}

/*
 * init_on_free=1 with init_on_alloc=0: freed objects are zeroed, then their
 * first word links them on a free list; an allocation must not hand that
 * pointer out (SLUB's maybe_wipe_obj_freeptr()).
 */
static void hakmem_cache_alloc_wipes_free_pointer_with_init_on_free(struct kunit *test)
{
	struct hakmem_cache *s;
	void **p = hakmem_test_ptrs(test, HK_REL_OBJS);
	void **keep;
	size_t i, dirty = 0, bytes;
	unsigned int nkeep;

	hakmem_test_pin_cpu(test);
	hakmem_test_set_init(0, 1);
	hakmem_test_add_action(test, hk_rel_init_restore, NULL);
	s = hakmem_test_create_mode(test, "hakmem_test_rel_wipe", 128, 0, 0,
				    NULL, HAKMEM_HEADER_LIGHT);
	/*
	 * A stack's worth of objects stays out, so that the frees below are
	 * not the end of a burst, which would give the slabs back to the page
	 * allocator: the objects must come back through the free lists.  (A
	 * page back from the page allocator is zeroed by a real boot's
	 * init_on_free=1, not by this test's setting for hakmem alone.)
	 */
	nkeep = hakmem_test_stack_slots(s, &bytes);
	keep = hakmem_test_ptrs(test, nkeep);
	hk_rel_alloc(test, s, keep, nkeep, GFP_KERNEL);
	hk_rel_alloc(test, s, p, HK_REL_OBJS, GFP_KERNEL);
	for (i = 0; i < HK_REL_OBJS; i++)
		memset(p[i], 0xa5, 128);
	hakmem_test_free_n(s, p, HK_REL_OBJS);
	/* Flush the per-CPU stack: every object goes to its page's list. */
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hk_rel_alloc(test, s, p, HK_REL_OBJS, GFP_KERNEL);
	for (i = 0; i < HK_REL_OBJS; i++)
		dirty += !!memchr_inv(p[i], 0, 128);
	KUNIT_EXPECT_EQ_MSG(test, dirty, 0,
			    "objects not zeroed (a free-list link left in them)");
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_BURST_DRAIN), 0ULL);
	hakmem_test_free_n(s, p, HK_REL_OBJS);
	hakmem_test_free_n(s, keep, nkeep);
}

static const enum hakmem_header_mode hk_rel_modes[] = {
	HAKMEM_HEADER_FULL,
	HAKMEM_HEADER_LIGHT,
};

static void hk_rel_mode_desc(const enum hakmem_header_mode *mode, char *desc)
{
	strscpy(desc, *mode == HAKMEM_HEADER_FULL ? "full" : "light",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hk_rel_mode, hk_rel_modes, hk_rel_mode_desc);

static enum hakmem_header_mode hk_rel_mode(struct kunit *test)
{
	return *(const enum hakmem_header_mode *)test->param_value;
}

static bool hk_rel_same_page(struct hakmem_cache *s, const void *a,
			     const void *b)
{
	unsigned long mask = ~((PAGE_SIZE << hakmem_test_info(s).slab_order) - 1);

	return ((unsigned long)a & mask) == ((unsigned long)b & mask);
}

/*
 * A double free of an object whose page already went back to its segment's
 * free map (every object of it freed) is reported and ignored: the object
 * is not handed out twice when the page is carved again.
 */
static void hakmem_cache_free_rejects_late_double_free_into_free_page(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	size_t i, m, n, per_page;
	void **p, **q, *a;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_err_rel_page", 64, 0, 0,
				    NULL, hk_rel_mode(test));
	per_page = (PAGE_SIZE << hakmem_test_info(s).slab_order) /
		   hakmem_test_info(s).size;
	n = 3 * per_page;
	p = hakmem_test_ptrs(test, n);
	q = hakmem_test_ptrs(test, 3 * n);
	hk_rel_alloc(test, s, p, n, GFP_KERNEL);
	a = p[0];
	for (i = 0; i < n; i++) {
		if (!hk_rel_same_page(s, p[i], a))
			continue;
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	/* Flush: the page of a is empty and goes back to the free map. */
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, a);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_DOUBLE_FREE);
	/* Carve the page again: no object is out twice, a included. */
	hk_rel_alloc(test, s, q, 2 * n, GFP_KERNEL);
	for (m = 2 * n, i = 0; i < n; i++)
		if (p[i])
			q[m++] = p[i];
	hk_rel_expect_unique(test, q, m);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_free_n(s, q, m);
}

/*
 * A double free of an object of a segment that became empty and waits in
 * the pool (owned by no heap) is reported and survived: no flush later
 * hands it to a heap that does not exist.
 */
static void hakmem_cache_free_rejects_late_double_free_into_pooled_segment(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	unsigned long size, base;
	size_t i, n, max;
	void **p, *a;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_mode(test, "hakmem_test_err_rel_pool", 64, 0, 0,
				    NULL, hk_rel_mode(test));
	max = 4 * (PAGE_SIZE << hakmem_test_info(s).segment_order) /
	      hakmem_test_info(s).size;
	p = hakmem_test_ptrs(test, max);
	p[0] = hakmem_test_alloc(test, s);
	a = p[0];
	base = hakmem_test_seg_base(a, &size);
	KUNIT_ASSERT_NE(test, base, 0UL);
	/* Fill a's segment and start the next one. */
	for (n = 1; n < max; n++) {
		unsigned long sz;

		p[n] = hakmem_test_alloc(test, s);
		if (hakmem_test_seg_base(p[n], &sz) != base)
			break;
	}
	KUNIT_ASSERT_LT(test, n, max);
	n++;
	/* Empty a's segment: it goes to the pool. */
	for (i = 0; i < n; i++) {
		unsigned long sz;

		if (hakmem_test_seg_base(p[i], &sz) != base)
			continue;
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	KUNIT_ASSERT_EQ(test, hakmem_test_seg_base(a, &size), base);
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, a);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_DOUBLE_FREE);
	/* Flushing and shrinking after it must not trip over it. */
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_cache_shrink(s);
	hakmem_test_free_n(s, p, n);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0UL);
}

/*
 * Pointers into the first pages of the address space are not hakmem's:
 * reported, never read, with or without a current segment.
 */
static void hakmem_cache_free_reports_tiny_pointer(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *obj;

	s = hakmem_test_create(test, "hakmem_test_err_rel_tiny", 64, 0, 0, NULL);
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, (void *)0x1000);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_INVALID);
	obj = hakmem_test_alloc(test, s);
	hakmem_test_snap(s, &st);
	hakmem_cache_free(s, (void *)0x1008);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_INVALID);
	hakmem_cache_free(s, obj);
}

/* The same through hakmem_kfree(), which does not know the cache. */
static void hakmem_kfree_reports_tiny_pointer(struct kunit *test)
{
	hakmem_kfree((void *)0x2000);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_kfree((void *)0x2010);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
}

/*
 * Alignments SLUB accepts: 24 (not a power of two: every object is aligned
 * to 32) and 8192 (above PAGE_SIZE).  Above HAKMEM_MAX_ALIGN creation fails.
 */
static void hakmem_cache_create_accepts_slub_alignments(struct kunit *test)
{
	static const unsigned int aligns[] = { 24, 8192 };
	struct hakmem_cache *s;
	unsigned int a, want;
	void *p[64];
	size_t i;

	for (a = 0; a < ARRAY_SIZE(aligns); a++) {
		want = roundup_pow_of_two(aligns[a]);
		s = hakmem_test_create(test, "hakmem_test_rel_align", 40,
				       aligns[a], 0, NULL);
		KUNIT_EXPECT_GE(test, hakmem_test_info(s).align, want);
		hk_rel_alloc(test, s, p, ARRAY_SIZE(p), GFP_KERNEL);
		for (i = 0; i < ARRAY_SIZE(p); i++)
			KUNIT_EXPECT_EQ_MSG(test, (unsigned long)p[i] % want,
					    0UL, "align %u", aligns[a]);
		KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
		hakmem_test_free_n(s, p, ARRAY_SIZE(p));
	}
	KUNIT_EXPECT_NULL(test, hakmem_cache_create("hakmem_test_rel_align_big",
						    40, 2 * HAKMEM_MAX_ALIGN,
						    0, NULL));
}

#define HK_REL_CTOR_BYTE	0x3c

static void hk_rel_ctor(void *obj)
{
	memset(obj, HK_REL_CTOR_BYTE, 96);
}

/*
 * As SLUB: __GFP_ZERO does not zero an object of a cache with a
 * constructor, which keeps its constructed state.
 */
static void hakmem_cache_alloc_ignores_gfp_zero_with_ctor(struct kunit *test)
{
	struct hakmem_cache *s;
	u8 *obj;

	s = hakmem_test_create(test, "hakmem_test_rel_ctor_zero", 96, 0, 0,
			       hk_rel_ctor);
	obj = hakmem_cache_alloc(s, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_NULL(test, memchr_inv(obj, HK_REL_CTOR_BYTE, 96));
	hakmem_cache_free(s, obj);
	obj = hakmem_cache_alloc(s, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_NULL(test, memchr_inv(obj, HK_REL_CTOR_BYTE, 96));
	hakmem_cache_free(s, obj);
}

/* validate racing with frees on another CPU: the freeing side. */
struct hk_rel_race {
	struct hakmem_cache *s;
	void **p;
	size_t n;
	atomic_t handed;	/* objects p[0..handed) are the freer's */
	bool stop;
	struct completion done;
};

static int hk_rel_freer(void *arg)
{
	struct hk_rel_race *r = arg;
	size_t i = 0;

	while (!READ_ONCE(r->stop)) {
		if (i < (size_t)atomic_read_acquire(&r->handed)) {
			hakmem_cache_free(r->s, r->p[i]);
			i++;
		} else {
			cond_resched();
		}
	}
	while (i < (size_t)atomic_read_acquire(&r->handed))
		hakmem_cache_free(r->s, r->p[i++]);
	complete(&r->done);
	return 0;
}

/*
 * hakmem_cache_validate() of a debug cache while another CPU frees its
 * objects: an object being freed, or waiting on a remote list, is not
 * reported as damaged, and validate writes into no object it does not own
 * (the next allocations report nothing either).
 */
static void hakmem_cache_validate_ignores_concurrent_frees(struct kunit *test)
{
	struct hakmem_cache *s;
	struct task_struct *t;
	struct hk_rel_race *r;
	unsigned int cpu, other, round;
	size_t i;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs (the x86_64 run has four)");
	hakmem_test_pin_cpu(test);
	cpu = raw_smp_processor_id();
	other = cpumask_any_but(cpu_online_mask, cpu);
	s = hakmem_test_create(test, "hakmem_test_rel_race", 64, 0,
			       SLAB_RED_ZONE | SLAB_POISON, NULL);
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->s = s;
	r->n = 20000;
	r->p = hakmem_test_ptrs(test, r->n);
	init_completion(&r->done);
	t = kthread_create(hk_rel_freer, r, "hakmem_rel_freer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, other);
	wake_up_process(t);
	for (i = 0, round = 0; i < r->n; round++) {
		size_t end = min(r->n, i + 200);

		for (; i < end; i++) {
			r->p[i] = hakmem_cache_alloc(s, GFP_KERNEL);
			if (!r->p[i])
				break;
		}
		atomic_set_release(&r->handed, i);
		if (i < end)
			break;
		KUNIT_EXPECT_EQ_MSG(test, hakmem_cache_validate(s), 0,
				    "round %u", round);
	}
	WRITE_ONCE(r->stop, true);
	wait_for_completion(&r->done);
	KUNIT_EXPECT_EQ(test, i, r->n);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_ERR_REDZONE), 0ULL);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_ERR_POISON), 0ULL);
	/* What validate left behind is found by the next allocations. */
	hk_rel_alloc(test, s, r->p, 2000, GFP_KERNEL);
	hakmem_test_free_n(s, r->p, 2000);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_ERR_REDZONE), 0ULL);
}

static struct kunit_case hakmem_reliability_cases[] = {
	KUNIT_CASE(hakmem_cache_alloc_falls_back_to_order0_segments),
	KUNIT_CASE(hakmem_cache_alloc_nofail_never_returns_null),
	KUNIT_CASE(hakmem_cache_alloc_wipes_free_pointer_with_init_on_free),
	KUNIT_CASE_PARAM(hakmem_cache_free_rejects_late_double_free_into_free_page,
			 hk_rel_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_rejects_late_double_free_into_pooled_segment,
			 hk_rel_mode_gen_params),
	KUNIT_CASE(hakmem_cache_free_reports_tiny_pointer),
	KUNIT_CASE(hakmem_kfree_reports_tiny_pointer),
	KUNIT_CASE(hakmem_cache_create_accepts_slub_alignments),
	KUNIT_CASE(hakmem_cache_alloc_ignores_gfp_zero_with_ctor),
	KUNIT_CASE(hakmem_cache_validate_ignores_concurrent_frees),
	{}
};

static struct kunit_suite hakmem_reliability_suite = {
	.name = "hakmem_slab_reliability",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_reliability_cases,
};

kunit_test_suite(hakmem_reliability_suite);
