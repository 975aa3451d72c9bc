// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for hakmem_slab's debug checks (SLAB_POISON, SLAB_RED_ZONE,
 * SLAB_STORE_USER): one case per report kind, each asserting the exact
 * number of reports (hakmem_test_take_reports(), as lib/slub_kunit.c does
 * with "slab_errors") and the matching counter.
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/poison.h>
#include <linux/slab.h>

#include "hakmem_slab.h"
#include "hakmem_slab_kunit.h"

#define HK_DBG_SIZE	64

/* A debug cache of @flags, destroyed when the case ends. */
static struct hakmem_cache *hk_dbg_create(struct kunit *test, const char *name,
					  slab_flags_t flags)
{
	return hakmem_test_create_mode(test, name, HK_DBG_SIZE, 0, flags, NULL,
				       HAKMEM_HEADER_LIGHT);
}

/* Destroy an empty cache and check nothing more was reported. */
static void hk_dbg_finish(struct kunit *test, struct hakmem_cache *s)
{
	struct hakmem_cache_info info;

	hakmem_cache_get_info(s, &info);
	KUNIT_EXPECT_EQ(test, info.objects_inuse, 0UL);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 0);
}

/* A write after free is caught when the object is allocated again. */
static void hakmem_cache_alloc_reports_write_after_free(struct kunit *test)
{
	struct hakmem_cache *s = hk_dbg_create(test, "hakmem_test_err_dbg_poison", SLAB_POISON);
	u8 *p = hakmem_test_alloc(test, s), *q;

	hakmem_cache_free(s, p);
	KUNIT_EXPECT_EQ(test, p[10], (u8)POISON_FREE);
	p[10] = 0x12;
	q = hakmem_test_alloc(test, s);
	KUNIT_EXPECT_PTR_EQ(test, (void *)q, (void *)p);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_ERR_POISON), 1ULL);
	hakmem_cache_free(s, q);
	hk_dbg_finish(test, s);
}

/* validate finds the damaged poison of a free object, and repairs it. */
static void hakmem_cache_validate_reports_write_after_free(struct kunit *test)
{
	struct hakmem_cache *s = hk_dbg_create(test, "hakmem_test_err_dbg_poison_v", SLAB_POISON);
	u8 *p = hakmem_test_alloc(test, s);

	hakmem_cache_free(s, p);
	p[HK_DBG_SIZE - 1] = 0;
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_ERR_POISON), 1ULL);
	hk_dbg_finish(test, s);
}

/* A write past the end of an object is caught when it is freed. */
static void hakmem_cache_free_reports_red_zone_overwrite(struct kunit *test)
{
	struct hakmem_cache *s = hk_dbg_create(test, "hakmem_test_err_dbg_rz",
					       SLAB_RED_ZONE | SLAB_STORE_USER);
	u8 *p = hakmem_test_alloc(test, s);

	KUNIT_EXPECT_EQ(test, p[HK_DBG_SIZE], (u8)SLUB_RED_ACTIVE);
	p[HK_DBG_SIZE] = 0x12;
	hakmem_cache_free(s, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_ERR_REDZONE), 1ULL);
	/* The free went through and the red zone was repaired. */
	p = hakmem_test_alloc(test, s);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 0);
	hakmem_cache_free(s, p);
	hk_dbg_finish(test, s);
}

/*
 * validate finds an overwritten red zone of a live object and does not
 * write into it (its user owns it): a second validate finds it again, and
 * the free reports it once more and repairs it.
 */
static void hakmem_cache_validate_reports_red_zone_overwrite(struct kunit *test)
{
	struct hakmem_cache *s = hk_dbg_create(test, "hakmem_test_err_dbg_rz_v", SLAB_RED_ZONE);
	u8 *p = hakmem_test_alloc(test, s);

	p[HK_DBG_SIZE + 1] = 0x34;
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_EQ(test, p[HK_DBG_SIZE + 1], 0x34);
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 1);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hakmem_cache_free(s, p);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	hk_dbg_finish(test, s);
}

/* Debug caches track the state: any double free is caught, in light mode. */
static void hakmem_cache_free_reports_double_free_with_debug(struct kunit *test)
{
	struct hakmem_cache *s = hk_dbg_create(test, "hakmem_test_err_dbg_df",
					       SLAB_STORE_USER);
	void *a = hakmem_test_alloc(test, s), *b = hakmem_test_alloc(test, s);

	hakmem_cache_free(s, a);
	hakmem_cache_free(s, b);
	hakmem_cache_free(s, a);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 1);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_ERR_DOUBLE_FREE), 1ULL);
	hk_dbg_finish(test, s);
}

/* Every debug feature together, over several pages: no false report. */
static void hakmem_cache_alloc_reports_nothing_when_clean(struct kunit *test)
{
	struct hakmem_cache *s = hk_dbg_create(test, "hakmem_test_dbg_all",
					       SLAB_POISON | SLAB_RED_ZONE |
					       SLAB_STORE_USER);
	unsigned int i, n = 256;
	void **p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < n; i++) {
		p[i] = hakmem_test_alloc(test, s);
		memset(p[i], i, HK_DBG_SIZE);
	}
	KUNIT_EXPECT_EQ(test, hakmem_cache_validate(s), 0);
	for (i = 0; i < n; i++)
		hakmem_cache_free(s, p[i]);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_ALLOC_FAST), 0ULL);
	hk_dbg_finish(test, s);
}

/*
 * The debug= parameter's P poisons free objects as SLAB_POISON does, so
 * init_on_free must not zero them then (SLUB's slab_want_init_on_free()
 * looks at the cache's flags, debug ones included): the next allocation
 * would report the poison overwritten.
 */
static void hakmem_cache_alloc_keeps_debug_poison_with_init_on_free(struct kunit *test)
{
	struct hakmem_cache *s;
	void *a, *b;

	if (!want_init_on_free())
		kunit_skip(test, "init_on_free is off (the x86_64 run sets it)");
	hakmem_test_debug_param(test, SLAB_POISON);
	s = hk_dbg_create(test, "hakmem_test_dbg_param_poison", 0);

	/* The freed object comes back first on the same CPU only. */
	hakmem_test_pin_cpu(test);
	a = hakmem_test_alloc(test, s);
	memset(a, 0x5a, HK_DBG_SIZE);
	hakmem_cache_free(s, a);
	b = hakmem_test_alloc(test, s);
	KUNIT_EXPECT_PTR_EQ(test, b, a);
	KUNIT_EXPECT_EQ(test, hakmem_test_take_reports(), 0);
	KUNIT_EXPECT_EQ(test, hakmem_cache_stat(s, HAKMEM_ERR_POISON), 0ULL);
	hakmem_cache_free(s, b);
	hk_dbg_finish(test, s);
}

static struct kunit_case hakmem_debug_cases[] = {
	KUNIT_CASE(hakmem_cache_alloc_reports_write_after_free),
	KUNIT_CASE(hakmem_cache_validate_reports_write_after_free),
	KUNIT_CASE(hakmem_cache_free_reports_red_zone_overwrite),
	KUNIT_CASE(hakmem_cache_validate_reports_red_zone_overwrite),
	KUNIT_CASE(hakmem_cache_free_reports_double_free_with_debug),
	KUNIT_CASE(hakmem_cache_alloc_reports_nothing_when_clean),
	KUNIT_CASE(hakmem_cache_alloc_keeps_debug_poison_with_init_on_free),
	{}
};

static struct kunit_suite hakmem_debug_suite = {
	.name = "hakmem_slab_debug",
	.init = hakmem_test_init,
	.exit = hakmem_test_exit,
	.test_cases = hakmem_debug_cases,
};

kunit_test_suite(hakmem_debug_suite);
