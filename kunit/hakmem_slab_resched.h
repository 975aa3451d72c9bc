/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Does an allocation take a reschedule that is pending?  Shared by the
 * KUnit suites (UML: no preemption; x86_64: CONFIG_PREEMPT with lockdep)
 * and hakmem_stress.ko (Debian's kernel: preempt=voluntary, no lockdep),
 * because hakmem_slab.c builds the fast path's preemption point
 * differently for each (hk_might_alloc_due()), and only the stress
 * module runs on the kernel where it is tested inline.
 */
#ifndef _HAKMEM_SLAB_RESCHED_H
#define _HAKMEM_SLAB_RESCHED_H

#include <linux/gfp.h>
#include <linux/preempt.h>
#include <linux/sched.h>

#include "hakmem_slab.h"

/*
 * Whether an allocation with @gfp takes a pending reschedule, as SLUB's
 * does: preempt_enable() takes it in a fully preemptible kernel, and the
 * might_sleep() of a blocking allocation takes it with voluntary
 * preemption.  Without preemption nothing does.
 */
static inline bool hakmem_resched_expected(gfp_t gfp)
{
	if (preempt_model_preemptible())
		return true;
	return preempt_model_voluntary() && gfpflags_allow_blocking(gfp);
}

/* The preemption model, for messages. */
static inline const char *hakmem_resched_model(void)
{
	if (preempt_model_preemptible())
		return "full";
	return preempt_model_voluntary() ? "voluntary" : "none";
}

/*
 * Allocate once from @s's per-CPU stack with @gfp while a reschedule is
 * pending, free the object, and return 1 if the allocation took the
 * reschedule, 0 if not; -ENOMEM if it failed, -EAGAIN if it did not come
 * from the stack (the case is about the fast path).  Process context.
 */
static inline int hakmem_resched_taken(struct hakmem_cache *s, gfp_t gfp)
{
	u64 fast;
	bool taken;
	void *obj;

	/* Put an object on this CPU's stack. */
	obj = hakmem_cache_alloc(s, gfp);
	if (!obj)
		return -ENOMEM;
	hakmem_cache_free(s, obj);

	fast = hakmem_cache_stat(s, HAKMEM_ALLOC_FAST);
	set_tsk_need_resched(current);
	set_preempt_need_resched();
	obj = hakmem_cache_alloc(s, gfp);
	taken = !test_tsk_need_resched(current);
	/* Leave no request behind where the allocation did not take it. */
	if (!taken)
		schedule();
	if (!obj)
		return -ENOMEM;
	hakmem_cache_free(s, obj);
	if (hakmem_cache_stat(s, HAKMEM_ALLOC_FAST) == fast)
		return -EAGAIN;
	return taken;
}

/*
 * hakmem_resched_taken() until it gives hakmem_resched_expected(), three
 * times at most: a wakeup or a tick may ask for a reschedule again right
 * after the allocation took one, and a task that is not pinned may move
 * away from the stack it filled (-EAGAIN).  A fast path that never takes a
 * reschedule, or always does, fails all three.  Returns the last result.
 */
static inline int hakmem_resched_check(struct hakmem_cache *s, gfp_t gfp)
{
	int tries = 0, taken;

	do {
		taken = hakmem_resched_taken(s, gfp);
	} while (taken != hakmem_resched_expected(gfp) && ++tries < 3);
	return taken;
}

#endif /* _HAKMEM_SLAB_RESCHED_H */
