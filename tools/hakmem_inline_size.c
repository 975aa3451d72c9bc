// SPDX-License-Identifier: GPL-2.0
/*
 * hakmem_inline_size: call sites of the inline fast paths and of the
 * exported calls, for tools/inline-size.sh to measure the code each costs.
 * Compiled (never loaded) with HK_SIZE_SITES call sites of each kind, and
 * HK_SIZE_INLINE 1 for hakmem_cache_{alloc,free}_inline(), 0 for
 * hakmem_cache_{alloc,free}(); the script takes the difference between two
 * site counts, so what a function costs apart from its sites cancels out.
 */
#include <linux/module.h>

#include "hakmem_slab_inline.h"

#if HK_SIZE_INLINE
#define HK_SIZE_ALLOC(s)	hakmem_cache_alloc_inline(s, GFP_KERNEL)
#define HK_SIZE_FREE(s, p)	hakmem_cache_free_inline(s, p)
#else
#define HK_SIZE_ALLOC(s)	hakmem_cache_alloc(s, GFP_KERNEL)
#define HK_SIZE_FREE(s, p)	hakmem_cache_free(s, p)
#endif

/* HK_SIZE_SITES allocations from @s into p[], each its own call site. */
noinline void hk_size_alloc_sites(struct hakmem_cache *s, void **p);
noinline void hk_size_alloc_sites(struct hakmem_cache *s, void **p)
{
	unsigned int i;

#pragma GCC unroll 64
	for (i = 0; i < HK_SIZE_SITES; i++)
		WRITE_ONCE(p[i], HK_SIZE_ALLOC(s));
}

/* HK_SIZE_SITES frees of p[] to @s, each its own call site. */
noinline void hk_size_free_sites(struct hakmem_cache *s, void **p);
noinline void hk_size_free_sites(struct hakmem_cache *s, void **p)
{
	unsigned int i;

#pragma GCC unroll 64
	for (i = 0; i < HK_SIZE_SITES; i++)
		HK_SIZE_FREE(s, READ_ONCE(p[i]));
}

MODULE_LICENSE("GPL");
