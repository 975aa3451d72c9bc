/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every hakmem_slab KUnit suite shares: the count of error reports
 * (every suite's .init and .exit), caches and buffers that are freed when
 * the case ends however it ends, and the cache-info shortcuts.
 *
 * The allocator counts its error reports for the case that registered with
 * hakmem_test_errors_begin() (kunit/hakmem_slab_test.h), without a lock, so
 * that reports made with preemption disabled count on PREEMPT_RT too.  A
 * case that provokes reports consumes their exact number with
 * hakmem_test_take_reports(); any other report fails the case in
 * hakmem_test_exit().
 */
#ifndef _HAKMEM_SLAB_KUNIT_H
#define _HAKMEM_SLAB_KUNIT_H

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/fault-inject.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "hakmem_slab.h"
#include "hakmem_slab_test.h"

/* The number of error reports since the last call. */
static inline int hakmem_test_take_reports(void)
{
	return hakmem_test_errors_take();
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
	return 0;
}

/* Every suite's .exit: a report the case did not take fails it. */
static inline void hakmem_test_exit(struct kunit *test)
{
	hakmem_test_tools_end();
	KUNIT_EXPECT_EQ_MSG(test, hakmem_test_take_reports(), 0,
			    "unexpected hakmem error reports");
	hakmem_test_errors_end();
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
	hakmem_test_add_action(test, hakmem_test_destroy_action, s);
	return s;
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
	hakmem_test_add_action(test, hakmem_test_destroy_action, s);
	return s;
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

/* For sort(): pointers in address order. */
static inline int hakmem_test_cmp_ptr(const void *a, const void *b)
{
	unsigned long x = (unsigned long)*(void * const *)a;
	unsigned long y = (unsigned long)*(void * const *)b;

	if (x < y)
		return -1;
	return x > y;
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

#endif /* _HAKMEM_SLAB_KUNIT_H */
