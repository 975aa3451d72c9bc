/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hakmem_slab: what the allocator core does differently in backend mode
 * (CONFIG_HAKMEM_SLAB_BACKEND, a Linux 6.12 tree patched with
 * tools/kernel-patches/6.12; see Documentation/hakmem_slab.rst, "Backend
 * mode").  Everywhere else these are kmalloc_node() and nothing.
 */
#ifndef _HAKMEM_SLAB_BACKEND_H
#define _HAKMEM_SLAB_BACKEND_H

#include <linux/mm.h>
#include <linux/slab.h>

struct hakmem_obj;

/*
 * hakmem_obj_find() of a pointer known to be in the linear map, for the
 * hardened usercopy hook, whose caller checked virt_addr_valid() already.
 */
bool hk_obj_find_valid(const void *ptr, struct hakmem_obj *obj);
/* The SLUB cache of struct hakmem_cache: backend mode must not serve it. */
extern struct kmem_cache *hk_cache_cachep;

#if IS_ENABLED(CONFIG_HAKMEM_SLAB_BACKEND)
#include <linux/hakmem_backend.h>

/* Segment metadata comes from SLUB: it must never recurse into hakmem. */
#define hk_meta_kmalloc_node(size, gfp, node)	\
	kmalloc_node_slub(size, gfp, node)

/* Every base page of a segment has the page type PGTY_hakmem. */
static inline void hk_backend_mark_page(struct page *page, bool mark)
{
	if (mark)
		__folio_set_hakmem(page_folio(page));
	else
		__folio_clear_hakmem(page_folio(page));
}
#else
#define hk_meta_kmalloc_node(size, gfp, node)	kmalloc_node(size, gfp, node)

static inline void hk_backend_mark_page(struct page *page, bool mark)
{
}
#endif

#endif /* _HAKMEM_SLAB_BACKEND_H */
