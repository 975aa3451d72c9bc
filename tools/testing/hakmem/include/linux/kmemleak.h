/* SPDX-License-Identifier: GPL-2.0 */
/* Shim: no kmemleak in userspace (LeakSanitizer stands in). */
#ifndef _SHIM_LINUX_KMEMLEAK_H
#define _SHIM_LINUX_KMEMLEAK_H
static inline void kmemleak_alloc(const void *ptr, size_t size, int min_count,
				  gfp_t gfp)
{
}

static inline void kmemleak_free(const void *ptr)
{
}
#endif
