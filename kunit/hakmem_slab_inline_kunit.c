// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hakmem_slab_inline: the inline fast paths of
 * hakmem_slab_inline.h, hakmem_cache_alloc_inline() and
 * hakmem_cache_free_inline(), compiled into this file as into any caller.
 * They must pop and push what the exported calls do, count the same, catch
 * the same bad frees and leave debug caches and fault injection to the
 * module's paths.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>

#include "hakmem_slab_inline.h"
#include "hakmem_slab_kunit.h"

#define HK_INL_SIZE	256
#define HK_INL_NR	64

/*
 * A cache of the case's header mode with objects on this CPU's stack and
 * its current segment set (one allocation refilled the stack), the case
 * pinned to the CPU: the next inline calls take the fast paths.
 */
static struct hakmem_cache *hk_inl_cache(struct kunit *test, const char *name)
{
	struct hakmem_cache *s;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_param(test, name, HK_INL_SIZE);
	hakmem_cache_free(s, hakmem_test_alloc(test, s));
	return s;
}

/* The counters of @nr alloc+free pairs of @s, inline or exported. */
static void hk_inl_pairs(struct kunit *test, struct hakmem_cache *s,
			 unsigned int nr, bool inl, u64 *fast, u64 *slow)
{
	struct hakmem_test_stats st;
	unsigned int i;
	void *obj;

	hakmem_test_snap(s, &st);
	for (i = 0; i < nr; i++) {
		obj = inl ? hakmem_cache_alloc_inline(s, GFP_KERNEL) :
			    hakmem_cache_alloc(s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		if (inl)
			hakmem_cache_free_inline(s, obj);
		else
			hakmem_cache_free(s, obj);
	}
	fast[0] = hakmem_test_delta(s, &st, HAKMEM_ALLOC_FAST);
	fast[1] = hakmem_test_delta(s, &st, HAKMEM_FREE_FAST);
	slow[0] = hakmem_test_delta(s, &st, HAKMEM_ALLOC_SLOW);
	slow[1] = hakmem_test_delta(s, &st, HAKMEM_FREE_SLOW);
}

/*
 * Popped and pushed inline: the same object back each time, counted as
 * the exported calls count the same pairs: all fast, but for the frees
 * with init_on_free (which zero: the module's path).
 */
static void hakmem_cache_alloc_inline_round_trips(struct kunit *test)
{
	u64 fast[2], slow[2], xfast[2], xslow[2];
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *first, *obj;
	unsigned int i;

	s = hk_inl_cache(test, "hakmem_test_inline_trip");
	hk_inl_pairs(test, s, 100, false, xfast, xslow);
	hk_inl_pairs(test, s, 100, true, fast, slow);
	KUNIT_EXPECT_EQ(test, fast[0], xfast[0]);
	KUNIT_EXPECT_EQ(test, fast[1], xfast[1]);
	KUNIT_EXPECT_EQ(test, slow[0], xslow[0]);
	KUNIT_EXPECT_EQ(test, slow[1], xslow[1]);
	KUNIT_EXPECT_EQ(test, fast[0], 100);
	KUNIT_EXPECT_EQ(test, slow[0], 0);
	KUNIT_EXPECT_EQ(test, fast[1], want_init_on_free() ? 0 : 100);
	KUNIT_EXPECT_EQ(test, slow[1], want_init_on_free() ? 100 : 0);

	hakmem_test_snap(s, &st);
	first = hakmem_cache_alloc_inline(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, first);
	hakmem_cache_free_inline(s, first);
	for (i = 0; i < 100; i++) {
		obj = hakmem_cache_alloc_inline(s, GFP_KERNEL);
		KUNIT_ASSERT_PTR_EQ(test, obj, first);
		hakmem_test_fill(obj, HK_INL_SIZE, i);
		KUNIT_EXPECT_TRUE(test, hakmem_test_check(obj, HK_INL_SIZE, i));
		KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1);
		hakmem_cache_free_inline(s, obj);
	}
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_ALLOC_FAST), 101);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_ALLOC_SLOW), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_FREE_FAST) +
			hakmem_test_delta(s, &st, HAKMEM_FREE_SLOW), 101);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	/* __GFP_ZERO through the inline path: zeroed, in both modes */
	obj = hakmem_cache_alloc_inline(s, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_PTR_EQ(test, obj, first);
	KUNIT_EXPECT_TRUE(test, hakmem_test_is_zero(obj, HK_INL_SIZE));
	hakmem_cache_free_inline(s, obj);
	hakmem_cache_free_inline(s, NULL);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_NR_STATS);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/*
 * Objects move between the inline and the exported calls in every
 * combination, through refills and flushes (more objects than a stack
 * holds): contents kept, nothing lost, nothing reported.
 */
static void hakmem_cache_free_inline_mixes_with_exported_calls(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	unsigned int i, n, round;
	size_t bytes;
	void **p;

	s = hk_inl_cache(test, "hakmem_test_inline_mix");
	n = 2 * hakmem_test_stack_slots(s, &bytes) + HK_INL_NR;
	p = hakmem_test_ptrs(test, n);
	hakmem_test_snap(s, &st);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < n; i++) {
			p[i] = (i + round) & 1 ?
			       hakmem_cache_alloc_inline(s, GFP_KERNEL) :
			       hakmem_cache_alloc(s, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p[i]);
			hakmem_test_fill(p[i], HK_INL_SIZE, i);
		}
		KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), n);
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_TRUE(test, hakmem_test_check(p[i],
								  HK_INL_SIZE, i));
		/* sorts p[]: the frees go in address order */
		hakmem_test_expect_disjoint(test, p, n, HK_INL_SIZE);
		for (i = 0; i < n; i++) {
			if ((i >> round) & 1)
				hakmem_cache_free_inline(s, p[i]);
			else
				hakmem_cache_free(s, p[i]);
			p[i] = NULL;
		}
		KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	}
	/* The stack served and refilled; frees fast but with init_on_free. */
	KUNIT_EXPECT_GT(test, hakmem_test_delta(s, &st, HAKMEM_ALLOC_FAST), 0);
	KUNIT_EXPECT_GT(test, hakmem_test_delta(s, &st, HAKMEM_REFILL), 0);
	if (!want_init_on_free())
		KUNIT_EXPECT_GT(test, hakmem_test_delta(s, &st,
							HAKMEM_FREE_FAST), 0);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_NR_STATS);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/*
 * A bad free through the inline path is caught as through the exported
 * one: an interior pointer (its "header" is object bytes), the object at
 * the top of the stack again, an object of another cache; in full mode
 * also a double free of an object below the top (its header says free).
 */
static void hakmem_cache_free_inline_reports_bad_free(struct kunit *test)
{
	struct hakmem_test_stats st, st_other;
	struct hakmem_cache *s, *other;
	u8 *a, *b, *c;

	s = hk_inl_cache(test, "hakmem_test_err_inline_bad");
	other = hakmem_test_create_param(test, "hakmem_test_err_inline_other",
					 HK_INL_SIZE);
	a = hakmem_cache_alloc_inline(s, GFP_KERNEL);
	b = hakmem_cache_alloc_inline(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	hakmem_test_fill(a, HK_INL_SIZE, 1);

	/* interior pointer: in the current segment, header check fails */
	hakmem_test_snap(s, &st);
	hakmem_cache_free_inline(s, a + 16);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_HEADER);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_FREE_FAST), 0);
	KUNIT_EXPECT_TRUE(test, hakmem_test_check(a, HK_INL_SIZE, 1));

	/* the top of the stack freed again */
	hakmem_cache_free_inline(s, a);
	hakmem_test_snap(s, &st);
	hakmem_cache_free_inline(s, a);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_DOUBLE_FREE);

	/* to the wrong cache: reported against neither's stack */
	hakmem_test_snap(other, &st_other);
	hakmem_cache_free_inline(other, b);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(other, &st_other,
						HAKMEM_FREE_FAST), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 1);

	/* full mode: a freed object below the top is caught by its header */
	hakmem_cache_free_inline(s, b);
	if (hakmem_test_mode(test) == HAKMEM_HEADER_FULL) {
		hakmem_test_snap(s, &st);
		hakmem_cache_free_inline(s, a);
		KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
		hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_DOUBLE_FREE);
	}
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);

	/* nothing was damaged: the next objects come out clean */
	c = hakmem_cache_alloc_inline(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	hakmem_cache_free_inline(s, c);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/*
 * A debug cache has no per-CPU stack: every inline call takes the module's
 * path, whose checks run (a red zone overwrite is reported).
 */
static void hakmem_cache_alloc_inline_debug_takes_slow_path(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	unsigned int i;
	u8 *p;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create(test, "hakmem_test_err_inline_debug", HK_INL_SIZE,
			       0, SLAB_RED_ZONE | SLAB_POISON, NULL);
	hakmem_test_snap(s, &st);
	for (i = 0; i < 10; i++) {
		p = hakmem_cache_alloc_inline(s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		hakmem_test_fill(p, HK_INL_SIZE, i);
		hakmem_cache_free_inline(s, p);
	}
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_ALLOC_FAST), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_FREE_FAST), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_ALLOC_SLOW), 10);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_NR_STATS);

	p = hakmem_cache_alloc_inline(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p[HK_INL_SIZE] = 0x12;
	hakmem_cache_free_inline(s, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_test_expect_errors(test, s, &st, HAKMEM_ERR_REDZONE);
}

/*
 * fail_hakmem: the static key sends the inline allocation to the module,
 * which fails it even with objects on the stack; off again, it pops.
 */
static void hakmem_cache_alloc_inline_fails_when_injected(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct hakmem_cache *s;
	void *obj;

	s = hk_inl_cache(test, "hakmem_test_inline_fail");
	hakmem_test_failslab(test, s);
	hakmem_test_snap(s, &st);
	hakmem_test_fail_allocs_for(test, 100, -1, false, true);
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc_inline(s, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, hakmem_cache_alloc_inline(s, GFP_ATOMIC));
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st,
						HAKMEM_ALLOC_FAIL_INJECTED), 2);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_ALLOC_FAST), 0);
	/* __GFP_NOFAIL is never failed: the module's slow path pops */
	obj = hakmem_cache_alloc_inline(s, GFP_KERNEL | __GFP_NOFAIL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	hakmem_cache_free_inline(s, obj);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_ALLOC_SLOW), 1);

	hakmem_test_fail_allocs(0, 1, true, false);
	obj = hakmem_cache_alloc_inline(s, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	hakmem_cache_free_inline(s, obj);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st, HAKMEM_ALLOC_FAST), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(s, &st,
						HAKMEM_ALLOC_FAIL_INJECTED), 2);
}

/* Frees on another CPU: the objects of this CPU's segments. */
struct hk_inl_remote {
	struct hakmem_cache *s;
	void **p;
	unsigned int n;
	unsigned int reused;	/* of the objects popped back there */
	struct completion done;
};

static int hk_inl_remote_fn(void *arg)
{
	struct hk_inl_remote *r = arg;
	unsigned int i, j;
	void *obj;

	for (i = 0; i < r->n; i++)
		hakmem_cache_free_inline(r->s, r->p[i]);
	/* Now on that CPU's stack: popped inline, each one of ours. */
	for (i = 0; i < r->n; i++) {
		obj = hakmem_cache_alloc_inline(r->s, GFP_KERNEL);
		for (j = 0; j < r->n; j++)
			r->reused += obj && obj == r->p[j];
		hakmem_cache_free_inline(r->s, obj);
	}
	complete(&r->done);
	return 0;
}

/*
 * Remote frees through the inline path: another CPU's state has no current
 * segment of ours, so each free takes the module's path, which proves the
 * object and keeps it; nothing is lost or reported, and the cache validates.
 */
static void hakmem_cache_free_inline_from_other_cpu(struct kunit *test)
{
	struct hakmem_test_stats st;
	struct task_struct *t;
	struct hk_inl_remote *r;
	unsigned int i, cpu, other;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs (the x86_64 run has four)");
	hakmem_test_pin_cpu(test);
	cpu = raw_smp_processor_id();
	other = cpumask_any_but(cpu_online_mask, cpu);
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->s = hk_inl_cache(test, "hakmem_test_inline_remote");
	r->n = HK_INL_NR;
	r->p = hakmem_test_ptrs(test, r->n);
	init_completion(&r->done);
	for (i = 0; i < r->n; i++) {
		r->p[i] = hakmem_cache_alloc_inline(r->s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, r->p[i]);
	}
	hakmem_test_snap(r->s, &st);
	t = kthread_create(hk_inl_remote_fn, r, "hakmem_inl_remote");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, other);
	wake_up_process(t);
	wait_for_completion(&r->done);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(r->s, &st, HAKMEM_FREE_SLOW),
			(u64)r->n * 2);
	KUNIT_EXPECT_EQ(test, hakmem_test_delta(r->s, &st, HAKMEM_FREE_FAST), 0);
	KUNIT_EXPECT_EQ(test, r->reused, r->n);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(r->s), 0);
	hakmem_test_expect_errors(test, r->s, &st, HAKMEM_NR_STATS);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(r->s), 0);
	hakmem_test_exercise(test, r->s);
}

static struct kunit_case hakmem_inline_cases[] = {
	KUNIT_CASE_PARAM(hakmem_cache_alloc_inline_round_trips,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_inline_mixes_with_exported_calls,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_inline_reports_bad_free,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_cache_alloc_inline_debug_takes_slow_path),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_inline_fails_when_injected,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_free_inline_from_other_cpu,
			 hakmem_test_mode_gen_params),
	{}
};

static struct kunit_suite hakmem_inline_suite = {
	.name = "hakmem_slab_inline",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_inline_cases,
};

kunit_test_suite(hakmem_inline_suite);
