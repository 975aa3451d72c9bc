// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_slab: a per-CPU segment slab cache.
 *
 * This is the core: allocation and free paths, segments, heaps, per-CPU
 * stacks, the depot, hotplug, shrinker, idle reclaim and the API.
 * Diagnostics (reports, debug checks, validation, leak reports) are in
 * hakmem_slab_report.c, the debugfs files in hakmem_slab_debugfs.c; what
 * the three share is in hakmem_slab_internal.h.  Kbuild compiles this file
 * as hakmem_slab_core.o (see there).
 *
 * Data structures
 * ===============
 *
 * A *segment* is a naturally aligned block of 2^order pages from the page
 * allocator: 2^hk_seg_order (module parameter seg_order, 256 KiB by default,
 * 32 KiB in backend mode)
 * once a heap is busy, smaller while it is young (a heap's first segment is
 * one slab, and each new one is sixteen times the last) and when the buddy
 * allocator has nothing that large (___hk_seg_alloc() falls back, down to
 * the smallest order that holds one object).  It is cut into equal *slabs*
 * (spans of 2^slab_order PAGE_SIZE pages, per cache, as mm/'s struct slab;
 * a segment smaller than that is one slab of its own size); objects are
 * carved from one slab at a time.  "Page" always means a PAGE_SIZE page.
 * The metadata lives out of line, in a struct hk_segment that every struct
 * page of the segment points to:
 *
 *   segment base (aligned to its own size, 2^order pages)
 *   |
 *   v
 *   +-----------+-----------+-----------+-- ... --+-----------+
 *   |  slab 0   |  slab 1   |  slab 2   |         |  slab N-1 |
 *   +-----------+-----------+-----------+-- ... --+-----------+
 *   each struct page: ->private = hk_segment, ->index = hk_segment ^ cookie
 *
 *   struct hk_segment: base, order, the slab geometry, free_map (1 bit a
 *   free slab), partial_map (1 bit a slab with free objects that is not
 *   being allocated from), dense_map (of those, the ones at least half in
 *   use, or that were when they went partial: refilled first, see
 *   hk_heap_next_slab()), remote list, owner
 *   heap, and slabs[N] (struct hk_slab: freelist, inuse, carved).
 *
 * hk_slab_of(obj) is O(1): virt_to_page(obj)->private is the segment, and
 * (obj - base) >> slab_shift indexes slabs[].  The fast free path needs no
 * lookup at all: it compares obj with the CPU's current segment's bounds.
 * A free slab is found with __ffs() on the bitmaps.
 *
 * One object slot (the stride, hakmem_cache.size):
 *
 *   +--------+--------+----------------------+---------+--------------+
 *   | [link] | header |       object         | [red    | [alloc/free  |
 *   |  8 B   |  8 B   |   object_size bytes  |  zone]  |  tracks]     |
 *   +--------+--------+----------------------+---------+--------------+
 *                     ^ aligned to hakmem_cache.align; the header is the
 *                       8 bytes just before it: { tag, state }
 *
 * The free-list link is stored in the object's first word, except for caches
 * whose free objects must keep their contents (ctor, SLAB_TYPESAFE_BY_RCU,
 * SLAB_POISON): those get the [link] word in front of the header.  The red
 * zone (SLAB_RED_ZONE) and the tracks (SLAB_STORE_USER) exist only in debug
 * caches, which also bypass the per-CPU stack so that every allocation and
 * free is checked.
 *
 * The header is written when a slab is carved (header_mode=light) and also on
 * every allocation and free (header_mode=full, which records the allocation
 * state and so catches every double free).  In light mode a slab that goes
 * back to its segment's free map has its headers set to HK_STATE_DEAD, so a
 * late double free into a free slab or an empty segment fails the check.
 * The free path always validates the header.
 *
 * Per CPU, each cache has a struct hk_cpu: a stack of free object pointers
 * (the fast paths only push and pop it) in front of a *heap*: the CPU's
 * segments, its current segment and its one current (partial) slab.
 *
 * Lock order
 * ==========
 *
 * Outermost first: a lock or guard is taken only with none of a higher
 * number held.  Two of one number are never held together.
 *
 *   1. cpu_hotplug_lock: read side by hk_on_each_cpu(); the hotplug
 *      callbacks run under its write side.  Process context.
 *   2. hk_cpu_work_mutex: hk_cpu_works, the per-CPU works of one
 *      hk_on_each_cpu() call.  Process context.
 *   2. hk_shrink_mutex: hk_shrink_cpu_works, the shrinker's per-CPU works
 *      (on hk_drain_wq), which take hk_caches_mutex (its holder waits for
 *      them, as the offline callback waits for the reclaim works).  Process
 *      context, never from reclaim.
 *   2. hk_caches_mutex: hk_caches, hk_defunct_caches, each cache's debugfs
 *      directory.  Process context; the shrinker only tries it (reclaim
 *      may run with it held, under debugfs_create_dir()).
 *   3. The hk_cpu guard, hk_cpu.busy: a CPU's stack, heap (segments, slabs,
 *      free lists), counters, cur_* and last_*.  Set with preemption
 *      disabled, from any context; a caller that finds it busy (nested in
 *      an interrupted hakmem call) does not wait: it takes 4 or frees
 *      remotely.  An offline CPU's state has no guard: its owner is the
 *      holder of 1 (hk_on_each_cpu(), the hotplug callbacks).
 *   3. The kfree guard, hk_kfree_cpu.busy: a CPU's kfree hints.  As 3,
 *      and a caller that finds it busy goes without the hints.
 *   4. hakmem_cache.depot_lock: the depot heap.  spinlock_t, IRQ-safe;
 *      never under 3 (a sleeping lock on PREEMPT_RT): taken instead of 3
 *      by a nested allocation that found 3 busy, in its context.
 *   4. hk_node_heap.lock: a node heap (hakmem_cache_alloc_node() for a
 *      node this CPU's heap does not serve).  As depot_lock.
 *   5. hakmem_cache.pool_lock: pool and nr_pool, and the cache's share of
 *      hk_pooled_pages.  raw_spinlock_t, IRQ-safe, any context.
 *   5. hk_validate.lock: a validate pass's map and error counts.
 *      raw_spinlock_t, taken with interrupts off (under 4 for the depot
 *      and the node heaps, under 3 in the per-CPU works).
 *
 * Nothing sleeps or takes 1, 2 or 4 under 3; nothing at all is taken under
 * the kfree guard or 5.  The hotplug teardown takes hk_caches_mutex under
 * the write side of 1 (hk_cpu_dead()), so no holder of hk_caches_mutex
 * waits for 1: hakmem_cache_destroy() takes it only to unlink the cache,
 * then removes its debugfs files (which waits for the validate and shrink
 * writers, inside 1) without it.  The offline callback waits, under 1, for
 * the CPU's idle-reclaim work, which takes hk_caches_mutex and nothing of 1.
 *
 * Remote frees (an object whose segment another heap owns) take no lock:
 * llist_add() on hk_segment.remote; the freer that makes that list
 * non-empty also queues the segment on the owner's heap.remote_segs.  The
 * owner takes both lists whole with llist_del_all().  The queued object
 * keeps its slab's inuse count up, so the segment cannot be freed before
 * the owner has seen it; and the freer touches the segment only before its
 * object becomes visible, or (when it queues) before the segment is
 * reachable by the owner.
 *
 * Preemption and PREEMPT_RT
 * =========================
 *
 * The guard (3) is held with preemption disabled and only for what a CPU's
 * own state needs: pops, pushes, carving, moving objects between the stack
 * and its slabs, and taking raw locks (5).  Under it nothing may take a
 * spinlock_t, a mutex, or call the page allocator, kmalloc() or anything
 * else that sleeps on PREEMPT_RT.  The page allocator is called only from
 * ___hk_seg_alloc(), with the guard released and preemption enabled (the
 * caller's own context decides whether it may sleep), or from the depot
 * (4), whose spinlock_t is a sleeping lock on PREEMPT_RT.  On PREEMPT_RT
 * the guard is never found busy outside hardirq context (it is only held
 * with preemption disabled), so the depot serves only non-threaded hardirq
 * callers there, which must not allocate on PREEMPT_RT anyway.
 *
 * Contexts: hakmem_cache_alloc()/hakmem_kmalloc() from any context where
 * kmem_cache_alloc() with the same gfp may be called (they sleep only if gfp
 * allows); the free calls from any context; create, destroy, shrink and
 * validate from process context only.  A heap's segments, slabs and free
 * lists are changed only by the heap's owner: the CPU (guard held), for the
 * depot or a node heap a holder of its lock, or for an offline CPU the
 * hotplug callback or a caller of hk_on_each_cpu() (which holds
 * cpus_read_lock()).
 *
 * Paths, as in mm/slub.c: hk_alloc()/hk_free() are the inline fast paths,
 * __hk_alloc()/__hk_free() the slow paths (refill or flush the stack, look
 * the segment up), ___hk_alloc() the slowest (a new segment from the page
 * allocator, may sleep).
 */

#include "hakmem_slab_internal.h"
#include "hakmem_slab_backend.h"
#include "hakmem_slab_inline.h"

/* === Data ================================================================= */

/*
 * Unsized, as kfence's counter_names[]: an item added to the enum after
 * the last one named here makes it one short, and the static_assert below
 * fails.
 */
const char *const hakmem_stat_names[] = {
	[HAKMEM_ALLOC_FAST]	= "alloc_fast",
	[HAKMEM_ALLOC_SLOW]	= "alloc_slow",
	[HAKMEM_ALLOC_LOCKED]	= "alloc_locked",
	[HAKMEM_FREE_FAST]	= "free_fast",
	[HAKMEM_FREE_SLOW]	= "free_slow",
	[HAKMEM_FREE_REMOTE]	= "free_remote",
	[HAKMEM_REFILL]		= "refill",
	[HAKMEM_FLUSH]		= "flush",
	[HAKMEM_CARVE]		= "carve",
	[HAKMEM_SLAB_ALLOC]	= "slab_alloc",
	[HAKMEM_SLAB_FREE]	= "slab_free",
	[HAKMEM_SEGMENT_ALLOC]	= "segment_alloc",
	[HAKMEM_SEGMENT_FREE]	= "segment_free",
	[HAKMEM_SEGMENT_FAIL]	= "segment_fail",
	[HAKMEM_ALLOC_FAIL_INJECTED] = "alloc_fail_injected",
	[HAKMEM_SHRINK]		= "shrink",
	[HAKMEM_BURST_DRAIN]	= "burst_drain",
	[HAKMEM_ERR_INVALID]	= "err_invalid",
	[HAKMEM_ERR_WRONG_CACHE] = "err_wrong_cache",
	[HAKMEM_ERR_HEADER]	= "err_header",
	[HAKMEM_ERR_DOUBLE_FREE] = "err_double_free",
	[HAKMEM_ERR_POISON]	= "err_poison",
	[HAKMEM_ERR_REDZONE]	= "err_redzone",
};
EXPORT_SYMBOL_GPL(hakmem_stat_names);
static_assert(ARRAY_SIZE(hakmem_stat_names) == HAKMEM_NR_STATS);

/*
 * A cache's own struct is small (it was 752 bytes, in kmalloc-1k: one per
 * served cache in backend mode); lock debugging makes its locks larger.
 */
static_assert(IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC) ||
	      IS_ENABLED(CONFIG_DEBUG_SPINLOCK) ||
	      sizeof(struct hakmem_cache) <= 512);

/*
 * Where each struct hakmem_cache comes from: a SLUB cache of their exact
 * size (in kmalloc-512 a 368-byte struct took a 512-byte slot), never
 * merged with another, which hakmem might serve, and declined in backend
 * mode, so that a cache's metadata never comes from hakmem.
 */
struct kmem_cache *hk_cache_cachep;

unsigned int hk_seg_order = HK_SEG_ORDER_DEFAULT;
static atomic_long_t hk_seg_gen_all;	/* bumped when any segment is freed */
static atomic_long_t hk_pooled_pages;	/* in every cache's pool */

static DEFINE_PER_CPU(struct hk_kfree_cpu, hk_kfree_cpu);
unsigned long hk_cookie;		/* validates struct page ->index */
static enum hakmem_header_mode hk_header_mode = HAKMEM_HEADER_LIGHT;
static slab_flags_t hk_debug_flags;	/* from the debug parameter */

LIST_HEAD(hk_caches);
/* Caches destroyed with objects in use: kept, as their objects are. */
static LIST_HEAD(hk_defunct_caches);
DEFINE_MUTEX(hk_caches_mutex);		/* lock order 2: both lists */
static enum cpuhp_state hk_cpuhp_state;
static enum cpuhp_state hk_cpuhp_online_state;

/* How often each CPU gives back what caches idle on it hold; 0: never. */
static unsigned int hk_reclaim_ms = 2000;
static DEFINE_PER_CPU(struct delayed_work, hk_reclaim_work);

/* Errors with no cache to charge them to (hakmem_kfree() of junk). */
atomic_long_t hk_orphan_errors;

/* Fails segment allocations (debugfs: hakmem_slab/fail_segment). */
struct fault_attr hakmem_fail_segment = HK_FAULT_ATTR_INIT;
EXPORT_SYMBOL_GPL(hakmem_fail_segment);

/*
 * fail_hakmem: fails object allocations, as failslab fails kmem_cache's
 * (debugfs: hakmem_slab/fail_hakmem, Documentation/hakmem_slab.rst).  The
 * allocation paths test hk_fail_key only, a static key, off until
 * hk_fail_set_active() (the debugfs file fail_hakmem/active, the
 * fail_hakmem= parameter): a disabled key is a no-op in the fast path.
 */
struct hakmem_fail hakmem_fail_alloc = {
	.attr = HK_FAULT_ATTR_INIT,
	.ignore_gfp_reclaim = true,
};

DEFINE_STATIC_KEY_FALSE(hk_fail_key);
/* hakmem_cache_alloc_inline() tests it in its callers. */
EXPORT_SYMBOL_GPL(hk_fail_key);
static DEFINE_MUTEX(hk_fail_mutex);
static bool hk_fail_param;

/* === Module parameters ==================================================== */

static int hk_header_mode_set(const char *val, const struct kernel_param *kp)
{
	if (sysfs_streq(val, "full"))
		hk_header_mode = HAKMEM_HEADER_FULL;
	else if (sysfs_streq(val, "light"))
		hk_header_mode = HAKMEM_HEADER_LIGHT;
	else
		return -EINVAL;
	return 0;
}

static int hk_header_mode_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  hk_header_mode == HAKMEM_HEADER_FULL ? "full" : "light");
}

static const struct kernel_param_ops hk_header_mode_ops = {
	.set = hk_header_mode_set,
	.get = hk_header_mode_get,
};
module_param_cb(header_mode, &hk_header_mode_ops, NULL, 0644);
MODULE_PARM_DESC(header_mode,
		 "when object headers are written: full (every alloc/free) or light (at carve time, default); read at cache creation");

static char *hk_debug_str = "";
module_param_named(debug, hk_debug_str, charp, 0444);
MODULE_PARM_DESC(debug, "debug checks for every cache, as slub_debug: P (poison), Z (red zone), U (store user), e.g. debug=PZU");

module_param_named(seg_order, hk_seg_order, uint, 0444);
module_param_named(reclaim_ms, hk_reclaim_ms, uint, 0444);
MODULE_PARM_DESC(reclaim_ms, "every so many ms each CPU gives back what caches idle on it hold (default 2000, 0: never)");
MODULE_PARM_DESC(seg_order, "largest segment size as a page order, 3..9 (default 6: 256 KiB with 4 KiB pages; 3 in backend mode)");

/*
 * Caches created while this is set, on a kernel with KASAN (built-in
 * hakmem_slab only, see hakmem_compat.h) or kmemleak, are known to them;
 * each such cache takes the slow paths for every operation.
 */
static bool hk_tools = true;
module_param_named(tools, hk_tools, bool, 0444);
MODULE_PARM_DESC(tools, "let KASAN and kmemleak see the objects of caches created from now on, where the kernel has them (default 1)");

/*
 * fail_hakmem=<interval>,<probability>,<space>,<times>, as failslab=: at
 * boot or module load only; it turns fail_hakmem on (module init).
 */
static char hk_fail_str[64];

static int hk_fail_param_set(const char *val, const struct kernel_param *kp)
{
	if (!HK_FAULT_INJECTION)
		return -EINVAL;
	strscpy(hk_fail_str, val, sizeof(hk_fail_str));
	if (!hk_setup_fault_attr(&hakmem_fail_alloc.attr, hk_fail_str))
		return -EINVAL;
	hk_fail_param = true;
	return 0;
}

static const struct kernel_param_ops hk_fail_param_ops = {
	.set = hk_fail_param_set,
};

module_param_cb(fail_hakmem, &hk_fail_param_ops, NULL, 0);
MODULE_PARM_DESC(fail_hakmem, "fault injection of object allocations, as failslab=: <interval>,<probability>,<space>,<times> (needs CONFIG_FAULT_INJECTION)");

/* Is fail_hakmem on (hk_fail_key enabled)? */
bool hk_fail_active(void)
{
	return static_key_enabled(&hk_fail_key);
}

/* Turn fail_hakmem on or off; may sleep (patches the code). */
void hk_fail_set_active(bool on)
{
	if (!HK_FAULT_INJECTION)
		return;
	mutex_lock(&hk_fail_mutex);
	if (on && !static_key_enabled(&hk_fail_key))
		static_branch_enable(&hk_fail_key);
	else if (!on && static_key_enabled(&hk_fail_key))
		static_branch_disable(&hk_fail_key);
	mutex_unlock(&hk_fail_mutex);
}

/* === Internals: test hooks =============================================== */

#if IS_ENABLED(CONFIG_HAKMEM_SLAB_KUNIT_TEST)
/* Override init_on_alloc/init_on_free for the caches created next. */
static int hk_test_init_alloc = -1, hk_test_init_free = -1;

static void hk_test_init_override(struct hakmem_cache *s)
{
	if (hk_test_init_alloc >= 0)
		s->init_alloc = hk_test_init_alloc && !s->ctor;
	if (hk_test_init_free >= 0)
		s->init_free = hk_test_init_free && !s->ctor;
}

/* Above this order, segment allocations fail: a fragmented buddy allocator. */
static int hk_test_max_order = -1;

static bool hk_test_order_fails(gfp_t gfp, unsigned int order)
{
	int max = READ_ONCE(hk_test_max_order);

	return max >= 0 && order > max && !(gfp & __GFP_NOFAIL);
}
#else
static inline void hk_test_init_override(struct hakmem_cache *s) { }
static inline bool hk_test_order_fails(gfp_t gfp, unsigned int order)
{
	return false;
}
#endif

/* === Internals: segments ================================================== */

static void hk_seg_free_rcu(struct rcu_head *rcu)
{
	struct hk_segment *seg = container_of(rcu, struct hk_segment, rcu);

	__free_pages(virt_to_page((void *)seg->base), seg->order);
	kfree(seg);
}

/* Mark (or with @seg NULL, unmark) every struct page of a segment. */
static void hk_seg_mark(struct page *head, unsigned int order,
			struct hk_segment *seg)
{
	unsigned long i, n = 1UL << order;

	for (i = 0; i < n; i++) {
		head[i].index = seg ? (unsigned long)seg ^ hk_cookie : 0;
		hk_backend_mark_page(&head[i], seg);
	}
	/* index before private: pairs with hk_seg_lookup()'s smp_rmb(). */
	smp_wmb();
	for (i = 0; i < n; i++)
		set_page_private(&head[i], (unsigned long)seg);
}

/* Give a segment back to the page allocator. */
static void hk_seg_free(struct hakmem_cache *s, struct hk_segment *seg)
{
	hk_seg_mark(virt_to_page((void *)seg->base), seg->order, NULL);
	/*
	 * Forget every CPU's proof of this segment (last_seg, kfree hints);
	 * the cleared private is visible before the new generations.
	 */
	smp_mb__before_atomic();
	atomic_long_inc(&s->seg_gen);
	atomic_long_inc(&hk_seg_gen_all);
	atomic_long_dec(&s->nr_segments);
	atomic_long_sub(1L << seg->order, &s->nr_seg_pages);
	hk_stat_unguarded(s, HAKMEM_SEGMENT_FREE, 1);
	/*
	 * After a grace period no reader that proved this segment (a racing
	 * bad free, an SLAB_TYPESAFE_BY_RCU reader) can still be using it.
	 */
	call_rcu(&seg->rcu, hk_seg_free_rcu);
}

static void hk_seg_reset(struct hk_segment *seg)
{
	unsigned int i;

	seg->free_map = seg->nr_slabs == BITS_PER_LONG ?
			~0UL : (1UL << seg->nr_slabs) - 1;
	seg->partial_map = 0;
	seg->dense_map = 0;
	seg->used = 0;
	seg->full = false;
	for (i = 0; i < seg->nr_slabs; i++) {
		seg->slabs[i].freelist = NULL;
		seg->slabs[i].inuse = 0;
		seg->slabs[i].carved = 0;
		seg->slabs[i].state = HK_SLAB_FREE;
	}
}

/*
 * The slab geometry of a segment of @order: slabs of the cache's
 * slab_order, or one slab of the segment's own size when it is smaller.
 */
static void hk_seg_geometry(struct hakmem_cache *s, struct hk_segment *seg,
			    unsigned int order)
{
	seg->order = order;
	seg->size = PAGE_SIZE << order;
	if (order >= s->slab_order) {
		seg->slab_shift = s->slab_shift;
		seg->nr_slabs = 1U << (order - s->slab_order);
		seg->objs_per_slab = s->objs_per_slab;
	} else {
		seg->slab_shift = PAGE_SHIFT + order;
		seg->nr_slabs = 1;
		seg->objs_per_slab = seg->size / s->size;
	}
}

/* Fault injection for segment allocations; never fails __GFP_NOFAIL. */
static bool hk_should_fail_segment(gfp_t gfp, unsigned int order)
{
	return HK_FAULT_INJECTION && !(gfp & __GFP_NOFAIL) &&
	       hk_should_fail(&hakmem_fail_segment, PAGE_SIZE << order);
}

/* One attempt at a segment of exactly @order. */
static struct hk_segment *hk_seg_alloc_order(struct hakmem_cache *s,
					     gfp_t pgfp, int node,
					     unsigned int order)
{
	struct hk_segment *seg;
	unsigned int nr_slabs;
	struct page *head;

	if (hk_should_fail_segment(pgfp, order) ||
	    hk_test_order_fails(pgfp, order))
		return NULL;
	nr_slabs = order >= s->slab_order ? 1U << (order - s->slab_order) : 1;
	seg = hk_meta_kmalloc_node(struct_size(seg, slabs, nr_slabs),
				   pgfp & ~__GFP_ZERO, node);
	if (!seg)
		return NULL;
	head = alloc_pages_node(node, pgfp, order);
	if (!head) {
		kfree(seg);
		return NULL;
	}
	seg->base = (unsigned long)page_address(head);
	hk_seg_geometry(s, seg, order);
	return seg;
}

/* A free object of a KASAN cache is poisoned, to the end of its granule. */
static void hk_tools_free_poison(struct hakmem_cache *s, void *obj)
{
	hk_kasan_poison(obj, ALIGN(s->object_size, HK_KASAN_GRANULE),
			HK_KASAN_SLAB_FREE);
}

/*
 * A new segment of a KASAN cache: all of it is poisoned as a red zone but
 * each slot's link word and header, which only hakmem touches; objects are
 * unpoisoned while allocated.
 */
static void hk_kasan_seg_init(struct hakmem_cache *s, struct hk_segment *seg)
{
	unsigned int i, j;

	hk_kasan_poison((void *)seg->base, seg->size, HK_KASAN_SLAB_REDZONE);
	for (i = 0; i < seg->nr_slabs; i++) {
		char *obj = (char *)seg->base + ((unsigned long)i << seg->slab_shift) +
			    s->obj_off;

		for (j = 0; j < seg->objs_per_slab; j++, obj += s->size)
			hk_kasan_unpoison(obj + s->link_off, -s->link_off);
	}
}

/*
 * ___hk_seg_alloc - the slowest path: a new segment from the page allocator.
 * @order is the size wanted; when the buddy allocator has no block that
 * large, smaller ones are tried, down to s->min_order, as SLUB falls back
 * from its preferred slab order: the larger attempts do not retry or warn,
 * the last one has the caller's gfp (so __GFP_NOFAIL does not fail).  May
 * sleep if @gfp allows.  Called with no hakmem lock held and preemption
 * enabled by hakmem (the caller's context may still be atomic), or under
 * the depot lock.
 */
static struct hk_segment *___hk_seg_alloc(struct hakmem_cache *s, gfp_t gfp,
					  int node, unsigned int order)
{
	gfp_t pgfp = gfp & HK_GFP_SEGMENT_MASK;
	struct hk_segment *seg = NULL;
	unsigned int i;

	/* As SLUB's slab pages: grouped as reclaimable by the page allocator. */
	if (s->flags & SLAB_RECLAIM_ACCOUNT)
		pgfp |= __GFP_RECLAIMABLE;

	order = clamp(order, s->min_order, hk_seg_order);
	for (;; order--) {
		bool last = order == s->min_order;

		/* As SLUB's fallback: only the last attempt may warn. */
		seg = hk_seg_alloc_order(s, last ? pgfp :
					 (pgfp | __GFP_NORETRY | __GFP_NOWARN) &
					 ~__GFP_NOFAIL, node, order);
		if (seg || last)
			break;
	}
	if (!seg) {
		hk_stat_unguarded(s, HAKMEM_SEGMENT_FAIL, 1);
		return NULL;
	}
	seg->cache = s;
	seg->heap = NULL;
	INIT_LIST_HEAD(&seg->list);
	init_llist_head(&seg->remote);
	hk_seg_reset(seg);
	for (i = 0; i < seg->nr_slabs; i++)
		seg->slabs[i].constructed = 0;	/* fresh memory */
	if (s->kasan)
		hk_kasan_seg_init(s, seg);
	/* Publish: hk_seg_lookup() checks index against private. */
	hk_seg_mark(virt_to_page((void *)seg->base), seg->order, seg);
	atomic_long_inc(&s->nr_segments);
	atomic_long_add(1L << seg->order, &s->nr_seg_pages);
	hk_stat_unguarded(s, HAKMEM_SEGMENT_ALLOC, 1);
	return seg;
}

static int hk_seg_nid(struct hk_segment *seg)
{
	return page_to_nid(virt_to_page((void *)seg->base));
}

/* An empty segment from the pool: of node @node, or any if NUMA_NO_NODE. */
static struct hk_segment *hk_pool_get_node(struct hakmem_cache *s, int node)
{
	struct hk_segment *seg = NULL, *pos;
	unsigned long flags;

	if (!READ_ONCE(s->nr_pool))
		return NULL;
	raw_spin_lock_irqsave(&s->pool_lock, flags);
	list_for_each_entry(pos, &s->pool, list) {
		if (node == NUMA_NO_NODE || hk_seg_nid(pos) == node) {
			seg = pos;
			list_del_init(&seg->list);
			WRITE_ONCE(s->nr_pool, s->nr_pool - 1);
			atomic_long_sub(1L << seg->order, &hk_pooled_pages);
			break;
		}
	}
	raw_spin_unlock_irqrestore(&s->pool_lock, flags);
	return seg;
}

static struct hk_segment *hk_pool_get(struct hakmem_cache *s)
{
	return hk_pool_get_node(s, NUMA_NO_NODE);
}

/*
 * May one more segment of @order wait in a pool?  The pools together hold
 * at most HK_POOL_PAGES_PER_NODE per online node, however many caches
 * there are.
 */
static bool hk_pool_has_room(struct hakmem_cache *s, unsigned int order)
{
	long limit = HK_POOL_PAGES_PER_NODE * num_online_nodes();

	lockdep_assert_held(&s->pool_lock);
	return s->nr_pool < HK_POOL_MAX &&
	       atomic_long_read(&hk_pooled_pages) + (1L << order) <= limit;
}

/* An empty segment goes to the pool, or back to the page allocator. */
static void hk_pool_put(struct hakmem_cache *s, struct hk_segment *seg)
{
	unsigned long flags;

	WRITE_ONCE(seg->heap, NULL);
	raw_spin_lock_irqsave(&s->pool_lock, flags);
	if (hk_pool_has_room(s, seg->order)) {
		list_add(&seg->list, &s->pool);
		WRITE_ONCE(s->nr_pool, s->nr_pool + 1);
		atomic_long_add(1L << seg->order, &hk_pooled_pages);
		seg = NULL;
	}
	raw_spin_unlock_irqrestore(&s->pool_lock, flags);
	if (seg)
		hk_seg_free(s, seg);
}

static void hk_pool_drain(struct hakmem_cache *s)
{
	struct hk_segment *seg;

	while ((seg = hk_pool_get(s)))
		hk_seg_free(s, seg);
}

/* === Internals: heaps ===================================================== */

static void hk_heap_init(struct hakmem_cache *s, struct hk_heap *h, int node)
{
	h->seg = NULL;
	h->slab = NULL;
	INIT_LIST_HEAD(&h->avail);
	INIT_LIST_HEAD(&h->full);
	init_llist_head(&h->remote_segs);
	h->nr_slabs = 0;
	h->nr_objs = 0;
	h->inuse = 0;
	h->next_order = s->first_order;
	h->node = node;
}

/*
 * The bounds the fast free path compares a pointer with: from the segment's
 * first object slot (so that a header read never leaves the segment) to its
 * end.
 */
static unsigned long hk_seg_first(struct hk_segment *seg)
{
	return seg->base + seg->cache->obj_off;
}

static unsigned long hk_seg_span(struct hk_segment *seg)
{
	return seg->size - seg->cache->obj_off;
}

/* Set the segment a CPU's fast frees push for (NULL: none). */
static void hk_cpu_set_cur(struct hk_cpu *c, struct hk_segment *seg)
{
	c->cur_seg = seg;
	c->cur_base = seg ? hk_seg_first(seg) : 0;
	c->cur_size = seg ? hk_seg_span(seg) : 0;
}

/*
 * The heap allocates from @seg now (NULL: it needs another).  The fast
 * free path keeps the last one until there is a new one: the objects the
 * stack holds came from it.
 */
static void hk_heap_set_seg(struct hk_heap *h, struct hk_cpu *c,
			    struct hk_segment *seg)
{
	h->seg = seg;
	if (c && seg)
		hk_cpu_set_cur(c, seg);
}

/* @seg leaves the heap (pooled or freed): the fast path must forget it. */
static void hk_heap_forget_seg(struct hk_heap *h, struct hk_cpu *c,
			       struct hk_segment *seg)
{
	if (h->seg == seg)
		h->seg = NULL;
	if (c && c->cur_seg == seg)
		hk_cpu_set_cur(c, NULL);
}

/* Take a segment (new, or from the pool) into a heap as its current one. */
static void hk_heap_adopt(struct hakmem_cache *s, struct hk_heap *h,
			  struct hk_cpu *c, struct hk_segment *seg)
{
	hk_assert_owner(s, h);
	WRITE_ONCE(seg->heap, h);
	if (h->seg) {
		/*
		 * The heap got a segment while we slept (another task, an
		 * interrupt): keep this one for later, on the heap.
		 */
		list_add_tail(&seg->list, &h->avail);
		return;
	}
	hk_heap_set_seg(h, c, seg);
}

/* A new segment came from the page allocator: the next one is larger. */
static void hk_heap_grow(struct hk_heap *h, struct hk_segment *seg)
{
	h->next_order = min(max(h->next_order, seg->order) + HK_SEG_GROWTH,
			    hk_seg_order);
}

/* The segment has no slab in use: take it off the heap. */
static void hk_heap_release_seg(struct hakmem_cache *s, struct hk_heap *h,
				struct hk_cpu *c, struct hk_segment *seg)
{
	hk_assert_owner(s, h);
	if (h->seg != seg)
		list_del_init(&seg->list);
	hk_heap_forget_seg(h, c, seg);
	hk_seg_reset(seg);
	hk_pool_put(s, seg);
}

/*
 * Light mode: the objects of a slab that goes back to the free map are not
 * live any more, whatever their headers said; a late double free into the
 * slab (or into its segment, once empty and pooled) must fail the header
 * check.  The next carve writes the headers again.
 */
static void hk_slab_kill_headers(struct hakmem_cache *s, struct hk_segment *seg,
				 struct hk_slab *slab)
{
	char *obj = (char *)hk_slab_addr(s, seg, slab) + s->obj_off;
	u64 dead = hk_hdr_val(s->tag, HK_STATE_DEAD);
	unsigned int i;

	for (i = 0; i < slab->carved; i++, obj += s->size)
		*(u64 *)hk_hdr(obj) = dead;
}

/*
 * Light mode: an object going onto a free list (its slab's, or a remote
 * one) is marked free, so that a double free of it fails the header check
 * of the free path; it is marked live again when a refill takes it off.
 * Only the objects on a CPU's stack keep a live header while free.  Full
 * mode has marked it free already.
 */
static __always_inline void hk_mark_listed(struct hakmem_cache *s, void *obj)
{
	if (!s->full_mode)
		*(u64 *)hk_hdr(obj) = s->hdr_free;
}

static void hk_slab_release(struct hakmem_cache *s, struct hk_heap *h,
			    struct hk_cpu *c, struct hk_segment *seg,
			    struct hk_slab *slab)
{
	unsigned int idx = slab - seg->slabs;

	hk_stat_of(s, c, HAKMEM_SLAB_FREE, 1);
	if (!s->full_mode)
		hk_slab_kill_headers(s, seg, slab);
	if (slab->state == HK_SLAB_PARTIAL) {
		__clear_bit(idx, &seg->partial_map);
		__clear_bit(idx, &seg->dense_map);
	}
	slab->state = HK_SLAB_FREE;
	slab->freelist = NULL;
	slab->carved = 0;
	__set_bit(idx, &seg->free_map);
	seg->used--;
	h->nr_slabs--;
	h->nr_objs -= seg->objs_per_slab;
}

/* hk_slab_put() of an object whose slab has none in use: report it. */
static noinline bool hk_slab_put_bad(struct hakmem_cache *s, void *obj,
				     unsigned long caller)
{
	hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, caller,
		  "object freed to a slab with no object in use (late double free)");
	return false;
}

/*
 * hk_slab_put() of an object that changed its slab's state: a full slab
 * went partial, or a partial one free.  Keeps the bitmaps, the segment
 * lists and the empty-segment pool in step.
 */
static noinline bool hk_slab_put_moved(struct hakmem_cache *s,
				       struct hk_heap *h, struct hk_cpu *c,
				       struct hk_segment *seg,
				       struct hk_slab *slab)
{
	if (!slab->inuse) {
		hk_slab_release(s, h, c, seg, slab);
		if (!seg->used) {
			hk_heap_release_seg(s, h, c, seg);
			return true;
		}
	} else {
		slab->state = HK_SLAB_PARTIAL;
		__set_bit(slab - seg->slabs, &seg->partial_map);
		if (hk_slab_dense(seg, slab))
			__set_bit(slab - seg->slabs, &seg->dense_map);
	}
	/*
	 * A segment left with sparse slabs only stays where it is.  On
	 * heap->full its dense bits are exact: it went there with none, and
	 * a bit set since is a slab that went partial just then (above).
	 */
	if (seg->full && (seg->free_map | seg->dense_map)) {
		seg->full = false;
		list_move(&seg->list, &h->avail);
	}
	return true;
}

/*
 * Put one object back on its slab; the caller owns the slab's heap.
 * Return: false if the slab had no object in use (reported double free).
 *
 * Most puts leave the slab as it was: the current slab, or a partial one
 * that still has objects in use (a segment on heap->full then stays there:
 * the put gave it no free or dense slab).  Those return here, without a
 * stack frame; the rest go on in hk_slab_put_moved().  Not inlined: inlined
 * into its callers, the put made the slow-path rows 30-70% slower under
 * QEMU TCG (98764ed).
 */
static noinline bool hk_slab_put(struct hakmem_cache *s, struct hk_heap *h,
				 struct hk_cpu *c, struct hk_segment *seg,
				 void *obj)
{
	struct hk_slab *slab = hk_slab_of(s, seg, obj);

	if (unlikely(!slab->inuse || slab->state == HK_SLAB_FREE))
		return hk_slab_put_bad(s, obj, _RET_IP_);
	hk_mark_listed(s, obj);
	hk_set_link(s, obj, slab->freelist);
	slab->freelist = obj;
	slab->inuse--;
	h->inuse--;
	if (likely(slab->state == HK_SLAB_ACTIVE ||
		   (slab->state == HK_SLAB_PARTIAL && slab->inuse)))
		return true;
	return hk_slab_put_moved(s, h, c, seg, slab);
}

/* Take whole the objects other CPUs (or nested frees) gave back. */
void hk_heap_collect(struct hakmem_cache *s, struct hk_heap *h,
		     struct hk_cpu *c)
{
	struct llist_node *segs = llist_del_all(&h->remote_segs);
	struct hk_segment *seg, *tmp;

	hk_assert_owner(s, h);
	llist_for_each_entry_safe(seg, tmp, segs, remote_node) {
		struct llist_node *obj = llist_del_all(&seg->remote);

		while (obj) {
			struct llist_node *next = obj->next;

			hk_slab_put(s, h, c, seg, (char *)obj - s->link_off);
			obj = next;
		}
	}
}

/*
 * A dense partial slab of @seg, taken off its maps; NULL if none.  The dense
 * bits are set when a slab goes partial and not cleared by the puts that
 * make it sparse (a compare and a branch, mispredicted once a slab, on every
 * free): a bit whose slab turned sparse since is dropped here.
 */
static struct hk_slab *hk_seg_take_dense(struct hk_segment *seg)
{
	struct hk_slab *slab;
	unsigned int idx;

	while (seg->dense_map) {
		idx = __ffs(seg->dense_map);
		__clear_bit(idx, &seg->dense_map);
		slab = &seg->slabs[idx];
		if (hk_slab_dense(seg, slab)) {
			__clear_bit(idx, &seg->partial_map);
			return slab;
		}
	}
	return NULL;
}

/*
 * Take the next slab to allocate from; NULL if the heap needs a segment.
 * The order, so that memory is reused where it is already mostly in use
 * and sparse slabs drain (and their segments empty and can go back):
 *
 *   1. a dense partial slab of the current segment, then a free one;
 *   2. the same in each segment of heap->avail;
 *   3. a sparse partial slab, of the current segment or of those at the
 *      head of heap->full (with no dense or free slab but a sparse one);
 *   4. only then the pool (and the caller the page allocator).
 *
 * A segment found with neither dense nor free slabs goes to heap->full:
 * to its head if it has sparse ones, to its tail if it is full, so that
 * step 3 looks at the head only.
 */
static struct hk_slab *hk_heap_next_slab(struct hakmem_cache *s,
					 struct hk_heap *h, struct hk_cpu *c)
{
	struct hk_segment *seg;
	struct hk_slab *slab;
	unsigned int idx;

	if (llist_empty(&h->remote_segs) == false)
		hk_heap_collect(s, h, c);
	for (;;) {
		seg = h->seg;
		if (!seg) {
			seg = list_first_entry_or_null(&h->avail,
						       struct hk_segment, list);
			if (!seg) {
				seg = list_first_entry_or_null(&h->full,
							       struct hk_segment,
							       list);
				if (seg && !seg->partial_map)
					seg = NULL;
			}
			if (seg) {
				list_del_init(&seg->list);
				seg->full = false;
			} else if (unlikely(!c && hk_node_heap_of(s, h))) {
				seg = hk_pool_get_node(s, h->node);
			} else {
				seg = hk_pool_get(s);
			}
			if (!seg)
				return NULL;
			/* Remote freers read it without a lock. */
			WRITE_ONCE(seg->heap, h);
			hk_heap_set_seg(h, c, seg);
		}
		slab = hk_seg_take_dense(seg);
		if (slab)
			break;
		if (seg->free_map) {
			idx = __ffs(seg->free_map);
			__clear_bit(idx, &seg->free_map);
			slab = &seg->slabs[idx];
			seg->used++;
			h->nr_slabs++;
			h->nr_objs += seg->objs_per_slab;
			hk_stat_of(s, c, HAKMEM_SLAB_ALLOC, 1);
			break;
		}
		/* No dense or free slab left in any segment: a sparse one. */
		if (seg->partial_map && list_empty(&h->avail)) {
			idx = __ffs(seg->partial_map);
			__clear_bit(idx, &seg->partial_map);
			slab = &seg->slabs[idx];
			break;
		}
		seg->full = true;
		if (seg->partial_map)
			list_add(&seg->list, &h->full);
		else
			list_add_tail(&seg->list, &h->full);
		hk_heap_set_seg(h, c, NULL);
	}
	slab->state = HK_SLAB_ACTIVE;
	h->slab = slab;
	return slab;
}

/*
 * Carve up to @n fresh slots of @slab into @p: write each header (one
 * store), and for caches that have them run the debug setup and the
 * constructor.  Return: how many.
 */
static unsigned int hk_carve(struct hakmem_cache *s, struct hk_segment *seg,
			     struct hk_slab *slab, void **p, unsigned int n)
{
	unsigned int i, nr = min(n, seg->objs_per_slab - slab->carved);
	char *obj = (char *)hk_slab_addr(s, seg, slab) +
		    slab->carved * s->size + s->obj_off;
	u64 hdr = s->full_mode ? s->hdr_free : s->hdr_light;

	for (i = 0; i < nr; i++, obj += s->size) {
		*(u64 *)hk_hdr(obj) = hdr;
		/* A slab carved again may hold its last use's link words. */
		if (s->wipe_link)
			hk_set_link(s, obj, NULL);
		p[i] = obj;
	}
	if (unlikely(s->debug || s->ctor)) {
		for (i = 0; i < nr; i++) {
			if (s->debug)
				hk_debug_carve(s, p[i]);
			/*
			 * Once a slot: an object freed in its constructed
			 * state stays so (SLAB_TYPESAFE_BY_RCU readers may
			 * still look at it), as SLUB constructs a slab's
			 * objects only when the slab is allocated.
			 */
			if (s->ctor && slab->carved + i >= slab->constructed) {
				if (s->kasan)
					hk_kasan_unpoison(p[i], s->object_size);
				s->ctor(p[i]);
				if (s->kasan)
					hk_tools_free_poison(s, p[i]);
			}
		}
	}
	slab->carved += nr;
	slab->constructed = max(slab->constructed, slab->carved);
	return nr;
}

/*
 * Fill @p with up to @n objects from the heap's slabs, without new segments.
 * Return: how many.
 */
static unsigned int hk_heap_fill(struct hakmem_cache *s, struct hk_heap *h,
				 struct hk_cpu *c, void **p, unsigned int n)
{
	unsigned int got = 0, carved = 0;
	struct hk_slab *slab;

	hk_assert_owner(s, h);
	while (got < n) {
		slab = h->slab;
		if (!slab) {
			slab = hk_heap_next_slab(s, h, c);
			if (!slab)
				break;
		}
		while (got < n && slab->freelist) {
			void *obj = slab->freelist;

			slab->freelist = hk_get_link(s, obj);
			/*
			 * init_on_free zeroed the object before the link went
			 * in: take it out, as SLUB's maybe_wipe_obj_freeptr().
			 */
			if (s->wipe_link)
				hk_set_link(s, obj, NULL);
			if (!s->full_mode)
				*(u64 *)hk_hdr(obj) = s->hdr_light;
			slab->inuse++;
			p[got++] = obj;
		}
		if (got < n && slab->carved < h->seg->objs_per_slab) {
			unsigned int k = hk_carve(s, h->seg, slab, p + got,
						  n - got);

			slab->inuse += k;
			got += k;
			carved += k;
		}
		if (!slab->freelist && slab->carved == h->seg->objs_per_slab) {
			slab->state = HK_SLAB_FULL;
			h->slab = NULL;
		}
	}
	if (carved)
		hk_stat_of(s, c, HAKMEM_CARVE, carved);
	h->inuse += got;
	return got;
}

/* Give up the current slab and segment, so that empty ones can go. */
static void hk_heap_drain(struct hakmem_cache *s, struct hk_heap *h,
			  struct hk_cpu *c)
{
	struct hk_segment *seg, *tmp;
	struct hk_slab *slab;

	hk_assert_owner(s, h);
	/* Collecting may release the current segment: look at it after. */
	hk_heap_collect(s, h, c);
	slab = h->slab;
	seg = h->seg;
	if (slab) {
		h->slab = NULL;
		if (!slab->inuse) {
			hk_slab_release(s, h, c, seg, slab);
		} else {
			slab->state = HK_SLAB_PARTIAL;
			__set_bit(slab - seg->slabs, &seg->partial_map);
			if (hk_slab_dense(seg, slab))
				__set_bit(slab - seg->slabs, &seg->dense_map);
		}
	}
	/* Drained: no segment is current, for allocation or fast frees. */
	h->seg = NULL;
	if (c)
		hk_cpu_set_cur(c, NULL);
	if (seg) {
		if (!seg->used) {
			hk_seg_reset(seg);
			hk_pool_put(s, seg);
		} else {
			list_add(&seg->list, &h->avail);
		}
	}
	/* A segment adopted while the heap had one may never have been used. */
	list_for_each_entry_safe(seg, tmp, &h->avail, list) {
		if (seg->used)
			continue;
		list_del_init(&seg->list);
		hk_seg_reset(seg);
		hk_pool_put(s, seg);
	}
	/*
	 * Nothing left (shrunk, reclaimed, CPU gone): the heap is young again,
	 * and its next burst starts with one slab, not a full-size segment.
	 */
	if (!h->nr_slabs)
		h->next_order = s->first_order;
}

/* Hand an object to the heap that owns its segment (lock-free). */
static void hk_remote_free(struct hakmem_cache *s, struct hk_segment *seg,
			   void *obj)
{
	struct hk_heap *owner = READ_ONCE(seg->heap);

	/* Only a double free can reach an empty, pooled segment. */
	if (unlikely(!owner)) {
		hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, _RET_IP_,
			  "object freed to an empty segment (late double free)");
		return;
	}
	hk_mark_listed(s, obj);
	/*
	 * llist_add() is a full barrier; once the object is on the list the
	 * owner may take it, and we touch the segment only if we made the list
	 * non-empty, in which case nobody can see the object before the
	 * segment is queued.
	 */
	if (llist_add((struct llist_node *)hk_link(s, obj), &seg->remote))
		llist_add(&seg->remote_node, &owner->remote_segs);
}

/*
 * The segment of @obj if this CPU knows it without a lookup: its current
 * segment, or the one it proved last if no segment of the cache has been
 * freed since.  Under the guard.
 */
static __always_inline struct hk_segment *
hk_seg_known(struct hakmem_cache *s, struct hk_cpu *c, const void *obj)
{
	if (hk_in_range(obj, c->cur_base, c->cur_size))
		return c->cur_seg;
	if (hk_in_range(obj, c->last_base, c->last_size) &&
	    c->last_gen == atomic_long_read(&s->seg_gen))
		return c->last_seg;
	return NULL;
}

/* Put an object back: to its slab if the heap owns it, else remotely. */
static void hk_return_obj(struct hakmem_cache *s, struct hk_heap *h,
			  struct hk_cpu *c, void *obj)
{
	struct hk_segment *seg = c ? hk_seg_known(s, c, obj) : NULL;
	struct hk_heap *owner;

	if (!seg)
		seg = hk_seg_of_trusted(obj);
	owner = READ_ONCE(seg->heap);
	if (owner == h) {
		hk_slab_put(s, h, c, seg, obj);
	} else if (unlikely(!owner)) {
		/* Only a double free can reach an empty, pooled segment. */
		hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, _RET_IP_,
			  "object freed to an empty segment (late double free)");
	} else {
		hk_remote_free(s, seg, obj);
		hk_stat_of(s, c, HAKMEM_FREE_REMOTE, 1);
	}
}

/* === Internals: per-CPU stack ============================================= */

/* Move the oldest objects of the stack back to their slabs, keeping @keep. */
void hk_cpu_flush(struct hakmem_cache *s, struct hk_cpu *c, unsigned int keep)
{
	unsigned int i, n;

	if (c->count <= keep)
		return;
	n = c->count - keep;
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			prefetch(c->stack[i + 1]);
		hk_return_obj(s, &c->heap, c, c->stack[i]);
	}
	memmove(c->stack, c->stack + n, keep * sizeof(void *));
	c->count = keep;
	hk_stat(c, HAKMEM_FLUSH);
	/* ... and at every flush, so that their slabs can empty. */
	if (!llist_empty(&c->heap.remote_segs))
		hk_heap_collect(s, &c->heap, c);
}

/*
 * After a refill or a drain: a burst of frees may be ending once a stack's
 * worth of objects went back to the heap's slabs since now, and fewer than
 * half a stack's worth are out besides the stack's own (see
 * hk_cpu_burst_check()); as a stack holds stack_max objects at most, not
 * before heap.inuse is below one and a half stacks.  The slow frees test
 * heap.inuse against the lower of the two bounds, drain_at, and no more.
 *
 * A burst whose objects in use now fit in one full-size segment is left
 * as it is: what the stack pins is at most that much, and a drain would
 * only have the next refill carve it again (a shuffle of 512 objects of
 * 256 B, at db17f67: 224.7 instructions per object with that drain, 182.0
 * without; tools/testing/hakmem bench shuffle).  Idle reclaim still gives
 * it back.
 */
static void hk_cpu_set_drain_at(struct hakmem_cache *s, struct hk_cpu *c)
{
	long inuse = c->heap.inuse, max = s->stack_max;

	if ((u64)inuse * s->size <= (PAGE_SIZE << hk_seg_order))
		c->drain_at = LONG_MIN;
	else
		c->drain_at = min(inuse - max, max + max / 2 - 1);
}

/*
 * Refill the stack from the heap, ordered so that pops come out in address
 * order.  Return: how many objects it now has.
 */
static unsigned int hk_cpu_refill(struct hakmem_cache *s, struct hk_cpu *c)
{
	unsigned int want = max(s->stack_max / 2, 1U);
	void **p = c->stack + c->count;
	unsigned int got, i;

	/* Objects other CPUs gave back come home at every refill. */
	if (!llist_empty(&c->heap.remote_segs))
		hk_heap_collect(s, &c->heap, c);
	got = hk_heap_fill(s, &c->heap, c, p, want);
	for (i = 0; i < got / 2; i++)
		swap(p[i], p[got - 1 - i]);
	c->count += got;
	if (got)
		hk_stat(c, HAKMEM_REFILL);
	/* An allocation: the end of a burst of frees, if one was draining. */
	if (unlikely(c->draining)) {
		c->draining = false;
		if (c->heap.seg)
			hk_cpu_set_cur(c, c->heap.seg);
	}
	hk_cpu_set_drain_at(s, c);
	return got;
}

/* Empty the stack and give up the current slab and segment. */
static void hk_cpu_drain(struct hakmem_cache *s, struct hk_cpu *c)
{
	hk_cpu_flush(s, c, 0);
	hk_heap_drain(s, &c->heap, c);
	c->draining = false;
	hk_cpu_set_drain_at(s, c);
}

/*
 * A burst of frees may be ending (hk_cpu_set_drain_at()): one load and
 * compare inline, in the slow frees and the flush of a full stack, most of
 * which are in the middle of a burst or in none.
 */
static __always_inline bool hk_cpu_burst_ending(struct hk_cpu *c)
{
	return c->heap.inuse <= c->drain_at;
}

/*
 * The end of a burst of frees: since the last refill at least a stack's
 * worth of objects went back to the heap's slabs (hk_cpu_burst_ending()),
 * and fewer than half a stack of them are out (with users, or on other
 * CPUs), so the rest of the burst is likely on its way.  Then frees take
 * the slow path and go straight home (hk_free_push()), and once nothing is
 * out but what the stack holds, the stack is emptied and the heap drained:
 * the objects the stack held do not pin the current segment until the
 * next idle reclaim.  The next refill ends it.  Called after a flush or a
 * free sent home.
 */
static noinline void hk_cpu_burst_check(struct hakmem_cache *s,
					struct hk_cpu *c)
{
	long out = c->heap.inuse - c->count;

	if (out >= (long)(s->stack_max / 2))
		return;
	if (out <= 0) {
		hk_cpu_drain(s, c);
		hk_stat(c, HAKMEM_BURST_DRAIN);
		return;
	}
	if (!c->draining) {
		c->draining = true;
		/* Frees of the current segment take the slow path. */
		hk_cpu_set_cur(c, NULL);
	}
}

/* === Internals: allocation ================================================ */

/*
 * What an allocation does besides the pop, as HK_WORK_* bits: the cache's,
 * and HK_WORK_ZERO for __GFP_ZERO.  0 for most, tested at once.
 */
static __always_inline unsigned int hk_alloc_work_of(struct hakmem_cache *s,
						     gfp_t gfp)
{
	unsigned int zero = (__force unsigned int)gfp & s->gfp_zero;

	static_assert(!(___GFP_ZERO & (HK_WORK_DEBUG | HK_WORK_HEADER |
				       HK_WORK_TOOLS)));
	return s->alloc_work | zero;
}

/*
 * KASAN and kmemleak (HK_WORK_TOOLS): an object being handed out becomes
 * accessible (to its object_size; the rest of the granule and the slot
 * stay poisoned) and a kmemleak object, which kmemleak scans for pointers
 * and reports if nothing points to it.
 */
static noinline void hk_tools_alloc(struct hakmem_cache *s, void *obj,
				    gfp_t gfp)
{
	if (s->kasan)
		hk_kasan_unpoison(obj, s->object_size);
	if (s->kmemleak)
		kmemleak_alloc(obj, s->object_size, 1, gfp);
}

/* An object being freed: not kmemleak's any more, and poisoned. */
static noinline void hk_tools_free(struct hakmem_cache *s, void *obj)
{
	if (s->kmemleak)
		kmemleak_free(obj);
	if (s->kasan)
		hk_tools_free_poison(s, obj);
}

/* Zero, set the header, as the allocation asks; the object is ours now. */
static __always_inline void *hk_post_alloc(struct hakmem_cache *s, void *obj,
					   gfp_t gfp, unsigned long caller)
{
	unsigned int work = hk_alloc_work_of(s, gfp);

	if (likely(!work))
		return obj;
	if (unlikely(work & HK_WORK_TOOLS))
		hk_tools_alloc(s, obj, gfp);
	if (unlikely(work & HK_WORK_DEBUG)) {
		hk_debug_alloc(s, obj, caller);
		/* Red zone, then header: see hk_validate_live(). */
		smp_wmb();
	}
	if (work & HK_WORK_HEADER)
		*(u64 *)hk_hdr(obj) = s->hdr_alloc;	/* whole: the free's load forwards */
	if (work & (HK_WORK_ZERO | ___GFP_ZERO))
		memset(obj, 0, s->object_size);
	return obj;
}

/*
 * Allocate from the depot: for a nested allocation (an interrupt of a
 * hakmem call on this CPU) that found this CPU's state busy.  Caches
 * without a per-CPU stack (stack_max 0) use their CPU's heap as the others
 * do.  IRQ-safe.
 */
static void *hk_alloc_depot(struct hakmem_cache *s, gfp_t gfp)
{
	struct hk_segment *seg;
	unsigned long flags;
	void *obj = NULL;

	spin_lock_irqsave(&s->depot_lock, flags);
	if (!hk_heap_fill(s, &s->depot, NULL, &obj, 1)) {
		/*
		 * Nested in an interrupted hakmem call: no reclaim, and so no
		 * __GFP_NOFAIL either (the page allocator refuses it there).
		 */
		seg = ___hk_seg_alloc(s, gfp & ~(__GFP_DIRECT_RECLAIM |
						 __GFP_NOFAIL),
				      s->depot.node, s->depot.next_order);
		if (seg) {
			hk_heap_grow(&s->depot, seg);
			hk_heap_adopt(s, &s->depot, NULL, seg);
			hk_heap_fill(s, &s->depot, NULL, &obj, 1);
		}
	}
	spin_unlock_irqrestore(&s->depot_lock, flags);
	if (obj)
		hk_stat_unguarded(s, HAKMEM_ALLOC_LOCKED, 1);
	return obj;
}

/*
 * ___hk_alloc - the slowest path: the heap needs a new segment.
 * Entered and left with preemption disabled and @c busy; the page allocator
 * is called with both released (see "Preemption and PREEMPT_RT" at the
 * top), so this returns the hk_cpu of the CPU it ends on, which may differ.
 * Return: false if no segment could be had.
 */
static bool ___hk_alloc(struct hakmem_cache *s, struct hk_cpu **cp, gfp_t gfp)
{
	struct hk_cpu *c = *cp;
	unsigned int order = c->heap.next_order;
	struct hk_segment *seg;
	int node = c->heap.node;

	hk_cpu_exit(c);
	preempt_enable();
	seg = ___hk_seg_alloc(s, gfp, node, order);
	preempt_disable();
	c = this_cpu_ptr(s->cpu);
	*cp = c;
	hk_cpu_enter(c);
	if (!seg)
		return false;
	hk_heap_grow(&c->heap, seg);
	hk_heap_adopt(s, &c->heap, c, seg);
	return true;
}

/*
 * __hk_alloc - the slow path: the stack was empty, or this CPU's state was
 * busy (a nested allocation, which takes the depot).  Out of line, so that
 * hk_alloc() needs no stack frame of its own.
 */
/*
 * hakmem does not charge memory cgroups: say so, once, rather than ignore
 * __GFP_ACCOUNT silently.  Tested on the slow paths only (every cache's
 * first allocation, and every refill, takes one), not on the fast path.
 */
static void hk_check_account(struct hakmem_cache *s, gfp_t gfp,
			     unsigned long caller)
{
	if (unlikely(gfp & __GFP_ACCOUNT))
		pr_warn_once("cache %s: __GFP_ACCOUNT allocation from %pS is not charged to a memory cgroup\n",
			     s->name, (void *)caller);
}

static noinline void *__hk_alloc(struct hakmem_cache *s, gfp_t gfp,
				 unsigned long caller)
{
	struct hk_cpu *c;
	void *obj;

	might_alloc(gfp);
	hk_check_account(s, gfp, caller);
	preempt_disable();
	c = this_cpu_ptr(s->cpu);
	if (unlikely(c->busy)) {
		preempt_enable();
		obj = hk_alloc_depot(s, gfp);
		goto out;
	}
	hk_cpu_enter(c);
	/*
	 * Another task or an interrupt may have used the new segment before
	 * we took the guard again: try again, without end for __GFP_NOFAIL
	 * (whose segment allocation does not fail).
	 */
	while (!c->count && !hk_cpu_refill(s, c)) {
		/*
		 * The page allocator refuses __GFP_NOFAIL without direct
		 * reclaim (and warns once): retrying then would spin.
		 */
		if (!___hk_alloc(s, &c, gfp) &&
		    !((gfp & __GFP_NOFAIL) && gfpflags_allow_blocking(gfp))) {
			hk_cpu_exit(c);
			preempt_enable();
			return NULL;
		}
	}
	obj = c->stack[--c->count];
	/* kmemleak scans the per-CPU stack: a stale slot would be a reference. */
	if (unlikely(s->kmemleak))
		c->stack[c->count] = NULL;
	hk_stat(c, HAKMEM_ALLOC_SLOW);
	hk_cpu_exit(c);
	preempt_enable();
out:
	if (unlikely(!obj))
		return NULL;
	return hk_post_alloc(s, obj, gfp, caller);
}

/*
 * might_alloc() after a fast allocation.  With preemptible RCU and neither
 * lockdep nor CONFIG_DEBUG_ATOMIC_SLEEP (Debian's kernels, for one), all
 * it does is a voluntary preemption point: a call to __cond_resched(),
 * which does nothing unless should_resched(0).  Test that inline and make
 * the call only then; every other kernel makes the whole might_alloc()
 * here.  True if the caller must still call might_alloc(), out of line
 * (hk_alloc_work()), so that no frame is needed around the test.
 * The KUnit kernels build the second variant (lockdep); hakmem_stress.ko
 * tests the first on Debian's kernel (kunit/hakmem_slab_resched.h).
 * The test is hakmem_slab_inline.h's, which the inline paths make too.
 */
static __always_inline bool hk_might_alloc_due(gfp_t gfp)
{
	return __hakmem_might_alloc_due(gfp);
}

/*
 * What a fast allocation does besides the pop, out of line: a preemption
 * point found due, the header, zeroing with a due preemption point.
 */
static noinline void *hk_alloc_work(struct hakmem_cache *s, void *obj,
				    gfp_t gfp)
{
	if (unlikely(hk_might_alloc_due(gfp)))
		might_alloc(gfp);
	/* Not a debug cache's: their stack stays empty. */
	return hk_post_alloc(s, obj, gfp, 0);
}

/*
 * fail_hakmem's decision for one allocation from @s, as should_failslab():
 * never __GFP_NOFAIL, not sleeping ones with ignore-gfp-wait, only opted-in
 * caches with cache-filter; counted in alloc_fail_injected.
 */
static noinline bool hk_should_failslab(struct hakmem_cache *s, gfp_t gfp)
{
	struct hakmem_fail *f = &hakmem_fail_alloc;

	if (gfp & __GFP_NOFAIL)
		return false;
	if (READ_ONCE(f->ignore_gfp_reclaim) && (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	if (READ_ONCE(f->cache_filter) && !READ_ONCE(s->failslab))
		return false;
	if (!hk_should_fail(&f->attr, s->object_size))
		return false;
	hk_stat_unguarded(s, HAKMEM_ALLOC_FAIL_INJECTED, 1);
	return true;
}

/* Is fail_hakmem on?  A no-op (a static key) while it is off. */
static __always_inline bool hk_fail_on(void)
{
	return HK_FAULT_INJECTION && static_branch_unlikely(&hk_fail_key);
}

/*
 * An allocation while fail_hakmem is on: fail it, or take the slow path
 * (which pops the stack too, counted in alloc_slow).  A tail call from
 * hk_alloc(), so that the fast path keeps no frame.
 */
static noinline void *hk_alloc_failslab(struct hakmem_cache *s, gfp_t gfp,
					unsigned long caller)
{
	might_alloc(gfp);
	if (hk_should_failslab(s, gfp))
		return NULL;
	return __hk_alloc(s, gfp, caller);
}

/*
 * hk_alloc - the fast path: pop the per-CPU stack.  A preempt-count bump,
 * the guard, the pop and a counter; anything more is a tail call.
 */
static __always_inline void *hk_alloc(struct hakmem_cache *s, gfp_t gfp,
				      unsigned long caller)
{
	unsigned int n, work;
	struct hk_cpu *c;
	void *obj;

	if (hk_fail_on())
		return hk_alloc_failslab(s, gfp, caller);
	preempt_disable();
	c = this_cpu_ptr(s->cpu);
	if (likely(!c->busy)) {
		hk_cpu_enter(c);
		/* Read after entering: an interrupt may have popped. */
		n = c->count;
		if (likely(n)) {
			c->count = --n;
			obj = c->stack[n];
			hk_stat(c, HAKMEM_ALLOC_FAST);
			hk_cpu_exit(c);
			preempt_enable();
			/*
			 * might_alloc(), as before the pop, but only @obj
			 * lives across a call it makes: no frame before the
			 * pop, and none at all where the call is rare.
			 */
			work = hk_alloc_work_of(s, gfp);
			if (unlikely(work & ~(HK_WORK_ZERO | ___GFP_ZERO)) ||
			    unlikely(hk_might_alloc_due(gfp)))
				return hk_alloc_work(s, obj, gfp);
			/* Zeroing only: memset() returns @obj. */
			if (unlikely(work))
				return memset(obj, 0, s->object_size);
			return obj;
		}
		hk_cpu_exit(c);
	}
	preempt_enable();
	return __hk_alloc(s, gfp, caller);
}

/* === Internals: free ====================================================== */

/* What the free path writes into a valid object. */
static __always_inline void hk_pre_free(struct hakmem_cache *s, void *obj,
					unsigned long caller)
{
	unsigned int work = s->free_work;

	if (likely(!work))
		return;
	if (unlikely(work & HK_WORK_DEBUG))
		hk_debug_free(s, obj, caller);
	if (work & HK_WORK_ZERO)
		memset(obj, 0, s->object_size);
	if (work & HK_WORK_HEADER)
		*(u64 *)hk_hdr(obj) = s->hdr_free;
	if (unlikely(work & HK_WORK_TOOLS))
		hk_tools_free(s, obj);
}

/* Unaligned-safe: an interior pointer may be anything (the same load). */
static __always_inline bool hk_hdr_valid(struct hakmem_cache *s, void *obj)
{
	return get_unaligned((u64 *)hk_hdr(obj)) == s->hdr_live;
}

/* A full stack: its older half goes home; maybe a burst of frees ends. */
static noinline void hk_cpu_flush_full(struct hakmem_cache *s,
				       struct hk_cpu *c)
{
	hk_cpu_flush(s, c, s->stack_max / 2);
	if (hk_cpu_burst_ending(c))
		hk_cpu_burst_check(s, c);
}

/* Push a checked object on this CPU's stack, flushing it if full. */
static void hk_cpu_push(struct hakmem_cache *s, struct hk_cpu *c, void *obj)
{
	if (unlikely(c->count >= s->stack_max)) {
		if (!s->stack_max) {
			hk_return_obj(s, &c->heap, c, obj);
			return;
		}
		hk_cpu_flush_full(s, c);
	}
	c->stack[c->count++] = obj;
}

/*
 * Prove that @obj is a live object of @s (of any cache if @s is NULL): in a
 * hakmem segment, of the right cache, with a valid header.  Reports and
 * returns NULL if not.
 */
static __always_inline struct hk_segment *
hk_free_check(struct hakmem_cache *s, void *obj, unsigned long caller)
{
	struct hk_segment *seg = hk_seg_lookup(obj);

	if (unlikely(!seg)) {
		hk_report(s, HAKMEM_ERR_INVALID, obj, caller,
			  "free of a pointer hakmem did not allocate");
		return NULL;
	}
	if (unlikely(s && seg->cache != s)) {
		hk_report(s, HAKMEM_ERR_WRONG_CACHE, obj, caller,
			  "free to the wrong cache");
		return NULL;
	}
	/* Before the first slot: its "header" would be outside the segment. */
	if (unlikely((unsigned long)obj - seg->base < seg->cache->obj_off ||
		     !hk_hdr_valid(seg->cache, obj))) {
		hk_report_bad_free(seg->cache, seg, obj, caller);
		return NULL;
	}
	return seg;
}

/* Remember @seg, proved when the cache's seg_gen was @gen.  Guard held. */
static void hk_cpu_set_last(struct hk_cpu *c, struct hk_segment *seg, long gen)
{
	c->last_gen = gen;
	c->last_base = hk_seg_first(seg);
	c->last_size = hk_seg_span(seg);
	c->last_seg = seg;
}

/*
 * The segment of @obj, a free to @s, with @c's guard held: the current
 * segment or the one proved last if it still holds, else a lookup, which
 * then becomes the one proved last.  NULL after a report.
 */
static __always_inline struct hk_segment *
hk_prove_guarded(struct hakmem_cache *s, struct hk_cpu *c, void *obj,
		 unsigned long caller)
{
	struct hk_segment *seg = hk_seg_known(s, c, obj);
	long gen;

	if (likely(seg && hk_hdr_valid(s, obj)))
		return seg;
	gen = atomic_long_read(&s->seg_gen);
	/* The generation before the lookup: pairs with hk_seg_free(). */
	smp_rmb();
	seg = hk_free_check(s, obj, caller);
	if (seg)
		hk_cpu_set_last(c, seg, gen);
	return seg;
}

static unsigned int hk_kfree_slot(const void *obj)
{
	return ((unsigned long)obj >> (PAGE_SHIFT + hk_seg_order)) %
	       HK_KFREE_HINTS;
}

/* The segment of @obj if this CPU's kfree hints prove it.  Preempt off. */
static struct hk_segment *hk_kfree_hint(const void *obj)
{
	struct hk_kfree_cpu *k = this_cpu_ptr(&hk_kfree_cpu);
	unsigned int i = hk_kfree_slot(obj);
	struct hk_segment *seg = NULL;

	if (unlikely(k->busy))
		return NULL;
	hk_guard_enter(&k->busy);
	if (hk_in_range(obj, k->base[i], k->size[i]) &&
	    k->gen == atomic_long_read(&hk_seg_gen_all))
		seg = k->seg[i];
	hk_guard_exit(&k->busy);
	return seg;
}

/* Remember @seg, proved when hk_seg_gen_all was @gen.  Preempt off. */
static void hk_kfree_hint_set(struct hk_segment *seg, long gen)
{
	struct hk_kfree_cpu *k = this_cpu_ptr(&hk_kfree_cpu);
	unsigned int i = hk_kfree_slot((void *)seg->base);

	if (unlikely(k->busy))
		return;
	hk_guard_enter(&k->busy);
	if (k->gen != gen) {
		/* Every hint goes: no stale segment pointer stays behind. */
		memset(k->size, 0, sizeof(k->size));
		memset(k->seg, 0, sizeof(k->seg));
		k->gen = gen;
	}
	k->base[i] = hk_seg_first(seg);
	k->size[i] = hk_seg_span(seg);
	k->seg[i] = seg;
	hk_guard_exit(&k->busy);
}

/*
 * __hk_free() step 1: prove @obj before touching it.  A free to a cache
 * whose CPU state is not busy takes the guard first, so that the current
 * segment or the one this CPU proved last (last_*, read and written only
 * under the guard) can prove it without a lookup; it then returns with the
 * guard held and *@cp set.  Otherwise (hakmem_kfree(), or a free nested in
 * an interrupted hakmem call) the proof is made unguarded and *@cp is NULL;
 * hakmem_kfree() remembers it in this CPU's kfree hints.
 * Return: @obj's segment, or NULL after a report.  Preemption disabled.
 */
static __always_inline struct hk_segment *
hk_free_prove(struct hakmem_cache *s, void *obj, unsigned long caller,
	      struct hk_cpu **cp)
{
	struct hk_segment *seg;
	struct hk_cpu *c;
	long gen;

	*cp = NULL;
	if (s) {
		c = this_cpu_ptr(s->cpu);
		if (likely(!c->busy)) {
			hk_cpu_enter(c);
			seg = hk_prove_guarded(s, c, obj, caller);
			if (likely(seg))
				*cp = c;
			else
				hk_cpu_exit(c);
			return seg;
		}
		/* Nested: step 2 hands the object off, last_* stay as they are. */
		return hk_free_check(s, obj, caller);
	}
	/* A segment this CPU proved, if none was freed since. */
	seg = hk_kfree_hint(obj);
	if (seg && hk_hdr_valid(seg->cache, obj))
		return seg;
	gen = atomic_long_read(&hk_seg_gen_all);
	/* The generation before the lookup: pairs with hk_seg_free(). */
	smp_rmb();
	seg = hk_free_check(NULL, obj, caller);
	if (seg)
		hk_kfree_hint_set(seg, gen);
	return seg;
}

/*
 * __hk_free() step 2: enter the CPU state of @seg's cache, or, when it is
 * busy (the free is nested in an interrupted hakmem call on this CPU), hand
 * @obj to its segment's owner by a remote free.
 * Return: the entered hk_cpu, or NULL if @obj was handed off.
 */
static __always_inline struct hk_cpu *
hk_free_enter(struct hk_segment *seg, void *obj, unsigned long caller)
{
	struct hakmem_cache *s = seg->cache;
	struct hk_cpu *c = this_cpu_ptr(s->cpu);

	if (likely(!c->busy)) {
		hk_cpu_enter(c);
		return c;
	}
	hk_pre_free(s, obj, caller);
	hk_remote_free(s, seg, obj);
	hk_stat_unguarded(s, HAKMEM_FREE_SLOW, 1);
	hk_stat_unguarded(s, HAKMEM_FREE_REMOTE, 1);
	return NULL;
}

/*
 * __hk_free() step 3: push proved @obj of @seg on @c's stack, or put it
 * straight back to its slab; catches the double free of the top of the
 * stack.  Entered with @c's guard held, leaves it released.
 */
static __always_inline void hk_free_push(struct hakmem_cache *s,
					 struct hk_cpu *c,
					 struct hk_segment *seg, void *obj,
					 unsigned long caller)
{
	if (unlikely(c->count && c->stack[c->count - 1] == obj)) {
		hk_cpu_exit(c);
		hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, caller, "double free");
		return;
	}
	hk_pre_free(s, obj, caller);
	/*
	 * An object of one of this heap's older segments goes straight home
	 * once the stack is half full: a flush would only take it there later.
	 * So does every object of the heap at the end of a burst of frees.
	 */
	if (((seg != c->heap.seg && c->count >= s->stack_max / 2) ||
	     unlikely(c->draining)) && READ_ONCE(seg->heap) == &c->heap) {
		/* A late double free is reported there and not counted. */
		if (hk_slab_put(s, &c->heap, c, seg, obj))
			hk_stat(c, HAKMEM_FREE_SLOW);
		if (hk_cpu_burst_ending(c))
			hk_cpu_burst_check(s, c);
	} else {
		hk_cpu_push(s, c, obj);
		hk_stat(c, HAKMEM_FREE_SLOW);
		/* The last objects of a burst may fit in the stack. */
		if (unlikely(hk_cpu_burst_ending(c)))
			hk_cpu_burst_check(s, c);
	}
	hk_cpu_exit(c);
}

/*
 * __hk_free - the slow path: the object is not in this CPU's current
 * segment, or the stack is full, or the header did not check out, or the
 * free has more to do than a push (debug, init_on_free), or this CPU's state
 * is busy (a nested free).  Proves the pointer, enters the owner's state or
 * hands the object off, and pushes.  @s is NULL for hakmem_kfree().  Out of
 * line, so that hk_free() stays a leaf.
 */
static noinline void __hk_free(struct hakmem_cache *s, void *obj,
			       unsigned long caller)
{
	struct hk_segment *seg;
	struct hk_cpu *c;

	preempt_disable();
	seg = hk_free_prove(s, obj, caller, &c);
	if (seg && !c)
		c = hk_free_enter(seg, obj, caller);
	if (c)
		hk_free_push(seg->cache, c, seg, obj, caller);
	preempt_enable();
}

/*
 * hk_free - the fast path: push on the per-CPU stack.  A preempt-count bump,
 * the segment compare, the guard, the header check and the push; no call
 * but the tail call to the slow path, so no stack frame.
 */
static __always_inline void hk_free(struct hakmem_cache *s, void *obj,
				    unsigned long caller)
{
	struct hk_cpu *c;
	unsigned int n;

	if (unlikely(ZERO_OR_NULL_PTR(obj)))
		return;
	preempt_disable();
	c = this_cpu_ptr(s->cpu);
	if (likely(hk_in_range(obj, c->cur_base, c->cur_size) && !c->busy)) {
		hk_cpu_enter(c);
		/* Read after entering: an interrupt may have pushed. */
		n = c->count;
		if (likely(n < s->fast_max && hk_hdr_valid(s, obj) &&
			   (unlikely(!n) || c->stack[n - 1] != obj))) {
			/* fast_max is 0 if free_work has more than this. */
			if (unlikely(s->free_work))
				*(u64 *)hk_hdr(obj) = s->hdr_free;
			c->count = n + 1;
			c->stack[n] = obj;
			hk_stat(c, HAKMEM_FREE_FAST);
			hk_cpu_exit(c);
			preempt_enable();
			return;
		}
		hk_cpu_exit(c);
	}
	preempt_enable();
	__hk_free(s, obj, caller);
}

/* === Internals: work on every CPU ========================================= */

static void hk_cpu_flush_all(struct hakmem_cache *s, struct hk_cpu *c)
{
	hk_cpu_flush(s, c, 0);
}

static void hk_cpu_run(struct hakmem_cache *s, struct hk_cpu *c,
		       enum hk_cpu_op op, void *arg)
{
	switch (op) {
	case HK_OP_FLUSH:
		hk_cpu_flush_all(s, c);
		break;
	case HK_OP_DRAIN:
		hk_cpu_drain(s, c);
		break;
	case HK_OP_VALIDATE:
		hk_cpu_validate(s, c, arg);
		break;
	}
}

struct hk_cpu_work {
	struct work_struct work;
	struct hakmem_cache *s;
	enum hk_cpu_op op;
	void *arg;
};

static DEFINE_PER_CPU(struct hk_cpu_work, hk_cpu_works);
static DEFINE_MUTEX(hk_cpu_work_mutex);

static void hk_cpu_work_fn(struct work_struct *work)
{
	struct hk_cpu_work *w = container_of(work, struct hk_cpu_work, work);
	struct hk_cpu *c;

	preempt_disable();
	c = this_cpu_ptr(w->s->cpu);
	hk_cpu_enter(c);
	hk_cpu_run(w->s, c, w->op, w->arg);
	hk_cpu_exit(c);
	preempt_enable();
}

/*
 * Run @op as the owner of every CPU's state: on the CPU itself if it is
 * online, directly for offline CPUs (which cannot come up meanwhile).
 */
void hk_on_each_cpu(struct hakmem_cache *s, enum hk_cpu_op op, void *arg)
{
	struct hk_cpu_work *w;
	unsigned int cpu;

	might_sleep();
	cpus_read_lock();
	mutex_lock(&hk_cpu_work_mutex);
	for_each_online_cpu(cpu) {
		w = per_cpu_ptr(&hk_cpu_works, cpu);
		INIT_WORK(&w->work, hk_cpu_work_fn);
		w->s = s;
		w->op = op;
		w->arg = arg;
		queue_work_on(cpu, system_highpri_wq, &w->work);
	}
	for_each_online_cpu(cpu)
		flush_work(&per_cpu_ptr(&hk_cpu_works, cpu)->work);
	for_each_possible_cpu(cpu) {
		if (!cpu_online(cpu))
			hk_cpu_run(s, per_cpu_ptr(s->cpu, cpu), op, arg);
	}
	mutex_unlock(&hk_cpu_work_mutex);
	cpus_read_unlock();
}

static void hk_depot_drain(struct hakmem_cache *s)
{
	unsigned long flags;
	int node;

	spin_lock_irqsave(&s->depot_lock, flags);
	hk_heap_drain(s, &s->depot, NULL);
	spin_unlock_irqrestore(&s->depot_lock, flags);
	if (!s->node_heaps)
		return;
	for (node = 0; node < nr_node_ids; node++) {
		struct hk_node_heap *n = &s->node_heaps[node];

		spin_lock_irqsave(&n->lock, flags);
		hk_heap_drain(s, &n->heap, NULL);
		spin_unlock_irqrestore(&n->lock, flags);
	}
}

/*
 * Flush every stack, then collect every remote free and drain every heap.
 * Two passes, as a flush on one CPU may hand objects to another.
 */
static void hk_drain_all(struct hakmem_cache *s)
{
	hk_on_each_cpu(s, HK_OP_FLUSH, NULL);
	hk_on_each_cpu(s, HK_OP_DRAIN, NULL);
	hk_depot_drain(s);
}

/* === Internals: cache setup =============================================== */

/*
 * As SLUB's calculate_alignment(), but a requested alignment that is not a
 * power of two (SLUB accepts 24) is rounded up to one: SLUB only makes the
 * stride a multiple of it, hakmem aligns every object's address to it.
 */
static unsigned int hk_calculate_align(slab_flags_t flags, unsigned int align,
				       unsigned int size)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = cache_line_size();

		while (size <= ralign / 2)
			ralign /= 2;
		align = max(align, ralign);
	}
	align = max_t(unsigned int, align, sizeof(void *));
	return roundup_pow_of_two(align);
}

/*
 * The smallest page order that holds at least HK_MIN_OBJS_PER_SLAB objects
 * and wastes at most 1/32 of the slab, else 1/16, else 1/8 (as SLUB's
 * calculate_order() relaxes its fraction); never so small that a segment has
 * more slabs than its bitmaps have bits.
 */
static unsigned int hk_calculate_slab_order(unsigned int stride,
					    unsigned int align_order)
{
	unsigned int min_order = hk_seg_order - ilog2(HK_MAX_SLABS_PER_SEG);
	unsigned int order, fraction;

	if (hk_seg_order < ilog2(HK_MAX_SLABS_PER_SEG))
		min_order = 0;
	min_order = max(min_order, align_order);
	for (fraction = 32; fraction >= 8; fraction /= 2) {
		for (order = min_order; order < hk_seg_order; order++) {
			unsigned long bytes = PAGE_SIZE << order;
			unsigned long n = bytes / stride;

			if (n >= HK_MIN_OBJS_PER_SLAB &&
			    bytes - n * stride <= bytes / fraction)
				return order;
		}
	}
	return hk_seg_order;
}

static unsigned int hk_kasan_redzone(unsigned int size)
{
	return size <= 64 - 16 ? 16 :
	       size <= 128 - 32 ? 32 :
	       size <= 512 - 64 ? 64 :
	       size <= 4096 - 128 ? 128 : 256;
}

/*
 * A heap's first segment: one slab, or as many as hold HK_FIRST_SEG_OBJS
 * objects (as SLUB sizes a slab for its minimum number of objects), so
 * that a CPU using a cache for a few objects does not need a second
 * segment, sixteen times larger, at once.
 */
static unsigned int hk_first_order(const struct hakmem_cache *s)
{
	unsigned int order = max(s->slab_order, s->min_order);

	while (order < hk_seg_order &&
	       (s->objs_per_slab << (order - s->slab_order)) < HK_FIRST_SEG_OBJS)
		order++;
	return order;
}

static int hk_cache_layout(struct hakmem_cache *s, unsigned int size,
			   unsigned int align)
{
	/* KASAN caches too: hakmem must not write into a poisoned object. */
	bool keep_contents = s->ctor || s->kasan ||
			     (s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON));
	unsigned int lead = HK_HDR_SIZE + (keep_contents ? HK_LINK_SIZE : 0);
	unsigned int tail = size, align_order;

	/* A KASAN red zone after the object, sized as SLUB's optimal_redzone(). */
	if (s->kasan)
		tail = ALIGN(size, HK_KASAN_GRANULE) + hk_kasan_redzone(size);

	if (s->flags & SLAB_RED_ZONE) {
		s->red_off = size;
		s->red_size = ALIGN(size, sizeof(void *)) - size + sizeof(void *);
		tail += s->red_size;
	}
	if (s->flags & SLAB_STORE_USER) {
		s->track_off = ALIGN(tail, sizeof(void *));
		tail = s->track_off + 2 * sizeof(struct hk_track);
	}
	s->align = hk_calculate_align(s->flags, align, size);
	s->obj_off = ALIGN(lead, s->align);
	s->size = ALIGN(s->obj_off + tail, s->align);
	/* A stride that is a multiple of align keeps every object aligned. */
	s->link_off = keep_contents ? -(int)(HK_HDR_SIZE + HK_LINK_SIZE) : 0;
	align_order = s->align > PAGE_SIZE ? ilog2(s->align) - PAGE_SHIFT : 0;
	s->slab_order = hk_calculate_slab_order(s->size, align_order);
	s->slab_shift = PAGE_SHIFT + s->slab_order;
	s->objs_per_slab = (PAGE_SIZE << s->slab_order) / s->size;
	/* Fallback segments hold one object at least, every one aligned. */
	s->min_order = max_t(unsigned int, get_order(s->size), align_order);
	s->first_order = hk_first_order(s);
	if (!s->objs_per_slab || s->objs_per_slab > USHRT_MAX ||
	    s->slab_order > hk_seg_order || s->min_order > hk_seg_order)
		return -EINVAL;
	return 0;
}

/*
 * Per-CPU stack slots for objects of @size bytes: as many as HK_STACK_BYTES
 * of objects, within HK_STACK_MIN..HK_STACK_MAX (as SLUB bounds a per-CPU
 * partial list by object size), so that 64 B objects get 256 slots and
 * 4 KiB ones 16; the stack is allocated with that many.
 */
static unsigned int hk_stack_max(unsigned int size)
{
	return clamp_t(unsigned int, HK_STACK_BYTES / size, HK_STACK_MIN,
		       HK_STACK_MAX);
}

/* Bytes of a struct hk_cpu of @s: its stack has stack_max slots, one if 0. */
static size_t hk_cpu_size(const struct hakmem_cache *s)
{
	return offsetof(struct hk_cpu, stack) +
	       max(s->stack_max, 1U) * sizeof(void *);
}

static const char *hk_check_args(const char *name, unsigned int size,
				 unsigned int align, slab_flags_t flags)
{
	if (!name)
		return "no name";
	if (!size || size > HAKMEM_MAX_OBJECT_SIZE)
		return "object size out of range (1 .. HAKMEM_MAX_OBJECT_SIZE)";
	if (align > HAKMEM_MAX_ALIGN)
		return "alignment above HAKMEM_MAX_ALIGN";
	if (flags & SLAB_ACCOUNT)
		return "SLAB_ACCOUNT: hakmem does not charge memory cgroups";
	if (flags & ~HAKMEM_SUPPORTED_FLAGS)
		return "unsupported SLAB_ flags";
	return NULL;
}

/*
 * The usercopy region, checked as kmem_cache_create_usercopy() does: one
 * that does not lie inside the object, or that has an offset but no size,
 * is dropped (fail closed), and without CONFIG_HARDENED_USERCOPY none is
 * kept.  SLUB WARN()s on a bad region; hakmem says so in one line.
 */
static void hk_set_usercopy(struct hakmem_cache *s, unsigned int useroffset,
			    unsigned int usersize)
{
	if ((!usersize && useroffset) || s->object_size < usersize ||
	    s->object_size - usersize < useroffset) {
		pr_warn("cache %s: usercopy region %u+%u does not fit the %u-byte object; no region kept\n",
			s->name, useroffset, usersize, s->object_size);
		useroffset = 0;
		usersize = 0;
	}
	if (!IS_ENABLED(CONFIG_HARDENED_USERCOPY)) {
		useroffset = 0;
		usersize = 0;
	}
	s->useroffset = useroffset;
	s->usersize = usersize;
}

/* The node heaps, on a kernel with more than one possible node. */
static int hk_node_heaps_init(struct hakmem_cache *s)
{
	int node;

	if (nr_node_ids <= 1)
		return 0;
	s->node_heaps = kcalloc(nr_node_ids, sizeof(*s->node_heaps),
				GFP_KERNEL);
	if (!s->node_heaps)
		return -ENOMEM;
	for (node = 0; node < nr_node_ids; node++) {
		spin_lock_init(&s->node_heaps[node].lock);
		hk_heap_init(s, &s->node_heaps[node].heap, node);
	}
	return 0;
}

/*
 * The cache's flags with the debug= parameter's, and what they choose: the
 * debug checks, KASAN and kmemleak, full header mode, poisoning.  Before
 * the layout, which depends on them.
 */
static void hk_cache_set_flags(struct hakmem_cache *s, slab_flags_t flags,
			       void (*ctor)(void *),
			       enum hakmem_header_mode mode)
{
	/* As slub_debug=, the debug= parameter spares SLAB_NO_USER_FLAGS. */
	s->flags = flags | (flags & SLAB_NO_USER_FLAGS ? 0 : hk_debug_flags);
	s->ctor = ctor;
	s->header_mode = mode;
	s->debug = s->flags & HK_DEBUG_FLAGS;
	/*
	 * KASAN and kmemleak, where the kernel has them.  Debug caches keep
	 * hakmem's own checks instead of KASAN; SLAB_TYPESAFE_BY_RCU objects
	 * may be read after their free, so KASAN does not poison them (as in
	 * SLUB, which does not either).
	 */
	s->kasan = HK_KASAN && READ_ONCE(hk_tools) && !s->debug &&
		   !(s->flags & SLAB_TYPESAFE_BY_RCU);
	s->kmemleak = IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) && READ_ONCE(hk_tools) &&
		      !(s->flags & SLAB_NOLEAKTRACE);
	/*
	 * Debug and tools caches track the allocation state whatever the
	 * mode: with no per-CPU stack, light mode would catch no double free.
	 */
	s->full_mode = mode == HAKMEM_HEADER_FULL || s->debug || s->kasan ||
		       s->kmemleak;
	s->poison = (s->flags & SLAB_POISON) && !ctor &&
		    !(s->flags & SLAB_TYPESAFE_BY_RCU);
}

/*
 * The fields derived once the layout is known: the tag and header values,
 * the per-CPU stack's size, init_on_alloc/free, and the work the
 * allocation and free paths do besides the pop and the push.
 */
static void hk_cache_derive(struct hakmem_cache *s)
{
	do {
		s->tag = get_random_u32();
	} while (!s->tag || s->tag == HK_STATE_LIGHT ||
		 s->tag == HK_STATE_ALLOC || s->tag == HK_STATE_FREE ||
		 s->tag == HK_STATE_DEAD);
	s->hdr_light = hk_hdr_val(s->tag, HK_STATE_LIGHT);
	s->hdr_alloc = hk_hdr_val(s->tag, HK_STATE_ALLOC);
	s->hdr_free = hk_hdr_val(s->tag, HK_STATE_FREE);
	/*
	 * Debug caches check every operation, and KASAN and kmemleak see
	 * every one: no per-CPU stack.
	 */
	s->stack_max = s->debug || s->kasan || s->kmemleak ? 0 :
		       hk_stack_max(s->object_size);
	/*
	 * The same choices SLUB's slab_want_init_on_alloc/free() make, on the
	 * flags with the debug= parameter's (P poisons, as SLAB_POISON).
	 */
	s->init_alloc = want_init_on_alloc(0) && !s->ctor &&
			!(s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON));
	s->init_free = want_init_on_free() && !s->ctor &&
		       !(s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON));
	hk_test_init_override(s);
	/* The link word is in the object only when link_off is 0. */
	s->wipe_link = s->init_free && !s->init_alloc && !s->link_off;
	/* As SLUB: __GFP_ZERO does not zero the objects of a ctor cache. */
	s->gfp_zero = s->ctor ? 0 : (__force unsigned int)__GFP_ZERO;
	s->hdr_live = s->full_mode ? s->hdr_alloc : s->hdr_light;
	s->alloc_work = (s->debug ? HK_WORK_DEBUG : 0) |
			(s->full_mode ? HK_WORK_HEADER : 0) |
			(s->init_alloc ? HK_WORK_ZERO : 0) |
			(s->kasan || s->kmemleak ? HK_WORK_TOOLS : 0);
	s->free_work = (s->debug ? HK_WORK_DEBUG : 0) |
		       (s->full_mode ? HK_WORK_HEADER : 0) |
		       (s->init_free ? HK_WORK_ZERO : 0) |
		       (s->kasan || s->kmemleak ? HK_WORK_TOOLS : 0);
	/* Frees with more to do than the header take the slow path. */
	s->fast_max = s->free_work & ~HK_WORK_HEADER ? 0 : s->stack_max;
	s->stack_off = offsetof(struct hk_cpu, stack);
}

static struct hakmem_cache *hk_cache_create(const char *name, unsigned int size,
					    unsigned int align,
					    slab_flags_t flags,
					    unsigned int useroffset,
					    unsigned int usersize,
					    void (*ctor)(void *),
					    enum hakmem_header_mode mode)
{
	const char *why = hk_check_args(name, size, align, flags);
	struct hakmem_cache *s;
	unsigned int cpu;

	might_sleep();
	if (why) {
		pr_err("cannot create cache %s (size %u, align %u, flags %#lx): %s\n",
		       name ?: "(null)", size, align, (__force unsigned long)flags, why);
		goto fail;
	}
	/* Metadata: from SLUB, as the segments' is in backend mode. */
	s = kmem_cache_zalloc(hk_cache_cachep, GFP_KERNEL);
	if (!s) {
		why = "out of memory";
		goto fail_msg;
	}
	/* Copied, as SLUB does: a cache kept for its leaks outlives callers' names. */
	s->name = kstrdup_const(name, GFP_KERNEL);
	if (!s->name) {
		why = "out of memory";
		goto fail_free;
	}
	s->object_size = size;
	hk_set_usercopy(s, useroffset, usersize);
	hk_cache_set_flags(s, flags, ctor, mode);
	if (hk_cache_layout(s, size, align)) {
		why = "object does not fit a segment";
		goto fail_free;
	}
	hk_cache_derive(s);
	spin_lock_init(&s->depot_lock);
	hk_heap_init(s, &s->depot, numa_mem_id());
	raw_spin_lock_init(&s->pool_lock);
	INIT_LIST_HEAD(&s->pool);
	if (hk_node_heaps_init(s)) {
		why = "out of memory";
		goto fail_free;
	}
	s->cpu = (struct hk_cpu __percpu *)__alloc_percpu(hk_cpu_size(s),
							   __alignof__(struct hk_cpu));
	if (!s->cpu) {
		why = "out of memory";
		goto fail_free;
	}
	for_each_possible_cpu(cpu) {
		struct hk_cpu *c = per_cpu_ptr(s->cpu, cpu);

		hk_heap_init(s, &c->heap, cpu_to_mem(cpu));
		/* No burst before the first refill. */
		c->drain_at = LONG_MIN;
	}

	mutex_lock(&hk_caches_mutex);
	list_add_tail(&s->list, &hk_caches);
	hk_debugfs_add(s);
	mutex_unlock(&hk_caches_mutex);
	return s;

fail_free:
	kfree(s->node_heaps);
	kfree_const(s->name);
	kmem_cache_free(hk_cache_cachep, s);
fail_msg:
	pr_err("cannot create cache %s: %s\n", name, why);
fail:
	if (flags & SLAB_PANIC)
		panic("hakmem_slab: cannot create cache %s: %s\n",
		      name ?: "(null)", why);
	return NULL;
}

/* === Memory pressure and CPU hotplug ====================================== */

static void hk_reclaim_pass(bool force);

/*
 * What the shrinker can give back, at most: every page of every cache,
 * pooled segments included.  Partly used segments stay, but which are
 * empty once the per-CPU stacks and heaps are drained is known only then,
 * and the in-use counts are per-CPU counters that their CPUs write without
 * a lock: only the atomic page counts are read here.  Only the pooled pages
 * if hk_caches_mutex is taken.
 */
static unsigned long hk_shrink_count(struct shrinker *shrink,
				     struct shrink_control *sc)
{
	struct hakmem_cache *s;
	long n = 0;

	if (!mutex_trylock(&hk_caches_mutex)) {
		n = max(atomic_long_read(&hk_pooled_pages), 0L);
		return n ?: SHRINK_EMPTY;
	}
	list_for_each_entry(s, &hk_caches, list)
		n += atomic_long_read(&s->nr_seg_pages);
	mutex_unlock(&hk_caches_mutex);
	n = max(n, 0L);
	return n ?: SHRINK_EMPTY;
}

/* Give up to @nr pages of pooled segments back; SHRINK_STOP if busy. */
static unsigned long hk_shrink_pools(unsigned long nr)
{
	struct hakmem_cache *s;
	unsigned long freed = 0;

	if (!mutex_trylock(&hk_caches_mutex))
		return SHRINK_STOP;
	list_for_each_entry(s, &hk_caches, list) {
		struct hk_segment *seg;

		while (freed < nr && (seg = hk_pool_get(s))) {
			freed += 1UL << seg->order;
			hk_seg_free(s, seg);
		}
	}
	mutex_unlock(&hk_caches_mutex);
	return freed;
}

static void hk_shrink_cpu_fn(struct work_struct *work)
{
	hk_reclaim_pass(true);
}

static DEFINE_PER_CPU(struct work_struct, hk_shrink_cpu_works);
static DEFINE_MUTEX(hk_shrink_mutex);

/*
 * The shrinker's works run while memory is short, so on WQ_MEM_RECLAIM
 * queues, whose rescuer runs them when no worker can be created (the
 * system queues have none: a flush from reclaim could wait for a worker
 * that waits for memory).  Two queues, as lru_add_drain_all() uses
 * mm_percpu_wq: hk_shrink_work, on the first, flushes the per-CPU drains
 * on the second; on one queue, its single rescuer could be running the
 * flusher while the drains wait for it.  Allocated before the shrinker is
 * registered (module init; in backend mode a device_initcall, after
 * workqueue_init()), destroyed after it is gone.
 */
static struct workqueue_struct *hk_shrink_wq;
static struct workqueue_struct *hk_drain_wq;

/* A forced reclaim pass on every online CPU, waited for. */
static void hk_shrink_cpus(void)
{
	struct work_struct *w;
	unsigned int cpu;

	cpus_read_lock();
	mutex_lock(&hk_shrink_mutex);
	for_each_online_cpu(cpu) {
		w = per_cpu_ptr(&hk_shrink_cpu_works, cpu);
		INIT_WORK(w, hk_shrink_cpu_fn);
		queue_work_on(cpu, hk_drain_wq, w);
	}
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&hk_shrink_cpu_works, cpu));
	mutex_unlock(&hk_shrink_mutex);
	cpus_read_unlock();
}

/*
 * Every cache's state on every CPU drained (stacks flushed, remote frees
 * collected, current slabs and segments given up), then the depot's and
 * node heaps', and every empty segment freed: what hakmem_cache_shrink()
 * does to one cache, for all.  Twice on the CPUs, as a flush on one CPU
 * may free into another's heap.  Process context, no hakmem lock held.
 * Offline CPUs were drained when they died.
 */
static void hk_shrink_all(void)
{
	struct hakmem_cache *s;

	hk_shrink_cpus();
	hk_shrink_cpus();
	mutex_lock(&hk_caches_mutex);
	list_for_each_entry(s, &hk_caches, list) {
		hk_depot_drain(s);
		hk_pool_drain(s);
	}
	mutex_unlock(&hk_caches_mutex);
}

/*
 * The drain queued by hk_shrink_scan(): after the pending RCU callbacks,
 * which free the dentries and inodes a drop_slab() pass dropped, so that
 * their segments can go too.
 */
static void hk_shrink_work_fn(struct work_struct *work)
{
	rcu_barrier();
	hk_shrink_all();
}

static DECLARE_WORK(hk_shrink_work, hk_shrink_work_fn);
static unsigned long hk_shrink_queued = INITIAL_JIFFIES;	/* last queued */

/*
 * From reclaim (PF_MEMALLOC: kswapd, direct and memcg reclaim), which may
 * run with hakmem's locks held and must not wait for other CPUs: free
 * pooled segments, and once the pools are empty queue hk_shrink_work at
 * most every 100 ms; return the pages freed.
 *
 * From any other caller that may sleep (drop_caches: drop_slab()): run
 * hk_shrink_all() at once and queue hk_shrink_work for what RCU callbacks
 * have yet to free, and report nothing freed.  drop_slab() repeats its
 * round over every shrinker while they free more than 2^round objects,
 * since freeing dentries makes inodes freeable; the pages hakmem frees are
 * memory those frees emptied, not objects, and counting them ran extra
 * rounds in which the dcache shrinker evicted dentries that the same drop
 * leaves cached on SLUB, which frees empty slabs at kfree() time and has
 * no shrinker (a walk of /sys with a drop before each of 30 passes:
 * 134163 dentry allocations against SLUB's 118112; 118112 with this).
 * Not rcu_barrier() here: it waits for a grace period on every call,
 * several per drop_slab(), which made a drop_caches cost 13-107 ms
 * against SLUB's 0.1-0.3 ms (QEMU -icount guest time).
 */
static unsigned long hk_shrink_scan(struct shrinker *shrink,
				    struct shrink_control *sc)
{
	unsigned long freed;

	if (!(current->flags & PF_MEMALLOC) &&
	    gfpflags_allow_blocking(sc->gfp_mask)) {
		/* It empties the pools too. */
		hk_shrink_all();
		queue_work(hk_shrink_wq, &hk_shrink_work);
		return SHRINK_STOP;
	}
	freed = hk_shrink_pools(sc->nr_to_scan);
	if (freed == SHRINK_STOP || freed >= sc->nr_to_scan)
		return freed;
	if (time_after(jiffies, READ_ONCE(hk_shrink_queued) + HZ / 10)) {
		WRITE_ONCE(hk_shrink_queued, jiffies);
		queue_work(hk_shrink_wq, &hk_shrink_work);
	}
	return freed ?: SHRINK_STOP;
}

static struct shrinker *hk_shrinker;

/*
 * A CPU is dead: nothing runs on it, so we own its state.  Flush its stack,
 * collect what was freed to it, and give its empty segments back.  The
 * segments still holding objects stay with it; objects freed into them later
 * queue on its remote list, which shrink and the CPU's return collect.
 */
static int hk_cpu_dead(unsigned int cpu)
{
	struct hakmem_cache *s;

	mutex_lock(&hk_caches_mutex);
	list_for_each_entry(s, &hk_caches, list)
		hk_cpu_drain(s, per_cpu_ptr(s->cpu, cpu));
	mutex_unlock(&hk_caches_mutex);
	return 0;
}

/* === Idle reclaim ======================================================== */

static u64 hk_cpu_ops(struct hk_cpu *c)
{
	return c->stat[HAKMEM_ALLOC_FAST] + c->stat[HAKMEM_ALLOC_SLOW] +
	       c->stat[HAKMEM_FREE_FAST] + c->stat[HAKMEM_FREE_SLOW];
}

/*
 * Give back what a cache holds on this CPU if nothing was allocated or
 * freed there since the last pass: the stack's objects go home, the current
 * slab and segment are given up, empty segments go to the pool or back to
 * the page allocator.  The next allocation refills, once.
 */
static void hk_reclaim_cache(struct hakmem_cache *s, bool force)
{
	struct hk_cpu *c;
	u64 ops;

	/* The cache stays on hk_caches, alive, while this runs. */
	lockdep_assert_held(&hk_caches_mutex);
	preempt_disable();
	c = this_cpu_ptr(s->cpu);
	hk_cpu_enter(c);
	ops = hk_cpu_ops(c);
	if ((force || ops == c->idle_ops) &&
	    (c->count || c->heap.seg || !llist_empty(&c->heap.remote_segs)))
		hk_cpu_drain(s, c);
	c->idle_ops = ops;
	hk_cpu_exit(c);
	preempt_enable();
}

/*
 * One pass over every cache, on this CPU; process context.  @force: drain
 * the caches in use too (the shrinker).
 */
static void hk_reclaim_pass(bool force)
{
	struct hakmem_cache *s;

	mutex_lock(&hk_caches_mutex);
	list_for_each_entry(s, &hk_caches, list) {
		hk_reclaim_cache(s, force);
		cond_resched();
	}
	mutex_unlock(&hk_caches_mutex);
}

/*
 * Each online CPU's deferrable work: a pass every reclaim_ms, so
 * that memory a burst left behind goes back within two intervals even if
 * nobody shrinks the cache.  Deferrable: it does not wake an idle CPU.
 */
static void hk_reclaim_fn(struct work_struct *work)
{
	struct delayed_work *w = to_delayed_work(work);
	unsigned int cpu = raw_smp_processor_id();

	hk_reclaim_pass(false);
	/* Not after running elsewhere: its CPU is going down. */
	if (w == per_cpu_ptr(&hk_reclaim_work, cpu))
		queue_delayed_work_on(cpu, system_wq, w,
				      msecs_to_jiffies(hk_reclaim_ms));
}

static int hk_cpu_online(unsigned int cpu)
{
	struct delayed_work *w = per_cpu_ptr(&hk_reclaim_work, cpu);

	INIT_DEFERRABLE_WORK(w, hk_reclaim_fn);
	if (hk_reclaim_ms)
		queue_delayed_work_on(cpu, system_wq, w,
				      msecs_to_jiffies(hk_reclaim_ms));
	return 0;
}

/* Runs on the CPU going down, before it stops taking work. */
static int hk_cpu_offline(unsigned int cpu)
{
	cancel_delayed_work_sync(per_cpu_ptr(&hk_reclaim_work, cpu));
	return 0;
}

#if IS_ENABLED(CONFIG_HAKMEM_SLAB_KUNIT_TEST)
/* The slots of @s's per-CPU stacks, and the bytes of its per-CPU state. */
unsigned int hakmem_test_stack_slots(struct hakmem_cache *s, size_t *bytes)
{
	*bytes = hk_cpu_size(s);
	return s->stack_max;
}
EXPORT_SYMBOL_GPL(hakmem_test_stack_slots);

/* One idle-reclaim pass on this CPU, as its work makes one. */
void hakmem_test_reclaim_self(void)
{
	hk_reclaim_pass(false);
}
EXPORT_SYMBOL_GPL(hakmem_test_reclaim_self);

/*
 * Test hooks for kunit/: the shrinker's callbacks, and the CPU-dead
 * callback's work done on this CPU (UML has one CPU, which cannot go
 * offline).  Declared in kunit/hakmem_slab_test.h.
 */
unsigned long hakmem_test_shrinker_count(void)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };

	return hk_shrink_count(hk_shrinker, &sc);
}
EXPORT_SYMBOL_GPL(hakmem_test_shrinker_count);

/*
 * A scan as drop_caches makes one (@reclaim false) or as reclaim does
 * (true: PF_MEMALLOC), and then the wait for the drain it queued
 * (hk_shrink_work), so that no drain runs into the next test.
 */
unsigned long hakmem_test_shrinker_scan(unsigned long nr, bool reclaim)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nr_to_scan = nr };
	unsigned int flags = 0;
	unsigned long freed;

	if (reclaim)
		flags = memalloc_noreclaim_save();
	freed = hk_shrink_scan(hk_shrinker, &sc);
	if (reclaim)
		memalloc_noreclaim_restore(flags);
	flush_work(&hk_shrink_work);
	return freed;
}
EXPORT_SYMBOL_GPL(hakmem_test_shrinker_scan);

/*
 * Set the debug= parameter's flags for the caches created next; returns the
 * old ones.  Only between cache creations, from one test at a time.
 */
slab_flags_t hakmem_test_set_debug_flags(slab_flags_t flags)
{
	slab_flags_t old = hk_debug_flags;

	hk_debug_flags = flags;
	return old;
}
EXPORT_SYMBOL_GPL(hakmem_test_set_debug_flags);

/*
 * Set init_on_alloc/init_on_free (1 on, 0 off, -1 the kernel's) for the
 * caches created next, as hakmem_test_set_debug_flags() does for debug=.
 */
void hakmem_test_set_init(int init_alloc, int init_free)
{
	hk_test_init_alloc = init_alloc;
	hk_test_init_free = init_free;
}
EXPORT_SYMBOL_GPL(hakmem_test_set_init);

/* The segment @obj is in: its base, and its size in @size; 0 if none. */
unsigned long hakmem_test_seg_base(const void *obj, unsigned long *size)
{
	struct hk_segment *seg = hk_seg_lookup(obj);

	*size = seg ? seg->size : 0;
	return seg ? seg->base : 0;
}
EXPORT_SYMBOL_GPL(hakmem_test_seg_base);

/*
 * Make segment allocations above @order fail (-1: none), as when the buddy
 * allocator has no free block that large.
 */
static bool hk_tools_saved;

/* The suites test hakmem's own paths: their caches are made without tools. */
void hakmem_test_tools_begin(void)
{
	hk_tools_saved = READ_ONCE(hk_tools);
	WRITE_ONCE(hk_tools, false);
}
EXPORT_SYMBOL_GPL(hakmem_test_tools_begin);

void hakmem_test_tools_end(void)
{
	WRITE_ONCE(hk_tools, hk_tools_saved);
}
EXPORT_SYMBOL_GPL(hakmem_test_tools_end);

bool hakmem_test_set_tools(bool on)
{
	bool old = READ_ONCE(hk_tools);

	WRITE_ONCE(hk_tools, on);
	return old;
}
EXPORT_SYMBOL_GPL(hakmem_test_set_tools);

bool hakmem_test_cache_has_kasan(struct hakmem_cache *s)
{
	return s->kasan;
}
EXPORT_SYMBOL_GPL(hakmem_test_cache_has_kasan);

bool hakmem_test_cache_has_kmemleak(struct hakmem_cache *s)
{
	return s->kmemleak;
}
EXPORT_SYMBOL_GPL(hakmem_test_cache_has_kmemleak);

void hakmem_test_set_max_order(int order)
{
	WRITE_ONCE(hk_test_max_order, order);
}
EXPORT_SYMBOL_GPL(hakmem_test_set_max_order);

/*
 * fail_hakmem as its debugfs files would set it: fail @probability percent
 * of the allocations (0: off), at most @times of them (-1: no limit); on
 * (hk_fail_key) while @probability is not 0.  False without
 * CONFIG_FAULT_INJECTION.
 */
bool hakmem_test_fail_allocs(unsigned long probability, int times,
			     bool ignore_gfp_reclaim, bool cache_filter)
{
	struct hakmem_fail *f = &hakmem_fail_alloc;

	if (!HK_FAULT_INJECTION)
		return false;
	hk_fail_set_active(false);
	WRITE_ONCE(f->ignore_gfp_reclaim, ignore_gfp_reclaim);
	WRITE_ONCE(f->cache_filter, cache_filter);
	hk_fault_attr_set(&f->attr, probability, times);
	if (probability)
		hk_fail_set_active(true);
	return true;
}
EXPORT_SYMBOL_GPL(hakmem_test_fail_allocs);

/* fail_hakmem's cache-filter opt-in of @s (its debugfs file failslab). */
void hakmem_test_cache_failslab(struct hakmem_cache *s, bool on)
{
	WRITE_ONCE(s->failslab, on);
}
EXPORT_SYMBOL_GPL(hakmem_test_cache_failslab);

/* What hk_cpu_dead() does for every cache, as the owner of this CPU. */
void hakmem_test_cpu_dead_self(void)
{
	struct hakmem_cache *s;
	struct hk_cpu *c;

	mutex_lock(&hk_caches_mutex);
	list_for_each_entry(s, &hk_caches, list) {
		preempt_disable();
		c = this_cpu_ptr(s->cpu);
		hk_cpu_enter(c);
		hk_cpu_drain(s, c);
		hk_cpu_exit(c);
		preempt_enable();
	}
	mutex_unlock(&hk_caches_mutex);
}
EXPORT_SYMBOL_GPL(hakmem_test_cpu_dead_self);
#endif

/* === Public interface ===================================================== */

struct hakmem_cache *hakmem_cache_create_mode(const char *name,
					      unsigned int size,
					      unsigned int align,
					      slab_flags_t flags,
					      void (*ctor)(void *),
					      enum hakmem_header_mode mode)
{
	return hk_cache_create(name, size, align, flags, 0, 0, ctor, mode);
}
EXPORT_SYMBOL_GPL(hakmem_cache_create_mode);

struct hakmem_cache *hakmem_cache_create(const char *name, unsigned int size,
					 unsigned int align, slab_flags_t flags,
					 void (*ctor)(void *))
{
	return hk_cache_create(name, size, align, flags, 0, 0, ctor,
			       READ_ONCE(hk_header_mode));
}
EXPORT_SYMBOL_GPL(hakmem_cache_create);

struct hakmem_cache *hakmem_cache_create_usercopy(const char *name,
						  unsigned int size,
						  unsigned int align,
						  slab_flags_t flags,
						  unsigned int useroffset,
						  unsigned int usersize,
						  void (*ctor)(void *))
{
	return hk_cache_create(name, size, align, flags, useroffset, usersize,
			       ctor, READ_ONCE(hk_header_mode));
}
EXPORT_SYMBOL_GPL(hakmem_cache_create_usercopy);

void hakmem_cache_destroy(struct hakmem_cache *s)
{
	unsigned long leaked = 0;
	unsigned int cpu;
	int budget = 4, node;

	if (!s)
		return;
	might_sleep();
	/* As 6.12's kmem_cache_destroy(): pending RCU frees finish first. */
	if (atomic_long_read(&s->rcu_pending))
		rcu_barrier();
	mutex_lock(&hk_caches_mutex);
	list_del(&s->list);
	mutex_unlock(&hk_caches_mutex);
	/*
	 * Not under hk_caches_mutex: removal waits for writers of validate and
	 * shrink, which wait for cpus_read_lock(), which a CPU going down holds
	 * while its teardown waits for hk_caches_mutex (see "Lock order").
	 */
	debugfs_remove_recursive(s->debugfs);
	s->debugfs = NULL;

	hk_drain_all(s);
	hk_pool_drain(s);
	for_each_possible_cpu(cpu)
		leaked += hk_report_leaks_heap(s, &per_cpu_ptr(s->cpu, cpu)->heap,
					       &budget);
	leaked += hk_report_leaks_heap(s, &s->depot, &budget);
	for (node = 0; s->node_heaps && node < nr_node_ids; node++)
		leaked += hk_report_leaks_heap(s, &s->node_heaps[node].heap,
					       &budget);
	if (leaked) {
		hk_add_kunit_error();
		pr_err("BUG hakmem_slab %s: destroyed with %lu objects in use; keeping their %ld segments\n",
		       s->name, leaked, atomic_long_read(&s->nr_segments));
		s->defunct = true;
		mutex_lock(&hk_caches_mutex);
		list_add(&s->list, &hk_defunct_caches);
		mutex_unlock(&hk_caches_mutex);
		return;
	}
	/* Segment frees go through RCU; they must finish before the module. */
	rcu_barrier();
	free_percpu(s->cpu);
	kfree(s->stat_base);
	kfree(s->node_heaps);
	kfree_const(s->name);
	kmem_cache_free(hk_cache_cachep, s);
}
EXPORT_SYMBOL_GPL(hakmem_cache_destroy);

/*
 * The exported fast paths start a cache line: each is about two lines of
 * code, and where the link put them moved the UML pair time by 10-15% (the
 * same code at 32-byte and at 64-byte starts: 4.85 against 4.45 ns).
 */
#define HK_FAST_ENTRY	__aligned(SMP_CACHE_BYTES)

HK_FAST_ENTRY void *hakmem_cache_alloc(struct hakmem_cache *s, gfp_t gfp)
{
	return hk_alloc(s, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_cache_alloc);

HK_FAST_ENTRY void hakmem_cache_free(struct hakmem_cache *s, void *obj)
{
	hk_free(s, obj, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_cache_free);

/*
 * The inline fast paths (hakmem_slab_inline.h) read the first fields of
 * struct hakmem_cache and struct hk_cpu through mirrors of them: the ABI of
 * HAKMEM_INLINE_ABI.  A change here that breaks one of these bumps it.
 */
static_assert(offsetof(struct hakmem_cache, cpu) ==
	      offsetof(struct hakmem_cache_fast, cpu));
static_assert(offsetof(struct hakmem_cache, stack_max) ==
	      offsetof(struct hakmem_cache_fast, stack_max));
static_assert(offsetof(struct hakmem_cache, fast_max) ==
	      offsetof(struct hakmem_cache_fast, fast_max));
static_assert(offsetof(struct hakmem_cache, obj_off) ==
	      offsetof(struct hakmem_cache_fast, obj_off));
static_assert(offsetof(struct hakmem_cache, link_off) ==
	      offsetof(struct hakmem_cache_fast, link_off));
static_assert(offsetof(struct hakmem_cache, hdr_live) ==
	      offsetof(struct hakmem_cache_fast, hdr_live));
static_assert(offsetof(struct hakmem_cache, alloc_work) ==
	      offsetof(struct hakmem_cache_fast, alloc_work));
static_assert(offsetof(struct hakmem_cache, free_work) ==
	      offsetof(struct hakmem_cache_fast, free_work));
static_assert(offsetof(struct hakmem_cache, stack_off) ==
	      offsetof(struct hakmem_cache_fast, stack_off));
static_assert(offsetof(struct hakmem_cache, gfp_zero) ==
	      offsetof(struct hakmem_cache_fast, gfp_zero));
static_assert(offsetof(struct hakmem_cache, hdr_light) ==
	      offsetof(struct hakmem_cache_fast, hdr_light));
static_assert(offsetof(struct hakmem_cache, hdr_alloc) ==
	      offsetof(struct hakmem_cache_fast, hdr_alloc));
static_assert(offsetof(struct hakmem_cache, hdr_free) ==
	      offsetof(struct hakmem_cache_fast, hdr_free));
static_assert(offsetof(struct hakmem_cache, tag) ==
	      offsetof(struct hakmem_cache_fast, tag));
static_assert(offsetof(struct hakmem_cache, red_off) ==
	      offsetof(struct hakmem_cache_fast, red_off));
static_assert(offsetof(struct hakmem_cache, red_size) ==
	      offsetof(struct hakmem_cache_fast, red_size));
static_assert(offsetof(struct hakmem_cache, track_off) ==
	      offsetof(struct hakmem_cache_fast, track_off));
static_assert(offsetof(struct hakmem_cache, object_size) ==
	      offsetof(struct hakmem_cache_fast, object_size));
static_assert(offsetofend(struct hakmem_cache, object_size) ==
	      offsetofend(struct hakmem_cache_fast, object_size));
static_assert(offsetofend(struct hk_cpu, stat) ==
	      offsetofend(struct hakmem_cpu_fast, stat));
/* stack_off is a u16; the header is the u64 before the object. */
static_assert(offsetof(struct hk_cpu, stack) <= U16_MAX);
static_assert(sizeof(struct hk_hdr) == sizeof(u64));
static_assert(HK_WORK_ZERO == __HAKMEM_WORK_ZERO);
static_assert(offsetof(struct hk_cpu, busy) ==
	      offsetof(struct hakmem_cpu_fast, busy));
static_assert(offsetof(struct hk_cpu, count) ==
	      offsetof(struct hakmem_cpu_fast, count));
static_assert(offsetof(struct hk_cpu, cur_base) ==
	      offsetof(struct hakmem_cpu_fast, cur_base));
static_assert(offsetof(struct hk_cpu, cur_size) ==
	      offsetof(struct hakmem_cpu_fast, cur_size));
static_assert(offsetof(struct hk_cpu, stat) ==
	      offsetof(struct hakmem_cpu_fast, stat));

/*
 * The slow paths of the inline fast paths.  _RET_IP_ is the inline
 * caller's call site, as hakmem_cache_alloc()'s is.
 */
void *__hakmem_alloc_slow(struct hakmem_cache *s, void *obj, gfp_t gfp)
{
	if (obj)
		return hk_alloc_work(s, obj, gfp);
	if (hk_fail_on())
		return hk_alloc_failslab(s, gfp, _RET_IP_);
	return __hk_alloc(s, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(__hakmem_alloc_slow);

void __hakmem_free_slow(struct hakmem_cache *s, void *obj)
{
	if (unlikely(ZERO_OR_NULL_PTR(obj)))
		return;
	__hk_free(s, obj, _RET_IP_);
}
EXPORT_SYMBOL_GPL(__hakmem_free_slow);

/*
 * A node hakmem_cache_alloc_node() can ask for: one with normal memory, as
 * SLUB's slab_nodes; any other node is no constraint (SLUB ignores it too).
 */
static bool hk_node_valid(struct hakmem_cache *s, int node)
{
	return s->node_heaps && node >= 0 && node < nr_node_ids &&
	       node_state(node, N_NORMAL_MEMORY);
}

/*
 * The slow path of a node-specific allocation that this CPU's heap cannot
 * serve: the node's heap, under its lock.  A new segment is allocated with
 * no lock held (so it may sleep if @gfp allows), then adopted under it.
 * The page allocator is asked for @node; without __GFP_THISNODE it may
 * fall back to another node, as SLUB's new slab may.
 */
static noinline void *hk_alloc_node(struct hakmem_cache *s, gfp_t gfp,
				    int node, unsigned long caller)
{
	struct hk_node_heap *n = &s->node_heaps[node];
	struct hk_segment *seg = NULL;
	unsigned long flags;
	unsigned int order;
	void *obj = NULL;

	might_alloc(gfp);
	if (hk_fail_on() && hk_should_failslab(s, gfp))
		return NULL;
	hk_check_account(s, gfp, caller);
	for (;;) {
		spin_lock_irqsave(&n->lock, flags);
		if (!hk_heap_fill(s, &n->heap, NULL, &obj, 1) && seg) {
			hk_heap_grow(&n->heap, seg);
			hk_heap_adopt(s, &n->heap, NULL, seg);
			seg = NULL;
			hk_heap_fill(s, &n->heap, NULL, &obj, 1);
		}
		order = n->heap.next_order;
		spin_unlock_irqrestore(&n->lock, flags);
		if (seg)	/* another task filled the heap meanwhile */
			hk_pool_put(s, seg);
		if (obj)
			break;
		seg = ___hk_seg_alloc(s, gfp, node, order);
		if (!seg && !(gfp & __GFP_NOFAIL))
			return NULL;
	}
	hk_stat_unguarded(s, HAKMEM_ALLOC_LOCKED, 1);
	return hk_post_alloc(s, obj, gfp, caller);
}

/*
 * NUMA_NO_NODE, or one node only: the normal path.  This CPU's node: the
 * normal path, unless the object it gives is another node's (a remote free
 * pushed on this CPU's stack), which goes back.  Another node: its heap.
 */
static __always_inline void *hk_alloc_on(struct hakmem_cache *s, gfp_t gfp,
					 int node, unsigned long caller)
{
	void *obj;

	if (node == NUMA_NO_NODE || !hk_node_valid(s, node))
		return hk_alloc(s, gfp, caller);
	if (node == numa_mem_id()) {
		obj = hk_alloc(s, gfp, caller);
		if (!obj || page_to_nid(virt_to_page(obj)) == node)
			return obj;
		hk_free(s, obj, caller);
	}
	return hk_alloc_node(s, gfp, node, caller);
}

void *hakmem_cache_alloc_node(struct hakmem_cache *s, gfp_t gfp, int node)
{
	return hk_alloc_on(s, gfp, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_cache_alloc_node);

/*
 * hakmem_cache_alloc_bulk()'s slow path: the stack cannot serve the whole
 * batch (or this CPU's state is busy).  One guarded section takes what the
 * stack has, then the heap's slabs directly; the rest may need new
 * segments, one object at a time.  All or nothing.
 */
static noinline int hk_alloc_bulk_slow(struct hakmem_cache *s, gfp_t gfp,
				       size_t nr, void **p,
				       unsigned long caller)
{
	unsigned int fast = 0, n;
	struct hk_cpu *c;
	size_t i;

	might_alloc(gfp);
	/* As SLUB's: one fail_hakmem decision for the whole call. */
	if (hk_fail_on() && hk_should_failslab(s, gfp))
		return 0;
	preempt_disable();
	c = this_cpu_ptr(s->cpu);
	if (likely(!c->busy)) {
		hk_cpu_enter(c);
		n = min_t(size_t, c->count, nr);
		c->count -= n;
		memcpy(p, c->stack + c->count, n * sizeof(void *));
		/* kmemleak scans the stack: a stale slot would be a reference. */
		if (unlikely(s->kmemleak))
			memset(c->stack + c->count, 0, n * sizeof(void *));
		hk_stat_add(c, HAKMEM_ALLOC_FAST, n);
		fast = n;
		if (fast < nr) {
			n = hk_heap_fill(s, &c->heap, c, p + fast,
					 min_t(size_t, nr - fast, UINT_MAX));
			hk_stat_add(c, HAKMEM_ALLOC_SLOW, n);
			fast += n;
		}
		hk_cpu_exit(c);
	}
	preempt_enable();
	for (i = 0; i < fast; i++)
		hk_post_alloc(s, p[i], gfp, caller);
	for (i = fast; i < nr; i++) {
		/* No second fail_hakmem decision: not hk_alloc(). */
		p[i] = __hk_alloc(s, gfp, caller);
		if (unlikely(!p[i])) {
			hakmem_cache_free_bulk(s, i, p);
			return 0;
		}
	}
	return nr;
}

/*
 * What the objects of a bulk allocation served by the stack still need.
 * Zeroing only (init_on_alloc, __GFP_ZERO: the common case) is one
 * memset() per object, with the work tested and the size loaded once for
 * the batch; anything else takes hk_post_alloc() per object.
 * Return: @nr, so that the fast path tail-calls it.
 */
static noinline int hk_post_alloc_bulk(struct hakmem_cache *s, gfp_t gfp,
				       size_t nr, void **p)
{
	unsigned int work = hk_alloc_work_of(s, gfp);
	size_t size = s->object_size;
	void **end = p + nr;

	if (likely(!(work & ~(HK_WORK_ZERO | ___GFP_ZERO)))) {
		for (; p < end; p++)
			memset(*p, 0, size);
		return nr;
	}
	/* Not a debug cache's: their stack stays empty. */
	for (; p < end; p++)
		hk_post_alloc(s, *p, gfp, 0);
	return nr;
}

/*
 * The fast path: the stack holds the whole batch.  One guard, the pops
 * (top first, as @nr hakmem_cache_alloc() calls would give them) and one
 * counter; no call unless the objects need work (zeroing, the header,
 * KASAN/kmemleak) or a preemption point is due.  Anything else, and any
 * call while fail_hakmem is on, takes the slow path.
 */
static noinline int hk_alloc_bulk(struct hakmem_cache *s, gfp_t gfp,
				  size_t nr, void **p, unsigned long caller)
{
	void **top;
	struct hk_cpu *c;
	unsigned int n;
	size_t i;

	if (unlikely(hk_might_alloc_due(gfp)) || hk_fail_on())
		return hk_alloc_bulk_slow(s, gfp, nr, p, caller);
	preempt_disable();
	c = this_cpu_ptr(s->cpu);
	if (likely(!c->busy)) {
		hk_cpu_enter(c);
		/* Read after entering: an interrupt may have popped. */
		n = c->count;
		if (likely(nr <= n && !s->kmemleak)) {
			top = c->stack + n;
			for (i = 0; i < nr; i++)
				p[i] = *--top;
			c->count = n - nr;
			hk_stat_add(c, HAKMEM_ALLOC_FAST, nr);
			hk_cpu_exit(c);
			preempt_enable();
			if (unlikely(hk_alloc_work_of(s, gfp)))
				return hk_post_alloc_bulk(s, gfp, nr, p);
			return nr;
		}
		hk_cpu_exit(c);
	}
	preempt_enable();
	return hk_alloc_bulk_slow(s, gfp, nr, p, caller);
}

/*
 * One object takes hakmem_cache_alloc()'s fast path, with no loop and no
 * frame of the batch's; a batch takes hk_alloc_bulk().
 */
int hakmem_cache_alloc_bulk(struct hakmem_cache *s, gfp_t gfp, size_t nr,
			    void **p)
{
	if (nr == 1) {
		p[0] = hk_alloc(s, gfp, _RET_IP_);
		return !!p[0];
	}
	return hk_alloc_bulk(s, gfp, nr, p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_cache_alloc_bulk);

/*
 * One object of a bulk free that the fast loop did not take, under @c's
 * guard: NULL and ZERO_SIZE_PTR are skipped; the rest is proved (a lookup
 * if need be), checked for a double free of the top of the stack, and
 * pushed.  Return: true if pushed.
 */
static noinline bool hk_free_bulk_one(struct hakmem_cache *s,
				      struct hk_cpu *c, void *obj,
				      unsigned long caller)
{
	if (unlikely(ZERO_OR_NULL_PTR(obj)))
		return false;
	if (unlikely(!hk_prove_guarded(s, c, obj, caller)))
		return false;
	if (unlikely(c->count && c->stack[c->count - 1] == obj)) {
		hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, caller,
			  "double free");
		return false;
	}
	hk_pre_free(s, obj, caller);
	hk_cpu_push(s, c, obj);
	return true;
}

/*
 * hk_free_bulk()'s loop: push @p[0..@n) onto @top while each object lies
 * in [@base, @base + @size) or [@lbase, @lbase + @lsize), has the header
 * @live and is not the object below it on the stack (@last first: a
 * double free); with @write (full mode), its header becomes @dead.  The
 * caller bounds @n by the room below fast_max, so that the loop tests one
 * bound, and passes @write as a constant, so that no object tests it.
 * Return: how many were pushed.
 */
static __always_inline size_t hk_free_bulk_run(void **p, size_t n, void **top,
					       void *last, unsigned long base,
					       unsigned long size,
					       unsigned long lbase,
					       unsigned long lsize, u64 live,
					       u64 dead, bool write)
{
	size_t i;
	void *obj;

	for (i = 0; i < n; i++) {
		obj = p[i];
		if (unlikely(!hk_in_range(obj, base, size) &&
			     !hk_in_range(obj, lbase, lsize)))
			break;
		if (unlikely(get_unaligned((u64 *)hk_hdr(obj)) != live ||
			     obj == last))
			break;
		if (write)
			*(u64 *)hk_hdr(obj) = dead;
		top[i] = obj;
		last = obj;
	}
	return i;
}

/*
 * hk_free_bulk() from @p to @end, under @c's guard, which this releases;
 * @done objects before @p were pushed already.  While the objects lie in
 * this CPU's current segment or the one it proved last (as
 * hk_seg_known()), have a valid header, are not the top of the stack (a
 * double free) and fit below fast_max, they are pushed here (fast_max is
 * stack_max, or 0 if a free must do more than write the header: then
 * every object takes hk_free_bulk_one()).  An object that does not goes
 * through hk_free_bulk_one(), and the loop goes on after it.  The cache's
 * and the CPU's fields are kept in locals: the stores to the stack and to
 * the headers could alias them.
 */
static noinline void hk_free_bulk_rest(struct hakmem_cache *s,
				       struct hk_cpu *c, void **p, void **end,
				       size_t done, unsigned long caller)
{
	unsigned long base, size, lbase, lsize;
	size_t total = done + (end - p), skipped = 0, n;
	unsigned int room;
	void **top;
	void *last;

	for (;;) {
		top = c->stack + c->count;
		base = c->cur_base;
		size = c->cur_size;
		lbase = c->last_base;
		/* As hk_seg_known(): proved last, and none freed since. */
		lsize = c->last_gen == atomic_long_read(&s->seg_gen) ?
			c->last_size : 0;
		last = c->count ? top[-1] : NULL;
		room = s->fast_max > c->count ? s->fast_max - c->count : 0;
		n = min_t(size_t, end - p, room);
		/* fast_max is 0 if free_work has more than the header. */
		if (unlikely(s->free_work))
			n = hk_free_bulk_run(p, n, top, last, base, size, lbase,
					     lsize, s->hdr_live, s->hdr_free,
					     true);
		else
			n = hk_free_bulk_run(p, n, top, last, base, size, lbase,
					     lsize, s->hdr_live, 0, false);
		c->count += n;
		p += n;
		if (p == end)
			break;
		skipped += !hk_free_bulk_one(s, c, *p++, caller);
	}
	hk_stat_add(c, HAKMEM_FREE_FAST, total - skipped);
	hk_cpu_exit(c);
	preempt_enable();
}

/* A nested bulk free (this CPU's state busy): each object alone. */
static noinline void hk_free_bulk_nested(struct hakmem_cache *s, size_t nr,
					 void **p, unsigned long caller)
{
	void **end = p + nr;

	for (; p < end; p++)
		if (!ZERO_OR_NULL_PTR(*p))
			__hk_free(s, *p, caller);
	preempt_enable();
}

/*
 * As hk_free() for each object, under one guard.  The fast path: the
 * whole batch fits below fast_max, a free writes nothing (not full mode),
 * and each object lies in this CPU's current segment or the one it proved
 * last, has a valid header and is not the object below it on the stack;
 * then one pass with one bound, one counter, and no call.  Anything else,
 * from the first object that does not, is hk_free_bulk_rest()'s.
 */
static noinline void hk_free_bulk(struct hakmem_cache *s, size_t nr,
				  void **p, unsigned long caller)
{
	unsigned int n, max;
	struct hk_cpu *c;
	size_t i = 0;
	void **top;

	preempt_disable();
	c = this_cpu_ptr(s->cpu);
	if (unlikely(c->busy)) {
		hk_free_bulk_nested(s, nr, p, caller);
		return;
	}
	hk_cpu_enter(c);
	n = c->count;
	max = s->fast_max;
	if (likely(nr <= max && n <= max - nr && !s->free_work)) {
		top = c->stack + n;
		i = hk_free_bulk_run(p, nr, top, n ? top[-1] : NULL,
				     c->cur_base, c->cur_size, c->last_base,
				     c->last_gen == atomic_long_read(&s->seg_gen) ?
				     c->last_size : 0, s->hdr_live, 0, false);
		c->count = n + i;
		if (likely(i == nr)) {
			hk_stat_add(c, HAKMEM_FREE_FAST, nr);
			hk_cpu_exit(c);
			preempt_enable();
			return;
		}
	}
	hk_free_bulk_rest(s, c, p + i, p + nr, i, caller);
}

/* As hakmem_cache_alloc_bulk(): one object takes hakmem_cache_free()'s. */
void hakmem_cache_free_bulk(struct hakmem_cache *s, size_t nr, void **p)
{
	if (nr == 1) {
		hk_free(s, p[0], _RET_IP_);
		return;
	}
	hk_free_bulk(s, nr, p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_cache_free_bulk);

int hakmem_cache_shrink(struct hakmem_cache *s)
{
	hk_drain_all(s);
	hk_pool_drain(s);
	hk_stat_unguarded(s, HAKMEM_SHRINK, 1);
	return 0;
}
EXPORT_SYMBOL_GPL(hakmem_cache_shrink);

unsigned int hakmem_cache_size(struct hakmem_cache *s)
{
	return s->object_size;
}
EXPORT_SYMBOL_GPL(hakmem_cache_size);

u64 hk_stat_raw(struct hakmem_cache *s, enum hakmem_stat_item item)
{
	unsigned int cpu;
	u64 sum = 0;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(s->cpu, cpu)->stat[item]);
	return sum;
}

static unsigned long hk_objects_inuse(struct hakmem_cache *s)
{
	u64 a = hk_stat_raw(s, HAKMEM_ALLOC_FAST) +
		hk_stat_raw(s, HAKMEM_ALLOC_SLOW) +
		hk_stat_raw(s, HAKMEM_ALLOC_LOCKED);
	u64 f = hk_stat_raw(s, HAKMEM_FREE_FAST) +
		hk_stat_raw(s, HAKMEM_FREE_SLOW);

	return a > f ? a - f : 0;
}

/* Objects the slabs taken from segments hold (slabs differ in size). */
static long hk_objs_total(struct hakmem_cache *s)
{
	long n = READ_ONCE(s->depot.nr_objs);
	unsigned int cpu;
	int node;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(s->cpu, cpu)->heap.nr_objs);
	for (node = 0; s->node_heaps && node < nr_node_ids; node++)
		n += READ_ONCE(s->node_heaps[node].heap.nr_objs);
	return max(n, 0L);
}

u64 hakmem_cache_stat(struct hakmem_cache *s, enum hakmem_stat_item item)
{
	u64 *base;

	if (WARN_ON_ONCE(item >= HAKMEM_NR_STATS))
		return 0;
	base = READ_ONCE(s->stat_base);
	return hk_stat_raw(s, item) - (base ? READ_ONCE(base[item]) : 0);
}
EXPORT_SYMBOL_GPL(hakmem_cache_stat);

void hakmem_cache_get_info(struct hakmem_cache *s,
			   struct hakmem_cache_info *info)
{
	info->name = s->name;
	info->object_size = s->object_size;
	info->size = s->size;
	info->align = s->align;
	info->objects_inuse = hk_objects_inuse(s);
	info->objects_total = hk_objs_total(s);
	info->segments = atomic_long_read(&s->nr_segments);
	info->pages = atomic_long_read(&s->nr_seg_pages);
	info->slab_order = s->slab_order;
	info->segment_order = hk_seg_order;
	info->header_mode = s->header_mode;
	info->flags = s->flags;
	info->useroffset = s->useroffset;
	info->usersize = s->usersize;
}
EXPORT_SYMBOL_GPL(hakmem_cache_get_info);

/* --- the kmalloc-like front end --- */

static const unsigned int hk_kmalloc_sizes[] = {
	8, 16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768,
	1024, 1536, 2048, 3072, 4096, 6144, 8192,
};

static_assert(ARRAY_SIZE(hk_kmalloc_sizes) <= U8_MAX);

static const char *const hk_kmalloc_names[] = {
	"hakmem-kmalloc-8", "hakmem-kmalloc-16", "hakmem-kmalloc-32",
	"hakmem-kmalloc-48", "hakmem-kmalloc-64", "hakmem-kmalloc-96",
	"hakmem-kmalloc-128", "hakmem-kmalloc-192", "hakmem-kmalloc-256",
	"hakmem-kmalloc-384", "hakmem-kmalloc-512", "hakmem-kmalloc-768",
	"hakmem-kmalloc-1k", "hakmem-kmalloc-1536", "hakmem-kmalloc-2k",
	"hakmem-kmalloc-3k", "hakmem-kmalloc-4k", "hakmem-kmalloc-6k",
	"hakmem-kmalloc-8k",
};

static_assert(ARRAY_SIZE(hk_kmalloc_names) == ARRAY_SIZE(hk_kmalloc_sizes));
static_assert(HAKMEM_KMALLOC_MAX_CACHE_SIZE == 8192);

static struct hakmem_cache *hk_kmalloc_caches[ARRAY_SIZE(hk_kmalloc_sizes)];
/* Size class of each 8-byte step of size. */
static u8 hk_size_index[HAKMEM_KMALLOC_MAX_CACHE_SIZE / 8 + 1];

/* Marks the head page of a large allocation. */
static unsigned long hk_large_cookie;

static __always_inline struct hakmem_cache *hk_kmalloc_slab(size_t size)
{
	return hk_kmalloc_caches[hk_size_index[(size + 7) / 8]];
}

struct hakmem_cache *hakmem_kmalloc_cache(size_t size)
{
	if (!size || size > HAKMEM_KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	return hk_kmalloc_slab(size);
}
EXPORT_SYMBOL_GPL(hakmem_kmalloc_cache);

static void *hk_kmalloc_large(size_t size, gfp_t gfp, int node)
{
	unsigned int order = get_order(size);
	struct page *page;

	/* As for hakmem_cache_alloc_node(): a node without memory is none. */
	if (node < 0 || node >= nr_node_ids || !node_state(node, N_MEMORY))
		node = numa_mem_id();
	page = alloc_pages_node(node, gfp | __GFP_COMP, order);
	if (!page)
		return NULL;
	set_page_private(page, (unsigned long)page_address(page) ^
			 hk_large_cookie);
	/* As kmalloc()'s large sizes: a kmemleak object (no-op without it). */
	kmemleak_alloc(page_address(page), size, 1, gfp);
	return page_address(page);
}

/* The head page of a large allocation, or NULL. */
static struct page *hk_large_page(const void *obj)
{
	struct page *page;

	if (!PAGE_ALIGNED(obj) || !virt_addr_valid(obj))
		return NULL;
	page = virt_to_page(obj);
	if (!PageHead(page) ||
	    page_private(page) != ((unsigned long)obj ^ hk_large_cookie))
		return NULL;
	return page;
}

HK_FAST_ENTRY void *hakmem_kmalloc(size_t size, gfp_t gfp)
{
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(size > HAKMEM_KMALLOC_MAX_CACHE_SIZE))
		return hk_kmalloc_large(size, gfp, NUMA_NO_NODE);
	return hk_alloc(hk_kmalloc_slab(size), gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_kmalloc);

static __always_inline void hk_kfree(const void *obj, unsigned long caller)
{
	struct page *page;

	if (unlikely(ZERO_OR_NULL_PTR(obj)))
		return;
	if (unlikely(PAGE_ALIGNED(obj))) {
		page = hk_large_page(obj);
		if (page) {
			kmemleak_free(obj);
			set_page_private(page, 0);
			__free_pages(page, compound_order(page));
			return;
		}
	}
	__hk_free(NULL, (void *)obj, caller);
}

HK_FAST_ENTRY void hakmem_kfree(const void *obj)
{
	hk_kfree(obj, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_kfree);

/* hakmem_kmalloc() with a node and a caller: the other entry points' body. */
static void *hk_kmalloc_node(size_t size, gfp_t gfp, int node,
			     unsigned long caller)
{
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(size > HAKMEM_KMALLOC_MAX_CACHE_SIZE))
		return hk_kmalloc_large(size, gfp, node);
	return hk_alloc_on(hk_kmalloc_slab(size), gfp, node, caller);
}

void *hakmem_kmalloc_node(size_t size, gfp_t gfp, int node)
{
	return hk_kmalloc_node(size, gfp, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_kmalloc_node);

void *hakmem_kzalloc(size_t size, gfp_t gfp)
{
	return hk_kmalloc_node(size, gfp | __GFP_ZERO, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_kzalloc);

void *hakmem_kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return hk_kmalloc_node(bytes, gfp, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_kmalloc_array);

void *hakmem_kcalloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return hk_kmalloc_node(bytes, gfp | __GFP_ZERO, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_kcalloc);

void *hakmem_krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	size_t ks = 0;
	void *ret;

	if (unlikely(!new_size)) {
		hk_kfree(p, _RET_IP_);
		return ZERO_SIZE_PTR;
	}
	if (!ZERO_OR_NULL_PTR(p)) {
		ks = hakmem_ksize(p);
		if (unlikely(!ks)) {
			hk_report(NULL, HAKMEM_ERR_INVALID, p, _RET_IP_,
				  "krealloc of a pointer hakmem did not allocate");
			return NULL;
		}
	}
	if (ks >= new_size) {
		/* Same size class: the same object (see hakmem_compat.h). */
		if (HK_KREALLOC_ZERO_SPARE && want_init_on_alloc(gfp))
			memset((char *)p + new_size, 0, ks - new_size);
		return (void *)p;
	}
	ret = hk_kmalloc_node(new_size, gfp, NUMA_NO_NODE, _RET_IP_);
	if (ret && ks) {
		memcpy(ret, p, ks);
		hk_kfree(p, _RET_IP_);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(hakmem_krealloc);

void hakmem_kfree_sensitive(const void *p)
{
	size_t ks = hakmem_ksize(p);

	if (ks)
		memzero_explicit((void *)p, ks);
	hk_kfree(p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_kfree_sensitive);

/*
 * The object that holds @ptr (an rcu_head inside it): its cache (NULL for
 * a large allocation) in *@sp.  NULL, after a report, if @ptr is not inside
 * a live object hakmem handed out, or (with @want set) not one of @want's.
 */
static void *hk_obj_of(const void *ptr, struct hakmem_cache *want,
		       struct hakmem_cache **sp, unsigned long caller)
{
	struct hk_segment *seg = hk_seg_lookup(ptr);
	struct hakmem_cache *s;
	struct hk_slab *slab;
	unsigned long off;
	void *obj;

	*sp = NULL;
	if (!seg) {
		struct page *head;

		if (!want && virt_addr_valid(ptr)) {
			head = virt_to_head_page(ptr);
			if (hk_large_page(page_address(head)))
				return page_address(head);
		}
		hk_report(want, HAKMEM_ERR_INVALID, ptr, caller,
			  "RCU free of a pointer hakmem did not allocate");
		return NULL;
	}
	s = seg->cache;
	if (want && s != want) {
		hk_report(want, HAKMEM_ERR_WRONG_CACHE, ptr, caller,
			  "RCU free to the wrong cache");
		return NULL;
	}
	slab = hk_slab_of(s, seg, ptr);
	off = (unsigned long)ptr - hk_slab_addr(s, seg, slab);
	obj = (char *)ptr - (off % s->size) + s->obj_off;
	if (off % s->size < s->obj_off || off / s->size >= seg->objs_per_slab) {
		hk_report(s, HAKMEM_ERR_HEADER, ptr, caller,
			  "RCU free of a pointer outside any object");
		return NULL;
	}
	if (!hk_hdr_valid(s, obj)) {
		hk_report_bad_free(s, seg, obj, caller);
		return NULL;
	}
	*sp = s;
	return obj;
}

static void hk_free_rcu_cb(struct rcu_head *head)
{
	struct hakmem_cache *s;
	void *obj = hk_obj_of(head, NULL, &s, _RET_IP_);

	if (!obj)
		return;
	if (!s) {
		hk_kfree(obj, _RET_IP_);
		return;
	}
	hk_free(s, obj, _RET_IP_);
	/* After the free: hakmem_cache_destroy() waits while it is not 0. */
	atomic_long_dec(&s->rcu_pending);
}

static void hk_free_rcu(struct hakmem_cache *want, struct rcu_head *head,
			unsigned long caller)
{
	struct hakmem_cache *s;

	if (!hk_obj_of(head, want, &s, caller))
		return;		/* reported; leaked rather than corrupted */
	if (s)
		atomic_long_inc(&s->rcu_pending);
	call_rcu(head, hk_free_rcu_cb);
}

void __hakmem_kfree_rcu(struct rcu_head *head)
{
	hk_free_rcu(NULL, head, _RET_IP_);
}
EXPORT_SYMBOL_GPL(__hakmem_kfree_rcu);

void __hakmem_cache_free_rcu(struct hakmem_cache *s, struct rcu_head *head)
{
	hk_free_rcu(s, head, _RET_IP_);
}
EXPORT_SYMBOL_GPL(__hakmem_cache_free_rcu);

void hakmem_kfree_rcu_mightsleep(const void *p)
{
	if (ZERO_OR_NULL_PTR(p))
		return;
	might_sleep();
	synchronize_rcu();
	hk_kfree(p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(hakmem_kfree_rcu_mightsleep);

size_t hakmem_ksize(const void *obj)
{
	struct hk_segment *seg;
	struct page *page;
	size_t size;

	if (ZERO_OR_NULL_PTR(obj))
		return 0;
	page = hk_large_page(obj);
	if (page)
		return page_size(page);
	/* A segment freed meanwhile (by misuse) stays readable till then. */
	rcu_read_lock();
	seg = hk_seg_lookup(obj);
	size = seg && hk_obj_on_boundary(seg->cache, seg, obj) ?
	       seg->cache->object_size : 0;
	rcu_read_unlock();
	return size;
}
EXPORT_SYMBOL_GPL(hakmem_ksize);

/* hakmem_obj_find() of @ptr, a pointer into the linear map. */
bool hk_obj_find_valid(const void *ptr, struct hakmem_obj *obj)
{
	struct hakmem_cache *s;
	struct hk_segment *seg;
	unsigned long base, off, idx;

	seg = hk_seg_lookup_valid(ptr);
	if (!seg)
		return false;
	s = seg->cache;
	base = hk_slab_addr(s, seg, hk_slab_of(s, seg, ptr));
	off = (unsigned long)ptr - base;
	if (off < s->obj_off)
		return false;
	off -= s->obj_off;
	idx = off / s->size;
	if (idx >= seg->objs_per_slab)
		return false;
	obj->cache = s;
	obj->name = s->name;
	obj->start = (void *)(base + s->obj_off + idx * s->size);
	obj->offset = off - idx * s->size;
	obj->object_size = s->object_size;
	obj->useroffset = s->useroffset;
	obj->usersize = s->usersize;
	return true;
}

bool hakmem_obj_find(const void *ptr, struct hakmem_obj *obj)
{
	return virt_addr_valid(ptr) && hk_obj_find_valid(ptr, obj);
}
EXPORT_SYMBOL_GPL(hakmem_obj_find);

/* === Module init and exit ================================================= */

static void hk_kmalloc_destroy(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hk_kmalloc_caches); i++) {
		hakmem_cache_destroy(hk_kmalloc_caches[i]);
		hk_kmalloc_caches[i] = NULL;
	}
}

static int __init hk_kmalloc_init(void)
{
	unsigned int i, step;

	for (i = 0; i < ARRAY_SIZE(hk_kmalloc_sizes); i++) {
		hk_kmalloc_caches[i] =
			hakmem_cache_create_usercopy(hk_kmalloc_names[i],
						     hk_kmalloc_sizes[i], 0, 0,
						     0, hk_kmalloc_sizes[i],
						     NULL);
		if (!hk_kmalloc_caches[i]) {
			hk_kmalloc_destroy();
			return -ENOMEM;
		}
	}
	for (i = 0, step = 0; step < ARRAY_SIZE(hk_size_index); step++) {
		while (hk_kmalloc_sizes[i] < step * 8)
			i++;
		hk_size_index[step] = i;
	}
	return 0;
}

static int __init hk_parse_debug(const char *str)
{
	for (; *str; str++) {
		switch (*str) {
		case 'P': case 'p':
			hk_debug_flags |= SLAB_POISON;
			break;
		case 'Z': case 'z':
			hk_debug_flags |= SLAB_RED_ZONE;
			break;
		case 'U': case 'u':
			hk_debug_flags |= SLAB_STORE_USER;
			break;
		case '-':
			break;
		default:
			pr_err("debug=%s: unknown flag '%c' (use P, Z, U)\n",
			       hk_debug_str, *str);
			return -EINVAL;
		}
	}
	return 0;
}

static int __init hakmem_slab_init(void)
{
	int ret;

	if (hk_seg_order < 3 || hk_seg_order > min(9, HK_MAX_PAGE_ORDER)) {
		pr_err("seg_order=%u is out of range (3..%d)\n", hk_seg_order,
		       min(9, HK_MAX_PAGE_ORDER));
		return -EINVAL;
	}
	ret = hk_parse_debug(hk_debug_str);
	if (ret)
		return ret;
	hk_cookie = get_random_long();
	hk_large_cookie = get_random_long();
	hk_cache_cachep = kmem_cache_create("hakmem_cache",
					    sizeof(struct hakmem_cache),
					    __alignof__(struct hakmem_cache),
					    HK_SLAB_NO_MERGE, NULL);
	if (!hk_cache_cachep)
		return -ENOMEM;
	hk_debugfs_init();
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "hakmem_slab:dead",
					NULL, hk_cpu_dead);
	if (ret < 0)
		goto fail_debugfs;
	hk_cpuhp_state = ret;
	ret = -ENOMEM;
	hk_shrink_wq = alloc_workqueue("hakmem_shrink",
				       WQ_MEM_RECLAIM | WQ_UNBOUND, 1);
	if (!hk_shrink_wq)
		goto fail_cpuhp;
	hk_drain_wq = alloc_workqueue("hakmem_drain", WQ_MEM_RECLAIM, 0);
	if (!hk_drain_wq)
		goto fail_wq;
	hk_shrinker = hk_shrinker_create("hakmem_slab", hk_shrink_count,
					 hk_shrink_scan);
	if (!hk_shrinker)
		goto fail_wq;
	ret = hk_kmalloc_init();
	if (ret)
		goto fail_shrinker;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "hakmem_slab:online",
				hk_cpu_online, hk_cpu_offline);
	if (ret < 0)
		goto fail_kmalloc;
	hk_cpuhp_online_state = ret;
	/* After the kmalloc caches: their creation is not failed. */
	if (hk_fail_param)
		hk_fail_set_active(true);
	pr_info("segments of %lu KiB, header mode %s, init_on_alloc %d, init_on_free %d\n",
		(PAGE_SIZE << hk_seg_order) / 1024,
		hk_header_mode == HAKMEM_HEADER_FULL ? "full" : "light",
		want_init_on_alloc(0), want_init_on_free());
	return 0;

fail_kmalloc:
	hk_kmalloc_destroy();
fail_shrinker:
	hk_shrinker_destroy(hk_shrinker);
	cancel_work_sync(&hk_shrink_work);
fail_wq:
	/* NULL-safe: destroy_workqueue() is not. */
	if (hk_drain_wq)
		destroy_workqueue(hk_drain_wq);
	destroy_workqueue(hk_shrink_wq);
fail_cpuhp:
	cpuhp_remove_state_nocalls(hk_cpuhp_state);
fail_debugfs:
	hk_debugfs_exit();
	kmem_cache_destroy(hk_cache_cachep);
	return ret;
}

static void __exit hakmem_slab_exit(void)
{
	struct hakmem_cache *s;
	bool leaked;

	/* The reclaim works stop before the caches they visit go. */
	cpuhp_remove_state(hk_cpuhp_online_state);
	hk_kmalloc_destroy();
	mutex_lock(&hk_caches_mutex);
	list_for_each_entry(s, &hk_caches, list)
		pr_err("cache %s was not destroyed before unload; its memory is leaked\n",
		       s->name);
	list_for_each_entry(s, &hk_defunct_caches, list)
		pr_err("cache %s was destroyed with objects in use; its memory is leaked\n",
		       s->name);
	leaked = !list_empty(&hk_caches) || !list_empty(&hk_defunct_caches);
	mutex_unlock(&hk_caches_mutex);
	/* Leaked caches keep their structs, so their SLUB cache stays too. */
	if (!leaked)
		kmem_cache_destroy(hk_cache_cachep);
	hk_shrinker_destroy(hk_shrinker);
	/* Queued by the shrinker, which is gone now. */
	cancel_work_sync(&hk_shrink_work);
	destroy_workqueue(hk_drain_wq);
	destroy_workqueue(hk_shrink_wq);
	cpuhp_remove_state_nocalls(hk_cpuhp_state);
	hk_debugfs_exit();
	rcu_barrier();
}

module_init(hakmem_slab_init);
module_exit(hakmem_slab_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hakmem_slab: a per-CPU segment slab cache");
