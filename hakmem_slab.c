// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_slab: a per-CPU segment slab cache.
 *
 * Data structures
 * ===============
 *
 * A *segment* is a naturally aligned block of 2^order pages from the page
 * allocator: 2^hk_seg_order (module parameter seg_order, 256 KiB by default)
 * once a heap is busy, smaller while it is young (a heap's first segment is
 * one cache page, and each new one is sixteen times the last) and when the
 * buddy allocator has nothing that large (___hk_seg_alloc() falls back, down
 * to the smallest order that holds one object).  It is cut into equal
 * *pages* (spans of 2^page_order base pages, per cache; a segment smaller
 * than that is one page of its own size); objects are carved from one page
 * at a time.  The metadata lives out of line, in a struct hk_segment that
 * every struct page of the segment points to:
 *
 *   segment base (aligned to its own size, 2^order pages)
 *   |
 *   v
 *   +-----------+-----------+-----------+-- ... --+-----------+
 *   |  page 0   |  page 1   |  page 2   |         |  page N-1 |
 *   +-----------+-----------+-----------+-- ... --+-----------+
 *   each struct page: ->private = hk_segment, ->index = hk_segment ^ cookie
 *
 *   struct hk_segment: base, order, the page geometry, free_map (1 bit a
 *   free page), partial_map (1 bit a page with free objects that is not
 *   being allocated from), remote list, owner heap, and pages[N]
 *   (struct hk_page: freelist, inuse, carved).
 *
 * page_meta_of(obj) is O(1): virt_to_page(obj)->private is the segment, and
 * (obj - base) >> page_shift indexes pages[].  The fast free path needs no
 * lookup at all: it compares obj with the CPU's current segment's bounds.
 * A free page is found with __ffs() on the bitmaps.
 *
 * One object slot (the stride, hk_cache.size):
 *
 *   +--------+--------+----------------------+---------+--------------+
 *   | [link] | header |       object         | [red    | [alloc/free  |
 *   |  8 B   |  8 B   |   object_size bytes  |  zone]  |  tracks]     |
 *   +--------+--------+----------------------+---------+--------------+
 *                     ^ aligned to hk_cache.align; the header is the
 *                       8 bytes just before it: { tag, state }
 *
 * The free-list link is stored in the object's first word, except for caches
 * whose free objects must keep their contents (ctor, SLAB_TYPESAFE_BY_RCU,
 * SLAB_POISON): those get the [link] word in front of the header.  The red
 * zone (SLAB_RED_ZONE) and the tracks (SLAB_STORE_USER) exist only in debug
 * caches, which also bypass the per-CPU stack so that every allocation and
 * free is checked.
 *
 * The header is written when a page is carved (header_mode=light) and also on
 * every allocation and free (header_mode=full, which records the allocation
 * state and so catches every double free).  In light mode a page that goes
 * back to its segment's free map has its headers set to HK_STATE_DEAD, so a
 * late double free into a free page or an empty segment fails the check.
 * The free path always validates the header.
 *
 * Per CPU, each cache has a struct hk_cpu: a stack of free object pointers
 * (the fast paths only push and pop it) in front of a *heap*: the CPU's
 * segments, its current segment and its one current (partial) page.
 *
 * Lock order
 * ==========
 *
 *   1. cpus_read_lock()		(hk_on_each_cpu(); the hotplug callbacks
 *					 run under the hotplug write lock)
 *   2.   hk_cpu_work_mutex		(hk_on_each_cpu(): the per-CPU works)
 *   3. hk_caches_mutex			(the list of caches, debugfs creation)
 *   4.   hk_cpu guard (hk_cpu.busy)	(with preemption disabled: a CPU's stack,
 *					 heap, counters and last_* proof)
 *   5.     hakmem_cache.depot_lock	(spinlock_t, IRQ-safe: the depot heap;
 *					 taken instead of 4 when 4 is busy)
 *   6.       hakmem_cache.pool_lock	(raw_spinlock_t, IRQ-safe: the pool of
 *					 empty segments)
 *   6.       hk_validate.lock		(raw_spinlock_t: a validate pass's map)
 *
 * 1 and 3 are never held together: hakmem_cache_destroy() takes 3 only to
 * unlink the cache, then removes its debugfs files (which waits for writers
 * inside 1) without it.  The hotplug teardown (under the write side of 1)
 * takes 3, and the offline callback waits there for the CPU's idle-reclaim
 * work, which takes 3 (and nothing of 1).
 *
 * Remote frees (an object whose segment another heap owns) take no lock:
 * llist_add() on hk_segment.remote; the freer that makes that list
 * non-empty also queues the segment on the owner's heap.remote_segs.  The
 * owner takes both lists whole with llist_del_all().  The queued object
 * keeps its page's inuse count up, so the segment cannot be freed before
 * the owner has seen it; and the freer touches the segment only before its
 * object becomes visible, or (when it queues) before the segment is
 * reachable by the owner.
 *
 * Preemption and PREEMPT_RT
 * =========================
 *
 * The guard (4) is held with preemption disabled and only for what a CPU's
 * own state needs: pops, pushes, carving, moving objects between the stack
 * and its pages, and taking raw locks (6).  Under it nothing may take a
 * spinlock_t, a mutex, or call the page allocator, kmalloc() or anything
 * else that sleeps on PREEMPT_RT.  The page allocator is called only from
 * ___hk_seg_alloc(), with the guard released and preemption enabled (the
 * caller's own context decides whether it may sleep), or from the depot
 * (5), whose spinlock_t is a sleeping lock on PREEMPT_RT.  On PREEMPT_RT
 * the guard is never found busy outside hardirq context (it is only held
 * with preemption disabled), so the depot serves only non-threaded hardirq
 * callers there, which must not allocate on PREEMPT_RT anyway.
 *
 * Contexts: hakmem_cache_alloc()/hakmem_kmalloc() from any context where
 * kmem_cache_alloc() with the same gfp may be called (they sleep only if gfp
 * allows); the free calls from any context; create, destroy, shrink and
 * validate from process context only.  A heap's segments, pages and free
 * lists are changed only by the heap's owner: the CPU (guard held), for the
 * depot a holder of depot_lock, or for an offline CPU the hotplug callback
 * or a caller of hk_on_each_cpu() (which holds cpus_read_lock()).
 *
 * Paths, as in mm/slub.c: hk_alloc()/hk_free() are the inline fast paths,
 * __hk_alloc()/__hk_free() the slow paths (refill or flush the stack, look
 * the segment up), ___hk_alloc() the slowest (a new segment from the page
 * allocator, may sleep).
 */

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
#include "hakmem_slab_backend.h"
#include "kunit/hakmem_slab_test.h"

/* === Data ================================================================= */

#define HK_STACK_MAX		256	/* per-CPU stack slots */
#define HK_POOL_MAX		2	/* empty segments kept per cache */
/* Pages of empty segments kept in all pools together, per online node. */
#define HK_POOL_PAGES_PER_NODE	(SZ_1M >> PAGE_SHIFT)
#define HK_MAX_PAGES_PER_SEG	BITS_PER_LONG
#define HK_MIN_OBJS_PER_PAGE	4
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
#define HK_STATE_DEAD		0xdeadf7eeU	/* light mode: page is free */

/* hk_page.state */
enum hk_page_state {
	HK_PAGE_FREE,		/* in the segment's free_map */
	HK_PAGE_ACTIVE,		/* the heap's current page */
	HK_PAGE_PARTIAL,	/* in the segment's partial_map */
	HK_PAGE_FULL,		/* no free object, on no map */
};

/* The per-object header, just before the object. */
struct hk_hdr {
	u32 tag;		/* the cache's hk_cache.tag */
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
 * (hk_cache.alloc_work, free_work), so that the fast paths test one byte.
 */
#define HK_WORK_DEBUG		BIT(0)	/* poison, red zone, tracks */
#define HK_WORK_HEADER		BIT(1)	/* full mode: write the state */
#define HK_WORK_ZERO		BIT(2)	/* init_on_alloc / init_on_free */
#define HK_WORK_TOOLS		BIT(3)	/* KASAN, kmemleak (hk_cache.kasan, ...) */

/* Debug features a cache has (from its flags and the debug parameter). */
#define HK_DEBUG_FLAGS		(SLAB_POISON | SLAB_RED_ZONE | SLAB_STORE_USER)

/* One page (span of 2^page_order base pages) of a segment. */
struct hk_page {
	void *freelist;		/* free objects, linked through the link word */
	unsigned short inuse;	/* objects out of this page (users, stacks) */
	unsigned short carved;	/* objects carved so far */
	/*
	 * Slots the constructor has built since the segment came from the
	 * page allocator: carving the page again does not rebuild them.
	 */
	unsigned short constructed;
	unsigned char state;	/* enum hk_page_state */
};

struct hk_heap;

struct hk_segment {
	unsigned long base;		/* address of the first byte */
	unsigned long size;		/* bytes: PAGE_SIZE << order */
	struct hakmem_cache *cache;
	unsigned int order;		/* of the page allocation */
	unsigned int page_shift;	/* log2 of a page's bytes */
	unsigned int nr_pages;		/* pages[] entries */
	unsigned int objs_per_page;
	struct hk_heap *heap;		/* owner; NULL while in the pool */
	unsigned long free_map;		/* owner: free pages */
	unsigned long partial_map;	/* owner: pages with free objects */
	unsigned int used;		/* owner: pages not free */
	bool full;			/* owner: on heap->full */
	struct list_head list;		/* owner: heap->avail or heap->full */
	struct llist_head remote;	/* any CPU: remotely freed objects */
	struct llist_node remote_node;	/* on heap->remote_segs */
	struct rcu_head rcu;
	struct hk_page pages[];
};

/* The segments one owner allocates from. */
struct hk_heap {
	struct hk_segment *seg;		/* current segment, on no list */
	struct hk_page *page;		/* current page, HK_PAGE_ACTIVE */
	struct list_head avail;		/* segments with free or partial pages */
	struct list_head full;		/* segments without */
	struct llist_head remote_segs;	/* segments with remote frees */
	long nr_pages;			/* pages taken minus pages released */
	long nr_objs;			/* objects those pages hold */
	unsigned int next_order;	/* of the next new segment */
	int node;
};

/* A heap of one node, under its own lock (lock order: as the depot's, 5). */
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
	/* The last segment __hk_free() proved, and hk_cache.seg_gen then. */
	/*
	 * The segment the last objects were allocated from, for the fast free
	 * path: heap.seg, or the last one while the heap has none (it filled
	 * up); owned by the heap, cleared when it leaves the heap.
	 */
	struct hk_segment *cur_seg ____cacheline_aligned;
	unsigned long last_base;
	unsigned long last_size;
	struct hk_segment *last_seg;
	unsigned long last_gen;
	u64 idle_ops;			/* allocations + frees at the last reclaim */
	void *stack[HK_STACK_MAX];
	struct hk_heap heap;
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
	unsigned int page_order;
	unsigned int page_shift;
	unsigned int objs_per_page;	/* in a page of page_order */
	unsigned int min_order;		/* smallest segment: holds one object */
	unsigned int first_order;	/* a heap's first segment: one page */
	bool wipe_link;			/* clear the link word on allocation */
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
	atomic_long_t atomic_stat[HAKMEM_NR_STATS];	/* nested paths, errors */
	u64 stat_base[HAKMEM_NR_STATS];			/* values at last clear */
	bool defunct;			/* destroyed with objects in use */
	struct list_head list;		/* on hk_caches */
	struct dentry *debugfs;
};

const char *const hakmem_stat_names[HAKMEM_NR_STATS] = {
	[HAKMEM_ALLOC_FAST]	= "alloc_fast",
	[HAKMEM_ALLOC_SLOW]	= "alloc_slow",
	[HAKMEM_ALLOC_LOCKED]	= "alloc_locked",
	[HAKMEM_FREE_FAST]	= "free_fast",
	[HAKMEM_FREE_SLOW]	= "free_slow",
	[HAKMEM_FREE_REMOTE]	= "free_remote",
	[HAKMEM_REFILL]		= "refill",
	[HAKMEM_FLUSH]		= "flush",
	[HAKMEM_CARVE]		= "carve",
	[HAKMEM_PAGE_ALLOC]	= "page_alloc",
	[HAKMEM_PAGE_FREE]	= "page_free",
	[HAKMEM_SEGMENT_ALLOC]	= "segment_alloc",
	[HAKMEM_SEGMENT_FREE]	= "segment_free",
	[HAKMEM_SEGMENT_FAIL]	= "segment_fail",
	[HAKMEM_SHRINK]		= "shrink",
	[HAKMEM_ERR_INVALID]	= "err_invalid",
	[HAKMEM_ERR_WRONG_CACHE] = "err_wrong_cache",
	[HAKMEM_ERR_HEADER]	= "err_header",
	[HAKMEM_ERR_DOUBLE_FREE] = "err_double_free",
	[HAKMEM_ERR_POISON]	= "err_poison",
	[HAKMEM_ERR_REDZONE]	= "err_redzone",
};
EXPORT_SYMBOL_GPL(hakmem_stat_names);
static_assert(ARRAY_SIZE(hakmem_stat_names) == HAKMEM_NR_STATS);

#define HK_SEG_ORDER_DEFAULT	6
static unsigned int hk_seg_order = HK_SEG_ORDER_DEFAULT;
static atomic_long_t hk_seg_gen_all;	/* bumped when any segment is freed */
static atomic_long_t hk_pooled_pages;	/* in every cache's pool */

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

static DEFINE_PER_CPU(struct hk_kfree_cpu, hk_kfree_cpu);
static unsigned long hk_cookie;		/* validates head page ->index */
static enum hakmem_header_mode hk_header_mode = HAKMEM_HEADER_LIGHT;
static slab_flags_t hk_debug_flags;	/* from the debug parameter */

static LIST_HEAD(hk_caches);
/* Caches destroyed with objects in use: kept, as their objects are. */
static LIST_HEAD(hk_defunct_caches);
static DEFINE_MUTEX(hk_caches_mutex);
static struct dentry *hk_debugfs_root;
static enum cpuhp_state hk_cpuhp_state;
static enum cpuhp_state hk_cpuhp_online_state;

/* How often each CPU gives back what caches idle on it hold; 0: never. */
static unsigned int hk_reclaim_ms = 2000;
static DEFINE_PER_CPU(struct delayed_work, hk_reclaim_work);

/* Errors with no cache to charge them to (hakmem_kfree() of junk). */
static atomic_long_t hk_orphan_errors;

#ifdef CONFIG_FAULT_INJECTION
/* Fails segment allocations (debugfs: hakmem_slab/fail_segment). */
struct fault_attr hakmem_fail_segment = FAULT_ATTR_INITIALIZER;
EXPORT_SYMBOL_GPL(hakmem_fail_segment);
#endif

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
MODULE_PARM_DESC(seg_order, "largest segment size as a page order, 3..9 (default 6: 256 KiB with 4 KiB pages)");

/*
 * Caches created while this is set, on a kernel with KASAN (built-in
 * hakmem_slab only, see hakmem_compat.h) or kmemleak, are known to them;
 * each such cache takes the slow paths for every operation.
 */
static bool hk_tools = true;
module_param_named(tools, hk_tools, bool, 0444);
MODULE_PARM_DESC(tools, "let KASAN and kmemleak see the objects of caches created from now on, where the kernel has them (default 1)");

/* === Internals: helpers =================================================== */

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

static __always_inline unsigned int hk_page_index(struct hakmem_cache *s,
						  struct hk_segment *seg,
						  const void *obj)
{
	return ((unsigned long)obj - seg->base) >> seg->page_shift;
}

/* page_meta_of(): O(1), no search. */
static __always_inline struct hk_page *hk_page_of(struct hakmem_cache *s,
						  struct hk_segment *seg,
						  const void *obj)
{
	return &seg->pages[hk_page_index(s, seg, obj)];
}

static __always_inline unsigned long hk_page_addr(struct hakmem_cache *s,
						  struct hk_segment *seg,
						  struct hk_page *page)
{
	return seg->base + ((unsigned long)(page - seg->pages) << seg->page_shift);
}

/* The segment of an object that is known to be hakmem's. */
static __always_inline struct hk_segment *hk_seg_of_trusted(const void *obj)
{
	return (struct hk_segment *)page_private(virt_to_page(obj));
}

/*
 * The segment of an arbitrary pointer, or NULL if it is not inside a live
 * hakmem segment.  Reads only its struct page until the segment is proven:
 * every page of a segment carries the segment and the same XOR the cookie.
 */
static struct hk_segment *hk_seg_lookup(const void *obj)
{
	struct hk_segment *seg;
	struct page *page;

	if (unlikely(!virt_addr_valid(obj)))
		return NULL;
	page = virt_to_page(obj);
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

static __always_inline void hk_stat(struct hk_cpu *c, enum hakmem_stat_item i)
{
	c->stat[i]++;
}

static __always_inline void hk_stat_add(struct hk_cpu *c,
					enum hakmem_stat_item i, u64 n)
{
	c->stat[i] += n;
}

/* Counters of paths that run without the per-CPU guard. */
static void hk_stat_atomic(struct hakmem_cache *s, enum hakmem_stat_item i)
{
	atomic_long_inc(&s->atomic_stat[i]);
}

/* Count for a heap's owner: its CPU's counter, or @c NULL (depot, dead CPU). */
static void hk_stat_of(struct hakmem_cache *s, struct hk_cpu *c,
		       enum hakmem_stat_item i)
{
	if (c)
		hk_stat(c, i);
	else
		hk_stat_atomic(s, i);
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

static bool hk_is_depot(struct hakmem_cache *s, struct hk_heap *h)
{
	return h == &s->depot;
}

/* The node heap @h is, or NULL if it is a CPU's heap or the depot. */
static struct hk_node_heap *hk_node_heap_of(struct hakmem_cache *s,
					    struct hk_heap *h)
{
	if (!s->node_heaps || h->node < 0 || h->node >= nr_node_ids ||
	    h != &s->node_heaps[h->node].heap)
		return NULL;
	return container_of(h, struct hk_node_heap, heap);
}

static void hk_assert_owner(struct hakmem_cache *s, struct hk_heap *h)
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

static bool hk_page_is(struct hk_page *page, enum hk_page_state state)
{
	return page->state == state;
}

/* Is the pointer at the start of an object slot? */
static bool hk_obj_on_boundary(struct hakmem_cache *s, struct hk_segment *seg,
			       const void *obj)
{
	struct hk_page *page = hk_page_of(s, seg, obj);
	unsigned long off = (unsigned long)obj - hk_page_addr(s, seg, page);

	if (off < s->obj_off)
		return false;
	off -= s->obj_off;
	return off % s->size == 0 && off / s->size < seg->objs_per_page;
}

/* === Internals: error reports ============================================= */

#if IS_ENABLED(CONFIG_HAKMEM_SLAB_KUNIT_TEST)
/*
 * Lets KUnit tests count reports, as lib/slub_kunit.c does, but without a
 * lock: reports are made with the guard held (preemption disabled) and under
 * raw locks, where KUnit's resource lookup (a spinlock_t) may not be taken
 * on PREEMPT_RT.  The test that counts registers itself
 * (hakmem_test_errors_begin()); reports made in its task count.
 */
static struct kunit *hk_kunit_test;
static atomic_t hk_kunit_errors = ATOMIC_INIT(0);

static void hk_add_kunit_error(void)
{
	struct kunit *test = current->kunit_test;

	if (likely(!test) || READ_ONCE(hk_kunit_test) != test)
		return;
	atomic_inc(&hk_kunit_errors);
}

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
static inline void hk_add_kunit_error(void) { }
static inline void hk_test_init_override(struct hakmem_cache *s) { }
static inline bool hk_test_order_fails(gfp_t gfp, unsigned int order)
{
	return false;
}
#endif

static DEFINE_RATELIMIT_STATE(hk_report_rs, 5 * HZ, 10);

/*
 * Report one bad event: one line naming the cache, the problem, the object
 * and the caller, counted in the cache's error counter.
 */
static void hk_report(struct hakmem_cache *s, enum hakmem_stat_item item,
		      const void *obj, unsigned long caller, const char *what)
{
	if (s)
		hk_stat_atomic(s, item);
	else
		atomic_long_inc(&hk_orphan_errors);
	hk_add_kunit_error();
	if (!__ratelimit(&hk_report_rs))
		return;
	pr_err("BUG hakmem_slab %s: %s: object 0x%p, caller %pS\n",
	       s ? s->name : "(kmalloc)", what, obj, (void *)caller);
}

/*
 * Classify and report a free that failed the header check.  @seg is the
 * object's segment, already proven.
 */
static void hk_report_bad_free(struct hakmem_cache *s, struct hk_segment *seg,
			       void *obj, unsigned long caller)
{
	struct hk_hdr *h = hk_hdr(obj);

	if (!hk_obj_on_boundary(seg->cache, seg, obj)) {
		hk_report(s, HAKMEM_ERR_HEADER, obj, caller,
			  "free of a pointer inside an object");
		return;
	}
	if (h->tag == seg->cache->tag && h->state == HK_STATE_FREE) {
		hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, caller, "double free");
		return;
	}
	if (h->tag == seg->cache->tag && h->state == HK_STATE_DEAD) {
		hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, caller,
			  "double free (the object's page is free)");
		return;
	}
	hk_report(s, HAKMEM_ERR_HEADER, obj, caller,
		  "object header overwritten (tag/state mismatch)");
}

/* === Internals: debug checks ============================================= */

static u8 *hk_redzone(struct hakmem_cache *s, void *obj)
{
	return (u8 *)obj + s->red_off;
}

static struct hk_track *hk_track(struct hakmem_cache *s, void *obj,
				 enum hk_track_item item)
{
	return (struct hk_track *)((char *)obj + s->track_off) + item;
}

static void hk_set_track(struct hakmem_cache *s, void *obj,
			 enum hk_track_item item, unsigned long caller)
{
	struct hk_track *t;

	if (!(s->flags & SLAB_STORE_USER))
		return;
	t = hk_track(s, obj, item);
	t->addr = caller;
	t->when = jiffies;
	t->cpu = raw_smp_processor_id();
	t->pid = current->pid;
}

static void hk_print_track(struct hakmem_cache *s, void *obj,
			   enum hk_track_item item)
{
	struct hk_track *t;

	if (!(s->flags & SLAB_STORE_USER))
		return;
	t = hk_track(s, obj, item);
	if (!t->addr)
		return;
	pr_err("%s by %pS on cpu %d pid %d, %lu jiffies ago\n",
	       item == HK_TRACK_ALLOC ? "Allocated" : "Freed",
	       (void *)t->addr, t->cpu, t->pid, jiffies - t->when);
}

/* The first byte in [start, start + bytes) that is not @value, or NULL. */
static u8 *hk_find_bad(u8 *start, unsigned int bytes, u8 value)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		if (start[i] != value)
			return start + i;
	return NULL;
}

/*
 * A SLUB-style report of a damaged object: the BUG line, where the damage
 * is, the bytes around it, and the tracks.
 */
static void hk_report_damage(struct hakmem_cache *s, enum hakmem_stat_item item,
			     void *obj, u8 *bad, u8 expected,
			     unsigned long caller, const char *what)
{
	u8 *from;

	hk_report(s, item, obj, caller, what);
	if (!__ratelimit(&hk_report_rs))
		return;
	pr_err("INFO: 0x%p-0x%p @offset=%td: first byte 0x%02x instead of 0x%02x\n",
	       bad, bad, bad - (u8 *)obj, *bad, expected);
	hk_print_track(s, obj, HK_TRACK_ALLOC);
	hk_print_track(s, obj, HK_TRACK_FREE);
	from = max(bad - 16, (u8 *)obj - s->obj_off);
	print_hex_dump(KERN_ERR, "Bytes ", DUMP_PREFIX_OFFSET, 16, 1, from,
		       min_t(long, 48, (u8 *)obj - s->obj_off + s->size - from),
		       true);
}

static void hk_poison(struct hakmem_cache *s, void *obj)
{
	memset(obj, POISON_FREE, s->object_size - 1);
	((u8 *)obj)[s->object_size - 1] = POISON_END;
}

/* Check and repair the red zone; @value is what it should hold. */
static void hk_check_redzone(struct hakmem_cache *s, void *obj, u8 value,
			     unsigned long caller)
{
	u8 *bad = hk_find_bad(hk_redzone(s, obj), s->red_size, value);

	if (!bad)
		return;
	hk_report_damage(s, HAKMEM_ERR_REDZONE, obj, bad, value, caller,
			 "red zone overwritten (write past the end of the object)");
	memset(hk_redzone(s, obj), value, s->red_size);
}

/* Check the poison of a free object; repair it. */
static void hk_check_poison(struct hakmem_cache *s, void *obj,
			    unsigned long caller)
{
	u8 *bad = hk_find_bad(obj, s->object_size - 1, POISON_FREE);
	u8 expected = POISON_FREE;

	if (!bad && ((u8 *)obj)[s->object_size - 1] != POISON_END) {
		bad = (u8 *)obj + s->object_size - 1;
		expected = POISON_END;
	}
	if (!bad)
		return;
	hk_report_damage(s, HAKMEM_ERR_POISON, obj, bad, expected, caller,
			 "poison overwritten (write after free)");
	hk_poison(s, obj);
}

/* A slot of a debug cache is carved: it starts as a free object. */
static void hk_debug_carve(struct hakmem_cache *s, void *obj)
{
	if (s->poison)
		hk_poison(s, obj);
	if (s->red_size)
		memset(hk_redzone(s, obj), SLUB_RED_INACTIVE, s->red_size);
	if (s->flags & SLAB_STORE_USER)
		memset(hk_track(s, obj, HK_TRACK_ALLOC), 0,
		       2 * sizeof(struct hk_track));
}

static noinline void hk_debug_alloc(struct hakmem_cache *s, void *obj,
				    unsigned long caller)
{
	if (s->poison)
		hk_check_poison(s, obj, caller);
	if (s->red_size) {
		hk_check_redzone(s, obj, SLUB_RED_INACTIVE, caller);
		memset(hk_redzone(s, obj), SLUB_RED_ACTIVE, s->red_size);
	}
	hk_set_track(s, obj, HK_TRACK_ALLOC, caller);
}

/*
 * The header says "free" before the red zone and the poison change, so that
 * a validate pass that reads the old header also read the old red zone
 * (hk_validate_live()): a free in progress is never reported as damage.
 */
static noinline void hk_debug_free(struct hakmem_cache *s, void *obj,
				   unsigned long caller)
{
	if (s->red_size)
		hk_check_redzone(s, obj, SLUB_RED_ACTIVE, caller);
	WRITE_ONCE(*(u64 *)hk_hdr(obj), s->hdr_free);
	smp_wmb();	/* header, then red zone: see hk_validate_live() */
	if (s->red_size)
		memset(hk_redzone(s, obj), SLUB_RED_INACTIVE, s->red_size);
	if (s->poison)
		hk_poison(s, obj);
	hk_set_track(s, obj, HK_TRACK_FREE, caller);
}

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
	hk_stat_atomic(s, HAKMEM_SEGMENT_FREE);
	/*
	 * After a grace period no reader that proved this segment (a racing
	 * bad free, an SLAB_TYPESAFE_BY_RCU reader) can still be using it.
	 */
	call_rcu(&seg->rcu, hk_seg_free_rcu);
}

static void hk_seg_reset(struct hk_segment *seg)
{
	unsigned int i;

	seg->free_map = seg->nr_pages == BITS_PER_LONG ?
			~0UL : (1UL << seg->nr_pages) - 1;
	seg->partial_map = 0;
	seg->used = 0;
	seg->full = false;
	for (i = 0; i < seg->nr_pages; i++) {
		seg->pages[i].freelist = NULL;
		seg->pages[i].inuse = 0;
		seg->pages[i].carved = 0;
		seg->pages[i].state = HK_PAGE_FREE;
	}
}

/*
 * The page geometry of a segment of @order: pages of the cache's
 * page_order, or one page of the segment's own size when it is smaller.
 */
static void hk_seg_geometry(struct hakmem_cache *s, struct hk_segment *seg,
			    unsigned int order)
{
	seg->order = order;
	seg->size = PAGE_SIZE << order;
	if (order >= s->page_order) {
		seg->page_shift = s->page_shift;
		seg->nr_pages = 1U << (order - s->page_order);
		seg->objs_per_page = s->objs_per_page;
	} else {
		seg->page_shift = PAGE_SHIFT + order;
		seg->nr_pages = 1;
		seg->objs_per_page = seg->size / s->size;
	}
}

/* Fault injection for segment allocations; never fails __GFP_NOFAIL. */
static bool hk_should_fail_segment(gfp_t gfp, unsigned int order)
{
#ifdef CONFIG_FAULT_INJECTION
	if (!(gfp & __GFP_NOFAIL) &&
	    should_fail(&hakmem_fail_segment, PAGE_SIZE << order))
		return true;
#endif
	return false;
}

/* One attempt at a segment of exactly @order. */
static struct hk_segment *hk_seg_alloc_order(struct hakmem_cache *s,
					     gfp_t pgfp, int node,
					     unsigned int order)
{
	struct hk_segment *seg;
	unsigned int nr_pages;
	struct page *head;

	if (hk_should_fail_segment(pgfp, order) ||
	    hk_test_order_fails(pgfp, order))
		return NULL;
	nr_pages = order >= s->page_order ? 1U << (order - s->page_order) : 1;
	seg = hk_meta_kmalloc_node(struct_size(seg, pages, nr_pages),
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
	for (i = 0; i < seg->nr_pages; i++) {
		char *obj = (char *)seg->base + ((unsigned long)i << seg->page_shift) +
			    s->obj_off;

		for (j = 0; j < seg->objs_per_page; j++, obj += s->size)
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
		hk_stat_atomic(s, HAKMEM_SEGMENT_FAIL);
		return NULL;
	}
	seg->cache = s;
	seg->heap = NULL;
	INIT_LIST_HEAD(&seg->list);
	init_llist_head(&seg->remote);
	hk_seg_reset(seg);
	for (i = 0; i < seg->nr_pages; i++)
		seg->pages[i].constructed = 0;	/* fresh memory */
	if (s->kasan)
		hk_kasan_seg_init(s, seg);
	/* Publish: hk_seg_lookup() checks index against private. */
	hk_seg_mark(virt_to_page((void *)seg->base), seg->order, seg);
	atomic_long_inc(&s->nr_segments);
	atomic_long_add(1L << seg->order, &s->nr_seg_pages);
	hk_stat_atomic(s, HAKMEM_SEGMENT_ALLOC);
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
	h->page = NULL;
	INIT_LIST_HEAD(&h->avail);
	INIT_LIST_HEAD(&h->full);
	init_llist_head(&h->remote_segs);
	h->nr_pages = 0;
	h->nr_objs = 0;
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

/* The segment has no page in use: take it off the heap. */
static void hk_heap_release_seg(struct hakmem_cache *s, struct hk_heap *h,
				struct hk_cpu *c, struct hk_segment *seg)
{
	if (h->seg != seg)
		list_del_init(&seg->list);
	hk_heap_forget_seg(h, c, seg);
	hk_seg_reset(seg);
	hk_pool_put(s, seg);
}

/*
 * Light mode: the objects of a page that goes back to the free map are not
 * live any more, whatever their headers said; a late double free into the
 * page (or into its segment, once empty and pooled) must fail the header
 * check.  The next carve writes the headers again.
 */
static void hk_page_kill_headers(struct hakmem_cache *s, struct hk_segment *seg,
				 struct hk_page *page)
{
	char *obj = (char *)hk_page_addr(s, seg, page) + s->obj_off;
	u64 dead = hk_hdr_val(s->tag, HK_STATE_DEAD);
	unsigned int i;

	for (i = 0; i < page->carved; i++, obj += s->size)
		*(u64 *)hk_hdr(obj) = dead;
}

/*
 * Light mode: an object going onto a free list (its page's, or a remote
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

static void hk_page_release(struct hakmem_cache *s, struct hk_heap *h,
			    struct hk_cpu *c, struct hk_segment *seg,
			    struct hk_page *page)
{
	unsigned int idx = page - seg->pages;

	hk_stat_of(s, c, HAKMEM_PAGE_FREE);
	if (!s->full_mode)
		hk_page_kill_headers(s, seg, page);
	if (page->state == HK_PAGE_PARTIAL)
		__clear_bit(idx, &seg->partial_map);
	page->state = HK_PAGE_FREE;
	page->freelist = NULL;
	page->carved = 0;
	__set_bit(idx, &seg->free_map);
	seg->used--;
	h->nr_pages--;
	h->nr_objs -= seg->objs_per_page;
}

/*
 * Put one object back on its page; the caller owns the page's heap.  Keeps
 * the bitmaps, the segment lists and the empty-segment pool in step.
 * Return: false if the page had no object in use (reported double free).
 */
static bool hk_page_put(struct hakmem_cache *s, struct hk_heap *h,
			struct hk_cpu *c, struct hk_segment *seg, void *obj)
{
	struct hk_page *page = hk_page_of(s, seg, obj);

	if (unlikely(!page->inuse || page->state == HK_PAGE_FREE)) {
		hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, _RET_IP_,
			  "object freed to a page with no object in use (late double free)");
		return false;
	}
	hk_mark_listed(s, obj);
	hk_set_link(s, obj, page->freelist);
	page->freelist = obj;
	page->inuse--;

	if (page->state == HK_PAGE_ACTIVE)
		return true;
	if (!page->inuse) {
		hk_page_release(s, h, c, seg, page);
		if (!seg->used) {
			hk_heap_release_seg(s, h, c, seg);
			return true;
		}
	} else if (page->state == HK_PAGE_FULL) {
		page->state = HK_PAGE_PARTIAL;
		__set_bit(page - seg->pages, &seg->partial_map);
	}
	if (seg->full) {
		seg->full = false;
		list_move(&seg->list, &h->avail);
	}
	return true;
}

/* Take whole the objects other CPUs (or nested frees) gave back. */
static void hk_heap_collect(struct hakmem_cache *s, struct hk_heap *h,
			    struct hk_cpu *c)
{
	struct llist_node *segs = llist_del_all(&h->remote_segs);
	struct hk_segment *seg, *tmp;

	hk_assert_owner(s, h);
	llist_for_each_entry_safe(seg, tmp, segs, remote_node) {
		struct llist_node *obj = llist_del_all(&seg->remote);

		while (obj) {
			struct llist_node *next = obj->next;

			hk_page_put(s, h, c, seg, (char *)obj - s->link_off);
			obj = next;
		}
	}
}

/* Take the next page to allocate from; NULL if the heap needs a segment. */
static struct hk_page *hk_heap_next_page(struct hakmem_cache *s,
					 struct hk_heap *h, struct hk_cpu *c)
{
	struct hk_segment *seg;
	struct hk_page *page;
	unsigned int idx;

	if (llist_empty(&h->remote_segs) == false)
		hk_heap_collect(s, h, c);
	for (;;) {
		seg = h->seg;
		if (!seg) {
			seg = list_first_entry_or_null(&h->avail,
						       struct hk_segment, list);
			if (seg)
				list_del_init(&seg->list);
			else if (unlikely(!c && hk_node_heap_of(s, h)))
				seg = hk_pool_get_node(s, h->node);
			else
				seg = hk_pool_get(s);
			if (!seg)
				return NULL;
			/* Remote freers read it without a lock. */
			WRITE_ONCE(seg->heap, h);
			hk_heap_set_seg(h, c, seg);
		}
		if (seg->partial_map) {
			idx = __ffs(seg->partial_map);
			__clear_bit(idx, &seg->partial_map);
			page = &seg->pages[idx];
			break;
		}
		if (seg->free_map) {
			idx = __ffs(seg->free_map);
			__clear_bit(idx, &seg->free_map);
			page = &seg->pages[idx];
			seg->used++;
			h->nr_pages++;
			h->nr_objs += seg->objs_per_page;
			hk_stat_of(s, c, HAKMEM_PAGE_ALLOC);
			break;
		}
		seg->full = true;
		list_add(&seg->list, &h->full);
		hk_heap_set_seg(h, c, NULL);
	}
	page->state = HK_PAGE_ACTIVE;
	h->page = page;
	return page;
}

/*
 * Carve up to @n fresh slots of @page into @p: write each header (one
 * store), and for caches that have them run the debug setup and the
 * constructor.  Return: how many.
 */
static unsigned int hk_carve(struct hakmem_cache *s, struct hk_segment *seg,
			     struct hk_page *page, void **p, unsigned int n)
{
	unsigned int i, nr = min(n, seg->objs_per_page - page->carved);
	char *obj = (char *)hk_page_addr(s, seg, page) +
		    page->carved * s->size + s->obj_off;
	u64 hdr = s->full_mode ? s->hdr_free : s->hdr_light;

	for (i = 0; i < nr; i++, obj += s->size) {
		*(u64 *)hk_hdr(obj) = hdr;
		/* A page carved again may hold its last use's link words. */
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
			if (s->ctor && page->carved + i >= page->constructed) {
				if (s->kasan)
					hk_kasan_unpoison(p[i], s->object_size);
				s->ctor(p[i]);
				if (s->kasan)
					hk_tools_free_poison(s, p[i]);
			}
		}
	}
	page->carved += nr;
	page->constructed = max(page->constructed, page->carved);
	return nr;
}

/*
 * Fill @p with up to @n objects from the heap's pages, without new segments.
 * Return: how many.
 */
static unsigned int hk_heap_fill(struct hakmem_cache *s, struct hk_heap *h,
				 struct hk_cpu *c, void **p, unsigned int n)
{
	unsigned int got = 0, carved = 0;
	struct hk_page *page;

	hk_assert_owner(s, h);
	while (got < n) {
		page = h->page;
		if (!page) {
			page = hk_heap_next_page(s, h, c);
			if (!page)
				break;
		}
		while (got < n && page->freelist) {
			void *obj = page->freelist;

			page->freelist = hk_get_link(s, obj);
			/*
			 * init_on_free zeroed the object before the link went
			 * in: take it out, as SLUB's maybe_wipe_obj_freeptr().
			 */
			if (s->wipe_link)
				hk_set_link(s, obj, NULL);
			if (!s->full_mode)
				*(u64 *)hk_hdr(obj) = s->hdr_light;
			page->inuse++;
			p[got++] = obj;
		}
		if (got < n && page->carved < h->seg->objs_per_page) {
			unsigned int k = hk_carve(s, h->seg, page, p + got,
						  n - got);

			page->inuse += k;
			got += k;
			carved += k;
		}
		if (!page->freelist && page->carved == h->seg->objs_per_page) {
			page->state = HK_PAGE_FULL;
			h->page = NULL;
		}
	}
	if (carved) {
		if (c)
			hk_stat_add(c, HAKMEM_CARVE, carved);
		else
			atomic_long_add(carved, &s->atomic_stat[HAKMEM_CARVE]);
	}
	return got;
}

/* Give up the current page and segment, so that empty ones can go. */
static void hk_heap_drain(struct hakmem_cache *s, struct hk_heap *h,
			  struct hk_cpu *c)
{
	struct hk_segment *seg, *tmp;
	struct hk_page *page;

	/* Collecting may release the current segment: look at it after. */
	hk_heap_collect(s, h, c);
	page = h->page;
	seg = h->seg;
	if (page) {
		h->page = NULL;
		if (!page->inuse) {
			hk_page_release(s, h, c, seg, page);
		} else {
			page->state = HK_PAGE_PARTIAL;
			__set_bit(page - seg->pages, &seg->partial_map);
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

/* Put an object back: to its page if the heap owns it, else remotely. */
static void hk_return_obj(struct hakmem_cache *s, struct hk_heap *h,
			  struct hk_cpu *c, void *obj)
{
	struct hk_segment *seg = c ? hk_seg_known(s, c, obj) : NULL;
	struct hk_heap *owner;

	if (!seg)
		seg = hk_seg_of_trusted(obj);
	owner = READ_ONCE(seg->heap);
	if (owner == h) {
		hk_page_put(s, h, c, seg, obj);
	} else if (unlikely(!owner)) {
		/* Only a double free can reach an empty, pooled segment. */
		hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, _RET_IP_,
			  "object freed to an empty segment (late double free)");
	} else {
		hk_remote_free(s, seg, obj);
		hk_stat_of(s, c, HAKMEM_FREE_REMOTE);
	}
}

/* === Internals: per-CPU stack ============================================= */

/* Move the oldest objects of the stack back to their pages, keeping @keep. */
static void hk_cpu_flush(struct hakmem_cache *s, struct hk_cpu *c,
			 unsigned int keep)
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
	/* ... and at every flush, so that their pages can empty. */
	if (!llist_empty(&c->heap.remote_segs))
		hk_heap_collect(s, &c->heap, c);
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
	return got;
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
 * Allocate from the depot: for an interrupt that found this CPU's state
 * busy, and for caches without a per-CPU stack.  IRQ-safe.
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
		hk_stat_atomic(s, HAKMEM_ALLOC_LOCKED);
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
 */
#if IS_ENABLED(CONFIG_PREEMPT_RCU) && !IS_ENABLED(CONFIG_LOCKDEP) && \
	!IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP)
static __always_inline bool hk_might_alloc_due(gfp_t gfp)
{
	return gfpflags_allow_blocking(gfp) && should_resched(0);
}
#else
static __always_inline bool hk_might_alloc_due(gfp_t gfp)
{
	might_alloc(gfp);
	return false;
}
#endif

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
 * hk_alloc - the fast path: pop the per-CPU stack.  A preempt-count bump,
 * the guard, the pop and a counter; anything more is a tail call.
 */
static __always_inline void *hk_alloc(struct hakmem_cache *s, gfp_t gfp,
				      unsigned long caller)
{
	unsigned int n, work;
	struct hk_cpu *c;
	void *obj;

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

/* Push a checked object on this CPU's stack, flushing it if full. */
static void hk_cpu_push(struct hakmem_cache *s, struct hk_cpu *c, void *obj)
{
	if (unlikely(c->count >= s->stack_max)) {
		if (!s->stack_max) {
			hk_return_obj(s, &c->heap, c, obj);
			return;
		}
		hk_cpu_flush(s, c, s->stack_max / 2);
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

/*
 * A segment lies inside one block of the largest segment size (it is
 * aligned to its own, smaller or equal, size): hash by that block.
 */
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
static struct hk_segment *hk_prove_guarded(struct hakmem_cache *s,
					   struct hk_cpu *c, void *obj,
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
 * __hk_free - the slow path: the object is not in this CPU's current
 * segment, or the stack is full, or the header did not check out, or the
 * free has more to do than a push (debug, init_on_free), or this CPU's state
 * is busy (a nested free).  Proves the pointer before touching it.  @s is
 * NULL for hakmem_kfree().  Out of line, so that hk_free() stays a leaf.
 */
static noinline void __hk_free(struct hakmem_cache *s, void *obj,
			       unsigned long caller)
{
	bool by_cache = s;	/* remember the proof in last_* */
	struct hk_segment *seg;
	struct hk_cpu *c;
	long gen = 0, gen_all = 0;

	preempt_disable();
	/*
	 * The current segment, or the one this CPU proved last if none was
	 * freed since (a freed segment's memory also outlives the grace period
	 * we are inside of).  last_* are read and written only under the guard.
	 */
	if (s) {
		c = this_cpu_ptr(s->cpu);
		if (likely(!c->busy)) {
			hk_cpu_enter(c);
			seg = hk_seg_known(s, c, obj);
			if (seg && hk_hdr_valid(s, obj))
				goto push;
			hk_cpu_exit(c);
		}
		gen = atomic_long_read(&s->seg_gen);
	} else {
		/* kfree(): a segment this CPU proved, if none was freed since. */
		seg = hk_kfree_hint(obj);
		if (seg && hk_hdr_valid(seg->cache, obj))
			goto proved;
		gen_all = atomic_long_read(&hk_seg_gen_all);
	}
	/* The generations before the lookup: pairs with hk_seg_free(). */
	smp_rmb();
	seg = hk_free_check(s, obj, caller);
	if (unlikely(!seg))
		goto out;
	if (!by_cache)
		hk_kfree_hint_set(seg, gen_all);
proved:
	s = seg->cache;
	c = this_cpu_ptr(s->cpu);
	if (unlikely(c->busy)) {
		/* Nested in an interrupted hakmem call on this CPU. */
		hk_pre_free(s, obj, caller);
		hk_remote_free(s, seg, obj);
		hk_stat_atomic(s, HAKMEM_FREE_SLOW);
		hk_stat_atomic(s, HAKMEM_FREE_REMOTE);
		goto out;
	}
	hk_cpu_enter(c);
	if (by_cache)
		hk_cpu_set_last(c, seg, gen);
push:
	if (unlikely(c->count && c->stack[c->count - 1] == obj)) {
		hk_cpu_exit(c);
		hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, caller, "double free");
		goto out;
	}
	hk_pre_free(s, obj, caller);
	/*
	 * An object of one of this heap's older segments goes straight home
	 * once the stack is half full: a flush would only take it there later.
	 */
	if (seg != c->heap.seg && READ_ONCE(seg->heap) == &c->heap &&
	    c->count >= s->stack_max / 2) {
		/* A late double free is reported there and not counted. */
		if (hk_page_put(s, &c->heap, c, seg, obj))
			hk_stat(c, HAKMEM_FREE_SLOW);
	} else {
		hk_cpu_push(s, c, obj);
		hk_stat(c, HAKMEM_FREE_SLOW);
	}
	hk_cpu_exit(c);
out:
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

/* === Internals: validation ================================================ */

struct hk_validate {
	raw_spinlock_t lock;	/* the CPUs' passes share map and errors */
	unsigned long *map;	/* one bit a slot of the page being checked */
	int errors;
	int counted;		/* of them, reported in a KUnit test's task */
};

/*
 * One problem found.  The per-CPU passes run in workers, which KUnit's
 * resource lookup cannot see: hakmem_cache_validate() counts the rest for
 * the caller.
 */
static void hk_validate_error(struct hk_validate *v)
{
	v->errors++;
#if IS_ENABLED(CONFIG_KUNIT)
	if (current->kunit_test)
		v->counted++;
#endif
}

static void hk_bad(struct hakmem_cache *s, struct hk_validate *v,
		   struct hk_segment *seg, struct hk_page *page, const char *what)
{
	hk_validate_error(v);
	hk_add_kunit_error();
	pr_err("BUG hakmem_slab %s: validate: segment %lx page %td: %s\n",
	       s->name, seg->base, page ? page - seg->pages : -1, what);
}

/*
 * Red zone and poison of a free object of a debug cache, on its page's free
 * list: the validating owner owns it, and repairs what it reports.
 */
static void hk_validate_free(struct hakmem_cache *s, struct hk_validate *v,
			     void *obj)
{
	u8 *bad;

	if (s->red_size) {
		bad = hk_find_bad(hk_redzone(s, obj), s->red_size,
				  SLUB_RED_INACTIVE);
		if (bad) {
			hk_report_damage(s, HAKMEM_ERR_REDZONE, obj, bad,
					 SLUB_RED_INACTIVE, _RET_IP_,
					 "validate: red zone overwritten");
			memset(hk_redzone(s, obj), SLUB_RED_INACTIVE,
			       s->red_size);
			hk_validate_error(v);
		}
	}
	if (s->poison &&
	    (hk_find_bad(obj, s->object_size - 1, POISON_FREE) ||
	     ((u8 *)obj)[s->object_size - 1] != POISON_END)) {
		hk_check_poison(s, obj, _RET_IP_);
		hk_validate_error(v);
	}
}

/*
 * The red zone of an object that is not on its page's free list: in use, or
 * being freed by another CPU or an interrupt, or on a remote list.  Only an
 * object whose header says "allocated" before and after the red zone was
 * read is checked (hk_debug_free() writes the header first); it is reported
 * and not repaired, since its user owns it.
 */
static void hk_validate_live(struct hakmem_cache *s, struct hk_validate *v,
			     void *obj)
{
	u64 *hdr = (u64 *)hk_hdr(obj);
	u8 *bad;

	if (!s->red_size || READ_ONCE(*hdr) != s->hdr_alloc)
		return;
	/* The header, then the red zone, then the header again: pairs with
	 * the smp_wmb() of hk_debug_free() between its header and red zone.
	 */
	smp_rmb();
	bad = hk_find_bad(hk_redzone(s, obj), s->red_size, SLUB_RED_ACTIVE);
	smp_rmb();	/* as above */
	if (!bad || READ_ONCE(*hdr) != s->hdr_alloc)
		return;
	hk_report_damage(s, HAKMEM_ERR_REDZONE, obj, bad, SLUB_RED_ACTIVE,
			 _RET_IP_, "validate: red zone overwritten");
	hk_validate_error(v);
}

static void hk_validate_page(struct hakmem_cache *s, struct hk_validate *v,
			     struct hk_segment *seg, struct hk_page *page)
{
	unsigned long start = hk_page_addr(s, seg, page) + s->obj_off;
	unsigned int nfree = 0, i;
	void *obj;

	if (page->carved > seg->objs_per_page) {
		hk_bad(s, v, seg, page, "more objects carved than fit");
		return;
	}
	bitmap_zero(v->map, s->objs_per_page);
	for (obj = page->freelist; obj; obj = hk_get_link(s, obj)) {
		unsigned long off = (unsigned long)obj - start;

		if ((unsigned long)obj < start || off % s->size ||
		    off / s->size >= page->carved) {
			hk_bad(s, v, seg, page, "free list points outside the page");
			return;
		}
		if (__test_and_set_bit(off / s->size, v->map)) {
			hk_bad(s, v, seg, page, "free list has a loop");
			return;
		}
		nfree++;
	}
	if (nfree + page->inuse != page->carved)
		hk_bad(s, v, seg, page, "free + in use != carved");
	for (i = 0; i < page->carved; i++) {
		struct hk_hdr h, *hp = hk_hdr((void *)(start + i * s->size));
		u64 raw = READ_ONCE(*(u64 *)hp);

		memcpy(&h, &raw, sizeof(h));
		/* Light mode: "free" on a free list or (in flight) a remote one. */
		if (h.tag != s->tag ||
		    (h.state != HK_STATE_FREE &&
		     h.state != (s->full_mode ? HK_STATE_ALLOC : HK_STATE_LIGHT))) {
			hk_bad(s, v, seg, page, "object header overwritten");
			return;
		}
		if (test_bit(i, v->map) && h.state != HK_STATE_FREE)
			hk_bad(s, v, seg, page, "free object marked allocated");
		if (!s->debug)
			continue;
		if (test_bit(i, v->map))
			hk_validate_free(s, v, hp + 1);
		else
			hk_validate_live(s, v, hp + 1);
	}
}

static void hk_validate_seg(struct hakmem_cache *s, struct hk_validate *v,
			    struct hk_heap *h, struct hk_segment *seg)
{
	unsigned int i, used = 0;

	if (seg->heap != h || seg->cache != s)
		hk_bad(s, v, seg, NULL, "segment has the wrong owner");
	for (i = 0; i < seg->nr_pages; i++) {
		struct hk_page *page = &seg->pages[i];
		bool is_free = test_bit(i, &seg->free_map);
		bool partial = test_bit(i, &seg->partial_map);

		if (is_free != hk_page_is(page, HK_PAGE_FREE) ||
		    partial != hk_page_is(page, HK_PAGE_PARTIAL)) {
			hk_bad(s, v, seg, page, "bitmaps disagree with the page");
			continue;
		}
		if (page->state == HK_PAGE_FREE) {
			if (page->inuse || page->carved)
				hk_bad(s, v, seg, page, "free page has objects");
			continue;
		}
		used++;
		hk_validate_page(s, v, seg, page);
	}
	if (used != seg->used)
		hk_bad(s, v, seg, NULL, "count of used pages is wrong");
}

static void hk_validate_heap(struct hakmem_cache *s, struct hk_heap *h,
			     struct hk_validate *v)
{
	struct hk_segment *seg;

	if (h->seg)
		hk_validate_seg(s, v, h, h->seg);
	list_for_each_entry(seg, &h->avail, list)
		hk_validate_seg(s, v, h, seg);
	list_for_each_entry(seg, &h->full, list) {
		if (!seg->full)
			hk_bad(s, v, seg, NULL, "full-list segment not full");
		hk_validate_seg(s, v, h, seg);
	}
}

static void hk_cpu_validate(struct hakmem_cache *s, struct hk_cpu *c,
			    struct hk_validate *v)
{
	unsigned long flags;

	hk_cpu_flush(s, c, 0);
	hk_heap_collect(s, &c->heap, c);
	/* irqsave: the depot's pass takes it under the IRQ-safe depot lock. */
	raw_spin_lock_irqsave(&v->lock, flags);
	hk_validate_heap(s, &c->heap, v);
	raw_spin_unlock_irqrestore(&v->lock, flags);
}

/* === Internals: work on every CPU ========================================= */

/* What hk_on_each_cpu() does on each CPU. */
enum hk_cpu_op {
	HK_OP_FLUSH,		/* empty the stack */
	HK_OP_DRAIN,		/* empty the stack, collect, drain the heap */
	HK_OP_VALIDATE,		/* collect and check; arg is a hk_validate */
};

static void hk_cpu_flush_all(struct hakmem_cache *s, struct hk_cpu *c)
{
	hk_cpu_flush(s, c, 0);
}

static void hk_cpu_drain(struct hakmem_cache *s, struct hk_cpu *c)
{
	hk_cpu_flush(s, c, 0);
	hk_heap_drain(s, &c->heap, c);
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
static void hk_on_each_cpu(struct hakmem_cache *s, enum hk_cpu_op op,
			   void *arg)
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
 * The smallest page order that holds at least HK_MIN_OBJS_PER_PAGE objects
 * and wastes at most 1/32 of the page, else 1/16, else 1/8 (as SLUB's
 * calculate_order() relaxes its fraction); never so small that a segment has
 * more pages than its bitmaps have bits.
 */
static unsigned int hk_calculate_page_order(unsigned int stride,
					    unsigned int align_order)
{
	unsigned int min_order = hk_seg_order - ilog2(HK_MAX_PAGES_PER_SEG);
	unsigned int order, fraction;

	if (hk_seg_order < ilog2(HK_MAX_PAGES_PER_SEG))
		min_order = 0;
	min_order = max(min_order, align_order);
	for (fraction = 32; fraction >= 8; fraction /= 2) {
		for (order = min_order; order < hk_seg_order; order++) {
			unsigned long bytes = PAGE_SIZE << order;
			unsigned long n = bytes / stride;

			if (n >= HK_MIN_OBJS_PER_PAGE &&
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
	s->page_order = hk_calculate_page_order(s->size, align_order);
	s->page_shift = PAGE_SHIFT + s->page_order;
	s->objs_per_page = (PAGE_SIZE << s->page_order) / s->size;
	/* Fallback segments hold one object at least, every one aligned. */
	s->min_order = max_t(unsigned int, get_order(s->size), align_order);
	s->first_order = max(s->page_order, s->min_order);
	if (!s->objs_per_page || s->objs_per_page > USHRT_MAX ||
	    s->page_order > hk_seg_order || s->min_order > hk_seg_order)
		return -EINVAL;
	return 0;
}

static unsigned int hk_stack_max(unsigned int size)
{
	if (size <= 256)
		return HK_STACK_MAX;
	if (size <= 1024)
		return HK_STACK_MAX / 2;
	if (size <= 4096)
		return HK_STACK_MAX / 4;
	return HK_STACK_MAX / 8;
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

static void hk_debugfs_add(struct hakmem_cache *s);

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
	s = kzalloc(sizeof(*s), GFP_KERNEL);
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
	if (hk_cache_layout(s, size, align)) {
		why = "object does not fit a segment";
		goto fail_free;
	}
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
	s->init_alloc = want_init_on_alloc(0) && !ctor &&
			!(s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON));
	s->init_free = want_init_on_free() && !ctor &&
		       !(s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON));
	hk_test_init_override(s);
	/* The link word is in the object only when link_off is 0. */
	s->wipe_link = s->init_free && !s->init_alloc && !s->link_off;
	/* As SLUB: __GFP_ZERO does not zero the objects of a ctor cache. */
	s->gfp_zero = ctor ? 0 : (__force unsigned int)__GFP_ZERO;
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
	spin_lock_init(&s->depot_lock);
	hk_heap_init(s, &s->depot, numa_mem_id());
	raw_spin_lock_init(&s->pool_lock);
	INIT_LIST_HEAD(&s->pool);
	if (hk_node_heaps_init(s)) {
		why = "out of memory";
		goto fail_free;
	}
	s->cpu = alloc_percpu(struct hk_cpu);
	if (!s->cpu) {
		why = "out of memory";
		goto fail_free;
	}
	for_each_possible_cpu(cpu)
		hk_heap_init(s, &per_cpu_ptr(s->cpu, cpu)->heap,
			     cpu_to_mem(cpu));

	mutex_lock(&hk_caches_mutex);
	list_add_tail(&s->list, &hk_caches);
	hk_debugfs_add(s);
	mutex_unlock(&hk_caches_mutex);
	return s;

fail_free:
	kfree(s->node_heaps);
	kfree_const(s->name);
	kfree(s);
fail_msg:
	pr_err("cannot create cache %s: %s\n", name, why);
fail:
	if (flags & SLAB_PANIC)
		panic("hakmem_slab: cannot create cache %s: %s\n",
		      name ?: "(null)", why);
	return NULL;
}

/* Is @obj on its page's free list? */
static bool hk_on_freelist(struct hakmem_cache *s, struct hk_page *page,
			   void *obj)
{
	void *f;

	for (f = page->freelist; f; f = hk_get_link(s, f))
		if (f == obj)
			return true;
	return false;
}

/* Show up to *@budget objects of a page that are still in use. */
static void hk_report_page_leaks(struct hakmem_cache *s, struct hk_segment *seg,
				 struct hk_page *page, int *budget)
{
	unsigned long start = hk_page_addr(s, seg, page) + s->obj_off;
	unsigned int i;

	for (i = 0; i < page->carved && *budget > 0; i++) {
		void *obj = (void *)(start + i * s->size);

		if (hk_on_freelist(s, page, obj))
			continue;
		pr_err("BUG hakmem_slab %s: object 0x%p still in use at destroy\n",
		       s->name, obj);
		(*budget)--;
	}
}

/* Count (and show the first few of) the objects a heap still has in use. */
static unsigned long hk_report_leaks_heap(struct hakmem_cache *s,
					  struct hk_heap *h, int *budget)
{
	struct list_head *lists[] = { &h->avail, &h->full };
	struct hk_segment *seg;
	unsigned long n = 0;
	unsigned int l, i;

	for (l = 0; l < ARRAY_SIZE(lists); l++) {
		list_for_each_entry(seg, lists[l], list) {
			for (i = 0; i < seg->nr_pages; i++) {
				struct hk_page *page = &seg->pages[i];

				n += page->inuse;
				if (page->inuse)
					hk_report_page_leaks(s, seg, page, budget);
			}
		}
	}
	return n;
}

/* === debugfs interface ==================================================== */

static u64 hk_stat_raw(struct hakmem_cache *s, enum hakmem_stat_item item)
{
	u64 sum = atomic_long_read(&s->atomic_stat[item]);
	unsigned int cpu;

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

/* Objects the pages taken from segments hold (pages differ in size). */
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

static int hk_slabinfo_show(struct seq_file *m, void *v)
{
	struct hakmem_cache_info info;
	struct hakmem_cache *s;

	seq_puts(m, "# name objsize stride inuse total pages segments header flags\n");
	mutex_lock(&hk_caches_mutex);
	list_for_each_entry(s, &hk_caches, list) {
		hakmem_cache_get_info(s, &info);
		seq_printf(m, "%s %u %u %lu %lu %lu %lu %s %#lx\n", s->name,
			   info.object_size, info.size, info.objects_inuse,
			   info.objects_total, info.pages, info.segments,
			   info.header_mode == HAKMEM_HEADER_FULL ? "full" : "light",
			   (__force unsigned long)info.flags);
	}
	mutex_unlock(&hk_caches_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hk_slabinfo);

static int hk_stats_show(struct seq_file *m, void *v)
{
	struct hakmem_cache *s = m->private;
	unsigned int cpu, i;

	for (i = 0; i < HAKMEM_NR_STATS; i++) {
		seq_printf(m, "%s %llu", hakmem_stat_names[i],
			   hakmem_cache_stat(s, i));
		for_each_online_cpu(cpu)
			seq_printf(m, " C%u=%llu", cpu,
				   READ_ONCE(per_cpu_ptr(s->cpu, cpu)->stat[i]));
		seq_putc(m, '\n');
	}
	return 0;
}

static int hk_stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, hk_stats_show, inode->i_private);
}

/* Writing 0 clears: the current totals become the new zero. */
static ssize_t hk_stats_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct hakmem_cache *s = file_inode(file)->i_private;
	unsigned int i, val;
	int err;

	err = kstrtouint_from_user(buf, count, 0, &val);
	if (err)
		return err;
	if (val)
		return -EINVAL;
	for (i = 0; i < HAKMEM_NR_STATS; i++)
		WRITE_ONCE(s->stat_base[i], hk_stat_raw(s, i));
	return count;
}

static const struct file_operations hk_stats_fops = {
	.owner = THIS_MODULE,
	.open = hk_stats_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = hk_stats_write,
	.release = single_release,
};

static ssize_t hk_action_write(struct file *file, const char __user *buf,
			       size_t count, int (*action)(struct hakmem_cache *))
{
	struct hakmem_cache *s = file_inode(file)->i_private;
	unsigned int val;
	int err;

	err = kstrtouint_from_user(buf, count, 0, &val);
	if (err)
		return err;
	if (val != 1)
		return -EINVAL;
	action(s);
	return count;
}

static ssize_t hk_validate_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	return hk_action_write(file, buf, count, hakmem_cache_validate);
}

static ssize_t hk_shrink_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	return hk_action_write(file, buf, count, hakmem_cache_shrink);
}

static const struct file_operations hk_validate_fops = {
	.owner = THIS_MODULE,
	.write = hk_validate_write,
	.llseek = noop_llseek,
};

static const struct file_operations hk_shrink_fops = {
	.owner = THIS_MODULE,
	.write = hk_shrink_write,
	.llseek = noop_llseek,
};

static void hk_debugfs_add(struct hakmem_cache *s)
{
	lockdep_assert_held(&hk_caches_mutex);
	if (IS_ERR_OR_NULL(hk_debugfs_root))
		return;
	s->debugfs = debugfs_create_dir(s->name, hk_debugfs_root);
	debugfs_create_file("stats", 0600, s->debugfs, s, &hk_stats_fops);
	debugfs_create_file("validate", 0200, s->debugfs, s, &hk_validate_fops);
	debugfs_create_file("shrink", 0200, s->debugfs, s, &hk_shrink_fops);
}

/* === Memory pressure and CPU hotplug ====================================== */

static unsigned long hk_shrink_count(struct shrinker *shrink,
				     struct shrink_control *sc)
{
	unsigned long n = max(atomic_long_read(&hk_pooled_pages), 0L);

	return n ?: SHRINK_EMPTY;
}

/* Under memory pressure, give the pools of empty segments back. */
static unsigned long hk_shrink_scan(struct shrinker *shrink,
				    struct shrink_control *sc)
{
	struct hakmem_cache *s;
	unsigned long freed = 0;

	if (!mutex_trylock(&hk_caches_mutex))
		return SHRINK_STOP;
	list_for_each_entry(s, &hk_caches, list) {
		struct hk_segment *seg;

		while (freed < sc->nr_to_scan && (seg = hk_pool_get(s))) {
			freed += 1UL << seg->order;
			hk_seg_free(s, seg);
		}
	}
	mutex_unlock(&hk_caches_mutex);
	return freed;
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
 * page and segment are given up, empty segments go to the pool or back to
 * the page allocator.  The next allocation refills, once.
 */
static void hk_reclaim_cache(struct hakmem_cache *s)
{
	struct hk_cpu *c;
	u64 ops;

	preempt_disable();
	c = this_cpu_ptr(s->cpu);
	hk_cpu_enter(c);
	ops = hk_cpu_ops(c);
	if (ops == c->idle_ops &&
	    (c->count || c->heap.seg || !llist_empty(&c->heap.remote_segs)))
		hk_cpu_drain(s, c);
	c->idle_ops = ops;
	hk_cpu_exit(c);
	preempt_enable();
}

/* One pass over every cache, on this CPU; process context. */
static void hk_reclaim_pass(void)
{
	struct hakmem_cache *s;

	mutex_lock(&hk_caches_mutex);
	list_for_each_entry(s, &hk_caches, list) {
		hk_reclaim_cache(s);
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

	hk_reclaim_pass();
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
/* One idle-reclaim pass on this CPU, as its work makes one. */
void hakmem_test_reclaim_self(void)
{
	hk_reclaim_pass();
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

unsigned long hakmem_test_shrinker_scan(unsigned long nr)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nr_to_scan = nr };

	return hk_shrink_scan(hk_shrinker, &sc);
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

void hakmem_test_errors_begin(struct kunit *test)
{
	atomic_set(&hk_kunit_errors, 0);
	WRITE_ONCE(hk_kunit_test, test);
}
EXPORT_SYMBOL_GPL(hakmem_test_errors_begin);

int hakmem_test_errors_take(void)
{
	return atomic_xchg(&hk_kunit_errors, 0);
}
EXPORT_SYMBOL_GPL(hakmem_test_errors_take);

void hakmem_test_errors_end(void)
{
	WRITE_ONCE(hk_kunit_test, NULL);
}
EXPORT_SYMBOL_GPL(hakmem_test_errors_end);

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
	kfree(s->node_heaps);
	kfree_const(s->name);
	kfree(s);
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
	hk_stat_atomic(s, HAKMEM_ALLOC_LOCKED);
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

int hakmem_cache_alloc_bulk(struct hakmem_cache *s, gfp_t gfp, size_t nr,
			    void **p)
{
	unsigned int fast = 0, n;
	struct hk_cpu *c;
	size_t i;

	might_alloc(gfp);
	/* One guarded section: the stack, then the heap's pages directly. */
	preempt_disable();
	c = this_cpu_ptr(s->cpu);
	if (likely(!c->busy && nr)) {
		hk_cpu_enter(c);
		n = min_t(size_t, c->count, nr);
		c->count -= n;
		memcpy(p, c->stack + c->count, n * sizeof(void *));
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
		hk_post_alloc(s, p[i], gfp, _RET_IP_);
	/* The rest may need new segments. */
	for (i = fast; i < nr; i++) {
		p[i] = hk_alloc(s, gfp, _RET_IP_);
		if (unlikely(!p[i])) {
			hakmem_cache_free_bulk(s, i, p);
			return 0;
		}
	}
	return nr;
}
EXPORT_SYMBOL_GPL(hakmem_cache_alloc_bulk);

void hakmem_cache_free_bulk(struct hakmem_cache *s, size_t nr, void **p)
{
	unsigned long caller = _RET_IP_;
	unsigned int freed = 0;
	struct hk_cpu *c;
	size_t i;

	preempt_disable();
	c = this_cpu_ptr(s->cpu);
	if (unlikely(c->busy)) {
		for (i = 0; i < nr; i++)
			if (!ZERO_OR_NULL_PTR(p[i]))
				__hk_free(s, p[i], caller);
		goto out;
	}
	hk_cpu_enter(c);
	for (i = 0; i < nr; i++) {
		void *obj = p[i];

		if (unlikely(ZERO_OR_NULL_PTR(obj)))
			continue;
		if (unlikely(!hk_prove_guarded(s, c, obj, caller)))
			continue;
		if (unlikely(c->count && c->stack[c->count - 1] == obj)) {
			hk_report(s, HAKMEM_ERR_DOUBLE_FREE, obj, caller,
				  "double free");
			continue;
		}
		hk_pre_free(s, obj, caller);
		hk_cpu_push(s, c, obj);
		freed++;
	}
	hk_stat_add(c, HAKMEM_FREE_FAST, freed);
	hk_cpu_exit(c);
out:
	preempt_enable();
}
EXPORT_SYMBOL_GPL(hakmem_cache_free_bulk);

int hakmem_cache_shrink(struct hakmem_cache *s)
{
	hk_drain_all(s);
	hk_pool_drain(s);
	hk_stat_atomic(s, HAKMEM_SHRINK);
	return 0;
}
EXPORT_SYMBOL_GPL(hakmem_cache_shrink);

unsigned int hakmem_cache_size(struct hakmem_cache *s)
{
	return s->object_size;
}
EXPORT_SYMBOL_GPL(hakmem_cache_size);

u64 hakmem_cache_stat(struct hakmem_cache *s, enum hakmem_stat_item item)
{
	if (WARN_ON_ONCE(item >= HAKMEM_NR_STATS))
		return 0;
	return hk_stat_raw(s, item) - READ_ONCE(s->stat_base[item]);
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
	info->page_order = s->page_order;
	info->segment_order = hk_seg_order;
	info->header_mode = s->header_mode;
	info->flags = s->flags;
	info->useroffset = s->useroffset;
	info->usersize = s->usersize;
}
EXPORT_SYMBOL_GPL(hakmem_cache_get_info);

int hakmem_cache_validate(struct hakmem_cache *s)
{
	struct hk_validate v = { };
	unsigned long flags;
	int node;

	raw_spin_lock_init(&v.lock);
	v.map = bitmap_zalloc(s->objs_per_page, GFP_KERNEL);
	if (!v.map)
		return -ENOMEM;
	hk_on_each_cpu(s, HK_OP_FLUSH, NULL);
	hk_on_each_cpu(s, HK_OP_VALIDATE, &v);
	spin_lock_irqsave(&s->depot_lock, flags);
	hk_heap_collect(s, &s->depot, NULL);
	raw_spin_lock(&v.lock);
	hk_validate_heap(s, &s->depot, &v);
	raw_spin_unlock(&v.lock);
	spin_unlock_irqrestore(&s->depot_lock, flags);
	for (node = 0; s->node_heaps && node < nr_node_ids; node++) {
		struct hk_node_heap *n = &s->node_heaps[node];

		spin_lock_irqsave(&n->lock, flags);
		hk_heap_collect(s, &n->heap, NULL);
		raw_spin_lock(&v.lock);
		hk_validate_heap(s, &n->heap, &v);
		raw_spin_unlock(&v.lock);
		spin_unlock_irqrestore(&n->lock, flags);
	}
	bitmap_free(v.map);
	while (v.counted++ < v.errors)
		hk_add_kunit_error();
	return v.errors;
}
EXPORT_SYMBOL_GPL(hakmem_cache_validate);

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
	struct hk_page *page;
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
	page = hk_page_of(s, seg, ptr);
	off = (unsigned long)ptr - hk_page_addr(s, seg, page);
	obj = (char *)ptr - (off % s->size) + s->obj_off;
	if (off % s->size < s->obj_off || off / s->size >= seg->objs_per_page) {
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

bool hakmem_obj_find(const void *ptr, struct hakmem_obj *obj)
{
	struct hakmem_cache *s;
	struct hk_segment *seg;
	unsigned long page, off, idx;

	seg = hk_seg_lookup(ptr);
	if (!seg)
		return false;
	s = seg->cache;
	page = hk_page_addr(s, seg, hk_page_of(s, seg, ptr));
	off = (unsigned long)ptr - page;
	if (off < s->obj_off)
		return false;
	off -= s->obj_off;
	idx = off / s->size;
	if (idx >= seg->objs_per_page)
		return false;
	obj->cache = s;
	obj->name = s->name;
	obj->start = (void *)(page + s->obj_off + idx * s->size);
	obj->offset = off - idx * s->size;
	obj->object_size = s->object_size;
	obj->useroffset = s->useroffset;
	obj->usersize = s->usersize;
	return true;
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
	hk_debugfs_root = debugfs_create_dir("hakmem_slab", NULL);
	debugfs_create_file("slabinfo", 0444, hk_debugfs_root, NULL,
			    &hk_slabinfo_fops);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	fault_create_debugfs_attr("fail_segment", hk_debugfs_root,
				  &hakmem_fail_segment);
#endif
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "hakmem_slab:dead",
					NULL, hk_cpu_dead);
	if (ret < 0)
		goto fail_debugfs;
	hk_cpuhp_state = ret;
	hk_shrinker = hk_shrinker_create("hakmem_slab", hk_shrink_count,
					 hk_shrink_scan);
	if (!hk_shrinker) {
		ret = -ENOMEM;
		goto fail_cpuhp;
	}
	ret = hk_kmalloc_init();
	if (ret)
		goto fail_shrinker;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "hakmem_slab:online",
				hk_cpu_online, hk_cpu_offline);
	if (ret < 0)
		goto fail_kmalloc;
	hk_cpuhp_online_state = ret;
	pr_info("segments of %lu KiB, header mode %s, init_on_alloc %d, init_on_free %d\n",
		(PAGE_SIZE << hk_seg_order) / 1024,
		hk_header_mode == HAKMEM_HEADER_FULL ? "full" : "light",
		want_init_on_alloc(0), want_init_on_free());
	return 0;

fail_kmalloc:
	hk_kmalloc_destroy();
fail_shrinker:
	hk_shrinker_destroy(hk_shrinker);
fail_cpuhp:
	cpuhp_remove_state_nocalls(hk_cpuhp_state);
fail_debugfs:
	debugfs_remove_recursive(hk_debugfs_root);
	return ret;
}

static void __exit hakmem_slab_exit(void)
{
	struct hakmem_cache *s;

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
	mutex_unlock(&hk_caches_mutex);
	hk_shrinker_destroy(hk_shrinker);
	cpuhp_remove_state_nocalls(hk_cpuhp_state);
	debugfs_remove_recursive(hk_debugfs_root);
	rcu_barrier();
}

module_init(hakmem_slab_init);
module_exit(hakmem_slab_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hakmem_slab: a per-CPU segment slab cache");
