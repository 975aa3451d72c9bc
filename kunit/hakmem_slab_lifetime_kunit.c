// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for hakmem_slab's object-lifetime paths that can run on one
 * CPU: the CPU-dead drain, the shrinker, and memory return.  The SMP
 * versions (real CPU offlining, cross-CPU frees) run in tools/vm-stress.sh.
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

#define HK_LT_OBJS	4000

/* A cache with HK_LT_OBJS objects of 256 B allocated into @p. */
static struct hakmem_cache *hk_lt_fill(struct kunit *test, const char *name,
				       void **p)
{
	struct hakmem_cache *s;
	unsigned int i;

	/* Every object from this CPU's heap, which the drains here own. */
	hakmem_test_pin_cpu(test);
	s = hakmem_test_create(test, name, 256, 0, 0, NULL);

	for (i = 0; i < HK_LT_OBJS; i++) {
		p[i] = hakmem_test_alloc(test, s);
		memset(p[i], i & 0xff, 256);
	}
	return s;
}

/* The dead-CPU drain empties the stack, keeps live objects intact. */
static void hakmem_cpu_dead_drains_stack_and_keeps_objects(struct kunit *test)
{
	void **p = hakmem_test_ptrs(test, HK_LT_OBJS);
	struct hakmem_cache *s = hk_lt_fill(test, "hakmem_test_lt_dead", p);
	u64 flushes;
	unsigned int i;

	for (i = 0; i < HK_LT_OBJS; i += 2)
		hakmem_cache_free(s, p[i]);
	flushes = hakmem_cache_stat(s, HAKMEM_FLUSH);
	hakmem_test_cpu_dead_self();
	KUNIT_EXPECT_GT(test, hakmem_cache_stat(s, HAKMEM_FLUSH), flushes);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).objects_inuse,
			(unsigned long)HK_LT_OBJS / 2);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	for (i = 1; i < HK_LT_OBJS; i += 2) {
		KUNIT_EXPECT_EQ(test, *(u8 *)p[i], (u8)(i & 0xff));
		hakmem_cache_free(s, p[i]);
	}
	/* After the drain the CPU allocates again, from the same heap. */
	p[0] = hakmem_cache_alloc(s, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p[0]);
	hakmem_cache_free(s, p[0]);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).objects_inuse, 0UL);
}

/* Empty segments wait in the pool; the shrinker counts and frees them. */
static void hakmem_shrinker_frees_pooled_segments(struct kunit *test)
{
	void **p = hakmem_test_ptrs(test, HK_LT_OBJS);
	struct hakmem_cache *s = hk_lt_fill(test, "hakmem_test_lt_shrinker", p);
	unsigned long pooled, count;
	unsigned int i;

	KUNIT_ASSERT_GE(test, hakmem_test_info(s).segments, 3UL);
	/* Other caches' empty segments, if any, must not take the room. */
	hakmem_test_shrinker_scan(ULONG_MAX);
	for (i = 0; i < HK_LT_OBJS; i++)
		hakmem_cache_free(s, p[i]);
	hakmem_test_cpu_dead_self();
	/* Every segment is empty: the pool keeps two, the rest were freed. */
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 2UL);
	pooled = hakmem_test_info(s).pages;
	KUNIT_EXPECT_GT(test, pooled, 0UL);
	count = hakmem_test_shrinker_count();
	KUNIT_EXPECT_GE(test, count, pooled);
	KUNIT_EXPECT_GE(test, hakmem_test_shrinker_scan(ULONG_MAX), pooled);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0UL);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).pages, 0UL);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_SEGMENT_ALLOC),
			hakmem_cache_stat(s, HAKMEM_SEGMENT_FREE));
}

/*
 * The shrinker also drains what the CPUs hold (drop_caches): with every
 * object freed to this CPU's stack and heap, nothing is pooled, yet a
 * scan gives every segment back.
 */
static void hakmem_shrinker_drains_cpu_state(struct kunit *test)
{
	void **p = hakmem_test_ptrs(test, HK_LT_OBJS);
	struct hakmem_cache *s = hk_lt_fill(test, "hakmem_test_lt_shrink_cpu", p);
	unsigned long pages;
	unsigned int i;

	for (i = 0; i < HK_LT_OBJS; i++)
		hakmem_cache_free(s, p[i]);
	pages = hakmem_test_info(s).pages;
	KUNIT_ASSERT_GT(test, pages, 0UL);
	KUNIT_EXPECT_GE(test, hakmem_test_shrinker_count(), pages);
	KUNIT_EXPECT_GE(test, hakmem_test_shrinker_scan(ULONG_MAX), pages);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0UL);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).pages, 0UL);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_SEGMENT_ALLOC),
			hakmem_cache_stat(s, HAKMEM_SEGMENT_FREE));
	/* The cache works on after the drain. */
	p[0] = hakmem_test_alloc(test, s);
	hakmem_cache_free(s, p[0]);
}

/* Pages go back to their segment's bitmap as soon as they are empty. */
static void hakmem_cache_free_returns_empty_pages(struct kunit *test)
{
	void **p = hakmem_test_ptrs(test, HK_LT_OBJS);
	struct hakmem_cache *s = hk_lt_fill(test, "hakmem_test_lt_pages", p);
	u64 taken = hakmem_cache_stat(s, HAKMEM_SLAB_ALLOC);
	unsigned int i;

	for (i = 0; i < HK_LT_OBJS; i++)
		hakmem_cache_free(s, p[i]);
	hakmem_cache_shrink(s);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_SLAB_FREE), taken);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0UL);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).objects_total, 0UL);
}

#define HK_LT_MAGIC	0x7e57ab1eU

static void hk_lt_ctor(void *obj)
{
	*(u32 *)obj = HK_LT_MAGIC;
}

/*
 * SLAB_TYPESAFE_BY_RCU: segments emptied by frees inside a read-side
 * section are freed, but their pages stay allocated and their objects keep
 * their type until the grace period ends; destroy waits for that.
 */
static void hakmem_cache_free_defers_segment_pages_to_rcu(struct kunit *test)
{
	void **p = hakmem_test_ptrs(test, HK_LT_OBJS);
	struct hakmem_cache *s;
	unsigned int i, bad_magic = 0, bad_page = 0;
	u64 freed;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create(test, "hakmem_test_lt_rcu", 256, 0,
			       SLAB_TYPESAFE_BY_RCU, hk_lt_ctor);
	for (i = 0; i < HK_LT_OBJS; i++)
		p[i] = hakmem_test_alloc(test, s);
	KUNIT_ASSERT_GE(test, hakmem_test_info(s).segments, 4UL);
	freed = hakmem_cache_stat(s, HAKMEM_SEGMENT_FREE);

	rcu_read_lock();
	for (i = 0; i < HK_LT_OBJS; i++)
		hakmem_cache_free(s, p[i]);
	/* The stack flushes emptied segments beyond the pool of two. */
	KUNIT_EXPECT_GT(test, hakmem_cache_stat(s, HAKMEM_SEGMENT_FREE), freed);
	for (i = 0; i < HK_LT_OBJS; i++) {
		bad_magic += *(u32 *)p[i] != HK_LT_MAGIC;
		bad_page += PageBuddy(virt_to_head_page(p[i]));
	}
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, bad_magic, 0U);
	KUNIT_EXPECT_EQ(test, bad_page, 0U);
}

/*
 * A cache left idle on a CPU gives back what it holds there: the first
 * reclaim pass only notes the CPU's count of allocations and frees, the
 * second finds it unchanged and drains the stack and the heap.  Afterwards
 * the cache holds exactly its pooled empty segments, and nothing after a
 * shrink.
 */
static void hakmem_reclaim_returns_idle_memory(struct kunit *test)
{
	void **p = hakmem_test_ptrs(test, HK_LT_OBJS);
	struct hakmem_cache *s;
	unsigned long pooled;
	unsigned int i;

	hakmem_test_pin_cpu(test);
	s = hk_lt_fill(test, "hakmem_test_lt_reclaim", p);
	for (i = 0; i < HK_LT_OBJS; i++)
		hakmem_cache_free(s, p[i]);
	/* The stack and the current segment hold memory: not yet reclaimed. */
	KUNIT_EXPECT_GT(test, hakmem_test_info(s).objects_total, 0UL);
	hakmem_test_reclaim_self();
	hakmem_test_reclaim_self();
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).objects_total, 0UL);
	KUNIT_EXPECT_LE(test, hakmem_test_info(s).segments, 2UL);
	pooled = hakmem_test_info(s).pages;
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_SLAB_ALLOC),
			hakmem_cache_stat(s, HAKMEM_SLAB_FREE));
	hakmem_cache_shrink(s);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).pages, 0UL);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0UL);
	KUNIT_EXPECT_LE(test, pooled, 2UL << hakmem_test_info(s).segment_order);
	/* A cache in use is left alone: it allocated since the last pass. */
	p[0] = hakmem_test_alloc(test, s);
	hakmem_test_reclaim_self();
	KUNIT_EXPECT_GT(test, hakmem_test_info(s).objects_total, 0UL);
	hakmem_cache_free(s, p[0]);
}

/*
 * Nine in ten objects freed, scattered over every slab, then as many
 * allocated again: they go into the holes, and the cache takes not one
 * more page or segment.
 */
static void hakmem_scattered_frees_refill_without_growth(struct kunit *test)
{
	void **p = hakmem_test_ptrs(test, HK_LT_OBJS);
	unsigned long pages, segments;
	struct hakmem_cache *s;
	unsigned int i;

	s = hk_lt_fill(test, "hakmem_test_lt_scatter", p);
	pages = hakmem_test_info(s).pages;
	segments = hakmem_test_info(s).segments;
	for (i = 0; i < HK_LT_OBJS; i++) {
		if (i % 10 == 3)
			continue;
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	for (i = 0; i < HK_LT_OBJS; i++)
		if (!p[i])
			p[i] = hakmem_test_alloc(test, s);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), (unsigned long)HK_LT_OBJS);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).pages, pages);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, segments);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	hakmem_test_free_n(s, p, HK_LT_OBJS);
}

static struct kunit_case hakmem_lifetime_cases[] = {
	KUNIT_CASE(hakmem_cache_free_defers_segment_pages_to_rcu),
	KUNIT_CASE(hakmem_cpu_dead_drains_stack_and_keeps_objects),
	KUNIT_CASE(hakmem_shrinker_frees_pooled_segments),
	KUNIT_CASE(hakmem_shrinker_drains_cpu_state),
	KUNIT_CASE(hakmem_cache_free_returns_empty_pages),
	KUNIT_CASE(hakmem_reclaim_returns_idle_memory),
	KUNIT_CASE(hakmem_scattered_frees_refill_without_growth),
	{}
};

static struct kunit_suite hakmem_lifetime_suite = {
	.name = "hakmem_slab_lifetime",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_lifetime_cases,
};

kunit_test_suite(hakmem_lifetime_suite);
