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
#define HK_LT_FEW	20	/* fewer than a 256 B cache's first segment holds */
#define HK_LT_BATCH	250	/* fewer than its stack holds (256) */

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
	hakmem_test_shrinker_scan(ULONG_MAX, false);
	for (i = 0; i < HK_LT_OBJS; i++)
		hakmem_cache_free(s, p[i]);
	hakmem_test_cpu_dead_self();
	/* Every segment is empty: the pool keeps two, the rest were freed. */
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 2UL);
	pooled = hakmem_test_info(s).pages;
	KUNIT_EXPECT_GT(test, pooled, 0UL);
	count = hakmem_test_shrinker_count();
	KUNIT_EXPECT_GE(test, count, pooled);
	/* Reclaim frees the pools and says how much. */
	KUNIT_EXPECT_GE(test, hakmem_test_shrinker_scan(ULONG_MAX, true),
			pooled);
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
	/*
	 * drop_caches frees everything and counts nothing, so that
	 * drop_slab() runs no extra round over the dentries (hk_shrink_scan()).
	 */
	KUNIT_EXPECT_EQ(test, hakmem_test_shrinker_scan(ULONG_MAX, false),
			SHRINK_STOP);
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
 * second finds it unchanged and drains the stack and the heap.  A few
 * objects freed (no burst: the stack holds them all) keep the first
 * segment, one slab, in use; afterwards it is the one pooled segment, and
 * nothing is left after a shrink.
 */
static void hakmem_reclaim_returns_idle_memory(struct kunit *test)
{
	void **p = hakmem_test_ptrs(test, HK_LT_FEW);
	struct hakmem_cache_info info;
	struct hakmem_cache *s;
	unsigned int i;

	hakmem_test_pin_cpu(test);
	/* Other caches' empty segments, if any, must not take the room. */
	hakmem_test_shrinker_scan(ULONG_MAX, false);
	s = hakmem_test_create(test, "hakmem_test_lt_reclaim", 256, 0, 0, NULL);
	for (i = 0; i < HK_LT_FEW; i++)
		p[i] = hakmem_test_alloc(test, s);
	hakmem_test_free_n(s, p, HK_LT_FEW);
	/* The stack and the current segment hold memory: not yet reclaimed. */
	info = hakmem_test_info(s);
	KUNIT_ASSERT_EQ(test, info.segments, 1UL);
	KUNIT_EXPECT_EQ(test, info.pages, 1UL << info.slab_order);
	KUNIT_EXPECT_GT(test, info.objects_total, 0UL);
	hakmem_test_reclaim_self();
	hakmem_test_reclaim_self();
	info = hakmem_test_info(s);
	KUNIT_EXPECT_EQ(test, info.objects_total, 0UL);
	KUNIT_EXPECT_EQ(test, info.segments, 1UL);
	KUNIT_EXPECT_EQ(test, info.pages, 1UL << info.slab_order);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_SLAB_ALLOC),
			hakmem_cache_stat(s, HAKMEM_SLAB_FREE));
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_BURST_DRAIN), 0ULL);
	hakmem_cache_shrink(s);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).pages, 0UL);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0UL);
	/*
	 * A cache in use is left alone: it allocated since the last pass.
	 * Shrunk, its heap starts young again: one slab, not 256 KiB.
	 */
	p[0] = hakmem_test_alloc(test, s);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 1UL);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).pages,
			1UL << hakmem_test_info(s).slab_order);
	hakmem_test_reclaim_self();
	KUNIT_EXPECT_GT(test, hakmem_test_info(s).objects_total, 0UL);
	hakmem_cache_free(s, p[0]);
}

/*
 * A burst freed gives its memory back at once, without a shrink or an idle
 * pass: the last of the burst's frees empties the stack and drains the
 * heap.  HK_LT_OBJS objects of 256 B take six segments (one slab, then
 * sixteen times the last, up to the full size), freed newest first: the
 * current segment is pinned by the stack until the end, the two full-size
 * ones emptied next wait in the pool, and the others, the current one too,
 * go back to the page allocator.
 */
static void hakmem_burst_freed_returns_pages(struct kunit *test)
{
	void **p = hakmem_test_ptrs(test, HK_LT_OBJS);
	struct hakmem_cache_info info;
	struct hakmem_cache *s;
	unsigned long pooled;
	unsigned int i;

	/* Other caches' empty segments, if any, must not take the room. */
	hakmem_test_shrinker_scan(ULONG_MAX, false);
	s = hk_lt_fill(test, "hakmem_test_lt_burst", p);
	info = hakmem_test_info(s);
	KUNIT_ASSERT_GE(test, info.segments, 4UL);
	pooled = 2UL << info.segment_order;
	for (i = HK_LT_OBJS; i-- > 0;)
		hakmem_cache_free(s, p[i]);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_BURST_DRAIN), 1ULL);
	KUNIT_EXPECT_EQ(test, info.objects_inuse, 0UL);
	KUNIT_EXPECT_EQ(test, info.objects_total, 0UL);
	KUNIT_EXPECT_EQ(test, info.segments, 2UL);
	KUNIT_EXPECT_EQ(test, info.pages, pooled);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_SLAB_ALLOC),
			hakmem_cache_stat(s, HAKMEM_SLAB_FREE));
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_SEGMENT_ALLOC) -
			hakmem_cache_stat(s, HAKMEM_SEGMENT_FREE), 2ULL);
	hakmem_cache_shrink(s);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).pages, 0UL);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 0UL);
	/* The next allocation refills as usual, from the pool or anew. */
	p[0] = hakmem_test_alloc(test, s);
	KUNIT_EXPECT_EQ(test, hakmem_test_info(s).segments, 1UL);
	hakmem_cache_free(s, p[0]);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/*
 * Frees that do not end a burst keep the stack and the segments: batches
 * of allocations and frees that fit in a stack, repeated, never drain, and
 * take no segment after the first batch.
 */
static void hakmem_batches_do_not_drain(struct kunit *test)
{
	void **p = hakmem_test_ptrs(test, HK_LT_BATCH);
	struct hakmem_cache *s;
	unsigned int i, round;
	u64 segs = 0;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create(test, "hakmem_test_lt_batches", 256, 0, 0, NULL);
	for (round = 0; round < 100; round++) {
		for (i = 0; i < HK_LT_BATCH; i++)
			p[i] = hakmem_test_alloc(test, s);
		hakmem_test_free_n(s, p, HK_LT_BATCH);
		if (!round)
			segs = hakmem_cache_stat(s, HAKMEM_SEGMENT_ALLOC);
	}
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_BURST_DRAIN), 0ULL);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_SEGMENT_ALLOC), segs);
	KUNIT_EXPECT_GT(test, hakmem_test_info(s).objects_total, 0UL);
}

/*
 * The per-CPU stack holds HK_STACK_BYTES (64 KiB) of objects, within 2 to
 * 256 slots, and the per-CPU state is allocated with that many: 8 bytes a
 * slot.  A cache without a stack (debug) has one slot, never used for more.
 */
static void hakmem_stack_slots_follow_object_size(struct kunit *test)
{
	static const struct { unsigned int size, slots; } want[] = {
		{ 8, 256 }, { 64, 256 }, { 256, 256 }, { 512, 128 },
		{ 1000, 65 }, { 1024, 64 }, { 2048, 32 }, { 4096, 16 },
		{ 8192, 8 }, { HAKMEM_MAX_OBJECT_SIZE, 4 },
	};
	size_t bytes, base;
	struct hakmem_cache *s;
	char name[32];
	unsigned int i;

	s = hakmem_test_create(test, "hakmem_test_lt_slots_rz", 64, 0,
			       SLAB_RED_ZONE, NULL);
	KUNIT_EXPECT_EQ(test, hakmem_test_stack_slots(s, &base), 0U);
	base -= sizeof(void *);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		snprintf(name, sizeof(name), "hakmem_test_lt_slots_%u",
			 want[i].size);
		s = hakmem_test_create(test, name, want[i].size, 0, 0, NULL);
		KUNIT_EXPECT_EQ_MSG(test, hakmem_test_stack_slots(s, &bytes),
				    want[i].slots, "size %u", want[i].size);
		KUNIT_EXPECT_EQ_MSG(test, bytes,
				    base + want[i].slots * sizeof(void *),
				    "size %u", want[i].size);
	}
}

/*
 * A refill takes half a stack: the first allocation from a fresh cache of
 * 4 KiB objects carves 8 of them (16 slots), of 8 KiB objects 4 (8 slots).
 */
static void hakmem_refill_takes_half_a_sized_stack(struct kunit *test)
{
	static const struct { unsigned int size, carved; } want[] = {
		{ 4096, 8 }, { 8192, 4 },
	};
	struct hakmem_cache *s;
	char name[32];
	unsigned int i;
	void *obj;

	hakmem_test_pin_cpu(test);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		snprintf(name, sizeof(name), "hakmem_test_lt_refill_%u",
			 want[i].size);
		s = hakmem_test_create(test, name, want[i].size, 0, 0, NULL);
		obj = hakmem_test_alloc(test, s);
		KUNIT_EXPECT_EQ_MSG(test, hakmem_cache_stat(s, HAKMEM_CARVE),
				    (u64)want[i].carved, "size %u", want[i].size);
		KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1UL);
		hakmem_cache_free(s, obj);
	}
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

/* The slab of @obj: its index in the segment at @base. */
static unsigned long hk_lt_slab(const void *obj, unsigned long base,
				unsigned long slab_bytes)
{
	return ((unsigned long)obj - base) / slab_bytes;
}

static unsigned long hk_lt_seg(const void *obj)
{
	unsigned long size;

	return hakmem_test_seg_base(obj, &size);
}

/*
 * The reuse order.  A heap's first segment is one slab (B), its second
 * sixteen.  B is left sparse (one object in use), slab 0 of the second
 * segment dense (A: two holes), slabs 1-14 there free, and B's frees come
 * last, so that its segment is the first the heap would look at.  A
 * refill takes A's holes and the free slabs before it touches B, and takes
 * no segment; once B's last object is freed, B and its segment go back:
 * the cache keeps exactly the second segment's pages.
 */
static void hakmem_refill_prefers_dense_slabs(struct kunit *test)
{
	unsigned long base0, base1, size, slab_bytes, seg_allocs;
	unsigned int per, i, n, m, slab_pages, in_b = 0;
	struct hakmem_cache_info info;
	struct hakmem_cache *s;
	void **p, **q;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create(test, "hakmem_test_lt_order", 256, 0, 0, NULL);
	info = hakmem_test_info(s);
	slab_pages = 1U << info.slab_order;
	slab_bytes = PAGE_SIZE << info.slab_order;
	per = hakmem_test_objs_per_slab(s);
	KUNIT_ASSERT_GE(test, per, 4U);
	n = 17 * per;
	m = 2 + 14 * per;
	p = hakmem_test_ptrs(test, n);
	q = hakmem_test_ptrs(test, m);
	for (i = 0; i < n; i++)
		p[i] = hakmem_test_alloc(test, s);
	base0 = hakmem_test_seg_base(p[0], &size);
	KUNIT_ASSERT_EQ(test, size, slab_bytes);
	KUNIT_ASSERT_EQ(test, hk_lt_seg(p[per - 1]), base0);
	base1 = hakmem_test_seg_base(p[per], &size);
	KUNIT_ASSERT_EQ(test, size, 16 * slab_bytes);
	KUNIT_ASSERT_EQ(test, hk_lt_seg(p[n - 1]), base1);

	/* A: two holes; slabs 1-14: free; B: one object left, freed last. */
	for (i = per; i < n; i++) {
		unsigned long slab = hk_lt_slab(p[i], base1, slab_bytes);

		if ((slab == 0 && i < per + 2) || (slab >= 1 && slab <= 14)) {
			hakmem_cache_free(s, p[i]);
			p[i] = NULL;
		}
	}
	for (i = 1; i < per; i++) {
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
	/* Every free object back on its slab; no empty segment pooled. */
	hakmem_test_cpu_dead_self();
	hakmem_test_shrinker_scan(ULONG_MAX, false);
	info = hakmem_test_info(s);
	KUNIT_ASSERT_EQ(test, info.segments, 2UL);
	KUNIT_ASSERT_EQ(test, info.pages, 17UL * slab_pages);
	KUNIT_ASSERT_EQ(test, info.objects_total, 3UL * per);
	KUNIT_ASSERT_EQ(test, info.objects_inuse, 2UL * per - 1);

	/* Exactly the holes of A and the free slabs, all in segment 1. */
	seg_allocs = hakmem_cache_stat(s, HAKMEM_SEGMENT_ALLOC);
	for (i = 0; i < m; i++) {
		q[i] = hakmem_test_alloc(test, s);
		in_b += hk_lt_seg(q[i]) != base1;
	}
	KUNIT_EXPECT_EQ(test, in_b, 0U);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_SEGMENT_ALLOC),
			seg_allocs);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_EQ(test, info.segments, 2UL);
	KUNIT_EXPECT_EQ(test, info.objects_inuse, 16UL * per + 1);

	/* B's last object: B empties, its segment goes back. */
	hakmem_cache_free(s, p[0]);
	p[0] = NULL;
	hakmem_test_cpu_dead_self();
	hakmem_test_shrinker_scan(ULONG_MAX, false);
	info = hakmem_test_info(s);
	KUNIT_EXPECT_EQ(test, info.segments, 1UL);
	KUNIT_EXPECT_EQ(test, info.pages, 16UL * slab_pages);
	KUNIT_EXPECT_EQ(test, info.objects_total, 16UL * per);
	KUNIT_EXPECT_EQ(test, info.objects_inuse, 16UL * per);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);

	hakmem_test_free_n(s, q, m);
	for (i = 0; i < n; i++)
		if (p[i])
			hakmem_cache_free(s, p[i]);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0UL);
}

static struct kunit_case hakmem_lifetime_cases[] = {
	KUNIT_CASE(hakmem_cache_free_defers_segment_pages_to_rcu),
	KUNIT_CASE(hakmem_cpu_dead_drains_stack_and_keeps_objects),
	KUNIT_CASE(hakmem_shrinker_frees_pooled_segments),
	KUNIT_CASE(hakmem_shrinker_drains_cpu_state),
	KUNIT_CASE(hakmem_cache_free_returns_empty_pages),
	KUNIT_CASE(hakmem_reclaim_returns_idle_memory),
	KUNIT_CASE(hakmem_burst_freed_returns_pages),
	KUNIT_CASE(hakmem_batches_do_not_drain),
	KUNIT_CASE(hakmem_stack_slots_follow_object_size),
	KUNIT_CASE(hakmem_refill_takes_half_a_sized_stack),
	KUNIT_CASE(hakmem_scattered_frees_refill_without_growth),
	KUNIT_CASE(hakmem_refill_prefers_dense_slabs),
	{}
};

static struct kunit_suite hakmem_lifetime_suite = {
	.name = "hakmem_slab_lifetime",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_lifetime_cases,
};

kunit_test_suite(hakmem_lifetime_suite);
