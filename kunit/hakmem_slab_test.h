/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test hooks hakmem_slab.c exports when built with
 * CONFIG_HAKMEM_SLAB_KUNIT_TEST (for the KUnit suites only).
 */
#ifndef _HAKMEM_SLAB_TEST_H
#define _HAKMEM_SLAB_TEST_H

struct kunit;
struct hakmem_cache;

unsigned long hakmem_test_shrinker_count(void);
unsigned long hakmem_test_shrinker_scan(unsigned long nr, bool reclaim);
void hakmem_test_cpu_dead_self(void);
void hakmem_test_reclaim_self(void);
slab_flags_t hakmem_test_set_debug_flags(slab_flags_t flags);
void hakmem_test_set_init(int init_alloc, int init_free);
void hakmem_test_set_max_order(int order);
bool hakmem_test_fail_allocs(unsigned long probability, int times,
			     bool ignore_gfp_reclaim, bool cache_filter);
void hakmem_test_cache_failslab(struct hakmem_cache *s, bool on);
/*
 * The tools= parameter (KASAN, kmemleak) for caches created from now on:
 * off from hakmem_test_init() to hakmem_test_exit() (begin/end), or as a
 * case sets it; hakmem_test_set_tools() returns the old value.
 */
void hakmem_test_tools_begin(void);
void hakmem_test_tools_end(void);
bool hakmem_test_set_tools(bool on);
bool hakmem_test_cache_has_kasan(struct hakmem_cache *s);
bool hakmem_test_cache_has_kmemleak(struct hakmem_cache *s);
unsigned long hakmem_test_seg_base(const void *obj, unsigned long *size);
unsigned int hakmem_test_stack_slots(struct hakmem_cache *s, size_t *bytes);

/* Count hakmem's error reports made in @test's task (lock-free). */
void hakmem_test_errors_begin(struct kunit *test);
int hakmem_test_errors_take(void);
void hakmem_test_errors_end(void);

#endif /* _HAKMEM_SLAB_TEST_H */
