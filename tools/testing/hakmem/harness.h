/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the harness programs: booting the fake machine and the
 * module, the shadow set of live objects, content patterns.  Include it
 * after the kernel headers (hakmem_slab.h, or shim/kernel.h).
 */
#ifndef _HAKMEM_HARNESS_H
#define _HAKMEM_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hakmem_cache;

/* Defined in hakmem_core.c, which sees the core's internals. */
bool harness_on_cpu_stack(struct hakmem_cache *s, const void *obj);

/* reclaim_ms for harness_boot() to set, or NULL for the default. */
extern const char *harness_reclaim_ms;
/* Boot: arena, CPU 0 for the caller, module parameters, module_init(). */
void harness_boot(unsigned long arena_mib, const char *header_mode);

/* Fail loudly: prints "CHECK FAILED [class]: ..." and aborts. */
__noreturn __printf(2, 3) void harness_fail(const char *class, const char *fmt, ...);

/*
 * The shadow set of live objects (thread-safe): insert fails if the object
 * is already live (handed out twice); remove fails if it is not.
 */
struct shadow_obj {
	void *ptr;
	uint32_t size;
	uint32_t seed;
	int kind;		/* harness-defined: which cache */
};

void shadow_init(void);
bool shadow_insert(void *ptr, uint32_t size, uint32_t seed, int kind);
bool shadow_remove(void *ptr, struct shadow_obj *out);
bool shadow_lookup(void *ptr, struct shadow_obj *out);
/* Does [ptr, ptr + size) overlap any live object? */
bool shadow_overlaps(void *ptr, uint32_t size, struct shadow_obj *out);
unsigned long shadow_count(void);

/* Content patterns: fill on allocation, check before free. */
void pattern_fill(void *ptr, uint32_t size, uint32_t seed);
/* Return: offset of the first wrong byte, or -1. */
long pattern_check(const void *ptr, uint32_t size, uint32_t seed);
/* Is the memory all zero? */
bool mem_is_zero(const void *ptr, uint32_t size);

#endif /* _HAKMEM_HARNESS_H */
