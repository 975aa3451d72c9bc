/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every hakmem_slab KUnit suite shares.  There is one suite per area,
 * hakmem_slab_<area> in kunit/hakmem_slab_<area>_kunit.c, and one case per
 * behaviour, named <function>_<condition>, as
 * Documentation/dev-tools/kunit/style.rst asks.
 *
 * Every suite's .init and .exit are hakmem_test_init() and
 * hakmem_test_exit().  The allocator counts its error reports for the case
 * that registered with hakmem_test_errors_begin() (kunit/hakmem_slab_test.h),
 * without a lock, so that reports made with preemption disabled count on
 * PREEMPT_RT too.  A case that provokes reports consumes their exact number
 * with hakmem_test_take_reports(); any other report fails the case, in
 * hakmem_test_exit() or, made while the case's caches are destroyed, when
 * the error resource hakmem_test_init() registers is released.
 *
 * Every case creates its caches and buffers with the helpers here
 * (hakmem_test_create(), hakmem_test_create_mode(), hakmem_test_adopt(),
 * hakmem_test_ptrs(), ...), which free them when the case ends, also when an
 * assertion aborts it; hakmem_test_destroy() destroys such a cache earlier.
 * The module parameters a case changes (hakmem_test_tools(),
 * hakmem_test_debug_param(), fault injection) come back the same way.
 *
 * Nothing here measures time: the loops that run "for a while" stop after a
 * number of events or a time cap, and only the number of events is checked.
 *
 * Two headers stay apart from this one.  hakmem_slab_test.h declares the
 * test hooks hakmem_slab.c defines; hakmem_slab.c includes it, so that the
 * compiler checks each definition against its declaration, and this header
 * includes it for the suites.  hakmem_slab_resched.h is shared with
 * tools/hakmem_stress.c, a module without KUnit that cannot include this
 * header.
 */
#ifndef _HAKMEM_SLAB_KUNIT_H
#define _HAKMEM_SLAB_KUNIT_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/fault-inject.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "hakmem_slab.h"
#include "hakmem_slab_test.h"

/* The number of error reports since the last call. */
static inline int hakmem_test_take_reports(void)
{
	return hakmem_test_errors_take();
}

/*
 * The error resource: the case's count of reports, registered first by
 * hakmem_test_init() so that KUnit releases it last, after every cache the
 * case made is destroyed.  A report made by those destroys (a cache left
 * with live objects) fails the case too, not only tools/kunit.sh's scan of
 * the log.  After an aborted case KUnit cleans up in another task, whose
 * reports do not count (the case has failed already).
 */
static inline void hakmem_test_errors_free(struct kunit_resource *res)
{
	struct kunit *test = res->data;

	KUNIT_EXPECT_EQ_MSG(test, hakmem_test_take_reports(), 0,
			    "unexpected hakmem error reports at cleanup");
	hakmem_test_errors_end();
	hakmem_test_tools_end();
}

/*
 * Every suite's .init: count this case's reports.  The case's caches are
 * made without KASAN and kmemleak (tools=), which would send every
 * operation down the slow paths the suites test apart from the fast ones;
 * hakmem_slab_tools turns them on where it tests them.  The hakmem_kmalloc()
 * caches, made at boot, have them wherever the kernel does.
 */
static inline int hakmem_test_init(struct kunit *test)
{
	hakmem_test_errors_begin(test);
	hakmem_test_tools_begin();
	if (!kunit_alloc_resource(test, NULL, hakmem_test_errors_free,
				  GFP_KERNEL, test)) {
		hakmem_test_tools_end();
		hakmem_test_errors_end();
		return -ENOMEM;
	}
	return 0;
}

/*
 * Every suite's .exit: a report the case did not take fails it.  Counting
 * goes on until the error resource is released.
 */
static inline void hakmem_test_exit(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, hakmem_test_take_reports(), 0,
			    "unexpected hakmem error reports");
}

struct hakmem_test_action {
	void (*fn)(void *arg);
	void *arg;
};

static inline void hakmem_test_action_free(struct kunit_resource *res)
{
	struct hakmem_test_action *action = res->data;

	action->fn(action->arg);
	kfree(action);
}

/*
 * Run fn(arg) when the case ends, also when it is aborted by a failed
 * assertion (what kunit_add_action() does in later kernels).  Actions run in
 * the reverse order of registration.
 */
static inline void hakmem_test_add_action(struct kunit *test, void (*fn)(void *),
					  void *arg)
{
	struct hakmem_test_action *action;

	action = kmalloc(sizeof(*action), GFP_KERNEL);
	if (action) {
		action->fn = fn;
		action->arg = arg;
		if (kunit_alloc_resource(test, NULL, hakmem_test_action_free,
					 GFP_KERNEL, action))
			return;
		kfree(action);
	}
	fn(arg);
	KUNIT_FAIL_AND_ABORT(test, "cannot register a cleanup action");
}

static inline void hakmem_test_destroy_action(void *s)
{
	hakmem_cache_destroy(s);
}

static inline void hakmem_test_kvfree_action(void *p)
{
	kvfree(p);
}

/*
 * Destroy @s, a cache the case made with a hakmem_cache_create*() call, when
 * the case ends.  A NULL @s (the create failed) aborts the case.
 */
static inline struct hakmem_cache *hakmem_test_adopt(struct kunit *test,
						     struct hakmem_cache *s)
{
	KUNIT_ASSERT_NOT_NULL_MSG(test, s, "cannot create the cache");
	hakmem_test_add_action(test, hakmem_test_destroy_action, s);
	return s;
}

/* A cache destroyed when the case ends. */
static inline struct hakmem_cache *
hakmem_test_create_mode(struct kunit *test, const char *name,
			unsigned int size, unsigned int align,
			slab_flags_t flags, void (*ctor)(void *),
			enum hakmem_header_mode mode)
{
	struct hakmem_cache *s;

	s = hakmem_cache_create_mode(name, size, align, flags, ctor, mode);
	KUNIT_ASSERT_NOT_NULL_MSG(test, s, "cannot create %s (size %u)",
				  name, size);
	return hakmem_test_adopt(test, s);
}

/* The same with the default header mode, through hakmem_cache_create(). */
static inline struct hakmem_cache *
hakmem_test_create(struct kunit *test, const char *name, unsigned int size,
		   unsigned int align, slab_flags_t flags, void (*ctor)(void *))
{
	struct hakmem_cache *s;

	s = hakmem_cache_create(name, size, align, flags, ctor);
	KUNIT_ASSERT_NOT_NULL_MSG(test, s, "cannot create %s (size %u)",
				  name, size);
	return hakmem_test_adopt(test, s);
}

static inline bool hakmem_test_match_destroy(struct kunit *test,
					     struct kunit_resource *res,
					     void *s)
{
	struct hakmem_test_action *action = res->data;

	return res->free == hakmem_test_action_free &&
	       action->fn == hakmem_test_destroy_action && action->arg == s;
}

/*
 * Destroy @s, made by hakmem_test_create*() or adopted, now rather than when
 * the case ends: for the cases about hakmem_cache_destroy() itself.
 */
static inline void hakmem_test_destroy(struct kunit *test,
				       struct hakmem_cache *s)
{
	KUNIT_ASSERT_EQ_MSG(test, kunit_destroy_resource(test,
							 hakmem_test_match_destroy,
							 s), 0,
			    "cache %p not made by hakmem_test_create*()", s);
}

/* One object of @s; the case fails and ends if there is none. */
static inline void *hakmem_test_alloc(struct kunit *test,
				      struct hakmem_cache *s)
{
	void *p = hakmem_cache_alloc(s, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static inline void hakmem_test_tools_restore(void *on)
{
	hakmem_test_set_tools(on);
}

/* KASAN and kmemleak (tools=) for caches made until the case ends. */
static inline void hakmem_test_tools(struct kunit *test, bool on)
{
	bool old = hakmem_test_set_tools(on);

	hakmem_test_add_action(test, hakmem_test_tools_restore,
			       (void *)(unsigned long)old);
}

static inline void hakmem_test_debug_restore(void *flags)
{
	hakmem_test_set_debug_flags((__force slab_flags_t)(unsigned long)flags);
}

/*
 * The debug= parameter's @flags for caches made until the case ends, as if
 * the module had been loaded with them.
 */
static inline void hakmem_test_debug_param(struct kunit *test,
					   slab_flags_t flags)
{
	slab_flags_t old = hakmem_test_set_debug_flags(flags);

	hakmem_test_add_action(test, hakmem_test_debug_restore,
			       (void *)(__force unsigned long)old);
}

/* An array of @n pointers, freed when the case ends. */
static inline void **hakmem_test_ptrs(struct kunit *test, size_t n)
{
	void **p = kvcalloc(n, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	hakmem_test_add_action(test, hakmem_test_kvfree_action, p);
	return p;
}

/*
 * Keep the case on the CPU it runs on.  Each CPU allocates from segments of
 * its own, so counts of segments, carved objects and constructor calls, and
 * which freed object comes back first, hold only while the case does not
 * migrate (on SMP with preemption).  The KUnit thread of a case is not
 * reused, so the affinity need not be restored.
 */
static inline void hakmem_test_pin_cpu(struct kunit *test)
{
	const struct cpumask *here = cpumask_of(raw_smp_processor_id());

	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, here), 0);
}

static inline struct hakmem_cache_info hakmem_test_info(struct hakmem_cache *s)
{
	struct hakmem_cache_info info;

	hakmem_cache_get_info(s, &info);
	return info;
}

static inline unsigned long hakmem_test_inuse(struct hakmem_cache *s)
{
	return hakmem_test_info(s).objects_inuse;
}

/* Upper bounds: the header and page metadata are not subtracted. */
static inline unsigned int hakmem_test_objs_per_slab(struct hakmem_cache *s)
{
	struct hakmem_cache_info info = hakmem_test_info(s);

	return max_t(unsigned long, 1, (PAGE_SIZE << info.slab_order) /
					info.size);
}

static inline unsigned long hakmem_test_objs_per_segment(struct hakmem_cache *s)
{
	struct hakmem_cache_info info = hakmem_test_info(s);

	return max_t(unsigned long, 1, (PAGE_SIZE << info.segment_order) /
					info.size);
}

/* ------------------------------------------------------------------------
 * Fault injection of segment allocations
 */

#ifdef CONFIG_FAULT_INJECTION
/*
 * Defined in hakmem_slab.c; hakmem_slab.h does not declare it because only
 * the tests use it.
 */
extern struct fault_attr hakmem_fail_segment;

struct hakmem_test_fault {
	unsigned long probability;
	unsigned long interval;
	unsigned long verbose;
	int times;
	int space;
	bool task_filter;
};

static inline void hakmem_test_fault_restore(void *arg)
{
	struct hakmem_test_fault *saved = arg;
	struct fault_attr *attr = &hakmem_fail_segment;

	attr->probability = 0;
	attr->interval = saved->interval;
	attr->verbose = saved->verbose;
	attr->task_filter = saved->task_filter;
	atomic_set(&attr->space, saved->space);
	atomic_set(&attr->times, saved->times);
	attr->probability = saved->probability;
	kfree(saved);
}

/*
 * Make the next @times segment allocations fail (-1: all of them), as the
 * debugfs knobs of Documentation/fault-injection/fault-injection.rst would.
 * The previous settings come back when the case ends.
 */
static inline void hakmem_test_fail_segments(struct kunit *test, int times)
{
	struct fault_attr *attr = &hakmem_fail_segment;
	struct hakmem_test_fault *saved;

	saved = kmalloc(sizeof(*saved), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, saved);
	saved->probability = attr->probability;
	saved->interval = attr->interval;
	saved->verbose = attr->verbose;
	saved->task_filter = attr->task_filter;
	saved->space = atomic_read(&attr->space);
	saved->times = atomic_read(&attr->times);
	hakmem_test_add_action(test, hakmem_test_fault_restore, saved);

	attr->verbose = 0;
	attr->task_filter = false;
	attr->interval = 1;
	atomic_set(&attr->space, 0);
	atomic_set(&attr->times, times);
	attr->probability = 100;
}

static inline void hakmem_test_stop_failing(void)
{
	hakmem_fail_segment.probability = 0;
	atomic_set(&hakmem_fail_segment.times, 0);
}

#define HAKMEM_TEST_NEED_FAULT_INJECTION(test) ((void)(test))
#else
static inline void hakmem_test_fail_segments(struct kunit *test, int times)
{
}

static inline void hakmem_test_stop_failing(void)
{
}

#define HAKMEM_TEST_NEED_FAULT_INJECTION(test) \
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION")
#endif

/* ------------------------------------------------------------------------
 * Fault injection of object allocations (fail_hakmem)
 */

static inline void hakmem_test_fail_allocs_restore(void *arg)
{
	/* fail_hakmem's defaults: off, ignore-gfp-wait, no cache filter */
	hakmem_test_fail_allocs(0, 1, true, false);
}

/*
 * Fail @probability percent of the object allocations, @times of them at
 * most (-1: no limit), as fail_hakmem's debugfs files would, until the case
 * ends; with @cache_filter only those of caches opted in with
 * hakmem_test_failslab().  Skips the case without CONFIG_FAULT_INJECTION.
 */
static inline void hakmem_test_fail_allocs_for(struct kunit *test,
					       unsigned long probability,
					       int times,
					       bool ignore_gfp_reclaim,
					       bool cache_filter)
{
	hakmem_test_add_action(test, hakmem_test_fail_allocs_restore, NULL);
	if (!hakmem_test_fail_allocs(probability, times, ignore_gfp_reclaim,
				     cache_filter))
		kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
}

static inline void hakmem_test_failslab_restore(void *s)
{
	hakmem_test_cache_failslab(s, false);
}

/* Opt @s in to fail_hakmem's cache filter until the case ends. */
static inline void hakmem_test_failslab(struct kunit *test,
					struct hakmem_cache *s)
{
	hakmem_test_add_action(test, hakmem_test_failslab_restore, s);
	hakmem_test_cache_failslab(s, true);
}

/* For sort(): pointers in address order. */
static inline int hakmem_test_cmp_ptr(const void *a, const void *b)
{
	unsigned long x = (unsigned long)*(void * const *)a;
	unsigned long y = (unsigned long)*(void * const *)b;

	if (x < y)
		return -1;
	return x > y;
}

/* Bulk-allocate p[0..n) with @gfp; the case ends unless all came. */
static inline void hakmem_test_alloc_bulk(struct kunit *test,
					  struct hakmem_cache *s, gfp_t gfp,
					  size_t n, void **p)
{
	KUNIT_ASSERT_EQ(test, hakmem_cache_alloc_bulk(s, gfp, n, p), n);
}

/* The same for an array of @n freed when the case ends, with GFP_KERNEL. */
static inline void **hakmem_test_bulk_objs(struct kunit *test,
					   struct hakmem_cache *s, size_t n)
{
	void **p = hakmem_test_ptrs(test, n);

	hakmem_test_alloc_bulk(test, s, GFP_KERNEL, n, p);
	return p;
}

/* How many of p[0..n) have a byte other than @byte in their first @size. */
static inline size_t hakmem_test_count_unlike(void **p, size_t n, size_t size,
					      int byte)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++)
		bad += !!memchr_inv(p[i], byte, size);
	return bad;
}

/* Free p[0..n) (NULL entries are no-ops) and clear the array. */
static inline void hakmem_test_free_n(struct hakmem_cache *s, void **p,
				      size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		hakmem_cache_free(s, p[i]);
		p[i] = NULL;
	}
}

/* Free p[0..n) of @s, a cache of the case's own: none is in use after. */
static inline void hakmem_test_free_all(struct kunit *test,
					struct hakmem_cache *s, void **p,
					size_t n)
{
	hakmem_test_free_n(s, p, n);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

/* The same through hakmem_cache_free_bulk(). */
static inline void hakmem_test_free_bulk_all(struct kunit *test,
					     struct hakmem_cache *s, size_t n,
					     void **p)
{
	hakmem_cache_free_bulk(s, n, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
}

/* Counter snapshots. */
struct hakmem_test_stats {
	u64 v[HAKMEM_NR_STATS];
};

static inline void hakmem_test_snap(struct hakmem_cache *s,
				    struct hakmem_test_stats *st)
{
	int i;

	for (i = 0; i < HAKMEM_NR_STATS; i++)
		st->v[i] = hakmem_cache_stat(s, i);
}

static inline u64 hakmem_test_delta(struct hakmem_cache *s,
				    const struct hakmem_test_stats *st,
				    enum hakmem_stat_item item)
{
	return hakmem_cache_stat(s, item) - st->v[item];
}

/*
 * Check that exactly one error counter of @s moved since @st, by one, and
 * that it is @item (HAKMEM_NR_STATS: no counter moved).
 */
static inline void hakmem_test_expect_errors(struct kunit *test,
					     struct hakmem_cache *s,
					     const struct hakmem_test_stats *st,
					     enum hakmem_stat_item item)
{
	int i;

	for (i = HAKMEM_ERR_INVALID; i <= HAKMEM_ERR_REDZONE; i++)
		KUNIT_EXPECT_EQ_MSG(test, hakmem_test_delta(s, st, i),
				    (u64)(i == item), "counter %s",
				    hakmem_stat_names[i]);
}

/* ------------------------------------------------------------------------
 * Header modes, object contents, constructors and the kmalloc size classes
 */

#define HAKMEM_TEST_CTOR_BYTE	0xc3
#define HAKMEM_TEST_DIRTY_BYTE	0xff

static const enum hakmem_header_mode hakmem_test_modes[] = {
	HAKMEM_HEADER_FULL,
	HAKMEM_HEADER_LIGHT,
};

static inline const char *hakmem_test_mode_name(enum hakmem_header_mode mode)
{
	return mode == HAKMEM_HEADER_FULL ? "full" : "light";
}

/* The parameters of a case run in each header mode. */
static inline const void *hakmem_test_mode_gen_params(const void *prev,
						      char *desc)
{
	const enum hakmem_header_mode *next = prev;

	next = next ? next + 1 : hakmem_test_modes;
	if (next == hakmem_test_modes + ARRAY_SIZE(hakmem_test_modes))
		return NULL;
	strscpy(desc, hakmem_test_mode_name(*next), KUNIT_PARAM_DESC_SIZE);
	return next;
}

/* The header mode of a case parameterized with hakmem_test_mode_gen_params */
static inline enum hakmem_header_mode hakmem_test_mode(struct kunit *test)
{
	return *(const enum hakmem_header_mode *)test->param_value;
}

/* A cache of @size bytes in the header mode the case is run in. */
static inline struct hakmem_cache *
hakmem_test_create_param(struct kunit *test, const char *name,
			 unsigned int size)
{
	return hakmem_test_create_mode(test, name, size, 0, 0, NULL,
				       hakmem_test_mode(test));
}

/*
 * Object contents: every 32-bit word depends on the seed and on its offset,
 * and the first word differs for any two seeds.  A short tail gets the first
 * bytes of the next word.
 */
static inline u32 hakmem_test_key(u32 seed)
{
	return seed * 0x9e3779b1U + 0x7f4a7c15U;
}

static inline u32 hakmem_test_word(u32 key, size_t i)
{
	return key ^ (0x01010101U * (u32)((i * 0x3b) & 0xff));
}

static inline void hakmem_test_fill(void *obj, size_t size, u32 seed)
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

static inline bool hakmem_test_check(const void *obj, size_t size, u32 seed)
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

static inline bool hakmem_test_is_zero(const void *obj, size_t size)
{
	return !memchr_inv(obj, 0, size);
}

/* Check p[0..n), each stamped with its index; report the first bad one. */
static inline void hakmem_test_check_all(struct kunit *test, void **p,
					 size_t n, size_t size)
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
static inline void hakmem_test_expect_disjoint(struct kunit *test, void **p,
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
static inline void hakmem_test_alloc_n(struct kunit *test,
				       struct hakmem_cache *s, void **p,
				       size_t n, gfp_t gfp)
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

/*
 * @n objects of @s, each stamped with its index, in an array freed when the
 * case ends (the objects are the case's to free).
 */
static inline void **hakmem_test_alloc_objs(struct kunit *test,
					    struct hakmem_cache *s, size_t n)
{
	void **p = hakmem_test_ptrs(test, n);

	hakmem_test_alloc_n(test, s, p, n, GFP_KERNEL);
	return p;
}

/* Check that the cache still hands out distinct, usable objects. */
static inline void hakmem_test_exercise(struct kunit *test,
					struct hakmem_cache *s)
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

static inline u64 hakmem_test_errors_total(struct hakmem_cache *s)
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

static inline void hakmem_test_ctor(void *obj)
{
	memset(obj, HAKMEM_TEST_CTOR_BYTE, READ_ONCE(hakmem_test_ctor_size));
	atomic_inc(&hakmem_test_ctor_calls);
}

static inline struct hakmem_cache *
hakmem_test_create_ctor(struct kunit *test, const char *name,
			unsigned int size, slab_flags_t flags,
			enum hakmem_header_mode mode)
{
	atomic_set(&hakmem_test_ctor_calls, 0);
	WRITE_ONCE(hakmem_test_ctor_size, size);
	return hakmem_test_create_mode(test, name, size, 0, flags,
				       hakmem_test_ctor, mode);
}

static inline bool hakmem_test_constructed(const void *obj, size_t size)
{
	return !memchr_inv(obj, HAKMEM_TEST_CTOR_BYTE, size);
}

/* The distinct size-class caches of hakmem_kmalloc(), smallest first. */
#define HAKMEM_TEST_MAX_CLASSES	64

static inline unsigned int hakmem_test_kmalloc_classes(struct hakmem_cache **c)
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

static inline struct hakmem_test_classes *
hakmem_test_snap_classes(struct kunit *test)
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
static inline void
hakmem_test_expect_classes(struct kunit *test,
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

/*
 * Allocate @size bytes and check the usable size, the alignment and that
 * all of it can be written.  Return false (after reporting) on a failure.
 */
static inline bool hakmem_test_kmalloc_one(struct kunit *test, size_t size,
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

#endif /* _HAKMEM_SLAB_KUNIT_H */
