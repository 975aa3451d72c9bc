// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hakmem_slab_flags: creation checks, alignment, constructors,
 * zeroing.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

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
	p = hakmem_test_alloc_objs(test, s, n);
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
		p[i] = hakmem_test_alloc(test, s);
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
		p[i] = hakmem_test_alloc(test, s);
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
		p[i] = hakmem_test_alloc(test, s);
		if (!hakmem_test_constructed(p[i], size))
			bad++;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_LE(test, atomic_read(&hakmem_test_ctor_calls),
			hakmem_test_delta(s, &st, HAKMEM_CARVE));
	hakmem_test_free_all(test, s, p, n + more);
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
			p[i] = hakmem_test_alloc(test, s);
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
		o = hakmem_test_alloc(test, s);
		o->gen = 7;	/* the contents stay constructed */
		p[i] = o;
	}
	hakmem_test_snap(s, &st);
	hakmem_test_free_n(s, p, n);
	/* not vacuous: the frees emptied pages back into the segment */
	KUNIT_ASSERT_GE(test, hakmem_test_delta(s, &st, HAKMEM_SLAB_FREE), 1);

	fresh = atomic_read(&hakmem_test_gen_ctor_calls);
	for (i = 0; i < n; i++)
		p[i] = hakmem_test_alloc(test, s);
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
	p = hakmem_test_alloc(test, s);
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
	p = hakmem_test_alloc_objs(test, s, n);
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

kunit_test_suite(hakmem_flags_suite);
