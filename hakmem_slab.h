/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hakmem_slab: a per-CPU segment slab cache for Linux.
 *
 * The object-cache calls take the same arguments and follow the same rules
 * as the kernel's kmem_cache_*() and kmalloc() calls, so a user can switch
 * by renaming.  See Documentation/hakmem_slab.rst.
 */
#ifndef _HAKMEM_SLAB_H
#define _HAKMEM_SLAB_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/numa.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>

#include "hakmem_compat.h"

struct hakmem_cache;

/*
 * Largest object a cache can hold, and the largest hakmem_kmalloc() size
 * class; larger hakmem_kmalloc() requests go to the page allocator.
 */
#define HAKMEM_MAX_OBJECT_SIZE		(16 * 1024)
#define HAKMEM_KMALLOC_MAX_CACHE_SIZE	(8 * 1024)

/* The largest alignment hakmem_cache_create() accepts. */
#define HAKMEM_MAX_ALIGN		(8 * PAGE_SIZE)

/*
 * Flags hakmem_cache_create() accepts; any other flag is refused with a
 * pr_err() (SLAB_ACCOUNT by name: hakmem does not charge memory cgroups).
 * Of these, SLAB_RECLAIM_ACCOUNT only makes segments __GFP_RECLAIMABLE (no
 * reclaimable-slab statistics), SLAB_NO_USER_FLAGS keeps the debug= module
 * parameter off the cache (as slub_debug=), and SLAB_MEM_SPREAD (before
 * 6.8) does nothing, as in SLUB.  SLAB_NOLEAKTRACE is for kmemleak.
 */
#define HAKMEM_SUPPORTED_FLAGS	(SLAB_HWCACHE_ALIGN | SLAB_PANIC |	\
				 SLAB_TYPESAFE_BY_RCU | SLAB_POISON |	\
				 SLAB_RED_ZONE | SLAB_STORE_USER |	\
				 SLAB_RECLAIM_ACCOUNT | HK_SLAB_MEM_SPREAD | \
				 SLAB_NOLEAKTRACE | SLAB_NO_USER_FLAGS)

/**
 * enum hakmem_header_mode - when the per-object header is written
 * @HAKMEM_HEADER_FULL: on every allocation and every free.  The header
 *	then also records whether the object is allocated, so every double
 *	free is caught.
 * @HAKMEM_HEADER_LIGHT: once, when the page is carved.  Allocation does
 *	not touch the object; free still validates the header, and catches a
 *	double free of the most recently freed object (as SLUB's
 *	CONFIG_SLAB_FREELIST_HARDENED check does).
 */
enum hakmem_header_mode {
	HAKMEM_HEADER_FULL,
	HAKMEM_HEADER_LIGHT,
};

/**
 * enum hakmem_stat_item - per-cache event counters
 *
 * Kept per CPU; hakmem_cache_stat() sums them.  The names are in
 * hakmem_stat_names[] and appear in debugfs as <cache>/stats.  A new item
 * goes before HAKMEM_NR_STATS, with its name in hakmem_stat_names[] (the
 * build fails without it).
 */
enum hakmem_stat_item {
	/** @HAKMEM_ALLOC_FAST: allocation served by the per-CPU stack */
	HAKMEM_ALLOC_FAST,
	/** @HAKMEM_ALLOC_SLOW: allocation that had to refill the stack */
	HAKMEM_ALLOC_SLOW,
	/** @HAKMEM_ALLOC_LOCKED: allocation from the locked depot (re-entry) */
	HAKMEM_ALLOC_LOCKED,
	/** @HAKMEM_FREE_FAST: free pushed on the per-CPU stack */
	HAKMEM_FREE_FAST,
	/** @HAKMEM_FREE_SLOW: free that flushed the stack or had to look up */
	HAKMEM_FREE_SLOW,
	/** @HAKMEM_FREE_REMOTE: object handed back to another CPU's page */
	HAKMEM_FREE_REMOTE,
	/** @HAKMEM_REFILL: per-CPU stack refills */
	HAKMEM_REFILL,
	/** @HAKMEM_FLUSH: per-CPU stack flushes */
	HAKMEM_FLUSH,
	/** @HAKMEM_CARVE: objects carved out of fresh pages */
	HAKMEM_CARVE,
	/** @HAKMEM_SLAB_ALLOC: slabs taken from a segment's free bitmap */
	HAKMEM_SLAB_ALLOC,
	/** @HAKMEM_SLAB_FREE: empty slabs given back to the bitmap */
	HAKMEM_SLAB_FREE,
	/** @HAKMEM_SEGMENT_ALLOC: segments taken from the page allocator */
	HAKMEM_SEGMENT_ALLOC,
	/** @HAKMEM_SEGMENT_FREE: segments given back to the page allocator */
	HAKMEM_SEGMENT_FREE,
	/** @HAKMEM_SEGMENT_FAIL: failed segment allocations */
	HAKMEM_SEGMENT_FAIL,
	/**
	 * @HAKMEM_ALLOC_FAIL_INJECTED: allocations failed by fail_hakmem
	 * (fault injection; see Documentation/hakmem_slab.rst)
	 */
	HAKMEM_ALLOC_FAIL_INJECTED,
	/** @HAKMEM_SHRINK: hakmem_cache_shrink() and shrinker runs */
	HAKMEM_SHRINK,
	/**
	 * @HAKMEM_BURST_DRAIN: per-CPU stacks emptied and heaps drained at
	 * the end of a burst of frees
	 */
	HAKMEM_BURST_DRAIN,
	/** @HAKMEM_ERR_INVALID: free of a pointer hakmem did not hand out */
	HAKMEM_ERR_INVALID,
	/** @HAKMEM_ERR_WRONG_CACHE: free to a cache the object is not from */
	HAKMEM_ERR_WRONG_CACHE,
	/** @HAKMEM_ERR_HEADER: corrupt header or interior pointer */
	HAKMEM_ERR_HEADER,
	/** @HAKMEM_ERR_DOUBLE_FREE: free of an object that is already free */
	HAKMEM_ERR_DOUBLE_FREE,
	/** @HAKMEM_ERR_POISON: poison overwritten while free */
	HAKMEM_ERR_POISON,
	/** @HAKMEM_ERR_REDZONE: red zone overwritten */
	HAKMEM_ERR_REDZONE,
	/** @HAKMEM_NR_STATS: the number of counters */
	HAKMEM_NR_STATS
};

extern const char *const hakmem_stat_names[];

/**
 * struct hakmem_cache_info - a snapshot of one cache, as slabinfo shows it
 * @name: the name given at creation
 * @object_size: bytes: the size the user asked for
 * @size: bytes: the stride between objects (object, header and padding)
 * @align: bytes: the alignment of every object
 * @objects_inuse: objects allocated and not yet freed
 * @objects_total: objects the cache's slabs can hold
 * @pages: PAGE_SIZE pages the cache's segments take, in use or not
 * @segments: segments the cache holds
 * @slab_order: a slab (the span objects are carved from) is 2^@slab_order
 *	PAGE_SIZE pages
 * @segment_order: a full-size segment is 2^@segment_order PAGE_SIZE pages
 *	(young heaps' and fallback segments are smaller)
 * @header_mode: the cache's &enum hakmem_header_mode
 * @flags: the cache's SLAB_* flags
 * @useroffset: bytes: start of the usercopy region
 *	(hakmem_cache_create_usercopy())
 * @usersize: bytes of the usercopy region; 0 for none
 *
 * Figures are in bytes, objects or PAGE_SIZE pages, as each says; a
 * cache's memory is @pages * PAGE_SIZE bytes.
 */
struct hakmem_cache_info {
	const char *name;
	unsigned int object_size;
	unsigned int size;
	unsigned int align;
	unsigned long objects_inuse;
	unsigned long objects_total;
	unsigned long pages;
	unsigned long segments;
	unsigned int slab_order;
	unsigned int segment_order;
	enum hakmem_header_mode header_mode;
	slab_flags_t flags;
	unsigned int useroffset;
	unsigned int usersize;
};

/**
 * hakmem_cache_create - create a cache of objects of one size
 * @name: a name for debugfs and error reports, copied (the caller may free
 *	it at once, as with kmem_cache_create())
 * @size: the object size, 1 to %HAKMEM_MAX_OBJECT_SIZE bytes
 * @align: the minimum alignment of each object (0 for the default of
 *	sizeof(void *)), up to %HAKMEM_MAX_ALIGN; rounded up to a power of
 *	two, to which every object's address is aligned (SLUB only makes the
 *	stride a multiple of an alignment that is not a power of two)
 * @flags: SLAB_* flags, within %HAKMEM_SUPPORTED_FLAGS
 * @ctor: run once on each object slot, when it is first carved (a page
 *	emptied and carved again keeps its objects as they were freed, until
 *	its segment goes back to the page allocator); objects must be freed
 *	in their constructed state
 *
 * Context: process context, may sleep.
 * Return: the cache, or NULL with one pr_err() naming the problem (bad size,
 * alignment or flag, or no memory).  With %SLAB_PANIC, panics instead.
 */
struct hakmem_cache *hakmem_cache_create(const char *name, unsigned int size,
					 unsigned int align, slab_flags_t flags,
					 void (*ctor)(void *));

/**
 * hakmem_cache_create_mode - hakmem_cache_create() with a chosen header mode
 * @name: as for hakmem_cache_create()
 * @size: as for hakmem_cache_create()
 * @align: as for hakmem_cache_create()
 * @flags: as for hakmem_cache_create()
 * @ctor: as for hakmem_cache_create()
 * @mode: the header mode of this cache, overriding the header_mode module
 *	parameter (which hakmem_cache_create() uses)
 *
 * Context: process context, may sleep.
 * Return: the cache, or NULL as for hakmem_cache_create().
 */
struct hakmem_cache *hakmem_cache_create_mode(const char *name,
					      unsigned int size,
					      unsigned int align,
					      slab_flags_t flags,
					      void (*ctor)(void *),
					      enum hakmem_header_mode mode);

/**
 * hakmem_cache_create_usercopy - create a cache with a usercopy region
 * @name: as for hakmem_cache_create()
 * @size: as for hakmem_cache_create()
 * @align: as for hakmem_cache_create()
 * @flags: as for hakmem_cache_create()
 * @useroffset: offset of the region of each object that may be copied to
 *	or from user space
 * @usersize: the region's size in bytes
 * @ctor: as for hakmem_cache_create()
 *
 * As kmem_cache_create_usercopy(): the region is kept (and shown by
 * hakmem_cache_get_info()) only with %CONFIG_HARDENED_USERCOPY, and a region
 * that does not lie inside the object (@useroffset + @usersize beyond
 * @size, or an offset without a size) is dropped, failing closed; SLUB
 * WARN()s there, hakmem prints one line.  hakmem_cache_create() makes a
 * cache without a region; the hakmem_kmalloc() caches' region is the whole
 * object, as for kmalloc()'s caches.
 *
 * Context: process context, may sleep.
 * Return: the cache, or NULL as for hakmem_cache_create().
 */
struct hakmem_cache *hakmem_cache_create_usercopy(const char *name,
						  unsigned int size,
						  unsigned int align,
						  slab_flags_t flags,
						  unsigned int useroffset,
						  unsigned int usersize,
						  void (*ctor)(void *));

/**
 * hakmem_cache_destroy - destroy a cache
 * @s: the cache; NULL is a no-op
 *
 * All objects should have been freed.  If some have not, their number and
 * the first few addresses are reported, the memory still in use is kept
 * (never handed back while in use) and the cache is left defunct.  Waits for
 * pending %SLAB_TYPESAFE_BY_RCU grace periods.
 *
 * Context: process context, may sleep.
 */
void hakmem_cache_destroy(struct hakmem_cache *s);

/**
 * hakmem_cache_alloc - allocate an object
 * @s: the cache
 * @gfp: GFP flags; %__GFP_ZERO zeroes the object.  %__GFP_ACCOUNT is not
 *	acted on: the object is not charged to a memory cgroup (one pr_warn()
 *	says so, the first time a slow path sees the flag)
 *
 * Context: any context where kmem_cache_alloc() with the same @gfp may be
 * called: process context, softirq or hardirq with %GFP_ATOMIC or
 * %GFP_NOWAIT.  Sleeps only if @gfp allows it.
 * Return: the object, or NULL if the page allocator failed.
 */
void *hakmem_cache_alloc(struct hakmem_cache *s, gfp_t gfp);

/**
 * hakmem_cache_free - free an object
 * @s: the cache the object came from
 * @obj: the object; NULL is a no-op
 *
 * A pointer hakmem did not hand out, an object of another cache and a double
 * free are reported (ratelimited), counted and ignored.
 *
 * Context: any context; never sleeps.
 */
void hakmem_cache_free(struct hakmem_cache *s, void *obj);

/**
 * hakmem_cache_alloc_node - allocate an object on a memory node
 * @s: the cache
 * @gfp: GFP flags, as for hakmem_cache_alloc()
 * @node: the node the memory should come from, or %NUMA_NO_NODE for any
 *	(then the same as hakmem_cache_alloc())
 *
 * As kmem_cache_alloc_node(): an object of @node's memory.  Objects of this
 * CPU's node come from the per-CPU path; another node's come from a heap
 * of that node's segments under a lock.  A new segment is asked of the
 * page allocator on @node, which without %__GFP_THISNODE may fall back to
 * another node when @node has no free memory; with it, the allocation fails
 * instead.  A node that is not online with normal memory (any node on a
 * kernel with one node) is no constraint, as for SLUB.
 *
 * Context: as for hakmem_cache_alloc().
 * Return: the object, or NULL.
 */
void *hakmem_cache_alloc_node(struct hakmem_cache *s, gfp_t gfp, int node);

/**
 * hakmem_cache_alloc_bulk - allocate several objects at once
 * @s: the cache
 * @gfp: GFP flags, as for hakmem_cache_alloc()
 * @nr: how many objects
 * @p: an array of at least @nr pointers to fill
 *
 * All or nothing: on failure nothing is left allocated.
 *
 * Return: @nr on success, 0 on failure.
 */
int hakmem_cache_alloc_bulk(struct hakmem_cache *s, gfp_t gfp, size_t nr,
			    void **p);

/**
 * hakmem_cache_free_bulk - free several objects at once
 * @s: the cache
 * @nr: how many objects
 * @p: the objects; NULL entries are skipped
 */
void hakmem_cache_free_bulk(struct hakmem_cache *s, size_t nr, void **p);

/**
 * hakmem_cache_shrink - give every empty segment back to the page allocator
 * @s: the cache
 *
 * Flushes every CPU's object stack and collects pending remote frees first.
 *
 * Context: process context, may sleep.
 * Return: 0, like kmem_cache_shrink().
 */
int hakmem_cache_shrink(struct hakmem_cache *s);

/**
 * hakmem_cache_size - the object size of a cache
 * @s: the cache
 *
 * Return: the size given to hakmem_cache_create().
 */
unsigned int hakmem_cache_size(struct hakmem_cache *s);

/**
 * hakmem_kmalloc - allocate memory, like kmalloc()
 * @size: bytes wanted; 0 returns %ZERO_SIZE_PTR
 * @gfp: GFP flags
 *
 * Sizes up to %HAKMEM_KMALLOC_MAX_CACHE_SIZE come from size-class caches,
 * larger ones straight from the page allocator.  Objects are aligned to
 * ARCH_KMALLOC_MINALIGN; unlike kmalloc(), a power-of-two size is not
 * aligned to that size.
 *
 * %__GFP_ACCOUNT: large sizes are charged to the memory cgroup (the page
 * allocator does it, as for kmalloc()'s large sizes); size-class objects
 * are not, as for hakmem_cache_alloc().
 *
 * Return: the memory, or NULL.
 */
void *hakmem_kmalloc(size_t size, gfp_t gfp);

/**
 * hakmem_kfree - free memory from hakmem_kmalloc()
 * @obj: the memory; NULL and %ZERO_SIZE_PTR are no-ops
 */
void hakmem_kfree(const void *obj);

/**
 * hakmem_kmalloc_node - hakmem_kmalloc() on a memory node
 * @size: bytes wanted; 0 returns %ZERO_SIZE_PTR
 * @gfp: GFP flags
 * @node: as for hakmem_cache_alloc_node(); large sizes ask the page
 *	allocator for @node
 *
 * Return: the memory, or NULL.
 */
void *hakmem_kmalloc_node(size_t size, gfp_t gfp, int node);

/**
 * hakmem_kzalloc - hakmem_kmalloc() of zeroed memory
 * @size: bytes wanted; 0 returns %ZERO_SIZE_PTR
 * @gfp: GFP flags (%__GFP_ZERO is added)
 *
 * Return: the memory, or NULL.
 */
void *hakmem_kzalloc(size_t size, gfp_t gfp);

/**
 * hakmem_kmalloc_array - hakmem_kmalloc() of an array
 * @n: number of elements
 * @size: bytes of one element
 * @gfp: GFP flags
 *
 * Return: the memory; NULL if @n * @size overflows a size_t (nothing is
 * allocated then) or on failure; %ZERO_SIZE_PTR if the product is 0.
 */
void *hakmem_kmalloc_array(size_t n, size_t size, gfp_t gfp);

/**
 * hakmem_kcalloc - hakmem_kmalloc_array() of zeroed memory
 * @n: number of elements
 * @size: bytes of one element
 * @gfp: GFP flags (%__GFP_ZERO is added)
 *
 * Return: as for hakmem_kmalloc_array().
 */
void *hakmem_kcalloc(size_t n, size_t size, gfp_t gfp);

/**
 * hakmem_krealloc - resize memory from hakmem_kmalloc(), as krealloc()
 * @p: the memory; NULL or %ZERO_SIZE_PTR make this hakmem_kmalloc()
 * @new_size: bytes wanted; 0 frees @p and returns %ZERO_SIZE_PTR
 * @gfp: GFP flags, for a new object
 *
 * If @new_size fits the usable size of @p (hakmem_ksize(): its size class,
 * or its pages), @p itself is returned, smaller or not.  Otherwise a new
 * object is allocated, the usable size of @p copied into it and @p freed;
 * if that allocation fails, NULL is returned and @p is left as it was.
 *
 * %__GFP_ZERO, as krealloc() documents: zeroing is complete only if every
 * call for the memory, from its first allocation on, passed %__GFP_ZERO.  A
 * new object is zeroed before the copy; on Linux 6.11 and later, as there,
 * the bytes of @p past @new_size are zeroed when it is kept (with
 * %__GFP_ZERO or init_on_alloc), on earlier kernels they are left.
 *
 * A @p hakmem did not hand out is reported and NULL returned.
 *
 * Return: the memory, or NULL.
 */
void *hakmem_krealloc(const void *p, size_t new_size, gfp_t gfp);

/**
 * hakmem_kfree_sensitive - zero memory, then free it, as kfree_sensitive()
 * @p: memory from hakmem_kmalloc() or any hakmem cache; NULL and
 *	%ZERO_SIZE_PTR are no-ops
 *
 * The whole usable size (hakmem_ksize()) is cleared with memzero_explicit()
 * before the free, which the compiler may not drop.
 */
void hakmem_kfree_sensitive(const void *p);

void __hakmem_kfree_rcu(struct rcu_head *head);
void __hakmem_cache_free_rcu(struct hakmem_cache *s, struct rcu_head *head);

/**
 * hakmem_kfree_rcu - free memory after an RCU grace period, as kfree_rcu()
 * @ptr: the object (from hakmem_kmalloc() or any hakmem cache); NULL is a
 *	no-op
 * @field: the name of the struct rcu_head member of *@ptr
 *
 * The object is freed by call_rcu() once every RCU reader that may have seen
 * it is done: it stays allocated and intact (but for @field) until then.
 * hakmem_cache_destroy() waits for the pending ones (as Linux 6.12's
 * kmem_cache_destroy() does).  Any context; does not sleep.  A pointer that
 * is not inside a live hakmem object is reported and nothing is freed.
 */
#define hakmem_kfree_rcu(ptr, field)					\
	do {								\
		typeof(ptr) ___hk_p = (ptr);				\
									\
		if (___hk_p)						\
			__hakmem_kfree_rcu((void *)___hk_p +		\
				offsetof(typeof(*___hk_p), field));	\
	} while (0)

/**
 * hakmem_cache_free_rcu - hakmem_kfree_rcu() to a given cache
 * @s: the cache the object came from (checked now, as hakmem_cache_free()
 *	checks it)
 * @ptr: the object; NULL is a no-op
 * @field: the name of the struct rcu_head member of *@ptr
 */
#define hakmem_cache_free_rcu(s, ptr, field)				\
	do {								\
		typeof(ptr) ___hk_p = (ptr);				\
									\
		if (___hk_p)						\
			__hakmem_cache_free_rcu((s), (void *)___hk_p +	\
				offsetof(typeof(*___hk_p), field));	\
	} while (0)

/**
 * hakmem_kfree_rcu_mightsleep - free after a grace period, without an rcu_head
 * @p: the memory (from hakmem_kmalloc() or any hakmem cache); NULL and
 *	%ZERO_SIZE_PTR are no-ops
 *
 * The one-argument form, as kvfree_rcu_mightsleep() (kvfree_rcu(ptr) in
 * 6.1): waits for a grace period with synchronize_rcu(), then frees.  The
 * kernel's version batches pointers in pages and falls back to exactly
 * this when it cannot allocate; hakmem always waits.
 *
 * Context: process context, sleeps.
 */
void hakmem_kfree_rcu_mightsleep(const void *p);

/**
 * hakmem_ksize - the usable size of memory from hakmem_kmalloc()
 * @obj: the memory
 *
 * Return: the size of the object's size class (or of the pages, for large
 * allocations); 0 for NULL, %ZERO_SIZE_PTR or a pointer hakmem did not hand
 * out.
 */
size_t hakmem_ksize(const void *obj);

/**
 * struct hakmem_obj - the object slot an address is in (hakmem_obj_find())
 * @cache: its cache
 * @name: the cache's name
 * @start: the object's first byte
 * @offset: of the address from @start; @object_size or more when the
 *	address is past the object (red zone, tracks, the next slot's header)
 * @object_size: the cache's object size
 * @useroffset: the cache's usercopy region: its offset in the object
 * @usersize: and its size
 */
struct hakmem_obj {
	struct hakmem_cache *cache;
	const char *name;
	void *start;
	unsigned long offset;
	unsigned int object_size;
	unsigned int useroffset;
	unsigned int usersize;
};

/**
 * hakmem_obj_find - the object slot that holds an address, in O(1)
 * @ptr: any address
 * @obj: filled in when @ptr is in a slot
 *
 * For checks and reports on a live object (hardened usercopy,
 * kmem_dump_obj() in backend mode): the segment is found from @ptr's
 * struct page and proven, the slot by arithmetic.  Whether the object is
 * allocated is not checked.
 *
 * Context: any; @ptr's segment must not be freed meanwhile (the caller
 * holds an object in it, or rcu_read_lock()).
 * Return: true if @ptr is in a segment's object slot, at or after its
 * object's start; false otherwise (not hakmem's, or a slot's header).
 */
bool hakmem_obj_find(const void *ptr, struct hakmem_obj *obj);

/**
 * hakmem_cache_stat - the sum over all CPUs of one counter
 * @s: the cache
 * @item: the counter
 *
 * Return: the counter's total since creation or the last reset.
 */
u64 hakmem_cache_stat(struct hakmem_cache *s, enum hakmem_stat_item item);

/**
 * hakmem_cache_get_info - take a snapshot of a cache's sizes and counts
 * @s: the cache
 * @info: filled in
 */
void hakmem_cache_get_info(struct hakmem_cache *s,
			   struct hakmem_cache_info *info);

/**
 * hakmem_cache_validate - check every segment, page and header of a cache
 * @s: the cache
 *
 * Flushes the per-CPU stacks, then walks every segment and page, checking
 * headers, free lists and counts, and reports every problem found.
 *
 * Context: process context, may sleep.
 * Return: the number of problems found.
 */
int hakmem_cache_validate(struct hakmem_cache *s);

/**
 * hakmem_kmalloc_cache - the size-class cache hakmem_kmalloc() uses
 * @size: a size up to %HAKMEM_KMALLOC_MAX_CACHE_SIZE
 *
 * Return: the cache, or NULL if @size is 0 or above the largest class.
 */
struct hakmem_cache *hakmem_kmalloc_cache(size_t size);

#endif /* _HAKMEM_SLAB_H */
