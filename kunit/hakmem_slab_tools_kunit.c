// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for hakmem_slab under KASAN (the UML KUnit kernels have
 * generic KASAN): it sees a use after free and a write past the end of a
 * hakmem object.  Cases skip on kernels without KASAN (kmemleak has its
 * own suite, hakmem_slab_kmemleak).
 *
 * A KASAN report is caught as lib/slub_kunit.c and mm/kasan/kasan_test.c
 * catch theirs, without their configs: the error_report_end tracepoint
 * (exported, fired at the end of every KASAN report) counts it.  The bad
 * access runs with current->kunit_test cleared, since 6.12's KASAN fails
 * the running KUnit case on any report outside its own suite; 6.1's does
 * nothing without CONFIG_KASAN_KUNIT_TEST.  KASAN prints one report per
 * boot unless kasan_multi_shot is on the command line (tools/kunit.sh
 * passes it).  A report taints the kernel, which turns lockdep off, so this
 * suite is linked (and runs) last.
 */

#include <kunit/test.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <trace/events/error_report.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

/* === KASAN ================================================================ */

static atomic_t hk_tools_reports;
static unsigned long hk_tools_report_addr;

static void hk_tools_probe(void *data, enum error_detector detector,
			   unsigned long id)
{
	if (detector != ERROR_DETECTOR_KASAN)
		return;
	WRITE_ONCE(hk_tools_report_addr, id);
	atomic_inc(&hk_tools_reports);
}

static void hk_tools_unregister(void *arg)
{
	unregister_trace_error_report_end(hk_tools_probe, NULL);
	tracepoint_synchronize_unregister();
}

/* Skip without KASAN in hakmem; count the KASAN reports from now on. */
static void hk_tools_kasan_begin(struct kunit *test, struct hakmem_cache *s)
{
	if (!HK_KASAN)
		kunit_skip(test, "hakmem has no kasan hooks in this kernel");
	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "no tracepoints to catch kasan reports with");
	KUNIT_ASSERT_TRUE(test, hakmem_test_cache_has_kasan(s));
	atomic_set(&hk_tools_reports, 0);
	WRITE_ONCE(hk_tools_report_addr, 0);
	KUNIT_ASSERT_EQ(test, register_trace_error_report_end(hk_tools_probe,
							      NULL), 0);
	hakmem_test_add_action(test, hk_tools_unregister, NULL);
}

/* Hide the running case from KASAN's KUnit hook, or give it back. */
static struct kunit *hk_tools_swap_test(struct kunit *test)
{
#if IS_ENABLED(CONFIG_KUNIT)
	struct kunit *old = current->kunit_test;

	current->kunit_test = test;
	return old;
#else
	return NULL;
#endif
}

/* The bad accesses: out of line, so that their names are in the report. */
static noinline u8 hk_tools_bad_read(u8 *p)
{
	struct kunit *test = hk_tools_swap_test(NULL);
	u8 v = READ_ONCE(*p);

	hk_tools_swap_test(test);
	return v;
}

static noinline void hk_tools_bad_write(u8 *p)
{
	struct kunit *test = hk_tools_swap_test(NULL);

	WRITE_ONCE(*p, 0x42);
	hk_tools_swap_test(test);
}

static void hk_tools_expect_report(struct kunit *test, int n, const void *addr)
{
	KUNIT_EXPECT_EQ(test, atomic_read(&hk_tools_reports), n);
	KUNIT_EXPECT_EQ(test, READ_ONCE(hk_tools_report_addr),
			(unsigned long)addr);
}

/* A read of a freed object is a KASAN report; using it allocated is not. */
static void hakmem_cache_free_kasan_reports_use_after_free(struct kunit *test)
{
	struct hakmem_cache *s;
	u8 *p;

	hakmem_test_tools(test, true);
	s = hakmem_test_create(test, "hakmem_test_tools_uaf", 64, 0, 0, NULL);

	hk_tools_kasan_begin(test, s);
	p = hakmem_test_alloc(test, s);
	memset(p, 0x5a, 64);
	KUNIT_EXPECT_EQ(test, atomic_read(&hk_tools_reports), 0);
	hakmem_cache_free(s, p);
	hk_tools_bad_read(p + 10);
	hk_tools_expect_report(test, 1, p + 10);
	/* The slot comes back clean. */
	p = hakmem_test_alloc(test, s);
	memset(p, 0, 64);
	KUNIT_EXPECT_EQ(test, atomic_read(&hk_tools_reports), 1);
	hakmem_cache_free(s, p);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
}

/*
 * A write past the end of the object is a KASAN report: in the last
 * granule (size 61) and in the red zone after a whole one (size 64).
 */
static void hakmem_cache_alloc_kasan_reports_out_of_bounds_write(struct kunit *test)
{
	struct hakmem_cache *s, *t;
	u8 *p, *q;

	hakmem_test_tools(test, true);
	s = hakmem_test_create(test, "hakmem_test_tools_oob", 61, 0, 0, NULL);
	t = hakmem_test_create(test, "hakmem_test_tools_oob64", 64, 0, 0, NULL);

	hk_tools_kasan_begin(test, s);
	KUNIT_ASSERT_TRUE(test, hakmem_test_cache_has_kasan(t));
	p = hakmem_cache_alloc(s, GFP_KERNEL);
	q = hakmem_cache_alloc(t, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	memset(p, 1, 61);
	memset(q, 1, 64);
	KUNIT_EXPECT_EQ(test, atomic_read(&hk_tools_reports), 0);
	hk_tools_bad_write(p + 61);
	hk_tools_expect_report(test, 1, p + 61);
	hk_tools_bad_write(q + 64);
	hk_tools_expect_report(test, 2, q + 64);
	hakmem_cache_free(s, p);
	hakmem_cache_free(t, q);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(t), 0);
}

/* hakmem_kmalloc(): a write past the size class; and a use after free. */
static void hakmem_kmalloc_kasan_reports_out_of_bounds_write(struct kunit *test)
{
	struct hakmem_cache *s = hakmem_kmalloc_cache(128);
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, s);
	hk_tools_kasan_begin(test, s);
	p = hakmem_kmalloc(128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 1, hakmem_ksize(p));
	hk_tools_bad_write(p + 128);
	hk_tools_expect_report(test, 1, p + 128);
	hakmem_kfree(p);
	hk_tools_bad_read(p);
	hk_tools_expect_report(test, 2, p);
}

/* A constructor runs on unpoisoned memory; its object is poisoned after. */
static void hk_tools_ctor(void *obj)
{
	memset(obj, 0xc7, 40);
}

static void hakmem_cache_alloc_kasan_ctor_object_is_usable(struct kunit *test)
{
	struct hakmem_cache *s;
	u8 *p;

	hakmem_test_tools(test, true);
	s = hakmem_test_create(test, "hakmem_test_tools_ctor", 40, 0, 0,
			       hk_tools_ctor);

	hk_tools_kasan_begin(test, s);
	p = hakmem_test_alloc(test, s);
	KUNIT_EXPECT_EQ(test, p[39], 0xc7);
	hakmem_cache_free(s, p);
	hk_tools_bad_read(p);
	hk_tools_expect_report(test, 1, p);
}

/* Without tools=, or with SLAB_NOLEAKTRACE, a cache is not tracked. */
static void hakmem_cache_create_tools_off_tracks_nothing(struct kunit *test)
{
	struct hakmem_cache *s, *t;

	hakmem_test_tools(test, false);
	s = hakmem_test_create(test, "hakmem_test_tools_off", 64, 0, 0, NULL);
	hakmem_test_tools(test, true);
	t = hakmem_test_create(test, "hakmem_test_tools_noleak", 64, 0,
			       SLAB_NOLEAKTRACE, NULL);
	KUNIT_EXPECT_FALSE(test, hakmem_test_cache_has_kasan(s));
	KUNIT_EXPECT_FALSE(test, hakmem_test_cache_has_kmemleak(s));
	KUNIT_EXPECT_FALSE(test, hakmem_test_cache_has_kmemleak(t));
	/* The per-CPU fast path is back without the tools. */
	hakmem_cache_free(s, hakmem_cache_alloc(s, GFP_KERNEL));
	hakmem_cache_free(s, hakmem_cache_alloc(s, GFP_KERNEL));
	KUNIT_EXPECT_GT(test, hakmem_cache_stat(s, HAKMEM_ALLOC_FAST), 0ULL);
}

static struct kunit_case hakmem_tools_cases[] = {
	KUNIT_CASE(hakmem_cache_free_kasan_reports_use_after_free),
	KUNIT_CASE(hakmem_cache_alloc_kasan_reports_out_of_bounds_write),
	KUNIT_CASE(hakmem_kmalloc_kasan_reports_out_of_bounds_write),
	KUNIT_CASE(hakmem_cache_alloc_kasan_ctor_object_is_usable),
	KUNIT_CASE(hakmem_cache_create_tools_off_tracks_nothing),
	{}
};

static struct kunit_suite hakmem_tools_suite = {
	.name = "hakmem_slab_tools",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_tools_cases,
};

kunit_test_suite(hakmem_tools_suite);
