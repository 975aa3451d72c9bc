// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite hakmem_slab_irq: allocation and free from interrupts,
 * re-entering the cache process context is using.
 *
 * A timer callback (hardirq for the hrtimer, softirq for the timer_list)
 * allocates with GFP_ATOMIC and frees objects of the same cache while
 * process context loops over allocations and frees of its own.  Process
 * context also hands objects over to the callback to be freed there.  Every
 * object carries a stamp unique to its owner, so an object handed out twice
 * shows up as a broken stamp.  In UML the timers may fire at about HZ
 * rate, so the loop runs until enough callbacks and process loops ran, with
 * a generous time cap for a loaded host; only the number of callbacks is
 * checked, never the time.
 *
 * The suite also checks the other side of context: that an allocation
 * takes a pending reschedule where SLUB's would.
 */

#include <kunit/test.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timer.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"
#include "hakmem_slab_resched.h"

#define HAKMEM_TEST_IRQ_HELD		8
#define HAKMEM_TEST_IRQ_BURST		4
#define HAKMEM_TEST_IRQ_PERIOD_NS	(100 * NSEC_PER_USEC)
#define HAKMEM_TEST_HARDIRQ_RUNS	250	/* stop after that many */
#define HAKMEM_TEST_SOFTIRQ_RUNS	150	/* (one a tick at most) */
#define HAKMEM_TEST_IRQ_MIN_RUNS	100	/* and check at least these */
#define HAKMEM_TEST_IRQ_LOOPS		2000	/* process loops, at least */
#define HAKMEM_TEST_IRQ_QUICK		4	/* quick rounds a loop */
#define HAKMEM_TEST_IRQ_SECONDS		10	/* unless this passed */
#define HAKMEM_TEST_IRQ_SEED		0x80000000U
#define HAKMEM_TEST_KEEP_SEED		0x40000000U
#define HAKMEM_TEST_HANDOFF_SEED	0x20000000U
#define HAKMEM_TEST_HANDOFF_SIZE	96

struct hakmem_test_irq {
	struct hrtimer hrtimer;
	struct timer_list timer;
	bool hardirq;			/* hrtimer, else timer_list */
	struct hakmem_cache *s;		/* NULL: use hakmem_kmalloc() */
	bool stop;
	unsigned long runs;
	unsigned long bad_context;
	unsigned long bad_pattern;
	unsigned long failed;
	void *held[HAKMEM_TEST_IRQ_HELD];
	u32 held_seed[HAKMEM_TEST_IRQ_HELD];
	void *handoff;
};

static const unsigned int hakmem_test_irq_kmalloc_sizes[] = {
	8, 40, 96, 192, 256, 640, 1024, 3000, HAKMEM_KMALLOC_MAX_CACHE_SIZE,
};

static unsigned int hakmem_test_irq_size(struct hakmem_test_irq *ctx,
					 u32 seed)
{
	if (ctx->s)
		return hakmem_cache_size(ctx->s);
	return hakmem_test_irq_kmalloc_sizes[seed %
		ARRAY_SIZE(hakmem_test_irq_kmalloc_sizes)];
}

/* The bytes stamped: all of the object, or (quick) its first 16. */
static unsigned int hakmem_test_irq_stamp(struct hakmem_test_irq *ctx,
					  u32 seed, bool quick)
{
	unsigned int size = hakmem_test_irq_size(ctx, seed);

	return quick ? min(size, 16U) : size;
}

/* Allocate and stamp an object; the seed also picks a kmalloc size. */
static void *__hakmem_test_irq_alloc(struct hakmem_test_irq *ctx, u32 seed,
				     gfp_t gfp, bool quick)
{
	void *obj;

	if (ctx->s)
		obj = hakmem_cache_alloc(ctx->s, gfp);
	else
		obj = hakmem_kmalloc(hakmem_test_irq_size(ctx, seed), gfp);
	if (obj)
		hakmem_test_fill(obj, hakmem_test_irq_stamp(ctx, seed, quick),
				 seed);
	return obj;
}

static void *hakmem_test_irq_alloc(struct hakmem_test_irq *ctx, u32 seed,
				   gfp_t gfp)
{
	return __hakmem_test_irq_alloc(ctx, seed, gfp, false);
}

/* Check the stamp and free; return false if the stamp was broken. */
static bool __hakmem_test_irq_free(struct hakmem_test_irq *ctx, void *obj,
				   u32 seed, bool quick)
{
	bool ok = hakmem_test_check(obj,
				    hakmem_test_irq_stamp(ctx, seed, quick),
				    seed);

	if (ctx->s)
		hakmem_cache_free(ctx->s, obj);
	else
		hakmem_kfree(obj);
	return ok;
}

static bool hakmem_test_irq_free(struct hakmem_test_irq *ctx, void *obj,
				 u32 seed)
{
	return __hakmem_test_irq_free(ctx, obj, seed, false);
}

static void *hakmem_test_handoff_alloc(struct hakmem_test_irq *ctx)
{
	void *obj;

	if (ctx->s)
		return hakmem_test_irq_alloc(ctx, HAKMEM_TEST_HANDOFF_SEED,
					     GFP_KERNEL);
	obj = hakmem_kmalloc(HAKMEM_TEST_HANDOFF_SIZE, GFP_KERNEL);
	if (obj)
		hakmem_test_fill(obj, HAKMEM_TEST_HANDOFF_SIZE,
				 HAKMEM_TEST_HANDOFF_SEED);
	return obj;
}

static bool hakmem_test_handoff_free(struct hakmem_test_irq *ctx, void *obj)
{
	bool ok;

	if (ctx->s)
		return hakmem_test_irq_free(ctx, obj,
					    HAKMEM_TEST_HANDOFF_SEED);
	ok = hakmem_test_check(obj, HAKMEM_TEST_HANDOFF_SIZE,
			       HAKMEM_TEST_HANDOFF_SEED);
	hakmem_kfree(obj);
	return ok;
}

/* One run of the interrupt side. */
static void hakmem_test_irq_step(struct hakmem_test_irq *ctx)
{
	unsigned long runs = ctx->runs;
	unsigned int slot = runs % HAKMEM_TEST_IRQ_HELD;
	void *burst[HAKMEM_TEST_IRQ_BURST];
	u32 seed = HAKMEM_TEST_IRQ_SEED | (u32)(runs * 8);
	unsigned int i;
	void *obj;

	/* the object this slot held since the last round */
	obj = ctx->held[slot];
	ctx->held[slot] = NULL;
	if (obj && !hakmem_test_irq_free(ctx, obj, ctx->held_seed[slot]))
		ctx->bad_pattern++;

	/* the object process context handed over */
	obj = xchg(&ctx->handoff, NULL);
	if (obj && !hakmem_test_handoff_free(ctx, obj))
		ctx->bad_pattern++;

	/*
	 * On PREEMPT_RT hardirq context may free but not allocate (nor may it
	 * with SLUB: the allocators take sleeping locks there); the timer
	 * and softirq cases allocate from the timer threads instead.
	 */
	if (IS_ENABLED(CONFIG_PREEMPT_RT) && in_hardirq()) {
		WRITE_ONCE(ctx->runs, runs + 1);
		return;
	}

	/* a burst allocated and freed within this interrupt */
	for (i = 0; i < HAKMEM_TEST_IRQ_BURST; i++) {
		burst[i] = hakmem_test_irq_alloc(ctx, seed + i, GFP_ATOMIC);
		if (!burst[i])
			ctx->failed++;
	}
	for (i = HAKMEM_TEST_IRQ_BURST; i-- > 0;)
		if (burst[i] && !hakmem_test_irq_free(ctx, burst[i], seed + i))
			ctx->bad_pattern++;

	/* and one kept until this slot comes round again */
	seed += HAKMEM_TEST_IRQ_BURST;
	obj = hakmem_test_irq_alloc(ctx, seed, GFP_ATOMIC);
	if (!obj)
		ctx->failed++;
	ctx->held[slot] = obj;
	ctx->held_seed[slot] = seed;

	WRITE_ONCE(ctx->runs, runs + 1);
}

static enum hrtimer_restart hakmem_test_hrtimer_fn(struct hrtimer *timer)
{
	struct hakmem_test_irq *ctx;

	ctx = container_of(timer, struct hakmem_test_irq, hrtimer);
	if (!in_hardirq())
		ctx->bad_context++;
	hakmem_test_irq_step(ctx);
	if (READ_ONCE(ctx->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(HAKMEM_TEST_IRQ_PERIOD_NS));
	return HRTIMER_RESTART;
}

static void hakmem_test_timer_fn(struct timer_list *timer)
{
	struct hakmem_test_irq *ctx = from_timer(ctx, timer, timer);

	if (!in_serving_softirq())
		ctx->bad_context++;
	hakmem_test_irq_step(ctx);
	if (!READ_ONCE(ctx->stop))
		mod_timer(&ctx->timer, jiffies);	/* the next tick */
}

static void hakmem_test_irq_stop(void *arg)
{
	struct hakmem_test_irq *ctx = arg;

	WRITE_ONCE(ctx->stop, true);
	if (ctx->hardirq)
		hrtimer_cancel(&ctx->hrtimer);
	else
		del_timer_sync(&ctx->timer);
}

static void hakmem_test_irq_run(struct kunit *test, struct hakmem_cache *s,
				bool hardirq)
{
	unsigned long runs = hardirq ? HAKMEM_TEST_HARDIRQ_RUNS :
				       HAKMEM_TEST_SOFTIRQ_RUNS;
	struct hakmem_test_classes *classes = NULL;
	const size_t nkeep = 64, nbatch = 16;
	unsigned long bad = 0, failed = 0;
	unsigned int i;
	struct hakmem_test_irq *ctx;
	unsigned long end, loops = 0;
	void **keep, **batch;
	unsigned int j;
	void *obj;
	u32 seed;

	if (!s)
		classes = hakmem_test_snap_classes(test);
	keep = hakmem_test_ptrs(test, nkeep);
	batch = hakmem_test_ptrs(test, nbatch);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->s = s;
	ctx->hardirq = hardirq;
	if (hardirq) {
		hrtimer_init(&ctx->hrtimer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_HARD);
		ctx->hrtimer.function = hakmem_test_hrtimer_fn;
	} else {
		timer_setup(&ctx->timer, hakmem_test_timer_fn, 0);
	}
	hakmem_test_add_action(test, hakmem_test_irq_stop, ctx);

	/* long-lived objects, checked at the end */
	for (i = 0; i < nkeep; i++) {
		keep[i] = hakmem_test_irq_alloc(ctx, HAKMEM_TEST_KEEP_SEED | i,
						GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, keep[i]);
	}

	/* No assertion may abort the case from here until the timer stops. */
	if (hardirq)
		hrtimer_start(&ctx->hrtimer,
			      ns_to_ktime(HAKMEM_TEST_IRQ_PERIOD_NS),
			      HRTIMER_MODE_REL_HARD);
	else
		mod_timer(&ctx->timer, jiffies + 1);

	end = jiffies + HAKMEM_TEST_IRQ_SECONDS * HZ;
	seed = 0;
	while ((READ_ONCE(ctx->runs) < runs ||
		loops < HAKMEM_TEST_IRQ_LOOPS) && time_before(jiffies, end)) {
		for (i = 0; i < nbatch; i++) {
			batch[i] = hakmem_test_irq_alloc(ctx, seed + i,
							 GFP_KERNEL);
			if (!batch[i])
				failed++;
		}
		obj = hakmem_test_handoff_alloc(ctx);
		if (!obj)
			failed++;
		obj = xchg(&ctx->handoff, obj);
		if (obj && !hakmem_test_handoff_free(ctx, obj))
			bad++;
		for (i = nbatch; i-- > 0;)
			if (batch[i] &&
			    !hakmem_test_irq_free(ctx, batch[i], seed + i))
				bad++;
		seed = (seed + nbatch) % HAKMEM_TEST_HANDOFF_SEED;

		/*
		 * Quick rounds, stamping 16 bytes only, so that most of the
		 * time is spent inside the allocator, where the interrupts
		 * should land.
		 */
		for (j = 0; j < HAKMEM_TEST_IRQ_QUICK; j++) {
			for (i = 0; i < nbatch; i++) {
				batch[i] = __hakmem_test_irq_alloc(ctx, seed + i,
								   GFP_KERNEL,
								   true);
				if (!batch[i])
					failed++;
			}
			for (i = nbatch; i-- > 0;)
				if (batch[i] &&
				    !__hakmem_test_irq_free(ctx, batch[i],
							    seed + i, true))
					bad++;
			seed = (seed + nbatch) % HAKMEM_TEST_HANDOFF_SEED;
		}
		loops++;
		cond_resched();
	}

	hakmem_test_irq_stop(ctx);

	obj = xchg(&ctx->handoff, NULL);
	if (obj && !hakmem_test_handoff_free(ctx, obj))
		bad++;
	for (i = 0; i < HAKMEM_TEST_IRQ_HELD; i++)
		if (ctx->held[i] &&
		    !hakmem_test_irq_free(ctx, ctx->held[i], ctx->held_seed[i]))
			bad++;
	for (i = 0; i < nkeep; i++)
		if (!hakmem_test_irq_free(ctx, keep[i],
					  HAKMEM_TEST_KEEP_SEED | i))
			bad++;

	kunit_info(test, "%lu callbacks, %lu process loops\n", ctx->runs,
		   loops);
	KUNIT_EXPECT_GE(test, ctx->runs, HAKMEM_TEST_IRQ_MIN_RUNS);
	KUNIT_EXPECT_EQ(test, ctx->bad_context, 0);
	KUNIT_EXPECT_EQ_MSG(test, ctx->bad_pattern, 0,
			    "objects broken in the callback");
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "objects broken in process context");
	KUNIT_EXPECT_EQ(test, ctx->failed, 0);
	KUNIT_EXPECT_EQ(test, failed, 0);
	if (s) {
		KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
		KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
		KUNIT_EXPECT_EQ(test, hakmem_test_errors_total(s), 0);
	}
	if (classes)
		hakmem_test_expect_classes(test, classes);
}

static void hakmem_cache_alloc_reenters_from_hardirq(struct kunit *test)
{
	struct hakmem_cache *s;

	s = hakmem_test_create_param(test, "hakmem_test_hardirq", 256);
	hakmem_test_irq_run(test, s, true);
}

static void hakmem_cache_alloc_reenters_from_softirq(struct kunit *test)
{
	struct hakmem_cache *s;

	s = hakmem_test_create_param(test, "hakmem_test_softirq", 256);
	hakmem_test_irq_run(test, s, false);
}

static void hakmem_kmalloc_reenters_from_hardirq(struct kunit *test)
{
	hakmem_test_irq_run(test, NULL, true);
}

/*
 * Enough objects to need a new segment while interrupts are off.  On
 * PREEMPT_RT nothing may allocate with interrupts off (SLUB neither: the
 * page allocator's locks sleep there), so the objects are allocated before
 * and only freed with interrupts off, which hakmem allows in any context.
 */
static void hakmem_cache_alloc_works_with_irqs_disabled(struct kunit *test)
{
	const bool rt = IS_ENABLED(CONFIG_PREEMPT_RT);
	struct hakmem_cache *s;
	size_t i, n, got = 0, bad = 0;
	unsigned long flags = 0;
	void **p;

	s = hakmem_test_create_param(test, "hakmem_test_irqs_off", 512);
	n = min_t(size_t, hakmem_test_objs_per_segment(s) + 16, 20000);
	p = hakmem_test_ptrs(test, n);

	if (!rt)
		local_irq_save(flags);
	for (i = 0; i < n; i++) {
		p[i] = hakmem_cache_alloc(s, GFP_ATOMIC);
		if (p[i]) {
			hakmem_test_fill(p[i], 512, i);
			got++;
		}
	}
	if (rt)
		local_irq_save(flags);
	for (i = 0; i < n; i++)
		if (p[i] && !hakmem_test_check(p[i], 512, i))
			bad++;
	hakmem_test_free_n(s, p, n);
	local_irq_restore(flags);

	KUNIT_EXPECT_EQ(test, got, n);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

static void hakmem_cache_alloc_works_with_bh_disabled(struct kunit *test)
{
	struct hakmem_cache *s;
	const size_t n = 512;
	size_t i, got = 0, bad = 0;
	void **p;

	s = hakmem_test_create_param(test, "hakmem_test_bh_off", 128);
	p = hakmem_test_ptrs(test, n);

	local_bh_disable();
	for (i = 0; i < n; i++) {
		p[i] = hakmem_cache_alloc(s, GFP_ATOMIC);
		if (p[i]) {
			hakmem_test_fill(p[i], 128, i);
			got++;
		}
	}
	for (i = 0; i < n; i++)
		if (p[i] && !hakmem_test_check(p[i], 128, i))
			bad++;
	hakmem_test_free_n(s, p, n);
	local_bh_enable();

	KUNIT_EXPECT_EQ(test, got, n);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_inuse(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/*
 * A fast allocation takes a pending reschedule where SLUB's would: a
 * blocking one at its might_sleep() with voluntary preemption, any one at
 * preempt_enable() with full preemption, none without preemption.
 */
static void hakmem_test_expect_resched(struct kunit *test,
				       struct hakmem_cache *s, gfp_t gfp)
{
	int taken = hakmem_resched_check(s, gfp);

	KUNIT_ASSERT_GE_MSG(test, taken, 0, "gfp %pGg: no fast allocation",
			    &gfp);
	KUNIT_EXPECT_EQ_MSG(test, taken, hakmem_resched_expected(gfp),
			    "gfp %pGg, preemption %s", &gfp,
			    hakmem_resched_model());
}

static void hakmem_cache_alloc_takes_pending_reschedule(struct kunit *test)
{
	struct hakmem_cache *s;

	hakmem_test_pin_cpu(test);
	s = hakmem_test_create_param(test, "hakmem_test_resched", 256);
	hakmem_test_expect_resched(test, s, GFP_KERNEL);
	hakmem_test_expect_resched(test, s, GFP_NOWAIT);
	hakmem_test_expect_resched(test, s, GFP_ATOMIC);
}

static struct kunit_case hakmem_irq_cases[] = {
	KUNIT_CASE_PARAM(hakmem_cache_alloc_reenters_from_hardirq,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_reenters_from_softirq,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE(hakmem_kmalloc_reenters_from_hardirq),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_works_with_irqs_disabled,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_works_with_bh_disabled,
			 hakmem_test_mode_gen_params),
	KUNIT_CASE_PARAM(hakmem_cache_alloc_takes_pending_reschedule,
			 hakmem_test_mode_gen_params),
	{}
};

static struct kunit_suite hakmem_irq_suite = {
	.name = "hakmem_slab_irq",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_irq_cases,
};

kunit_test_suite(hakmem_irq_suite);
