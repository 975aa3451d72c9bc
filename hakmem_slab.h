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
#include <linux/slab.h>

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

/* Flags hakmem_cache_create() accepts; any other flag is refused. */
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
 * hakmem_stat_names[] and appear in debugfs as <cache>/stats.
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
	/** @HAKMEM_PAGE_ALLOC: pages taken from a segment's free bitmap */
	HAKMEM_PAGE_ALLOC,
	/** @HAKMEM_PAGE_FREE: empty pages given back to the bitmap */
	HAKMEM_PAGE_FREE,
	/** @HAKMEM_SEGMENT_ALLOC: segments taken from the page allocator */
	HAKMEM_SEGMENT_ALLOC,
	/** @HAKMEM_SEGMENT_FREE: segments given back to the page allocator */
	HAKMEM_SEGMENT_FREE,
	/** @HAKMEM_SEGMENT_FAIL: failed segment allocations */
	HAKMEM_SEGMENT_FAIL,
	/** @HAKMEM_SHRINK: hakmem_cache_shrink() and shrinker runs */
	HAKMEM_SHRINK,
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

extern const char *const hakmem_stat_names[HAKMEM_NR_STATS];

/**
 * struct hakmem_cache_info - a snapshot of one cache, as slabinfo shows it
 * @name: the name given at creation
 * @object_size: the size the user asked for
 * @size: the stride between objects (object, header and padding)
 * @align: the alignment of every object
 * @objects_inuse: objects allocated and not yet freed
 * @objects_total: objects the cache's pages can hold
 * @pages: pages (PAGE_SIZE) in use by the cache, segments included
 * @segments: segments the cache holds
 * @page_order: order of one hakmem page (the unit carved into objects)
 * @segment_order: order of one segment
 * @header_mode: the cache's &enum hakmem_header_mode
 * @flags: the cache's SLAB_* flags
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
	unsigned int page_order;
	unsigned int segment_order;
	enum hakmem_header_mode header_mode;
	slab_flags_t flags;
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
 * @gfp: GFP flags; %__GFP_ZERO zeroes the object
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
 * Return: the memory, or NULL.
 */
void *hakmem_kmalloc(size_t size, gfp_t gfp);

/**
 * hakmem_kfree - free memory from hakmem_kmalloc()
 * @obj: the memory; NULL and %ZERO_SIZE_PTR are no-ops
 */
void hakmem_kfree(const void *obj);

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
