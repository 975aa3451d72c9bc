/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hakmem_slab internals: shared by hakmem_slab.c (the allocator core),
 * hakmem_slab_report.c (reports, debug checks, validation, leak reports)
 * and hakmem_slab_debugfs.c (the debugfs files).  Not an API: modules use
 * hakmem_slab.h.  The data structures, the lock order and the paths are
 * described at the top of hakmem_slab.c.
 */
#ifndef _HAKMEM_SLAB_INTERNAL_H
#define _HAKMEM_SLAB_INTERNAL_H

#define pr_fmt(fmt) "hakmem_slab: " fmt

#include <linux/bitops.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poison.h>
#include <linux/printk.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <kunit/test.h>

#include "hakmem_compat.h"
#include "hakmem_slab.h"
#include "kunit/hakmem_slab_test.h"

/* === Data ================================================================= */

#define HK_STACK_MAX		256	/* per-CPU stack slots, at most */
#define HK_STACK_MIN		2	/* ... and at least, if any */
/* Bytes of objects a per-CPU stack holds at most (object_size x slots). */
#define HK_STACK_BYTES		SZ_64K
#define HK_POOL_MAX		2	/* empty segments kept per cache */
/* Pages of empty segments kept in all pools together, per online node. */
#define HK_POOL_PAGES_PER_NODE	(SZ_1M >> PAGE_SHIFT)
#define HK_MAX_SLABS_PER_SEG	BITS_PER_LONG
#define HK_MIN_OBJS_PER_SLAB	4
#define HK_FIRST_SEG_OBJS	8	/* objects a heap's first segment holds */
#define HK_HDR_SIZE		sizeof(struct hk_hdr)
#define HK_LINK_SIZE		sizeof(void *)
#define HK_KFREE_HINTS		16	/* segments hakmem_kfree() remembers */

/* What of the caller's gfp a segment allocation keeps (mm's reclaim mask). */
#define HK_GFP_SEGMENT_MASK	(__GFP_RECLAIM | __GFP_IO | __GFP_FS |	\
				 __GFP_HIGH | __GFP_NORETRY |		\
				 __GFP_RETRY_MAYFAIL | __GFP_MEMALLOC |	\
				 __GFP_NOMEMALLOC | __GFP_HARDWALL |	\
				 __GFP_THISNODE | __GFP_NOFAIL)

/* Each new segment of a heap is 2^HK_SEG_GROWTH times the last. */
#define HK_SEG_GROWTH		4

/* hk_hdr.state values */
#define HK_STATE_LIGHT		0x11947e55U	/* light mode: written at carve */
#define HK_STATE_ALLOC		0xa110c8edU	/* full mode: allocated */
#define HK_STATE_FREE		0xf7eef7eeU	/* full mode: free */
#define HK_STATE_DEAD		0xdeadf7eeU	/* light mode: slab is free */

/* hk_slab.state */
enum hk_slab_state {
	HK_SLAB_FREE,		/* in the segment's free_map */
	HK_SLAB_ACTIVE,		/* the heap's current slab */
	HK_SLAB_PARTIAL,	/* in the segment's partial_map (and dense_map) */
	HK_SLAB_FULL,		/* no free object, on no map */
};

/* The per-object header, just before the object. */
struct hk_hdr {
	u32 tag;		/* the cache's hakmem_cache.tag */
	u32 state;		/* HK_STATE_* */
};

/* The last allocation or free of an object (SLAB_STORE_USER). */
struct hk_track {
	unsigned long addr;	/* caller */
	unsigned long when;	/* jiffies */
	int cpu;
	int pid;
};

enum hk_track_item { HK_TRACK_ALLOC, HK_TRACK_FREE };

/*
 * What an allocation or a free does besides the pop or push, one byte each
 * (hakmem_cache.alloc_work, free_work), so that the fast paths test one byte.
 */
#define HK_WORK_DEBUG		BIT(0)	/* poison, red zone, tracks */
#define HK_WORK_HEADER		BIT(1)	/* full mode: write the state */
#define HK_WORK_ZERO		BIT(2)	/* init_on_alloc / init_on_free */
#define HK_WORK_TOOLS		BIT(3)	/* KASAN, kmemleak (.kasan, .kmemleak) */

/* Debug features a cache has (from its flags and the debug parameter). */
#define HK_DEBUG_FLAGS		(SLAB_POISON | SLAB_RED_ZONE | SLAB_STORE_USER)

/* One slab (span of 2^slab_order PAGE_SIZE pages) of a segment. */
struct hk_slab {
	void *freelist;		/* free objects, linked through the link word */
	unsigned short inuse;	/* objects out of this slab (users, stacks) */
	unsigned short carved;	/* objects carved so far */
	/*
	 * Slots the constructor has built since the segment came from the
	 * page allocator: carving the slab again does not rebuild them.
	 */
	unsigned short constructed;
	unsigned char state;	/* enum hk_slab_state */
};

struct hk_heap;

struct hk_segment {
	unsigned long base;		/* address of the first byte */
	unsigned long size;		/* bytes: PAGE_SIZE << order */
	struct hakmem_cache *cache;
	unsigned int order;		/* of the page allocation */
	unsigned int slab_shift;	/* log2 of a slab's bytes */
	unsigned int nr_slabs;		/* slabs[] entries */
	unsigned int objs_per_slab;
	struct hk_heap *heap;		/* owner; NULL while in the pool */
	unsigned long free_map;		/* owner: free slabs */
	unsigned long partial_map;	/* owner: slabs with free objects */
	/* owner: of those, at least half used when they went partial */
	unsigned long dense_map;
	unsigned int used;		/* owner: slabs not free */
	bool full;			/* owner: on heap->full (no dense or free slab) */
	struct list_head list;		/* owner: heap->avail or heap->full */
	struct llist_head remote;	/* any CPU: remotely freed objects */
	struct llist_node remote_node;	/* on heap->remote_segs */
	struct rcu_head rcu;
	struct hk_slab slabs[];
};

/* The segments one owner allocates from. */
struct hk_heap {
	struct hk_segment *seg;		/* current segment, on no list */
	struct hk_slab *slab;		/* current slab, HK_SLAB_ACTIVE */
	struct list_head avail;		/* segments with free or dense slabs */
	/* segments without: first those with sparse slabs, then full ones */
	struct list_head full;
	struct llist_head remote_segs;	/* segments with remote frees */
	long nr_slabs;			/* slabs taken minus slabs released */
	long nr_objs;			/* objects those slabs hold */
	long inuse;			/* objects out of them (users, stacks) */
	unsigned int next_order;	/* of the next new segment */
	int node;
};

/* A heap of one node, under its own lock (lock order: as the depot's, 4). */
struct hk_node_heap {
	spinlock_t lock;		/* protects heap */
	struct hk_heap heap;
};

/*
 * What the fast paths touch is in the first cache line: the guard, the
 * count, the segment compare and the two fast counters; then the slot of
 * stack[] they pop or push.  The segment __hk_free() proved last has a line
 * of its own.  Aligned on UP kernels too: the point is how many lines a
 * fast path touches, not false sharing.
 */
struct hk_cpu {
	unsigned int busy;		/* re-entrancy guard */
	unsigned int count;		/* objects in stack[] */
	unsigned long cur_base;		/* cur_seg's first slot, or 0 */
	unsigned long cur_size;		/* bytes from there to its end, or 0 */
	u64 stat[HAKMEM_NR_STATS];
	/*
	 * The segment the last objects were allocated from, for the fast free
	 * path: heap.seg, or the last one while the heap has none (it filled
	 * up); owned by the heap, cleared when it leaves the heap.
	 */
	struct hk_segment *cur_seg ____cacheline_aligned;
	/* The last segment __hk_free() proved, and hakmem_cache.seg_gen then. */
	unsigned long last_base;
	unsigned long last_size;
	struct hk_segment *last_seg;
	unsigned long last_gen;
	u64 idle_ops;			/* allocations + frees at the last reclaim */
	/*
	 * heap.inuse at or below which a burst of frees may be ending: a
	 * stack below heap.inuse at the last refill and below one and a half
	 * stacks, LONG_MIN if what was in use then fitted in one full-size
	 * segment (hk_cpu_set_drain_at()).
	 */
	long drain_at;
	bool draining;			/* the end of a burst of frees */
	struct hk_heap heap;
	/* hakmem_cache.stack_max slots (one if 0), allocated with the rest. */
	void *stack[];
} ____cacheline_aligned;

static_assert(L1_CACHE_BYTES < 64 ||
	      offsetofend(struct hk_cpu, stat[HAKMEM_FREE_FAST]) <= 64);

struct hakmem_cache {
	/* Read on the fast paths. */
	struct hk_cpu __percpu *cpu;
	unsigned int stack_max;		/* 0: every operation takes the slow path */
	unsigned int fast_max;		/* stack_max, or 0 if a free must do more */
	unsigned int obj_off;		/* object offset in its slot */
	int link_off;			/* link word offset from the object */
	u64 hdr_live;			/* an allocated object's header */
	u8 alloc_work;			/* HK_WORK_*: beyond the pop, or 0 */
	u8 free_work;			/* HK_WORK_*: beyond the push, or 0 */
	u16 stack_off;			/* offsetof(struct hk_cpu, stack) */
	unsigned int gfp_zero;		/* __GFP_ZERO, or 0 for ctor caches */
	u64 hdr_light;			/* light-mode header value */
	u64 hdr_alloc;			/* full mode: allocated */
	u64 hdr_free;			/* full mode: free */
	u32 tag;
	bool full_mode;
	bool init_alloc;		/* zero on allocation (init_on_alloc) */
	bool init_free;			/* zero on free (init_on_free) */
	bool debug;			/* any of HK_DEBUG_FLAGS */
	bool kasan;			/* KASAN poisons free objects, red zones */
	bool kmemleak;			/* objects are kmemleak objects */
	bool poison;			/* poison free objects */
	unsigned int red_off;		/* red zone offset from the object */
	unsigned int red_size;		/* red zone bytes, 0 without */
	unsigned int track_off;		/* tracks offset from the object */

	unsigned int object_size;
	unsigned int size;		/* stride */
	unsigned int align;
	unsigned int slab_order;
	unsigned int slab_shift;
	unsigned int objs_per_slab;	/* in a slab of slab_order */
	unsigned int min_order;		/* smallest segment: holds one object */
	unsigned int first_order;	/* a heap's first segment: one slab */
	bool wipe_link;			/* clear the link word on allocation */
	bool failslab;			/* fail_hakmem's cache-filter opt-in */
	slab_flags_t flags;
	enum hakmem_header_mode header_mode;
	void (*ctor)(void *obj);
	const char *name;

	/* The depot: a heap for nested (re-entrant) allocations. */
	spinlock_t depot_lock;		/* protects depot */
	struct hk_heap depot;
	/*
	 * A locked heap per node, for hakmem_cache_alloc_node() requests
	 * that this CPU's heap cannot serve (nr_node_ids entries; NULL on a
	 * kernel with one possible node).
	 */
	struct hk_node_heap *node_heaps;
	unsigned int useroffset;	/* usercopy region (create_usercopy) */
	unsigned int usersize;
	atomic_long_t rcu_pending;	/* hakmem_*free_rcu() not yet run */

	raw_spinlock_t pool_lock;	/* protects pool and nr_pool */
	struct list_head pool;		/* empty segments */
	unsigned int nr_pool;

	atomic_long_t nr_segments;
	atomic_long_t nr_seg_pages;	/* PAGE_SIZE pages in segments */
	atomic_long_t seg_gen;		/* bumped when a segment is freed */
	/* HAKMEM_NR_STATS values at the last clear; NULL: never cleared */
	u64 *stat_base;
	bool defunct;			/* destroyed with objects in use */
	struct list_head list;		/* on hk_caches */
	struct dentry *debugfs;
};

/*
 * The largest segment, as a page order: 256 KiB, or 32 KiB in backend mode,
 * where a kernel's hundred-odd caches, most of them nearly idle, each have
 * a heap per CPU whose last segments the few objects that live on pin
 * (Documentation/hakmem_slab.rst, "Backend mode", "Memory").
 */
#if IS_ENABLED(CONFIG_HAKMEM_SLAB_BACKEND)
#define HK_SEG_ORDER_DEFAULT	3
#else
#define HK_SEG_ORDER_DEFAULT	6
#endif

/*
 * The segments hakmem_kfree() proved last on this CPU, by base address, so
 * that a kfree() need not look the pointer up again.  Valid while no
 * segment has been freed since (hk_seg_gen_all == gen); busy is a guard as
 * hk_cpu.busy is.
 */
struct hk_kfree_cpu {
	unsigned int busy;
	long gen;
	unsigned long base[HK_KFREE_HINTS];
	unsigned long size[HK_KFREE_HINTS];
	struct hk_segment *seg[HK_KFREE_HINTS];
};

/* === Shared state (hakmem_slab.c) ======================================== */

extern unsigned int hk_seg_order;
extern unsigned long hk_cookie;
extern struct list_head hk_caches;
extern struct mutex hk_caches_mutex;
extern atomic_long_t hk_orphan_errors;
extern struct fault_attr hakmem_fail_segment;

/*
 * fail_hakmem, failslab's knobs for hakmem's object allocations: the
 * framework's (probability, interval, times, ...) and failslab's two.
 */
struct hakmem_fail {
	struct fault_attr attr;
	bool ignore_gfp_reclaim;	/* ignore-gfp-wait: spare sleeping ones */
	bool cache_filter;		/* only caches with ->failslab */
};

extern struct hakmem_fail hakmem_fail_alloc;
DECLARE_STATIC_KEY_FALSE(hk_fail_key);
bool hk_fail_active(void);
void hk_fail_set_active(bool on);

/* === Helpers ============================================================== */

static __always_inline struct hk_hdr *hk_hdr(const void *obj)
{
	return (struct hk_hdr *)obj - 1;
}

static __always_inline u64 hk_hdr_val(u32 tag, u32 state)
{
	struct hk_hdr h = { .tag = tag, .state = state };
	u64 v;

	memcpy(&v, &h, sizeof(v));
	return v;
}

static __always_inline void **hk_link(struct hakmem_cache *s, void *obj)
{
	return (void **)((char *)obj + s->link_off);
}

static __always_inline void *hk_get_link(struct hakmem_cache *s, void *obj)
{
	return *hk_link(s, obj);
}

static __always_inline void hk_set_link(struct hakmem_cache *s, void *obj,
					void *next)
{
	*hk_link(s, obj) = next;
}

/*
 * Is @obj inside [@base, @base + @size)?  One compare; false for every
 * pointer when @size is 0 (no segment), whatever @base holds.
 */
static __always_inline bool hk_in_range(const void *obj, unsigned long base,
					unsigned long size)
{
	return (unsigned long)obj - base < size;
}

static __always_inline unsigned int hk_slab_index(struct hakmem_cache *s,
						  struct hk_segment *seg,
						  const void *obj)
{
	return ((unsigned long)obj - seg->base) >> seg->slab_shift;
}

/* hk_slab_of(): O(1), no search. */
static __always_inline struct hk_slab *hk_slab_of(struct hakmem_cache *s,
						  struct hk_segment *seg,
						  const void *obj)
{
	return &seg->slabs[hk_slab_index(s, seg, obj)];
}

static __always_inline unsigned long hk_slab_addr(struct hakmem_cache *s,
						  struct hk_segment *seg,
						  struct hk_slab *slab)
{
	return seg->base + ((unsigned long)(slab - seg->slabs) << seg->slab_shift);
}

/*
 * A partial slab is dense while at least half its objects are in use:
 * refills take dense slabs before free ones, and sparse ones last, so that
 * those drain and can be given back.  A dense partial slab is in its
 * segment's dense_map; a slab in dense_map may have turned sparse since
 * (the puts do not clear the bit; hk_seg_take_dense() drops it).
 */
static __always_inline bool hk_slab_dense(struct hk_segment *seg,
					  struct hk_slab *slab)
{
	return 2U * slab->inuse >= seg->objs_per_slab;
}

/* The segment of an object that is known to be hakmem's. */
static __always_inline struct hk_segment *hk_seg_of_trusted(const void *obj)
{
	return (struct hk_segment *)page_private(virt_to_page(obj));
}

/*
 * The segment of a pointer into the linear map (virt_addr_valid()), or
 * NULL if it is not inside a live hakmem segment.  Reads only its struct
 * page until the segment is proven: every page of a segment carries the
 * segment and the same XOR the cookie.
 */
static inline struct hk_segment *hk_seg_lookup_valid(const void *obj)
{
	struct page *page = virt_to_page(obj);
	struct hk_segment *seg;

	seg = (struct hk_segment *)READ_ONCE(page->private);
	/* private before index: pairs with the smp_wmb() of publishing. */
	smp_rmb();
	if (unlikely(!seg ||
		     ((unsigned long)seg ^ hk_cookie) != READ_ONCE(page->index)))
		return NULL;
	if (unlikely(!hk_in_range(obj, seg->base, seg->size)))
		return NULL;
	return seg;
}

/* The same for an arbitrary pointer. */
static inline struct hk_segment *hk_seg_lookup(const void *obj)
{
	if (unlikely(!virt_addr_valid(obj)))
		return NULL;
	return hk_seg_lookup_valid(obj);
}

static __always_inline void hk_stat(struct hk_cpu *c, enum hakmem_stat_item i)
{
	c->stat[i]++;
}

static __always_inline void hk_stat_add(struct hk_cpu *c,
					enum hakmem_stat_item i, u64 n)
{
	c->stat[i] += n;
}

/*
 * Counters of paths that run without the per-CPU guard (nested calls, the
 * depot, node heaps, a dead CPU's heap, segment and error paths in any
 * context): this CPU's counter, with this_cpu_add(), which is safe against
 * preemption and interrupts.  It can still race with a guarded hk_stat()
 * of the same counter that it interrupts, where that is not one
 * instruction (it is on x86): a lost count, which SLUB's stat() accepts
 * for the same reason (a counter, not a state).  One array per CPU instead
 * of a second, atomic one in the cache keeps struct hakmem_cache in 512
 * bytes (Documentation/hakmem_slab.rst, "Backend mode", "Memory").
 */
static inline void hk_stat_unguarded(struct hakmem_cache *s,
				     enum hakmem_stat_item i, unsigned long n)
{
	this_cpu_add(s->cpu->stat[i], n);
}

/*
 * Count @n for a heap's owner: its CPU's counter, or this CPU's when @c is
 * NULL (the depot, a node heap, a dead CPU's heap).
 */
static __always_inline void hk_stat_of(struct hakmem_cache *s,
				       struct hk_cpu *c,
				       enum hakmem_stat_item i,
				       unsigned long n)
{
	if (c)
		hk_stat_add(c, i, n);
	else
		hk_stat_unguarded(s, i, n);
}

/* A per-CPU re-entrancy guard: set and cleared with preemption disabled. */
static __always_inline void hk_guard_enter(unsigned int *busy)
{
	*busy = 1;
	barrier();
}

static __always_inline void hk_guard_exit(unsigned int *busy)
{
	barrier();
	*busy = 0;
}

/* Take this CPU's guard; @c is this_cpu_ptr(s->cpu), preemption disabled. */
static __always_inline void hk_cpu_enter(struct hk_cpu *c)
{
	hk_guard_enter(&c->busy);
}

static __always_inline void hk_cpu_exit(struct hk_cpu *c)
{
	hk_guard_exit(&c->busy);
}

static inline bool hk_is_depot(struct hakmem_cache *s, struct hk_heap *h)
{
	return h == &s->depot;
}

/* The node heap @h is, or NULL if it is a CPU's heap or the depot. */
static inline struct hk_node_heap *hk_node_heap_of(struct hakmem_cache *s,
						   struct hk_heap *h)
{
	if (!s->node_heaps || h->node < 0 || h->node >= nr_node_ids ||
	    h != &s->node_heaps[h->node].heap)
		return NULL;
	return container_of(h, struct hk_node_heap, heap);
}

/*
 * The caller owns @h (see "Lock order" at the top): the depot's and a node
 * heap's owner holds its lock.  A CPU's heap is owned through the guard, or
 * as an offline CPU's, which lockdep cannot see.
 */
static inline void hk_assert_owner(struct hakmem_cache *s, struct hk_heap *h)
{
	struct hk_node_heap *n;

	if (hk_is_depot(s, h)) {
		lockdep_assert_held(&s->depot_lock);
		return;
	}
	n = hk_node_heap_of(s, h);
	if (n)
		lockdep_assert_held(&n->lock);
}

static inline bool hk_slab_is(struct hk_slab *slab, enum hk_slab_state state)
{
	return slab->state == state;
}

/* Is the pointer at the start of an object slot? */
static inline bool hk_obj_on_boundary(struct hakmem_cache *s,
				      struct hk_segment *seg, const void *obj)
{
	struct hk_slab *slab = hk_slab_of(s, seg, obj);
	unsigned long off = (unsigned long)obj - hk_slab_addr(s, seg, slab);

	if (off < s->obj_off)
		return false;
	off -= s->obj_off;
	return off % s->size == 0 && off / s->size < seg->objs_per_slab;
}

/* === Across the files ===================================================== */

/* What hk_on_each_cpu() does on each CPU. */
enum hk_cpu_op {
	HK_OP_FLUSH,		/* empty the stack */
	HK_OP_DRAIN,		/* empty the stack, collect, drain the heap */
	HK_OP_VALIDATE,		/* collect and check; arg is a hk_validate */
};

struct hk_validate;

/* hakmem_slab.c */
void hk_heap_collect(struct hakmem_cache *s, struct hk_heap *h,
		     struct hk_cpu *c);
void hk_cpu_flush(struct hakmem_cache *s, struct hk_cpu *c, unsigned int keep);
void hk_on_each_cpu(struct hakmem_cache *s, enum hk_cpu_op op, void *arg);
u64 hk_stat_raw(struct hakmem_cache *s, enum hakmem_stat_item item);

/* hakmem_slab_report.c */
#if IS_ENABLED(CONFIG_HAKMEM_SLAB_KUNIT_TEST)
void hk_add_kunit_error(void);
#else
static inline void hk_add_kunit_error(void) { }
#endif
void hk_report(struct hakmem_cache *s, enum hakmem_stat_item item,
	       const void *obj, unsigned long caller, const char *what);
void hk_report_bad_free(struct hakmem_cache *s, struct hk_segment *seg,
			void *obj, unsigned long caller);
void hk_debug_carve(struct hakmem_cache *s, void *obj);
void hk_debug_alloc(struct hakmem_cache *s, void *obj, unsigned long caller);
void hk_debug_free(struct hakmem_cache *s, void *obj, unsigned long caller);
void hk_cpu_validate(struct hakmem_cache *s, struct hk_cpu *c,
		     struct hk_validate *v);
unsigned long hk_report_leaks_heap(struct hakmem_cache *s, struct hk_heap *h,
				   int *budget);

/* hakmem_slab_debugfs.c */
void hk_debugfs_init(void);
void hk_debugfs_exit(void);
void hk_debugfs_add(struct hakmem_cache *s);

#endif /* _HAKMEM_SLAB_INTERNAL_H */
