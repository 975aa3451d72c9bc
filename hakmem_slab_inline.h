/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hakmem_slab: the opt-in inline fast paths.
 *
 * A caller that includes this header (instead of, or after, hakmem_slab.h)
 * may call hakmem_cache_alloc_inline() and hakmem_cache_free_inline(): the
 * pop and the push of the per-CPU stack are compiled into the call site, as
 * page_pool inlines the pop of its lockless cache, and everything else
 * (refill, flush, proving a pointer of another segment, debug caches, fault
 * injection, header work, zeroing) is a call to the module's slow paths.
 * See Documentation/hakmem_slab.rst, "Inline fast paths".
 *
 * The structures below mirror the first fields of the module's private
 * struct hakmem_cache and struct hk_cpu: hakmem_slab.c checks every offset
 * at build time, and the slow-path symbols carry HAKMEM_INLINE_ABI in their
 * names, so a caller built against another layout fails to load (unknown
 * symbol) instead of reading the wrong fields.
 */
#ifndef _HAKMEM_SLAB_INLINE_H
#define _HAKMEM_SLAB_INLINE_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/jump_label.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/string.h>

#include "hakmem_slab.h"

/*
 * The layout version of the structures below.  A change to the fields they
 * mirror (or to what the inline paths may assume of them) bumps it, which
 * renames the slow-path symbols: modules built against the old header then
 * refuse to load.
 */
#define HAKMEM_INLINE_ABI	1

/**
 * struct hakmem_cache_fast - what the inline paths read of a cache
 * @cpu: the per-CPU state (struct hakmem_cpu_fast at its start)
 * @stack_max: per-CPU stack slots; 0 for caches that take the slow path
 *	always (debug, KASAN, kmemleak)
 * @fast_max: @stack_max, or 0 if a free has more to do than a push
 * @obj_off: private
 * @link_off: private
 * @hdr_live: the header an object being freed must have
 * @alloc_work: nonzero if an allocation has more to do than a pop
 * @free_work: nonzero if a free must write the header (full mode)
 * @stack_off: offset of the stack of object pointers in the per-CPU state
 * @gfp_zero: %__GFP_ZERO, or 0 if the cache ignores it (ctor caches)
 * @hdr_light: private
 * @hdr_alloc: private
 * @hdr_free: the header of a free object (full mode)
 * @tag: private
 * @flags_b: private (seven bools of the module's)
 * @red_off: private
 * @red_size: private
 * @track_off: private
 * @object_size: the object size, zeroed by an allocation that zeroes
 *
 * The first bytes of the module's struct hakmem_cache (ABI, see
 * %HAKMEM_INLINE_ABI).  Read only; the module writes them while no
 * allocation or free can run (creation) or with every CPU's stack empty.
 */
struct hakmem_cache_fast {
	void __percpu *cpu;
	unsigned int stack_max;
	unsigned int fast_max;
	unsigned int obj_off;
	int link_off;
	u64 hdr_live;
	u8 alloc_work;
	u8 free_work;
	u16 stack_off;
	unsigned int gfp_zero;
	u64 hdr_light;
	u64 hdr_alloc;
	u64 hdr_free;
	u32 tag;
	bool flags_b[7];
	unsigned int red_off;
	unsigned int red_size;
	unsigned int track_off;
	unsigned int object_size;
};

/* The bit of hakmem_cache_fast.alloc_work that asks for zeroing only. */
#define __HAKMEM_WORK_ZERO	BIT(2)

/**
 * struct hakmem_cpu_fast - what the inline paths touch of a CPU's state
 * @busy: the re-entrancy guard, set around every pop and push
 * @count: objects in the stack
 * @cur_base: first slot of the segment frees may push without a lookup
 * @cur_size: bytes from there to its end (0: none)
 * @stat: the per-CPU event counters (enum hakmem_stat_item)
 *
 * The first bytes of the module's per-CPU struct hk_cpu (ABI); the stack
 * of object pointers is at hakmem_cache_fast.stack_off from its start.
 */
struct hakmem_cpu_fast {
	unsigned int busy;
	unsigned int count;
	unsigned long cur_base;
	unsigned long cur_size;
	u64 stat[HAKMEM_NR_STATS];
};

/* The slow paths, versioned (see HAKMEM_INLINE_ABI). */
#define __hakmem_abi_sym(name)	__PASTE(name, __PASTE(_abi, HAKMEM_INLINE_ABI))
#define __hakmem_alloc_slow	__hakmem_abi_sym(__hakmem_cache_alloc_slow)
#define __hakmem_free_slow	__hakmem_abi_sym(__hakmem_cache_free_slow)

/*
 * The rest of an inline allocation: the slow path if @obj is NULL, else
 * what hakmem_cache_alloc() does after its pop.
 */
void *__hakmem_alloc_slow(struct hakmem_cache *s, void *obj, gfp_t gfp);
/* The slow path of an inline free: NULL, other segments, checks, flush. */
void __hakmem_free_slow(struct hakmem_cache *s, void *obj);

/* fail_hakmem (fault injection) is on: a static key, a no-op while off. */
DECLARE_STATIC_KEY_FALSE(hk_fail_key);

static __always_inline struct hakmem_cache_fast *
__hakmem_fast(struct hakmem_cache *s)
{
	return (struct hakmem_cache_fast *)s;
}

static __always_inline void **__hakmem_stack(struct hakmem_cache_fast *f,
					     struct hakmem_cpu_fast *c)
{
	return (void **)((char *)c + f->stack_off);
}

/*
 * might_alloc() after a pop (the module's hk_might_alloc_due() too):
 * where might_alloc() is only a voluntary preemption point, test it
 * inline; elsewhere make the whole might_alloc() (true: the slow-path
 * work must make it).
 */
#if IS_ENABLED(CONFIG_PREEMPT_RCU) && !IS_ENABLED(CONFIG_LOCKDEP) && \
	!IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP)
static __always_inline bool __hakmem_might_alloc_due(gfp_t gfp)
{
	return gfpflags_allow_blocking(gfp) && should_resched(0);
}
#else
static __always_inline bool __hakmem_might_alloc_due(gfp_t gfp)
{
	might_alloc(gfp);
	return false;
}
#endif

/**
 * hakmem_cache_alloc_inline - hakmem_cache_alloc(), its fast path inline
 * @s: the cache
 * @gfp: GFP flags, as for hakmem_cache_alloc()
 *
 * Pops this CPU's stack of @s in the caller, with preemption disabled and
 * the CPU's guard set, as hakmem_cache_alloc() does; an empty stack, a
 * nested call, fault injection, a debug cache and any work beyond the pop
 * and zeroing (the full-mode header, a due preemption point) are one call
 * to the module.  The same object, counters and errors as
 * hakmem_cache_alloc(); objects may be freed by either free call.
 *
 * Context: as for hakmem_cache_alloc().
 * Return: the object, or NULL.
 */
static __always_inline void *hakmem_cache_alloc_inline(struct hakmem_cache *s,
						       gfp_t gfp)
{
	struct hakmem_cache_fast *f = __hakmem_fast(s);
	struct hakmem_cpu_fast *c;
	unsigned int n, work;
	void *obj;

	if (HK_FAULT_INJECTION && static_branch_unlikely(&hk_fail_key))
		return __hakmem_alloc_slow(s, NULL, gfp);
	preempt_disable();
	c = this_cpu_ptr((struct hakmem_cpu_fast __percpu *)f->cpu);
	if (likely(!c->busy)) {
		c->busy = 1;
		barrier();
		/* Read after entering: an interrupt may have popped. */
		n = c->count;
		if (likely(n)) {
			c->count = --n;
			obj = __hakmem_stack(f, c)[n];
			c->stat[HAKMEM_ALLOC_FAST]++;
			barrier();
			c->busy = 0;
			preempt_enable();
			/*
			 * More to do than zeroing: one call.  A constant
			 * @gfp without __GFP_ZERO leaves one byte to test.
			 */
			work = f->alloc_work;
			if (gfp & __GFP_ZERO)
				work |= f->gfp_zero;
			if (unlikely(work & ~(__HAKMEM_WORK_ZERO |
					      (__force unsigned int)__GFP_ZERO)) ||
			    unlikely(__hakmem_might_alloc_due(gfp)))
				return __hakmem_alloc_slow(s, obj, gfp);
			if (unlikely(work))
				return memset(obj, 0, f->object_size);
			return obj;
		}
		barrier();
		c->busy = 0;
	}
	preempt_enable();
	return __hakmem_alloc_slow(s, NULL, gfp);
}

/**
 * hakmem_cache_free_inline - hakmem_cache_free(), its fast path inline
 * @s: the cache the object came from
 * @obj: the object; NULL is a no-op
 *
 * Pushes @obj on this CPU's stack of @s in the caller when it is in the
 * CPU's current segment, its header is @s's live header and it is not the
 * top of the stack (a double free), as hakmem_cache_free() does; anything
 * else (NULL and %ZERO_SIZE_PTR too, which are in no segment) is one call
 * to the module, which proves, reports or hands the object off.
 *
 * Context: any context; never sleeps.
 */
static __always_inline void hakmem_cache_free_inline(struct hakmem_cache *s,
						     void *obj)
{
	struct hakmem_cache_fast *f = __hakmem_fast(s);
	struct hakmem_cpu_fast *c;
	void **stack;
	unsigned int n;

	preempt_disable();
	c = this_cpu_ptr((struct hakmem_cpu_fast __percpu *)f->cpu);
	if (likely((unsigned long)obj - c->cur_base < c->cur_size &&
		   !c->busy)) {
		c->busy = 1;
		barrier();
		/* Read after entering: an interrupt may have pushed. */
		n = c->count;
		stack = __hakmem_stack(f, c);
		if (likely(n < f->fast_max &&
			   get_unaligned((u64 *)obj - 1) == f->hdr_live &&
			   (unlikely(!n) || stack[n - 1] != obj))) {
			/* fast_max is 0 if the free has more than this. */
			if (unlikely(f->free_work))
				*((u64 *)obj - 1) = f->hdr_free;
			c->count = n + 1;
			stack[n] = obj;
			c->stat[HAKMEM_FREE_FAST]++;
			barrier();
			c->busy = 0;
			preempt_enable();
			return;
		}
		barrier();
		c->busy = 0;
	}
	preempt_enable();
	__hakmem_free_slow(s, obj);
}

#endif /* _HAKMEM_SLAB_INLINE_H */
